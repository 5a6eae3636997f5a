import { describe, expect, it } from 'vitest'
import { NetworkLock } from './network-lock.js'

/** A piece of work that runs until `finish` is called, recording when it started and ended. */
function step(log: string[], name: string): { work: () => Promise<string>; finish(fail?: boolean): void } {
  let finish: (fail?: boolean) => void = () => undefined
  const done = new Promise<void>((resolve, reject) => {
    finish = (fail) => (fail ? reject(new Error(`${name} failed`)) : resolve())
  })
  return {
    work: async () => {
      log.push(`${name} starts`)
      await done
      log.push(`${name} ends`)
      return name
    },
    finish: (fail) => finish(fail),
  }
}

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('NetworkLock', () => {
  it('runs shared work together, and exclusive work alone between what came before and after', async () => {
    const lock = new NetworkLock()
    const log: string[] = []
    const [a, b, remove, c] = [step(log, 'a'), step(log, 'b'), step(log, 'remove'), step(log, 'c')]
    const runs = [lock.shared(a.work), lock.shared(b.work), lock.exclusive(remove.work), lock.shared(c.work)]
    await settle()
    expect(log).toEqual(['a starts', 'b starts'])

    b.finish()
    await settle()
    // The removal waits for every start queued before it.
    expect(log).toEqual(['a starts', 'b starts', 'b ends'])
    a.finish()
    await settle()
    expect(log.slice(3)).toEqual(['a ends', 'remove starts'])

    // A start queued after the removal waits for it.
    remove.finish()
    await settle()
    expect(log.slice(5)).toEqual(['remove ends', 'c starts'])
    c.finish()
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'remove', 'c'])
  })

  it("gives each caller its own work's failure, and goes on after it", async () => {
    const lock = new NetworkLock()
    const log: string[] = []
    const [a, remove, b] = [step(log, 'a'), step(log, 'remove'), step(log, 'b')]
    const first = lock.shared(a.work)
    const removal = lock.exclusive(remove.work)
    const second = lock.shared(b.work)
    a.finish(true)
    await expect(first).rejects.toThrow('a failed')
    remove.finish(true)
    await expect(removal).rejects.toThrow('remove failed')
    b.finish()
    await expect(second).resolves.toBe('b')
  })
})
