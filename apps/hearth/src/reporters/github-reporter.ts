import { appendFile } from 'node:fs/promises'
import path from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import {
  describeReasonKind,
  EXIT,
  type HearthState,
  type HearthStore,
  relativePath,
  type SelectionReason,
  type ServiceKey,
  type ServiceState,
  selectFailures,
  selectRedactedState,
  selectRunCounts,
  selectRunFiles,
  selectServices,
  selectStartDuration,
  selectTestCaseCounts,
  type TestErrorInfo,
  type TestFileState,
} from '@hearth/core'
import { formatDuration } from '@hearth/environments'

/** The variables GitHub Actions sets that this reporter reads. */
export const GITHUB_ENV = {
  actions: 'GITHUB_ACTIONS',
  stepSummary: 'GITHUB_STEP_SUMMARY',
  workspace: 'GITHUB_WORKSPACE',
} as const

type Env = Readonly<Record<string, string | undefined>>

/** True on a GitHub Actions runner: the command attaches this reporter then. */
export function isGithubActions(env: Env): boolean {
  return env[GITHUB_ENV.actions] === 'true'
}

/** How a service got ready this session, kept when it becomes ready (a later stop forgets it). */
export interface ServiceReadiness {
  durationMs: number | null
  reused: boolean
  driver: string | null
}

export interface GithubReporterOptions {
  store: HearthStore
  /** Where GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE come from (the process's env, or a test's). */
  env: Env
  /** Where workflow commands go: the runner reads them from stdout. Receives one line, no newline. */
  write?: (line: string) => void
  /** The hearth command, for the summary's heading. Default `ci`. */
  command?: string
}

export interface GithubReporter {
  /**
   * Call once, at the end, with the exit code: writes the annotations and appends the job summary
   * (when GITHUB_STEP_SUMMARY is set), then detaches. Never rejects: a summary that cannot be
   * written becomes a `::warning`, so the exit code stays the tests'.
   */
  finish(exitCode: number): Promise<void>
  detach(): void
}

/**
 * The GitHub Actions view. Annotations and the summary are rendered from the final state (a test
 * that failed and then passed on a retry is a warning, not an error, which only the end knows);
 * the subscription only remembers how each service got ready, since stopping it later (ci leaves
 * nothing running) drops its instance from the state.
 */
export function attachGithubReporter({
  store,
  env,
  write = (line) => process.stdout.write(`${line}\n`),
  command = 'ci',
}: GithubReporterOptions): GithubReporter {
  const readiness = new Map<ServiceKey, ServiceReadiness>()
  const unsubscribe = store.subscribeActions((action, state) => {
    if (action.type !== 'service/ready' && action.type !== 'service/completed') return
    const service = state.services[action.key]
    if (service !== undefined) readiness.set(service.key, readinessOf(service))
  })
  let finished = false
  return {
    async finish(exitCode) {
      if (finished) return
      finished = true
      unsubscribe()
      const state = store.getState()
      const workspace = env[GITHUB_ENV.workspace]
      for (const line of formatAnnotations(state, workspace === undefined ? {} : { workspace })) write(line)
      const summaryFile = env[GITHUB_ENV.stepSummary]
      if (summaryFile === undefined || summaryFile === '') return
      try {
        await appendFile(summaryFile, formatJobSummary(state, { exitCode, command, readiness }))
      } catch (error) {
        write(
          `::warning title=hearth::${escapeData(`could not write the job summary to ${summaryFile}: ${(error as Error).message}`)}`,
        )
      }
    },
    detach() {
      finished = true
      unsubscribe()
    },
  }
}

function readinessOf(service: ServiceState): ServiceReadiness {
  return {
    durationMs: selectStartDuration(service),
    reused: service.instance?.reused ?? false,
    driver: service.instance?.driver ?? null,
  }
}

// ── annotations ─────────────────────────────────────────────────────────────────────────────────

