import { createStore } from '@keystore/core'
import { runStoreSuite } from '@keystore/test-suite'
import { expect, it } from 'vitest'
import { memoryDriver } from '../src/index.ts'

runStoreSuite('memory', () => memoryDriver())

it('drops an expired item when it is read', async () => {
  const driver = memoryDriver()
  const store = createStore({ driver })
  await driver.setItem('stale', { value: '"old"', expiresAt: Date.now() - 1 })
  expect(driver.size).toBe(1)
  expect(await store.get('stale')).toBeNull()
  expect(driver.size).toBe(0)
})
