/**
 * The test runner as core sees it: a port, in core's own types, that the CLI fills with the
 * project's Vitest (through @hearth/vitest) and unit tests fill with a fake. One runner per session;
 * `run` may be called again before an earlier call has resolved (one batch per environment, up to
 * the controller's `concurrency`), always with disjoint files.
 */
export interface TestRunner {
  /** Every test file the project's own test configs would run (absolute paths). */
  listTestFiles(): Promise<string[]>
  /**
   * The test configs in use (after `listTestFiles`): each file runs under the config that owns it,
   * with `root` as its working directory. A change to a config reruns the files it owns.
   */
  owners(): ReadonlyArray<TestOwner>
  /** The config that owns a test file, if any. */
  ownerOf(file: string): TestOwner | undefined
  /** Runs exactly these files and resolves with their outcomes; `signal` cancels the run. */
  run(files: readonly string[], options: TestRunOptions): Promise<TestRunOutcome>
  /** These source files changed: the next run must see the edit. */
  invalidate(files: readonly string[]): void
  close(): Promise<void>
}

export interface TestOwner {
  /** Its folder: the tests' root and working directory. */
  root: string
  /** Its config file (absolute), or null for the runner's defaults. */
  configFile: string | null
  /** The files its config imports (absolute), when known: a change to one changes the config. */
  configDependencies?: readonly string[]
}

/**
 * The project's test setup cannot work (its Vitest config does not load, no Vitest where a package
 * needs one): a usage problem (exit 2), with what to do about it. Any runner method may throw it.
 */
export class TestSetupError extends Error {
  override readonly name = 'TestSetupError'
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message)
  }
}

export function isTestSetupError(value: unknown): value is TestSetupError {
  return value instanceof TestSetupError
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
  /** The error's name (`AssertionError`, `TypeError`), when it has one. */
  name?: string
  stack?: string
  /** Expected against received, as the runner prints it, without colours. */
  diff?: string
  /** Where it failed, when known: absolute file, 1-based line and column. */
  location?: { file: string; line: number; column: number }
}

export interface TestCaseOutcome {
  /** The full name: describe blocks and the test, joined by " > ". */
  name: string
  state: TestState
  durationMs: number
  errors: readonly TestErrorInfo[]
  /** What the test wrote to the console (its hooks included), in order. */
  console?: readonly ConsoleEntry[]
}

/** One console write of test code. */
export interface ConsoleEntry {
  stream: 'stdout' | 'stderr'
  text: string
  /** Epoch ms. */
  time: number
}

export interface TestFileOutcome {
  /** Absolute path. */
  file: string
  state: TestState
  durationMs: number
  /** Errors of the file itself: it did not load, a hook failed. */
  errors: readonly TestErrorInfo[]
  tests: readonly TestCaseOutcome[]
  /** Console output of the file outside any test (module top level, `beforeAll`/`afterAll`). */
  console?: readonly ConsoleEntry[]
}

export interface TestRunOutcome {
  files: readonly TestFileOutcome[]
  /**
   * Asked-for files with no result, and why: `cancelled` (the signal), `interrupted` (the runner
   * stopped before them: a crashed worker or host, a bail), `not-found`, `not-a-test-file`.
   */
  notRun?: ReadonlyArray<{
    file: string
    reason: 'cancelled' | 'interrupted' | 'not-found' | 'not-a-test-file'
  }>
  /** Errors of the run that no file could be blamed for (a crashed host, with its last output). */
  errors?: readonly TestErrorInfo[]
  durationMs: number
  cancelled: boolean
}
