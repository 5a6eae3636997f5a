import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import type { Writable } from 'node:stream'
import { surveyOwners, VitestHost } from './host-client.js'
import type { HostReady } from './host-protocol.js'
import {
  findPackageConfig,
  findVitestConfig,
  isConfigFileName,
  ownerOfFile,
  planOwners,
  type RootProject,
  type TestOwner,
} from './owners.js'
import { configLoadError, type ProjectVitest, resolveProjectVitest } from './resolve-vitest.js'
import { type Glob, globTestFiles, TestListCache, vitestGlob } from './test-list-cache.js'
import type { NotRunReason, RunEvent, RunResult, TestErrorInfo } from './types.js'
import type { TestGlob, TestRunnerMode } from './vitest-instance.js'

export type { TestRunnerMode } from './vitest-instance.js'

export interface TestRunnerOptions {
  /** The workspace root: its own config (or Vitest's defaults) owns what no package config owns. */
  root: string
  /**
   * The workspace package folders, where package configs are looked for (absolute, or relative to
   * `root`). Default: none (the root's config alone). hearth's CLI passes the workspace's packages
   * (`workspacePackageDirs` of `@hearth/affected/workspace`).
   */
  packageDirs?: readonly string[]
  /** The root's config file; default: Vitest's own lookup in `root`. `false`: none. */
  configFile?: string | false
  /**
   * `'watch'` for `hearth dev`, `'once'` for `hearth ci`. Each host keeps its Vitest until `close`
   * in both. In both, Vitest itself does not watch files (hearth's watcher does, and says what
   * changed through `invalidate`). `'watch'` gives the tests what Vitest's own watch mode gives
   * them: `VITEST_MODE=WATCH`, and half the CPUs for workers unless the config sets `maxWorkers`.
   */
  mode: TestRunnerMode
  /** Variables every run's tests see (a run's own `env` is laid over them). */
  env?: Readonly<Record<string, string>>
  /**
   * Where the hosts' output goes (Vitest's logger, config warnings). Default: discarded, so hearth's
   * stdout stays its own. The tests' console output is never written here: it is in the results.
   */
  stdout?: Writable
  stderr?: Writable
  /**
   * After an abort, how long Vitest may finish the tests in flight before their workers are killed
   * (a test stuck in a loop never yields). Default 2000 ms.
   */
  cancelGraceMs?: number
  /**
   * How many owners one `run` (or `listTestFiles`) keeps busy at once. Default: half the CPUs, at
   * least 1. Runs of separate `run` calls on different owners always proceed in parallel.
   */
  maxConcurrentOwners?: number
  /**
   * The caller will run tests: start the root's host now, in the background, when the plan did
   * not need it started (the root config's projects known from a run before), so that its start
   * overlaps the caller's own (environments, resets). A start that fails is reported by the run
   * that needs it. Default false: `listTestFiles` alone starts no host whose list is known.
   */
  warm?: boolean
}

export interface RunOptions {
  /** Aborting cancels the run on every owner it reached; it then resolves with `cancelled: true`. */
  signal?: AbortSignal
  /**
   * What the tests of this run see in process.env (see `testEnvironment`), over the runner's `env`
   * and the project's own `test.env`. Nothing of an earlier run's `env` remains.
   */
  env?: Readonly<Record<string, string>>
  /** Called as results arrive, while the run is in progress: a file started, a test or a file finished. */
  onEvent?: (event: RunEvent) => void
}

export type { TestOwner } from './owners.js'

/**
 * The project's own Vitest, one warm instance per owner (see `owners.ts` for which config owns which
 * file), each in a child process whose cwd is the owner's folder. Concurrency: `run` may be called
 * while other runs are in progress; runs on different owners proceed in parallel, runs on one owner
 * are queued in call order. `invalidate` may be called at any time; it affects the runs that start
 * after it. `onEvent` is called from hearth's event loop as the hosts report, never re-entrantly.
 */
