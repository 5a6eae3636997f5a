import { EventEmitter } from 'node:events'
import type { Action, HearthStore } from '@hearth/core'
import { describe, expect, it } from 'vitest'
import { runTui } from './run-tui.js'
import { abs, createScenarioStore, FILES, startRun, T0 } from './testing/scenarios.js'

/** A terminal's output, as Ink sees it: what was written, and its size. */
class FakeStdout extends EventEmitter {
  readonly isTTY = true
  columns = 80
  rows = 24
  written = ''
  write = (data: string): boolean => {
    this.written += data
    return true
  }
}

/** A terminal's input in raw mode: records the mode, delivers keys as Ink reads them. */
class FakeStdin extends EventEmitter {
  readonly isTTY = true
  isRaw = false
  modes: boolean[] = []
  private data: string | null = null
  setRawMode(mode: boolean): this {
    this.isRaw = mode
    this.modes.push(mode)
    return this
  }
  setEncoding(): this {
    return this
  }
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
  resume(): this {
    return this
  }
  pause(): this {
    return this
  }
  read = (): string | null => {
    const data = this.data
    this.data = null
    return data
  }
  type(data: string): void {
    this.data = data
    this.emit('readable')
  }
}

function terminal() {
  const stdout = new FakeStdout()
  const stdin = new FakeStdin()
  const stderr = new FakeStdout()
  const streams = {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
  }
  return { stdout, stdin, streams: { ...streams, patchConsole: false } }
}

const ENTER = '\u001b[?1049h'
const LEAVE = '\u001b[?1049l'
const SHOW_CURSOR = '\u001b[?25h'

/** Waits until `done` holds, checking on each turn of the event loop (with a generous limit). */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('running the terminal UI', { timeout: 30_000 }, () => {
  it('takes the alternate screen and raw mode, and gives both back on close', async () => {
    const { stdout, stdin, streams } = terminal()
    const tui = runTui({ store: createScenarioStore(), ...streams, env: {} })
    expect(stdout.written.startsWith(ENTER)).toBe(true)
    await until(() => stdin.isRaw, 'raw mode')
    await tui.close()
    await expect(tui.done).resolves.toBeUndefined()
    expect(stdin.isRaw).toBe(false)
    expect(stdout.written.endsWith(`${LEAVE}${SHOW_CURSOR}`)).toBe(true)
  })

  it('treats Ctrl-C as a key: it quits the session, and Ink does not end the process', async () => {
    const { stdin, streams } = terminal()
    const store = createScenarioStore()
    const actions: Action[] = []
    store.subscribeActions((action) => actions.push(action))
    const tui = runTui({ store, ...streams, env: {} })
    await until(() => stdin.isRaw, 'raw mode')
    stdin.type('\u0003')
    await until(() => actions.length > 0, 'the quit')
    expect(actions).toEqual([{ type: 'session/quit', at: expect.any(Number), stopEnvironments: false }])
    // Still mounted: dev.ts closes it once the session has ended.
    expect(stdin.isRaw).toBe(true)
    await tui.close()
  })

  it('restores the terminal and reports the error when a key handler throws', async () => {
    const { stdout, stdin, streams } = terminal()
    const store = createScenarioStore()
    const failing: HearthStore = {
      ...store,
      dispatch() {
        throw new Error('a bug in a key')
      },
    }
    const tui = runTui({ store: failing, ...streams, env: {} })
    await until(() => stdin.isRaw, 'raw mode')
    stdin.type('a')
    await expect(tui.done).rejects.toThrow('a bug in a key')
    expect(stdin.isRaw).toBe(false)
    expect(stdout.written).toContain(`${LEAVE}${SHOW_CURSOR}`)
  })

  it('restores the terminal and reports the error when rendering throws', async () => {
    const { stdout, stdin, streams } = terminal()
    const store = createScenarioStore()
    const tui = runTui({ store, ...streams, env: {} })
    await until(() => stdin.isRaw, 'raw mode')
    // A state no component expects (a file status that does not exist): rendering it throws.
    const id = startRun(store, { [abs(FILES[0])]: [{ kind: 'all' }] })
    store.dispatch({
      type: 'run/file-finished',
      at: T0,
      id,
      outcome: { file: abs(FILES[0]), state: 'exploded' as never, durationMs: 1, errors: [], tests: [] },
    })
    await expect(tui.done).rejects.toThrow()
    expect(stdin.isRaw).toBe(false)
    expect(stdout.written).toContain(`${LEAVE}${SHOW_CURSOR}`)
  })
})
