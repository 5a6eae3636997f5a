import type { CommandSpec, ParsedArgs } from '../args.js'
import { type Io, outStyle, println } from '../io.js'
import { formatStatusTable, toStatusJson } from '../reporters/status-table.js'
import { openSession, pickEnvironments } from '../wiring.js'
import { globalOptions } from './shared.js'

export const statusSpec: CommandSpec = {
  name: 'status',
  summary: 'Show the environments and their services: what runs, where, and since when.',
  usage: 'hearth status [environment…] [--json] [options]',
  operands: 'Environments to show (default: all of them).',
  options: {
    json: {
      type: 'boolean',
      description: 'Print JSON (a versioned schema: see `version`) instead of a table',
    },
  },
  details: 'Reads the runtimes; starts and stops nothing.',
}

export async function runStatus(args: ParsedArgs, io: Io): Promise<number> {
  const { config, session } = await openSession(globalOptions(args))
  const environments = pickEnvironments(config, args.operands)
  try {
    const state = await session.observe(environments)
    if (args.values.json === true) {
      println(io.stdout, JSON.stringify(toStatusJson(state, environments), null, 2))
    } else {
      println(io.stdout, formatStatusTable(state, environments, outStyle(io), Date.now()))
    }
  } finally {
    await session.close()
  }
  return 0
}
