import type {
  ConsoleEntry,
  TestFileOutcome,
  TestOwner,
  TestRunner,
  TestRunOptions,
  TestRunOutcome,
  TestState,
} from '../features/tests/test-runner.js'

/** How a fake test file behaves: its result per attempt (the last one repeats). Test helper. */
export interface FakeTestFile {
  results: readonly TestState[]
  durationMs?: number
  /** The run's record of it differs from what its events said (an error traced to it afterwards). */
  recordedAs?: TestState
  /** No result: the runner gave up on it (`interrupted`), or it is gone (`not-found`). */
  notRun?: 'interrupted' | 'not-found'
  /** Its run throws this (a config of its owner that does not load, say). */
  throws?: Error
  /** What its test writes to the console, and what the file writes outside tests. */
  console?: { test?: readonly ConsoleEntry[]; file?: readonly ConsoleEntry[] }
  /** The diff of its failing test's assertion. */
  diff?: string
}

/** A test runner that runs nothing: files report scripted results. Records every call. Test helper. */
export class FakeTestRunner implements TestRunner {
  readonly calls: Array<{ files: readonly string[]; env: Readonly<Record<string, string>> }> = []
  readonly invalidated: string[] = []
  private readonly attempts = new Map<string, number>()
  /** How long a run takes (so that a test can cancel it). */
  delayMs = 0
  /** Errors of every run that no file is blamed for. */
  runErrors: Array<{ message: string }> = []

  constructor(private readonly files: Readonly<Record<string, FakeTestFile>>) {}

  /** One owner at the project root, without a config file, unless a test sets others. */
  ownersList: TestOwner[] = [{ root: '/project', configFile: null }]

  owners(): readonly TestOwner[] {
    return this.ownersList
  }

  ownerOf(file: string): TestOwner | undefined {
    return [...this.ownersList]
      .sort((a, b) => b.root.length - a.root.length)
      .find((owner) => file.startsWith(`${owner.root}/`))
  }

  async listTestFiles(): Promise<string[]> {
    return Object.keys(this.files).sort()
  }

  async run(files: readonly string[], options: TestRunOptions): Promise<TestRunOutcome> {
    this.calls.push({ files: [...files], env: { ...options.env } })
    const outcomes: TestFileOutcome[] = []
    const notRun: Array<{ file: string; reason: 'interrupted' | 'not-found' }> = []
    for (const file of files) {
      if (options.signal?.aborted) return { files: outcomes, durationMs: 0, cancelled: true }
      const script = this.files[file] ?? { results: ['failed'] }
      if (script.throws !== undefined) throw script.throws
      if (script.notRun !== undefined) {
        notRun.push({ file, reason: script.notRun })
        continue
      }
      options.onEvent?.({ type: 'file-started', file })
      if (this.delayMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.delayMs)
          options.signal?.addEventListener('abort', () => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      if (options.signal?.aborted) return { files: outcomes, durationMs: 0, cancelled: true }
      const attempt = this.attempts.get(file) ?? 0
      this.attempts.set(file, attempt + 1)
      const state = script.results[Math.min(attempt, script.results.length - 1)] ?? 'failed'
      const test = {
        name: `${file.split('/').at(-1)} > works`,
        state,
        durationMs: script.durationMs ?? 10,
        errors:
          state === 'failed'
            ? [
                {
                  message: 'expected 1 to be 2',
                  location: { file, line: 3, column: 7 },
                  ...(script.diff === undefined ? {} : { diff: script.diff }),
                },
              ]
            : [],
        console: script.console?.test ?? [],
      }
      options.onEvent?.({ type: 'test-finished', file, test })
      const outcome: TestFileOutcome = {
        file,
        state,
        durationMs: script.durationMs ?? 10,
        errors: [],
        tests: [test],
        console: script.console?.file ?? [],
      }
      options.onEvent?.({ type: 'file-finished', file: outcome })
      outcomes.push(
        script.recordedAs === undefined
          ? outcome
          : { ...outcome, state: script.recordedAs, errors: [{ message: 'Unhandled rejection: boom' }] },
      )
    }
    return {
      files: outcomes,
      notRun,
      errors: notRun.some((entry) => entry.reason === 'interrupted')
        ? [{ message: 'the host exited with code 1' }, ...this.runErrors]
        : this.runErrors,
      durationMs: outcomes.length * 10,
      cancelled: false,
    }
  }

  invalidate(files: readonly string[]): void {
    this.invalidated.push(...files)
  }

  async close(): Promise<void> {}
}
