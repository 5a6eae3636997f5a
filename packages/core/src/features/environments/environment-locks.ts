import { randomBytes } from 'node:crypto'
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { asStateWriteError, makeStateDir } from '@hearth/driver'
import { formatDuration } from '@hearth/environments'
import { systemClock } from '../../clock.js'
import {
  checkOwner,
  currentOwner,
  LOCK_HEARTBEAT_MS,
  LOCK_STALE_MS,
  type LockOwner,
  parseOwner,
  silentHeartbeat,
  startHeartbeat,
} from '../../lock-identity.js'

/** Held while a session changes an environment; other sessions wait, then attach to the result. */
export interface LockHandle {
  release(): Promise<void>
}

export interface EnvironmentLocks {
  /**
   * Resolves once this session holds the environment's lock. While another session holds it,
   * `onWait` is called with a description of the holder (who, and how long it has held it and we
   * have waited): when the wait begins, when the holder changes, and every so often while it lasts.
   * Rejects with the signal's reason when `signal` aborts, and with a `LockTimeoutError` (its
   * `fix` says what to do) when the wait outlasts the locks' timeout.
   */
  acquire(
    environment: string,
    options: { signal: AbortSignal; onWait(holder: string): void },
  ): Promise<LockHandle>
}

/** The environment variable that sets how long `acquire` waits for a lock before it gives up. */
export const LOCK_TIMEOUT_ENV = 'HEARTH_LOCK_TIMEOUT_MS'
/**
 * How long `acquire` waits by default: ten minutes. A holder only keeps the lock while it starts or
 * stops the environment's services (pulls and builds included), which takes minutes at worst; a
 * wait far longer than that is a hearth that hangs, and CI is better served by a clear error.
 */
export const LOCK_TIMEOUT_MS = 10 * 60_000
/** How often a long wait is reported again through `onWait`. */
export const LOCK_REPORT_EVERY_MS = 30_000

export interface FileLocksOptions {
  /** Give up a wait after this long. Default: `HEARTH_LOCK_TIMEOUT_MS` if set, else 10 minutes. */
  timeoutMs?: number
  /** Where `HEARTH_LOCK_TIMEOUT_MS` is read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>
  /** How often a holder refreshes its lock's mtime (default `LOCK_HEARTBEAT_MS`, 5 s). */
  heartbeatMs?: number
  /** A lock whose heartbeat is older than this is stale, whatever its pid (default `LOCK_STALE_MS`, 60 s). */
  staleMs?: number
  /** A lock file that cannot be read for this long is debris (default 5 s). */
  unreadableStaleMs?: number
  /** The first wait between two tries; it doubles up to 250 ms (default 50 ms). */
  pollMs?: number
  /** How often a long wait is reported again (default 30 s). */
  reportEveryMs?: number
}

/** A wait for a lock that outlasted the timeout. `fix` names the holder's pid and the lock file. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError'
  constructor(
    message: string,
    readonly fix: string,
    readonly file: string,
  ) {
    super(message)
  }
}

interface LockContent extends LockOwner {
  token: string
  command: string
  /** When the holder took the lock (epoch ms). */
  since: number
}

type Holder =
  | { kind: 'held'; content: LockContent; mtimeMs: number; ageMs: number }
  | { kind: 'unreadable'; mtimeMs: number; ageMs: number }
  | { kind: 'missing' }

const FIRST_POLL_MS = 50
const MAX_POLL_MS = 250
/** A lock file that cannot be read for this long is debris (not ours: we write them whole). */
const UNREADABLE_STALE_MS = 5_000
/** A takeover marker older than this was left by a process that died while taking over. */
const TAKEOVER_STALE_MS = 5_000

/**
 * Cross-process locks as files in `dir`. A lock is created whole (written to a temporary file, then
 * hard-linked into place, which fails if the lock exists), so no reader ever sees it half-written.
 * It names its holder by pid, process start time, boot id and host, and the holder refreshes its
 * mtime (the heartbeat) while it holds it: see `lock-identity.ts`. A stale lock (its holder is gone,
 * its pid now another process's, taken before the last reboot, or its heartbeat older than
 * `staleMs`) is taken over, so a crash never wedges an environment; taking over is itself
 * serialized, so two waiters cannot both take it. A wait for a live holder gives up after
 * `timeoutMs`, naming the holder and the fix.
 */
