/** The server the tests use. hearth hands it to them (the `redis` environment's testEnv). */
export function redisUrl(): string {
  const url = process.env.REDIS_URL
  if (!url)
    throw new Error('REDIS_URL is not set: start a Redis server (`hearth up redis`) and export its URL')
  return url
}