/**
 * Workflow commands for the final state, in this order: services that failed (not those they
 * blocked), a package that did not build, every error of every failed test (at its location,
 * else line 1 of the test file) and file-level errors, then a warning per flaky file. Paths are
 * relative to `workspace` (GITHUB_WORKSPACE, where GitHub resolves them) when the file lies in it,
 * else to the project root.
 */
export function formatAnnotations(
  observed: HearthState,
  { workspace }: { workspace?: string } = {},
): string[] {
  // Secrets masked in causes, log tails and test errors (the annotations are public in a PR).
  const state = selectRedactedState(observed)
  const root = state.project?.root ?? ''
  const where = (absolute: string): string =>
    workspace !== undefined && isInside(workspace, absolute)
      ? relativePath(workspace, absolute)
      : relativePath(root, absolute)
  const lines: string[] = []

  for (const service of selectFailures(state)) {
    const failure = service.failure
    if (failure === null || failure.blockedBy !== null) continue
    const tail =
      failure.logTail.length === 0 ? '' : `\nlast lines of its output:\n${failure.logTail.join('\n')}`
    lines.push(
      command(
        'error',
        { title: `${service.key} failed` },
        `${failure.cause}${failure.fix === null ? '' : ` (${failure.fix})`}${tail}`,
      ),
    )
  }

  const block = state.tests.run?.blockedBy ?? null
  if (block?.kind === 'build') {
    const output = block.output.trimEnd().split('\n').slice(-15).join('\n')
    lines.push(command('error', { title: `${block.name} does not build` }, output))
  }

  for (const file of selectRunFiles(state)) {
    if (file.status !== 'failed') continue
    const fileErrors: readonly TestErrorInfo[] =
      file.errors.length === 0 && file.tests.every((test) => test.state !== 'failed')
        ? [{ message: 'the file failed to run' }]
        : file.errors
    for (const error of fileErrors) {
      lines.push(command('error', at(error, file, where, `${file.path} failed to run`), error.message))
    }
    for (const test of file.tests) {
      if (test.state !== 'failed') continue
      const errors: readonly TestErrorInfo[] = test.errors.length > 0 ? test.errors : [{ message: 'failed' }]
      for (const error of errors)
        lines.push(command('error', at(error, file, where, test.name), error.message))
    }
  }

  for (const file of selectRunFiles(state)) {
    if (!file.flaky) continue
    lines.push(
      command(
        'warning',
        { file: where(file.file), line: '1', title: 'flaky test file' },
        `${file.path} failed, then passed on attempt ${file.attempts}`,
      ),
    )
  }
  return lines
}

function at(
  error: TestErrorInfo,
  file: TestFileState,
  where: (absolute: string) => string,
  title: string,
): Record<string, string> {
  const location = error.location
  if (location === undefined) return { file: where(file.file), line: '1', title }
  return { file: where(location.file), line: String(location.line), col: String(location.column), title }
}

function command(
  name: 'error' | 'warning',
  properties: Readonly<Record<string, string>>,
  message: string,
): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(stripVTControlCharacters(value))}`)
    .join(',')
  return `::${name}${props === '' ? '' : ` ${props}`}::${escapeData(stripVTControlCharacters(message))}`
}

/** A workflow command's message: `%`, CR and LF escaped (GitHub's own toolkit rules). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** A workflow command's property value: as data, and `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}

// ── job summary ─────────────────────────────────────────────────────────────────────────────────

const EXIT_WORDS: Readonly<Record<number, string>> = {
  [EXIT.ok]: 'all selected tests passed',
  [EXIT.testsFailed]: 'tests failed',
  [EXIT.usage]: 'usage or configuration error',
  [EXIT.environment]: 'an environment could not be made ready',
  [EXIT.internal]: 'internal error in hearth',
  [EXIT.interrupted]: 'interrupted',
}

