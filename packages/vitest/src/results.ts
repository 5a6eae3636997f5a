import { stripVTControlCharacters } from 'node:util'
import type { ErrorLocation, TestErrorInfo, TestState } from './types.js'

/**
 * Pure mapping from what Vitest reports to hearth's result types. It reads errors structurally (the
 * fields Vitest 4 serializes), so it is tested without running Vitest.
 */

interface StackFrame {
  file: string
  line: number
  column: number
}

/** Vitest's states for a test, a suite or a file (`queued`/`pending`: it never finished). */
export function toTestState(state: string): TestState {
  if (state === 'passed' || state === 'failed') return state
  return 'skipped'
}

/**
 * A file's state: Vitest's, except that a file with errors of its own (a hook, an unhandled error
 * traced to it) has failed even when each of its tests passed or was skipped.
 */
export function fileState(moduleState: string, fileErrors: number): TestState {
  return fileErrors > 0 ? 'failed' : toTestState(moduleState)
}

/**
 * One error as hearth shows it. `testFile` picks the location: a transform error's own location (a
 * syntax error, in whichever file it is), else the first frame in the test file (where the test
 * failed, even when the throw was deeper), else the first frame Vitest kept.
 */
export function toErrorInfo(error: unknown, testFile?: string, suite?: string): TestErrorInfo {
  const record = isRecord(error) ? error : {}
  const message = typeof record.message === 'string' ? record.message : isRecord(error) ? '' : String(error)
  const info: TestErrorInfo = { message }
  if (typeof record.name === 'string' && record.name !== '') info.name = record.name
  if (typeof record.stack === 'string' && record.stack !== '') info.stack = record.stack
  const location = locationOf(record, testFile)
  if (location) info.location = location
  if (typeof record.diff === 'string' && record.diff !== '') info.diff = stripVTControlCharacters(record.diff)
  if (suite !== undefined) info.suite = suite
  return info
}

/** The test file an unhandled error happened in, when Vitest traced it to one. */
export function unhandledErrorFile(error: unknown): string | undefined {
  if (!isRecord(error)) return undefined
  const file = error.VITEST_TEST_PATH
  return typeof file === 'string' && file !== '' ? file : undefined
}

function locationOf(
  record: Record<string, unknown>,
  testFile: string | undefined,
): ErrorLocation | undefined {
  // Vite's transform errors (a syntax error) carry the exact place; the stack is Vite's own.
  const transform = record.__vitest_rollup_error__
  if (isRecord(transform) && isRecord(transform.loc)) {
    const { file, line, column } = transform.loc
    const id = typeof transform.id === 'string' ? transform.id : undefined
    const where = typeof file === 'string' ? file : id
    if (where !== undefined && typeof line === 'number') {
      // Rollup counts columns from 0; stack frames (and editors) from 1.
      return { file: where, line, column: (typeof column === 'number' ? column : 0) + 1 }
    }
  }
  const frames = Array.isArray(record.stacks) ? record.stacks.filter(isFrame) : []
  const frame = (testFile === undefined ? undefined : frames.find((f) => f.file === testFile)) ?? frames[0]
  return frame ? { file: frame.file, line: frame.line, column: frame.column } : undefined
}

function isFrame(value: unknown): value is StackFrame {
  return (
    isRecord(value) &&
    typeof value.file === 'string' &&
    typeof value.line === 'number' &&
    typeof value.column === 'number'
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
