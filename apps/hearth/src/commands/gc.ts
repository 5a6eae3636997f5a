import path from 'node:path'
import { createUsageRecords, type HearthState, selectServices, type Usage } from '@hearth/core'
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
    'itself before it starts anything. A last-use time that cannot be read is unknown, not ancient: that',
    'environment is kept, and gc says so; its next use writes a good record.',
    '',
    'Exit codes: 0 done, 2 usage or configuration error, 3 something could not be removed.',
  ].join('\n'),
}

export async function runGc(args: ParsedArgs, io: Io, interrupts: Interrupts): Promise<number> {
  const { config, session, stateDir } = await openSession(globalOptions(args))
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
  let kept: string[] = []
  const usageFile = path.join(stateDir, USAGE_FILE)
  try {
    expired = await withInterrupts(interrupts, session, () => session.gc())
    // gc keeps what it cannot judge without a word: say so, for the environments still running.
    const usage = await createUsageRecords(usageFile).read()
    const unjudged = unreadableUsage(usage, Object.keys(config.environments)).filter(
      (name) => !expired.includes(name),
    )
    if (unjudged.length > 0 && session.store.getState().session.interrupted === null) {
      const state = await session.observe(unjudged)
      kept = unjudged.filter((name) => isRunning(state, name))
    }
  } finally {
    detach()
    await session.close()
  }
  for (const line of describeKept(kept, usageFile)) println(io.stdout, style.yellow(line))
  println(
    io.stdout,
    expired.length === 0 ? style.dim('nothing has expired') : style.green(`✓ removed ${expired.join(', ')}`),
  )
  return session.exitCode()
}

/** When each environment was last used: this file of the state folder, as @hearth/core's `openSession` names it. */
const USAGE_FILE = 'environments.json'

/**
 * The environments (of `names`) whose last-use time cannot be read: a time that is no number, or
 * every one of them when the records cannot be read at all (`null`). gc keeps those.
 */
export function unreadableUsage(usage: Usage | null, names: readonly string[]): string[] {
  if (usage === null) return [...names]
  return names.filter((name) => {
    const record = usage[name]
    return record !== undefined && !Number.isFinite(record.lastUsedAt)
  })
}

function isRunning(state: HearthState, environment: string): boolean {
  return selectServices(state, environment).some(
    (service) => service.instance !== null && service.status !== 'stopped',
  )
}

/** `! kept backend: its last-use time in <file> cannot be read …`, one line per environment. */
export function describeKept(kept: readonly string[], usageFile: string): string[] {
  return kept.map(
    (name) =>
      `! kept ${name}: its last-use time in ${usageFile} cannot be read; unknown is not ancient, so the idle TTL does not remove it (its next \`hearth up\` records a good time; \`hearth down ${name}\` removes it now)`,
  )
}