export interface JobSummaryOptions {
  exitCode: number
  /** Default `ci`. */
  command?: string
  /** How services got ready, as the reporter saw it; default: what the state still shows. */
  readiness?: ReadonlyMap<ServiceKey, ServiceReadiness>
}

/**
 * The Markdown appended to GITHUB_STEP_SUMMARY: the outcome, the environments and how long they
 * took to get ready, the run's counts, the failed tests, the flaky files, and why the files ran.
 */
export function formatJobSummary(observed: HearthState, options: JobSummaryOptions): string {
  const state = selectRedactedState(observed)
  const { exitCode, command: name = 'ci' } = options
  const readiness = options.readiness ?? readinessFromState(state)
  const mark = exitCode === EXIT.ok ? '✓' : '✗'
  const project = state.project === null ? '' : ` · ${state.project.name}`
  const out = [
    `## ${mark} hearth ${name}${project}`,
    '',
    `Exit code ${exitCode}: ${EXIT_WORDS[exitCode] ?? 'unknown'}.`,
    '',
  ]
  out.push(...environmentsSection(state, readiness))
  out.push(...runSection(state))
  return `${out.join('\n').trimEnd()}\n\n`
}

function readinessFromState(state: HearthState): Map<ServiceKey, ServiceReadiness> {
  const map = new Map<ServiceKey, ServiceReadiness>()
  for (const service of Object.values(state.services)) {
    if (service.readyAt !== null) map.set(service.key, readinessOf(service))
  }
  return map
}

