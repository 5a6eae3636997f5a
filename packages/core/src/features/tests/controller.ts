import type { Clock } from '../../clock.js'
import { relativePath } from '../../paths.js'
import type { ChangeSummary, Controller } from '../../store/controller.js'
import type { HearthStore } from '../../store/create-store.js'
import type { HearthState } from '../../store/state.js'
import { waitForState } from '../../store/wait-for-state.js'
import { selectEnvironmentStatus, selectServices } from '../environments/selectors.js'
import type { BuildReason, RunBlock, TestFileState } from './state.js'
import { isTestSetupError, type TestFileOutcome, type TestRunner } from './test-runner.js'

/** What a file without a result says, by why it has none. */
const NOT_RUN = {
  interrupted: 'the test runner stopped before this file finished (a worker or its host crashed)',
  'not-found': 'the file does not exist (any more)',
  'not-a-test-file': 'no test config of the project includes this file',
} as const

/** A package to rebuild before a run, and why (absolute `dir`). */
export interface PlannedBuild {
  name: string
  dir: string
  reason: BuildReason
  /** Whether it has a `build` script; one without is reported (`stale-build`), not built. */
  hasBuildScript: boolean
  /** The build output files the tests import (absolute): their folders are what its build rewrites. */
  outputs: readonly string[]
}

/**
 * Rebuilds workspace packages that tests use through their build output. `plan` says which the
 * given test files need (missing or stale output only), in build order; `build` runs one package's
 * own build script and resolves with its outcome (never throws for a failing build).
 */
export interface PackageBuilder {
  plan(files: readonly string[]): Promise<readonly PlannedBuild[]>
  /** The command `build` runs for a package, as people would type it (`pnpm run build`). */
  command(pkg: PlannedBuild): Promise<string>
  /**
   * `written`: the files in its output folders after the build (absolute), which the test runner
   * must read afresh.
   */
  build(
    pkg: PlannedBuild,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; output: string; written?: readonly string[] }>
}

/** Records how long each file took, for sharding (written after every run). */
export interface TimingRecorder {
  /** Folds a run's durations in; resolves with the expected duration of every file it knows (relative path → ms). */
  record(
    files: ReadonlyArray<{ path: string; durationMs: number; state: string }>,
  ): Promise<Record<string, number>>
  /** The expected duration of every file it knows (a missing or unreadable history: none). */
  read(): Promise<Record<string, number>>
}

export interface TestControllerOptions {
  store: HearthStore
  runner: TestRunner
  clock: Clock
  /** The variables the tests of an environment see: its services' outputs (null: no environment). */
  testEnvironment(state: HearthState, environment: string | null): Record<string, string>
  builder?: PackageBuilder
  /** Plan the builds but run none (`--no-build`): the run says its results may be stale. */
  skipBuilds?: boolean
  /**
   * How many environment batches may run at once (each batch is the files of one environment, with
   * that environment's outputs as env). Default 1.
   */
  concurrency?: number
  timings?: TimingRecorder
  /** Runs of failed files after the first (`hearth ci --retry N`). Default 0. */
  retries?: number
  /** A run asked for while one is under way: cancel the current one (dev) or queue (ci). */
  whenBusy?: 'cancel' | 'queue'
  /**
   * Reset an environment right after a run that used it finishes (`hearth dev`), so that the next
   * run finds its data clean and starts at once, instead of resetting before it. An environment
   * whose instances changed since, or that no reset served yet, is still reset before the run.
   */
  resetAhead?: boolean
}

interface Task {
  id: number
  controller: AbortController
  done: Promise<void>
}

/**
 * Runs the tests asked for (`run/requested`): rebuilds the packages they use through stale build
 * output, brings up the environments they need, runs the resets, then runs the files through the
 * project's test runner in one batch per environment (each gets its own outputs as env; independent
 * batches at once up to `concurrency`), retrying failed files when asked. One run at a time; what
 * is asked meanwhile is merged into the next run, and cancels the current one when `whenBusy` is
 * 'cancel'.
 */
export class TestController implements Controller {
  readonly name = 'tests'
  private task: Task | null = null
  private nextId = 1
  private stopped = false
  /** The resets after the last run (resetAhead), while under way. */
  private ahead: Promise<void> | null = null
  private readonly aheadController = new AbortController()
  /**
   * Environments whose data was reset after their last use, by the instances the reset served
   * (`instancesOf`): still clean while those are the ones running.
   */
  private readonly clean = new Map<string, string>()

  constructor(private readonly options: TestControllerOptions) {}

