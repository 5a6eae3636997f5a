export type { LocalRedisServer, RedisOptions } from './redis.js'
export {
  findRedisServer,
  LOCAL_SERVERS,
  REDIS_DATABASES,
  REDIS_IMAGE,
  REDIS_OUTPUTS,
  REDIS_PORT,
  redis,
  redisDatabaseUrl,
  redisLocal,
  redisStandIn,
  SERVER_READY,
  STAND_IN_CLI,
  STAND_IN_READY,
  STAND_IN_SERVER,
} from './redis.js'
