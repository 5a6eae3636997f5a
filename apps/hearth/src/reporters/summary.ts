import { stripVTControlCharacters } from 'node:util'
import {
  type EnvironmentStatus,
  type HearthState,
  type RunState,
  type ServiceState,
  selectColdStart,
  selectEnvironmentStatus,
  selectRedactedState,
  selectRunCounts,
  selectRunFiles,
  selectServices,
  type TestFileState,
  type TestState,
} from '@hearth/core'
import { writeFileAtomic } from '@hearth/driver'

/**
 * The version of the shard summary (`summary.json`). Within `/1` fields are only added; renaming,
 * removing or changing the meaning of one is `/2`.
 */
export const SUMMARY_SCHEMA = 'hearth.summary/1'

/** A file of the run: its tests' outcome, or `not-run` when the run never got to it (blocked, cancelled). */
export type SummaryFileState = TestState | 'not-run'

export interface SummaryTest {
  name: string
  state: TestState
  durationMs: number
}

/** The first line of an error's message: of a test (`test` is its name), or of the file itself (null). */
export interface SummaryError {
  test: string | null
  message: string
}

export interface SummaryFile {
  /** Relative to the project root, with forward slashes. */
  path: string
  group: string | null
  environment: string | null
  state: SummaryFileState
  durationMs: number | null
  /** It failed, then passed on a retry. */
  flaky: boolean
  tests: SummaryTest[]
  errors: SummaryError[]
}

export interface SummaryEnvironment {
  name: string
  status: EnvironmentStatus
  /** How long it took to start cold (first service requested → last ready); null when it did not. */
  startMs: number | null
  /** A service of it was attached to (found warm) rather than created. */
  reused: boolean
}

export interface SummaryShard {
  /** 1-based. */
  index: number
  total: number
  /** The plan's digest (which file runs in which shard); null when the shard had nothing to plan. */
  plan: string | null
}

export interface SummaryCounts {
  /** Test files of the run. */
  files: number
  /** Test cases of the run. */
  tests: number
  /** Files that passed, failed, were skipped; files that failed and then passed on a retry. */
  passed: number
  failed: number
  skipped: number
  flaky: number
}

/** What one `hearth ci` ran and how it ended: the unit `hearth merge-reports` joins. */
export interface Summary {
  schema: typeof SUMMARY_SCHEMA
  version: string
  command: string
  project: { name: string; id: string } | null
  shard: SummaryShard | null
  since: string | null
  /** The run's, as ISO 8601 (UTC); null when there was no run. */
  startedAt: string | null
  finishedAt: string | null
  durationMs: number | null
  /**
   * What the run cost besides its files' own time and its environments' cold starts (starting
   * hearth and the runner, resets, clean-up), for plans to add to each shard; null when not measured.
   */
  overheadMs: number | null
  exitCode: number
  counts: SummaryCounts
  /** Sorted by path (code unit order, the same on every machine). */
  files: SummaryFile[]
  /** Sorted by name. */
  environments: SummaryEnvironment[]
}

export interface SummaryOptions {
  exitCode: number
  shard: SummaryShard | null
  since: string | null
  version: string
  command: string
  /**
   * The state to read the environments from, when `state` is taken after they were stopped: a
   * stopped service no longer tells whether it was attached to warm, so `hearth ci` passes the
   * state right after its run. Default: `state`.
   */
  environmentsFrom?: HearthState
  /** What the run cost besides its files and cold starts (see `Summary.overheadMs`). Default null. */
  overheadMs?: number | null
}

/**
 * The summary of the state's last run: its files (with their tests and the first line of each
 * error), the environments it used or this session touched, and the exit code. Pure: call it on the
 * final state.
 */
export function renderSummary(observed: HearthState, options: SummaryOptions): Summary {
  const state = selectRedactedState(observed)
  const { exitCode, shard, since, version, command } = options
  const run = state.tests.run
  const files = run === null ? [] : selectRunFiles(state).map((file) => summaryFileOf(file, run))
  files.sort((a, b) => compareCodeUnits(a.path, b.path))
  const counts = selectRunCounts(state)
  const startedAt = run === null ? null : (run.startedAt ?? run.requestedAt)
  const finishedAt = run?.finishedAt ?? null
  return {
    schema: SUMMARY_SCHEMA,
    version,
    command,
    project: state.project === null ? null : { name: state.project.name, id: state.project.id },
    shard: shard === null ? null : { index: shard.index, total: shard.total, plan: shard.plan },
    since,
    startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
    finishedAt: finishedAt === null ? null : new Date(finishedAt).toISOString(),
    durationMs: startedAt === null || finishedAt === null ? null : Math.max(0, finishedAt - startedAt),
    overheadMs: options.overheadMs ?? null,
    exitCode,
    counts: {
      files: files.length,
      tests: files.reduce((sum, file) => sum + file.tests.length, 0),
      passed: counts.passed,
      failed: counts.failed,
      skipped: counts.skipped,
      flaky: counts.flaky,
    },
    files,
    environments: environmentsOf(
      state,
      options.environmentsFrom === undefined ? state : selectRedactedState(options.environmentsFrom),
    ),
  }
}

