import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import type { Reporter, ResolvedConfig, TestSpecification, Vitest } from 'vitest/node'
import { type EntityLookup, RunCollector } from './run-collector.js'
import type { NotRunReason, RunEvent, RunResult } from './types.js'

/**
 * ONE instance of a project's own Vitest, in the current process, with `root` as its root. It runs
 * inside a Vitest host (`vitest-host.ts`), a child process whose working directory is `root`: hearth
 * itself never loads Vitest (see `test-runner.ts`).
 */

export type TestRunnerMode = 'once' | 'watch'

export interface VitestInstanceOptions {
  /** The owner's folder: Vitest's root (the process's cwd is the same folder). */
  root: string
  /** The Vitest config file, or null for none (Vitest's defaults). */
  configFile: string | null
  /** Absolute path of the `vitest/node` entry to load (the project's own copy). */
  nodeEntry: string
  mode: TestRunnerMode
  /** Variables every run's tests see (a run's own `env` is laid over them). */
  env?: Readonly<Record<string, string>>
  /** Where Vitest's own output goes (its logger). Default: discarded. */
  stdout?: Writable
  stderr?: Writable
  /** After an abort, how long the tests in flight may finish before their workers are killed. */
  cancelGraceMs?: number
}

export interface InstanceRunOptions {
  signal?: AbortSignal
  env?: Readonly<Record<string, string>>
  onEvent?: (event: RunEvent) => void
}

/** A Vitest project of the instance: the root config's own, or one of its `test.projects`. */
export interface InstanceProject {
  name: string
  root: string
  configFile: string | null
}

/**
 * Where one project of an instance finds its test files, as Vitest's own glob does: `include`
 * less `exclude`, relative to `dir` (the project's `dir`, else its root), dot files included.
 */
export interface TestGlob {
  dir: string
  include: readonly string[]
  exclude: readonly string[]
}

export interface VitestInstance {
  /** The config file Vitest loaded, or null. */
  readonly configFile: string | null
  /** Its projects (one, unnamed, for a config without `test.projects`). */
  readonly projects: readonly InstanceProject[]
  /** Files whose change changes the config (the config files and what they import). */
  readonly configDependencies: readonly string[]
  /**
   * Each project's test glob: with the test files on disk, they give the list `listTestFiles` gives.
   * Null when a project's `includeSource` makes a file's content decide whether it is a test file.
   */
  readonly testGlobs: readonly TestGlob[] | null
  listTestFiles(): Promise<string[]>
  /** Runs exactly these absolute files; runs are queued, one at a time. */
  run(files: readonly string[], options?: InstanceRunOptions): Promise<RunResult>
  invalidate(files: readonly string[]): void
  close(): Promise<void>
}

/**
 * Loads the given `vitest/node` (the project's own copy) and starts one instance of it with `root`
 * as its root. Throws Vitest's own error when the config does not load.
 */
export async function createVitestInstance(options: VitestInstanceOptions): Promise<VitestInstance> {
  const root = path.resolve(options.root)
  const { createVitest } = (await import(
    pathToFileURL(options.nodeEntry).href
  )) as typeof import('vitest/node')

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
      config: options.configFile ?? false,
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

  async function execute(files: readonly string[], runOptions: InstanceRunOptions): Promise<RunResult> {
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

  const projects = vitest.projects.map((project) => ({
    name: project.name,
    root: project.config.root,
    configFile: project.vite.config.configFile ?? null,
  }))
  const configDependencies = new Set<string>()
  for (const config of [vitest.vite.config, ...vitest.projects.map((project) => project.vite.config)]) {
    if (config.configFile) configDependencies.add(path.resolve(config.configFile))
    for (const file of config.configFileDependencies ?? []) configDependencies.add(path.resolve(file))
  }

  // What `globTestFiles` of each project globs (typecheck files are not hearth's to run).
  const testGlobs = vitest.projects.some((project) => (project.config.includeSource?.length ?? 0) > 0)
    ? null
    : vitest.projects.map(({ config }) => ({
        dir: config.dir || config.root,
        include: config.typecheck.enabled && config.typecheck.only ? [] : [...config.include],
        exclude: [...config.exclude],
      }))

  return {
    configFile: vitest.vite.config.configFile ?? null,
    projects,
    configDependencies: [...configDependencies].sort(),
    testGlobs,

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
  }
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
