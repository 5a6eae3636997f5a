import { randomUUID } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  checkOwner,
  currentOwner,
  LOCK_HEARTBEAT_MS,
  LOCK_STALE_MS,
  type LockOwner,
  type OwnerCheck,
  parseOwner,
  startHeartbeat,
} from '@hearth/core'

/**
 * One `hearth dev` per project: two would watch the same files, run the same tests twice against one
 * environment (resetting its data under each other's feet) and fight over the terminal's keys. The
 * second one is refused, naming the first; it does not attach read-only (hearth's state lives in the
 * process that runs it, and a second view of it would need a channel between the two).
 *
 * `<stateDir>/dev.lock` names its holder as the environment locks do (`@hearth/core`'s lock identity:
 * pid, process start time, boot id, host) and says when it was taken. It is created whole and
 * atomically: written to a temporary file, then hard-linked to its name, which fails when the name
 * exists. The holder refreshes its mtime every 5 s (`LOCK_HEARTBEAT_MS`). A lock is stale, and taken
 * over, when its holder is gone (a crash, a `kill -9`), its pid now belongs to another process (pid
 * reuse after a reboot or in a container), it was taken before the last reboot, or its heartbeat is
 * older than 60 s (`LOCK_STALE_MS`: a hung holder, or one we cannot see).
 */
export interface DevLockHolder extends LockOwner {
  /** When it took the lock (epoch ms). */
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
  /** Who takes the lock (default: this process). */
  owner?: LockOwner
  now?: number
  command?: string
  /** Whether a lock's holder still runs (default `checkOwner`: its pid, start time and boot id). */
  checkOwner?: (owner: LockOwner) => OwnerCheck
  /** A lock whose heartbeat is older than this is stale, whatever its pid (default `LOCK_STALE_MS`). */
  staleMs?: number
  /** How often the holder refreshes its lock (default `LOCK_HEARTBEAT_MS`). */
  heartbeatMs?: number
}

export const DEV_LOCK_FILE = 'dev.lock'

export function acquireDevLock(stateDir: string, options: DevLockOptions = {}): DevLockResult {
  const owner = options.owner ?? currentOwner()
  const check = options.checkOwner ?? checkOwner
  const staleMs = options.staleMs ?? LOCK_STALE_MS
  const file = path.join(stateDir, DEV_LOCK_FILE)
  const mine: DevLockHolder = {
    ...owner,
    startedAt: options.now ?? Date.now(),
    command: options.command ?? `hearth ${process.argv.slice(2).join(' ')}`.trim(),
  }
  const content = `${JSON.stringify(mine)}\n`
  mkdirSync(stateDir, { recursive: true })
  // A few tries: each failed one removed a stale lock, and another process may take it meanwhile.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, content))
      return { ok: true, lock: holdLock(file, content, options.heartbeatMs ?? LOCK_HEARTBEAT_MS) }
    const found = readLock(file)
    if (found === null) continue // removed meanwhile: try again
    const { holder } = found
    // Our own pid on our host is no other live hearth: a recycled pid (hearth is pid 1 in every
    // container), or this very process.
    const ours = holder !== null && holder.pid === owner.pid && (holder.host ?? owner.host) === owner.host
    if (holder !== null && !ours) {
      const verdict = check(holder)
      if (verdict.alive && found.heartbeatAgeMs <= staleMs) return { ok: false, holder, file }
    }
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

/**
 * The lock's raw text, holder (null when unreadable: stale) and heartbeat age, or null when there is
 * no lock.
 */
function readLock(
  file: string,
): { raw: string; holder: DevLockHolder | null; heartbeatAgeMs: number } | null {
  let raw: string
  let heartbeatAgeMs: number
  try {
    heartbeatAgeMs = Date.now() - statSync(file).mtimeMs
    raw = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    const parsed = JSON.parse(raw) as Partial<DevLockHolder>
    const owner = parseOwner(parsed)
    if (owner === null) return { raw, holder: null, heartbeatAgeMs }
    return {
      raw,
      heartbeatAgeMs,
      holder: {
        ...owner,
        startedAt: typeof parsed.startedAt === 'number' ? parsed.startedAt : 0,
        command: typeof parsed.command === 'string' ? parsed.command : 'hearth dev',
      },
    }
  } catch {
    return { raw, holder: null, heartbeatAgeMs }
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

function holdLock(file: string, content: string, heartbeatMs: number): DevLock {
  let held = true
  const stopHeartbeat = startHeartbeat(file, (text) => text === content, heartbeatMs)
  const release = (): void => {
    if (!held) return
    held = false
    stopHeartbeat()
    process.off('exit', release)
    removeIfUnchanged(file, content)
  }
  // A forced exit (a second Ctrl-C) skips the orderly release: the lock goes with the process.
  process.on('exit', release)
  return { file, release }
}
