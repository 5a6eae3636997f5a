import { createStore, type Driver, KeystoreError, type Storage, type StoreOptions } from '@keystore/core'
import { plain, type Serializer } from '@keystore/serialize'
import { chunk, escapeGlob } from '@keystore/utils'
import { Redis } from 'ioredis'

export interface RedisDriverOptions {
  /** A `redis://` URL. The driver connects and quits on dispose. */
  url?: string
  /** A client of your own instead (left connected on dispose). */
  client?: Redis
}

/** How many keys one `DEL` takes. */
const DELETE_BATCH = 500

/**
 * One Redis string per item; TTLs are Redis expiries (`PXAT`). Listing uses `KEYS` with the prefix
 * escaped, so a `*` in a base is a literal star.
 */
export function redisDriver(options: RedisDriverOptions): Driver {
  if (options.client === undefined && options.url === undefined) {
    throw new KeystoreError('DRIVER', 'redisDriver needs a url or a client')
  }
  const client = options.client ?? new Redis(options.url!, { lazyConnect: true, maxRetriesPerRequest: 2 })
  const keysUnder = (prefix: string) => client.keys(`${escapeGlob(prefix)}*`)

  return {
    name: 'redis',
    async getItem(key) {
      return client.get(key)
    },
    async setItem(key, entry) {
      if (entry.expiresAt === null) await client.set(key, entry.value)
      else await client.set(key, entry.value, 'PXAT', entry.expiresAt)
    },
    async removeItem(key) {
      await client.del(key)
    },
    getKeys: keysUnder,
    async clear(prefix) {
      for (const keys of chunk(await keysUnder(prefix), DELETE_BATCH)) await client.del(...keys)
    },
    async dispose() {
      if (options.client === undefined) await client.quit()
    },
  }
}

export interface RedisStoreOptions extends RedisDriverOptions, Omit<StoreOptions, 'driver' | 'serializer'> {
  /** Default: plain JSON, which other Redis clients read as is. */
  serializer?: Serializer
}

export function createRedisStore(options: RedisStoreOptions): Storage {
  return createStore({
    driver: redisDriver(options),
    base: options.base,
    serializer: options.serializer ?? plain,
  })
}
