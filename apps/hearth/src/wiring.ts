import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import {
  createSession,
  createTimingFile,
  type Session,
  type TestRunner,
  TestSetupError,
  type TimingRecorder,
} from '@hearth/core'
import type { Driver } from '@hearth/driver'
import { loadConfig, type NormalizedConfig } from '@hearth/environments'
import { UsageError } from './args.js'
import { createPackageBuilder } from './package-builder.js'
import { mark } from './profile.js'
import { ensureStateDir } from './state-dir.js'
import { VERSION } from './version.js'

export interface GlobalOptions {
  config?: string | undefined
  cwd?: string | undefined
  verbose?: boolean | undefined
  /** `--require-docker`: containers never run as their fallback. */
  requireDocker?: boolean | undefined
}

/**
 * Why containers must not fall back this run, from the flag, the environment or the config's
 * `fallback: false`; null when they may.
 */
export function noFallbackOf(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  config?: Pick<NormalizedConfig, 'fallback' | 'file'>,
): string | null {
  if (options.requireDocker === true) return '--require-docker'
  if (env.HEARTH_REQUIRE_DOCKER === '1' || env.HEARTH_REQUIRE_DOCKER === 'true')
    return 'HEARTH_REQUIRE_DOCKER=1'
  if (config?.fallback === false) return `fallback: false in ${config.file}`
  return null
}

/**
 * The concrete drivers: the only place that chooses runtimes. Docker runs containers (and jobs with
 * an image); everything else runs as local processes. When Docker does not answer, containers that
 * have a fallback run it as a local process instead. Loaded on demand: `--help` and `--version`
 * need neither dockerode nor the process driver.
 */
export async function createDrivers(stateDir: string): Promise<Driver[]> {
  const [{ DockerDriver }, { ProcessDriver }] = await Promise.all([
    import('@hearth/driver-docker'),
    import('@hearth/driver-process'),
  ])
  return [new DockerDriver({ stateDir }), new ProcessDriver({ stateDir })]
}

/** How a session runs tests, for the commands that do (`ci`, `dev`). */
export interface TestOptions {
  mode: 'once' | 'watch'
  retries?: number
  whenBusy?: 'cancel' | 'queue'
  /**
   * Packages used through their build output: rebuilt when stale (`run`, the default), or only
   * reported (`skip`, `--no-build`).
   */
  builds?: 'run' | 'skip'
  /**
   * The timing history: read and written after each run (`record`, the default), or only read
   * (`read`: a shard of a plan, whose timings `hearth merge-reports` folds in once, so that shards
   * run one after another in one checkout plan alike and no run is counted twice).
   */
  history?: 'record' | 'read'
  /**
   * The command runs tests (`ci`, `dev`): the root's Vitest starts at once, in the background, so
   * that its start overlaps the environments' (see `warm` of createTestRunner).
   */
  runs?: boolean
}

/**
 * Loads the config and opens a session on it with the real drivers and, when asked, the project's
 * own Vitest as its test runner (close it with the session's `close`). A command that only reads
 * the workspace (`affected`, `plan`) asks for no drivers: it never loads dockerode.
 */
