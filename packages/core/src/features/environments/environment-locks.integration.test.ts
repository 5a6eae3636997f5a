import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFileLocks } from './environment-locks.js'

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
  await rm(dir, { recursive: true, force: true })
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
console.log('ready')
// Start together: wait for the parent's go.
for await (const _ of createInterface({ input: process.stdin })) break
let waited = false
const lock = await locks.acquire('backend', { signal: new AbortController().signal, onWait: () => { waited = true } })
appendFileSync(log, 'enter ' + id + '\\n')
await new Promise((resolve) => setTimeout(resolve, 50))
appendFileSync(log, 'exit ' + id + '\\n')
await lock.release()
console.log(waited ? 'waited' : 'direct')
`,
    )
    const children = [0, 1, 2, 3].map((id) =>
      track(
        spawn(process.execPath, ['--import', TSX_LOADER, script, path.join(dir, 'locks'), log, String(id)], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      ),
    )
    const lines = children.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]())
    const next = async (index: number): Promise<string> => (await lines[index]!.next()).value as string

    expect(await Promise.all(children.map((_, index) => next(index)))).toEqual([
      'ready',
      'ready',
      'ready',
      'ready',
    ])
    for (const child of children) child.stdin!.end('go\n')
    const outcomes = await Promise.all(children.map((_, index) => next(index)))
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
    // They did contend: all four asked at once, so at least one had to wait for another.
    expect(outcomes.filter((outcome) => outcome === 'waited').length).toBeGreaterThanOrEqual(1)
  })
})
