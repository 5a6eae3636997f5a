import path from 'node:path'
import { type HearthState, type HearthStore, type SelectionReason, waitForState } from '@hearth/core'
import { findConfigFile, formatDuration } from '@hearth/environments'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import type { Interrupts } from '../interrupts.js'
import { errStyle, type Io, outStyle, println } from '../io.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import type { TuiHandle } from '../tui/run-tui.js'
import { type GlobalOptions, openSession } from '../wiring.js'
import { acquireDevLock, type DevLock } from './dev-lock.js'
import { loadTui } from './load-tui.js'
import { describeLeftovers, exitFromState, globalOptions, reportFatal } from './shared.js'

export const devSpec: CommandSpec = {
  name: 'dev',
  summary: 'Keep the environments warm, run the tests, then rerun the ones each save affects.',
  usage: 'hearth dev [options]',
  options: {
    'no-initial': {
      type: 'boolean',
      description: 'Skip the first run of every test; only run what changes affect',
    },
    'no-build': {
      type: 'boolean',
      description: 'Do not rebuild packages used through their build output (the results may then be stale)',
    },
    'no-tui': {
      type: 'boolean',
      description: 'Print one line per change instead of the interactive terminal UI',
    },
  },
  details: [
    'Saving a file reruns the tests that reach it through imports, or whose triggers match it, with why.',
    "Saving a service's watched sources restarts it, waits until it is ready, and reruns its tests.",
    'Services are reset before each run. A save during a run cancels it and runs the union.',
    '',
    'On a terminal it opens the interactive UI (h lists its keys); off a terminal, in CI (CI set) or',
    'with --no-tui it prints one line per change.',
    'Quit with q or Ctrl-C: the environments stay warm for the next run. D quits and stops them.',
    'One `hearth dev` per project: a second one is refused (the first holds .hearth/dev.lock).',
  ].join('\n'),
}

/** The code for a crash of hearth itself (here: of the terminal UI). */
const EXIT_INTERNAL = 70

export async function runDev(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const options = globalOptions(args)
  const interactive = wantsTui(args, io)
  const lock = takeDevLock(options)
  try {
    return await develop(args, io, interrupts, interactive)
  } finally {
    lock?.release()
  }
}

async function develop(
  args: ParsedArgs,
  io: Io,
  interrupts: Interrupts,
  interactive: boolean,
): Promise<number> {
  const { session, close } = await openSession(globalOptions(args), {
    mode: 'watch',
    whenBusy: 'cancel',
    runs: true,
    builds: args.values['no-build'] === true ? 'skip' : 'run',
  })
  const { store } = session
  const style = outStyle(io)
  interrupts.describeLeftovers(() => describeLeftovers(store.getState()))
  // Ctrl-C (a signal: from the line view's terminal, or `kill`) and SIGTERM end the session and
  // leave the environments warm; the exit code is then 130.
  const offSignals = interrupts.onInterrupt((signal) => {
    store.dispatch({ type: 'session/interrupted', at: Date.now(), signal, keepEnvironments: true })
  })
  let view: View
  try {
    view = interactive ? await openTui(store, io) : openLineView(store, io, session.project.name)
  } catch (error) {
    offSignals()
    await close()
    throw error
  }
  let stopWatching: () => Promise<void> = async () => undefined
  // Whatever the work throws becomes `session/failed`: the exit code comes from the state.
  const work = exitFromState(session, async () => {
    await session.gc()
    // Warm from the start (attached to, or started): the first save finds them ready.
    store.dispatch({
      type: 'environment/up-requested',
      at: Date.now(),
      environments: Object.keys(store.getState().config?.environments ?? {}),
    })
    stopWatching = await session.watch()
    const files = store.getState().tests.files
    if (args.values['no-initial'] !== true && Object.keys(files).length > 0) {
      const all: Record<string, SelectionReason[]> = {}
      for (const file of Object.keys(files)) all[file] = [{ kind: 'all' }]
      store.dispatch({ type: 'run/requested', at: Date.now(), trigger: 'all', files: all })
    } else {
      // No first run to reset the data the last session left: reset it now, once the environments
      // are up, so that the first save's run finds it clean and starts at once.
      const used = new Set(Object.values(files).flatMap((file) => file.environment ?? []))
      void session.resetAhead([...used].sort()).catch(() => undefined)
    }
    view.started(session.project.root)
    const state = await waitForState(store, sessionOver)
    // D: the session stops the environments (core turns the quit into a down); wait for it.
    if (state.session.quit?.stopEnvironments === true) await session.settled()
  }).then(() => null)
  // After a crash of the view the work is abandoned: what it throws while being shut down is moot.
  work.catch(() => undefined)
  let crash: unknown = null
  try {
    crash = await Promise.race([work, view.crashed])
  } finally {
    offSignals()
    try {
      await stopWatching()
      await close()
    } finally {
      await view.close()
    }
  }
  if (crash !== null) {
    const errors = errStyle(io)
    const message = crash instanceof Error ? crash.message : String(crash)
    println(io.stderr, `${errors.red('hearth: internal error in the terminal UI:')} ${message}`)
    if (args.values.verbose === true && crash instanceof Error && crash.stack !== undefined)
      println(io.stderr, errors.dim(crash.stack))
    println(io.stderr, errors.dim('  `hearth dev --no-tui` shows the line view instead; please report this'))
    return EXIT_INTERNAL
  }
  const state = store.getState()
  if (state.session.fatal !== null) {
    // On the main screen again (the terminal UI is closed): say what stopped the session.
    reportFatal(session, io, args.values.verbose === true)
    return session.exitCode()
  }
  println(
    io.stdout,
    style.dim(
      state.session.quit?.stopEnvironments === true
        ? 'stopped watching, and stopped the environments'
        : 'stopped watching; the environments stay warm (`hearth down` stops them)',
    ),
  )
  return session.exitCode()
}