export function createFileLocks(dir: string, options: FileLocksOptions = {}): EnvironmentLocks {
  const heartbeatMs = options.heartbeatMs ?? LOCK_HEARTBEAT_MS
  const staleMs = options.staleMs ?? LOCK_STALE_MS
  const unreadableStaleMs = options.unreadableStaleMs ?? UNREADABLE_STALE_MS
  const firstPollMs = options.pollMs ?? FIRST_POLL_MS
  const reportEveryMs = options.reportEveryMs ?? LOCK_REPORT_EVERY_MS
  // A heartbeat is judged old only after we have watched it not move for two beats (or the stale
  // limit, if shorter) on our own monotonic clock: after a suspend, or a jump of the wall clock, the
  // holder's next beat comes within one interval, and it must get the chance.
  const watchMs = Math.min(staleMs, 2 * heartbeatMs)

  /** Why the lock is stale (null while it stands), given how long we watched it unchanged. */
  const staleness = (holder: Holder, watchedMs: number): string | null => {
    if (holder.kind === 'missing') return null
    if (holder.kind === 'unreadable')
      return holder.ageMs > unreadableStaleMs ? 'its lock file cannot be read' : null
    // A dead owner is dead at once; a silent heartbeat only once we have seen it silent.
    const owner = checkOwner(holder.content)
    if (!owner.alive) return owner.reason
    return holder.ageMs > staleMs && watchedMs >= watchMs
      ? silentHeartbeat(holder.content, holder.ageMs)
      : null
  }

  return {
    async acquire(environment, { signal, onWait }) {
      signal.throwIfAborted()
      const timeoutMs = options.timeoutMs ?? timeoutFromEnv(options.env ?? process.env)
      await makeStateDir(dir)
      const file = path.join(dir, `${environment}.lock`)
      const content: LockContent = {
        ...currentOwner(),
        token: randomBytes(8).toString('hex'),
        command: process.argv
          .slice(1)
          .map((arg) => path.basename(arg))
          .join(' '),
        since: Date.now(),
      }
      const began = performance.now()
      let pollMs = firstPollMs
      /** The holder we last told about, and when. */
      let told = null as { who: string; at: number } | null
      /** The lock state (holder and heartbeat) we see, and since when we have seen it unchanged. */
      let watched = null as { key: string; since: number } | null
      for (;;) {
        signal.throwIfAborted()
        content.since = Date.now()
        if (await tryCreate(file, content)) return hold(file, content, heartbeatMs)
        const holder = await readHolder(file)
        if (holder.kind === 'missing') {
          // Released between our try and our look: try again.
          await systemClock.sleep(1, signal)
          continue
        }
        const now = performance.now()
        const key =
          holder.kind === 'held' ? `${holder.content.token}@${holder.mtimeMs}` : `?@${holder.mtimeMs}`
        if (watched?.key !== key) watched = { key, since: now }
        if (staleness(holder, now - watched.since) !== null) {
          await takeOver(file, holder)
          continue
        }
        const waitedMs = now - began
        const who = holder.kind === 'held' ? holder.content.token : '?'
        if (told === null || told.who !== who || now - told.at >= reportEveryMs) {
          if (told?.who !== who) pollMs = firstPollMs
          told = { who, at: now }
          onWait(describeHolder(holder, waitedMs))
        }
        if (waitedMs >= timeoutMs) throw timeoutError(environment, file, holder, waitedMs, timeoutMs)
        await systemClock.sleep(Math.max(1, Math.min(pollMs, timeoutMs - waitedMs)), signal)
        pollMs = Math.min(pollMs * 2, Math.max(firstPollMs, MAX_POLL_MS))
      }
    },
  }
}

/** The timeout `HEARTH_LOCK_TIMEOUT_MS` sets, or the default; rejects a value that is no duration. */
function timeoutFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[LOCK_TIMEOUT_ENV]
  if (raw === undefined || raw.trim() === '') return LOCK_TIMEOUT_MS
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0)
    throw new LockSettingError(
      `${LOCK_TIMEOUT_ENV} is ${JSON.stringify(raw)}: not a number of milliseconds`,
      `set it to how long to wait for another hearth's lock, e.g. ${LOCK_TIMEOUT_ENV}=${LOCK_TIMEOUT_MS}, or unset it (10 minutes)`,
    )
  return value
}

/** A lock setting that makes no sense; `fix` says what would. */
class LockSettingError extends Error {
  override readonly name = 'LockSettingError'
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message)
  }
}

/** `pid 4242 (hearth.js up), holding it for 3m 02s; waited 1m 00s so far` */
function describeHolder(holder: Holder, waitedMs: number): string {
  const who =
    holder.kind === 'held'
      ? `pid ${holder.content.pid} (${holder.content.command}), holding it for ${formatDuration(
          Math.max(0, Date.now() - holder.content.since),
        )}`
      : 'an unknown process (its lock file cannot be read yet)'
  return waitedMs < 1_000 ? who : `${who}; waited ${formatDuration(waitedMs)} so far`
}

