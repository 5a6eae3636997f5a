import { readFileSync } from 'node:fs'
import { readFile, utimes } from 'node:fs/promises'
import { hostname } from 'node:os'

/**
 * Who holds a lock file, in a form that survives pid reuse, and whether that holder still lives.
 * Shared by the environment locks (`createFileLocks`) and `hearth dev`'s project lock.
 *
 * A pid alone is not an identity: after a reboot, or in a container where every hearth is pid 1 or 7,
 * the pid written in a lock soon belongs to some unrelated live process, and a waiter that only asks
 * "does pid N run?" waits forever. So a lock records, beside the pid:
 * - the process's start time (Linux: field 22 of /proc/<pid>/stat, clock ticks after boot): a
 *   pid that runs now but started at another time is another process;
 * - the boot id (/proc/sys/kernel/random/boot_id): a lock taken before the last reboot is stale,
 *   whatever runs under its pid today;
 * - the host name: a pid means nothing on another host, or in another container's pid namespace
 *   sharing the folder; only the heartbeat can judge those;
 * - a heartbeat: the holder refreshes the lock file's mtime every `LOCK_HEARTBEAT_MS` while it holds
 *   it. A lock whose heartbeat is older than `LOCK_STALE_MS` is stale even when its pid looks alive
 *   (a hung or stopped hearth, a holder we cannot see). Where there is no /proc (macOS), the pid
 *   (signal 0) and the heartbeat are all there is.
 */

/**
 * How often a holder touches its lock. A few seconds: cheap (one read and one `utimes`), and small
 * beside the stale limit, so that a holder whose event loop is busy for a while misses a few beats
 * without losing its lock.
 */
export const LOCK_HEARTBEAT_MS = 5_000

/**
 * A heartbeat older than this makes a lock stale whatever its pid: twelve missed beats. No healthy
 * hearth blocks its event loop for a minute, and a waiter that waits a minute too long for a hung
 * holder loses little; one that takes over from a live holder starts services twice.
 */
export const LOCK_STALE_MS = 60_000

/** Identifies a lock's holder. Fields a lock written by an older hearth lacks are null. */
export interface LockOwner {
  pid: number
  /** The process's start time (clock ticks after boot), or null where there is no /proc. */
  startTime: string | null
  /** The kernel's boot id, or null where there is no /proc. */
  bootId: string | null
  /** The host it ran on, or null when the lock does not say. */
  host: string | null
}

/** The verdict on a lock's holder: alive (and whether its identity was checked), or dead and why. */
export type OwnerCheck = { alive: true; verified: boolean } | { alive: false; reason: string }

interface ProcStat {
  state: string
  startTime: string
}

/** /proc/<pid>/stat, or null when the process does not exist or there is no /proc. */
function readStat(pid: number): ProcStat | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it start at the
  // last ')'. There, field 3 (state) is index 0 and field 22 (starttime) index 19.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state: fields[0] ?? '?', startTime: fields[19] ?? '' }
}

let procAvailable: boolean | undefined
/** Whether this system has a readable /proc: our own stat must be there. */
function hasProc(): boolean {
  procAvailable ??= readStat(process.pid) !== null
  return procAvailable
}

/** A process's start time (clock ticks after boot), or null where it cannot be read. */
export function processStartTime(pid: number): string | null {
  const startTime = readStat(pid)?.startTime
  return startTime === undefined || startTime === '' ? null : startTime
}

let cachedBootId: string | null | undefined
/** The kernel's boot id (it changes at every boot), or null where there is none. */
export function currentBootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
    } catch {
      cachedBootId = null
    }
  }
  return cachedBootId
}

/** This process as a lock owner. */
export function currentOwner(): LockOwner {
  return {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    bootId: currentBootId(),
    host: hostname(),
  }
}

/** The owner fields of a parsed lock file, or null when it names no valid pid. */
export function parseOwner(value: unknown): LockOwner | null {
  if (typeof value !== 'object' || value === null) return null
  const record = value as Record<string, unknown>
  const { pid } = record
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null
  const text = (field: unknown): string | null => (typeof field === 'string' && field !== '' ? field : null)
  return {
    pid,
    startTime: text(record.startTime),
    bootId: text(record.bootId),
    host: text(record.host),
  }
}

/**
 * Whether a lock's owner still runs: the same process (pid and start time) on this boot. An owner on
 * another host cannot be judged here (alive, unverified: its heartbeat decides).
 */
export function checkOwner(owner: LockOwner): OwnerCheck {
  if (owner.host !== null && owner.host !== hostname()) return { alive: true, verified: false }
  const bootId = currentBootId()
  if (owner.bootId !== null && bootId !== null && owner.bootId !== bootId)
    return { alive: false, reason: `it was taken before the last reboot (pid ${owner.pid})` }
  if (hasProc()) {
    const stat = readStat(owner.pid)
    if (stat === null) return { alive: false, reason: `pid ${owner.pid} is not running` }
    if (stat.state === 'Z' || stat.state === 'X')
      return { alive: false, reason: `pid ${owner.pid} has exited` }
    if (owner.startTime !== null && stat.startTime !== owner.startTime)
      return {
        alive: false,
        reason: `pid ${owner.pid} now belongs to another process (it started at another time)`,
      }
    return { alive: true, verified: owner.startTime !== null }
  }
  try {
    process.kill(owner.pid, 0)
    return { alive: true, verified: false }
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return { alive: true, verified: false }
    return { alive: false, reason: `pid ${owner.pid} is not running` }
  }
}

/**
 * Whether a lock is stale: its owner is gone, or its heartbeat (the file's mtime) is older than
 * `staleMs`. Returns the reason, or null while the lock stands.
 */
export function staleReason(
  owner: LockOwner,
  heartbeatAgeMs: number,
  staleMs = LOCK_STALE_MS,
): string | null {
  const check = checkOwner(owner)
  if (!check.alive) return check.reason
  return heartbeatAgeMs > staleMs ? silentHeartbeat(owner, heartbeatAgeMs) : null
}

/** Why a lock whose heartbeat is this old is stale. */
export function silentHeartbeat(owner: LockOwner, heartbeatAgeMs: number): string {
  return `its holder (pid ${owner.pid}) has not refreshed it for ${Math.round(heartbeatAgeMs / 1000)} s`
}

/**
 * Keeps a held lock's heartbeat: touches `file` every `everyMs` while `isOurs` accepts its content.
 * Stops by itself once the file is gone or another holder's; the timer never keeps the process
 * alive. Returns the function that stops it (call it before releasing the lock).
 */
export function startHeartbeat(
  file: string,
  isOurs: (content: string) => boolean,
  everyMs = LOCK_HEARTBEAT_MS,
): () => void {
  let busy = false
  const beat = async (): Promise<void> => {
    if (busy) return
    busy = true
    try {
      if (!isOurs(await readFile(file, 'utf8'))) {
        stop()
        return
      }
      const now = new Date()
      await utimes(file, now, now)
    } catch (error) {
      // Gone (released, or removed by hand): nothing left to keep alive. Another error (EMFILE, a
      // busy disk) may pass: the next beat tries again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') stop()
    } finally {
      busy = false
    }
  }
  const timer = setInterval(() => void beat(), everyMs)
  timer.unref()
  const stop = (): void => clearInterval(timer)
  return stop
}
