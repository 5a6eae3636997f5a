import type { HearthState } from '../../store/state.js'
import type { TestsAction } from './actions.js'
import type { PackageBuildState, RunState, SelectionReason, TestFileState, TestsState } from './state.js'

export function testsReducer(state: HearthState, action: TestsAction): HearthState {
  const tests = reduceTests(state.tests, action)
  return tests === state.tests ? state : { ...state, tests }
}

function reduceTests(tests: TestsState, action: TestsAction): TestsState {
  switch (action.type) {
    case 'watch/changed':
      return { ...tests, lastChange: { at: action.at, paths: action.paths } }
    case 'tests/discovered': {
      const files: Record<string, TestFileState> = {}
      for (const { file, path, group, environment } of action.files) {
        const known = tests.files[file]
        files[file] =
          known === undefined
            ? idleFile(file, path, group, environment)
            : { ...known, path, group, environment }
      }
      return { ...tests, files }
    }
    case 'tests/timings': {
      const files: Record<string, TestFileState> = {}
      for (const [file, entry] of Object.entries(tests.files))
        files[file] = { ...entry, expectedMs: action.expected[entry.path] ?? null }
      return { ...tests, files }
    }
    case 'run/requested': {
      const merged: Record<string, readonly SelectionReason[]> = { ...(tests.pending?.files ?? {}) }
      for (const [file, reasons] of Object.entries(action.files)) {
        merged[file] = dedupe([...(merged[file] ?? []), ...reasons])
      }
      const trigger = tests.pending === null ? action.trigger : widest(tests.pending.trigger, action.trigger)
      return {
        ...tests,
        pending: { trigger, requestedAt: tests.pending?.requestedAt ?? action.at, files: merged },
      }
    }
    case 'run/started': {
      const pending = tests.pending
      if (pending === null) return tests
      const files = { ...tests.files }
      for (const [file, reasons] of Object.entries(pending.files)) {
        const known = files[file] ?? idleFile(file, file, null, null)
        files[file] = { ...known, status: 'queued', reasons, attempts: 0, flaky: false }
      }
      return {
        ...tests,
        files,
        pending: null,
        run: {
          id: action.id,
          trigger: pending.trigger,
          files: Object.keys(pending.files).sort(),
          phase: 'waiting',
          requestedAt: pending.requestedAt,
          startedAt: action.at,
          finishedAt: null,
          attempt: 1,
          blockedBy: null,
          errors: [],
          builds: [],
          buildsSkipped: false,
        },
      }
    }
    case 'run/phase':
      return updateRun(tests, action.id, { phase: action.phase })
    case 'build/planned':
      return updateRun(tests, action.id, {
        buildsSkipped: action.skipped,
        builds: action.packages.map(({ name, dir, reason, outputs }) => ({
          outputs,
          name,
          dir,
          reason,
          status: action.skipped ? 'skipped' : 'queued',
          command: null,
          durationMs: null,
          output: null,
        })),
      })
    case 'build/started':
      return updateBuild(tests, action.id, action.name, { status: 'building', command: action.command })
    case 'build/finished':
      return updateBuild(tests, action.id, action.name, {
        status: action.ok ? 'built' : 'failed',
        durationMs: action.durationMs,
        output: action.ok ? null : action.output,
      })
    case 'run/retrying': {
      const next = updateRun(tests, action.id, { attempt: action.attempt, phase: 'running' })
      return updateFiles(next, action.files, (file) => ({
        ...file,
        status: 'queued',
        reasons: [...file.reasons, { kind: 'retry', attempt: action.attempt }],
      }))
    }
    case 'run/errors':
      return updateRun(tests, action.id, { errors: [...(tests.run?.errors ?? []), ...action.errors] })
    case 'run/file-started':
      if (tests.run?.id !== action.id) return tests
      return updateFiles(tests, [action.file], (file) => ({
        ...file,
        status: 'running',
        attempts: file.attempts + 1,
        tests: [],
        errors: [],
        console: [],
      }))
    case 'run/test-finished':
      if (tests.run?.id !== action.id) return tests
      // A test's result that arrives after its file's (the runner's messages may cross on a loaded
      // machine) is in the file's outcome already: counting it again would add a test.
      return updateFiles(tests, [action.file], (file) =>
        file.status === 'running' ? { ...file, tests: [...file.tests, action.test] } : file,
      )
    case 'run/file-finished': {
      // A late result of an earlier run must not land on this run's files.
      if (tests.run?.id !== action.id) return tests
      const { outcome } = action
      return updateFiles(tests, [outcome.file], (file) => ({
        ...file,
        status: outcome.state,
        durationMs: outcome.durationMs,
        tests: outcome.tests,
        errors: outcome.errors,
        console: outcome.console ?? [],
        flaky: outcome.state === 'passed' && file.attempts > 1,
      }))
    }
    case 'run/blocked':
      return updateRun(tests, action.id, { blockedBy: action.block })
    case 'run/finished': {
      const run = tests.run
      if (run === null || run.id !== action.id) return tests
      const finished = updateRun(tests, action.id, {
        phase: action.cancelled ? 'cancelled' : 'finished',
        finishedAt: action.at,
      })
      const cut = finished.run?.builds.some(
        (build) => build.status === 'queued' || build.status === 'building',
      )
      const withBuilds =
        cut === true && finished.run !== null
          ? {
              ...finished,
              run: {
                ...finished.run,
                builds: finished.run.builds.map((build) =>
                  build.status === 'queued' || build.status === 'building'
                    ? { ...build, status: 'cancelled' as const }
                    : build,
                ),
              },
            }
          : finished
      const unfinished = run.files.filter((file) => {
        const status = finished.files[file]?.status
        return status === 'queued' || status === 'running'
      })
      return {
        ...updateFiles(withBuilds, unfinished, (file) => ({ ...file, status: 'cancelled' })),
        finishedRuns: tests.finishedRuns + 1,
      }
    }
  }
}

