import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import type { Reporter, ResolvedConfig, TestSpecification, Vitest } from 'vitest/node'
import { resolveProjectVitest } from './resolve-vitest.js'
import { type EntityLookup, RunCollector } from './run-collector.js'
import type { NotRunReason, RunEvent, RunResult } from './types.js'

export type TestRunnerMode = 'once' | 'watch'

export interface TestRunnerOptions {
  /** The project root: where its Vitest is resolved from and its config is looked up. */
  root: string
  /** The Vitest config file; default: Vitest's own lookup in `root`. `false`: no config file. */
  configFile?: string | false
  /**
   * `'watch'` for `hearth dev`, `'once'` for `hearth ci`. The instance lives until `close` in both.
   * In both, Vitest itself does not watch files (hearth's watcher does, and says what changed
   * through `invalidate`). `'watch'` gives the tests what Vitest's own watch mode gives them:
   * `VITEST_MODE=WATCH`, and half the CPUs for workers unless the config sets `maxWorkers`.
   */
  mode: TestRunnerMode
  /** Variables every run's tests see (a run's own `env` is laid over them). */
  env?: Readonly<Record<string, string>>
  /**
   * Where Vitest's own output goes (config warnings, its logger). Default: discarded, so hearth's
   * stdout stays its own. The tests' console output is never written here: it is in the results.
   */
  stdout?: Writable
  stderr?: Writable
  /**
   * After an abort, how long Vitest may finish the tests in flight before their workers are killed
   * (a test stuck in a loop never yields). Default 2000 ms.
   */
  cancelGraceMs?: number
}

export interface RunOptions {
  /** Aborting cancels the run; it then resolves with `cancelled: true`. */
  signal?: AbortSignal
  /**
   * What the tests of this run see in process.env (see `testEnvironment`), over the runner's `env`
   * and the project's own `test.env`. Nothing of an earlier run's `env` remains.
   */
  env?: Readonly<Record<string, string>>
  /** Called as results arrive: a file started, a test finished, a file finished. */
  onEvent?: (event: RunEvent) => void
}

/**
 * One long-lived instance of the project's own Vitest. Runs are queued: one at a time, in the order
 * `run` was called. `invalidate` may be called at any time; it affects the runs that start after.
 */