  onChange(state: HearthState, _change: ChangeSummary): void {
    if (this.stopped) return
    if (state.session.interrupted !== null) {
      this.task?.controller.abort(new Error('interrupted'))
      return
    }
    if (state.tests.pending === null) return
    if (this.task !== null) {
      if (this.options.whenBusy === 'cancel')
        this.task.controller.abort(new Error('superseded by a newer change'))
      return
    }
    const id = this.nextId++
    const controller = new AbortController()
    this.options.store.dispatch({ type: 'run/started', at: this.options.clock.now(), id })
    const task: Task = { id, controller, done: Promise.resolve() }
    this.task = task
    task.done = this.execute(id, controller.signal).catch((error: unknown) => {
      // A test setup that cannot work (a config that does not load) is the project's to fix (2);
      // any other throw is a bug in hearth: say so, and still end the run.
      this.options.store.dispatch(
        isTestSetupError(error)
          ? {
              type: 'session/failed',
              at: this.options.clock.now(),
              cause: error.message,
              fix: error.fix,
              code: 2,
            }
          : {
              type: 'session/failed',
              at: this.options.clock.now(),
              cause: `internal error in test run ${id}: ${(error as Error).message}`,
              fix: 'run again with --verbose and report it',
              code: 70,
            },
      )
      this.finish(id, true)
    })
  }

  /** Cancels the run under way (and any reset ahead) and starts no other: the session is closing. */
  shutdown(): void {
    this.stopped = true
    this.task?.controller.abort(new Error('hearth is quitting'))
    this.aheadController.abort(new Error('hearth is quitting'))
  }

  /** Resolves when no run, and no reset ahead of the next run, is under way. */
  async idle(): Promise<void> {
    while (this.task !== null || this.ahead !== null) {
      await this.task?.done
      await this.ahead
    }
  }

  isIdle(): boolean {
    return this.task === null && this.ahead === null
  }

  private async execute(id: number, signal: AbortSignal): Promise<void> {
    const { store, clock } = this.options
    const state = store.getState()
    const run = state.tests.run
    if (run === null || run.id !== id) return this.finish(id, true)
    const files = run.files
      .map((file) => state.tests.files[file])
      .filter((file): file is TestFileState => file !== undefined)
    const environments = [
      ...new Set(files.map((file) => file.environment).filter((name): name is string => name !== null)),
    ].sort()

    // Builds first: an edit that does not compile blocks the run before any environment is touched.
    const built = await this.buildPackages(id, run.files, signal)
    if (signal.aborted) return this.finish(id, true)
    if (built !== null) return this.block(id, built)

    const blocked = await this.ensureEnvironments(environments, signal)
    if (signal.aborted) return this.finish(id, true)
    if (blocked !== null) return this.block(id, { kind: 'environment', name: blocked })

    // A reset after the last run may still be under way: it serves this run once it ends.
    if (this.ahead !== null) await abortable(this.ahead, signal)
    if (signal.aborted) return this.finish(id, true)
    const dirty = environments.filter((name) => this.clean.get(name) !== instancesOf(store.getState(), name))
    for (const name of environments) this.clean.delete(name)
    if (dirty.length > 0) {
      store.dispatch({ type: 'run/phase', at: clock.now(), id, phase: 'resetting' })
      // Asked of the environment controller by action; a reset by restart ends once they are ready again.
      const resets = await requestResets(store, dirty, clock.now(), signal)
      if (signal.aborted) return this.finish(id, true)
      const unreset = dirty.find((name) => resets[name] !== null)
      if (unreset !== undefined) {
        // The environment still answers, but its data was not reset: the tests must not run on it.
        if (selectEnvironmentStatus(store.getState(), unreset) !== 'failed')
          store.dispatch({
            type: 'session/warning',
            at: clock.now(),
            code: 'reset-failed',
            message: `the reset of ${unreset} failed: ${resets[unreset]}`,
            fix: 'see the service output (`l` in hearth dev, or `hearth status`), fix the reset, and run again',
          })
        return this.block(id, { kind: 'environment', name: unreset })
      }
      const failed = environments.find((name) => selectEnvironmentStatus(store.getState(), name) === 'failed')
      if (failed !== undefined) return this.block(id, { kind: 'environment', name: failed })
    }

    store.dispatch({ type: 'run/phase', at: clock.now(), id, phase: 'running' })
    await this.runFiles(id, files, signal)
    for (let attempt = 2; attempt <= (this.options.retries ?? 0) + 1 && !signal.aborted; attempt++) {
      const current = store.getState()
      const failed = run.files
        .map((file) => current.tests.files[file])
        .filter((file): file is TestFileState => file !== undefined && file.status === 'failed')
      if (failed.length === 0) break
      store.dispatch({
        type: 'run/retrying',
        at: clock.now(),
        id,
        attempt,
        files: failed.map((file) => file.file),
      })
      await this.runFiles(id, failed, signal)
    }

    if (!signal.aborted) await this.recordTimings(run.files)
    const cancelled = signal.aborted
    this.finish(id, cancelled)
    // A cancelled run's environments are reset by the run that follows it, before it starts.
    if (!cancelled && this.options.resetAhead === true && environments.length > 0)
      this.resetAhead(environments)
  }

