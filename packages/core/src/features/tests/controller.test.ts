import { FakeDriver } from '@hearth/driver'
import { ready } from '@hearth/environments'
import { describe, expect, it } from 'vitest'
import { selectExitCode } from '../../exit-code.js'
import { createSession } from '../../session.js'
import type { Action } from '../../store/actions.js'
import { type FakeTestFile, FakeTestRunner } from '../../testing/fake-test-runner.js'
import { configOf } from '../../testing/fixtures.js'
import { createMemoryLocks } from '../environments/environment-locks.js'
import { createMemoryUsageRecords } from '../environments/usage-records.js'
import type { PlannedBuild } from './controller.js'
import { selectRunCounts } from './selectors.js'
import type { SelectionReason } from './state.js'
import { TestSetupError } from './test-runner.js'

/** The test controller on a fake driver and a fake runner: runs, environments, retries, cancels. */
const ROOT = '/project'
const file = (name: string) => `${ROOT}/${name}`

function config() {
  const base = configOf(
    {
      name: 'backend',
      services: {
        db: {
          kind: 'process',
          command: 'db',
          ports: { pg: {} },
          outputs: { url: 'pg://{{host}}:{{ports.pg}}/app' },
          reset: { type: 'exec', command: 'reset-db' },
          testEnv: { DATABASE_URL: '{{url}}' },
        },
      },
    },
    {
      name: 'search',
      services: {
        index: { kind: 'process', command: 'index', ports: { http: {} }, readiness: ready.tcp('http') },
      },
    },
  )
  return {
    ...base,
    tests: [
      { name: 'api', include: ['tests/api/**'], exclude: [], environment: 'backend', triggers: [] },
      { name: 'search', include: ['tests/search/**'], exclude: [], environment: 'search', triggers: [] },
      { name: 'unit', include: ['src/**'], exclude: [], environment: null, triggers: [] },
    ],
  }
}

/** Packages each test file needs rebuilt (by file name), and the ones whose build fails. */
interface BuildScript {
  plans?: Record<string, PlannedBuild[]>
  failing?: readonly string[]
  skip?: boolean
  /** What a successful build says it wrote. */
  written?: readonly string[]
}

function setup(
  files: Record<string, FakeTestFile>,
  options: {
    retries?: number
    whenBusy?: 'cancel' | 'queue'
    driver?: FakeDriver
    builds?: BuildScript
    concurrency?: number
    resetAhead?: boolean
    /** The timing history before the session (relative path → expected ms). */
    history?: Record<string, number>
  } = {},
) {
  const history: Record<string, number> = { ...(options.history ?? {}) }
  const runner = new FakeTestRunner(
    Object.fromEntries(Object.entries(files).map(([name, script]) => [file(name), script])),
  )
  const driver = options.driver ?? new FakeDriver()
  const recorded: Array<Array<{ path: string; durationMs: number; state: string }>> = []
  const built: string[] = []
  const planned: string[][] = []
  const builds = options.builds ?? {}
  const session = createSession({
    config: config(),
    drivers: [driver],
    version: 'test',
    locks: createMemoryLocks(),
    usage: createMemoryUsageRecords(),
    tests: {
      runner,
      retries: options.retries ?? 0,
      whenBusy: options.whenBusy ?? 'queue',
      timings: {
        record: async (timed) => {
          recorded.push([...timed])
          for (const { path, durationMs } of timed) history[path] = durationMs
          return { ...history }
        },
        read: async () => ({ ...history }),
      },
      builder: {
        async plan(files) {
          planned.push(files.map((name) => name.slice(ROOT.length + 1)))
          const wanted = new Map<string, PlannedBuild>()
          for (const name of files)
            for (const pkg of builds.plans?.[name.slice(ROOT.length + 1)] ?? []) wanted.set(pkg.name, pkg)
          return [...wanted.values()]
        },
        async command(pkg) {
          return `pnpm run build (in ${pkg.dir.slice(ROOT.length + 1)})`
        },
        async build(pkg) {
          built.push(pkg.name)
          return builds.failing?.includes(pkg.name)
            ? { ok: false, output: 'src/index.ts(3,1): error TS1005' }
            : { ok: true, output: 'built', written: builds.written ?? [] }
        },
      },
      skipBuilds: builds.skip ?? false,
      concurrency: options.concurrency ?? 1,
      resetAhead: options.resetAhead ?? false,
    },
  })
  const actions: Action[] = []
  session.store.subscribeActions((action) => actions.push(action))
  return { session, runner, driver, actions, recorded, built, planned }
}

