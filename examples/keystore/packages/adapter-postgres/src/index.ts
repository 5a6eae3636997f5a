export type { PostgresDriverOptions, PostgresStoreOptions } from './postgres-driver.ts'
export { createPostgresStore, postgresDriver } from './postgres-driver.ts'
export { escapeLike } from './sql.ts'
