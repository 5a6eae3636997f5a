import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'

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

const POLL_MS = 50

/**
 * Cross-process locks as files created with O_EXCL (`wx`) in `dir`. A lock whose holder process is
 * gone (a SIGKILLed hearth) is taken over, so a crash never wedges an environment.
 */
export function createFileLocks(dir: string): EnvironmentLocks {
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
        try {
          const handle = await open(file, 'wx')
          await handle.writeFile(JSON.stringify(content))
          await handle.close()
          return { release: () => releaseIfOurs(file, content.token) }
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        }
        const holder = await readHolder(file)
        if (holder !== null && !isRunning(holder.pid)) {
          // Move it aside before removing it: two waiters that both see it stale must not both
          // delete a lock that one of them has meanwhile re-created.
          const aside = `${file}.stale-${content.token}`
          await rename(file, aside).then(
            () => rm(aside, { force: true }),
            () => undefined,
          )
          continue
        }
        if (!told && holder !== null) {
          told = true
          onWait(`pid ${holder.pid} (${holder.command})`)
        }
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          }, POLL_MS)
          const onAbort = (): void => {
            clearTimeout(timer)
            reject(signal.reason)
          }
          signal.addEventListener('abort', onAbort, { once: true })
        })
      }
    },
  }
}

async function readHolder(file: string): Promise<LockContent | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockContent
  } catch {
    // Gone, or being written this instant: look again on the next round.
    return null
  }
}

async function releaseIfOurs(file: string, token: string): Promise<void> {
  const holder = await readHolder(file)
  if (holder?.token === token) await rm(file, { force: true })
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
        await current
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
