import {
  type ConsoleEntry,
  describeBuildReason,
  describeReason,
  type HearthState,
  relativePath,
  type ServiceState,
  selectDependents,
  type TestErrorInfo,
  type TestFileState,
} from '@hearth/core'
import { formatDuration } from '@hearth/environments'
import { codeFrame, type SourceReader } from './code-frame.js'
import type { Tone } from './palette.js'
import { selectDriverLabel, selectEndpoint, selectReadiness } from './selectors.js'
import { formatAge, plural, sanitizeLine, truncateMiddle, wrapLine } from './text.js'

/** One row of the detail pane. */
export interface DetailLine {
  text: string
  tone?: Tone
  dim?: boolean
  bold?: boolean
}

/** What the detail pane shows (apart from logs): a title and its rows, already wrapped to the width. */
export interface DetailContent {
  title: string
  lines: DetailLine[]
}

export interface DetailOptions {
  width: number
  now: number
  readSource: SourceReader
  /** Restarts counted by the view (see `countRestarts`). */
  restarts?: number
}

/** Lines of an error message shown before "… N more lines". */
const MESSAGE_LINES = 12
const DIFF_LINES = 40
const CONSOLE_LINES = 30

/** A file of the run: its result, why it ran, and each failure with its diff, code and console. */
export function fileDetail(file: TestFileState, state: HearthState, options: DetailOptions): DetailContent {
  const out = new Lines(options.width)
  const root = state.project?.root ?? ''
  const took = file.durationMs === null ? '' : ` · ${formatDuration(file.durationMs)}`
  const expected = file.expectedMs === null ? '' : `~${formatDuration(file.expectedMs)} expected`
  const failed = file.tests.filter((test) => test.state === 'failed')
  switch (file.status) {
    case 'failed':
      out.add(
        failed.length > 0
          ? `✗ ${failed.length} of ${plural(file.tests.length, 'test')} failed${took}`
          : `✗ the file failed to run${took}`,
        { tone: 'fail', bold: true },
      )
      break
    case 'passed':
      out.add(`✓ ${plural(file.tests.length, 'test')} passed${took}`, { tone: 'ok' })
      break
    case 'skipped':
      out.add('- skipped', { dim: true })
      break
    case 'running':
      out.add(`running…${expected === '' ? '' : ` (${expected})`}`, { tone: 'active' })
      break
    case 'queued':
      out.add(`queued${expected === '' ? '' : ` (${expected})`}`, { dim: true })
      break
    case 'cancelled':
      out.add('cancelled: a newer run took its place', { dim: true })
      break
    case 'idle':
      out.add(`not run yet in this session${expected === '' ? '' : ` (${expected})`}`, { dim: true })
      break
  }
  if (file.flaky)
    out.add(`flaky: it failed, then passed on a retry (${plural(file.attempts, 'attempt')})`, {
      tone: 'warn',
    })
  for (const reason of file.reasons) out.add(`why: ${describeReason(reason)}`, { dim: true })
  if (file.environment !== null) out.add(`environment: ${file.environment}`, { dim: true })

  for (const error of file.errors) {
    out.blank()
    out.add('✗ error in the file, outside its tests', { tone: 'fail', bold: true })
    errorLines(out, error, root, options.readSource)
  }
  for (const test of failed) {
    out.blank()
    out.add(`✗ ${test.name}`, { tone: 'fail', bold: true })
    for (const error of test.errors) errorLines(out, error, root, options.readSource)
    consoleLines(out, test.console ?? [], 'its console output')
  }
  const others = file.tests.filter((test) => test.state !== 'failed')
  if (others.length > 0) {
    out.blank()
    for (const test of others) {
      const mark = test.state === 'passed' ? '✓' : '-'
      out.add(`${mark} ${test.name}  ${formatDuration(test.durationMs)}`, {
        ...(test.state === 'passed' ? { tone: 'ok' as const } : {}),
        dim: test.state !== 'passed',
      })
    }
  }
  consoleLines(out, file.console, 'console output of the file (outside its tests)')
  return { title: file.path, lines: out.lines }
}