export async function openSession(
  options: GlobalOptions,
  tests?: TestOptions,
  { drivers: wantDrivers = true }: { drivers?: boolean } = {},
): Promise<{
  config: NormalizedConfig
  session: Session
  stateDir: string
  close(): Promise<void>
}> {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  if (!existsSync(cwd)) throw new UsageError(`--cwd ${cwd} does not exist`, 'pass an existing folder')
  const config = await loadConfig(options.config === undefined ? { cwd } : { cwd, file: options.config })
  mark('config')
  const stateDir = path.join(config.root, '.hearth')
  await ensureStateDir(stateDir)
  mark('state')
  const runner =
    tests === undefined ? null : await openTestRunner(config.root, tests.mode, tests.runs === true)
  if (runner !== null) mark('test runner')
  // The builder reads the session's import graph, which exists once the session does.
  let graphOf: Session['importGraph'] = () => Promise.reject(new Error('the session is not open yet'))
  let drivers: Driver[]
  try {
    drivers = wantDrivers ? await createDrivers(stateDir) : []
    if (wantDrivers) mark('drivers')
  } catch (error) {
    await runner?.close()
    throw error
  }
  const session = createSession({
    config,
    drivers,
    noFallback: noFallbackOf(options, process.env, config),
    version: VERSION,
    stateDir,
    ...(runner === null || tests === undefined
      ? {}
      : {
          tests: {
            runner,
            timings: timingRecorder(path.join(stateDir, 'timings.json'), tests.history ?? 'record'),
            retries: tests.retries ?? 0,
            whenBusy: tests.whenBusy ?? 'queue',
            // Watching, the next save finds its data reset already: the reset runs after a run.
            resetAhead: tests.mode === 'watch',
            builder: createPackageBuilder({ root: config.root, graph: () => graphOf() }),
            skipBuilds: tests.builds === 'skip',
            // Independent environments' batches at once only where cores are plenty: each batch's
            // Vitest already spreads its files over the cores (2 from 8 cores on).
            concurrency: Math.min(2, Math.max(1, Math.floor(availableParallelism() / 4))),
          },
        }),
  })
  graphOf = () => session.importGraph()
  mark('session')
  return {
    config,
    session,
    stateDir,
    async close() {
      await session.close()
      await runner?.close()
    },
  }
}

/**
 * The project's own Vitest, one instance per config that owns test files (each package's own, or
 * the root's), as core's test runner. What is wrong with the project's test setup (no Vitest 4, a
 * config that does not load) is a usage problem, exit 2, whichever call finds it.
 */
async function openTestRunner(root: string, mode: 'once' | 'watch', warm: boolean): Promise<TestRunner> {
  const { createTestRunner, isVitestSetupError } = await import('@hearth/vitest')
  const setupError = (error: unknown): unknown => {
    if (!isVitestSetupError(error)) return error
    // Its message says the fix after "Fix:"; hearth prints cause and fix apart.
    const [cause = error.message, fix] = error.message.replace(/^hearth: /, '').split(/\s*\bFix: /)
    return new TestSetupError(
      cause.trim(),
      fix?.trim().replace(/\.$/, '') ??
        (error.problem === 'config-error'
          ? `correct it until \`vitest run\` works in ${error.root}`
          : 'add Vitest 4 to the project: `pnpm add -D vitest@^4`'),
    )
  }
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      throw setupError(error)
    }
  }
  // Where package configs may be: the workspace's packages (a light read: no TypeScript loaded).
  const { workspacePackageDirs } = await import('@hearth/affected/workspace')
  const runner = await guard(() =>
    createTestRunner({ root, mode, warm, packageDirs: workspacePackageDirs(root) }),
  )
  return {
    owners: () => runner.owners(),
    ownerOf: (file) => runner.ownerOf(file),
    listTestFiles: () => guard(() => runner.listTestFiles()),
    run: (files, options) => guard(() => runner.run(files, options)),
    invalidate: (files) => runner.invalidate(files),
    close: () => runner.close(),
  }
}

/** The timing history at `file`, written after each run, or only read (`read`). */
function timingRecorder(file: string, history: 'record' | 'read'): TimingRecorder {
  const recorder = createTimingFile(file)
  return history === 'record' ? recorder : { read: () => recorder.read(), record: () => recorder.read() }
}

/** The environments named on the command line, checked against the config; all when none named. */
export function pickEnvironments(config: NormalizedConfig, operands: readonly string[]): string[] {
  const known = Object.keys(config.environments)
  if (operands.length === 0) return known
  const unknown = operands.filter((name) => !known.includes(name))
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown environment${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}`,
      `use one of: ${known.join(', ')} (defined in ${config.file})`,
    )
  }
  return [...new Set(operands)]
}
