import { parseArgs } from 'node:util'

export interface OptionSpec {
  type: 'boolean' | 'string'
  /** May be given more than once (the value is then an array). */
  multiple?: boolean
  short?: string
  /** Shown in help: `--config <file>`. */
  value?: string
  description: string
}

export interface CommandSpec {
  name: string
  summary: string
  usage: string
  /** What positional arguments mean, for help. */
  operands?: string
  options: Readonly<Record<string, OptionSpec>>
  /** Longer help, after the options. */
  details?: string
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: {
    type: 'string',
    value: '<file>',
    description: 'Use this config file instead of finding hearth.config.ts',
  },
  cwd: { type: 'string', short: 'C', value: '<dir>', description: 'Run as if hearth was started in <dir>' },
  verbose: { type: 'boolean', description: 'Show stack traces and more detail on errors' },
  'require-docker': {
    type: 'boolean',
    description:
      'Run containers in their engine or fail (exit 3), never as their stand-in process (also HEARTH_REQUIRE_DOCKER=1)',
  },
  help: { type: 'boolean', short: 'h', description: 'Show help for the command' },
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message)
  }
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>
  operands: string[]
}

/** Parses one command's arguments; unknown options are a `UsageError` that says what is known. */
export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const all = { ...spec.options, ...GLOBAL_OPTIONS }
  const options = Object.fromEntries(
    Object.entries(all).map(([name, option]) => [
      name,
      {
        type: option.type,
        ...(option.short === undefined ? {} : { short: option.short }),
        ...(option.multiple === true ? { multiple: true } : {}),
      },
    ]),
  )
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    })
    return { values: values as ParsedArgs['values'], operands: positionals }
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    throw new UsageError(`${message} (hearth ${spec.name})`, `see \`hearth ${spec.name} --help\``)
  }
}

/** The help text of a command. */
export function formatCommandHelp(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, ...GLOBAL_OPTIONS }).map(([name, option]) => {
    const flag = `${option.short === undefined ? '    ' : `-${option.short}, `}--${name}${option.value === undefined ? '' : ` ${option.value}`}`
    return [flag, option.description] as const
  })
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2
  const lines = [spec.summary, '', `Usage: ${spec.usage}`]
  if (spec.operands !== undefined) lines.push('', spec.operands)
  lines.push('', 'Options:', ...rows.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`))
  if (spec.details !== undefined) lines.push('', spec.details)
  return `${lines.join('\n')}\n`
}
