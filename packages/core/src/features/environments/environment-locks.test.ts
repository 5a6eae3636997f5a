import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { currentOwner } from '../../lock-identity.js'
import {
  createFileLocks,
  createMemoryLocks,
  type EnvironmentLocks,
  type FileLocksOptions,
  type LockHandle,
  LockTimeoutError,
} from './environment-locks.js'

/**
 * Locks within this process. Holders that are other processes (dead, recycled pids, live ones that
 * outlast the timeout) are in `environment-locks.integration.test.ts`.
 *
 * No test here sleeps and then asserts: each waits for an event (an `onWait`, a settled promise, a
 * file that changed), so a slow machine makes them slower, never wrong.
 */
let dir: string
/** Aborted after each test: a test that failed half-way leaves no acquire polling the folder. */
let teardown: AbortController
/** Every acquire a test started, settled before the folder is removed. */
let started: Array<Promise<void>>
/** The locks they took, released then (a second release is harmless). */
let taken: LockHandle[]
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-locks-'))
  teardown = new AbortController()
  started = []
  taken = []
})
afterEach(async () => {
  teardown.abort(new Error('test over'))
  await Promise.all(started)
  await Promise.all(taken.map((lock) => lock.release().catch(() => undefined)))
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
})

/** A signal that only the end of the test aborts. */
const never = () => teardown.signal

/** Starts an acquire, tracked for the teardown. */
function acquire(
  locks: EnvironmentLocks,
  environment: string,
  options: { signal?: AbortSignal; onWait?: (holder: string) => void } = {},
): Promise<LockHandle> {
  const signal = options.signal === undefined ? never() : AbortSignal.any([options.signal, never()])
  const acquiring = locks.acquire(environment, { signal, onWait: options.onWait ?? (() => undefined) })
  started.push(
    acquiring.then(
      (lock) => void taken.push(lock),
      () => undefined,
    ),
  )
  return acquiring
}

/** Resolves with the holder text on the first `onWait`. */
function waitSpy() {
  let resolve!: (holder: string) => void
  const told = new Promise<string>((r) => (resolve = r))
  const onWait = vi.fn((holder: string) => resolve(holder))
  return { onWait, told }
}

/** Resolves once `check` holds, polling; fails after a generous limit rather than hanging. */
async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** File locks that poll fast: handing the lock on takes milliseconds, even in a long contention. */
const fileLocks = (options: FileLocksOptions = {}) => createFileLocks(dir, { pollMs: 2, ...options })

/**
 * Runs `count` sessions that each take the lock, hold it across a few turns of the event loop (so
 * that the others run meanwhile) and release it; returns the log.
 */
async function contend(locks: EnvironmentLocks, count: number): Promise<string[]> {
  const log: string[] = []
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const lock = await acquire(locks, 'backend')
      log.push(`enter ${index}`)
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve))
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

/** A lock file as another session of this process would write it. */
const lockOf = (token: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...currentOwner(), token, command: 'hearth.js up', since: Date.now(), ...extra })

