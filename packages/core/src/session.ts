import { createHash } from 'node:crypto'
import { realpathSync } from 'node:fs'
import path from 'node:path'
import type { ImportGraph } from '@hearth/affected'
import { type Driver, DriverError } from '@hearth/driver'
import type { NormalizedConfig } from '@hearth/environments'
import { type Clock, systemClock } from './clock.js'
import { type ExitCode, selectExitCode } from './exit-code.js'
import { EnvironmentController } from './features/environments/controller.js'
import { createFileLocks, type EnvironmentLocks } from './features/environments/environment-locks.js'
import { selectEnvironmentStatus, selectFailures, selectSettled } from './features/environments/selectors.js'
import { createUsageRecords, type UsageRecords } from './features/environments/usage-records.js'
import { LogFollower } from './features/logs/log-follower.js'
import type { MaintenanceOperation, MaintenanceResult } from './features/maintenance/actions.js'
import type { MaintenanceTask } from './features/maintenance/state.js'
import {
  type PackageBuilder,
  requestResets,
  TestController,
  type TimingRecorder,
} from './features/tests/controller.js'
import {
  type AffectedSelection,
  selectAffected,
  type TestConfigOwnership,
  testConfigsOf,
} from './features/tests/selection.js'
import type { RunState, SelectionReason } from './features/tests/state.js'
import {
  type ClassifiedTestFile,
  classifiedFiles,
  classifyTestFiles,
  coverageWarnings,
  testEnvironmentOf,
} from './features/tests/test-files.js'
import type { TestRunner } from './features/tests/test-runner.js'
import { WATCH_IGNORED, WatchController } from './features/watch/watch-controller.js'
import { attachControllers, type Controller } from './store/controller.js'
import { createHearthStore, type HearthStore } from './store/create-store.js'
import { type HearthState, initialState, type ProjectIdentity, type ServiceKey } from './store/state.js'
import { waitForState } from './store/wait-for-state.js'

export interface SessionOptions {
  config: NormalizedConfig
  drivers: readonly Driver[]
  /** hearth's version, carried in labels. */
  version: string
  /** Where hearth keeps its state (locks, process records): default `<root>/.hearth`. */
  stateDir?: string
  clock?: Clock
  locks?: EnvironmentLocks
  /** When environments were last used (default: `<stateDir>/environments.json`). */
  usage?: UsageRecords
  /** Why containers must not run as their fallback (`--require-docker`); null or absent: they may. */
  noFallback?: string | null
  /** Called when a controller throws (a bug): the session goes on. */
  onControllerError?: (controller: Controller, error: unknown) => void
  /** To run tests: the project's test runner, and how runs go. */
  tests?: {
    runner: TestRunner
    builder?: PackageBuilder
    /** Plan builds but run none (`--no-build`). */
    skipBuilds?: boolean
    /** Environment batches that may run at once (default 1). */
    concurrency?: number
    timings?: TimingRecorder
    retries?: number
    whenBusy?: 'cancel' | 'queue'
    /** Reset the environments a run used once it finishes, not before the next (`hearth dev`). */
    resetAhead?: boolean
  }
}

/**
 * One hearth command's run: the store, the controllers attached to it, and the operations the CLI
 * composes (`up`, `down`, `observe`). Views subscribe to `store`.
 */
