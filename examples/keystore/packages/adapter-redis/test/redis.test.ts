import { runStoreSuite } from '@keystore/test-suite'
import { redisDriver } from '../src/index.ts'
import { redisUrl } from './redis-url.ts'

// Redis expires keys lazily and on a timer; the stand-in sweeps every 100 ms.
runStoreSuite('redis', () => redisDriver({ url: redisUrl() }), { expirySlackMs: 150 })
