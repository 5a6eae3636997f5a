import { chunk } from '@keystore/utils'
import { KeystoreError } from './errors.ts'
import { normalizeBase, normalizeKey, relativeKey } from './keys.ts'
import { expiresAt } from './ttl.ts'
import type { DriverEntry, Serializer, SetOptions } from './types.ts'

/**
 * What a backend implements. Keys arrive normalised and already carry the store's base; values
 * arrive serialised. A driver honours `expiresAt` itself (a SQL filter, Redis `PXAT`, a check on
 * read), so that an expired item is never returned.
 */
export interface Driver {
  readonly name: string
  getItem(key: string): Promise<string | null>
  setItem(key: string, entry: DriverEntry): Promise<void>
  removeItem(key: string): Promise<void>
  /** Every live key that starts with `prefix` (all keys for `''`). */
  getKeys(prefix: string): Promise<string[]>
  /** Removes every key that starts with `prefix`. */
  clear(prefix: string): Promise<void>
  /** Releases connections the driver opened itself. */
  dispose?(): Promise<void>
}

export interface StoreOptions {
  driver: Driver
  /** A key prefix: the store sees only the keys below it. */
  base?: string
  /** Default: JSON. */
  serializer?: Serializer
}

export interface Storage {
  readonly driver: Driver
  get<T = unknown>(key: string): Promise<T | null>
  /** Several keys at once, in order (null where there is none), read a slice at a time. */
  getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | null>>
  set(key: string, value: unknown, options?: SetOptions): Promise<void>
  has(key: string): Promise<boolean>
  remove(key: string): Promise<void>
  /** Keys below the store's base (and below `prefix`), without the base, sorted. */
  keys(prefix?: string): Promise<string[]>
  clear(): Promise<void>
  dispose(): Promise<void>
}

/** How many keys `getMany` reads at once: bounds the connections a driver uses in parallel. */
const GET_MANY_SLICE = 32

const jsonSerializer: Serializer = {
  stringify: (value) => JSON.stringify(value),
  parse: (text) => JSON.parse(text),
}

export function createStore(options: StoreOptions): Storage {
  const { driver } = options
  const base = normalizeBase(options.base)
  const serializer = options.serializer ?? jsonSerializer
  const fullKey = (key: string) => base + normalizeKey(key)

  const serialize = (key: string, value: unknown): string => {
    if (value === undefined)
      throw new KeystoreError('SERIALIZE', `cannot store undefined at "${key}": use remove()`)
    try {
      return serializer.stringify(value)
    } catch (cause) {
      throw new KeystoreError('SERIALIZE', `cannot serialize the value of "${key}"`, { cause })
    }
  }

  return {
    driver,
    async get<T>(key: string) {
      const text = await driver.getItem(fullKey(key))
      return text === null ? null : (serializer.parse(text) as T)
    },
    async getMany<T>(keys: readonly string[]) {
      const values: Array<T | null> = []
      for (const slice of chunk(keys, GET_MANY_SLICE)) {
        const texts = await Promise.all(slice.map((key) => driver.getItem(fullKey(key))))
        for (const text of texts) values.push(text === null ? null : (serializer.parse(text) as T))
      }
      return values
    },
    async set(key, value, setOptions = {}) {
      await driver.setItem(fullKey(key), {
        value: serialize(key, value),
        expiresAt: expiresAt(setOptions.ttl),
      })
    },
    async has(key) {
      return (await driver.getItem(fullKey(key))) !== null
    },
    async remove(key) {
      await driver.removeItem(fullKey(key))
    },
    async keys(prefix) {
      const scope = prefix === undefined ? base : base + normalizeBase(prefix)
      const keys = await driver.getKeys(scope)
      return keys
        .map((key) => relativeKey(key, base))
        .filter((key): key is string => key !== undefined)
        .sort()
    },
    async clear() {
      await driver.clear(base)
    },
    async dispose() {
      await driver.dispose?.()
    },
  }
}