describe('createFileLocks', () => {
  it('creates the lock directory and a lock file naming this process', async () => {
    const locks = createFileLocks(path.join(dir, 'nested', 'locks'))
    const lock = await acquire(locks, 'backend')
    const content = JSON.parse(await readFile(path.join(dir, 'nested', 'locks', 'backend.lock'), 'utf8'))
    const owner = currentOwner()
    expect(content).toEqual({
      pid: process.pid,
      startTime: owner.startTime,
      bootId: owner.bootId,
      host: owner.host,
      token: expect.stringMatching(/^[0-9a-f]{16}$/),
      command: expect.any(String),
      since: expect.any(Number),
    })
    await lock.release()
    await expect(readFile(path.join(dir, 'nested', 'locks', 'backend.lock'))).rejects.toMatchObject({
      code: 'ENOENT',
    })
  })

  it('makes a second acquire wait, telling who holds it, until the first releases', async () => {
    const locks = fileLocks()
    const first = await acquire(locks, 'backend')
    const { onWait, told } = waitSpy()
    let second: LockHandle | null = null
    const acquiring = acquire(locks, 'backend', { onWait }).then((lock) => (second = lock))

    expect(await told).toMatch(new RegExp(`^pid ${process.pid} \\(.+\\), holding it for \\d+(\\.\\d+)? m?s$`))
    expect(second).toBeNull()
    await first.release()
    await acquiring
    expect(second).not.toBeNull()
    expect(onWait).toHaveBeenCalledTimes(1)
  })

  it('tells again while the wait lasts', async () => {
    await writeFile(path.join(dir, 'backend.lock'), lockOf('other'))
    const calls: string[] = []
    let twice!: () => void
    const toldTwice = new Promise<void>((resolve) => (twice = resolve))
    const acquiring = acquire(fileLocks({ reportEveryMs: 20 }), 'backend', {
      onWait: (holder) => {
        calls.push(holder)
        if (calls.length === 2) twice()
      },
    })
    await toldTwice
    expect(
      calls.every((holder) => holder.startsWith(`pid ${process.pid} (hearth.js up), holding it for`)),
    ).toBe(true)
    await rm(path.join(dir, 'backend.lock'))
    await acquiring
  })

  it('keeps one lock per environment', async () => {
    const locks = fileLocks()
    const onWait = vi.fn()
    const backend = await acquire(locks, 'backend', { onWait })
    const frontend = await acquire(locks, 'frontend', { onWait })
    expect(onWait).not.toHaveBeenCalled()
    await Promise.all([backend.release(), frontend.release()])
  })

  it('serializes concurrent acquirers', { timeout: 30_000 }, async () => {
    expectSerialized(await contend(fileLocks(), 5), 5)
  })

  it('on release deletes only its own lock', async () => {
    const locks = fileLocks()
    const file = path.join(dir, 'backend.lock')
    const lock = await acquire(locks, 'backend')
    // Someone else's lock in its place (ours was taken over, say).
    const theirs = lockOf('someone-else', { since: 1 })
    await writeFile(file, theirs)
    await lock.release()
    expect(await readFile(file, 'utf8')).toBe(theirs)
  })

  it('releases harmlessly when the lock file is already gone', async () => {
    const locks = fileLocks()
    const lock = await acquire(locks, 'backend')
    await rm(path.join(dir, 'backend.lock'))
    await expect(lock.release()).resolves.toBeUndefined()
  })

  it('rejects with the reason when aborted while waiting, leaving the holder its lock', async () => {
    const locks = fileLocks()
    const first = await acquire(locks, 'backend')
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

describe('createFileLocks, giving up', () => {
  it('gives up after the timeout, naming the holder, the lock file and the fix', async () => {
    const file = path.join(dir, 'backend.lock')
    await writeFile(file, lockOf('other', { since: Date.now() - 90_000 }))
    const { onWait, told } = waitSpy()
    const waiting = acquire(fileLocks({ timeoutMs: 100 }), 'backend', { onWait })
    await told
    const error = await waiting.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LockTimeoutError)
    const { message, fix } = error as LockTimeoutError
    expect(message).toMatch(
      new RegExp(
        `^gave up after waiting [\\d.]+ m?s for the lock on environment backend: another hearth holds it, pid ${process.pid} \\(hearth\\.js up\\), which took it 1m \\d\\ds ago$`,
      ),
    )
    expect(fix).toBe(
      `stop that hearth (pid ${process.pid}), or remove the lock file ${file} if you are sure it is dead; to wait longer, set HEARTH_LOCK_TIMEOUT_MS (now 100)`,
    )
    // Giving up leaves the holder its lock.
    expect(JSON.parse(await readFile(file, 'utf8')).token).toBe('other')
  })

  it('takes its timeout from HEARTH_LOCK_TIMEOUT_MS, and refuses one that is no number', async () => {
    await writeFile(path.join(dir, 'backend.lock'), lockOf('other'))
    await expect(
      acquire(fileLocks({ env: { HEARTH_LOCK_TIMEOUT_MS: '0' } }), 'backend'),
    ).rejects.toBeInstanceOf(LockTimeoutError)
    await expect(acquire(fileLocks({ env: { HEARTH_LOCK_TIMEOUT_MS: 'soon' } }), 'backend')).rejects.toThrow(
      'HEARTH_LOCK_TIMEOUT_MS is "soon": not a number of milliseconds',
    )
  })
})

describe('createFileLocks, with debris and races', () => {
  it('takes over a lock file that cannot be read once it is old enough, and not before', async () => {
    const file = path.join(dir, 'backend.lock')
    await writeFile(file, '')
    const { onWait, told } = waitSpy()
    const acquiring = acquire(fileLocks({ unreadableStaleMs: 150 }), 'backend', { onWait })
    expect(await told).toBe('an unknown process (its lock file cannot be read yet)')
    const lock = await acquiring
    expect(JSON.parse(await readFile(file, 'utf8')).pid).toBe(process.pid)
    await lock.release()
  })

  it('takes over a live holder whose heartbeat is older than the stale limit, once seen silent', async () => {
    const file = path.join(dir, 'backend.lock')
    // Held in the name of this very process (alive, the same start time), but not refreshed for an hour.
    await writeFile(file, lockOf('hung'))
    const anHourAgo = new Date(Date.now() - 3_600_000)
    await utimes(file, anHourAgo, anHourAgo)
    const { onWait, told } = waitSpy()
    const acquiring = acquire(fileLocks({ staleMs: 100 }), 'backend', { onWait })
    // First it waits (its holder runs), then, the heartbeat still silent, it takes over.
    await told
    const lock = await acquiring
    expect(JSON.parse(await readFile(file, 'utf8')).token).not.toBe('hung')
    await lock.release()
  })

  it('refreshes the heartbeat of the lock it holds', async () => {
    const file = path.join(dir, 'backend.lock')
    const lock = await acquire(fileLocks({ heartbeatMs: 10 }), 'backend')
    const anHourAgo = new Date(Date.now() - 3_600_000)
    await utimes(file, anHourAgo, anHourAgo)
    await waitFor(async () => Date.now() - (await stat(file)).mtimeMs < 60_000)
    await lock.release()
  })

  it('lets exactly one of many waiters take over a stale lock', { timeout: 60_000 }, async () => {
    // A pid that is surely not running: beyond the kernel's pid range.
    const dead = 2 ** 30
    for (let trial = 0; trial < 10; trial++) {
      await writeFile(
        path.join(dir, 'backend.lock'),
        JSON.stringify({ pid: dead, token: `dead-${trial}`, command: 'x', since: 0 }),
      )
      expectSerialized(await contend(fileLocks(), 8), 8)
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
