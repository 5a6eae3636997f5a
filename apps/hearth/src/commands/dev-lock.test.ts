import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireDevLock, DEV_LOCK_FILE } from './dev-lock.js'

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function stateDir(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'hearth-dev-lock-'))
  folders.push(folder)
  return path.join(folder, '.hearth')
}

const alive =
  (...pids: number[]) =>
  (pid: number) =>
    pids.includes(pid)

describe('the dev lock', () => {
  it('is taken by the first `hearth dev` and refused to a second, naming the first', () => {
    const dir = stateDir()
    const first = acquireDevLock(dir, {
      pid: 101,
      now: 5_000,
      command: 'hearth dev',
      isAlive: alive(101, 202),
    })
    expect(first.ok).toBe(true)
    expect(JSON.parse(readFileSync(path.join(dir, DEV_LOCK_FILE), 'utf8'))).toEqual({
      pid: 101,
      startedAt: 5_000,
      command: 'hearth dev',
    })
    const second = acquireDevLock(dir, { pid: 202, isAlive: alive(101, 202) })
    expect(second).toEqual({
      ok: false,
      holder: { pid: 101, startedAt: 5_000, command: 'hearth dev' },
      file: path.join(dir, DEV_LOCK_FILE),
    })
    if (first.ok) first.lock.release()
    expect(acquireDevLock(dir, { pid: 202, isAlive: alive(202) }).ok).toBe(true)
  })

  it('takes over a lock whose process is gone (a crash, kill -9)', () => {
    const dir = stateDir()
    const crashed = acquireDevLock(dir, { pid: 101, isAlive: alive(101) })
    expect(crashed.ok).toBe(true)
    const next = acquireDevLock(dir, { pid: 202, now: 9_000, isAlive: alive(202) })
    expect(next.ok).toBe(true)
    expect(JSON.parse(readFileSync(path.join(dir, DEV_LOCK_FILE), 'utf8')).pid).toBe(202)
  })

  it('takes over a lock it cannot read', () => {
    const dir = stateDir()
    acquireDevLock(dir, { pid: 1, isAlive: () => true })
    writeFileSync(path.join(dir, DEV_LOCK_FILE), 'not json')
    expect(acquireDevLock(dir, { pid: 202, isAlive: () => true }).ok).toBe(true)
  })

  it('releases only its own lock', () => {
    const dir = stateDir()
    const first = acquireDevLock(dir, { pid: 101, isAlive: alive(101) })
    // 101 died; 202 took the lock over: 101's late release must not remove 202's.
    const second = acquireDevLock(dir, { pid: 202, isAlive: alive(202) })
    expect(second.ok).toBe(true)
    if (first.ok) first.lock.release()
    expect(JSON.parse(readFileSync(path.join(dir, DEV_LOCK_FILE), 'utf8')).pid).toBe(202)
  })

  it('asks the system whether the holder runs: this process does, a finished one does not', () => {
    const dir = stateDir()
    const lock = acquireDevLock(dir)
    expect(lock.ok).toBe(true)
    expect(acquireDevLock(dir, { pid: process.pid + 100_000 }).ok).toBe(false)
    const finished = spawnSync(process.execPath, ['-e', '']).pid
    writeFileSync(
      path.join(dir, DEV_LOCK_FILE),
      JSON.stringify({ pid: finished, startedAt: 1, command: 'hearth dev' }),
    )
    expect(acquireDevLock(dir, { pid: process.pid + 100_000 }).ok).toBe(true)
  })
})