function environmentsSection(
  state: HearthState,
  readiness: ReadonlyMap<ServiceKey, ServiceReadiness>,
): string[] {
  const names = Object.keys(state.environments)
    .filter((name) => selectServices(state, name).some((service) => service.requestedAt !== null))
    .sort()
  if (names.length === 0) return []
  const rows = names.map((name) => {
    const services = selectServices(state, name)
    const failed = services.filter(
      (service) => service.failure !== null && service.failure.blockedBy === null,
    )
    const ready = services.every((service) => readiness.has(service.key))
    const status = failed.length > 0 ? '✗ failed' : ready ? '✓ ready' : '– not ready'
    const requested = Math.min(...services.map((service) => service.requestedAt ?? Number.POSITIVE_INFINITY))
    const readyAt = Math.max(...services.map((service) => service.readyAt ?? 0))
    const took =
      failed.length === 0 && ready && readyAt >= requested ? formatDuration(readyAt - requested) : ''
    const details =
      failed.length > 0
        ? failed.map((service) => `${service.name}: ${service.failure?.cause ?? ''}`)
        : services.map((service) => serviceDetail(service, readiness.get(service.key)))
    return `| ${cell(name)} | ${status} | ${took} | ${cell(details.join(' · '))} |`
  })
  return [
    '### Environments',
    '',
    '| environment | status | ready in | services |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ]
}

function serviceDetail(service: ServiceState, ready: ServiceReadiness | undefined): string {
  if (ready === undefined) return `${service.name} not ready`
  const notes = [
    ready.reused ? 'attached' : '',
    service.fallback !== null ? `fallback${ready.driver === null ? '' : `: ${ready.driver}`}` : '',
  ].filter(Boolean)
  const took = ready.durationMs === null ? '' : ` ${formatDuration(ready.durationMs)}`
  return `${service.name}${took}${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`
}

function runSection(state: HearthState): string[] {
  const run = state.tests.run
  if (run === null) return []
  const files = selectRunFiles(state)
  const trigger =
    run.trigger === 'all'
      ? 'all tests'
      : run.trigger === 'since'
        ? 'affected by the change set'
        : 'affected by a change'
  const why = whyRows(files)
  const whySection =
    why.length === 0
      ? []
      : ['#### Why these files ran', '', '| reason | files |', '| --- | ---: |', ...why, '']
  const block = run.blockedBy
  if (block !== null) {
    // Nothing ran: a table of zeros would only hide the reason.
    const count = `${files.length} test ${files.length === 1 ? 'file' : 'files'}`
    const out = [
      '### Tests',
      '',
      block.kind === 'environment'
        ? `Run ${run.id} (${trigger}) did not run its ${count}: environment ${cell(block.name)} is not ready.`
        : `Run ${run.id} (${trigger}) did not run its ${count}: ${cell(block.name)} does not build.`,
      '',
    ]
    if (block.kind === 'build') {
      const output = block.output.trimEnd().split('\n').slice(-15).join('\n')
      out.push('```', output.replace(/```/g, "'''"), '```', '')
    }
    return [...out, ...whySection]
  }
  const counts = selectRunCounts(state)
  const cases = selectTestCaseCounts(state)
  const took =
    run.startedAt !== null && run.finishedAt !== null
      ? ` in ${formatDuration(run.finishedAt - run.startedAt)}`
      : ''
  const out = [
    '### Tests',
    '',
    `Run ${run.id} (${trigger})${run.phase === 'cancelled' ? ', cancelled' : ''}${took}:`,
    '',
    '| | files | tests |',
    '| --- | ---: | ---: |',
    `| passed | ${counts.passed} | ${cases.passed} |`,
    `| failed | ${counts.failed} | ${cases.failed} |`,
    `| skipped | ${counts.skipped} | ${cases.skipped} |`,
    `| flaky | ${counts.flaky} | |`,
    `| total | ${files.length} | ${cases.passed + cases.failed + cases.skipped} |`,
    '',
  ]
  const failures = files.flatMap((file) => failureRows(file))
  if (failures.length > 0) {
    out.push('#### Failed', '', '| file | test | message |', '| --- | --- | --- |', ...failures, '')
  }
  const flaky = files.filter((file) => file.flaky)
  if (flaky.length > 0) {
    out.push(
      '#### Flaky',
      '',
      ...flaky.map((file) => `- ${code(file.path)}: failed, then passed on attempt ${file.attempts}`),
      '',
    )
  }
  return [...out, ...whySection]
}

function failureRows(file: TestFileState): string[] {
  if (file.status !== 'failed') return []
  const row = (test: string, error: TestErrorInfo | undefined): string => {
    // The line, when the error is in the test file itself (else the path alone would mislead).
    const line =
      error?.location !== undefined && error.location.file === file.file ? `:${error.location.line}` : ''
    return `| ${code(`${file.path}${line}`)} | ${cell(test)} | ${cell(firstLine(error?.message ?? 'failed'))} |`
  }
  const rows = file.errors.map((error) => row('(file)', error))
  for (const test of file.tests) if (test.state === 'failed') rows.push(row(test.name, test.errors[0]))
  if (rows.length === 0) rows.push(row('(file)', { message: 'the file failed to run' }))
  return rows
}

/** Files by the kinds of reason they were selected for (a file with two kinds counts under both). */
function whyRows(files: readonly TestFileState[]): string[] {
  const counts = new Map<Exclude<SelectionReason['kind'], 'retry'>, number>()
  for (const file of files) {
    const kinds = new Set(file.reasons.map((reason) => reason.kind))
    for (const kind of kinds) if (kind !== 'retry') counts.set(kind, (counts.get(kind) ?? 0) + 1)
  }
  return (['import', 'rule', 'restarted', 'all'] as const)
    .filter((kind) => counts.has(kind))
    .map((kind) => `| ${describeReasonKind(kind)} (${kind}) | ${counts.get(kind)} |`)
}

function firstLine(text: string): string {
  const line = stripVTControlCharacters(text).split('\n')[0] ?? ''
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/** A table cell: HTML and pipes escaped, on one line. */
function cell(text: string): string {
  return stripVTControlCharacters(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
}

/** A code span (paths): backticks cannot be escaped inside, pipes must be, even there. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``
}