export interface TestRunner {
  /** The version of the root owner's Vitest (else of the first owner's). */
  readonly vitestVersion: string
  /** The root's config file, or null (the package owners' are in `owners()`). */
  readonly configFile: string | null
  /** The owners, the root first: each one's folder and config file. */
  owners(): TestOwner[]
  /** The owner whose folder holds `file` (absolute, or relative to `root`), test file or not. */
  ownerOf(file: string): TestOwner | undefined
  /** Every test file some owner's config would run, in all its projects: absolute, sorted. */
  listTestFiles(): Promise<string[]>
  /** Runs exactly these test files (absolute, or relative to `root`), each on its owner's Vitest. */
  run(files: readonly string[], options?: RunOptions): Promise<RunResult>
  /**
   * These files changed, were created or were deleted: the next runs must see it. Told to every
   * live host (any owner may import any workspace file). A change to a config file (or a file it
   * imports) restarts its owner's host before that owner's next run; a config file created or
   * deleted in the root or a package folder makes the runner work out the owners again.
   */
  invalidate(files: readonly string[]): void
  /** Cancels the runs in progress, then stops every host and its workers. Idempotent. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

interface Owner extends TestOwner {
  host: VitestHost
  /** The owner's own Vitest. */
  vitest: ProjectVitest
  /** Files whose change changes this owner's config, itself included (known once Vitest loaded it). */
  configInputs: Set<string>
}

interface Plan {
  owners: Owner[]
}

/**
 * Works out the owners and starts the root's host when the root has a config (its `test.projects`
 * decide which package configs it runs itself); the other hosts start when first needed. Throws a
 * `VitestSetupError` when an owner's folder has no Vitest 4, or the root config does not load.
 */