  /**
   * Resets these environments now, ahead of any run (`hearth dev --no-initial` once they are
   * ready), when resetting ahead is on and no run is under way: the first run that needs them then
   * starts without a reset of its own. Resolves once the resets are done.
   */
  async resetAheadNow(environments: readonly string[]): Promise<void> {
    if (this.options.resetAhead !== true || this.stopped || this.task !== null || environments.length === 0)
      return
    if (this.ahead !== null) await this.ahead
    this.resetAhead(environments)
    await this.ahead
  }

  /**
   * Resets the environments a run used, now that it has finished, and remembers which instances
   * each reset served: the next run that needs them starts without a reset of its own.
   */
  private resetAhead(environments: readonly string[]): void {
    const { store, clock } = this.options
    const signal = this.aheadController.signal
    if (signal.aborted) return
    const ahead = (async () => {
      const resets = await requestResets(store, environments, clock.now(), signal)
      const state = store.getState()
      for (const name of environments) {
        // One that failed, or whose instances are not ready, is reset (and reported) before the next run.
        if (resets[name] === null && selectEnvironmentStatus(state, name) === 'ready')
          this.clean.set(name, instancesOf(state, name))
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        if (this.ahead === ahead) this.ahead = null
      })
    this.ahead = ahead
  }

  /**
   * Rebuilds, in order, the packages the files use through build output whose output is missing or
   * stale; resolves with what blocks the run (a package that did not build), or null.
   */
  private async buildPackages(
    id: number,
    files: readonly string[],
    signal: AbortSignal,
  ): Promise<RunBlock | null> {
    const { store, clock, builder } = this.options
    if (builder === undefined) return null
    const all = await builder.plan(files)
    if (all.length === 0 || signal.aborted) return null
    const root = store.getState().project?.root ?? ''
    // A package without a build script is built some other way (a root `tsc -b`, turbo): say so.
    for (const pkg of all.filter((candidate) => !candidate.hasBuildScript)) {
      const output = pkg.reason.output
      store.dispatch({
        type: 'session/warning',
        at: clock.now(),
        code: 'stale-build',
        message: `${pkg.name} is used through its build output, but ${pkg.reason.kind === 'missing' ? `${output} is missing` : `${output} is older than ${pkg.reason.newer}`} and it has no build script`,
        fix: `build it before running the tests, or give ${relativeTo(root, pkg.dir)}/package.json a "build" script`,
      })
    }
    const planned = all.filter((pkg) => pkg.hasBuildScript)
    if (planned.length === 0) return null
    const skipped = this.options.skipBuilds === true
    store.dispatch({
      type: 'build/planned',
      at: clock.now(),
      id,
      skipped,
      packages: planned.map(({ name, dir, reason, outputs }) => ({
        name,
        dir: relativeTo(root, dir),
        reason,
        outputs: outputs.map((output) => relativeTo(root, output)),
      })),
    })
    if (skipped) return null
    store.dispatch({ type: 'run/phase', at: clock.now(), id, phase: 'building' })
    for (const pkg of planned) {
      const startedAt = clock.now()
      const command = await builder.command(pkg)
      store.dispatch({ type: 'build/started', at: clock.now(), id, name: pkg.name, command })
      const outcome = await builder.build(pkg, signal)
      if (signal.aborted) return null
      const at = clock.now()
      store.dispatch({
        type: 'build/finished',
        at,
        id,
        name: pkg.name,
        ok: outcome.ok,
        durationMs: at - startedAt,
        output: outcome.output,
      })
      if (!outcome.ok) return { kind: 'build', name: pkg.name, output: outcome.output }
      // A warm runner (hearth dev) keeps what it loaded: it must read the new output.
      if (outcome.written !== undefined && outcome.written.length > 0)
        this.options.runner.invalidate(outcome.written)
    }
    return null
  }

  /**
   * Runs files in batches, one per environment (each sees its own environment's outputs), up to
   * `concurrency` batches at once. Each file's result is in the state the moment it finishes.
   */
  private async runFiles(id: number, files: readonly TestFileState[], signal: AbortSignal): Promise<void> {
    const batches = new Map<string | null, string[]>()
    for (const file of files)
      batches.set(file.environment, [...(batches.get(file.environment) ?? []), file.file])
    // Files that need no environment first, then each environment's, by name.
    const order = [...batches].sort(([a], [b]) => (a === null ? -1 : b === null ? 1 : a.localeCompare(b)))
    // A batch that throws stops the others (they are cancelled) before the error goes on.
    const lanes = new AbortController()
    const stop = (): void => lanes.abort(signal.reason)
    signal.addEventListener('abort', stop, { once: true })
    try {
      await forEachLimit(order, Math.max(1, this.options.concurrency ?? 1), async ([environment, batch]) => {
        if (lanes.signal.aborted) return
        try {
          await this.runBatch(id, environment, batch, lanes.signal)
        } catch (error) {
          lanes.abort(error)
          throw error
        }
      })
    } finally {
      signal.removeEventListener('abort', stop)
    }
  }

  private async runBatch(
    id: number,
    environment: string | null,
    batch: readonly string[],
    signal: AbortSignal,
  ): Promise<void> {
    const { store, clock, runner } = this.options
    // What the state last got for a file in this batch, so that the outcome can correct it.
    const reported = new Map<string, TestFileOutcome>()
    const started = (file: string): void => {
      if (store.getState().tests.files[file]?.status !== 'running')
        store.dispatch({ type: 'run/file-started', at: clock.now(), id, file })
    }
    const finished = (outcome: TestFileOutcome): void => {
      const known = reported.get(outcome.file)
      if (known !== undefined && sameOutcome(known, outcome)) return
      reported.set(outcome.file, outcome)
      started(outcome.file)
      store.dispatch({ type: 'run/file-finished', at: clock.now(), id, outcome })
    }
    const env = this.options.testEnvironment(store.getState(), environment)
    // A service of the batch's environment that stops while its files run (killed, crashed) fails
    // the environment: the files still running cannot pass, so they end now, not on their timeouts.
    const keys = environment === null ? [] : (store.getState().environments[environment]?.services ?? [])
    const lost = new AbortController()
    const unsubscribe = store.subscribeActions((action) => {
      if (action.type === 'service/failed' && keys.includes(action.key) && !lost.signal.aborted)
        lost.abort(new Error(`${action.key.slice(action.key.indexOf('/') + 1)} stopped while the tests ran`))
    })
    const outcome = await runner
      .run(batch, {
        signal: AbortSignal.any([signal, lost.signal]),
        env,
        onEvent: (event) => {
          if (event.type === 'file-started') started(event.file)
          if (event.type === 'test-finished')
            store.dispatch({
              type: 'run/test-finished',
              at: clock.now(),
              id,
              file: event.file,
              test: event.test,
            })
          // The moment a file finishes, the views have it; the outcome below is the record.
          if (event.type === 'file-finished') finished(event.file)
        },
      })
      .finally(unsubscribe)
    // The outcome is the record: events may be partial (a file that failed to load has none), an
    // unhandled error may be traced to a file after its events, and a file may run in several
    // projects (it failed if it failed in any).
    for (const file of mergeByFile(outcome.files)) finished(file)
    // A file the runner gave up on (its worker or host crashed) failed: it must not pass silently.
    for (const { file, reason } of outcome.notRun ?? []) {
      if (reason === 'cancelled' && lost.signal.aborted && !signal.aborted) {
        const why = (lost.signal.reason as Error).message
        finished({
          file,
          state: 'failed',
          durationMs: 0,
          errors: [{ message: `not finished: ${why}` }],
          tests: [],
        })
        continue
      }
      if (reason === 'cancelled' || reason === 'not-found' || signal.aborted) continue
      finished({
        file,
        state: 'failed',
        durationMs: 0,
        errors: [{ message: NOT_RUN[reason] }, ...(reason === 'interrupted' ? (outcome.errors ?? []) : [])],
        tests: [],
      })
    }
    // A crash's errors went to the files it interrupted; any other error no file could be blamed
    // for fails the run, as it fails `vitest run`.
    const crashed = (outcome.notRun ?? []).some((entry) => entry.reason === 'interrupted')
    const errors = outcome.errors ?? []
    if (!crashed && errors.length > 0 && !signal.aborted)
      store.dispatch({ type: 'run/errors', at: clock.now(), id, errors })
  }

  /** Brings up the environments not ready yet; resolves with the first that failed, or null. */
  private async ensureEnvironments(
    environments: readonly string[],
    signal: AbortSignal,
  ): Promise<string | null> {
    const { store, clock } = this.options
    const notReady = environments.filter(
      (name) => selectEnvironmentStatus(store.getState(), name) !== 'ready',
    )
    if (notReady.length > 0)
      store.dispatch({ type: 'environment/up-requested', at: clock.now(), environments: notReady })
    await waitForState(
      store,
      (state) =>
        environments.every((name) => {
          const status = selectEnvironmentStatus(state, name)
          return status === 'ready' || status === 'failed'
        }),
      signal,
    )
    return environments.find((name) => selectEnvironmentStatus(store.getState(), name) === 'failed') ?? null
  }

  private async recordTimings(files: readonly string[]): Promise<void> {
    if (this.options.timings === undefined) return
    const state = this.options.store.getState()
    const timed = files
      .map((file) => state.tests.files[file])
      .filter((file): file is TestFileState => file !== undefined && file.durationMs !== null)
      .map((file) => ({ path: file.path, durationMs: file.durationMs as number, state: file.status }))
    // Timings help later runs; failing to write them must not fail this one.
    const expected = await this.options.timings.record(timed).catch(() => null)
    if (expected !== null)
      this.options.store.dispatch({ type: 'tests/timings', at: this.options.clock.now(), expected })
  }

  private block(id: number, block: RunBlock): void {
    this.options.store.dispatch({ type: 'run/blocked', at: this.options.clock.now(), id, block })
    this.finish(id, false)
  }

  /** Ends the run. The task is cleared first, so the onChange this dispatch causes can start the next. */
  private finish(id: number, cancelled: boolean): void {
    if (this.task?.id === id) this.task = null
    this.options.store.dispatch({ type: 'run/finished', at: this.options.clock.now(), id, cancelled })
  }
}

/** Which instances run an environment's services: the same string while none was replaced. */
function instancesOf(state: HearthState, environment: string): string {
  return selectServices(state, environment)
    .map((service) => `${service.key}=${service.instance?.id ?? ''}`)
    .join(' ')
}

/** Waits for `work`, or for `signal` to abort, whichever comes first (never rejects). */
async function abortable(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  let onAbort: () => void = () => undefined
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve
    signal.addEventListener('abort', onAbort, { once: true })
  })
  await Promise.race([work.catch(() => undefined), aborted])
  signal.removeEventListener('abort', onAbort)
}

