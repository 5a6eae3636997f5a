import { formatDuration } from '@hearth/environments'
import type { CommandSpec, ParsedArgs } from '../args.js'
import type { Interrupts } from '../interrupts.js'
import { type Io, outStyle, println } from '../io.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { openSession } from '../wiring.js'
import { globalOptions, withInterrupts } from './shared.js'

export const gcSpec: CommandSpec = {
  name: 'gc',
  summary: 'Remove the environments that have sat unused for longer than the idle TTL.',
  usage: 'hearth gc [options]',
  options: {},
  details: [
    'An environment is used when `hearth up` (or a test run) brings it up. The idle TTL is `idleTtl` in',
    'the config (default 4h). Environments the config no longer has expire too. `hearth up` does this',
    'itself before it starts anything.',
    '',
    'Exit codes: 0 done, 2 usage or configuration error, 3 something could not be removed.',
  ].join('\n'),
}

export async function runGc(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const { config, session } = await openSession(globalOptions(args))
  const style = outStyle(io)
  println(
    io.stdout,
    style.bold(`hearth gc · ${session.project.name} · idle TTL ${formatDuration(config.idleTtlMs)}`),
  )
  const detach = attachLineReporter({
    store: session.store,
    write: (line) => println(io.stdout, line),
    style,
  })
  let expired: string[] = []
  try {
    expired = await withInterrupts(interrupts, session, () => session.gc())
  } finally {
    detach()
    await session.close()
  }
  println(
    io.stdout,
    expired.length === 0 ? style.dim('nothing has expired') : style.green(`✓ removed ${expired.join(', ')}`),
  )
  return session.exitCode()
}
