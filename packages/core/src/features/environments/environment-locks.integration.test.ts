import { type ChildProcess, spawn } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { currentOwner, processStartTime } from '../../lock-identity.js'
import { createFileLocks, LockTimeoutError } from './environment-locks.js'

/** File locks between real processes: what the unit tests cannot show. */
let dir: string
/** Children a failed test may leave running. */
const spawned: ChildProcess[] = []
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-locks-'))
})
afterEach(async () => {
  for (const child of spawned.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
})

const LOCKS_SOURCE = fileURLToPath(new URL('./environment-locks.ts', import.meta.url))
// core does not depend on tsx; @hearth/environments does (it loads configs with it).
const TSX_LOADER = pathToFileURL(
  createRequire(fileURLToPath(new URL('../../../../environments/package.json', import.meta.url))).resolve(
    'tsx',
  ),
).href

function track<T extends ChildProcess>(child: T): T {
  spawned.push(child)
  return child
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = track(spawn(process.execPath, ['-e', ''], { stdio: 'ignore' }))
  const pid = child.pid
  if (pid === undefined) throw new Error('could not spawn node')
  await once(child, 'exit')
  return pid
}

/** A live process that is no hearth, and its start time. */
async function unrelatedProcess(): Promise<{ pid: number; startTime: string | null }> {
  const child = track(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' }))
  await once(child, 'spawn')
  const pid = child.pid
  if (pid === undefined) throw new Error('could not spawn node')
  return { pid, startTime: processStartTime(pid) }
}

/** A lock file naming `pid` (on this host, this boot), with `startTime` as its process start time. */
async function lockNaming(pid: number, startTime: string | null, token: string): Promise<string> {
  const file = path.join(dir, 'backend.lock')
  await writeFile(
    file,
    JSON.stringify({ ...currentOwner(), pid, startTime, token, command: 'hearth.js up', since: Date.now() }),
  )
  return file
}

const HAS_PROC = processStartTime(process.pid) !== null

describe('createFileLocks with holders that are other processes', () => {
  it.runIf(HAS_PROC)(
    'takes over at once a lock whose pid now runs an unrelated process (pid reuse)',
    async () => {
      const other = await unrelatedProcess()
      // The pid runs, but started at another time than the lock says: its holder is gone.
      const file = await lockNaming(other.pid, String(Number(other.startTime) - 1), 'recycled')
      const onWait = vi.fn()
      const lock = await createFileLocks(dir).acquire('backend', {
        signal: new AbortController().signal,
        onWait,
      })
      expect(onWait).not.toHaveBeenCalled()
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid })
      await lock.release()
    },
  )

  // Where there is no boot id (macOS), the lock stands on its pid, which runs.
  it.skipIf(currentOwner().bootId === null)(
    'takes over a lock from before the last reboot at once',
    async () => {
      const other = await unrelatedProcess()
      const file = path.join(dir, 'backend.lock')
      await writeFile(
        file,
        JSON.stringify({
          ...currentOwner(),
          pid: other.pid,
          startTime: other.startTime,
          bootId: 'another-boot',
          token: 'old-boot',
          command: 'hearth.js up',
          since: 1,
        }),
      )
      const onWait = vi.fn()
      const lock = await createFileLocks(dir).acquire('backend', {
        signal: new AbortController().signal,
        onWait,
      })
      expect(onWait).not.toHaveBeenCalled()
      expect(JSON.parse(await readFile(file, 'utf8')).token).not.toBe('old-boot')
      await lock.release()
    },
  )

  it('takes over a lock whose holder runs but whose heartbeat is older than the limit, once seen silent', async () => {
    const other = await unrelatedProcess()
    const file = await lockNaming(other.pid, other.startTime, 'silent')
    const longAgo = new Date(Date.now() - 3_600_000)
    await utimes(file, longAgo, longAgo)
    const told: string[] = []
    const lock = await createFileLocks(dir, { staleMs: 200 }).acquire('backend', {
      signal: new AbortController().signal,
      onWait: (holder) => told.push(holder),
    })
    // It waited first (the holder runs), then took over: the heartbeat stayed silent.
    expect(told).toEqual([expect.stringMatching(new RegExp(`^pid ${other.pid} \\(hearth\\.js up\\)`))])
    expect(JSON.parse(await readFile(file, 'utf8')).token).not.toBe('silent')
    await lock.release()
  })

  it('gives up on a live holder after the timeout, naming it and the fix, and leaves it its lock', async () => {
    const other = await unrelatedProcess()
    const file = await lockNaming(other.pid, other.startTime, 'live')
    const error = await createFileLocks(dir, { timeoutMs: 300 })
      .acquire('backend', { signal: new AbortController().signal, onWait: () => undefined })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LockTimeoutError)
    expect((error as LockTimeoutError).message).toMatch(
      new RegExp(
        `for the lock on environment backend: another hearth holds it, pid ${other.pid} \\(hearth\\.js up\\)`,
      ),
    )
    expect((error as LockTimeoutError).fix).toBe(
      `stop that hearth (pid ${other.pid}), or remove the lock file ${file} if you are sure it is dead; to wait longer, set HEARTH_LOCK_TIMEOUT_MS (now 300)`,
    )
    expect(JSON.parse(await readFile(file, 'utf8')).token).toBe('live')
  })

  it("keeps a holder's lock while its heartbeat beats, however short the stale limit", async () => {
    // A real hearth-like holder in another process, beating every 50 ms; the waiter calls a lock
    // stale after 1 s of silence. It must never take over: it gives up at its timeout instead.
    const script = path.join(dir, 'beating.mts')
    await writeFile(
      script,
      `
import { createFileLocks } from ${JSON.stringify(pathToFileURL(LOCKS_SOURCE).href)}
const lock = await createFileLocks(process.argv[2]!, { heartbeatMs: 50 }).acquire('backend', {
  signal: new AbortController().signal,
  onWait: () => undefined,
})
console.log('held')
process.stdin.on('data', async () => { await lock.release(); process.exit(0) })
`,
    )
    const holder = track(
      spawn(
        process.execPath,
        ['--conditions=@hearth/source', '--import', TSX_LOADER, script, path.join(dir, 'locks')],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      ),
    )
    const lines = createInterface({ input: holder.stdout! })[Symbol.asyncIterator]()
    expect((await lines.next()).value).toBe('held')
    const error = await createFileLocks(path.join(dir, 'locks'), {
      staleMs: 1_000,
      heartbeatMs: 50,
      timeoutMs: 3_000,
    })
      .acquire('backend', { signal: new AbortController().signal, onWait: () => undefined })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LockTimeoutError)
    holder.stdin!.end('release\n')
    expect((await once(holder, 'exit'))[0]).toBe(0)
  })
})

