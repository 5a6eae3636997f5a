import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { systemClock } from '../../clock.js'

/** Held while a session changes an environment; other sessions wait, then attach to the result. */
export interface LockHandle {
  release(): Promise<void>
}

export interface EnvironmentLocks {
  /**
   * Resolves once this session holds the environment's lock. While another session holds it,
   * `onWait` is called once with a description of the holder. Rejects when `signal` aborts.
   */
  acquire(
    environment: string,
    options: { signal: AbortSignal; onWait(holder: string): void },
  ): Promise<LockHandle>
}

interface LockContent {
  pid: number
  token: string
  command: string
  since: number
}

type Holder =
  | { kind: 'held'; content: LockContent }
  | { kind: 'unreadable'; ageMs: number }
  | { kind: 'missing' }

const POLL_MS = 50
/** A lock file that cannot be read for this long is debris (not ours: we write them whole). */
const UNREADABLE_STALE_MS = 5_000
/** A takeover marker older than this was left by a process that died while taking over. */
const TAKEOVER_STALE_MS = 5_000

/**
 * Cross-process locks as files in `dir`. A lock is created whole (written to a temporary file, then
 * hard-linked into place, which fails if the lock exists), so no reader ever sees it half-written.
 * A lock whose holder process is gone (a SIGKILLed hearth) is taken over, so a crash never wedges
 * an environment; taking over is itself serialized, so two waiters cannot both take it.
 */
export function createFileLocks(dir: string, options: { unreadableStaleMs?: number } = {}): EnvironmentLocks {
  const unreadableStaleMs = options.unreadableStaleMs ?? UNREADABLE_STALE_MS
  const isStale = (holder: Holder): boolean => {
    if (holder.kind === 'held') return !isRunning(holder.content.pid)
    return holder.kind === 'unreadable' && holder.ageMs > unreadableStaleMs
  }
  return {
    async acquire(environment, { signal, onWait }) {
      await mkdir(dir, { recursive: true })
      const file = path.join(dir, `${environment}.lock`)
      const content: LockContent = {
        pid: process.pid,
        token: randomBytes(8).toString('hex'),
        command: process.argv
          .slice(1)
          .map((arg) => path.basename(arg))
          .join(' '),
        since: Date.now(),
      }
      let told = false
      for (;;) {
        signal.throwIfAborted()
        if (await tryCreate(file, content)) return { release: () => releaseIfOurs(file, content.token) }
        const holder = await readHolder(file)
        if (isStale(holder)) {
          await takeOver(file, holder, isStale)
          continue
        }
        if (!told && holder.kind !== 'missing') {
          told = true
          onWait(
            holder.kind === 'held'
              ? `pid ${holder.content.pid} (${holder.content.command})`
              : 'an unknown process',
          )
        }
        await systemClock.sleep(POLL_MS, signal)
      }
    },
  }
}

async function tryCreate(file: string, content: LockContent): Promise<boolean> {
  const temporary = `${file}.${content.token}.tmp`
  await writeFile(temporary, JSON.stringify(content))
  try {
    await link(temporary, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await rm(temporary, { force: true })
  }
}

async function readHolder(file: string): Promise<Holder> {
  let text: string
  let ageMs: number
  try {
    ageMs = Date.now() - (await stat(file)).mtimeMs
    text = await readFile(file, 'utf8')
  } catch {
    return { kind: 'missing' }
  }
  try {
    const content = JSON.parse(text) as LockContent
    if (typeof content.pid === 'number' && typeof content.token === 'string') return { kind: 'held', content }
  } catch {
    // fall through: not a lock we wrote
  }
  return { kind: 'unreadable', ageMs }
}

/**
 * Removes a stale lock, under a takeover marker so that only one waiter does it, and only if the
 * lock is still the stale one it saw (another waiter may have taken over and locked meanwhile).
 */
async function takeOver(file: string, seen: Holder, isStale: (holder: Holder) => boolean): Promise<void> {
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
    await systemClock.sleep(POLL_MS)
    return
  }
  try {
    const now = await readHolder(file)
    const same =
      (now.kind === 'held' && seen.kind === 'held' && now.content.token === seen.content.token) ||
      (now.kind === 'unreadable' && seen.kind === 'unreadable')
    if (same && isStale(now)) await rm(file, { force: true })
  } finally {
    await rm(marker, { force: true })
  }
}

async function releaseIfOurs(file: string, token: string): Promise<void> {
  const holder = await readHolder(file)
  if (holder.kind === 'held' && holder.content.token === token) await rm(file, { force: true })
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
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