function timeoutError(
  environment: string,
  file: string,
  holder: Holder,
  waitedMs: number,
  timeoutMs: number,
): LockTimeoutError {
  const who =
    holder.kind === 'held'
      ? `pid ${holder.content.pid} (${holder.content.command}), which took it ${formatDuration(
          Math.max(0, Date.now() - holder.content.since),
        )} ago`
      : 'an unknown process'
  const stop =
    holder.kind === 'held' ? `stop that hearth (pid ${holder.content.pid})` : 'stop the other hearth'
  return new LockTimeoutError(
    `gave up after waiting ${formatDuration(waitedMs)} for the lock on environment ${environment}: another hearth holds it, ${who}`,
    `${stop}, or remove the lock file ${file} if you are sure it is dead; to wait longer, set ${LOCK_TIMEOUT_ENV} (now ${timeoutMs})`,
    file,
  )
}

function hold(file: string, content: LockContent, heartbeatMs: number): LockHandle {
  const stopHeartbeat = startHeartbeat(file, (text) => tokenOf(text) === content.token, heartbeatMs)
  return {
    release: async () => {
      stopHeartbeat()
      await releaseIfOurs(file, content.token)
    },
  }
}

async function tryCreate(file: string, content: LockContent): Promise<boolean> {
  const temporary = `${file}.${content.token}.tmp`
  try {
    await writeFile(temporary, JSON.stringify(content))
    await link(temporary, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    // A full disk or a read-only folder: named, with the fix; the temporary goes either way.
    throw asStateWriteError(error, file)
  } finally {
    await rm(temporary, { force: true })
  }
}

function tokenOf(text: string): string | null {
  try {
    const { token } = JSON.parse(text) as { token?: unknown }
    return typeof token === 'string' ? token : null
  } catch {
    return null
  }
}

async function readHolder(file: string): Promise<Holder> {
  let text: string
  let mtimeMs: number
  try {
    mtimeMs = (await stat(file)).mtimeMs
    text = await readFile(file, 'utf8')
  } catch (error) {
    // Anything but "not there" (no permission, say) would make us wait on a lock we cannot judge.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' }
    throw error
  }
  const ageMs = Date.now() - mtimeMs
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>
    const owner = parseOwner(parsed)
    if (owner !== null && typeof parsed.token === 'string')
      return {
        kind: 'held',
        content: {
          ...owner,
          token: parsed.token,
          command: typeof parsed.command === 'string' ? parsed.command : 'hearth',
          since: typeof parsed.since === 'number' ? parsed.since : mtimeMs,
        },
        mtimeMs,
        ageMs,
      }
  } catch {
    // fall through: not a lock we wrote
  }
  return { kind: 'unreadable', mtimeMs, ageMs }
}

/**
 * Removes a stale lock, under a takeover marker so that only one waiter does it, and only if the
 * lock is still the one judged stale (same holder, same heartbeat): another waiter may have taken
 * over and locked meanwhile, or the holder may have beaten.
 */
async function takeOver(file: string, seen: Holder): Promise<void> {
  const marker = `${file}.takeover`
  try {
    await (await open(marker, 'wx')).close()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const age = await stat(marker).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    )
    if (age > TAKEOVER_STALE_MS) await rm(marker, { force: true })
    await systemClock.sleep(FIRST_POLL_MS)
    return
  }
  try {
    const now = await readHolder(file)
    const same =
      now.kind !== 'missing' &&
      seen.kind === now.kind &&
      now.mtimeMs === seen.mtimeMs &&
      (now.kind === 'unreadable' || (seen.kind === 'held' && now.content.token === seen.content.token))
    if (same) await rm(file, { force: true })
  } finally {
    await rm(marker, { force: true })
  }
}

async function releaseIfOurs(file: string, token: string): Promise<void> {
  const holder = await readHolder(file)
  if (holder.kind === 'held' && holder.content.token === token) await rm(file, { force: true })
}

/** Locks within one process, for unit tests of the controllers. */
export function createMemoryLocks(): EnvironmentLocks {
  const held = new Map<string, Promise<void>>()
  return {
    async acquire(environment, { signal, onWait }) {
      let told = false
      for (;;) {
        signal.throwIfAborted()
        const current = held.get(environment)
        if (current === undefined) break
        if (!told) {
          told = true
          onWait('another session in this process')
        }
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(signal.reason)
          signal.addEventListener('abort', onAbort, { once: true })
          void current.then(() => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          })
        })
      }
      let release!: () => void
      held.set(environment, new Promise<void>((resolve) => (release = resolve)))
      return {
        async release() {
          held.delete(environment)
          release()
        },
      }
    },
  }
}
