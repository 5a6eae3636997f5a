import type { HearthState } from '../../store/state.js'
import type { RunCounts, TestFileState } from './state.js'

/** The files of the current (or last) run, in path order. */
export function selectRunFiles(state: HearthState): TestFileState[] {
  const run = state.tests.run
  if (run === null) return []
  return run.files
    .map((file) => state.tests.files[file])
    .filter((file): file is TestFileState => file !== undefined)
    .sort((a, b) => a.path.localeCompare(b.path))
}

/** Passed, failed, skipped and flaky files of the current (or last) run (derived, never stored). */
export function selectRunCounts(state: HearthState): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0, flaky: 0 }
  for (const file of selectRunFiles(state)) {
    if (file.status === 'passed') counts.passed++
    if (file.status === 'failed') counts.failed++
    if (file.status === 'skipped') counts.skipped++
    if (file.flaky) counts.flaky++
  }
  return counts
}

/** True when a test failed in the last run (after retries), the run had unhandled errors, or its packages did not build. */
export function selectTestsFailed(state: HearthState): boolean {
  const run = state.tests.run
  if (run === null) return false
  if (run.blockedBy?.kind === 'build' || run.errors.length > 0) return true
  return selectRunFiles(state).some((file) => file.status === 'failed')
}

/** Test cases of the run, counted: how many tests (not files) passed and failed. */
export function selectTestCaseCounts(state: HearthState): {
  passed: number
  failed: number
  skipped: number
} {
  const counts = { passed: 0, failed: 0, skipped: 0 }
  for (const file of selectRunFiles(state)) {
    for (const test of file.tests) counts[test.state]++
  }
  return counts
}