/** The summary as the file holds it: pretty JSON, fields in schema order, a trailing newline. */
export function serializeSummary(summary: Summary): string {
  return `${JSON.stringify(summary, null, 2)}\n`
}

/** Writes the summary atomically (a CI upload step never sees half a file), creating its folder. */
export async function writeSummary(file: string, summary: Summary): Promise<void> {
  await writeFileAtomic(file, serializeSummary(summary))
}

/** Sorts as the bytes do, never by locale: the same order on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function summaryFileOf(file: TestFileState, run: RunState): SummaryFile {
  const state: SummaryFileState =
    file.status === 'passed' || file.status === 'failed' || file.status === 'skipped'
      ? file.status
      : 'not-run'
  const errors: SummaryError[] = file.errors.map((error) => ({
    test: null,
    message: firstLine(error.message),
  }))
  if (state === 'failed' && file.errors.length === 0 && file.tests.length === 0)
    errors.push({ test: null, message: 'the file failed to run' })
  if (state === 'not-run') errors.push({ test: null, message: notRunBecause(run) })
  for (const test of file.tests) {
    if (test.state !== 'failed') continue
    if (test.errors.length === 0) errors.push({ test: test.name, message: 'failed' })
    for (const error of test.errors) errors.push({ test: test.name, message: firstLine(error.message) })
  }
  return {
    path: file.path,
    group: file.group,
    environment: file.environment,
    state,
    durationMs: file.durationMs,
    flaky: file.flaky,
    tests: file.tests.map((test) => ({ name: test.name, state: test.state, durationMs: test.durationMs })),
    errors,
  }
}

/** Why the run never got to a file, in the words of the JUnit report. */
function notRunBecause(run: RunState): string {
  const block = run.blockedBy
  if (block === null) return 'not run: the run was cancelled'
  return block.kind === 'build'
    ? `not run: ${block.name} does not build`
    : `not run: environment ${block.name} is not ready`
}

/**
 * The environments the run's files use, and those this session asked something of (a file-less
 * `ci` still brings up nothing, so an untouched environment of the config is left out).
 */
function environmentsOf(state: HearthState, from: HearthState): SummaryEnvironment[] {
  const names = new Set<string>()
  for (const file of selectRunFiles(state)) if (file.environment !== null) names.add(file.environment)
  for (const source of [state, from]) {
    for (const name of Object.keys(source.environments)) {
      if (selectServices(source, name).some(touched)) names.add(name)
    }
  }
  return [...names].sort(compareCodeUnits).map((name) => ({
    name,
    status: selectEnvironmentStatus(from, name),
    startMs: selectColdStart(from, name),
    reused: selectServices(from, name).some((service) => service.instance?.reused === true),
  }))
}

function touched(service: ServiceState): boolean {
  return service.requestedAt !== null || service.instance !== null || service.status !== 'idle'
}

function firstLine(message: string): string {
  return stripVTControlCharacters(message).split('\n')[0]?.trimEnd() ?? ''
}

// Reading: each summary of a merge comes from another machine, maybe another hearth.

/**
 * Reads a summary from its JSON text, checking its shape; throws an Error that names `file` and
 * what is wrong. Fields it does not know are dropped (a newer `/1` may add some).
 */
