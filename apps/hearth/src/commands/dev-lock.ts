import { randomUUID } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * One `hearth dev` per project: two would watch the same files, run the same tests twice against one
 * environment (resetting its data under each other's feet) and fight over the terminal's keys. The
 * second one is refused, naming the first; it does not attach read-only (hearth's state lives in the
 * process that runs it, and a second view of it would need a channel between the two).
 *
 * `<stateDir>/dev.lock` holds the holder's pid and start time. It is created whole and atomically:
 * written to a temporary file, then hard-linked to its name, which fails when the name exists. A
 * lock whose pid no longer runs is stale (a crash, a `kill -9`) and is taken over.
 */
export interface DevLockHolder {
  pid: number
  startedAt: number
  /** The holder's arguments, to recognise it. */
  command: string
}

export interface DevLock {
  readonly file: string
  /** Removes the lock if it is still ours. Idempotent; also runs when the process exits. */
  release(): void
}

export type DevLockResult = { ok: true; lock: DevLock } | { ok: false; holder: DevLockHolder; file: string }

export interface DevLockOptions {
  pid?: number
  now?: number
  command?: string
  /** Whether a process runs (default: `process.kill(pid, 0)`). */
  isAlive?: (pid: number) => boolean
}

export const DEV_LOCK_FILE = 'dev.lock'

export function acquireDevLock(stateDir: string, options: DevLockOptions = {}): DevLockResult {
  const pid = options.pid ?? process.pid
  const isAlive = options.isAlive ?? processRuns
  const file = path.join(stateDir, DEV_LOCK_FILE)
  const mine: DevLockHolder = {
    pid,
    startedAt: options.now ?? Date.now(),
    command: options.command ?? `hearth ${process.argv.slice(2).join(' ')}`.trim(),
  }
  const content = `${JSON.stringify(mine)}\n`
  mkdirSync(stateDir, { recursive: true })
  // A few tries: each failed one removed a stale lock, and another process may take it meanwhile.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, content)) return { ok: true, lock: holdLock(file, content) }
    const found = readLock(file)
    if (found === null) continue // removed meanwhile: try again
    if (found.holder !== null && found.holder.pid !== pid && isAlive(found.holder.pid))
      return { ok: false, holder: found.holder, file }
    removeIfUnchanged(file, found.raw)
  }
  throw new Error(`could not take ${file}: other hearth processes keep taking and releasing it`)
}

/** Creates `file` with `content`, whole, unless it exists. */
function createExclusive(file: string, content: string): boolean {
  const temporary = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`
  writeFileSync(temporary, content)
  try {
    linkSync(temporary, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    // A file system without hard links: an exclusive create is atomic too (its content follows).
    try {
      writeFileSync(file, content, { flag: 'wx' })
      return true
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw fallback
    }
  } finally {
    try {
      unlinkSync(temporary)
    } catch {
      // Already gone.
    }
  }
}

/** The lock's raw text and holder (null when unreadable: stale), or null when there is no lock. */
function readLock(file: string): { raw: string; holder: DevLockHolder | null } | null {
  let raw: string
  try {
    raw = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    const parsed = JSON.parse(raw) as Partial<DevLockHolder>
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0)
      return { raw, holder: null }
    return {
      raw,
      holder: {
        pid: parsed.pid,
        startedAt: typeof parsed.startedAt === 'number' ? parsed.startedAt : 0,
        command: typeof parsed.command === 'string' ? parsed.command : 'hearth dev',
      },
    }
  } catch {
    return { raw, holder: null }
  }
}

/** Removes a stale lock, unless another process replaced it since it was read. */
function removeIfUnchanged(file: string, raw: string): void {
  try {
    if (readFileSync(file, 'utf8') === raw) unlinkSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

function holdLock(file: string, content: string): DevLock {
  let held = true
  const release = (): void => {
    if (!held) return
    held = false
    process.off('exit', release)
    removeIfUnchanged(file, content)
  }
  // A forced exit (a second Ctrl-C) skips the orderly release: the lock goes with the process.
  process.on('exit', release)
  return { file, release }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
