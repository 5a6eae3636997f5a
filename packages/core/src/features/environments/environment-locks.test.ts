import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createFileLocks,
  createMemoryLocks,
  type EnvironmentLocks,
  type LockHandle,
} from './environment-locks.js'

/**
 * Locks within this process. The cross-process check and the takeover of a lock whose holder died
 * need other processes: they are in `environment-locks.integration.test.ts`.
 */
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-locks-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const never = () => new AbortController().signal

/** Resolves with the holder text on the first `onWait`. */
function waitSpy() {
  let resolve!: (holder: string) => void
  const told = new Promise<string>((r) => (resolve = r))
  const onWait = vi.fn((holder: string) => resolve(holder))
  return { onWait, told }
}

/** Runs `count` sessions that each take the lock, hold it for a moment and release it; returns the log. */
async function contend(locks: EnvironmentLocks, count: number): Promise<string[]> {
  const log: string[] = []
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const lock = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
      log.push(`enter ${index}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
      log.push(`exit ${index}`)
      await lock.release()
    }),
  )
  return log
}

/** Every `enter i` is followed at once by `exit i`: no two holders at a time. */
function expectSerialized(log: string[], count: number): void {
  expect(log).toHaveLength(count * 2)
  for (let i = 0; i < log.length; i += 2) {
    expect(log[i]).toMatch(/^enter \d+$/)
    expect(log[i + 1]).toBe(log[i]?.replace('enter', 'exit'))
  }
  expect(new Set(log.filter((line) => line.startsWith('enter'))).size).toBe(count)
}

describe('createFileLocks', () => {
  it('creates the lock directory and a lock file naming this process', async () => {
    const locks = createFileLocks(path.join(dir, 'nested', 'locks'))
    const lock = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
    const content = JSON.parse(await readFile(path.join(dir, 'nested', 'locks', 'backend.lock'), 'utf8'))
    expect(content).toEqual({
      pid: process.pid,
      token: expect.stringMatching(/^[0-9a-f]{16}$/),
      command: expect.any(String),
      since: expect.any(Number),
    })
    await lock.release()
    await expect(readFile(path.join(dir, 'nested', 'locks', 'backend.lock'))).rejects.toMatchObject({
      code: 'ENOENT',
    })
  })

  it('makes a second acquire wait, telling once who holds it, until the first releases', async () => {
    const locks = createFileLocks(dir)
    const first = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
    const { onWait, told } = waitSpy()
    let second: LockHandle | null = null
    const acquiring = locks.acquire('backend', { signal: never(), onWait }).then((lock) => (second = lock))

    expect(await told).toMatch(new RegExp(`^pid ${process.pid} \\(.+\\)$`))
    expect(second).toBeNull()
    await first.release()
    await acquiring
    expect(second).not.toBeNull()
    expect(onWait).toHaveBeenCalledTimes(1)
    await second!.release()
  })

  it('keeps one lock per environment', async () => {
    const locks = createFileLocks(dir)
    const onWait = vi.fn()
    const backend = await locks.acquire('backend', { signal: never(), onWait })
    const frontend = await locks.acquire('frontend', { signal: never(), onWait })
    expect(onWait).not.toHaveBeenCalled()
    await Promise.all([backend.release(), frontend.release()])
  })

  it('serializes concurrent acquirers', async () => {
    expectSerialized(await contend(createFileLocks(dir), 5), 5)
  })

  it('on release deletes only its own lock', async () => {
    const locks = createFileLocks(dir)
    const file = path.join(dir, 'backend.lock')
    const lock = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
    // Someone else's lock in its place (ours was taken over, say).
    const theirs = JSON.stringify({ pid: process.pid, token: 'someone-else', command: 'hearth up', since: 1 })
    await writeFile(file, theirs)
    await lock.release()
    expect(await readFile(file, 'utf8')).toBe(theirs)
  })

  it('releases harmlessly when the lock file is already gone', async () => {
    const locks = createFileLocks(dir)
    const lock = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
    await rm(path.join(dir, 'backend.lock'))
    await expect(lock.release()).resolves.toBeUndefined()
  })

  it('rejects with the reason when aborted while waiting, leaving the holder its lock', async () => {
    const locks = createFileLocks(dir)
    const first = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
    const before = await readFile(path.join(dir, 'backend.lock'), 'utf8')
    const controller = new AbortController()
    const { onWait, told } = waitSpy()
    const waiting = locks.acquire('backend', { signal: controller.signal, onWait })
    await told
    const reason = new Error('interrupted')
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect(await readFile(path.join(dir, 'backend.lock'), 'utf8')).toBe(before)
    await first.release()
  })

  it('rejects at once when the signal has already aborted', async () => {
    const reason = new Error('interrupted')
    await expect(
      createFileLocks(dir).acquire('backend', { signal: AbortSignal.abort(reason), onWait: () => undefined }),
    ).rejects.toBe(reason)
  })
})

describe('createFileLocks, with debris and races', () => {
  it('takes over a lock file that cannot be read once it is old enough, and not before', async () => {
    const file = path.join(dir, 'backend.lock')
    await writeFile(file, '')
    const { onWait, told } = waitSpy()
    const acquiring = createFileLocks(dir, { unreadableStaleMs: 150 }).acquire('backend', {
      signal: never(),
      onWait,
    })
    expect(await told).toBe('an unknown process')
    const lock = await acquiring
    expect(JSON.parse(await readFile(file, 'utf8')).pid).toBe(process.pid)
    await lock.release()
  })

  it('lets exactly one of many waiters take over a stale lock', async () => {
    // A pid that is surely not running: beyond the kernel's pid range.
    const dead = 2 ** 30
    for (let trial = 0; trial < 10; trial++) {
      await writeFile(
        path.join(dir, 'backend.lock'),
        JSON.stringify({ pid: dead, token: `dead-${trial}`, command: 'x', since: 0 }),
      )
      expectSerialized(await contend(createFileLocks(dir), 8), 8)
    }
  })
})

describe('createMemoryLocks', () => {
  it('rejects a waiting acquire as soon as its signal aborts', async () => {
    const locks = createMemoryLocks()
    const held = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
    const controller = new AbortController()
    const { onWait, told } = waitSpy()
    const waiting = locks.acquire('backend', { signal: controller.signal, onWait })
    await told
    controller.abort(new Error('Ctrl-C'))
    await expect(waiting).rejects.toThrow('Ctrl-C')
    await held.release()
  })

  it('makes a second acquire wait, telling once, until the first releases', async () => {
    const locks = createMemoryLocks()
    const first = await locks.acquire('backend', { signal: never(), onWait: () => undefined })
    const { onWait, told } = waitSpy()
    let second: LockHandle | null = null
    const acquiring = locks.acquire('backend', { signal: never(), onWait }).then((lock) => (second = lock))
    expect(await told).toBe('another session in this process')
    await new Promise((resolve) => setImmediate(resolve))
    expect(second).toBeNull()
    await first.release()
    await acquiring
    expect(onWait).toHaveBeenCalledTimes(1)
    await second!.release()
  })

  it('keeps one lock per environment', async () => {
    const locks = createMemoryLocks()
    const onWait = vi.fn()
    await locks.acquire('backend', { signal: never(), onWait })
    await locks.acquire('frontend', { signal: never(), onWait })
    expect(onWait).not.toHaveBeenCalled()
  })

  it('serializes concurrent acquirers', async () => {
    expectSerialized(await contend(createMemoryLocks(), 5), 5)
  })

  it('rejects at once when the signal has already aborted', async () => {
    const reason = new Error('interrupted')
    await expect(
      createMemoryLocks().acquire('backend', { signal: AbortSignal.abort(reason), onWait: () => undefined }),
    ).rejects.toBe(reason)
  })
})
