/**
 * The test runner as core sees it: a port, in core's own types, that the CLI fills with the
 * project's Vitest (through @hearth/vitest) and unit tests fill with a fake. One runner per session;
 * `run` is never called twice at once.
 */
export interface TestRunner {
  /** Every test file the project's own test config would run (absolute paths). */
  listTestFiles(): Promise<string[]>
  /** Runs exactly these files and resolves with their outcomes; `signal` cancels the run. */
  run(files: readonly string[], options: TestRunOptions): Promise<TestRunOutcome>
  /** These source files changed: the next run must see the edit. */
  invalidate(files: readonly string[]): void
  close(): Promise<void>
}

export interface TestRunOptions {
  signal?: AbortSignal
  /** What the tests see in process.env for this run (the environments' outputs). */
  env: Readonly<Record<string, string>>
  onEvent?: (event: TestEvent) => void
}

export type TestEvent =
  | { type: 'file-started'; file: string }
  | { type: 'test-finished'; file: string; test: TestCaseOutcome }
  | { type: 'file-finished'; file: TestFileOutcome }

export type TestState = 'passed' | 'failed' | 'skipped'

export interface TestErrorInfo {
  message: string
  stack?: string
  /** Where it failed, when known: absolute file, 1-based line and column. */
  location?: { file: string; line: number; column: number }
}

export interface TestCaseOutcome {
  /** The full name: describe blocks and the test, joined by " > ". */
  name: string
  state: TestState
  durationMs: number
  errors: readonly TestErrorInfo[]
}

export interface TestFileOutcome {
  /** Absolute path. */
  file: string
  state: TestState
  durationMs: number
  /** Errors of the file itself: it did not load, a hook failed. */
  errors: readonly TestErrorInfo[]
  tests: readonly TestCaseOutcome[]
}

export interface TestRunOutcome {
  files: readonly TestFileOutcome[]
  durationMs: number
  cancelled: boolean
}