export interface Session {
  readonly store: HearthStore
  readonly project: ProjectIdentity
  /** Start these environments (default: all) and resolve once they are ready or have failed. */
  up(environments?: readonly string[]): Promise<HearthState>
  /**
   * Stop these environments: by default everything of theirs (found in the runtimes), with
   * `only: 'started'` just what this session created.
   */
  down(environments?: readonly string[], options?: { only?: 'all' | 'started' }): Promise<HearthState>
  /**
   * Restart these services (`environment/service`) and what depends on them, and resolve once
   * they are ready again (or failed).
   */
  restart(keys: readonly ServiceKey[]): Promise<HearthState>
  /**
   * Runs the resets of the ready services of these environments (default: all), as between two test
   * runs, and resolves once they are done (restart resets included).
   */
  reset(environments?: readonly string[]): Promise<HearthState>
  /**
   * Removes the project's environments that sat unused longer than the idle TTL (those the config
   * no longer has too), and resolves with their names.
   */
  gc(): Promise<string[]>
  /**
   * Stops every environment of the project, those the config no longer has too, and removes
   * everything else hearth created for it (networks, volumes).
   */
  downAll(): Promise<HearthState>
  /**
   * The import graph of the project's test files (those discovered so far), built on first use and
   * shared: the watch loop keeps it up to date, the builds and `--since` selections read it.
   */
  importGraph(): Promise<ImportGraph>
  /** Lists the project's test files, with their groups and environments, into the state. */
  discoverTests(): Promise<ClassifiedTestFile[]>
  /**
   * Runs these test files, for these reasons (bringing up, resetting, rebuilding what they need),
   * and resolves once that run, and any asked for meanwhile, has finished.
   */
  runTests(
    trigger: RunState['trigger'],
    files: Readonly<Record<string, readonly SelectionReason[]>>,
  ): Promise<HearthState>
  /**
   * Watches the project: each batch of saves updates the import graph, restarts the services whose
   * watch globs match, and asks for a run of the affected tests. Resolves once the watcher is
   * ready, with the function that stops it.
   */
  watch(options?: { debounceMs?: number }): Promise<() => Promise<void>>
  /**
   * With resetting ahead on (`hearth dev`): once these environments are ready, resets their data,
   * so that the first run finds it clean and starts at once (`hearth dev --no-initial`, where no
   * first run resets it). Those that fail to start, or a run that starts first, are left to the
   * run's own reset. Resolves once done, or when the session is interrupted.
   */
  resetAhead(environments: readonly string[]): Promise<void>
  /**
   * What these changed files (absolute) affect among the test files (default: those discovered),
   * through the import graph and the declared triggers, each with why: the one selection `ci
   * --since`, `affected` and the watch loop share.
   */
  selectAffected(
    changed: readonly string[],
    files?: readonly ClassifiedTestFile[],
  ): Promise<AffectedSelection>
  /** The test runner's configs, each with the discovered test files it owns (for selection rules). */
  testConfigs(): TestConfigOwnership[]
  /** Record what runs now, starting and stopping nothing. */
  observe(environments?: readonly string[]): Promise<HearthState>
  /** Ctrl-C: stop what this session started; `settled()` then resolves and the exit code is 130. */
  interrupt(signal: string): void
  /** Resolves once nothing is under way. */
  settled(): Promise<HearthState>
  exitCode(): ExitCode
  close(): Promise<void>
}

