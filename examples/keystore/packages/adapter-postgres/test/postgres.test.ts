import { runStoreSuite } from '@keystore/test-suite'
import { postgresDriver } from '../src/index.ts'
import { databaseUrl } from './database-url.ts'

runStoreSuite('postgres', () => postgresDriver({ connectionString: databaseUrl(), table: 'keystore_suite' }))
