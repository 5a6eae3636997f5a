import { describe, expect, it } from 'vitest'
import { computeLayout } from './layout.js'
import {
  countRestarts,
  selectListedFiles,
  selectMatchingFiles,
  selectMoving,
  selectTimeSaved,
  selectWindow,
} from './selectors.js'
import {
  abs,
  bringUp,
  completeRun,
  createScenarioStore,
  FILES,
  fileOutcome,
  passedTest,
  T0,
} from './testing/scenarios.js'

describe("the terminal UI's selectors", () => {
  it('count what the selection saved against the whole suite, from the timing history', () => {
    const store = createScenarioStore()
    store.dispatch({
      type: 'tests/timings',
      at: T0,
      expected: Object.fromEntries(FILES.map((path, index) => [path, (index + 1) * 1000])),
    })
    completeRun(store, [fileOutcome(FILES[0], [passedTest('adds')])], {
      reasons: { [abs(FILES[0])]: [{ kind: 'all' }] },
    })
    // 1 + 2 + 3 + 4 s for the suite, 1 s for the run.
    expect(selectTimeSaved(store.getState())).toEqual({
      savedMs: 9000,
      suiteMs: 10_000,
      runMs: 1000,
      untimed: 0,
    })
  })

  it('save nothing for a run of every file, or without a history', () => {
    const store = createScenarioStore()
    completeRun(store, [fileOutcome(FILES[0], [passedTest('adds')])])
    expect(selectTimeSaved(store.getState())).toBeNull()
    completeRun(
      store,
      FILES.map((path) => fileOutcome(path, [passedTest('x')])),
    )
    expect(selectTimeSaved(store.getState())).toBeNull()
  })

  it('count a restart each time a service is asked to restart, its dependents included', () => {
    const store = createScenarioStore()
    bringUp(store)
    let counts: ReadonlyMap<string, number> = new Map()
    const off = store.subscribe((state, previous) => {
      counts = countRestarts(previous, state, counts as never)
    })
    store.dispatch({ type: 'service/restart-requested', at: T0 + 1, keys: ['backend/db'] })
    expect(Object.fromEntries(counts)).toEqual({ 'backend/db': 1, 'backend/migrate': 1, 'backend/api': 1 })
    // Still restarting: not counted again.
    store.dispatch({ type: 'service/restart-requested', at: T0 + 2, keys: ['backend/db'] })
    expect(counts.get('backend/db')).toBe(1)
    off()
  })

  it('move while a service starts or a run runs, and rest otherwise', () => {
    const store = createScenarioStore()
    expect(selectMoving(store.getState())).toBe(false)
    store.dispatch({ type: 'service/starting', at: T0, key: 'backend/db' })
    expect(selectMoving(store.getState())).toBe(true)
    bringUp(store)
    expect(selectMoving(store.getState())).toBe(false)
    completeRun(store, [fileOutcome(FILES[0], [passedTest('adds')])], { finish: false })
    expect(selectMoving(store.getState())).toBe(true)
    store.dispatch({ type: 'run/finished', at: T0 + 90_000, id: 1, cancelled: false })
    expect(selectMoving(store.getState())).toBe(false)
  })

  it('list the run in path order, or every file before the first run, narrowed by the filter', () => {
    const store = createScenarioStore()
    expect(selectListedFiles(store.getState(), null).map((file) => file.path)).toEqual([...FILES].sort())
    expect(
      selectListedFiles(store.getState(), { kind: 'path', text: 'API/' }).map((file) => file.path),
    ).toEqual(['tests/api/customers.test.ts', 'tests/api/invoices.test.ts'])
    completeRun(store, [fileOutcome(FILES[2], [passedTest('lists the invoices')])])
    expect(selectListedFiles(store.getState(), null).map((file) => file.path)).toEqual([FILES[2]])
    expect(
      selectMatchingFiles(store.getState(), { kind: 'test', text: 'invoices' }).map((f) => f.path),
    ).toEqual([FILES[2]])
  })

  it('render a window of a long list around the selection', () => {
    expect(selectWindow(500, 0, 10)).toEqual({ start: 0, end: 10 })
    expect(selectWindow(500, 250, 10)).toEqual({ start: 245, end: 255 })
    expect(selectWindow(500, 499, 10)).toEqual({ start: 490, end: 500 })
    expect(selectWindow(3, 2, 10)).toEqual({ start: 0, end: 3 })
    expect(selectWindow(3, 2, 0)).toEqual({ start: 0, end: 0 })
  })
})

describe('the layout', () => {
  it('stacks the panes on 80×24 and leaves the last row free', () => {
    expect(computeLayout(80, 24, { serviceRows: 6, fileRows: 10 })).toEqual({
      columns: 80,
      height: 23,
      services: 7,
      files: 6,
      detail: 7,
      wide: false,
      filesWidth: 80,
      detailWidth: 80,
    })
  })

  it('puts the files and the detail side by side on a wide terminal', () => {
    const layout = computeLayout(200, 50, { serviceRows: 4, fileRows: 100 })
    expect(layout.wide).toBe(true)
    expect(layout.filesWidth + 1 + layout.detailWidth).toBe(200)
    expect(layout.services + layout.files + 3).toBe(49)
  })
})