/** Why the run could not run its tests, or failed outside them: shown above the file's detail. */
export function runProblemLines(state: HearthState, width: number): DetailLine[] {
  const run = state.tests.run
  if (run === null) return []
  const out = new Lines(width)
  if (run.blockedBy?.kind === 'environment') {
    out.add(`✗ run ${run.id} cannot run: environment ${run.blockedBy.name} is not ready`, {
      tone: 'fail',
      bold: true,
    })
    out.add('  its services say why (Tab to the services pane)', { dim: true })
  } else if (run.blockedBy?.kind === 'build') {
    const name = run.blockedBy.name
    out.add(`✗ run ${run.id} cannot run: ${name} does not build`, { tone: 'fail', bold: true })
    const build = run.builds.find((entry) => entry.name === name)
    if (build !== undefined) out.add(`  rebuilt because ${describeBuildReason(build.reason)}`, { dim: true })
    for (const line of run.blockedBy.output.trimEnd().split('\n').slice(-20))
      out.add(`│ ${sanitizeLine(line)}`)
  }
  if (run.errors.length > 0) {
    out.add(`✗ run ${run.id}: ${plural(run.errors.length, 'unhandled error')} outside any test`, {
      tone: 'fail',
      bold: true,
    })
    for (const error of run.errors) errorLines(out, error, state.project?.root ?? '', () => null)
  }
  if (out.lines.length > 0) out.blank()
  return out.lines
}

/** A service: what it is, where it runs, how it failed and what to do. */
export function serviceDetail(
  service: ServiceState,
  state: HearthState,
  options: DetailOptions,
): DetailContent {
  const out = new Lines(options.width)
  const { now } = options
  out.add(`${service.status}${service.restarting ? ' (restarting)' : ''} · ${service.kind}`, {
    bold: true,
    ...(service.status === 'failed'
      ? { tone: 'fail' as const }
      : service.status === 'ready'
        ? { tone: 'ok' as const }
        : {}),
  })
  if (service.failure !== null) {
    out.add(`✗ ${service.failure.cause}`, { tone: 'fail' })
    if (service.failure.fix !== null) out.add(`fix: ${service.failure.fix}`)
    if (service.failure.logTail.length > 0) {
      out.add(`last ${plural(service.failure.logTail.length, 'line')} of its output:`, { dim: true })
      for (const line of service.failure.logTail) out.add(`│ ${sanitizeLine(line)}`, { dim: true })
    }
  }
  if (service.fallback !== null)
    out.add(`fallback: ${service.fallback}: its local stand-in runs instead`, { tone: 'warn' })
  if (service.preparing !== null) {
    const fraction =
      service.preparing.fraction === null ? '' : ` (${Math.round(service.preparing.fraction * 100)}%)`
    out.add(`preparing: ${service.preparing.message}${fraction}`, { tone: 'active' })
  }
  if (service.probe !== null)
    out.add(
      `not ready yet: ${plural(service.probe.attempts, 'probe')}, the last saw: ${service.probe.detail}`,
      {
        tone: 'active',
      },
    )
  const instance = service.instance
  if (instance !== null) {
    out.add(
      `instance ${truncateMiddle(instance.id, 32)} · ${selectDriverLabel(service)} · ${
        instance.reused ? 'found warm' : 'created'
      } ${formatAge(now - instance.createdAt)} ago`,
    )
  }
  const endpoint = selectEndpoint(service)
  if (endpoint !== '') out.add(`at ${endpoint}`)
  const readiness = selectReadiness(service)
  const facts = [
    readiness === null ? null : `ready in ${formatDuration(readiness)}`,
    service.lastResetAt === null ? null : `reset ${formatAge(now - service.lastResetAt)} ago`,
    options.restarts === undefined || options.restarts === 0
      ? null
      : `restarted ${plural(options.restarts, 'time')}`,
    service.exitCode === null ? null : `exit code ${service.exitCode}`,
  ].filter((fact): fact is string => fact !== null)
  if (facts.length > 0) out.add(facts.join(' · '), { dim: true })
  const outputs = Object.entries(service.outputs)
  if (outputs.length > 0) {
    out.add('outputs:', { dim: true })
    for (const [key, value] of outputs) out.add(`  ${key} = ${value}`)
  }
  if (service.dependsOn.length > 0) out.add(`depends on ${service.dependsOn.join(', ')}`, { dim: true })
  const dependents = selectDependents(state, service.key).map((dependent) => dependent.key)
  if (dependents.length > 0) out.add(`restarting it restarts ${dependents.join(', ')}`, { dim: true })
  out.blank()
  out.add('l its output · r restart · x reset its environment', { dim: true })
  return { title: service.key, lines: out.lines }
}

