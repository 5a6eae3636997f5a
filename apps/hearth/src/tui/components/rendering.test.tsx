import type { LogEntry } from '@hearth/core'
import { afterEach, describe, expect, it } from 'vitest'
import { pane } from '../testing/frames.js'
import { type RenderedTui, renderTui } from '../testing/render-tui.js'
import { bringUp, createScenarioStore, NOW } from '../testing/scenarios.js'

let tui: RenderedTui | null = null
afterEach(() => {
  tui?.unmount()
  tui = null
})

/** Timers that keep the process awake (unref'd ones, like the age clock's, are not counted). */
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

/** Resolves once there are `count` timers (effects start and stop them after a frame is written). */
async function timersBecome(count: number): Promise<number> {
  const deadline = Date.now() + 10_000
  while (timers() !== count && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve))
  return timers()
}

describe('rendering', { timeout: 30_000 }, () => {
  it('re-renders at most every 50 ms, however fast the store changes', async () => {
    const store = createScenarioStore()
    bringUp(store)
    tui = renderTui({ store, initialView: { service: 'backend/api', logs: 'backend/api', focus: 'detail' } })
    await tui.waitForFrame((f) => f.includes('no output yet'))
    const before = tui.frames().length
    const started = Date.now()
    for (let index = 1; index <= 1000; index++) {
      const line: LogEntry = { text: `line ${index}`, stream: 'stdout', at: NOW }
      store.dispatch({ type: 'service/log', at: NOW, key: 'backend/api', lines: [line] })
    }
    const frame = await tui.waitForFrame((f) => pane(f, 'logs').at(-1) === 'line 1000')
    expect(pane(frame, 'logs')[0]).toBe(' logs backend/api  following · 1000 lines')
    // 1000 changes in one burst: one or two renders, not a thousand.
    const renders = tui.frames().length - before
    expect(renders).toBeGreaterThan(0)
    expect(renders).toBeLessThanOrEqual(2 + Math.ceil((Date.now() - started) / 50))
  })

  it('runs no timer while nothing moves; the spinner has one only while a service starts', async () => {
    const store = createScenarioStore()
    bringUp(store)
    tui = renderTui({ store })
    await tui.waitForFrame((f) => f.includes('backend ready'))
    // At rest: no timer at all keeps the process awake (none of the UI's, none of the test's).
    const idle = 0
    expect(await timersBecome(idle)).toBe(idle)

    store.dispatch({ type: 'service/restart-requested', at: NOW, keys: ['backend/api'] })
    store.dispatch({ type: 'service/stopping', at: NOW, key: 'backend/api' })
    await tui.waitForFrame((f) => f.includes('restarting'))
    expect(await timersBecome(idle + 1)).toBe(idle + 1)

    store.dispatch({ type: 'service/stopped', at: NOW, key: 'backend/api' })
    store.dispatch({ type: 'service/starting', at: NOW, key: 'backend/api' })
    store.dispatch({
      type: 'service/started',
      at: NOW,
      key: 'backend/api',
      instance: {
        id: 'api-2',
        driver: 'process',
        host: '127.0.0.1',
        ports: {},
        specHash: 'h',
        createdAt: NOW,
        reused: false,
      },
    })
    store.dispatch({
      type: 'service/ready',
      at: NOW + 300,
      key: 'backend/api',
      outputs: { url: 'http://127.0.0.1:1' },
    })
    await tui.waitForFrame((f) =>
      pane(f, 'services').every((row) => !row.includes('probing') && !row.includes('restarting')),
    )
    expect(await timersBecome(idle)).toBe(idle)
  })
})
