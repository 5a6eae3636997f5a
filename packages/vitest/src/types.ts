/**
 * The test runner's results, in hearth's own types (no Vitest type leaks out of this package, so
 * core can hold them in its store and a later Vitest major changes only the mapping).
 * They are shaped to fit core's `TestRunner` port (`packages/core/src/features/tests/test-runner.ts`)
 * as they are: every field core reads is here, the rest (`project`, `console`, `notRun`, `errors`)
 * is extra detail for the reporters.
 */

export type TestState = 'passed' | 'failed' | 'skipped'

/** Where something failed: absolute file, 1-based line and column. */
export interface ErrorLocation {
  file: string
  line: number
  column: number
}

export interface TestErrorInfo {
  message: string
  /** The error's name (`AssertionError`, `TypeError`), when it has one. */
  name?: string
  stack?: string
  /** Where it failed, when Vitest knows: the frame in the test file if there is one, else the first. */
  location?: ErrorLocation
  /** Expected vs received, as Vitest prints it, without colours. */
  diff?: string
  /** For a failing hook of a `describe` block: that block's full name. */
  suite?: string
}

/** One console write of the test code, in the order Vitest received it. */
export interface ConsoleEntry {
  stream: 'stdout' | 'stderr'
  text: string
  /** Epoch milliseconds, as the worker stamped it. */
  time: number
}

export interface TestResult {
  /** The full name: describe blocks and the test, joined by " > " (Vitest's `fullName`). */
  name: string
  state: TestState
  durationMs: number
  errors: readonly TestErrorInfo[]
  /** What this test wrote to the console (its hooks included). */
  console: readonly ConsoleEntry[]
}

export interface FileResult {
  /** Absolute path of the test file. */
  file: string
  /** The Vitest project that ran it (`''` for a config without projects). */
  project: string
  state: TestState
  durationMs: number
  /**
   * Errors of the file itself: it did not load (a syntax error, a failing import), a `beforeAll` or
   * `afterAll` failed, or an unhandled error was traced to it. Any of these make the file fail.
   */
  errors: readonly TestErrorInfo[]
  tests: readonly TestResult[]
  /** Console output of the file outside any test: module top level, `beforeAll`/`afterAll`. */
  console: readonly ConsoleEntry[]
}

export type NotRunReason =
  /** The file does not exist (any more). */
  | 'not-found'
  /** It exists, but no Vitest project of the config includes it. */
  | 'not-a-test-file'
  /** The run was cancelled through its signal before this file finished. */
  | 'cancelled'
  /** Vitest stopped before this file finished for a reason of its own (`bail`, a crashed worker). */
  | 'interrupted'

export interface RunResult {
  /** One entry per file (and project) that finished, in the order they finished. */
  files: readonly FileResult[]
  /** Requested files without a result, and why. */
  notRun: readonly { file: string; reason: NotRunReason }[]
  /** Unhandled errors of this run that no test file could be blamed for. */
  errors: readonly TestErrorInfo[]
  durationMs: number
  /** True when `signal` aborted the run. */
  cancelled: boolean
}

/** Streamed while a run is in progress, in the order Vitest reports. */
export type RunEvent =
  | { type: 'file-started'; file: string; project: string }
  | { type: 'test-finished'; file: string; project: string; test: TestResult }
  | { type: 'file-finished'; file: FileResult }
