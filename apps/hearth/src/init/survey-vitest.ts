import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { UsageError } from '../args.js'
import type {
  SurveyedFile,
  SurveyedProject,
  SurveyMessage,
  SurveyOwner,
  SurveyRequest,
  SurveyResponse,
} from './survey-protocol.js'

/** One Vitest owner (a folder and the config `vitest run` uses there) with what its Vitest found. */
export interface VitestOwnerSurvey {
  root: string
  configFile: string | null
  projects: SurveyedProject[]
  /** The test files this owner runs (a file in a package with a config of its own is that package's). */
  files: SurveyedFile[]
}

export interface VitestSurvey {
  /** The version of the root's (else the first owner's) Vitest. */
  version: string
  owners: VitestOwnerSurvey[]
}

/**
 * The project's tests as `hearth ci` will see them: the owners (which config runs which folder) are
 * worked out by @hearth/vitest's runner, exactly as `hearth ci` does; then one short-lived child
 * process loads each owner's config with the project's own Vitest and reports its projects and
 * which project runs each test file. Loading is slower than reading the configs as text (about a
 * second), but it is right whatever the config does: `defineWorkspace`, shared configs, `projects`
 * globs, plugins that set `include`.
 *
 * A project with no usable Vitest, or a config that does not load, is a UsageError: init lists the
 * tests with the project's own Vitest and cannot guess them.
 */
export async function surveyVitest(root: string, packageDirs: readonly string[]): Promise<VitestSurvey> {
  const { createTestRunner, isVitestSetupError, ownerOfFile, resolveProjectVitest } = await import(
    '@hearth/vitest'
  )
  let owners: Array<{ root: string; configFile: string | null }>
  let version: string
  try {
    const runner = await createTestRunner({ root, mode: 'once', packageDirs })
    try {
      owners = runner.owners().map(({ root, configFile }) => ({ root, configFile }))
      version = runner.vitestVersion
    } finally {
      await runner.close()
    }
  } catch (error) {
    if (!isVitestSetupError(error)) throw error
    const [cause = error.message, fix] = error.message.replace(/^hearth: /, '').split(/\s*\bFix: /)
    throw new UsageError(
      cause.trim(),
      fix?.trim().replace(/\.$/, '') ?? 'install Vitest 4 in the project (npm install -D vitest@^4)',
    )
  }
  const request: SurveyRequest = {
    owners: owners.map((owner) => ({ ...owner, nodeEntry: resolveProjectVitest(owner.root).nodeEntry })),
  }
  const response = await runSurveyor(root, request)
  const surveyed: VitestOwnerSurvey[] = []
  for (const owner of response.owners) {
    if ('error' in owner) {
      const what = owner.configFile ?? `Vitest's defaults in ${owner.root}`
      throw new UsageError(
        `${what} did not load: ${owner.error.trim()}`,
        `correct it until \`vitest run\` works in ${owner.root}, then run hearth init again`,
      )
    }
    const files = owner.files.filter((entry) => ownerOfFile(entry.file, owners)?.root === owner.root)
    surveyed.push({ ...owner, files })
  }
  return { version, owners: surveyed }
}

/**
 * How long the surveyor may take for one config (from the moment it says it loads it, or from its
 * start for the first); HEARTH_INIT_SURVEY_TIMEOUT_MS changes it. Per config, so that a workspace
 * of many configs, or a loaded machine, is not cut short while each config loads fine.
 */
const SURVEY_TIMEOUT_MS = 120_000

function runSurveyor(cwd: string, request: SurveyRequest): Promise<SurveyResponse> {
  const entry = surveyorEntry()
  const timeoutMs = surveyTimeout()
  const child = fork(entry.file, [], {
    cwd,
    execArgv: entry.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  let stderr = ''
  child.stdout?.resume()
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  /** The config being loaded (the surveyor says which before each), for the messages. */
  let loading: SurveyOwner | undefined
  const what = () =>
    loading === undefined
      ? "the project's Vitest configs"
      : (loading.configFile ?? `Vitest's defaults in ${loading.root}`)
  const folder = () => loading?.root ?? cwd
  return new Promise<SurveyResponse>((resolve, reject) => {
    let response: SurveyResponse | undefined
    let timedOut = false
    const expire = () => {
      timedOut = true
      child.kill('SIGKILL')
    }
    let timer = setTimeout(expire, timeoutMs)
    child.on('message', (message: SurveyMessage) => {
      if ('loading' in message) {
        loading = message.loading
        clearTimeout(timer)
        timer = setTimeout(expire, timeoutMs)
      } else response = message
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (response !== undefined) return resolve(response)
      if (timedOut)
        return reject(
          new UsageError(
            `${what()} did not finish loading in ${timeoutMs / 1000} s: hearth init stopped its Vitest`,
            `run \`vitest list\` in ${folder()} to see where it waits (a config that starts a server or waits for input never settles), correct it, then run hearth init again; HEARTH_INIT_SURVEY_TIMEOUT_MS=<ms> gives it longer`,
          ),
        )
      const tail = stderr.trim().split('\n').slice(-10).join('\n')
      reject(
        new UsageError(
          `Vitest stopped (${signal === null ? `exit code ${code}` : `signal ${signal}`}) while loading ${what()}` +
            (tail === '' ? '' : `. Its last lines on stderr:\n${tail}`),
          `correct it until \`vitest list\` works in ${folder()}, then run hearth init again`,
        ),
      )
    })
    child.send(request)
  })
}

function surveyTimeout(): number {
  const value = Number(process.env.HEARTH_INIT_SURVEY_TIMEOUT_MS)
  return Number.isFinite(value) && value > 0 ? value : SURVEY_TIMEOUT_MS
}

/** The built surveyor next to this module; from the sources (hearth's own tests), through tsx. */
function surveyorEntry(): { file: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts')
  const file = fileURLToPath(
    new URL(fromSource ? './vitest-survey.ts' : './vitest-survey.js', import.meta.url),
  )
  if (!fromSource) return { file, execArgv: [] }
  // tsx is @hearth/environments' dependency (it loads configs), not this package's: resolve it from
  // there, as a fresh install lays it out (no hoisting, no NODE_PATH).
  const environments = createRequire(import.meta.url).resolve('@hearth/environments/package.json')
  const tsx = pathToFileURL(createRequire(environments).resolve('tsx')).href
  return { file, execArgv: ['--import', tsx] }
}