function errorLines(out: Lines, error: TestErrorInfo, root: string, readSource: SourceReader): void {
  const message = error.message.trimEnd().split('\n')
  const name = error.name !== undefined && !message[0]?.startsWith(error.name) ? `${error.name}: ` : ''
  message.slice(0, MESSAGE_LINES).forEach((line, index) => {
    out.add(`  ${index === 0 ? name : ''}${sanitizeLine(line)}`)
  })
  if (message.length > MESSAGE_LINES)
    out.add(`  … ${plural(message.length - MESSAGE_LINES, 'more line')}`, { dim: true })
  if (error.diff !== undefined && error.diff.trim() !== '') {
    const diff = error.diff.trimEnd().split('\n')
    for (const line of diff.slice(0, DIFF_LINES)) {
      const clean = sanitizeLine(line)
      const tone = clean.startsWith('-') ? 'ok' : clean.startsWith('+') ? 'fail' : undefined
      out.add(`  ${clean}`, tone === undefined ? {} : { tone })
    }
    if (diff.length > DIFF_LINES)
      out.add(`  … ${plural(diff.length - DIFF_LINES, 'more line')} of diff`, { dim: true })
  }
  const location = error.location
  if (location === undefined) return
  out.add(`  at ${relativePath(root, location.file)}:${location.line}:${location.column}`, { dim: true })
  const source = readSource(location.file)
  if (source === null) return
  const frame = codeFrame(source, location.line)
  const gutter = String(frame.at(-1)?.number ?? location.line).length
  for (const line of frame) {
    const text = sanitizeLine(line.text)
    out.add(
      `  ${line.marked ? '>' : ' '} ${String(line.number).padStart(gutter)} │ ${text}`,
      line.marked ? { bold: true } : { dim: true },
    )
    if (line.marked && location.column > 0)
      out.add(`    ${' '.repeat(gutter)} │ ${' '.repeat(location.column - 1)}^`, { tone: 'fail' })
  }
}

function consoleLines(out: Lines, entries: readonly ConsoleEntry[], heading: string): void {
  if (entries.length === 0) return
  const lines = entries.flatMap((entry) =>
    entry.text
      .replace(/\n$/, '')
      .split('\n')
      .map((text) => ({ text: sanitizeLine(text), stream: entry.stream })),
  )
  out.add(`  ${heading}:`, { dim: true })
  for (const line of lines.slice(-CONSOLE_LINES)) {
    out.add(`  │ ${line.text}`, line.stream === 'stderr' ? { tone: 'warn' } : {})
  }
  if (lines.length > CONSOLE_LINES)
    out.add(`  (the last ${CONSOLE_LINES} of ${lines.length} lines)`, { dim: true })
}

/** Rows being built, each wrapped to the pane's width. */
class Lines {
  readonly lines: DetailLine[] = []
  constructor(private readonly width: number) {}

  add(text: string, style: Omit<DetailLine, 'text'> = {}): void {
    for (const row of wrapLine(text, this.width)) this.lines.push({ text: row, ...style })
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines.at(-1)?.text !== '') this.lines.push({ text: '' })
  }
}
