import type { Action } from '@hearth/core'
import { afterEach, describe, expect, it } from 'vitest'
import { pane, statusLine, trimmed } from '../testing/frames.js'
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

/** The store after a run of three files (one failed) against a ready environment, watched. */
function afterARun() {
  const store = createScenarioStore()
  store.dispatch({ type: 'watch/starting', at: T0, root: '/work/shop', ignored: [] })
  store.dispatch({ type: 'watch/ready', at: T0 })
  bringUp(store)
  completeRun(
    store,
    [
      fileOutcome(FILES[0], [passedTest('adds'), failedTest('rounds', assertionError(FILES[0], 3))]),
      fileOutcome(FILES[1], [passedTest('converts')], 80),
      fileOutcome(FILES[2], [passedTest('lists the invoices'), passedTest('pays an invoice')], 900),
    ],
    {
      reasons: {
        [abs(FILES[0])]: [importReason(FILES[0], 'packages/billing/src/money.ts')],
        [abs(FILES[1])]: [importReason(FILES[1], 'packages/billing/src/money.ts')],
        [abs(FILES[2])]: [{ kind: 'restarted', service: 'backend/api' }],
      },
    },
  )
  return store
}

/** The actions the keys dispatched (what a test seeds itself is dispatched before rendering). */
const keyed = (actions: readonly Action[]): Action[] =>
  actions.filter(
    (action) => !action.type.startsWith('service/') || action.type === 'service/restart-requested',
  )

