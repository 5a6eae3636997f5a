import type { Action, HearthStore } from '@hearth/core'
import { Box } from 'ink'
import { render } from 'ink-testing-library'
import type { SourceReader } from '../code-frame.js'
import { App } from '../components/App.js'
import { colorsWanted, createPalette } from '../palette.js'
import { TuiContext, type TuiEnvironment } from '../tui-context.js'
import type { ViewState } from '../view-state.js'
import { createScenarioStore, NOW } from './scenarios.js'

/**
 * The terminal UI's one test helper, around ink-testing-library: renders the app over a store the
 * test seeded, at a terminal size, with a pinned clock, and records what the app dispatches.
 * Frames update asynchronously: wait for them (`waitForFrame`), never sleep. Test helper.
 */
export interface RenderTuiOptions {
  store?: HearthStore
  columns?: number
  rows?: number
  /** The environment the palette reads (NO_COLOR). Default: colours on. */
  env?: NodeJS.ProcessEnv
  /** The UI's clock (default {@link NOW}). */
  now?: number
  /** Source files by absolute path, for code frames. */
  sources?: Readonly<Record<string, string>>
  home?: string
  initialView?: Partial<ViewState>
}

export interface RenderedTui {
  store: HearthStore
  /** Every action dispatched to the store after the first render, by the app or the test, in order. */
  actions: Action[]
  /** The last frame, ANSI styling stripped. */
  lastFrame(): string
  /** The last frame as written, styling included. */
  rawFrame(): string
  /** Every frame written so far (raw). */
  frames(): readonly string[]
  /** Types a key: a character, or a name (`enter`, `escape`, `tab`, `shift-tab`, `up`, `down`, …). */
  press(key: string): Promise<void>
  /** Types each character of `text`, one key at a time. */
  type(text: string): Promise<void>
  /** Resolves with the first frame (stripped) that satisfies `predicate`; rejects with the last one after the timeout. */
  waitForFrame(predicate: (frame: string) => boolean, options?: { timeoutMs?: number }): Promise<string>
  /** Resizes the terminal (emits `resize`, as a real one does). */
  resize(columns: number, rows: number): void
  /** How many times the app asked to give the terminal back at once (a second Ctrl-C). */
  forceExits(): number
  unmount(): void
}

const KEYS: Readonly<Record<string, string>> = {
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  'shift-tab': '\u001b[Z',
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  pageup: '\u001b[5~',
  pagedown: '\u001b[6~',
  home: '\u001b[H',
  end: '\u001b[F',
  space: ' ',
  backspace: '\u007f',
  'ctrl-c': '\u0003',
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping escape sequences is the point
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

export function renderTui(options: RenderTuiOptions = {}): RenderedTui {
  const store = options.store ?? createScenarioStore()
  const actions: Action[] = []
  const unsubscribe = store.subscribeActions((action) => {
    actions.push(action)
  })
  const sources = options.sources ?? {}
  const readSource: SourceReader = (file) => sources[file] ?? null
  const now = options.now ?? NOW
  const environment: TuiEnvironment = {
    palette: createPalette(colorsWanted(options.env ?? {})),
    now: () => now,
    readSource,
    home: options.home,
  }
  let forceExits = 0
  const size = { columns: options.columns ?? 100, rows: options.rows ?? 30 }
  // ink-testing-library's stdout is 100 columns and has no rows: mount nothing, give its stdout the
  // size asked for, then mount the app, so that its first frame already has that size.
  const instance = render(<Box />)
  Object.defineProperty(instance.stdout, 'columns', { get: () => size.columns, configurable: true })
  Object.defineProperty(instance.stdout, 'rows', { get: () => size.rows, configurable: true })
  instance.rerender(
    <TuiContext.Provider value={environment}>
      <App
        store={store}
        onForceExit={() => {
          forceExits++
        }}
        {...(options.initialView === undefined ? {} : { initialView: options.initialView })}
      />
    </TuiContext.Provider>,
  )

  const lastFrame = (): string => stripAnsi(instance.lastFrame() ?? '')
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
  const press = async (key: string): Promise<void> => {
    instance.stdin.write(KEYS[key] ?? key)
    // Ink holds a lone Esc until the next turn (it could start a sequence): let it through.
    await settle()
    await settle()
  }
  return {
    store,
    actions,
    lastFrame,
    rawFrame: () => instance.lastFrame() ?? '',
    frames: () => instance.frames,
    press,
    async type(text) {
      for (const char of text) await press(char)
    },
    async waitForFrame(predicate, { timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const frame = lastFrame()
        if (predicate(frame)) return frame
        if (Date.now() > deadline)
          throw new Error(`no frame matched within ${timeoutMs} ms; the last one:\n${frame}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    resize(columns, rows) {
      size.columns = columns
      size.rows = rows
      instance.stdout.emit('resize')
    },
    forceExits: () => forceExits,
    unmount() {
      unsubscribe()
      instance.unmount()
      instance.cleanup()
    },
  }
}
