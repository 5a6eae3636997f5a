import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { currentOwner, type LockOwner, type OwnerCheck, processStartTime } from '@hearth/core'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireDevLock, DEV_LOCK_FILE, type DevLock } from './dev-lock.js'

const folders: string[] = []
const held: DevLock[] = []
afterEach(() => {
  for (const lock of held.splice(0)) lock.release()
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function stateDir(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'hearth-dev-lock-'))
  folders.push(folder)
  mkdirSync(path.join(folder, '.hearth'))
  return path.join(folder, '.hearth')
}

/** A pretend process on this host: only its pid matters to the fake owner check. */
const owner = (pid: number): LockOwner => ({ pid, startTime: null, bootId: null, host: 'here' })

/** An owner check that knows these pids run. */
const alive =
  (...pids: number[]) =>
  (holder: LockOwner): OwnerCheck =>
    pids.includes(holder.pid) ? { alive: true, verified: true } : { alive: false, reason: 'gone' }

/** Takes the lock, remembering it for cleanup. */
function take(dir: string, options: Parameters<typeof acquireDevLock>[1]) {
  const result = acquireDevLock(dir, options)
  if (result.ok) held.push(result.lock)
  return result
}

const lockFile = (dir: string) => path.join(dir, DEV_LOCK_FILE)
const readLock = (dir: string) => JSON.parse(readFileSync(lockFile(dir), 'utf8'))
/** Sets the lock's heartbeat (its mtime) this long ago. */
const ageLock = (dir: string, ms: number) => {
  const then = new Date(Date.now() - ms)
  utimesSync(lockFile(dir), then, then)
}

describe('the dev lock', () => {
  it('is taken by the first `hearth dev` and refused to a second, naming the first', () => {
    const dir = stateDir()
    const first = take(dir, {
      owner: owner(101),
      now: 5_000,
      command: 'hearth dev',
      checkOwner: alive(101, 202),
    })
    expect(first.ok).toBe(true)
    expect(readLock(dir)).toEqual({
      pid: 101,
      startTime: null,
      bootId: null,
      host: 'here',
      startedAt: 5_000,
      command: 'hearth dev',
    })
    const second = take(dir, { owner: owner(202), checkOwner: alive(101, 202) })
    expect(second).toEqual({
      ok: false,
      holder: {
        pid: 101,
        startTime: null,
        bootId: null,
        host: 'here',
        startedAt: 5_000,
        command: 'hearth dev',
      },
      file: lockFile(dir),
    })
    if (first.ok) first.lock.release()
    expect(take(dir, { owner: owner(202), checkOwner: alive(202) }).ok).toBe(true)
  })

  it('takes over a lock whose process is gone (a crash, kill -9)', () => {
    const dir = stateDir()
    expect(take(dir, { owner: owner(101), checkOwner: alive(101) }).ok).toBe(true)
    const next = take(dir, { owner: owner(202), now: 9_000, checkOwner: alive(202) })
    expect(next.ok).toBe(true)
    expect(readLock(dir).pid).toBe(202)
  })

  it('takes over a lock it cannot read', () => {
    const dir = stateDir()
    take(dir, { owner: owner(1), checkOwner: () => ({ alive: true, verified: true }) })
    writeFileSync(lockFile(dir), 'not json')
    expect(take(dir, { owner: owner(202), checkOwner: () => ({ alive: true, verified: true }) }).ok).toBe(
      true,
    )
  })

  it('takes over a lock whose heartbeat is older than the stale limit, though its holder seems to run', () => {
    const dir = stateDir()
    const options = { checkOwner: alive(101, 202), staleMs: 60_000 }
    expect(take(dir, { ...options, owner: owner(101) }).ok).toBe(true)
    ageLock(dir, 59_000)
    expect(take(dir, { ...options, owner: owner(202) }).ok).toBe(false)
    ageLock(dir, 61_000)
    expect(take(dir, { ...options, owner: owner(202) }).ok).toBe(true)
    expect(readLock(dir).pid).toBe(202)
  })

  it('keeps its heartbeat while held', async () => {
    const dir = stateDir()
    const result = take(dir, { owner: owner(101), checkOwner: alive(101), heartbeatMs: 10 })
    ageLock(dir, 60_000)
    // The next beats bring the mtime back to now: wait for it, however slow the machine.
    const deadline = Date.now() + 30_000
    while (Date.now() - statSync(lockFile(dir)).mtimeMs > 30_000 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10))
    expect(Date.now() - statSync(lockFile(dir)).mtimeMs).toBeLessThan(30_000)
    if (result.ok) result.lock.release()
    expect(() => statSync(lockFile(dir))).toThrow(/ENOENT/)
    expect(result.ok).toBe(true)
  })

  it('releases only its own lock', () => {
    const dir = stateDir()
    const first = take(dir, { owner: owner(101), checkOwner: alive(101) })
    // 101 died; 202 took the lock over: 101's late release must not remove 202's.
    const second = take(dir, { owner: owner(202), checkOwner: alive(202) })
    expect(second.ok).toBe(true)
    if (first.ok) first.lock.release()
    expect(readLock(dir).pid).toBe(202)
  })

  it('asks the system whether the holder runs: this process does, a finished one does not', () => {
    const dir = stateDir()
    const me = currentOwner()
    expect(take(dir, {}).ok).toBe(true)
    const other = { ...me, pid: process.pid + 100_000 }
    expect(take(dir, { owner: other }).ok).toBe(false)
    const finished = spawnSync(process.execPath, ['-e', '']).pid
    writeFileSync(
      lockFile(dir),
      JSON.stringify({ ...me, pid: finished, startedAt: 1, command: 'hearth dev' }),
    )
    expect(take(dir, { owner: other }).ok).toBe(true)
  })

  it.runIf(processStartTime(process.pid) !== null)(
    'takes over at once a lock whose pid now runs another process (pid reuse), or was taken before a reboot',
    () => {
      const dir = stateDir()
      const me = currentOwner()
      // Our parent runs, and is no hearth dev: a lock naming its pid with another start time is a
      // dead holder's whose pid was recycled.
      const parent = process.ppid
      const real = {
        ...me,
        pid: parent,
        startTime: processStartTime(parent),
        startedAt: 1,
        command: 'hearth dev',
      }
      writeFileSync(lockFile(dir), JSON.stringify(real))
      expect(take(dir, { owner: { ...me, pid: process.pid + 100_000 } }).ok).toBe(false)

      writeFileSync(lockFile(dir), JSON.stringify({ ...real, startTime: '1' }))
      expect(take(dir, { owner: { ...me, pid: process.pid + 100_000 } }).ok).toBe(true)
      for (const lock of held.splice(0)) lock.release()

      writeFileSync(lockFile(dir), JSON.stringify({ ...real, bootId: 'another-boot' }))
      expect(take(dir, { owner: { ...me, pid: process.pid + 100_000 } }).ok).toBe(me.bootId !== null)
    },
  )
})
