import { stripVTControlCharacters } from 'node:util'
import {
  describeReason,
  type HearthState,
  type RunState,
  relativePath,
  selectFailures,
  selectRedactedState,
  selectRunFiles,
  type TestErrorInfo,
  type TestFileState,
} from '@hearth/core'
import { writeFileAtomic } from '@hearth/driver'
import { relativeStack } from './ndjson-reporter.js'

export interface JunitOptions {
  /** The name of the `<testsuites>` element. Default `hearth`. */
  name?: string
}

/** The test case that carries a file's own errors (it did not load, a hook failed). */
export const FILE_ERRORS_CASE = '(file)'
/** The test case of a file the run never got to (blocked, cancelled). */
export const NOT_RUN_CASE = '(not run)'

/**
 * The last run of the state as JUnit XML: a `<testsuite>` per test file (named by its path
 * relative to the project root), a `<testcase>` per test. A file's own errors are one `<error>`
 * case; files the run never got to are an `<error>` case when the run was blocked, a `<skipped>` one
 * when it was cancelled. Flaky files (failed, then passed on a retry) carry the
 * `hearth.flaky` property and a note in `<system-out>`. Pure: call it on the final state.
 */
export function renderJunit(observed: HearthState, { name = 'hearth' }: JunitOptions = {}): string {
  // Secrets masked in test errors and service failures: CI keeps the report as an artifact.
  const state = selectRedactedState(observed)
  const run = state.tests.run
  const root = state.project?.root ?? ''
  const suites = run === null ? [] : selectRunFiles(state).map((file) => suiteOf(file, run, state, root))
  const total = (key: keyof SuiteCounts) => suites.reduce((sum, suite) => sum + suite.counts[key], 0)
  const time =
    run === null || run.startedAt === null || run.finishedAt === null ? 0 : run.finishedAt - run.startedAt
  const attributes = {
    name,
    tests: total('tests'),
    failures: total('failures'),
    errors: total('errors'),
    skipped: total('skipped'),
    time: seconds(time),
  }
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>']
  if (suites.length === 0) {
    lines.push(`<testsuites${attrs(attributes)}/>`)
  } else {
    lines.push(`<testsuites${attrs(attributes)}>`, ...suites.flatMap((suite) => suite.lines), '</testsuites>')
  }
  return `${lines.join('\n')}\n`
}

/** Renders the state's last run and writes it to `file` atomically (readers never see half a report). */
export async function writeJunitReport(
  file: string,
  state: HearthState,
  options?: JunitOptions,
): Promise<void> {
  await writeFileAtomic(file, renderJunit(state, options))
}

interface SuiteCounts {
  tests: number
  failures: number
  errors: number
  skipped: number
}

interface Case {
  name: string
  time: number
  /** `<failure>`, `<error>` or `<skipped>`, already rendered, indented by the caller. */
  body: string[]
  outcome: 'passed' | 'failure' | 'error' | 'skipped'
}

