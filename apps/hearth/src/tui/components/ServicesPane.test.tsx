import { afterEach, describe, expect, it } from 'vitest'
import { pane, statusLine } from '../testing/frames.js'
import { type RenderedTui, renderTui } from '../testing/render-tui.js'
import { BACKEND, bringUp, createScenarioStore, NOW, SEARCH, startService, T0 } from '../testing/scenarios.js'
import { SPINNER_FRAMES } from './Styled.js'

let tui: RenderedTui | null = null
afterEach(() => {
  tui?.unmount()
  tui = null
})

const spinning = (line: string | undefined): boolean => SPINNER_FRAMES.some((frame) => line?.includes(frame))

describe('the services pane', { timeout: 30_000 }, () => {
  it('turns a spinner while a service starts, and says for how long', async () => {
    const store = createScenarioStore()
    store.dispatch({ type: 'environment/up-requested', at: NOW - 3_000, environments: ['backend'] })
    store.dispatch({ type: 'service/starting', at: NOW - 3_000, key: 'backend/db' })
    tui = renderTui({ store, columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('starting 3s'))
    const [title, ...rows] = pane(frame, 'services')
    expect(title).toBe(' services  backend starting')
    const db = rows.find((row) => row.includes(' db '))
    expect(spinning(db)).toBe(true)
    expect(rows.find((row) => row.includes(' api '))).toMatch(/waiting/)
    // The spinner moves (one ticker for the pane): a later frame shows another of its frames.
    const first = SPINNER_FRAMES.find((frame) => db?.includes(frame))
    await tui.waitForFrame((f) => {
      const row = pane(f, 'services').find((line) => line.includes(' db '))
      return spinning(row) && !row?.includes(first ?? '')
    })
  })

  it('shows a ready service: readiness time, driver, address, uptime', async () => {
    const store = createScenarioStore()
    bringUp(store)
    tui = renderTui({ store, columns: 80, rows: 24 })
    const frame = await tui.waitForFrame((f) => f.includes('backend ready'))
    expect(pane(frame, 'services')).toMatchInlineSnapshot(`
      [
        " services  backend ready",
        " ✓ cache   ready 450 ms  process   127.0.0.1:41000                   up 4m",
        " ✓ db      ready 450 ms  process   postgres://127.0.0.1:41001/shop   up 4m",
        " ✓ migrate done 450 ms   process",
        " ✓ api     ready 450 ms  process   http://127.0.0.1:41003            up 4m",
      ]
    `)
  })

  it('says how a service failed, and which ones never started because of it', async () => {
    const store = createScenarioStore()
    store.dispatch({ type: 'environment/up-requested', at: T0, environments: ['backend'] })
    startService(store, 'backend/cache')
    store.dispatch({ type: 'service/starting', at: T0, key: 'backend/db' })
    store.dispatch({
      type: 'service/failed',
      at: T0 + 2_000,
      key: 'backend/db',
      failure: {
        cause: 'not ready after 30 s: connection refused',
        fix: 'check its command and port',
        logTail: ['FATAL: data directory has wrong ownership'],
        blockedBy: null,
      },
    })
    store.dispatch({
      type: 'service/failed',
      at: T0 + 2_000,
      key: 'backend/api',
      failure: { cause: 'not started: backend/db failed', fix: null, logTail: [], blockedBy: 'backend/db' },
    })
    tui = renderTui({ store, columns: 80, rows: 24 })
    await tui.waitForFrame((f) => f.includes('failed'))
    // To the services pane (Shift-Tab from the files), then down to db.
    await tui.press('shift-tab')
    await tui.press('j')
    const frame = await tui.waitForFrame((f) => pane(f, 'detail')[0]?.includes('backend/db') === true)
    const rows = pane(frame, 'services')
    expect(rows.find((row) => row.includes(' db '))).toMatch(/^›✗ db +failed/)
    expect(rows.find((row) => row.includes(' api '))).toMatch(/^ - api +not started/)
    expect(pane(frame, 'detail').slice(0, 6)).toEqual([
      ' detail  backend/db',
      'failed · process',
      '✗ not ready after 30 s: connection refused',
      'fix: check its command and port',
      'last 1 line of its output:',
      '│ FATAL: data directory has wrong ownership',
    ])
  })

  it('says when a service runs as its fallback, and why', async () => {
    const store = createScenarioStore()
    store.dispatch({ type: 'environment/up-requested', at: T0, environments: ['backend'] })
    store.dispatch({ type: 'service/fell-back', at: T0, key: 'backend/db', reason: 'Docker does not answer' })
    startService(store, 'backend/db')
    tui = renderTui({
      store,
      columns: 80,
      rows: 24,
      initialView: { service: 'backend/db', subject: 'services', focus: 'services' },
    })
    const frame = await tui.waitForFrame((f) => f.includes('fallback'))
    expect(pane(frame, 'services').find((row) => row.includes(' db '))).toMatch(
      / db +ready 450 ms +fallback +postgres:/,
    )
    expect(pane(frame, 'detail')).toContain(
      'fallback: Docker does not answer: its local stand-in runs instead',
    )
  })

  it('counts restarts, dependents included, and shows the last reset', async () => {
    const store = createScenarioStore()
    bringUp(store)
    store.dispatch({ type: 'service/reset', at: NOW - 2 * 60_000, key: 'backend/db', durationMs: 40 })
    tui = renderTui({ store, columns: 80, rows: 24 })
    await tui.waitForFrame((f) => f.includes('reset 2m'))
    store.dispatch({ type: 'service/restart-requested', at: NOW, keys: ['backend/migrate'] })
    const frame = await tui.waitForFrame((f) => f.includes('↻1'))
    const rows = pane(frame, 'services')
    expect(rows.filter((row) => row.includes('↻1')).map((row) => row.split(/ +/)[2])).toEqual([
      'migrate',
      'api',
    ])
    expect(rows.find((row) => row.includes(' db '))).toMatch(/reset 2m$/)
  })

  it('groups the services by environment when there are several', async () => {
    const store = createScenarioStore({ environments: [BACKEND, SEARCH] })
    bringUp(store, 'search')
    tui = renderTui({ store, columns: 80, rows: 30 })
    const frame = await tui.waitForFrame((f) => f.includes('2 environments'))
    expect(pane(frame, 'services').map((row) => row.slice(0, 26).trimEnd())).toEqual([
      ' services  2 environments',
      '  backend idle',
      '   · cache   idle',
      '   · db      idle',
      '   · migrate idle',
      '   · api     idle',
      '  search ready',
      '   ✓ index   ready 450 ms',
    ])
  })

  it('fits a long address to 80 columns (credentials, scheme, path go first), and drops cells that do not fit', async () => {
    const store = createScenarioStore()
    store.dispatch({ type: 'environment/up-requested', at: T0, environments: ['backend'] })
    startService(store, 'backend/db')
    store.dispatch({
      type: 'service/ready',
      at: T0 + 500,
      key: 'backend/db',
      outputs: { url: 'postgres://app_user:secret@db.internal.example.com:5432/invoices_development' },
    })
    tui = renderTui({ store, columns: 80, rows: 24 })
    let frame = await tui.waitForFrame((f) => f.includes('db.internal.example.com'))
    const row = pane(frame, 'services').find((line) => line.includes(' db '))
    expect(row).toMatchInlineSnapshot(
      `" ✓ db      ready 500 ms  process   db.internal.example.com:5432            up 4m"`,
    )
    expect(row?.length).toBeLessThanOrEqual(80)
    tui.resize(50, 24)
    frame = await tui.waitForFrame(
      (f) => f.split('\n').every((line) => line.length <= 50) && f.includes(' db '),
    )
    expect(pane(frame, 'services').find((line) => line.includes(' db '))).toMatchInlineSnapshot(
      `" ✓ db      ready 500 ms  process   db.inte…om:5432"`,
    )
    expect(statusLine(frame)).toBe('')
  })
})