describe('createFileLocks across processes', () => {
  it('takes over a lock whose holder process is gone, without waiting', async () => {
    const pid = await deadPid()
    const file = path.join(dir, 'backend.lock')
    await writeFile(file, JSON.stringify({ pid, token: 'dead-holder', command: 'hearth up', since: 1 }))
    const onWait = vi.fn()
    const lock = await createFileLocks(dir).acquire('backend', {
      signal: new AbortController().signal,
      onWait,
    })
    expect(onWait).not.toHaveBeenCalled()
    const content = JSON.parse(await readFile(file, 'utf8'))
    expect(content.pid).toBe(process.pid)
    expect(content.token).not.toBe('dead-holder')
    await lock.release()
  })

  it('lets one of four processes hold the lock at a time', async () => {
    const log = path.join(dir, 'critical.log')
    // .mts: the temporary folder has no package.json saying "type": "module".
    const script = path.join(dir, 'holder.mts')
    await writeFile(
      script,
      `
import { appendFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { createFileLocks } from ${JSON.stringify(pathToFileURL(LOCKS_SOURCE).href)}

const [dir, log, id] = process.argv.slice(2) as [string, string, string]
const locks = createFileLocks(dir)
const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
console.log('ready')
// Start together: wait for the parent's go.
await input.next()
let waited = false
const onWait = () => {
  if (!waited) console.log('waiting')
  waited = true
}
const lock = await locks.acquire('backend', { signal: new AbortController().signal, onWait })
appendFileSync(log, 'enter ' + id + '\\n')
console.log('entered')
// Hold it until the parent says leave.
await input.next()
appendFileSync(log, 'exit ' + id + '\\n')
await lock.release()
console.log(waited ? 'waited' : 'direct')
`,
    )
    const children = [0, 1, 2, 3].map((id) =>
      track(
        spawn(
          process.execPath,
          [
            '--conditions=@hearth/source',
            '--import',
            TSX_LOADER,
            script,
            path.join(dir, 'locks'),
            log,
            String(id),
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        ),
      ),
    )
    // What each process said so far, and a wait for a line, whatever came before or after it.
    const said = children.map(() => [] as string[])
    const saying = new EventEmitter().setMaxListeners(100)
    for (const [index, child] of children.entries()) {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        said[index]!.push(line)
        saying.emit('line')
      })
    }
    const hasSaid = (index: number, line: string) =>
      new Promise<number>((resolve) => {
        const check = (): void => {
          if (!said[index]!.includes(line)) return
          saying.off('line', check)
          resolve(index)
        }
        saying.on('line', check)
        check()
      })
    const everyone = children.map((_, index) => index)

    await Promise.all(everyone.map((index) => hasSaid(index, 'ready')))
    for (const child of children) child.stdin!.write('go\n')
    // The first to hold the lock keeps it until the three others wait; then each leaves as it enters.
    const entering = new Map(everyone.map((index) => [index, hasSaid(index, 'entered')]))
    const first = await Promise.race(entering.values())
    await Promise.all(everyone.filter((index) => index !== first).map((index) => hasSaid(index, 'waiting')))
    for (let round = 0; round < children.length; round++) {
      const holder = await Promise.race(entering.values())
      entering.delete(holder)
      children[holder]!.stdin!.end('leave\n')
    }
    const codes = await Promise.all(
      children.map(async (child) => child.exitCode ?? (await once(child, 'exit'))[0]),
    )
    expect(codes).toEqual([0, 0, 0, 0])

    const entries = (await readFile(log, 'utf8')).trim().split('\n')
    expect(entries).toHaveLength(8)
    for (let i = 0; i < entries.length; i += 2) {
      expect(entries[i]).toMatch(/^enter \d$/)
      expect(entries[i + 1]).toBe(entries[i]?.replace('enter', 'exit'))
    }
    expect(new Set(entries).size).toBe(8)
    expect(said.map((lines) => lines.at(-1)).sort()).toEqual(['direct', 'waited', 'waited', 'waited'])
  })
})