export interface TestRunner {
  /** The version of the project's Vitest. */
  readonly vitestVersion: string
  /** The Vitest config file in use, or null: a change to it needs a new runner. */
  readonly configFile: string | null
  /** Every test file the project's config would run, in all its projects: absolute, sorted. */
  listTestFiles(): Promise<string[]>
  /** Runs exactly these test files (absolute, or relative to `root`) and resolves with their results. */
  run(files: readonly string[], options?: RunOptions): Promise<RunResult>
  /** These files changed, were created or were deleted: the next run must see it. */
  invalidate(files: readonly string[]): void
  /** Cancels the run in progress, if any, then stops Vitest and its workers. Idempotent. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Loads the project's own Vitest (from `root`, never hearth's copy) and starts one instance of it.
 * Throws a `VitestSetupError` when the project has no Vitest 4, and Vitest's own error when its
 * config does not load.
 */
export async function createTestRunner(options: TestRunnerOptions): Promise<TestRunner> {
  const root = path.resolve(options.root)
  const found = resolveProjectVitest(root)
  const { createVitest } = (await import(pathToFileURL(found.nodeEntry).href)) as typeof import('vitest/node')

  // One reporter for the instance's life; each run plugs its collector in and out.
  let collector: RunCollector | undefined
  const relay: Reporter = {
    onTestModuleStart: (module) => collector?.onTestModuleStart(module),
    onTestCaseResult: (test) => collector?.onTestCaseResult(test),
    onTestModuleEnd: (module) => collector?.onTestModuleEnd(module),
    onUserConsoleLog: (log) => collector?.onUserConsoleLog(log),
  }
  // Vitest installs SIGINT/SIGTERM handlers that exit the process a millisecond later; hearth owns
  // its signals (Ctrl-C stops what it started, then exits with its own code) and closes Vitest
  // itself, so the handlers Vitest adds while it starts are taken off again.
  const signals = ['SIGINT', 'SIGTERM'] as const
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]))
  const vitest = await createVitest(
    'test',
    {
      root,
      config: options.configFile,
      watch: false,
      reporters: [relay],
      // Coverage reporters print to the console directly; hearth runs are about pass/fail.
      coverage: { enabled: false },
    },
    {},
    { stdout: options.stdout ?? discard(), stderr: options.stderr ?? discard() },
  )
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.off(signal, listener)
    }
  }
  if (options.mode === 'watch') halveDefaultWorkers(vitest)

  const baseEnv = { ...options.env, ...(options.mode === 'watch' ? { VITEST_MODE: 'WATCH' } : {}) }
  const projectEnv = new WeakMap<ResolvedConfig, ResolvedConfig['env']>()
  // `vitest.state` is marked experimental: without it, a log is kept under its task id as it is.
  const lookup: EntityLookup = (taskId) => vitest.state.getReportedEntityById?.(taskId)
  const graceMs = options.cancelGraceMs ?? 2000
  let queue: Promise<unknown> = Promise.resolve()
  let closing: Promise<void> | undefined
  let abortCurrent: (() => void) | undefined

  /**
   * The env of a run reaches the tests through the resolved configs' `env`: Vitest reads it at the
   * start of every run, both to spawn the workers (`{...process.env, ...config.env,
   * ...project.config.env}`) and in each worker before each file, where it is written to
   * process.env (so it holds for the pools that reuse workers too). hearth's own process.env is left
   * alone.
   */
  function applyEnv(env: Readonly<Record<string, string>> | undefined): void {
    for (const config of new Set([vitest.config, ...vitest.projects.map((project) => project.config)])) {
      if (!projectEnv.has(config)) projectEnv.set(config, config.env)
      config.env = { ...projectEnv.get(config), ...baseEnv, ...env }
    }
  }

  function specificationsOf(files: readonly string[]) {
    const specs: TestSpecification[] = []
    const wanted = new Set<string>()
    const notRun: { file: string; reason: NotRunReason }[] = []
    for (const file of new Set(files.map((f) => path.resolve(root, f)))) {
      if (!existsSync(file)) {
        notRun.push({ file, reason: 'not-found' })
        continue
      }
      const projects = vitest.projects.filter((project) => project.matchesTestGlob(file))
      if (projects.length === 0) {
        notRun.push({ file, reason: 'not-a-test-file' })
        continue
      }
      wanted.add(file)
      for (const project of projects) specs.push(project.createSpecification(file))
    }
    return { specs, wanted, notRun }
  }

  async function execute(files: readonly string[], runOptions: RunOptions): Promise<RunResult> {
    const started = performance.now()
    const { specs, wanted, notRun } = specificationsOf(files)
    const { signal } = runOptions
    const current = new RunCollector(wanted, lookup, runOptions.onEvent)
    let cancelled = signal?.aborted === true || closing !== undefined
    let unhandled: readonly unknown[] = []

    if (!cancelled && specs.length > 0) {
      let forceTimer: NodeJS.Timeout | undefined
      const abort = () => {
        if (cancelled) return
        cancelled = true
        current.stop()
        // 'keyboard-input' is Vitest's reason for an interrupt by the user (its other: bail).
        void vitest.cancelCurrentRun('keyboard-input')
        // A cancel while one is pending kills the workers (Vitest's "force"). Repeated, because a
        // cancel that lands before Vitest has created this run's pool is forgotten by it.
        forceTimer = setInterval(() => void vitest.cancelCurrentRun('keyboard-input'), graceMs)
        forceTimer.unref()
      }
      signal?.addEventListener('abort', abort)
      abortCurrent = abort
      applyEnv(runOptions.env)
      collector = current
      // Vitest sets process.exitCode when a run has unhandled errors: hearth's exit code is its own.
      const exitCode = process.exitCode
      try {
        const result = await vitest.runTestSpecifications(specs)
        unhandled = result.unhandledErrors
      } finally {
        process.exitCode = exitCode
        collector = undefined
        abortCurrent = undefined
        signal?.removeEventListener('abort', abort)
        clearInterval(forceTimer)
      }
    }

    const { files: results, errors } = current.settle(unhandled)
    const finished = new Set(results.map((result) => result.file))
    for (const file of wanted) {
      if (!finished.has(file)) notRun.push({ file, reason: cancelled ? 'cancelled' : 'interrupted' })
    }
    if (current.listenerError !== undefined) throw current.listenerError
    return {
      files: results,
      notRun,
      errors,
      durationMs: performance.now() - started,
      cancelled,
    }
  }

  const runner: TestRunner = {
    vitestVersion: found.version,
    configFile: vitest.vite.config.configFile ?? null,

    async listTestFiles() {
      const specs = await vitest.globTestSpecifications()
      const files = new Set(specs.filter((spec) => spec.pool !== 'typescript').map((spec) => spec.moduleId))
      // Vitest caches its glob; a file deleted since is still in it.
      return [...files].filter((file) => existsSync(file)).sort()
    },

    run(files, runOptions = {}) {
      if (closing) return Promise.reject(new Error('hearth: this test runner is closed'))
      const next = queue.then(() => execute(files, runOptions))
      queue = next.catch(() => undefined)
      return next
    },

    invalidate(files) {
      for (const file of files.map((f) => path.resolve(root, f))) {
        // The server's module graph: the next transform reads the file again.
        vitest.invalidateFile(file)
        // Workers that Vitest keeps between files drop their copy of the module too.
        vitest.watcher.invalidates.add(file)
        // A new test file: Vitest's cached list of test files learns it (listTestFiles).
        if (existsSync(file)) for (const project of vitest.projects) project.matchesTestGlob(file)
      }
    },

    close() {
      closing ??= (async () => {
        abortCurrent?.()
        await queue
        await vitest.close()
      })()
      return closing
    },

    [Symbol.asyncDispose]() {
      return runner.close()
    },
  }
  return runner
}

/** Vitest's watch mode uses half the CPUs for workers; with `watch: false` it would take all but one. */
function halveDefaultWorkers(vitest: Vitest): void {
  const configured = [vitest.config, ...vitest.projects.map((project) => project.config)].some(
    (config) => config.maxWorkers !== undefined,
  )
  if (!configured) vitest.config.maxWorkers = Math.max(Math.floor(availableParallelism() / 2), 1)
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback()
    },
  })
}
