import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { FakeDriver } from '@hearth/driver'
import { validateConfig } from '@hearth/environments'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Session } from '../../session.js'
import type { Action } from '../../store/actions.js'
import type { HearthState } from '../../store/state.js'
import { waitForState } from '../../store/wait-for-state.js'
import { FakeTestRunner } from '../../testing/fake-test-runner.js'
import { createMemoryLocks } from '../environments/environment-locks.js'
import { createMemoryUsageRecords } from '../environments/usage-records.js'

/**
 * The watch loop as an attached controller, on a real folder with real chokidar and the real import
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
})
