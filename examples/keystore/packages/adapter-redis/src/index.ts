export type { RedisDriverOptions, RedisStoreOptions } from './redis-driver.ts'
export { createRedisStore, redisDriver } from './redis-driver.ts'