export function parseSummary(text: string, file: string): Summary {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message})`)
  }
  const fail = (at: string, problem: string): never => {
    throw new Error(at === '' ? `${file} ${problem}` : `${file}: ${at} ${problem}`)
  }
  const root = record(value, '', fail)
  if (root.schema !== SUMMARY_SCHEMA)
    fail(
      'schema',
      `is ${JSON.stringify(root.schema)}, expected "${SUMMARY_SCHEMA}" (is it a summary.json that hearth ci wrote?)`,
    )
  const project = nullable(root.project, 'project', fail, (item, at) => {
    const entry = record(item, at, fail)
    return { name: string(entry.name, `${at}.name`, fail), id: string(entry.id, `${at}.id`, fail) }
  })
  const shard = nullable(root.shard, 'shard', fail, (item, at) => {
    const entry = record(item, at, fail)
    const total = count(entry.total, `${at}.total`, fail)
    const index = count(entry.index, `${at}.index`, fail)
    if (total < 1 || index < 1 || index > total) fail(at, `is ${index}/${total}: not a shard of a plan`)
    return {
      index,
      total,
      plan: nullable(entry.plan, `${at}.plan`, fail, (plan, p) => string(plan, p, fail)),
    }
  })
  const counts = record(root.counts, 'counts', fail)
  const summary: Summary = {
    schema: SUMMARY_SCHEMA,
    version: string(root.version, 'version', fail),
    command: string(root.command, 'command', fail),
    project,
    shard,
    since: nullable(root.since, 'since', fail, (item, at) => string(item, at, fail)),
    startedAt: nullable(root.startedAt, 'startedAt', fail, (item, at) => string(item, at, fail)),
    finishedAt: nullable(root.finishedAt, 'finishedAt', fail, (item, at) => string(item, at, fail)),
    durationMs: nullable(root.durationMs, 'durationMs', fail, (item, at) => duration(item, at, fail)),
    // Absent from the summaries of before it was measured: not measured.
    overheadMs: nullable(root.overheadMs ?? null, 'overheadMs', fail, (item, at) => duration(item, at, fail)),
    exitCode: count(root.exitCode, 'exitCode', fail),
    counts: {
      files: count(counts.files, 'counts.files', fail),
      tests: count(counts.tests, 'counts.tests', fail),
      passed: count(counts.passed, 'counts.passed', fail),
      failed: count(counts.failed, 'counts.failed', fail),
      skipped: count(counts.skipped, 'counts.skipped', fail),
      flaky: count(counts.flaky, 'counts.flaky', fail),
    },
    files: array(root.files, 'files', fail).map((item, index) => parseFile(item, `files[${index}]`, fail)),
    environments: array(root.environments, 'environments', fail).map((item, index) => {
      const at = `environments[${index}]`
      const entry = record(item, at, fail)
      return {
        name: string(entry.name, `${at}.name`, fail),
        status: string(entry.status, `${at}.status`, fail) as EnvironmentStatus,
        startMs: nullable(entry.startMs, `${at}.startMs`, fail, (ms, p) => duration(ms, p, fail)),
        reused: boolean(entry.reused, `${at}.reused`, fail),
      }
    }),
  }
  if (summary.exitCode > 255) fail('exitCode', `is ${summary.exitCode}: not an exit code`)
  if (summary.counts.files !== summary.files.length)
    fail('counts.files', `is ${summary.counts.files}, but files lists ${summary.files.length}`)
  return summary
}

type Fail = (at: string, problem: string) => never

const TEST_STATES: readonly string[] = ['passed', 'failed', 'skipped']
const FILE_STATES: readonly string[] = [...TEST_STATES, 'not-run']

function parseFile(value: unknown, at: string, fail: Fail): SummaryFile {
  const entry = record(value, at, fail)
  return {
    path: string(entry.path, `${at}.path`, fail),
    group: nullable(entry.group, `${at}.group`, fail, (item, p) => string(item, p, fail)),
    environment: nullable(entry.environment, `${at}.environment`, fail, (item, p) => string(item, p, fail)),
    state: oneOf(entry.state, FILE_STATES, `${at}.state`, fail) as SummaryFileState,
    durationMs: nullable(entry.durationMs, `${at}.durationMs`, fail, (item, p) => duration(item, p, fail)),
    flaky: boolean(entry.flaky, `${at}.flaky`, fail),
    tests: array(entry.tests, `${at}.tests`, fail).map((item, index) => {
      const p = `${at}.tests[${index}]`
      const test = record(item, p, fail)
      return {
        name: string(test.name, `${p}.name`, fail),
        state: oneOf(test.state, TEST_STATES, `${p}.state`, fail) as TestState,
        durationMs: duration(test.durationMs, `${p}.durationMs`, fail),
      }
    }),
    errors: array(entry.errors, `${at}.errors`, fail).map((item, index) => {
      const p = `${at}.errors[${index}]`
      const error = record(item, p, fail)
      return {
        test: nullable(error.test, `${p}.test`, fail, (name, q) => string(name, q, fail)),
        message: string(error.message, `${p}.message`, fail),
      }
    }),
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing'
  if (Array.isArray(value)) return 'a list'
  return `${JSON.stringify(value)}`
}

function record(value: unknown, at: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(at, `is ${at === '' ? 'not a JSON object' : `${describe(value)}, expected an object`}`)
  return value as Record<string, unknown>
}

function array(value: unknown, at: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) return fail(at, `is ${describe(value)}, expected a list`)
  return value
}

function string(value: unknown, at: string, fail: Fail): string {
  if (typeof value !== 'string') return fail(at, `is ${describe(value)}, expected a string`)
  return value
}

function boolean(value: unknown, at: string, fail: Fail): boolean {
  if (typeof value !== 'boolean') return fail(at, `is ${describe(value)}, expected true or false`)
  return value
}

/** A whole number, not negative. */
function count(value: unknown, at: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    return fail(at, `is ${describe(value)}, expected a whole number`)
  return value
}

/** Milliseconds: finite, not negative. */
function duration(value: unknown, at: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    return fail(at, `is ${describe(value)}, expected a duration in ms`)
  return value
}

function oneOf(value: unknown, allowed: readonly string[], at: string, fail: Fail): string {
  if (typeof value !== 'string' || !allowed.includes(value))
    return fail(at, `is ${describe(value)}, expected ${allowed.join(', ')}`)
  return value
}

function nullable<T>(
  value: unknown,
  at: string,
  fail: Fail,
  read: (value: unknown, at: string) => T,
): T | null {
  if (value === null) return null
  if (value === undefined) return fail(at, 'is missing (null when unknown)')
  return read(value, at)
}
