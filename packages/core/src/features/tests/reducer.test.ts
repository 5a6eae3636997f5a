import { describe, expect, it } from 'vitest'
import type { Action } from '../../store/actions.js'
import { reduce } from '../../store/reducer.js'
import { configOf } from '../../testing/fixtures.js'
import { loadedState } from '../../testing/states.js'
import { selectTestCaseCounts } from './selectors.js'
import type { TestCaseOutcome } from './test-runner.js'

/** The tests' part of the reducer: results that arrive out of order on a loaded machine. */
const FILE = '/project/src/a.test.ts'
const passed = (name: string): TestCaseOutcome => ({ name, state: 'passed', durationMs: 1, errors: [] })

function running() {
  const actions: Action[] = [
    {
      type: 'tests/discovered',
      at: 1,
      files: [{ file: FILE, path: 'src/a.test.ts', group: 'unit', environment: null }],
    },
    { type: 'run/requested', at: 2, trigger: 'all', files: { [FILE]: [{ kind: 'all' }] } },
    { type: 'run/started', at: 3, id: 1 },
    { type: 'run/file-started', at: 4, id: 1, file: FILE },
  ]
  return actions.reduce(reduce, loadedState(configOf()))
}

describe('test results', () => {
  it("counts each test once when a test's result arrives after its file's", () => {
    let state = running()
    state = reduce(state, { type: 'run/test-finished', at: 5, id: 1, file: FILE, test: passed('one') })
    state = reduce(state, {
      type: 'run/file-finished',
      at: 6,
      id: 1,
      outcome: {
        file: FILE,
        state: 'passed',
        durationMs: 2,
        errors: [],
        tests: [passed('one'), passed('two')],
      },
    })
    // Late: already in the file's outcome.
    state = reduce(state, { type: 'run/test-finished', at: 7, id: 1, file: FILE, test: passed('two') })
    expect(state.tests.files[FILE]?.tests.map((test) => test.name)).toEqual(['one', 'two'])
    expect(selectTestCaseCounts(state)).toEqual({ passed: 2, failed: 0, skipped: 0 })
  })

  it('collects the results of a running file as they come', () => {
    let state = running()
    state = reduce(state, { type: 'run/test-finished', at: 5, id: 1, file: FILE, test: passed('one') })
    state = reduce(state, { type: 'run/test-finished', at: 6, id: 1, file: FILE, test: passed('two') })
    expect(state.tests.files[FILE]?.tests.map((test) => test.name)).toEqual(['one', 'two'])
  })
})
