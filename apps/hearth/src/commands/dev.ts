import type { SelectionReason } from '@hearth/core'
import type { CommandSpec, ParsedArgs } from '../args.js'
import type { Interrupts } from '../interrupts.js'
import { type Io, outStyle, println } from '../io.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { openSession } from '../wiring.js'
import { globalOptions } from './shared.js'

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
  },
  details: [
    'Saving a file reruns the tests that reach it through imports, or whose triggers match it, with why.',
    "Saving a service's watched sources restarts it, waits until it is ready, and reruns its tests.",
    'Services are reset before each run. A save during a run cancels it and runs the union.',
    '',
    'Quit with q (on a terminal) or Ctrl-C: the environments stay warm for the next run.',
    'This is the line view; the interactive terminal UI comes later.',
  ].join('\n'),
}

export async function runDev(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const { session, close } = await openSession(globalOptions(args), {
    mode: 'watch',
    whenBusy: 'cancel',
    builds: args.values['no-build'] === true ? 'skip' : 'run',
  })
  const style = outStyle(io)
  println(io.stdout, style.bold(`hearth dev · ${session.project.name}`))
  const detach = attachLineReporter({
    store: session.store,
    write: (line) => println(io.stdout, line),
    style,
  })
  let stopWatching: (() => Promise<void>) | null = null
  let quit: (code: number) => void = () => undefined
  const done = new Promise<number>((resolve) => {
    quit = resolve
  })
  // Quitting leaves the environments warm (no session.interrupt, which would stop what it started).
  const offSignals = interrupts.onInterrupt(() => quit(130))
  const stdin = process.stdin
  const onKey = (data: Buffer): void => {
    const key = data.toString()
    if (key === 'q' || key === '\u0003') quit(0)
  }
  if (stdin.isTTY) {
    stdin.setRawMode(true)
    stdin.on('data', onKey)
  }
  try {
    await session.gc()
    stopWatching = await session.watch()
    const files = session.store.getState().tests.files
    if (args.values['no-initial'] !== true && Object.keys(files).length > 0) {
      const all: Record<string, SelectionReason[]> = {}
      for (const file of Object.keys(files)) all[file] = [{ kind: 'all' }]
      session.store.dispatch({ type: 'run/requested', at: Date.now(), trigger: 'all', files: all })
    }
    println(
      io.stdout,
      style.dim(`watching ${session.project.root}${stdin.isTTY ? ' · q to quit' : ''} · Ctrl-C to quit`),
    )
    return await done
  } finally {
    offSignals()
    if (stdin.isTTY) {
      stdin.off('data', onKey)
      stdin.setRawMode(false)
      stdin.pause()
    }
    await stopWatching?.()
    detach()
    await close()
    println(io.stdout, style.dim('stopped watching; the environments stay warm (`hearth down` stops them)'))
  }
}
