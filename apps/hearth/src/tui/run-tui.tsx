import os from 'node:os'
import type { HearthStore } from '@hearth/core'
import { render } from 'ink'
import { readSource } from './code-frame.js'
import { App } from './components/App.js'
import { colorsWanted, createPalette } from './palette.js'
import { TuiContext, type TuiEnvironment } from './tui-context.js'

/**
 * `hearth dev`'s terminal UI. dev.ts imports this module lazily, and only on a terminal: no other
 * command loads React or Ink (see headless-imports.integration.test.ts).
 */
export interface TuiOptions {
  store: HearthStore
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  stderr?: NodeJS.WriteStream
  env?: NodeJS.ProcessEnv
  /** A second Ctrl-C while quitting (the stop hangs): the caller gives up waiting. */
  onForceExit?: () => void
  /** Route `console` output above the frame (default true; tests under a runner's own console turn it off). */
  patchConsole?: boolean
}

export interface TuiHandle {
  /**
   * Settles when the UI is gone: resolves after `close`, rejects with the error when the UI
   * crashed (a bug in a component or a key handler). Either way the terminal is restored by then.
   */
  readonly done: Promise<void>
  /** Unmounts and gives the terminal back: raw mode off, cursor shown, the main screen. Idempotent. */
  close(): Promise<void>
}

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H'
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l'
const SHOW_CURSOR = '\u001b[?25h'

/**
 * Renders the UI on the terminal's alternate screen (what was on screen before comes back on exit),
 * and gives the terminal back however it ends: `close`, a crash of the UI, or the process exiting
 * (a forced exit, an uncaught error elsewhere).
 */
export function runTui(options: TuiOptions): TuiHandle {
  const stdout = options.stdout ?? process.stdout
  const stdin = options.stdin ?? process.stdin
  const env = options.env ?? process.env
  const environment: TuiEnvironment = {
    palette: createPalette(colorsWanted(env)),
    now: Date.now,
    readSource,
    home: env.HOME ?? os.homedir(),
  }
  let restored = false
  const restore = (): void => {
    if (restored) return
    restored = true
    process.off('exit', restore)
    if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false)
    stdout.write(`${LEAVE_ALTERNATE_SCREEN}${SHOW_CURSOR}`)
  }
  process.on('exit', restore)
  stdout.write(ENTER_ALTERNATE_SCREEN)
  const instance = render(
    <TuiContext.Provider value={environment}>
      <App
        store={options.store}
        {...(options.onForceExit === undefined ? {} : { onForceExit: options.onForceExit })}
      />
    </TuiContext.Provider>,
    {
      stdout,
      stdin,
      stderr: options.stderr ?? process.stderr,
      // Ctrl-C is a key like q (quit, the environments stay warm): Ink must not end the process.
      exitOnCtrlC: false,
      // Console output of hearth's own code would tear the frame: Ink prints it above instead.
      patchConsole: options.patchConsole ?? true,
      // Not Ink's incremental mode: under a frame with a trailing newline (ours) it moves the cursor
      // one row short and tears the screen (ink 6.8). Whole frames, inside the terminal's
      // synchronized-output brackets, do not flicker.
      maxFps: 30,
    },
  )
  const done = instance.waitUntilExit().then(
    () => restore(),
    (error: unknown) => {
      restore()
      throw error
    },
  )
  // `done` is awaited by the caller; an unobserved crash must still not become an unhandled rejection.
  done.catch(() => undefined)
  return {
    done,
    async close() {
      instance.unmount()
      // At once, not after `done`: whoever closes may write to the main screen next.
      restore()
      await done.catch(() => undefined)
    },
  }
}
