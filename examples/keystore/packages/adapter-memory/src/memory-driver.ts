import {
  createStore,
  type Driver,
  type DriverEntry,
  isExpired,
  type Storage,
  type StoreOptions,
} from '@keystore/core'

export interface MemoryDriver extends Driver {
  /** How many items it holds, expired ones not yet swept included. */
  readonly size: number
}

/** A driver over a `Map`. Expired items are dropped when read or listed. */
export function memoryDriver(): MemoryDriver {
  const items = new Map<string, DriverEntry>()
  const live = (key: string): DriverEntry | undefined => {
    const entry = items.get(key)
    if (entry === undefined) return undefined
    if (!isExpired(entry.expiresAt)) return entry
    items.delete(key)
    return undefined
  }
  return {
    name: 'memory',
    get size() {
      return items.size
    },
    async getItem(key) {
      return live(key)?.value ?? null
    },
    async setItem(key, entry) {
      items.set(key, { ...entry })
    },
    async removeItem(key) {
      items.delete(key)
    },
    async getKeys(prefix) {
      return [...items.keys()].filter((key) => key.startsWith(prefix) && live(key) !== undefined)
    },
    async clear(prefix) {
      for (const key of [...items.keys()]) if (key.startsWith(prefix)) items.delete(key)
    },
    async dispose() {
      items.clear()
    },
  }
}

export function createMemoryStore(options: Omit<StoreOptions, 'driver'> = {}): Storage {
  return createStore({ ...options, driver: memoryDriver() })
}