function idleFile(
  file: string,
  path: string,
  group: string | null,
  environment: string | null,
): TestFileState {
  return {
    file,
    path,
    group,
    environment,
    status: 'idle',
    durationMs: null,
    tests: [],
    errors: [],
    console: [],
    expectedMs: null,
    reasons: [],
    attempts: 0,
    flaky: false,
  }
}

function updateRun(
  tests: TestsState,
  id: number,
  patch: Partial<NonNullable<TestsState['run']>>,
): TestsState {
  if (tests.run === null || tests.run.id !== id) return tests
  return { ...tests, run: { ...tests.run, ...patch } }
}

function updateBuild(
  tests: TestsState,
  id: number,
  name: string,
  patch: Partial<PackageBuildState>,
): TestsState {
  const run = tests.run
  if (run === null || run.id !== id) return tests
  return {
    ...tests,
    run: {
      ...run,
      builds: run.builds.map((build) => (build.name === name ? { ...build, ...patch } : build)),
    },
  }
}

function updateFiles(
  tests: TestsState,
  files: readonly string[],
  update: (file: TestFileState) => TestFileState,
): TestsState {
  let changed = false
  const next = { ...tests.files }
  for (const file of files) {
    const known = next[file]
    if (known === undefined) continue
    next[file] = update(known)
    changed = true
  }
  return changed ? { ...tests, files: next } : tests
}

/** A change set widens: a run of everything stays a run of everything. */
function widest(a: RunState['trigger'], b: RunState['trigger']): RunState['trigger'] {
  const order: readonly RunState['trigger'][] = ['change', 'since', 'all']
  return order.indexOf(a) >= order.indexOf(b) ? a : b
}

function dedupe(reasons: readonly SelectionReason[]): SelectionReason[] {
  const seen = new Set<string>()
  return reasons.filter((reason) => {
    const key = JSON.stringify(reason)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
