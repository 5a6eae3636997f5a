export type { RedisOptions } from './redis.js'
export {
  REDIS_DATABASES,
  REDIS_IMAGE,
  REDIS_OUTPUTS,
  REDIS_PORT,
  redis,
  redisDatabaseUrl,
  redisStandIn,
  STAND_IN_CLI,
  STAND_IN_READY,
  STAND_IN_SERVER,
} from './redis.js'
