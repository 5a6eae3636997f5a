import type { ConsoleEntry, TestCaseOutcome, TestErrorInfo, TestState } from './test-runner.js'

/** Why a test file runs. Paths are relative to the project root. */
export type SelectionReason =
  /** It reaches the changed file through imports: `chain` runs from the test to the changed file. */
  | { kind: 'import'; changed: string; chain: readonly string[]; viaBuildOutput: string | null }
  /** A declared trigger matched: a test group's, a service's (watch globs, definition) or a global one. */
  | {
      kind: 'rule'
      rule: 'group' | 'service' | 'config' | 'global'
      name: string
      glob: string
      changed: string
    }
  /** Every test runs: the first run, or a run without a change set (`hearth ci` without --since). */
  | { kind: 'all' }
  /** A service of its environment was restarted, so its tests run again. */
  | { kind: 'restarted'; service: string }
  /** It failed and runs again (`--retry`). */
  | { kind: 'retry'; attempt: number }

export type TestFileStatus = 'idle' | 'queued' | 'running' | TestState | 'cancelled'

export interface TestFileState {
  /** Absolute path. */
  file: string
  /** Relative to the project root, for views. */
  path: string
  /** The test group of the config it belongs to, if any. */
  group: string | null
  /** The environment its group needs, if any. */
  environment: string | null
  status: TestFileStatus
  durationMs: number | null
  tests: readonly TestCaseOutcome[]
  errors: readonly TestErrorInfo[]
  /** Console output of the file outside its tests (each test keeps its own). */
  console: readonly ConsoleEntry[]
  /** How long it is expected to take, from the timing history (null: never timed). */
  expectedMs: number | null
  /** Why it was selected for the current (or last) run. */
  reasons: readonly SelectionReason[]
  /** Runs of it in the current (or last) run: more than 1 after retries. */
  attempts: number
  /** It failed, then passed on a retry, in the last run. */
  flaky: boolean
}

export type RunPhase = 'waiting' | 'resetting' | 'building' | 'running' | 'finished' | 'cancelled'

/** Why a package is rebuilt before a run: its build output is missing, or older than its sources. */
export type BuildReason =
  | { kind: 'missing'; output: string }
  | { kind: 'stale'; output: string; newer: string }

export type BuildStatus = 'queued' | 'building' | 'built' | 'failed' | 'skipped' | 'cancelled'

/**
 * A workspace package the run's tests use through its build output (`exports` → `dist/…`), rebuilt
 * with its own `build` script before they run. Paths are relative to the project root.
 */
export interface PackageBuildState {
  name: string
  dir: string
  reason: BuildReason
  /** The build output files the tests import (relative): their folders are what the build rewrites. */
  outputs: readonly string[]
  status: BuildStatus
  /** The command that builds it (`pnpm run build`), once known. */
  command: string | null
  durationMs: number | null
  /** The tail of its output, when it failed. */
  output: string | null
}

export interface RunCounts {
  passed: number
  failed: number
  skipped: number
  flaky: number
}

export interface RunState {
  id: number
  /** What asked for it. */
  trigger: 'all' | 'since' | 'change'
  files: readonly string[]
  phase: RunPhase
  requestedAt: number
  startedAt: number | null
  finishedAt: number | null
  /** 1 for the first pass, 2+ for retries of failed files. */
  attempt: number
  /** Why the run could not happen, if so. */
  blockedBy: RunBlock | null
  /** Errors of the run no file could be blamed for; any fails it. */
  errors: readonly TestErrorInfo[]
  /** Packages rebuilt (or, with builds off, left stale) before its tests, in build order. */
  builds: readonly PackageBuildState[]
  /** Builds were asked to be skipped (`--no-build`): results may reflect stale build output. */
  buildsSkipped: boolean
}

/** What kept a run from running its tests. */
export type RunBlock =
  /** An environment its tests need could not be made ready (its services say why). */
  | { kind: 'environment'; name: string }
  /** A package linked through its build output did not build: the edit does not compile. */
  | { kind: 'build'; name: string; output: string }

export interface TestsState {
  files: Readonly<Record<string, TestFileState>>
  /** The current run, or the last one. */
  run: RunState | null
  /** The next run, asked for while one is under way: its files and why, merged. */
  pending: {
    trigger: RunState['trigger']
    requestedAt: number
    files: Readonly<Record<string, readonly SelectionReason[]>>
  } | null
  /** Runs finished in this session. */
  finishedRuns: number
  /** The last batch of changed files the watch loop saw (relative paths). */
  lastChange: { at: number; paths: readonly string[] } | null
}

export function initialTestsState(): TestsState {
  return { files: {}, run: null, pending: null, finishedRuns: 0, lastChange: null }
}