/** The interactive UI on a terminal; the line view off one, in CI, or with --no-tui. */
function wantsTui(args: ParsedArgs, io: Io): boolean {
  if (args.values['no-tui'] === true) return false
  const ci = io.env.CI
  if (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') return false
  return io.stdout.isTTY === true && process.stdin.isTTY === true
}

/**
 * Takes the project's dev lock before anything slow starts (the test runner, the drivers). No
 * config found: no lock, and opening the session says what is wrong.
 */
function takeDevLock(options: GlobalOptions): DevLock | null {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  const config = options.config === undefined ? findConfigFile(cwd) : path.resolve(cwd, options.config)
  if (config === null) return null
  const result = acquireDevLock(path.join(path.dirname(config), '.hearth'))
  if (result.ok) return result.lock
  const { holder } = result
  const age =
    holder.startedAt > 0 ? `, started ${formatDuration(Math.max(0, Date.now() - holder.startedAt))} ago` : ''
  throw new UsageError(
    `another \`hearth dev\` already runs in this project (pid ${holder.pid}${age}: ${holder.command})`,
    `use that one, or quit it first (q in its terminal, or \`kill ${holder.pid}\`); it holds ${result.file}`,
  )
}

/** How `hearth dev` shows the session: the line view or the terminal UI. */
interface View {
  /** The watcher is ready: say so. */
  started(root: string): void
  /** Resolves with the error if the view crashed; never settles otherwise. */
  crashed: Promise<unknown>
  close(): Promise<void>
}

function openLineView(store: HearthStore, io: Io, project: string): View {
  const style = outStyle(io)
  println(io.stdout, style.bold(`hearth dev · ${project}`))
  const detach = attachLineReporter({ store, write: (line) => println(io.stdout, line), style })
  const stdin = process.stdin
  const onKey = (data: Buffer): void => {
    const key = data.toString()
    if (key === 'q') store.dispatch({ type: 'session/quit', at: Date.now(), stopEnvironments: false })
    // Raw mode turns Ctrl-C into a key: the same as the signal.
    if (key === '\u0003')
      store.dispatch({
        type: 'session/interrupted',
        at: Date.now(),
        signal: 'SIGINT',
        keepEnvironments: true,
      })
  }
  if (stdin.isTTY) {
    stdin.setRawMode(true)
    stdin.on('data', onKey)
  }
  return {
    started(root) {
      println(io.stdout, style.dim(`watching ${root}${stdin.isTTY ? ' · q to quit' : ''} · Ctrl-C to quit`))
    },
    crashed: new Promise<never>(() => undefined),
    async close() {
      if (stdin.isTTY) {
        stdin.off('data', onKey)
        stdin.setRawMode(false)
        stdin.pause()
      }
      detach()
    },
  }
}

/** Loaded only here, and only on a terminal: no other command (nor the line view) loads React or Ink. */
async function openTui(store: HearthStore, io: Io): Promise<View> {
  const { runTui } = await loadTui()
  let handle: TuiHandle | null = null
  handle = runTui({
    store,
    env: io.env,
    // A second Ctrl-C while quitting (a stop that hangs): the terminal back, what is left, out.
    onForceExit() {
      void handle?.close()
      const left = describeLeftovers(store.getState())
      io.stderr.write(`hearth: quit without waiting.${left === null ? '' : `\n  ${left}`}\n`)
      process.exit(130)
    },
  })
  const tui = handle
  return {
    started() {},
    // Closing resolves `done`: only a crash settles this.
    crashed: tui.done.then(
      () => new Promise<never>(() => undefined),
      (error: unknown) => error ?? new Error('the terminal UI stopped'),
    ),
    close: () => tui.close(),
  }
}

/** The user quit (q, D), the session was interrupted (a signal), or hearth itself failed. */
function sessionOver(state: HearthState): boolean {
  return state.session.quit !== null || state.session.interrupted !== null || state.session.fatal !== null
}