const all = (...names: string[]): Record<string, SelectionReason[]> =>
  Object.fromEntries(names.map((name) => [file(name), [{ kind: 'all' }]]))

describe('TestController', () => {
  it('brings up and resets the environment its files need, then runs them with its outputs as env', async () => {
    const { session, runner, driver } = setup({
      'tests/api/invoices.test.ts': { results: ['passed'] },
      'src/money.test.ts': { results: ['passed'] },
    })
    await session.discoverTests()
    const state = await session.runTests('all', all('tests/api/invoices.test.ts', 'src/money.test.ts'))
    const db = state.services['backend/db']
    expect(db?.status).toBe('ready')
    expect(
      driver.events
        .filter((event) => event.type === 'exec')
        .map((event) => (event.type === 'exec' ? event.command : '')),
    ).toEqual(['reset-db'])
    // Files without an environment run first, with no outputs; then each environment's.
    expect(runner.calls.map((call) => call.files)).toEqual([
      [file('src/money.test.ts')],
      [file('tests/api/invoices.test.ts')],
    ])
    expect(runner.calls[0]?.env).toEqual({})
    expect(runner.calls[1]?.env).toEqual({
      HEARTH_DB_HOST: '127.0.0.1',
      HEARTH_DB_PG_PORT: String(db?.instance?.ports.pg),
      HEARTH_DB_URL: db?.outputs.url,
      DATABASE_URL: db?.outputs.url,
      HEARTH_OUTPUTS: JSON.stringify({ db: db?.outputs }),
      HEARTH_ENVIRONMENT: 'backend',
    })
    // search was not needed, so it did not start.
    expect(state.services['search/index']?.status).toBe('idle')
    expect(selectRunCounts(state)).toEqual({ passed: 2, failed: 0, skipped: 0, flaky: 0 })
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it('exits 1 when a test fails, with the failure in the state, and records timings', async () => {
    const { session, recorded } = setup({
      'src/a.test.ts': { results: ['passed'], durationMs: 120 },
      'src/b.test.ts': { results: ['failed'], durationMs: 30 },
    })
    await session.discoverTests()
    const state = await session.runTests('all', all('src/a.test.ts', 'src/b.test.ts'))
    expect(state.tests.files[file('src/b.test.ts')]).toMatchObject({
      status: 'failed',
      tests: [{ name: 'b.test.ts > works', state: 'failed', errors: [{ message: 'expected 1 to be 2' }] }],
    })
    expect(selectExitCode(state)).toBe(1)
    expect(recorded).toEqual([
      [
        { path: 'src/a.test.ts', durationMs: 120, state: 'passed' },
        { path: 'src/b.test.ts', durationMs: 30, state: 'failed' },
      ],
    ])
    await session.close()
  })

  it("keeps each test's console output and diff, the file's own output, and the expected durations", async () => {
    const { session } = setup(
      {
        'src/a.test.ts': {
          results: ['failed'],
          durationMs: 40,
          diff: '- Expected\n+ Received\n\n- 2\n+ 1',
          console: {
            test: [{ stream: 'stdout', text: 'total: 1\n', time: 5 }],
            file: [{ stream: 'stderr', text: 'connecting to 127.0.0.1:5432\n', time: 4 }],
          },
        },
        'src/b.test.ts': { results: ['passed'], durationMs: 10 },
      },
      { history: { 'src/a.test.ts': 300 } },
    )
    const discovered = await session.discoverTests()
    expect(discovered).toHaveLength(2)
    const before = session.store.getState()
    expect(before.tests.files[file('src/a.test.ts')]?.expectedMs).toBe(300)
    expect(before.tests.files[file('src/b.test.ts')]?.expectedMs).toBeNull()

    const state = await session.runTests('all', all('src/a.test.ts', 'src/b.test.ts'))
    const a = state.tests.files[file('src/a.test.ts')]
    expect(a?.console).toEqual([{ stream: 'stderr', text: 'connecting to 127.0.0.1:5432\n', time: 4 }])
    expect(a?.tests[0]).toMatchObject({
      console: [{ stream: 'stdout', text: 'total: 1\n', time: 5 }],
      errors: [{ message: 'expected 1 to be 2', diff: '- Expected\n+ Received\n\n- 2\n+ 1' }],
    })
    // The history, folded in after the run, is what the views expect next time.
    expect(a?.expectedMs).toBe(40)
    expect(state.tests.files[file('src/b.test.ts')]?.expectedMs).toBe(10)
    await session.close()
  })

  it('retries failed files: one that passes on a retry is flaky, one that keeps failing fails', async () => {
    const { session, runner } = setup(
      {
        'src/flaky.test.ts': { results: ['failed', 'passed'] },
        'src/broken.test.ts': { results: ['failed'] },
      },
      { retries: 2 },
    )
    await session.discoverTests()
    const state = await session.runTests('all', all('src/flaky.test.ts', 'src/broken.test.ts'))
    expect(runner.calls.map((call) => call.files.map((name) => name.split('/').at(-1)))).toEqual([
      ['broken.test.ts', 'flaky.test.ts'],
      ['broken.test.ts', 'flaky.test.ts'],
      ['broken.test.ts'],
    ])
    expect(state.tests.files[file('src/flaky.test.ts')]).toMatchObject({
      status: 'passed',
      flaky: true,
      attempts: 2,
    })
    expect(state.tests.files[file('src/broken.test.ts')]).toMatchObject({
      status: 'failed',
      flaky: false,
      attempts: 3,
    })
    expect(selectRunCounts(state)).toEqual({ passed: 1, failed: 1, skipped: 0, flaky: 1 })
    expect(selectExitCode(state)).toBe(1)
    await session.close()
  })

  it('does not run the tests of an environment that fails, and exits 3', async () => {
    const driver = new FakeDriver().behave('db', {
      startError: { code: 'port-conflict', message: 'port taken', fix: 'free it' },
    })
    const { session, runner, actions } = setup(
      { 'tests/api/invoices.test.ts': { results: ['passed'] } },
      { driver },
    )
    await session.discoverTests()
    const state = await session.runTests('all', all('tests/api/invoices.test.ts'))
    expect(runner.calls).toEqual([])
    expect(actions.find((action) => action.type === 'run/blocked')).toMatchObject({
      block: { kind: 'environment', name: 'backend' },
    })
    expect(state.tests.files[file('tests/api/invoices.test.ts')]?.status).toBe('cancelled')
    expect(selectExitCode(state)).toBe(3)
    await session.close()
  })

  it('rebuilds, in the planned order and before any environment, the packages the run needs', async () => {
    const core: PlannedBuild = {
      name: '@ks/core',
      dir: file('packages/core'),
      hasBuildScript: true,
      outputs: [],
      reason: { kind: 'stale', output: 'packages/core/dist/index.mjs', newer: 'packages/core/src/keys.ts' },
    }
    const serialize: PlannedBuild = {
      name: '@ks/serialize',
      dir: file('packages/serialize'),
      hasBuildScript: true,
      outputs: [],
      reason: { kind: 'missing', output: 'packages/serialize/dist/index.js' },
    }
    const { session, actions, built, planned } = setup(
      { 'tests/api/a.test.ts': { results: ['passed'] }, 'src/b.test.ts': { results: ['passed'] } },
      { builds: { plans: { 'tests/api/a.test.ts': [core, serialize], 'src/b.test.ts': [core] } } },
    )
    await session.discoverTests()
    const state = await session.runTests('all', all('tests/api/a.test.ts', 'src/b.test.ts'))
    // One plan for the whole run, each package built once, in order.
    expect(planned).toEqual([['src/b.test.ts', 'tests/api/a.test.ts']])
    expect(built).toEqual(['@ks/core', '@ks/serialize'])
    const steps = actions
      .map((action) =>
        action.type === 'build/started'
          ? `start ${action.name}: ${action.command}`
          : action.type === 'build/finished'
            ? `end ${action.name}: ${action.ok}`
            : action.type === 'environment/up-requested'
              ? 'environments'
              : action.type === 'build/planned'
                ? `plan ${action.packages.map((pkg) => `${pkg.name} in ${pkg.dir}`).join(', ')}`
                : null,
      )
      .filter((step) => step !== null)
    expect(steps).toEqual([
      'plan @ks/core in packages/core, @ks/serialize in packages/serialize',
      'start @ks/core: pnpm run build (in packages/core)',
      'end @ks/core: true',
      'start @ks/serialize: pnpm run build (in packages/serialize)',
      'end @ks/serialize: true',
      'environments',
    ])
    expect(state.tests.run?.builds.map((build) => [build.name, build.status])).toEqual([
      ['@ks/core', 'built'],
      ['@ks/serialize', 'built'],
    ])
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it('fails the run (exit 1) when a package does not build, and runs no test', async () => {
    const broken: PlannedBuild = {
      name: '@ks/broken',
      dir: file('packages/broken'),
      hasBuildScript: true,
      outputs: [],
      reason: { kind: 'stale', output: 'packages/broken/dist/index.mjs', newer: 'packages/broken/src/x.ts' },
    }
    const { session, runner, built } = setup(
      { 'tests/api/a.test.ts': { results: ['passed'] } },
      { builds: { plans: { 'tests/api/a.test.ts': [broken] }, failing: ['@ks/broken'] } },
    )
    await session.discoverTests()
    const state = await session.runTests('change', all('tests/api/a.test.ts'))
    expect(built).toEqual(['@ks/broken'])
    expect(runner.calls).toEqual([])
    expect(state.tests.run?.blockedBy).toEqual({
      kind: 'build',
      name: '@ks/broken',
      output: 'src/index.ts(3,1): error TS1005',
    })
    expect(state.tests.run?.builds[0]).toMatchObject({
      status: 'failed',
      output: 'src/index.ts(3,1): error TS1005',
    })
    // No environment was touched for a run that could not happen.
    expect(state.services['backend/db']?.status).toBe('idle')
    expect(selectExitCode(state)).toBe(1)
    await session.close()
  })

  it('with builds off, says what was not rebuilt and runs the tests anyway', async () => {
    const core: PlannedBuild = {
      name: '@ks/core',
      dir: file('packages/core'),
      hasBuildScript: true,
      outputs: [],
      reason: { kind: 'missing', output: 'packages/core/dist/index.mjs' },
    }
    const { session, runner, built } = setup(
      { 'src/b.test.ts': { results: ['passed'] } },
      { builds: { plans: { 'src/b.test.ts': [core] }, skip: true } },
    )
    await session.discoverTests()
    const state = await session.runTests('all', all('src/b.test.ts'))
    expect(built).toEqual([])
    expect(state.tests.run?.buildsSkipped).toBe(true)
    expect(state.tests.run?.builds.map((build) => build.status)).toEqual(['skipped'])
    expect(runner.calls.map((call) => call.files)).toEqual([[file('src/b.test.ts')]])
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it("puts each file's result in the state the moment it finishes, while the batch still runs", async () => {
    const { session, runner } = setup({
      'src/fast.test.ts': { results: ['failed'] },
      'src/slow.test.ts': { results: ['passed'] },
    })
    runner.delayMs = 50
    await session.discoverTests()
    // What the state said of the fast file when the slow one began (the fake runs them in turn).
    let fastWhenSlowStarted: string | undefined
    session.store.subscribe((state) => {
      const slow = state.tests.files[file('src/slow.test.ts')]?.status
      if (slow === 'running' && fastWhenSlowStarted === undefined)
        fastWhenSlowStarted = state.tests.files[file('src/fast.test.ts')]?.status
    })
    await session.runTests('all', all('src/fast.test.ts', 'src/slow.test.ts'))
    expect(fastWhenSlowStarted).toBe('failed')
    expect(runner.calls).toHaveLength(1)
    await session.close()
  })

  it('runs the batches of independent environments at once when concurrency allows', async () => {
    const { session, runner } = setup(
      { 'tests/api/a.test.ts': { results: ['passed'] }, 'tests/search/b.test.ts': { results: ['passed'] } },
      { concurrency: 2 },
    )
    runner.delayMs = 50
    // Neither batch runs its file before both have begun: however long one environment takes to
    // start, the two runs are under way at the same time.
    const run = runner.run.bind(runner)
    let arrived = 0
    let bothArrived!: () => void
    const both = new Promise<void>((resolve) => (bothArrived = resolve))
    runner.run = async (files, options) => {
      if (++arrived === 2) bothArrived()
      await both
      return run(files, options)
    }
    await session.discoverTests()
    let overlapped = false
    session.store.subscribe((state) => {
      const a = state.tests.files[file('tests/api/a.test.ts')]?.status
      const b = state.tests.files[file('tests/search/b.test.ts')]?.status
      if (a === 'running' && b === 'running') overlapped = true
    })
    const state = await session.runTests('all', all('tests/api/a.test.ts', 'tests/search/b.test.ts'))
    expect(overlapped).toBe(true)
    expect(runner.calls.map((call) => call.env.HEARTH_ENVIRONMENT).sort()).toEqual(['backend', 'search'])
    expect(selectRunCounts(state)).toEqual({ passed: 2, failed: 0, skipped: 0, flaky: 0 })
    await session.close()
  })

  it('cancels a run when a newer change arrives (dev), then runs what both asked for', async () => {
    const { session, runner, actions } = setup(
      { 'src/a.test.ts': { results: ['passed'] }, 'src/b.test.ts': { results: ['passed'] } },
      { whenBusy: 'cancel' },
    )
    // a runs until it is cancelled; b, once asked for, at once.
    runner.delayMs = 3_600_000
    await session.discoverTests()
    const first = session.runTests('change', all('src/a.test.ts'))
    await new Promise<void>((resolve) => {
      const unsubscribe = session.store.subscribe((state) => {
        if (state.tests.files[file('src/a.test.ts')]?.status === 'running') {
          unsubscribe()
          resolve()
        }
      })
    })
    runner.delayMs = 0
    session.store.dispatch({
      type: 'run/requested',
      at: Date.now(),
      trigger: 'change',
      files: all('src/b.test.ts'),
    })
    const state = await first
    const finished = actions.filter((action) => action.type === 'run/finished')
    expect(finished.map((action) => (action.type === 'run/finished' ? action.cancelled : null))).toEqual([
      true,
      false,
    ])
    expect(runner.calls.map((call) => call.files)).toEqual([[file('src/a.test.ts')], [file('src/b.test.ts')]])
    expect(state.tests.run?.files).toEqual([file('src/b.test.ts')])
    await session.close()
  })

  it('queues a change that arrives during a run (ci), merging what is asked meanwhile', async () => {
    const { session, runner } = setup({
      'src/a.test.ts': { results: ['passed'] },
      'src/b.test.ts': { results: ['passed'] },
      'src/c.test.ts': { results: ['passed'] },
    })
    // The first run is held until both changes have arrived: they arrive during it, on any machine.
    const run = runner.run.bind(runner)
    let began!: () => void
    const begun = new Promise<void>((resolve) => (began = resolve))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    runner.run = async (files, options) => {
      if (runner.calls.length === 0) {
        began()
        await released
      }
      return run(files, options)
    }
    await session.discoverTests()
    const first = session.runTests('change', all('src/a.test.ts'))
    await begun
    session.store.dispatch({
      type: 'run/requested',
      at: Date.now(),
      trigger: 'change',
      files: all('src/b.test.ts'),
    })
    session.store.dispatch({
      type: 'run/requested',
      at: Date.now(),
      trigger: 'change',
      files: all('src/c.test.ts'),
    })
    release()
    await first
    expect(runner.calls.map((call) => call.files.map((name) => name.split('/').at(-1)))).toEqual([
      ['a.test.ts'],
      ['b.test.ts', 'c.test.ts'],
    ])
    await session.close()
  })

  it("takes the run's record over what a file's events said, and fails files the runner gave up on", async () => {
    const { session, runner } = setup({
      'src/late.test.ts': { results: ['passed'], recordedAs: 'failed' },
      'src/crashed.test.ts': { results: ['passed'], notRun: 'interrupted' },
      'src/deleted.test.ts': { results: ['passed'], notRun: 'not-found' },
    })
    await session.discoverTests()
    const state = await session.runTests(
      'all',
      all('src/late.test.ts', 'src/crashed.test.ts', 'src/deleted.test.ts'),
    )
    const status = (name: string) => state.tests.files[file(name)]?.status
    expect(status('src/late.test.ts')).toBe('failed')
    expect(status('src/crashed.test.ts')).toBe('failed')
    expect(state.tests.files[file('src/crashed.test.ts')]?.errors.map((error) => error.message)).toEqual([
      'the test runner stopped before this file finished (a worker or its host crashed)',
      'the host exited with code 1',
    ])
    // A file deleted since it was selected is not a failure.
    expect(status('src/deleted.test.ts')).toBe('cancelled')
    expect(runner.calls).toHaveLength(1)
    expect(selectExitCode(state)).toBe(1)
    await session.close()
  })

  it('fails the run on errors no file is blamed for', async () => {
    const { session, runner } = setup({ 'src/a.test.ts': { results: ['passed'] } })
    runner.runErrors = [{ message: 'Unhandled rejection: ECONNRESET' }]
    await session.discoverTests()
    const state = await session.runTests('all', all('src/a.test.ts'))
    expect(state.tests.files[file('src/a.test.ts')]?.status).toBe('passed')
    expect(state.tests.run?.errors).toEqual([{ message: 'Unhandled rejection: ECONNRESET' }])
    expect(selectExitCode(state)).toBe(1)
    await session.close()
  })

  it('stops the other batches when one throws, and a test setup error exits 2', async () => {
    const { session, runner, actions } = setup(
      {
        'src/broken.test.ts': {
          results: ['passed'],
          throws: new TestSetupError(
            'the Vitest config /project/vitest.config.ts did not load: boom',
            'correct it',
          ),
        },
        'tests/api/a.test.ts': { results: ['passed'] },
        'tests/search/b.test.ts': { results: ['passed'] },
      },
      { concurrency: 2 },
    )
    runner.delayMs = 30
    await session.discoverTests()
    const state = await session.runTests(
      'all',
      all('src/broken.test.ts', 'tests/api/a.test.ts', 'tests/search/b.test.ts'),
    )
    expect(selectExitCode(state)).toBe(2)
    expect(state.session.fatal).toEqual({
      cause: 'the Vitest config /project/vitest.config.ts did not load: boom',
      fix: 'correct it',
      code: 2,
    })
    // Nothing happened after the run ended: the other lane was stopped, not left running.
    const end = actions.findIndex((action) => action.type === 'run/finished')
    expect(actions.slice(end + 1).filter((action) => action.type.startsWith('run/'))).toEqual([])
    expect(runner.calls.length).toBeLessThanOrEqual(2)
    await session.close()
  })

  it('warns of a package without a build script instead of building it, and has the runner read what a build wrote', async () => {
    const written = ['/project/packages/core/dist/index.mjs', '/project/packages/core/dist/chunk-1.mjs']
    const plans: Record<string, PlannedBuild[]> = {
      'src/a.test.ts': [
        {
          name: '@ks/core',
          dir: file('packages/core'),
          hasBuildScript: true,
          outputs: [],
          reason: {
            kind: 'stale',
            output: 'packages/core/dist/index.mjs',
            newer: 'packages/core/src/keys.ts',
          },
        },
        {
          name: '@ks/legacy',
          dir: file('packages/legacy'),
          hasBuildScript: false,
          outputs: [],
          reason: { kind: 'missing', output: 'packages/legacy/lib/index.js' },
        },
      ],
    }
    const { session, runner, built } = setup(
      { 'src/a.test.ts': { results: ['passed'] } },
      { builds: { plans, written } },
    )
    await session.discoverTests()
    const state = await session.runTests('all', all('src/a.test.ts'))
    expect(built).toEqual(['@ks/core'])
    expect(runner.invalidated).toEqual(written)
    expect(state.session.warnings.filter((warning) => warning.code === 'stale-build')).toEqual([
      {
        code: 'stale-build',
        message:
          '@ks/legacy is used through its build output, but packages/legacy/lib/index.js is missing and it has no build script',
        fix: 'build it before running the tests, or give packages/legacy/package.json a "build" script',
      },
    ])
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it('an interrupt before the run is taken ends the wait for it', async () => {
    const { session, runner } = setup({ 'src/a.test.ts': { results: ['passed'] } })
    await session.discoverTests()
    session.interrupt('SIGINT')
    const state = await session.runTests('all', all('src/a.test.ts'))
    expect(runner.calls).toEqual([])
    expect(selectExitCode(state)).toBe(130)
    await session.close()
  })
  describe('resetting ahead (hearth dev)', () => {
    const resetsOf = (driver: FakeDriver) => driver.events.filter((event) => event.type === 'exec').length
    /** The actions of run `id`, from its start to its end. */
    const actionsOfRun = (actions: readonly Action[], id: number): Action[] => {
      const start = actions.findIndex((action) => action.type === 'run/started' && action.id === id)
      const end = actions.findIndex((action) => action.type === 'run/finished' && action.id === id)
      return actions.slice(start, end + 1)
    }

    it('resets once a run is done, and the next run starts on that clean data without a reset', async () => {
      const { session, driver, actions } = setup(
        { 'tests/api/invoices.test.ts': { results: ['passed'] } },
        { resetAhead: true },
      )
      await session.discoverTests()
      await session.runTests('change', all('tests/api/invoices.test.ts'))
      // The wait for the run includes the reset after it: one before the first run, one after it.
      expect(resetsOf(driver)).toBe(2)
      const first = actionsOfRun(actions, 1)
      expect(first.some((action) => action.type === 'environment/reset-requested')).toBe(true)
      const after = actions.slice(actions.findIndex((action) => action.type === 'run/finished'))
      expect(after.some((action) => action.type === 'environment/reset-requested')).toBe(true)

      const state = await session.runTests('change', all('tests/api/invoices.test.ts'))
      const second = actionsOfRun(actions, 2)
      expect(second.length).toBeGreaterThan(0)
      expect(second.some((action) => action.type === 'environment/reset-requested')).toBe(false)
      expect(second.some((action) => action.type === 'run/phase' && action.phase === 'resetting')).toBe(false)
      expect(state.tests.files[file('tests/api/invoices.test.ts')]?.status).toBe('passed')
      expect(resetsOf(driver)).toBe(3)
      await session.close()
    })

    it('resets before the run an environment whose instances changed since the reset after the last run', async () => {
      const { session, driver, actions } = setup(
        { 'tests/api/invoices.test.ts': { results: ['passed'] } },
        { resetAhead: true },
      )
      await session.discoverTests()
      await session.runTests('change', all('tests/api/invoices.test.ts'))
      const before = session.store.getState().services['backend/db']?.instance?.id
      await session.down(['backend'])
      await session.runTests('change', all('tests/api/invoices.test.ts'))
      expect(session.store.getState().services['backend/db']?.instance?.id).not.toBe(before)
      const second = actionsOfRun(actions, 2)
      expect(second.some((action) => action.type === 'run/phase' && action.phase === 'resetting')).toBe(true)
      // Before the second run, and after each run.
      expect(resetsOf(driver)).toBe(4)
      await session.close()
    })

    it('resets ahead of the first run when asked (hearth dev --no-initial): that run starts without a reset', async () => {
      const { session, driver, actions } = setup(
        { 'tests/api/invoices.test.ts': { results: ['passed'] } },
        { resetAhead: true },
      )
      await session.discoverTests()
      await session.up(['backend'])
      expect(resetsOf(driver)).toBe(0)
      await session.resetAhead(['backend'])
      expect(resetsOf(driver)).toBe(1)
      const state = await session.runTests('change', all('tests/api/invoices.test.ts'))
      const first = actionsOfRun(actions, 1)
      expect(first.some((action) => action.type === 'run/phase' && action.phase === 'resetting')).toBe(false)
      expect(state.tests.files[file('tests/api/invoices.test.ts')]?.status).toBe('passed')
      // And the one after the run.
      expect(resetsOf(driver)).toBe(2)
      await session.close()
    })

    it('is off by default: one reset, before the run', async () => {
      const { session, driver } = setup({ 'tests/api/invoices.test.ts': { results: ['passed'] } })
      await session.discoverTests()
      await session.up(['backend'])
      // Asking for a reset ahead does nothing when resetting ahead is off.
      await session.resetAhead(['backend'])
      expect(resetsOf(driver)).toBe(0)
      await session.runTests('change', all('tests/api/invoices.test.ts'))
      await session.runTests('change', all('tests/api/invoices.test.ts'))
      expect(resetsOf(driver)).toBe(2)
      await session.close()
    })
  })
})
