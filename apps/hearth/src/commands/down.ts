import { selectFailures } from '@hearth/core'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import type { Interrupts } from '../interrupts.js'
import { type Io, outStyle, println } from '../io.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { openSession, pickEnvironments } from '../wiring.js'
import { globalOptions, withInterrupts } from './shared.js'

export const downSpec: CommandSpec = {
  name: 'down',
  summary: 'Stop environments and remove everything hearth created for them.',
  usage: 'hearth down [environment… | --all] [options]',
  operands: 'Environments to stop (default: all of them). Dependents stop before what they depend on.',
  options: {
    all: {
      type: 'boolean',
      description:
        "Every environment of this project, those the config no longer has too, and hearth's networks and volumes",
    },
  },
  details:
    "Only resources that carry this project's hearth labels are touched.\n\nExit codes: 0 stopped, 2 usage or configuration error, 3 something could not be stopped.",
}

export async function runDown(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const { config, session } = await openSession(globalOptions(args))
  const all = args.values.all === true
  if (all && args.operands.length > 0) {
    throw new UsageError(
      '--all takes no environment names',
      'run `hearth down --all`, or name the environments without it',
    )
  }
  const environments = pickEnvironments(config, args.operands)
  const style = outStyle(io)
  println(io.stdout, style.bold(`hearth down · ${session.project.name} · ${environments.join(', ')}`))
  let stoppedCount = 0
  const detach = attachLineReporter({
    store: session.store,
    write: (line) => println(io.stdout, line),
    style,
  })
  const count = session.store.subscribeActions((action) => {
    if (action.type === 'service/stopped') stoppedCount++
  })
  try {
    await withInterrupts(interrupts, session, () => (all ? session.downAll() : session.down(environments)))
  } finally {
    detach()
    count()
    await session.close()
  }
  const state = session.store.getState()
  if (selectFailures(state).length > 0) {
    println(io.stdout, style.red('✗ some services could not be stopped (see above)'))
  } else if (stoppedCount === 0) {
    println(io.stdout, style.dim(`nothing was running in ${all ? 'this project' : environments.join(', ')}`))
  } else {
    println(
      io.stdout,
      style.green(
        `✓ stopped ${environments.join(', ')} (${stoppedCount} ${stoppedCount === 1 ? 'service' : 'services'})`,
      ),
    )
  }
  return session.exitCode()
}
