import type { LogEntry } from '@hearth/core'
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
  NOW,
  passedTest,
  T0,
} from '../testing/scenarios.js'

let tui: RenderedTui | null = null
afterEach(() => {
  tui?.unmount()
  tui = null
})

const SOURCE = [
  "import { expect, it } from 'vitest'",
  "import { total } from './invoice.js'",
  '',
  "it('rounds the total', () => {",
  '  const lines = [{ cents: 575 }, { cents: 575 }]',
  '  expect(total(lines)).toBe(1200)',
  '})',
].join('\n')

const logLines = (from: number, count: number): LogEntry[] =>
  Array.from({ length: count }, (_, index) => ({
    text: `line ${from + index}`,
    stream: (from + index) % 10 === 0 ? 'stderr' : 'stdout',
    at: T0,
  }))

describe('the detail pane', { timeout: 30_000 }, () => {
  it('shows the selected failure: why the file ran, the test, its message, diff, code and console', async () => {
    const store = createScenarioStore()
    bringUp(store)
    completeRun(
      store,
      [
        fileOutcome(FILES[0], [
          passedTest('adds the lines'),
          failedTest('rounds the total', assertionError(FILES[0], 6, 24), [
            { stream: 'stdout', text: 'lines: 2\n', time: T0 },
            { stream: 'stderr', text: 'warning: rounding half up\n', time: T0 },
          ]),
        ]),
      ],
      {
        reasons: {
          [abs(FILES[0])]: [
            importReason(FILES[0], 'packages/billing/src/money.ts', ['packages/billing/src/invoice.ts']),
          ],
        },
      },
    )
    tui = renderTui({ store, columns: 80, rows: 40, sources: { [abs(FILES[0])]: SOURCE } })
    const frame = await tui.waitForFrame((f) => f.includes('rounds the total'))
    expect(pane(frame, 'detail')).toMatchInlineSnapshot(`
      [
        " detail  packages/billing/src/invoice.test.ts",
        "✗ 1 of 2 tests failed · 1.23 s",
        "why: it imports packages/billing/src/money.ts via",
        "packages/billing/src/invoice.ts",
        "",
        "✗ rounds the total",
        "  AssertionError: expected 1150 to be 1200 // Object.is equality",
        "  - Expected",
        "  + Received",
        "",
        "  - 1200",
        "  + 1150",
        "  at packages/billing/src/invoice.test.ts:6:24",
        "    4 │ it('rounds the total', () => {",
        "    5 │   const lines = [{ cents: 575 }, { cents: 575 }]",
        "  > 6 │   expect(total(lines)).toBe(1200)",
        "      │                        ^",
        "    7 │ })",
        "  its console output:",
        "  │ lines: 2",
        "  │ warning: rounding half up",
        "",
        "✓ adds the lines  12 ms",
      ]
    `)
  })

  it('scrolls a long detail when focused', async () => {
    const store = createScenarioStore()
    const many = Array.from({ length: 40 }, (_, index) => passedTest(`case ${index}`))
    completeRun(store, [fileOutcome(FILES[1], [failedTest('breaks', assertionError(FILES[1], 1)), ...many])])
    tui = renderTui({ store, columns: 80, rows: 24 })
    let frame = await tui.waitForFrame((f) => f.includes('breaks'))
    const total = /1–\d+ of (\d+)/.exec(pane(frame, 'detail')[0] ?? '')?.[1]
    expect(Number(total)).toBeGreaterThan(40)
    await tui.press('tab')
    await tui.press('j')
    frame = await tui.waitForFrame((f) => pane(f, 'detail')[0]?.includes(' · 2–') === true)
    await tui.press('G')
    frame = await tui.waitForFrame((f) => pane(f, 'detail').at(-1) === '✓ case 39  12 ms')
    await tui.press('g')
    frame = await tui.waitForFrame((f) => pane(f, 'detail')[0]?.includes(' · 1–') === true)
    expect(pane(frame, 'detail')[1]).toBe('✗ 1 of 41 tests failed · 1.23 s')
  })

  it("follows a service's output, scrolls back without moving as lines arrive, and follows again with G", async () => {
    const store = createScenarioStore()
    bringUp(store)
    store.dispatch({ type: 'service/log', at: T0, key: 'backend/api', lines: logLines(1, 100) })
    tui = renderTui({ store, columns: 80, rows: 24 })
    await tui.waitForFrame((f) => f.includes('backend ready'))
    await tui.press('shift-tab')
    for (let step = 0; step < 3; step++) await tui.press('j')
    await tui.press('l')
    let frame = await tui.waitForFrame((f) => f.includes(' logs backend/api '))
    let logs = pane(frame, 'logs')
    expect(logs[0]).toBe(' logs backend/api  following · 100 lines')
    expect(logs.at(-1)).toBe('line 100')
    const shown = logs.length - 1

    // New lines: still following.
    store.dispatch({ type: 'service/log', at: NOW, key: 'backend/api', lines: logLines(101, 5) })
    frame = await tui.waitForFrame((f) => pane(f, 'logs').at(-1) === 'line 105')

    // Back one line: the view stays put while more arrive.
    await tui.press('k')
    frame = await tui.waitForFrame((f) => pane(f, 'logs')[0]?.includes('G follows') === true)
    logs = pane(frame, 'logs')
    expect(logs[0]).toBe(` logs backend/api  lines ${105 - shown}–104 of 105 · G follows`)
    expect(logs.at(-1)).toBe('line 104')
    store.dispatch({ type: 'service/log', at: NOW, key: 'backend/api', lines: logLines(106, 5) })
    frame = await tui.waitForFrame((f) => pane(f, 'logs')[0]?.includes('of 110') === true)
    expect(pane(frame, 'logs').at(-1)).toBe('line 104')

    await tui.press('pageup')
    frame = await tui.waitForFrame((f) => pane(f, 'logs').at(-1) !== 'line 104')
    expect(pane(frame, 'logs').at(-1)).toBe(`line ${104 - (shown - 1)}`)

    await tui.press('G')
    frame = await tui.waitForFrame((f) => pane(f, 'logs')[0]?.includes('following') === true)
    expect(pane(frame, 'logs').at(-1)).toBe('line 110')

    // Esc closes the logs: back to the service's detail.
    await tui.press('escape')
    frame = await tui.waitForFrame((f) => pane(f, 'detail')[0]?.startsWith(' detail  backend/api') === true)
  })

  it('says when a service printed nothing yet', async () => {
    const store = createScenarioStore()
    bringUp(store)
    tui = renderTui({
      store,
      columns: 80,
      rows: 24,
      initialView: { service: 'backend/db', logs: 'backend/db', focus: 'detail' },
    })
    const frame = await tui.waitForFrame((f) => f.includes(' logs backend/db '))
    expect(pane(frame, 'logs')).toEqual([' logs backend/db  no output yet'])
  })
})