export async function createTestRunner(options: TestRunnerOptions): Promise<TestRunner> {
  const root = path.resolve(options.root)
  const packageDirs = (options.packageDirs ?? []).map((dir) => path.resolve(root, dir))
  const limit = Math.max(1, options.maxConcurrentOwners ?? Math.floor(availableParallelism() / 2))
  const hostOptions = {
    mode: options.mode,
    env: { ...options.env, ...(options.mode === 'watch' ? { VITEST_MODE: 'WATCH' } : {}) },
    cancelGraceMs: options.cancelGraceMs ?? 2000,
    stdout: options.stdout,
    stderr: options.stderr,
  }
  /** Live hosts by owner, kept across re-plans when the owner stays the same. */
  const hosts = new Map<string, Owner>()
  const keyOf = (owner: TestOwner) => `${owner.root}\0${owner.configFile ?? ''}`
  const inFlight = new Set<AbortController>()
  /** Aborted by close(): stops a lister in progress. */
  const lifetime = new AbortController()
  let closing: Promise<void> | undefined

  function ownerFor(candidate: TestOwner, vitest: ProjectVitest): Owner {
    const key = keyOf(candidate)
    const known = hosts.get(key)
    if (known) return known
    const owner: Owner = {
      ...candidate,
      host: new VitestHost({ ...candidate, nodeEntry: vitest.nodeEntry }, hostOptions),
      vitest,
      configInputs: new Set(candidate.configFile ? [candidate.configFile] : []),
    }
    hosts.set(key, owner)
    return owner
  }

  /** What each owner's config said of its test files, kept across runs (see `TestListCache`). */
  const listCache = new TestListCache(root)

  async function start(owner: Owner): Promise<HostReady> {
    const startedAt = Date.now()
    const wasLive = owner.host.pid !== undefined
    const ready = await owner.host.start()
    for (const file of ready.configDependencies) owner.configInputs.add(file)
    if (!wasLive) {
      listCache.set(
        owner,
        owner.vitest.version,
        ready.configDependencies,
        ready.testGlobs,
        startedAt,
        ready.projects,
      )
      listCache.save()
    }
    return ready
  }

  let vitestVersion = ''
  let rootConfigFile: string | null = null

  async function makePlan(): Promise<Plan> {
    const rootConfig =
      options.configFile === false
        ? null
        : options.configFile !== undefined
          ? path.resolve(root, options.configFile)
          : findVitestConfig(root)
    let rootVitest: ProjectVitest | undefined
    let rootError: unknown
    try {
      rootVitest = resolveProjectVitest(root)
    } catch (error) {
      rootError = error
    }
    // A root config needs the root's Vitest; without one, the root owns nothing unless it has one.
    if (rootConfig !== null && rootVitest === undefined) throw rootError
    let rootProjects: readonly RootProject[] = []
    let rootOwner: Owner | undefined
    if (rootVitest) {
      rootOwner = ownerFor({ root, configFile: rootConfig }, rootVitest)
      // The root config's projects decide the other owners: known from a run before while the
      // config is unchanged (its host then starts when first needed), else from starting it.
      const cached = rootConfig === null ? undefined : listCache.get(rootOwner, rootVitest.version)
      if (cached?.projects) {
        rootProjects = cached.projects
        for (const file of cached.configDependencies) rootOwner.configInputs.add(file)
      } else if (rootConfig !== null) rootProjects = (await start(rootOwner)).projects
    }
    const packages = packageDirs
      .map((dir) => ({ root: dir, configFile: findPackageConfig(dir) }))
      .filter((candidate) => candidate.configFile !== null)
    const planned = planOwners({ root: rootOwner ?? null, packages, rootProjects })
    if (planned.length === 0) throw rootError
    const owners = planned.map((candidate) =>
      candidate.root === root && rootOwner
        ? rootOwner
        : ownerFor(candidate, resolveProjectVitest(candidate.root)),
    )
    // Hosts of owners that are no longer owners (a config was deleted, a root project added) stop.
    const keep = new Set(owners.map(keyOf))
    for (const [key, owner] of hosts) {
      if (keep.has(key)) continue
      hosts.delete(key)
      void owner.host.close()
    }
    const first = owners[0]
    vitestVersion = first ? resolveProjectVitest(first.root).version : ''
    rootConfigFile = rootOwner?.configFile ?? null
    return { owners }
  }

  let plan: Plan
  try {
    plan = await makePlan()
  } catch (error) {
    // No runner to close: stop the root's host if it was started.
    await Promise.all([...hosts.values()].map((owner) => owner.host.close()))
    throw error
  }
  const rootOwner = plan.owners.find((owner) => owner.root === root && owner.configFile !== null)
  if (options.warm === true && rootOwner !== undefined && rootOwner.host.pid === undefined)
    start(rootOwner).catch(() => undefined)
  let replanning: Promise<Plan> | undefined

  async function currentPlan(): Promise<Plan> {
    while (replanning) {
      const pending = replanning
      try {
        plan = await pending
      } finally {
        if (replanning === pending) replanning = undefined
      }
    }
    return plan
  }

  /** Runs `task` over `items`, at most `limit` at a time; rejects with the first failure once all settled. */
  async function eachLimited<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length)
    let failure: { error: unknown } | undefined
    let next = 0
    const worker = async () => {
      while (next < items.length) {
        const index = next++
        try {
          results[index] = await task(items[index] as T)
        } catch (error) {
          failure ??= { error }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
    if (failure) throw failure.error
    return results
  }

  function publicOwner(owner: Owner): TestOwner {
    const imported = [...owner.configInputs].filter((file) => file !== owner.configFile).sort()
    return { root: owner.root, configFile: owner.configFile, configDependencies: imported }
  }

  const runner: TestRunner = {
    get vitestVersion() {
      return vitestVersion
    },
    get configFile() {
      return rootConfigFile
    },

    owners() {
      return plan.owners.map(publicOwner)
    },

    ownerOf(file) {
      const owner = ownerOfFile(path.resolve(root, file), plan.owners)
      return owner && publicOwner(owner)
    },

    async listTestFiles() {
      if (closing) throw new Error('hearth: this test runner is closed')
      const { owners } = await currentPlan()
      // An owner whose config is unchanged since its globs were kept globs them again (its host, if
      // one is still starting, is not waited for); one with a host asks it; the others are listed
      // together by one short-lived lister, so listing never starts a host per owner.
      const known = new Map<Owner, { glob: Glob; globs: readonly TestGlob[] }>()
      for (const owner of owners) {
        const cached = listCache.get(owner, owner.vitest.version)
        const glob = cached && vitestGlob(owner.vitest.packageDir)
        if (cached === undefined || glob === undefined) continue
        for (const file of cached.configDependencies) owner.configInputs.add(file)
        known.set(owner, { glob, globs: cached.testGlobs })
      }
      const live = owners.filter((owner) => owner.host.pid !== undefined && !known.has(owner))
      const cold = owners.filter((owner) => owner.host.pid === undefined && !known.has(owner))
      const surveyStartedAt = Date.now()
      const [liveLists, globbed, surveyed] = await Promise.all([
        eachLimited(live, async (owner) => ({ owner, files: await owner.host.list() })),
        Promise.all(
          [...known].map(async ([owner, { glob, globs }]) => ({
            owner,
            files: await globTestFiles(glob, globs),
          })),
        ),
        cold.length === 0
          ? []
          : surveyOwners(
              root,
              cold.map((owner) => owner.host.owner),
              hostOptions,
              lifetime.signal,
            ),
      ])
      const lists = [...liveLists, ...globbed]
      for (const result of surveyed) {
        const owner = cold.find((candidate) => candidate.root === result.root)
        if (!owner) continue
        if ('error' in result) throw configLoadError(owner.root, owner.configFile, result.error)
        for (const file of result.configDependencies) owner.configInputs.add(file)
        listCache.set(
          owner,
          owner.vitest.version,
          result.configDependencies,
          result.testGlobs,
          surveyStartedAt,
        )
        lists.push({ owner, files: result.files })
      }
      listCache.save()
      // A file in a package that has an owner of its own is that owner's, even when the root's
      // include matches it too.
      const files = lists.flatMap(({ owner, files }) =>
        files.filter((file) => ownerOfFile(file, owners) === owner),
      )
      return [...new Set(files)].sort()
    },

    async run(files, runOptions = {}) {
      if (closing) throw new Error('hearth: this test runner is closed')
      const started = performance.now()
      const { owners } = await currentPlan()
      const notRun: { file: string; reason: NotRunReason }[] = []
      const groups = new Map<Owner, string[]>()
      for (const file of new Set(files.map((f) => path.resolve(root, f)))) {
        const owner = ownerOfFile(file, owners)
        if (!owner) {
          notRun.push({ file, reason: existsSync(file) ? 'not-a-test-file' : 'not-found' })
          continue
        }
        groups.set(owner, [...(groups.get(owner) ?? []), file])
      }

      // One controller for the whole run: the caller's signal and close() both abort it.
      const controller = new AbortController()
      const abort = () => controller.abort()
      if (runOptions.signal?.aborted) abort()
      runOptions.signal?.addEventListener('abort', abort)
      inFlight.add(controller)
      let listenerError: { error: unknown } | undefined
      const onEvent =
        runOptions.onEvent &&
        ((event: RunEvent) => {
          if (listenerError) return
          try {
            runOptions.onEvent?.(event)
          } catch (error) {
            listenerError = { error }
          }
        })
      try {
        const entries = [...groups]
        // Every owner of the run is ready before any starts: a config that does not load fails the
        // run up front, not after the others ran.
        if (!controller.signal.aborted) await eachLimited(entries, ([owner]) => start(owner))
        const results = await eachLimited(entries, ([owner, ownerFiles]) =>
          owner.host.run(ownerFiles, { env: runOptions.env, signal: controller.signal, onEvent }),
        )
        if (listenerError) throw listenerError.error
        const errors: TestErrorInfo[] = []
        for (const result of results) {
          notRun.push(...result.notRun)
          errors.push(...result.errors)
        }
        return {
          files: results.flatMap((result) => result.files),
          notRun,
          errors,
          durationMs: performance.now() - started,
          cancelled: controller.signal.aborted,
        }
      } catch (error) {
        // Cancelled while a host was starting (close() stops them): the run did not happen.
        if (listenerError || !controller.signal.aborted) throw error
        for (const ownerFiles of groups.values()) {
          for (const file of ownerFiles) notRun.push({ file, reason: 'cancelled' })
        }
        return { files: [], notRun, errors: [], durationMs: performance.now() - started, cancelled: true }
      } finally {
        inFlight.delete(controller)
        runOptions.signal?.removeEventListener('abort', abort)
      }
    },

    invalidate(files) {
      if (closing) return
      const changed = files.map((f) => path.resolve(root, f))
      for (const owner of hosts.values()) owner.host.invalidate(changed)
      const rootOwner = plan.owners.find((owner) => owner.root === root)
      const candidateDirs = new Set([root, ...packageDirs])
      let ownersMayChange = false
      for (const owner of [...hosts.values()]) {
        if (!changed.some((file) => owner.configInputs.has(file))) continue
        // The root config decides the other owners (its projects).
        if (owner === rootOwner) ownersMayChange = true
        else void owner.host.recycle()
      }
      for (const file of changed) {
        if (isConfigFileName(path.basename(file)) && candidateDirs.has(path.dirname(file))) {
          const known = plan.owners.some((owner) => owner.configFile === file)
          if (!known || !existsSync(file)) ownersMayChange = true
        }
      }
      if (!ownersMayChange) return
      const previous = replanning ?? Promise.resolve(plan)
      const next = previous
        .catch(() => plan)
        .then(async () => {
          if (rootOwner) await rootOwner.host.recycle()
          return makePlan()
        })
      // A failed re-plan surfaces in the next list or run.
      next.catch(() => undefined)
      replanning = next
    },

    close() {
      closing ??= (async () => {
        lifetime.abort()
        for (const controller of inFlight) controller.abort()
        await replanning?.catch(() => undefined)
        await Promise.all([...hosts.values()].map((owner) => owner.host.close()))
      })()
      return closing
    },

    [Symbol.asyncDispose]() {
      return runner.close()
    },
  }
  return runner
}
