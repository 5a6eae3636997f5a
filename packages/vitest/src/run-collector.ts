import type { Reporter, TestCase, TestModule } from 'vitest/node'
import { fileState, toErrorInfo, toTestState, unhandledErrorFile } from './results.js'
import type { ConsoleEntry, FileResult, RunEvent, TestErrorInfo, TestResult } from './types.js'

type UserConsoleLog = Parameters<NonNullable<Reporter['onUserConsoleLog']>>[0]

/** What the collector needs from Vitest's state: the test, suite or file a task id names. */
export type EntityLookup = (
  taskId: string,
) => { type: string; id: string; module?: { id: string } } | undefined

/**
 * Collects the results of ONE run from Vitest's reporter events. Vitest keeps every module it ever
 * ran in its state (results accumulate across runs on one instance), so results are built from the
 * events of this run only, never read back from `vitest.state`.
 *
 * It never throws into Vitest: a reporter that throws becomes an "unhandled error" of the run. A
 * throwing `onEvent` listener is kept and rethrown by the runner once the run is over.
 */
export class RunCollector {
  /** Finished files, by Vitest module id (one per file and project), in the order they finished. */
  readonly finished = new Map<string, FileResult>()
  private readonly consoleByTask = new Map<string, ConsoleEntry[]>()
  private stopped = false
  listenerError: unknown = undefined

  constructor(
    private readonly wanted: ReadonlySet<string>,
    private readonly lookup: EntityLookup,
    private readonly onEvent: ((event: RunEvent) => void) | undefined,
  ) {}

  /** After an abort, nothing more is recorded or streamed: what is still running is cancelled. */
  stop(): void {
    this.stopped = true
  }

  onTestModuleStart(module: TestModule): void {
    if (!this.accepts(module)) return
    this.emit({ type: 'file-started', file: module.moduleId, project: module.project.name })
  }

  onTestCaseResult(test: TestCase): void {
    if (!this.accepts(test.module)) return
    this.emit({
      type: 'test-finished',
      file: test.module.moduleId,
      project: test.project.name,
      test: this.testResult(test),
    })
  }

  onTestModuleEnd(module: TestModule): void {
    if (!this.accepts(module)) return
    const result = this.fileResult(module)
    this.finished.set(module.id, result)
    this.emit({ type: 'file-finished', file: result })
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    if (this.stopped || log.taskId === undefined) return
    const entity = this.lookup(log.taskId)
    // Logs of a suite (its beforeAll) belong to the file: keep them under the module's id.
    const owner =
      entity === undefined
        ? log.taskId
        : entity.type === 'test'
          ? entity.id
          : (entity.module?.id ?? entity.id)
    let entries = this.consoleByTask.get(owner)
    if (!entries) {
      entries = []
      this.consoleByTask.set(owner, entries)
    }
    entries.push({ stream: log.type, text: log.content, time: log.time })
  }

  /**
   * The finished files with the run's unhandled errors added: one traced to a finished file fails
   * that file (Vitest fails the run for it); the others are returned for the run as a whole.
   */
  settle(unhandledErrors: readonly unknown[]): { files: FileResult[]; errors: TestErrorInfo[] } {
    const files = [...this.finished.values()]
    const errors: TestErrorInfo[] = []
    for (const error of unhandledErrors) {
      const path = unhandledErrorFile(error)
      const index = path === undefined ? -1 : files.findIndex((f) => f.file === path)
      const file = files[index]
      if (file === undefined) {
        errors.push(toErrorInfo(error))
        continue
      }
      const fileErrors = [...file.errors, toErrorInfo(error, file.file)]
      files[index] = { ...file, errors: fileErrors, state: 'failed' }
    }
    return { files, errors }
  }

  private accepts(module: TestModule): boolean {
    return !this.stopped && this.wanted.has(module.moduleId)
  }

  private emit(event: RunEvent): void {
    if (!this.onEvent || this.listenerError !== undefined) return
    try {
      this.onEvent(event)
    } catch (error) {
      this.listenerError = error
    }
  }

  private consoleOf(taskId: string): ConsoleEntry[] {
    // The same array the collector keeps appending to: a log that arrives after its test's result
    // (Vitest batches them) still lands in the result returned at the end of the run.
    let entries = this.consoleByTask.get(taskId)
    if (!entries) {
      entries = []
      this.consoleByTask.set(taskId, entries)
    }
    return entries
  }

  private testResult(test: TestCase): TestResult {
    const result = test.result()
    return {
      name: test.fullName,
      state: toTestState(result.state),
      durationMs: test.diagnostic()?.duration ?? 0,
      errors: (result.errors ?? []).map((error) => toErrorInfo(error, test.module.moduleId)),
      console: this.consoleOf(test.id),
    }
  }

  private fileResult(module: TestModule): FileResult {
    const file = module.moduleId
    const errors = module.errors().map((error) => toErrorInfo(error, file))
    for (const suite of module.children.allSuites()) {
      for (const error of suite.errors()) errors.push(toErrorInfo(error, file, suite.fullName))
    }
    return {
      file,
      project: module.project.name,
      state: fileState(module.state(), errors.length),
      durationMs: module.diagnostic().duration,
      errors,
      tests: [...module.children.allTests()].map((test) => this.testResult(test)),
      console: this.consoleOf(module.id),
    }
  }
}
