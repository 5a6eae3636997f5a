import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { FakeDriver } from '@hearth/driver'
import { validateConfig } from '@hearth/environments/validate'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Session } from '../../session.js'
import type { Action } from '../../store/actions.js'
import type { HearthState } from '../../store/state.js'
import { waitForState } from '../../store/wait-for-state.js'
import { FakeTestRunner } from '../../testing/fake-test-runner.js'
import { createMemoryLocks } from '../environments/environment-locks.js'
import { createMemoryUsageRecords } from '../environments/usage-records.js'

/**
 * The watch loop as an attached controller, on a real folder with the real watcher and the real import
 * graph: saves become runs of what they affect; paused, they are held and run together on resume.
 */
let root: string
let session: Session | null = null

afterEach(async () => {
  await session?.close()
  session = null
  await rm(root, { recursive: true, force: true })
})

async function project(): Promise<{ session: Session; actions: Action[] }> {
  root = await mkdtemp(path.join(tmpdir(), 'hearth-watch-'))
  await mkdir(path.join(root, 'src'))
  await writeFile(path.join(root, 'package.json'), '{ "name": "watched", "type": "module" }\n')
  await writeFile(path.join(root, 'src/money.ts'), 'export const cents = (n: number) => n * 100\n')
  await writeFile(path.join(root, 'src/names.ts'), 'export const upper = (s: string) => s.toUpperCase()\n')
  await writeFile(path.join(root, 'src/money.test.ts'), "import { cents } from './money.js'\ncents(1)\n")
  await writeFile(path.join(root, 'src/names.test.ts'), "import { upper } from './names.js'\nupper('a')\n")
  const result = validateConfig(
    { project: 'watched', environments: [] },
    { root, file: 'hearth.config.ts', defaultProject: 'watched' },
  )
  if (!result.ok) throw new Error('invalid config')
  const runner = new FakeTestRunner({
    [path.join(root, 'src/money.test.ts')]: { results: ['passed'] },
    [path.join(root, 'src/names.test.ts')]: { results: ['passed'] },
  })
  runner.ownersList = [{ root, configFile: null }]
  const opened = createSession({
    config: result.config,
    drivers: [new FakeDriver()],
    version: 'test',
    locks: createMemoryLocks(),
    usage: createMemoryUsageRecords(),
    tests: { runner, whenBusy: 'cancel' },
  })
  session = opened
  const actions: Action[] = []
  opened.store.subscribeActions((action) => actions.push(action))
  return { session: opened, actions }
}

/** The files of each run requested so far, relative, in order. */
function runsOf(actions: readonly Action[], base: string): string[][] {
  return actions
    .filter((action) => action.type === 'run/requested')
    .map((action) => Object.keys(action.files).map((file) => path.relative(base, file)))
}

/** Resolves once the `watch/changed` actions so far name every one of `paths`; returns them all. */
function changedUntil(
  session: Session,
  actions: readonly Action[],
  paths: readonly string[],
): Promise<string[]> {
  const seen = () => actions.flatMap((action) => (action.type === 'watch/changed' ? action.paths : []))
  return new Promise((resolve) => {
    const check = () => {
      if (!paths.every((file) => seen().includes(file))) return false
      unsubscribe()
      resolve(seen())
      return true
    }
    const unsubscribe = session.store.subscribeActions(() => {
      check()
    })
    check()
  })
}

