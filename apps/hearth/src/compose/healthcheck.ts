/**
 * A Compose `healthcheck:` in hearth's terms: the test as an argv (`CMD`) or a shell string
 * (`CMD-SHELL`, or a plain string), the durations in milliseconds.
 */

import { isRecord } from './text.js'

export type ComposeHealthcheck =
  | { kind: 'none' }
  | {
      kind: 'check'
      command: string[] | string
      intervalMs: number | null
      timeoutMs: number | null
      retries: number | null
      startPeriodMs: number | null
      /** Sub-fields that did not convert, with why. */
      problems: Array<{ field: string; reason: string }>
    }
  | { kind: 'invalid'; reason: string }

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy

/** A Go duration (`1m30s`, `1.5s`, `250ms`, `0`) in whole milliseconds, or null when malformed. */
export function parseGoDuration(text: string): number | null {
  const value = text.trim()
  if (value === '0') return 0
  if (value === '') return null
  let total = 0
  PART.lastIndex = 0
  let at = 0
  for (let match = PART.exec(value); match !== null; match = PART.exec(value)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number)
    at = PART.lastIndex
  }
  return at === value.length ? Math.round(total) : null
}

/** Reads one `healthcheck:` mapping. */
export function readHealthcheck(spec: unknown): ComposeHealthcheck {
  if (!isRecord(spec)) {
    return { kind: 'invalid', reason: 'not a mapping of test, interval, timeout, retries' }
  }
  if (spec.disable === true) return { kind: 'none' }
  const test = spec.test
  let command: string[] | string
  if (typeof test === 'string') {
    if (test.trim() === '') return { kind: 'invalid', reason: 'the test is empty' }
    command = test
  } else if (Array.isArray(test) && test.length > 0) {
    const [first, ...rest] = test.map(String)
    if (first === 'NONE') return { kind: 'none' }
    if (first === 'CMD' && rest.length > 0) command = rest
    else if (first === 'CMD-SHELL' && rest.length > 0) command = rest.join(' ')
    else return { kind: 'invalid', reason: 'the test must start with "CMD", "CMD-SHELL" or "NONE"' }
  } else {
    // No test: Compose keeps the image's own HEALTHCHECK and changes only its timing.
    return { kind: 'invalid', reason: "no test: the timing applies to the image's own HEALTHCHECK" }
  }
  const problems: Array<{ field: string; reason: string }> = []
  const duration = (field: string): number | null => {
    const value = spec[field]
    if (value === undefined || value === null) return null
    const ms = typeof value === 'string' ? parseGoDuration(value) : null
    if (ms === null)
      problems.push({ field, reason: `"${String(value)}" is not a duration such as 5s or 1m30s` })
    return ms
  }
  const intervalMs = duration('interval')
  const timeoutMs = duration('timeout')
  const startPeriodMs = duration('start_period')
  if (spec.start_interval !== undefined) {
    problems.push({
      field: 'start_interval',
      reason: 'hearth probes readiness itself from the start, so it needs no start interval',
    })
  }
  let retries: number | null = null
  if (spec.retries !== undefined && spec.retries !== null) {
    const value = Number(spec.retries)
    if (Number.isInteger(value) && value > 0) retries = value
    else
      problems.push({ field: 'retries', reason: `"${String(spec.retries)}" is not a whole number above 0` })
  }
  return { kind: 'check', command, intervalMs, timeoutMs, retries, startPeriodMs, problems }
}
