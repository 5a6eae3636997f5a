import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  createSession,
  createTimingFile,
  type PackageBuilder,
  type Session,
  type TestRunner,
} from '@hearth/core'
import type { Driver } from '@hearth/driver'
import { loadConfig, type NormalizedConfig } from '@hearth/environments'
import { UsageError } from './args.js'
import { VERSION } from './version.js'

export interface GlobalOptions {
  config?: string | undefined
  cwd?: string | undefined
  verbose?: boolean | undefined
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

/** How a session runs tests, for the commands that do (`ci`; `dev` to come). */
export interface TestOptions {
  mode: 'once' | 'watch'
  retries?: number
  whenBusy?: 'cancel' | 'queue'
  builder?: PackageBuilder
}

/**
 * Loads the config and opens a session on it with the real drivers and, when asked, the project's
 * own Vitest as its test runner (close it with the session's `close`).
 */
export async function openSession(
  options: GlobalOptions,
  tests?: TestOptions,
): Promise<{
  config: NormalizedConfig
  session: Session
  stateDir: string
  /** The project's Vitest config file, when tests run (a global trigger). */
  vitestConfig: string | null
  close(): Promise<void>
}> {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  if (!existsSync(cwd)) throw new UsageError(`--cwd ${cwd} does not exist`, 'pass an existing folder')
  const config = await loadConfig(options.config === undefined ? { cwd } : { cwd, file: options.config })
  const stateDir = path.join(config.root, '.hearth')
  await ensureStateDir(stateDir)
  const runner = tests === undefined ? null : await openTestRunner(config.root, tests.mode)
  const session = createSession({
    config,
    drivers: await createDrivers(stateDir),
    version: VERSION,
    stateDir,
    ...(runner === null || tests === undefined
      ? {}
      : {
          tests: {
            runner,
            timings: createTimingFile(path.join(stateDir, 'timings.json')),
            retries: tests.retries ?? 0,
            whenBusy: tests.whenBusy ?? 'queue',
            ...(tests.builder === undefined ? {} : { builder: tests.builder }),
          },
        }),
  })
  return {
    config,
    session,
    stateDir,
    vitestConfig: runner?.configFile ?? null,
    async close() {
      await session.close()
      await runner?.close()
    },
  }
}

/** The project's own Vitest; a project without one (or with another major) is a usage error. */
async function openTestRunner(
  root: string,
  mode: 'once' | 'watch',
): Promise<TestRunner & { configFile: string | null }> {
  const { createTestRunner, isVitestSetupError } = await import('@hearth/vitest')
  try {
    return await createTestRunner({ root, mode })
  } catch (error) {
    if (isVitestSetupError(error))
      throw new UsageError(error.message, 'add Vitest 4 to the project: `pnpm add -D vitest@^4`')
    throw error
  }
}

/** The state folder, ignored by git from the start so nobody commits it by accident. */
async function ensureStateDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true })
  const ignore = path.join(stateDir, '.gitignore')
  if (!existsSync(ignore)) await writeFile(ignore, '# hearth state: process records, output, locks\n*\n')
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