function relativeTo(root: string, dir: string): string {
  return dir === root ? '.' : relativePath(root, dir)
}

/** Runs `work` for every item, at most `limit` at a time, in order of start; rejects with the first failure once all have settled. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  }
  // Every lane settles before a failure goes on: nothing keeps running behind the caller's back.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane))
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}

function sameOutcome(a: TestFileOutcome, b: TestFileOutcome): boolean {
  return a.state === b.state && a.errors.length === b.errors.length && a.tests.length === b.tests.length
}

/** One outcome per file: a file run in several projects failed if it failed in any. */
function mergeByFile(outcomes: readonly TestFileOutcome[]): TestFileOutcome[] {
  const merged = new Map<string, TestFileOutcome>()
  const rank = { failed: 2, passed: 1, skipped: 0 } as const
  for (const outcome of outcomes) {
    const known = merged.get(outcome.file)
    merged.set(
      outcome.file,
      known === undefined
        ? outcome
        : {
            file: outcome.file,
            state: rank[outcome.state] > rank[known.state] ? outcome.state : known.state,
            durationMs: known.durationMs + outcome.durationMs,
            errors: [...known.errors, ...outcome.errors],
            tests: [...known.tests, ...outcome.tests],
          },
    )
  }
  return [...merged.values()]
}

/**
 * Asks for the resets of these environments and resolves, once each is done, with each one's error
 * (null: it worked). Requests are numbered in state (`reset.seq`): a reset that ran after ours
 * serves ours too, and two requests in one millisecond stay two.
 */
export async function requestResets(
  store: HearthStore,
  environments: readonly string[],
  at: number,
  signal?: AbortSignal,
): Promise<Record<string, string | null>> {
  store.dispatch({ type: 'environment/reset-requested', at, environments })
  const asked = store.getState()
  const seqOf = (name: string): number => asked.environments[name]?.reset?.seq ?? 0
  const state = await waitForState(
    store,
    (current) =>
      environments.every((name) => {
        const reset = current.environments[name]?.reset
        const status = selectEnvironmentStatus(current, name)
        return reset == null || (reset.doneSeq >= seqOf(name) && (status === 'ready' || status === 'failed'))
      }),
    signal,
  )
  const errors: Record<string, string | null> = {}
  for (const name of environments) errors[name] = state.environments[name]?.reset?.error ?? null
  return errors
}