function suiteOf(
  file: TestFileState,
  run: RunState,
  state: HearthState,
  root: string,
): { counts: SuiteCounts; lines: string[] } {
  const cases: Case[] = file.tests.map((test) => {
    if (test.state === 'failed') {
      return {
        name: test.name,
        time: test.durationMs,
        outcome: 'failure',
        body: problem('failure', test.errors.length > 0 ? test.errors : [{ message: 'failed' }], root),
      }
    }
    if (test.state === 'skipped')
      return { name: test.name, time: test.durationMs, outcome: 'skipped', body: ['<skipped/>'] }
    return { name: test.name, time: test.durationMs, outcome: 'passed', body: [] }
  })
  if (file.errors.length > 0 || (file.status === 'failed' && file.tests.length === 0)) {
    const errors = file.errors.length > 0 ? file.errors : [{ message: 'the file failed to run' }]
    cases.unshift({ name: FILE_ERRORS_CASE, time: 0, outcome: 'error', body: problem('error', errors, root) })
  }
  const ran = file.status === 'passed' || file.status === 'failed' || file.status === 'skipped'
  if (!ran) {
    const why = notRunBecause(run, state)
    cases.push(
      why === null
        ? {
            name: NOT_RUN_CASE,
            time: 0,
            outcome: 'skipped',
            body: [`<skipped${attrs({ message: 'the run was cancelled' })}/>`],
          }
        : { name: NOT_RUN_CASE, time: 0, outcome: 'error', body: problem('error', [why], root) },
    )
  }

  const counts: SuiteCounts = {
    tests: cases.length,
    failures: cases.filter((item) => item.outcome === 'failure').length,
    errors: cases.filter((item) => item.outcome === 'error').length,
    skipped: cases.filter((item) => item.outcome === 'skipped').length,
  }
  const properties: Array<[string, string]> = [
    ...(file.group === null ? [] : [['hearth.group', file.group] as [string, string]]),
    ...(file.environment === null ? [] : [['hearth.environment', file.environment] as [string, string]]),
    ['hearth.attempts', String(file.attempts)],
    ['hearth.flaky', String(file.flaky)],
    ...file.reasons.map((reason): [string, string] => ['hearth.reason', describeReason(reason)]),
  ]
  const lines = [
    `  <testsuite${attrs({ name: file.path, tests: counts.tests, failures: counts.failures, errors: counts.errors, skipped: counts.skipped, time: seconds(file.durationMs ?? 0) })}>`,
    '    <properties>',
    ...properties.map(([key, value]) => `      <property${attrs({ name: key, value })}/>`),
    '    </properties>',
  ]
  for (const item of cases) {
    const open = `    <testcase${attrs({ classname: file.path, name: item.name, time: seconds(item.time), file: file.path })}`
    if (item.body.length === 0) {
      lines.push(`${open}/>`)
    } else {
      lines.push(`${open}>`, ...item.body.map((line) => `      ${line}`), '    </testcase>')
    }
  }
  if (file.flaky) {
    lines.push(
      `    <system-out>${xmlText(`flaky: failed, then passed on attempt ${file.attempts}`)}</system-out>`,
    )
  }
  lines.push('  </testsuite>')
  return { counts, lines }
}

/** Why a file of the run never ran: the block, in words; null when the run was cancelled. */
function notRunBecause(run: RunState, state: HearthState): TestErrorInfo | null {
  const block = run.blockedBy
  if (block === null) return null
  if (block.kind === 'build') {
    return { message: `not run: ${block.name} does not build`, stack: block.output.trimEnd() }
  }
  const causes = selectFailures(state)
    .filter((service) => service.environment === block.name && service.failure?.blockedBy === null)
    .map(
      (service) =>
        `${service.name}: ${service.failure?.cause}${service.failure?.fix ? ` (${service.failure.fix})` : ''}`,
    )
  return {
    message: `not run: environment ${block.name} is not ready`,
    ...(causes.length > 0 ? { stack: causes.join('\n') } : {}),
  }
}

/**
 * One `<failure>` or `<error>` for all the errors of a case (most tools read only the first
 * element): the first message's first line as `message`, every error in full as the text.
 */
function problem(element: 'failure' | 'error', errors: readonly TestErrorInfo[], root: string): string[] {
  const message = (errors[0]?.message ?? '').split('\n')[0] ?? ''
  const text = errors
    .map((error) => {
      const parts = [error.message]
      if (error.stack !== undefined) parts.push(relativeStack(error.stack, root))
      // A stack names the location already.
      if (error.location !== undefined && error.stack === undefined) {
        const { file, line, column } = error.location
        parts.push(`at ${relativePath(root, file)}:${line}:${column}`)
      }
      return parts.join('\n')
    })
    .join('\n\n')
  return [`<${element}${attrs({ message })}>${xmlText(text)}</${element}>`]
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3)
}

function attrs(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([key, value]) => ` ${key}="${xmlAttribute(String(value))}"`)
    .join('')
}

/** Text content: `&`, `<`, `>` escaped, `\r` kept (a parser would turn a raw one into `\n`). */
export function xmlText(text: string): string {
  return xmlSafe(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;')
}

/** An attribute value in double quotes; tabs and line breaks escaped so they survive normalization. */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;')
}

/**
 * Text XML 1.0 can hold: terminal colour and cursor sequences dropped, the control characters it
 * forbids (even as references) written as visible `\u0007`-style escapes, lone surrogates
 * replaced by U+FFFD.
 */
export function xmlSafe(text: string): string {
  const plain = stripVTControlCharacters(text)
  let out = ''
  for (let index = 0; index < plain.length; index++) {
    const code = plain.charCodeAt(index)
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = plain.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += plain.slice(index, index + 2)
        index++
      } else {
        out += '\uFFFD'
      }
      continue
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\uFFFD'
      continue
    }
    const allowed =
      code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code !== 0xfffe && code !== 0xffff)
    out += allowed ? plain[index] : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
  }
  return out
}
