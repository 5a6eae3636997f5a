import { afterEach, describe, expect, it } from 'vitest'
import { colorsWanted } from './palette.js'
import type { RenderedTui } from './testing/render-tui.js'
import {
  assertionError,
  bringUp,
  completeRun,
  createScenarioStore,
  FILES,
  failedTest,
  fileOutcome,
  passedTest,
} from './testing/scenarios.js'

// Ink colours through chalk, which picks its colour level when it loads and ignores NO_COLOR: force
// colour on before Ink loads, so that only the UI's palette can keep colour out (and the test below
// that expects colour proves it would show).
process.env.FORCE_COLOR = '1'
const { renderTui } = await import('./testing/render-tui.js')

/** An SGR sequence that sets a colour (foreground or background, 16, 256 or true colour). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const COLOR = /\u001b\[(?:3[0-7]|9[0-7]|4[0-7]|10[0-7]|38;|48;)[0-9;]*m/

let tui: RenderedTui | null = null
afterEach(() => {
  tui?.unmount()
  tui = null
})

function scene() {
  const store = createScenarioStore()
  bringUp(store)
  completeRun(store, [
    fileOutcome(FILES[0], [failedTest('rounds', assertionError(FILES[0], 3))]),
    fileOutcome(FILES[1], [passedTest('converts')]),
  ])
  return store
}

describe('colour', { timeout: 30_000 }, () => {
  it('is used on a colour terminal', async () => {
    tui = renderTui({ store: scene(), env: {} })
    await tui.waitForFrame((f) => f.includes('run 1'))
    expect(tui.rawFrame()).toMatch(COLOR)
  })

  it('is never used with NO_COLOR: styling that is not colour stays', async () => {
    tui = renderTui({ store: scene(), env: { NO_COLOR: '1' } })
    await tui.waitForFrame((f) => f.includes('run 1'))
    await tui.press('h')
    await tui.waitForFrame((f) => f.includes(' keys '))
    await tui.press('j')
    await tui.press('p')
    await tui.waitForFrame((f) => f.includes('file path contains'))
    for (const frame of tui.frames()) expect(frame).not.toMatch(COLOR)
    // Bold and inverse are not colour: the selection still shows.
    expect(tui.rawFrame()).toContain('\u001b[1m')
    expect(tui.rawFrame()).toContain('\u001b[7m')
  })

  it('follows NO_COLOR, FORCE_COLOR=0 and TERM=dumb', () => {
    expect(colorsWanted({})).toBe(true)
    expect(colorsWanted({ NO_COLOR: '1' })).toBe(false)
    expect(colorsWanted({ NO_COLOR: '' })).toBe(true)
    expect(colorsWanted({ FORCE_COLOR: '0' })).toBe(false)
    expect(colorsWanted({ TERM: 'dumb' })).toBe(false)
  })
})
