import { afterEach, describe, expect, it } from 'vitest'
import { pane } from '../testing/frames.js'
import { type RenderedTui, renderTui } from '../testing/render-tui.js'
import {
  abs,
  assertionError,
  bringUp,
  completeRun,
  createScenarioStore,
  FILES,
  failedTest,
  fileOutcome,
  importReason,
  passedTest,
  startRun,
  T0,
} from '../testing/scenarios.js'
import { SPINNER_FRAMES } from './Styled.js'

let tui: RenderedTui | null = null
afterEach(() => {
  tui?.unmount()
  tui = null
})

const timings = (store: ReturnType<typeof createScenarioStore>): void => {
  store.dispatch({
    type: 'tests/timings',
    at: T0,
    expected: Object.fromEntries(FILES.map((path, index) => [path, (index + 1) * 1000])),
  })
}

describe('the files pane', { timeout: 30_000 }, () => {
  it('lists every test file before the first run', async () => {
    tui = renderTui({ columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('test files'))
    expect(pane(frame, 'files')).toMatchInlineSnapshot(`
      [
        " test files  4 files · none run yet (a runs them all)",
        "›  packages/billing/src/invoice.test.ts",
        "   packages/billing/src/money.test.ts",
        "   tests/api/customers.test.ts",
        "   tests/api/invoices.test.ts",
      ]
    `)
  })

  it('shows queued files with their expected time, and a spinner on the running one', async () => {
    const store = createScenarioStore()
    timings(store)
    bringUp(store)
    const id = startRun(store, {
      [abs(FILES[0])]: [importReason(FILES[0], 'packages/billing/src/money.ts')],
      [abs(FILES[2])]: [importReason(FILES[2], 'packages/billing/src/money.ts', ['apps/api/src/server.ts'])],
    })
    store.dispatch({ type: 'run/file-started', at: T0 + 60_000, id, file: abs(FILES[0]) })
    tui = renderTui({ store, columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('run 1'))
    const [title, running, queued] = pane(frame, 'files')
    expect(title).toBe(' run 1  affected · ✓ 0 · saved ~6.00 s vs whole suite')
    expect(SPINNER_FRAMES.some((spinner) => running?.startsWith(`›${spinner} `))).toBe(true)
    expect(running).toMatch(/packages\/billing\/src\/invoice\.test\.ts +~1\.00 s imports pac…src\/money\.ts$/)
    expect(queued).toMatch(/^ · tests\/api\/invoices\.test\.ts +~3\.00 s reaches pac…src\/money\.ts$/)
    expect(frame.split('\n')[0]).toBe('hearth dev · shop · run 1: running 0/2')
  })

  it('shows results: passed and failed files with durations and counts', async () => {
    const store = createScenarioStore()
    bringUp(store)
    completeRun(store, [
      fileOutcome(FILES[0], [passedTest('adds'), failedTest('rounds', assertionError(FILES[0], 3))], 1234),
      fileOutcome(FILES[1], [passedTest('converts')], 87),
      fileOutcome(FILES[2], [], 5),
    ])
    tui = renderTui({ store, columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('run 1'))
    expect(pane(frame, 'files')).toMatchInlineSnapshot(`
      [
        " run 1  all · ✓ 1 ✗ 1 - 1 · 3.00 s",
        "›✗ packages/billing/src/invoice.test.ts        1.23 s all",
        " ✓ packages/billing/src/money.test.ts           87 ms all",
        " - tests/api/invoices.test.ts                    5 ms all",
      ]
    `)
    expect(frame.split('\n')[0]).toBe('hearth dev · shop · ✗ run 1: 1 failed, 1 passed')
  })

  it('marks a file that passed on a retry as flaky', async () => {
    const store = createScenarioStore()
    bringUp(store)
    const id = startRun(store, { [abs(FILES[1])]: [{ kind: 'all' }] })
    const failing = fileOutcome(FILES[1], [failedTest('converts', assertionError(FILES[1], 2))])
    store.dispatch({ type: 'run/file-started', at: T0 + 60_000, id, file: abs(FILES[1]) })
    store.dispatch({ type: 'run/file-finished', at: T0 + 61_000, id, outcome: failing })
    store.dispatch({ type: 'run/retrying', at: T0 + 61_000, id, attempt: 2, files: [abs(FILES[1])] })
    store.dispatch({ type: 'run/file-started', at: T0 + 61_000, id, file: abs(FILES[1]) })
    store.dispatch({
      type: 'run/file-finished',
      at: T0 + 62_000,
      id,
      outcome: fileOutcome(FILES[1], [passedTest('converts')]),
    })
    store.dispatch({ type: 'run/finished', at: T0 + 62_000, id, cancelled: false })
    tui = renderTui({ store, columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('flaky'))
    expect(pane(frame, 'files').slice(0, 2)).toMatchInlineSnapshot(`
      [
        " run 1  affected · ✓ 1 · 1 flaky · 2.00 s",
        "›✓ packages/billing/src/money.test.ts          1.23 s flaky retry 2",
      ]
    `)
    expect(pane(frame, 'detail')[1]).toBe('✓ 1 test passed · 1.23 s')
    expect(pane(frame, 'detail')[2]).toBe('flaky: it failed, then passed on a retry (2 attempts)')
  })

  it('says why a run is blocked', async () => {
    const store = createScenarioStore()
    const id = startRun(store, { [abs(FILES[2])]: [{ kind: 'all' }] })
    store.dispatch({
      type: 'run/blocked',
      at: T0 + 61_000,
      id,
      block: { kind: 'environment', name: 'backend' },
    })
    store.dispatch({ type: 'run/finished', at: T0 + 61_000, id, cancelled: false })
    tui = renderTui({ store, columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('blocked'))
    expect(frame.split('\n')[0]).toBe('hearth dev · shop · run 1 blocked: backend not ready')
    expect(pane(frame, 'files')[1]).toMatch(/^›⊘ tests\/api\/invoices\.test\.ts/)
    expect(pane(frame, 'detail').slice(1, 3)).toEqual([
      '✗ run 1 cannot run: environment backend is not ready',
      '  its services say why (Tab to the services pane)',
    ])
  })

  it('cuts long paths from the middle at 80 columns', async () => {
    const long = 'packages/very-long-package-name/src/features/invoicing/rounding/half-even-rounding.test.ts'
    const store = createScenarioStore({ files: [long, FILES[0]] })
    completeRun(store, [
      fileOutcome(long, [passedTest('rounds half to even')], 42),
      fileOutcome(FILES[0], [passedTest('adds')], 7),
    ])
    tui = renderTui({ store, columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('run 1'))
    const rows = pane(frame, 'files')
    expect(rows).toMatchInlineSnapshot(`
      [
        " run 1  all · ✓ 2 · 3.00 s",
        "›✓ packages/billing/src/invoice.test.ts          7 ms all",
        " ✓ packages/very-long-p…ven-rounding.test.ts    42 ms all",
      ]
    `)
    expect(rows.every((row) => row.length <= 80)).toBe(true)
  })

  it('renders a 500-file run as the window that fits, and moves it with the selection', async () => {
    const paths = Array.from(
      { length: 500 },
      (_, index) => `tests/generated/file-${String(index).padStart(3, '0')}.test.ts`,
    )
    const store = createScenarioStore({ files: paths })
    completeRun(
      store,
      paths.map((path) => fileOutcome(path, [passedTest('works')], 10)),
    )
    tui = renderTui({ store, columns: 80, rows: 24 })
    let frame = await tui.waitForFrame((f) => f.includes('run 1'))
    // Only the window is rendered (the frame says so), not the 500 rows: no stopwatch needed, which
    // a busy machine would fool.
    let rows = pane(frame, 'files')
    expect(rows[0]).toBe(' run 1  all · ✓ 500 · 3.00 s · 1–6 of 500')
    expect(rows.filter((row) => row.includes('tests/generated/'))).toHaveLength(6)
    expect(frame.split('\n')).toHaveLength(23)

    await tui.press('G')
    frame = await tui.waitForFrame((f) => f.includes('495–500 of 500'))
    rows = pane(frame, 'files')
    expect(rows.at(-1)).toMatch(/^›✓ tests\/generated\/file-499\.test\.ts/)
    await tui.press('pageup')
    frame = await tui.waitForFrame((f) => f.includes('file-494.test.ts') && !f.includes('file-499'))
    expect(pane(frame, 'files').find((row) => row.startsWith('›'))).toMatch(/file-494/)
  })
})