describe('the terminal UI', { timeout: 30_000 }, () => {
  it('fits a whole session on 80×24', async () => {
    tui = renderTui({ store: afterARun(), columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('run 1'))
    expect(trimmed(frame)).toMatchInlineSnapshot(`
      "hearth dev · shop · watching · ✗ run 1: 1 failed, 2 passed
       services  backend ready
       ✓ cache   ready 450 ms  process   127.0.0.1:41000                   up 4m
       ✓ db      ready 450 ms  process   postgres://127.0.0.1:41001/shop   up 4m
       ✓ migrate done 450 ms   process
       ✓ api     ready 450 ms  process   http://127.0.0.1:41003            up 4m
       run 1  affected · ✓ 2 ✗ 1 · 3.00 s
      ›✗ packages/billing/src/invoice.test.ts        1.23 s imports pac…src/money.ts
       ✓ packages/billing/src/money.test.ts           80 ms imports pac…src/money.ts
       ✓ tests/api/invoices.test.ts                  900 ms backend/api restarted
       detail  packages/billing/src/invoice.test.ts · 1–10 of 13
      ✗ 1 of 2 tests failed · 1.23 s
      why: it imports packages/billing/src/money.ts

      ✗ rounds
        AssertionError: expected 1150 to be 1200 // Object.is equality
        - Expected
        + Received

        - 1200
        + 1150

      watching /work/shop │ ⏎ rerun  a all  f failed  p/t filter  h help  q quit"
    `)
    expect(frame.split('\n').every((line) => line.length <= 80)).toBe(true)
  })

  it('lays the files and the detail side by side on a wide terminal, and follows resizes', async () => {
    tui = renderTui({ store: afterARun(), columns: 80, rows: 24 })
    await tui.waitForFrame((f) => f.includes('run 1'))
    tui.resize(160, 30)
    let frame = await tui.waitForFrame((f) => f.split('\n').length === 29)
    const row = frame.split('\n').find((line) => line.includes(' run 1 '))
    expect(row).toMatch(/ run 1 .* detail {2}packages\/billing\/src\/invoice\.test\.ts/)
    tui.resize(60, 20)
    frame = await tui.waitForFrame((f) => f.split('\n').length === 19)
    expect(frame.split('\n').every((line) => line.length <= 60)).toBe(true)
  })

  describe('keys that run tests', () => {
    it("Enter reruns the last run's files, for their reasons", async () => {
      tui = renderTui({ store: afterARun() })
      await tui.waitForFrame((f) => f.includes('run 1'))
      await tui.press('enter')
      expect(keyed(tui.actions)).toEqual([
        {
          type: 'run/requested',
          at: NOW,
          trigger: 'change',
          files: {
            [abs(FILES[0])]: [importReason(FILES[0], 'packages/billing/src/money.ts')],
            [abs(FILES[1])]: [importReason(FILES[1], 'packages/billing/src/money.ts')],
            [abs(FILES[2])]: [{ kind: 'restarted', service: 'backend/api' }],
          },
        },
      ])
      expect(statusLine(await tui.waitForFrame((f) => f.includes('rerunning')))).toBe(
        '⏎: rerunning 3 files of run 1',
      )
    })

    it('Enter before any run says what to do instead', async () => {
      tui = renderTui()
      await tui.press('enter')
      const frame = await tui.waitForFrame((f) => statusLine(f) !== '')
      expect(statusLine(frame)).toBe('⏎: no run yet: a runs every test file')
      expect(tui.actions).toEqual([])
    })

    it('a runs every test file', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('a')
      expect(keyed(tui.actions)).toEqual([
        {
          type: 'run/requested',
          at: NOW,
          trigger: 'all',
          files: Object.fromEntries(FILES.map((path) => [abs(path), [{ kind: 'all' }]])),
        },
      ])
    })

    it('f reruns only the failed files, or says there are none', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('f')
      expect(keyed(tui.actions)).toEqual([
        {
          type: 'run/requested',
          at: NOW,
          trigger: 'change',
          files: { [abs(FILES[0])]: [importReason(FILES[0], 'packages/billing/src/money.ts')] },
        },
      ])
      tui.unmount()
      tui = renderTui()
      await tui.press('f')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f) !== ''))).toBe('f: no failed test files')
      expect(tui.actions).toEqual([])
    })

    it('p filters the files by path and runs those that match; Esc shows every file again', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('p')
      await tui.waitForFrame((f) => f.includes('file path contains ›'))
      await tui.type('billing')
      await tui.waitForFrame((f) => f.includes('› billing'))
      await tui.press('enter')
      let frame = await tui.waitForFrame((f) => f.includes('path ~ "billing"'))
      expect(keyed(tui.actions)).toEqual([
        {
          type: 'run/requested',
          at: NOW,
          trigger: 'change',
          files: { [abs(FILES[0])]: [{ kind: 'all' }], [abs(FILES[1])]: [{ kind: 'all' }] },
        },
      ])
      expect(statusLine(frame)).toBe('p: running 2 files matching "billing" (Esc shows every file again)')
      expect(pane(frame, 'files').slice(1)).toHaveLength(2)
      expect(pane(frame, 'files')[0]).toMatch(/path ~ "billing": 2 of 3$/)
      await tui.press('escape')
      frame = await tui.waitForFrame((f) => !f.includes('path ~'))
      expect(pane(frame, 'files').slice(1)).toHaveLength(3)
    })

    it('takes keys that arrive together one by one: a name and Enter, Escape and the next key', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('p')
      await tui.waitForFrame((f) => f.includes('file path contains ›'))
      // Typed faster than the terminal is read (or pasted): one read holds the name and Enter.
      await tui.press('billing\r')
      const frame = await tui.waitForFrame((f) => f.includes('path ~ "billing"'))
      expect(statusLine(frame)).toBe('p: running 2 files matching "billing" (Esc shows every file again)')
      // Escape and h in one read (a terminal sends that as Alt+h): the filter goes, the help opens.
      await tui.press('\u001bh')
      await tui.waitForFrame((f) => !f.includes('path ~') && f.includes(' keys  any key closes this'))
      expect(keyed(tui.actions)).toHaveLength(1)
    })

    it('p with no match says so and runs nothing; Esc cancels the prompt', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('p')
      await tui.type('nothing-like-this')
      await tui.press('enter')
      const frame = await tui.waitForFrame((f) => statusLine(f).startsWith('p:'))
      expect(statusLine(frame)).toBe('p: no test file path contains "nothing-like-this"')
      await tui.press('p')
      await tui.waitForFrame((f) => f.includes('file path contains ›'))
      await tui.press('escape')
      await tui.waitForFrame((f) => !f.includes('file path contains ›'))
      expect(keyed(tui.actions)).toEqual([])
    })

    it('takes every key typed in the prompt as text (q does not quit); Backspace deletes', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('p')
      await tui.type('qDx')
      await tui.press('backspace')
      const frame = await tui.waitForFrame((f) => f.includes('› qD '))
      expect(statusLine(frame)).toBe('p  file path contains › qD    ⏎ run · Esc cancel')
      expect(tui.actions).toEqual([])
    })

    it('t runs the files that have a test so named (whole files), and says so', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('t')
      await tui.waitForFrame((f) => f.includes('test name contains ›'))
      await tui.type('invoice')
      await tui.press('enter')
      const frame = await tui.waitForFrame((f) => f.includes('test ~ "invoice"'))
      expect(keyed(tui.actions)).toEqual([
        { type: 'run/requested', at: NOW, trigger: 'change', files: { [abs(FILES[2])]: [{ kind: 'all' }] } },
      ])
      expect(statusLine(frame)).toBe(
        't: running 1 file with tests named like "invoice" (whole files run; Esc clears)',
      )
    })

    it('t before any test ran says there are no names to match yet', async () => {
      tui = renderTui()
      await tui.press('t')
      const frame = await tui.waitForFrame((f) => statusLine(f) !== '')
      expect(statusLine(frame)).toBe(
        't: no test has run yet, so there are no names to match: run them first (a)',
      )
      expect(frame).not.toContain('test name contains')
    })
  })

  describe('keys that act on services', () => {
    it('r restarts the selected service, or says to select one first', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('r')
      let frame = await tui.waitForFrame((f) => statusLine(f) !== '')
      expect(statusLine(frame)).toBe('r: select a service first (Tab to the services pane, then j/k)')
      await tui.press('shift-tab')
      await tui.press('j')
      await tui.press('r')
      frame = await tui.waitForFrame((f) => statusLine(f).startsWith('r: restarting'))
      expect(statusLine(frame)).toBe('r: restarting backend/db (and 2 services that depend on it)')
      expect(keyed(tui.actions)).toEqual([
        { type: 'service/restart-requested', at: NOW, keys: ['backend/db'] },
      ])
      await tui.press('r')
      frame = await tui.waitForFrame((f) => statusLine(f).includes('already'))
      expect(statusLine(frame)).toBe('r: backend/db is already restarting')
      expect(keyed(tui.actions)).toHaveLength(1)
    })

    it('offers to restart a service that died while in use, and r restarts it', async () => {
      const store = afterARun()
      store.dispatch({
        type: 'service/failed',
        at: NOW,
        key: 'backend/db',
        exitCode: 137,
        failure: {
          cause: 'stopped while in use: it exited with code 137 after it was ready',
          fix: 'see its last output below; `hearth up` (or r in `hearth dev`) starts it again',
          logTail: ['LOG:  database system is ready to accept connections'],
          blockedBy: null,
          inUse: true,
        },
      })
      tui = renderTui({ store })
      let frame = await tui.waitForFrame((f) => statusLine(f).includes('stopped while in use'))
      expect(statusLine(frame)).toBe(
        '✗ backend/db stopped while in use · r restarts it · it exited with code 137 after it was ready',
      )
      await tui.press('r')
      frame = await tui.waitForFrame((f) => statusLine(f).startsWith('r: restarting'))
      expect(statusLine(frame)).toBe('r: restarting backend/db')
      expect(keyed(tui.actions)).toEqual([
        { type: 'service/restart-requested', at: NOW, keys: ['backend/db'] },
      ])
    })

    it('with another service selected, says how to restart the one that died', async () => {
      const store = afterARun()
      store.dispatch({
        type: 'service/failed',
        at: NOW,
        key: 'backend/db',
        exitCode: null,
        failure: {
          cause: 'lost while in use: the engine went away',
          fix: null,
          logTail: [],
          blockedBy: null,
          inUse: true,
        },
      })
      tui = renderTui({
        store,
        initialView: { service: 'backend/api', focus: 'services', subject: 'services' },
      })
      const frame = await tui.waitForFrame((f) => statusLine(f).includes('lost while in use'))
      expect(statusLine(frame)).toBe(
        '✗ backend/db lost while in use · select backend/db and press r · the engine went away',
      )
    })

    it('r on a service that does not run says so', async () => {
      tui = renderTui({ initialView: { service: 'backend/api', focus: 'services', subject: 'services' } })
      await tui.press('r')
      const frame = await tui.waitForFrame((f) => statusLine(f) !== '')
      expect(statusLine(frame)).toBe("r: backend/api is not running (idle); its tests' next run starts it")
    })

    it("x resets the selected service's environment, or every ready one, or says none runs", async () => {
      tui = renderTui()
      await tui.press('x')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f) !== ''))).toBe(
        'x: no environment is running',
      )
      tui.unmount()

      tui = renderTui({ store: afterARun() })
      await tui.press('x')
      await tui.waitForFrame((f) => statusLine(f) === 'x: resetting backend')
      expect(keyed(tui.actions)).toEqual([
        { type: 'environment/reset-requested', at: NOW, environments: ['backend'] },
      ])
      tui.unmount()

      const store = createScenarioStore()
      store.dispatch({ type: 'service/starting', at: T0, key: 'backend/db' })
      tui = renderTui({ store, initialView: { service: 'backend/db' } })
      await tui.press('x')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f) !== ''))).toBe(
        'x: environment backend is not ready (starting)',
      )
    })

    it('l shows the logs of the selected service, or says to select one first', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('l')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f) !== ''))).toBe(
        'l: select a service first (Tab to the services pane, then j/k)',
      )
      await tui.press('tab')
      await tui.press('tab')
      await tui.press('l')
      await tui.waitForFrame((f) => f.includes(' logs backend/cache '))
      await tui.press('l')
      await tui.waitForFrame((f) => pane(f, 'detail')[0]?.startsWith(' detail  backend/cache') === true)
    })
  })

  describe('keys of the session', () => {
    it('space pauses watching (saves are held) and resumes', async () => {
      const store = afterARun()
      tui = renderTui({ store })
      await tui.press('space')
      let frame = await tui.waitForFrame((f) => f.includes('paused'))
      expect(statusLine(frame)).toBe('paused: saves are held until space again')
      store.dispatch({ type: 'watch/held', at: NOW, paths: ['src/a.ts', 'src/b.ts'] })
      frame = await tui.waitForFrame((f) => f.includes('2 saves held'))
      expect(frame.split('\n')[0]).toBe(
        'hearth dev · shop · paused (2 saves held) · ✗ run 1: 1 failed, 2 passed',
      )
      expect(frame.split('\n').at(-1)).toMatch(/^paused · 2 saves held │/)
      await tui.press('space')
      frame = await tui.waitForFrame((f) => statusLine(f).startsWith('resumed'))
      expect(statusLine(frame)).toBe('resumed: running what 2 held saves affect')
      expect(keyed(tui.actions).map((action) => action.type)).toEqual([
        'watch/paused',
        'watch/held',
        'watch/resumed',
      ])
    })

    it('space without a watcher says so', async () => {
      tui = renderTui()
      await tui.press('space')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f) !== ''))).toBe(
        'space: the watcher is not started',
      )
    })

    it('q quits and leaves the environments warm; D stops them', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('q')
      expect(keyed(tui.actions)).toEqual([{ type: 'session/quit', at: NOW, stopEnvironments: false }])
      tui.unmount()
      tui = renderTui({ store: afterARun() })
      await tui.press('D')
      expect(keyed(tui.actions).filter((action) => action.type === 'session/quit')).toEqual([
        { type: 'session/quit', at: NOW, stopEnvironments: true },
      ])
      expect(statusLine(await tui.waitForFrame((f) => f.includes('stopping')))).toBe(
        'quitting: stopping the environments…',
      )
    })

    it('Ctrl-C quits as q does; a second one gives the terminal back at once', async () => {
      tui = renderTui({ store: afterARun() })
      await tui.press('ctrl-c')
      expect(keyed(tui.actions)).toEqual([{ type: 'session/quit', at: NOW, stopEnvironments: false }])
      await tui.press('a')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f).startsWith('quitting…')))).toBe(
        'quitting… (Ctrl-C: now, without waiting)',
      )
      expect(tui.forceExits()).toBe(0)
      await tui.press('ctrl-c')
      expect(tui.forceExits()).toBe(1)
      expect(keyed(tui.actions)).toHaveLength(1)
    })

    it('h shows every key; any key closes the help', async () => {
      tui = renderTui({ columns: 80, rows: 24 })
      await tui.press('h')
      const frame = await tui.waitForFrame((f) => f.includes(' keys '))
      expect(pane(frame, 'keys')).toMatchInlineSnapshot(`
        [
          " keys  any key closes this",
          "  Enter         rerun the last run's files, for the same reasons",
          "  a             run every test file",
          "  f             rerun the files that failed",
          "  p             filter by path: show and run the files whose path has it",
          "  t             filter by test name: show and run the files with such a test",
          "                (hearth runs whole files: t picks files, not single tests)",
          "  Esc           close the logs or the filter",
          "  r             restart the selected (or dead) service and its dependents",
          "  x             reset the selected service's environment (or every one)",
          "  l             the output of the selected service (l or Esc closes)",
          "  space         pause watching: saves are held, and run on resume",
          "  Tab ←→        move between panes: services, files, detail",
          "  j k ↑↓        move in a list; scroll the focused detail pane",
          "  PgUp PgDn     a page up or down",
          "  g G Home End  to the top, to the end (G in the logs: follow again)",
          "  h ?           this help",
          "  q Ctrl-C      quit; the environments stay warm for the next time",
          "  D             quit and stop the environments",
        ]
      `)
      expect(frame.split('\n').every((line) => line.length <= 80)).toBe(true)
      await tui.press('j')
      await tui.waitForFrame((f) => !f.includes(' keys '))
      await tui.press('?')
      await tui.waitForFrame((f) => f.includes(' keys '))
      await tui.press('escape')
      await tui.waitForFrame((f) => !f.includes(' keys '))
    })

    it('a key that does nothing says so', async () => {
      tui = renderTui()
      await tui.press('z')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f) !== ''))).toBe(
        'z: no such key (h lists them)',
      )
      await tui.press('escape')
      expect(statusLine(await tui.waitForFrame((f) => statusLine(f).startsWith('Esc')))).toBe(
        'Esc: nothing to close',
      )
    })
  })

  describe('moving around', () => {
    it('Tab, Shift-Tab and the arrows move between panes; j/k and the arrows between rows', async () => {
      tui = renderTui({ store: afterARun() })
      const selected = (frame: string, name: 'services' | 'files') =>
        pane(frame, name)
          .find((row) => row.startsWith('›'))
          ?.split(/ +/)[1]
      let frame = await tui.waitForFrame((f) => f.includes('run 1'))
      expect(selected(frame, 'files')).toBe('packages/billing/src/invoice.test.ts')
      await tui.press('j')
      frame = await tui.waitForFrame((f) => selected(f, 'files') === 'packages/billing/src/money.test.ts')
      expect(pane(frame, 'detail')[0]).toBe(' detail  packages/billing/src/money.test.ts')
      await tui.press('down')
      await tui.waitForFrame((f) => selected(f, 'files') === 'tests/api/invoices.test.ts')
      await tui.press('up')
      await tui.press('k')
      await tui.waitForFrame((f) => selected(f, 'files') === 'packages/billing/src/invoice.test.ts')
      await tui.press('left')
      frame = await tui.waitForFrame((f) => selected(f, 'services') !== undefined)
      expect(pane(frame, 'services')[1]).toMatch(/^›✓ cache/)
      expect(pane(frame, 'detail')[0]).toBe(' detail  backend/cache')
      await tui.press('down')
      await tui.waitForFrame((f) => pane(f, 'detail')[0] === ' detail  backend/db')
      await tui.press('right')
      await tui.press('right')
      // The detail pane: the files pane's selection is still shown, the services' one too.
      await tui.press('shift-tab')
      frame = await tui.waitForFrame((f) => pane(f, 'detail')[0]?.includes('invoice.test.ts') === true)
      expect(selected(frame, 'services')).toBe('db')
    })
  })
})
