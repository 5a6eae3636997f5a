import { createStore, type Driver, type Storage } from '@keystore/core'
import { randomId, sleep } from '@keystore/utils'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

export interface StoreSuiteOptions {
  /** How late a backend may expire an item, in ms (Redis expires lazily and on a timer). Default 50. */
  expirySlackMs?: number
}

/**
 * The behaviour every driver must have, as Vitest tests. Call it at the top level of a test file;
 * `makeDriver` runs once, and each test works below a fresh random base, so files that share a
 * backend do not see each other's keys.
 */
export function runStoreSuite(
  name: string,
  makeDriver: () => Driver | Promise<Driver>,
  options: StoreSuiteOptions = {},
): void {
  const slack = options.expirySlackMs ?? 50

  describe(`${name} driver`, () => {
    let driver: Driver
    let store: Storage

    beforeAll(async () => {
      driver = await makeDriver()
    })
    beforeEach(() => {
      store = createStore({ driver, base: `suite:${randomId()}` })
    })
    afterEach(() => store.clear())
    afterAll(() => driver?.dispose?.())

    it('returns null for a key it never stored', async () => {
      expect(await store.get('missing')).toBeNull()
      expect(await store.has('missing')).toBe(false)
    })

    it('round-trips values of every JSON type', async () => {
      const values = {
        text: 'hello',
        number: 42.5,
        yes: true,
        nothing: null,
        list: [1, 'two'],
        nested: { a: { b: 1 } },
      }
      for (const [key, value] of Object.entries(values)) await store.set(key, value)
      for (const [key, value] of Object.entries(values)) expect(await store.get(key)).toEqual(value)
    })

    it('reads many keys at once, in order, with null for the missing', async () => {
      const keys = Array.from({ length: 70 }, (_, i) => `many:${i}`)
      for (const key of keys.filter((_, i) => i % 3 !== 0)) await store.set(key, key)
      const values = await store.getMany<string>(keys)
      expect(values).toEqual(keys.map((key, i) => (i % 3 === 0 ? null : key)))
    })

    it('overwrites a value', async () => {
      await store.set('counter', 1)
      await store.set('counter', 2)
      expect(await store.get('counter')).toBe(2)
    })

    it('treats every spelling of a key as one key', async () => {
      await store.set('users/42', 'ada')
      expect(await store.get('users:42')).toBe('ada')
      expect(await store.get(':users::42')).toBe('ada')
    })

    it('lists the keys below its base, sorted, without the base', async () => {
      await store.set('users:2', {})
      await store.set('users:1', {})
      await store.set('teams:1', {})
      expect(await store.keys()).toEqual(['teams:1', 'users:1', 'users:2'])
      expect(await store.keys('users')).toEqual(['users:1', 'users:2'])
    })

    it('does not read the glob or LIKE characters of a base as patterns', async () => {
      // Unescaped, `k_?%*` would match the first neighbour as a LIKE pattern and the second as a glob.
      const run = `suite:${randomId()}`
      const odd = createStore({ driver, base: `${run}:k_?%*` })
      const neighbours = [
        createStore({ driver, base: `${run}:kZ?Q*` }),
        createStore({ driver, base: `${run}:k_Z%Q` }),
      ]
      try {
        await odd.set('a', 1)
        for (const neighbour of neighbours) await neighbour.set('b', 2)
        expect(await odd.keys()).toEqual(['a'])
        await odd.clear()
        for (const neighbour of neighbours) expect(await neighbour.keys()).toEqual(['b'])
      } finally {
        for (const neighbour of neighbours) await neighbour.clear()
      }
    })

    it('removes a key', async () => {
      await store.set('gone', 'soon')
      await store.remove('gone')
      expect(await store.get('gone')).toBeNull()
      expect(await store.keys()).toEqual([])
    })

    it('expires an item after its TTL', async () => {
      await store.set('short', 'lived', { ttl: '100ms' })
      await store.set('long', 'lived', { ttl: '1h' })
      expect(await store.get('short')).toBe('lived')
      await sleep(100 + slack)
      expect(await store.get('short')).toBeNull()
      expect(await store.keys()).toEqual(['long'])
    })

    it('clears only the keys below its base', async () => {
      const other = createStore({ driver, base: `suite:${randomId()}` })
      try {
        await store.set('mine', 1)
        await other.set('theirs', 2)
        await store.clear()
        expect(await store.keys()).toEqual([])
        expect(await other.get('theirs')).toBe(2)
      } finally {
        await other.clear()
      }
    })
  })
}
