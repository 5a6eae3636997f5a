import { type HearthState, selectEnvironmentStatus, selectFailures, selectServices } from '@hearth/core'
import { formatDuration } from '@hearth/environments'
import type { CommandSpec, ParsedArgs } from '../args.js'
import type { Interrupts } from '../interrupts.js'
import { type Io, outStyle, println } from '../io.js'
import { mark, note } from '../profile.js'
import { attachLineReporter } from '../reporters/line-reporter.js'
import { openSession, pickEnvironments } from '../wiring.js'
import { globalOptions, withInterrupts } from './shared.js'

export const upSpec: CommandSpec = {
  name: 'up',
  summary: 'Start environments, attaching to what is already warm, and wait until they are ready.',
  usage: 'hearth up [environment…] [options]',
  operands:
    'Environments to start (default: all of them). Dependencies start first; independent services in parallel.',
  options: {},
  details: [
    'The services keep running after hearth exits: the next `hearth up` (or test run) attaches to them.',
    'Environments unused for longer than the idle TTL (`idleTtl` in the config, default 4h) are removed first.',
    'Stop them with `hearth down`. Ctrl-C while starting stops what this run started.',
    '',
    'Exit codes: 0 ready, 2 usage or configuration error, 3 an environment could not be made ready, 130 interrupted.',
  ].join('\n'),
}

export async function runUp(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const { config, session } = await openSession(globalOptions(args))
  const environments = pickEnvironments(config, args.operands)
  const style = outStyle(io)
  println(io.stdout, style.bold(`hearth up · ${session.project.name} · ${environments.join(', ')}`))
  const detach = attachLineReporter({
    store: session.store,
    write: (line) => println(io.stdout, line),
    style,
  })
  try {
    await withInterrupts(interrupts, session, async () => {
      // Environments unused past the idle TTL go first (the ones asked for then start afresh).
      await session.gc()
      mark('gc')
      const state = await session.up(environments)
      mark('up')
      note('services', attachTimes(state))
      if (selectFailures(state).length > 0 && state.session.interrupted === null) {
        const started = Object.values(state.services).some(
          (service) => service.instance !== null && !service.instance.reused,
        )
        if (started)
          println(io.stdout, style.dim('stopping what this run started, so nothing is left half-started…'))
        await session.down(environments, { only: 'started' })
      }
    })
  } finally {
    detach()
    await session.close()
    mark('close')
  }
  const state = session.store.getState()
  for (const name of environments) println(io.stdout, summarize(state, name, style))
  if (state.session.interrupted === null && selectFailures(state).length === 0) {
    println(io.stdout, style.dim('They stay up: `hearth status` shows them, `hearth down` stops them.'))
  }
  return session.exitCode()
}

/** Each service's time from asked for to ready, in ms, for the profile (HEARTH_PROFILE=1). */
function attachTimes(state: HearthState): Record<string, number> {
  const times: Record<string, number> = {}
  for (const [key, service] of Object.entries(state.services)) {
    if (service.requestedAt !== null && service.readyAt !== null)
      times[key] = Math.round(service.readyAt - service.requestedAt)
  }
  return times
}

function summarize(state: HearthState, environment: string, style: ReturnType<typeof outStyle>): string {
  const services = selectServices(state, environment)
  const status = selectEnvironmentStatus(state, environment)
  if (state.session.interrupted !== null) return style.yellow(`! ${environment} interrupted`)
  if (status !== 'ready') {
    const failed = services.filter(
      (service) => service.failure !== null && service.failure.blockedBy === null,
    )
    return style.red(`✗ ${environment} failed: ${failed.map((service) => service.name).join(', ')}`)
  }
  const requested = Math.min(...services.map((service) => service.requestedAt ?? Number.POSITIVE_INFINITY))
  const ready = Math.max(...services.map((service) => service.readyAt ?? 0))
  const attached = services.filter((service) => service.instance?.reused).length
  const started = services.length - attached
  const parts = [started > 0 ? `${started} started` : '', attached > 0 ? `${attached} attached` : ''].filter(
    Boolean,
  )
  return style.green(
    `✓ ${environment} ready in ${formatDuration(Math.max(0, ready - requested))} (${parts.join(', ')})`,
  )
}