/** The inotify watches this process holds, by file descriptor (Linux: /proc/self/fdinfo). */
function inotifyWatches(): Map<string, number> {
  const watches = new Map<string, number>()
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`)
    } catch {
      continue
    }
    if (target !== 'anon_inode:inotify') continue
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
    watches.set(fd, info.split('\n').filter((line) => line.startsWith('inotify wd:')).length)
  }
  return watches
}

const finishedRuns = (count: number) => (state: HearthState) =>
  state.tests.finishedRuns >= count && state.tests.pending === null

describe('the watch controller', () => {
  it('reruns what a save affects, with why; holds saves while paused and runs them on resume', async () => {
    const { session, actions } = await project()
    const stop = await session.watch({ debounceMs: 50 })
    expect(session.store.getState().watch).toMatchObject({ status: 'watching', root })

    await writeFile(path.join(root, 'src/money.ts'), 'export const cents = (n: number) => n * 100 + 0\n')
    let state = await waitForState(session.store, finishedRuns(1))
    expect(runsOf(actions, root)).toEqual([['src/money.test.ts']])
    expect(state.tests.files[path.join(root, 'src/money.test.ts')]?.reasons).toEqual([
      {
        kind: 'import',
        changed: 'src/money.ts',
        chain: ['src/money.test.ts', 'src/money.ts'],
        viaBuildOutput: null,
      },
    ])

    session.store.dispatch({ type: 'watch/paused', at: Date.now() })
    await writeFile(
      path.join(root, 'src/names.ts'),
      'export const upper = (s: string) => s.toUpperCase() + ""\n',
    )
    state = await waitForState(session.store, (current) => current.watch.held.includes('src/names.ts'))
    expect(state.watch.status).toBe('paused')
    // Held, not run: still the one run.
    expect(runsOf(actions, root)).toHaveLength(1)

    session.store.dispatch({ type: 'watch/resumed', at: Date.now() })
    state = await waitForState(session.store, finishedRuns(2))
    expect(runsOf(actions, root)).toEqual([['src/money.test.ts'], ['src/names.test.ts']])
    expect(state.watch).toMatchObject({ status: 'watching', held: [] })

    await stop()
    expect(session.store.getState().watch.status).toBe('stopped')
  })

  it('runs a save once though its events come again: a file with nothing new since its run is left out', async () => {
    const { session, actions } = await project()
    const stop = await session.watch({ debounceMs: 50 })
    const money = path.join(root, 'src/money.ts')
    await writeFile(money, 'export const cents = (n: number) => n * 100 + 0\n')
    await waitForState(session.store, finishedRuns(1))

    // An event with nothing new (same size, mtime and inode: here a mode set to what it was), then a
    // real edit. One inotify queue keeps them in order, so the first is in the edit's batch or before.
    await chmod(money, (await stat(money)).mode)
    await writeFile(
      path.join(root, 'src/names.ts'),
      'export const upper = (s: string) => s.toUpperCase() + ""\n',
    )
    await waitForState(session.store, finishedRuns(2))
    expect(runsOf(actions, root)).toEqual([['src/money.test.ts'], ['src/names.test.ts']])

    // Touched, it is new again.
    const later = new Date(Date.now() + 5_000)
    await utimes(money, later, later)
    await waitForState(session.store, finishedRuns(3))
    expect(runsOf(actions, root)[2]).toEqual(['src/money.test.ts'])
    await stop()
  })

  it('never descends into node_modules, dist or .git: no watch there, no event from there', async () => {
    const { session, actions } = await project()
    // A dependency tree deep enough that watching it would show: 40 folders.
    for (let index = 0; index < 40; index++)
      await mkdir(path.join(root, 'node_modules', `dep-${index}`, 'lib'), { recursive: true })
    await mkdir(path.join(root, 'packages/lib/dist'), { recursive: true })
    await mkdir(path.join(root, '.git/objects'), { recursive: true })
    const before = inotifyWatches()
    const stop = await session.watch({ debounceMs: 50 })

    // Its own watches: one per watched folder (root, src, packages, packages/lib), none below.
    const added = [...inotifyWatches()].filter(([fd]) => !before.has(fd)).map(([, count]) => count)
    expect(added.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(4)

    await writeFile(path.join(root, 'node_modules/dep-3/lib/index.js'), 'module.exports = 1\n')
    await writeFile(path.join(root, 'packages/lib/dist/index.js'), 'export {}\n')
    await writeFile(path.join(root, '.git/objects/ab'), 'x')
    // A new folder is no change by itself; the file in it is, and so is an ignored folder made in it.
    await mkdir(path.join(root, 'src/extra/node_modules'), { recursive: true })
    await writeFile(path.join(root, 'src/extra/notes.md'), '# notes\n')
    await writeFile(path.join(root, 'src/extra/node_modules/x.js'), 'x\n')
    await writeFile(path.join(root, 'src/money.ts'), 'export const cents = (n: number) => n * 100 + 1\n')

    const changed = await changedUntil(session, actions, ['src/extra/notes.md', 'src/money.ts'])
    await waitForState(session.store, finishedRuns(1))
    expect(changed.filter((file) => !['src/extra/notes.md', 'src/money.ts'].includes(file))).toEqual([])
    await stop()
  })

  it('takes a folder moved in or out as the files in it', async () => {
    const { session, actions } = await project()
    // names.ts uses a helper in a folder that is about to be moved away.
    await mkdir(path.join(root, 'src/gone'))
    await writeFile(path.join(root, 'src/gone/helper.ts'), 'export const trim = (s: string) => s.trim()\n')
    await writeFile(
      path.join(root, 'src/names.ts'),
      "import { trim } from './gone/helper.js'\nexport const upper = (s: string) => trim(s).toUpperCase()\n",
    )
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'hearth-watch-elsewhere-'))
    try {
      await mkdir(path.join(elsewhere, 'moved/deep'), { recursive: true })
      await mkdir(path.join(elsewhere, 'moved/node_modules/dep'), { recursive: true })
      await writeFile(path.join(elsewhere, 'moved/a.ts'), 'export const a = 1\n')
      await writeFile(path.join(elsewhere, 'moved/deep/b.ts'), 'export const b = 2\n')
      await writeFile(path.join(elsewhere, 'moved/node_modules/dep/index.js'), 'module.exports = 3\n')
      const stop = await session.watch({ debounceMs: 50 })

      // In: one event for the folder, reported as the files in it (not those in its node_modules).
      await rename(path.join(elsewhere, 'moved'), path.join(root, 'src/moved'))
      const moved = await changedUntil(session, actions, ['src/moved/a.ts', 'src/moved/deep/b.ts'])
      expect(moved.filter((file) => file.includes('node_modules'))).toEqual([])

      // Out: the helper the graph knew is gone, and the test that reached it reruns.
      await rename(path.join(root, 'src/gone'), path.join(elsewhere, 'gone'))
      await changedUntil(session, actions, ['src/gone/helper.ts'])
      await waitForState(session.store, () =>
        runsOf(actions, root).some((files) => files.includes('src/names.test.ts')),
      )
      await stop()
    } finally {
      await rm(elsewhere, { recursive: true, force: true })
    }
  })

  it('says which folder it could not watch and why', async () => {
    const { session } = await project()
    await rm(root, { recursive: true, force: true })
    await session.watch({ debounceMs: 50 }).catch(() => undefined)
    const state = await waitForState(session.store, (current) => current.watch.status === 'failed')
    expect(state.watch).toMatchObject({ status: 'failed' })
    expect(JSON.stringify(state.watch)).toContain(`could not watch ${root}: no such folder`)
  })
})