export function createSession(options: SessionOptions): Session {
  const clock = options.clock ?? systemClock
  const { config } = options
  const project = projectIdentity(config)
  const stateDir = options.stateDir ?? path.join(config.root, '.hearth')
  const store = createHearthStore(initialState(clock.now()))
  const usage = options.usage ?? createUsageRecords(path.join(stateDir, 'environments.json'))
  const environments = new EnvironmentController({
    store,
    drivers: options.drivers,
    locks: options.locks ?? createFileLocks(path.join(stateDir, 'locks')),
    clock,
    version: options.version,
    usage,
    noFallback: options.noFallback ?? null,
  })
  const testsOptions = options.tests
  const tests =
    testsOptions === undefined
      ? null
      : new TestController({
          store,
          clock,
          runner: testsOptions.runner,
          testEnvironment: testEnvironmentOf,
          ...(testsOptions.builder === undefined ? {} : { builder: testsOptions.builder }),
          ...(testsOptions.timings === undefined ? {} : { timings: testsOptions.timings }),
          skipBuilds: testsOptions.skipBuilds ?? false,
          concurrency: testsOptions.concurrency ?? 1,
          retries: testsOptions.retries ?? 0,
          whenBusy: testsOptions.whenBusy ?? 'queue',
          resetAhead: testsOptions.resetAhead ?? false,
        })
  // Each service's output into the state, for every view (the TUI's log pane, NDJSON `log` events).
  const logs = new LogFollower({ store, clock, handleOf: (key) => environments.handleOf(key) })
  const detach = attachControllers(
    store,
    tests === null ? [environments, logs] : [environments, tests, logs],
    options.onControllerError ?? (() => undefined),
  )
  store.dispatch({ type: 'project/loaded', at: clock.now(), project, config })

  const all = (): string[] => Object.keys(config.environments)

  /**
   * Resolves once a controller has nothing under way and `done` holds: queued controller runs go
   * first (they are microtasks), then the work they started, then the state is judged.
   */
  const quiet = async (
    controller: { idle(): Promise<void>; isIdle(): boolean },
    done: (state: HearthState) => boolean,
  ) => {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve))
      await controller.idle()
      await new Promise((resolve) => setImmediate(resolve))
      if (controller.isIdle() && done(store.getState())) return store.getState()
      await nextChange(store)
    }
  }
  const settled = (): Promise<HearthState> => quiet(environments, selectSettled)
  let graph: Promise<ImportGraph> | null = null
  let warned = false
  let nextMaintenance = 1
  /** Asks the environment controller for runtime work, by action, and waits for it in state. */
  const maintain = async <K extends MaintenanceOperation['kind']>(
    operation: Extract<MaintenanceOperation, { kind: K }>,
  ): Promise<Extract<MaintenanceResult, { kind: K }>> => {
    const id = nextMaintenance++
    store.dispatch({ type: 'maintenance/requested', at: clock.now(), id, operation })
    const state = await waitForState(store, (current) => {
      const task = current.maintenance[id]
      return task?.status === 'done' || task?.status === 'failed'
    })
    const task = state.maintenance[id] as MaintenanceTask
    if (task.error !== null) {
      const { message, code, fix, stack } = task.error
      const error = code === null ? new Error(message) : new DriverError(code, message, fix ?? '')
      if (stack !== null) error.stack = stack
      throw error
    }
    return task.result as Extract<MaintenanceResult, { kind: K }>
  }

  const session: Session = {
    store,
    project,
    async up(names = all()) {
      store.dispatch({ type: 'environment/up-requested', at: clock.now(), environments: names })
      const state = await settled()
      const ready = names.filter((name) => selectEnvironmentStatus(state, name) === 'ready')
      if (ready.length > 0) await usage.touch(ready, clock.now())
      return state
    },
    async down(names = all(), { only = 'all' } = {}) {
      if (only === 'all') await maintain({ kind: 'observe', environments: names })
      store.dispatch({ type: 'environment/down-requested', at: clock.now(), environments: names, only })
      await settled()
      if (only === 'all' && selectFailures(store.getState()).length === 0)
        await maintain({ kind: 'sweep', environments: names })
      return store.getState()
    },
    async gc() {
      return [...(await maintain({ kind: 'gc' })).expired]
    },
    async downAll() {
      const found = (await maintain({ kind: 'list' })).environments
      const state = await session.down(all())
      if (selectFailures(state).length > 0) return state
      await maintain({ kind: 'sweep', environments: found.filter((name) => !(name in config.environments)) })
      await maintain({ kind: 'prune' })
      await usage.forget([...new Set([...all(), ...found])])
      return store.getState()
    },
    async reset(names = all()) {
      await requestResets(store, names, clock.now())
      return settled()
    },
    async restart(keys) {
      store.dispatch({ type: 'service/restart-requested', at: clock.now(), keys })
      return settled()
    },
    importGraph() {
      graph ??= (async () => {
        // Loaded here: the graph's parser pulls in TypeScript, which other commands need not load.
        const { createImportGraph } = await import('@hearth/affected')
        return createImportGraph({ root: config.root, testFiles: Object.keys(store.getState().tests.files) })
      })()
      return graph
    },
    async discoverTests() {
      if (testsOptions === undefined) throw new Error('this session was opened without a test runner')
      const files = classifyTestFiles(config, await testsOptions.runner.listTestFiles())
      store.dispatch({ type: 'tests/discovered', at: clock.now(), files })
      const expected = await testsOptions.timings?.read().catch(() => null)
      if (expected != null) store.dispatch({ type: 'tests/timings', at: clock.now(), expected })
      if (!warned) {
        // Once a session: the watch loop discovers again after every added or deleted file.
        warned = true
        for (const warning of coverageWarnings(config, files))
          store.dispatch({ type: 'session/warning', at: clock.now(), ...warning })
      }
      return files
    },
    async runTests(trigger, files) {
      if (tests === null) throw new Error('this session was opened without a test runner')
      store.dispatch({ type: 'run/requested', at: clock.now(), trigger, files })
      // Once interrupted, no pending run is taken: that ends the wait too.
      return quiet(tests, (state) => state.tests.pending === null || state.session.interrupted !== null)
    },
    testConfigs() {
      if (testsOptions === undefined) return []
      return testConfigsOf(testsOptions.runner, classifiedFiles(store.getState()))
    },
    async selectAffected(changed, files) {
      const tests = files ?? classifiedFiles(store.getState())
      const imports = await session.importGraph()
      await imports.setTestFiles(tests.map((file) => file.file))
      return selectAffected({
        config,
        graph: imports,
        files: tests,
        changed,
        testConfigs: session.testConfigs(),
      })
    },
    async watch({ debounceMs } = {}) {
      if (testsOptions === undefined) throw new Error('this session was opened without a test runner')
      // The watcher walks the tree (on its own threads) while the tests are listed and the graph
      // is built: it says it is watching once both are done.
      const graphReady = (async () => {
        const files = await session.discoverTests()
        const imports = await session.importGraph()
        await imports.setTestFiles(files.map((file) => file.file))
        return imports
      })()
      const watcher = new WatchController({
        store,
        clock,
        config,
        graph: graphReady,
        runner: testsOptions.runner,
        discoverTests: () => session.discoverTests(),
        select: (graph, changed, files) =>
          selectAffected({ config, graph, files, changed, testConfigs: session.testConfigs() }),
        ...(debounceMs === undefined ? {} : { debounceMs }),
      })
      const detachWatcher = attachControllers(
        store,
        [watcher],
        options.onControllerError ?? (() => undefined),
      )
      store.dispatch({ type: 'watch/starting', at: clock.now(), root: config.root, ignored: WATCH_IGNORED })
      try {
        await graphReady
      } catch (error) {
        // The tests could not be listed (a config that does not load): the watcher goes.
        store.dispatch({ type: 'watch/stopped', at: clock.now() })
        await watcher.stop()
        detachWatcher()
        throw error
      }
      const watching = await waitForState(store, (state) => state.watch.status !== 'starting')
      if (watching.watch.status === 'failed') {
        detachWatcher()
        const { message, fix } = watching.watch.error ?? { message: 'the watcher failed', fix: null }
        throw new WatchError(message, fix)
      }
      return async () => {
        if (store.getState().watch.status !== 'stopped')
          store.dispatch({ type: 'watch/stopped', at: clock.now() })
        await watcher.stop()
        detachWatcher()
      }
    },
    async resetAhead(environments) {
      if (tests === null || environments.length === 0) return
      const settledState = await waitForState(
        store,
        (state) =>
          state.session.interrupted !== null ||
          environments.every((name) => ['ready', 'failed'].includes(selectEnvironmentStatus(state, name))),
      )
      if (settledState.session.interrupted !== null) return
      const ready = environments.filter((name) => selectEnvironmentStatus(settledState, name) === 'ready')
      await tests.resetAheadNow(ready)
    },
    async observe(names = all()) {
      await maintain({ kind: 'observe', environments: names })
      return store.getState()
    },
    interrupt(signal) {
      store.dispatch({ type: 'session/interrupted', at: clock.now(), signal })
    },
    settled,
    exitCode: () => selectExitCode(store.getState()),
    async close() {
      environments.unwatchAll()
      tests?.shutdown()
      await tests?.idle()
      await environments.idle()
      // After the stops, so that what services print while shutting down is read too.
      await logs.stop()
      detach()
    },
  }
  return session
}

/** `<name>-<8 hex of the root's real path>`: stable for a checkout, different across worktrees. */
export function projectIdentity(config: NormalizedConfig): ProjectIdentity {
  let root = config.root
  try {
    root = realpathSync(config.root)
  } catch {
    // A root that does not resolve still has a stable spelling.
  }
  const digest = createHash('sha256').update(root).digest('hex').slice(0, 8)
  return { name: config.project, id: `${config.project}-${digest}`, root: config.root }
}

function nextChange(store: HearthStore): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = store.subscribe(() => {
      unsubscribe()
      resolve()
    })
  })
}

/** The project could not be watched (`hearth dev`): what went wrong and, when known, the fix. */
export class WatchError extends Error {
  override readonly name = 'WatchError'
  constructor(
    message: string,
    readonly fix: string | null,
  ) {
    super(message)
  }
}
