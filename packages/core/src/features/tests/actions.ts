import type { BuildReason, RunBlock, RunState, SelectionReason } from './state.js'
import type { TestCaseOutcome, TestErrorInfo, TestFileOutcome } from './test-runner.js'

export type TestsAction =
  /** Files changed while watching (relative paths), batched. */
  | { type: 'watch/changed'; at: number; paths: readonly string[] }
  /** The project's test files, each with its group and environment. */
  | {
      type: 'tests/discovered'
      at: number
      files: ReadonlyArray<{ file: string; path: string; group: string | null; environment: string | null }>
    }
  /** How long each test file took before (relative paths), from the timing history. */
  | { type: 'tests/timings'; at: number; expected: Readonly<Record<string, number>> }
  /** Run these files, for these reasons. Merged into the pending run while one is under way. */
  | {
      type: 'run/requested'
      at: number
      trigger: RunState['trigger']
      files: Readonly<Record<string, readonly SelectionReason[]>>
    }
  /** The pending run starts (its environments are wanted now). */
  | { type: 'run/started'; at: number; id: number }
  | { type: 'run/phase'; at: number; id: number; phase: 'resetting' | 'building' | 'running' }
  /**
   * The packages this run's tests use through build output that must be rebuilt first, in build
   * order; `skipped` when builds are off (`--no-build`).
   */
  | {
      type: 'build/planned'
      at: number
      id: number
      packages: ReadonlyArray<{ name: string; dir: string; reason: BuildReason; outputs: readonly string[] }>
      skipped: boolean
    }
  | { type: 'build/started'; at: number; id: number; name: string; command: string }
  | {
      type: 'build/finished'
      at: number
      id: number
      name: string
      ok: boolean
      durationMs: number
      /** The tail of the build's output (kept when it failed). */
      output: string
    }
  /** Failed files run again (`--retry`). */
  | { type: 'run/retrying'; at: number; id: number; attempt: number; files: readonly string[] }
  | { type: 'run/file-started'; at: number; id: number; file: string }
  | { type: 'run/test-finished'; at: number; id: number; file: string; test: TestCaseOutcome }
  | { type: 'run/file-finished'; at: number; id: number; outcome: TestFileOutcome }
  /** Errors of the run that no test file could be blamed for (an unhandled rejection): it failed. */
  | { type: 'run/errors'; at: number; id: number; errors: readonly TestErrorInfo[] }
  /** The run could not happen: an environment it needs failed, or a package did not build. */
  | { type: 'run/blocked'; at: number; id: number; block: RunBlock }
  | { type: 'run/finished'; at: number; id: number; cancelled: boolean }

/** Every tests action type: a record, so that a new action cannot be left out of it. */
const TESTS_ACTION_TYPES: Record<TestsAction['type'], true> = {
  'watch/changed': true,
  'tests/discovered': true,
  'tests/timings': true,
  'run/requested': true,
  'run/started': true,
  'run/phase': true,
  'build/planned': true,
  'build/started': true,
  'build/finished': true,
  'run/retrying': true,
  'run/file-started': true,
  'run/test-finished': true,
  'run/file-finished': true,
  'run/errors': true,
  'run/blocked': true,
  'run/finished': true,
}

/** Whether an action belongs to test runs (for the reducer and the views that route on it). */
export function isTestsAction(action: { type: string }): action is TestsAction {
  return Object.hasOwn(TESTS_ACTION_TYPES, action.type)
}
