import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { CONFIG_FILES, isConfigError } from '@hearth/environments'
import { type CommandSpec, type ParsedArgs, UsageError } from '../args.js'
import { COMPOSE_FILES } from '../compose/compose-file.js'
import {
  type ComposeConversion,
  type ComposeService,
  composeVariables,
  convertCompose,
  describeUnconverted,
  findComposeFiles,
  isComposeError,
  isHearthName,
  renderComposeConfig,
} from '../compose/convert.js'
import { displayPath, errStyle, type Io, outStyle, println } from '../io.js'
import { writeCheckedConfig } from '../scaffold/write-config.js'
import type { Style } from '../style.js'

export const importComposeSpec: CommandSpec = {
  name: 'import-compose',
  summary: 'Convert a Docker Compose file into a hearth config, listing what could not be converted.',
  usage: 'hearth import-compose [file] [options]',
  operands:
    'The Compose file (default: the one `docker compose` would load here: compose.yaml, compose.yml,\n' +
    'docker-compose.yml or docker-compose.yaml). Its services become one environment of hearth.config.ts.',
  options: {
    output: {
      type: 'string',
      value: '<file>',
      description: 'Write the config here (default hearth.config.ts; - for stdout)',
    },
    force: { type: 'boolean', description: 'Replace an existing hearth config' },
    'free-ports': {
      type: 'boolean',
      description: 'Leave out the host ports Compose publishes: the engine picks free ones',
    },
    profile: {
      type: 'string',
      multiple: true,
      value: '<name>',
      description: 'Include the services of this Compose profile too (repeatable)',
    },
    name: {
      type: 'string',
      value: '<name>',
      description: 'Name the environment (default: the Compose name, or compose)',
    },
    'no-presets': {
      type: 'boolean',
      description: 'Convert postgres and redis services as plain containers, not as presets',
    },
  },
  details: [
    'Converts image, build, ports, environment, healthcheck, depends_on (with its conditions), volumes and',
    'command; postgres and redis services become the @hearth/env-postgres and @hearth/env-redis presets',
    'where these keep what the service does (ready on a real query, reset between runs, usable without',
    'Docker). A service others wait for with service_completed_successfully becomes a job. Every Compose',
    'field without a counterpart is listed, and written into the config as a comment.',
    '',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own syntax, shown in the help
    'Variables (`$VAR`, `${VAR:-default}`) take their defaults, or values from the .env file beside the',
    'Compose file, never the shell. Host ports Compose publishes are kept (tests often expect them),',
    'unless --free-ports.',
    '',
    'With --output (or --config) <file>, that file is written, and build contexts and binds are made relative',
    'to its folder, which hearth resolves them against. It is written only once it loads as `hearth up` loads',
    'it (when hearth and the presets it imports are installed): a config that does not load replaces nothing.',
    '',
    'Exit codes: 0 written (also when some fields were not converted), 2 usage error or a file that is not',
    'a Compose file.',
  ].join('\n'),
}

export async function runImportCompose(args: ParsedArgs, io: Io): Promise<number> {
  const root = path.resolve(typeof args.values.cwd === 'string' ? args.values.cwd : process.cwd())
  if (args.operands.length > 1)
    throw new UsageError(
      `hearth import-compose converts one Compose file, not ${args.operands.length}`,
      'pass the main file: override files are not merged',
    )
  const { file, override } = composeFile(root, args.operands[0])
  const output = outputFile(root, args)
  const text = await readFile(path.join(root, file), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      'pass the path of a Compose file',
    )
  })
  const env = await composeVariables(root, file)
  // hearth resolves a config's build contexts, binds and watch globs against the config's own
  // folder, so the conversion is made relative to where the config goes, not to where we stand.
  const configRoot = output === null ? root : path.dirname(output)
  const fromConfig = (name: string) => toPosix(path.relative(configRoot, path.resolve(root, name)))
  let conversion: ComposeConversion
  try {
    conversion = convertCompose(text, {
      file: fromConfig(file),
      root: configRoot,
      displayFile: file,
      ...(typeof args.values.name === 'string' ? { name: args.values.name } : {}),
      ...(env === null ? {} : { variables: env.variables, variablesFrom: fromConfig(env.file) }),
      profiles: (args.values.profile as string[] | undefined) ?? [],
      hostPorts: args.values['free-ports'] !== true,
      presets: args.values['no-presets'] !== true,
      ...(override === null ? {} : { overrideFile: fromConfig(override) }),
    })
  } catch (error) {
    if (isComposeError(error)) throw new UsageError(error.message, error.fix)
    throw error
  }
  checkEnvironmentName(conversion)

  // With --output -, stdout carries the config alone (`hearth import-compose --output - > x.ts`).
  const toStdout = output === null
  const out = toStdout ? io.stderr : io.stdout
  const style = toStdout ? errStyle(io) : outStyle(io)
  const target = output === null ? 'stdout' : displayPath(output)
  println(out, style.bold(`hearth import-compose · ${file} → ${target}`))
  if (conversion.services.length === 0) {
    for (const line of unconvertedLines(conversion, style)) println(out, line)
    throw new UsageError(
      `no service of ${file} could be converted`,
      'see the list above: each entry says why',
    )
  }
  const config = renderComposeConfig(conversion, fromConfig(file))
  if (output === null) io.stdout.write(config)
  for (const line of summaryLines(conversion, style)) println(out, line)
  if (output !== null) await writeConfig(output, config, conversion, io)
  println(
    out,
    style.green(
      `${output === null ? 'printed' : `wrote ${target}`}: \`hearth up\` starts ${conversion.environment.definition.name as string}, \`hearth status\` shows it`,
    ),
  )
  return 0
}

/**
 * Writes the config once it loads as `hearth up` will load it (when what it imports is installed):
 * a conversion that does not validate is a bug to see now, not at the first `hearth up`, and it
 * replaces nothing. When hearth or a preset is not installed, says what to install.
 */
async function writeConfig(file: string, text: string, conversion: ComposeConversion, io: Io): Promise<void> {
  const existed = existsSync(file)
  try {
    const { missing } = await writeCheckedConfig(file, text, ['hearth', ...Object.keys(conversion.imports)])
    if (missing.length > 0)
      println(
        io.stdout,
        `it imports ${missing.join(', ')}: install ${missing.length === 1 ? 'it' : 'them'} as dev dependencies`,
      )
  } catch (error) {
    if (isConfigError(error))
      println(
        io.stderr,
        errStyle(io).red(
          `hearth: the converted config does not load, so ${existed ? `${displayPath(file)} is left as it was` : 'nothing was written'}:`,
        ),
      )
    throw error
  }
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/')
}

/** The Compose file to convert (relative to the root), and an override file found beside it. */
function composeFile(root: string, operand: string | undefined): { file: string; override: string | null } {
  if (operand !== undefined) {
    const relative = path.relative(root, path.resolve(root, operand)).split(path.sep).join('/')
    return { file: relative, override: null }
  }
  const [file, override] = findComposeFiles(root)
  if (file === undefined)
    throw new UsageError(
      `no Compose file in ${displayPath(root)} (looked for ${COMPOSE_FILES.join(', ')})`,
      'pass its path: hearth import-compose path/to/docker-compose.yml',
    )
  return { file, override: override ?? null }
}

/** The config file to write (absolute), or null for stdout; an existing config needs --force. */
function outputFile(root: string, args: ParsedArgs): string | null {
  const option = typeof args.values.output === 'string' ? args.values.output : args.values.config
  if (option === '-') return null
  const target = path.resolve(root, typeof option === 'string' ? option : CONFIG_FILES[0])
  const existing =
    typeof option === 'string'
      ? [target].find((file) => existsSync(file))
      : [target, ...CONFIG_FILES.map((name) => path.join(root, name))].find((file) => existsSync(file))
  if (existing !== undefined && args.values.force !== true)
    throw new UsageError(
      `${displayPath(existing)} already exists: hearth import-compose does not replace a config`,
      'pass --force to replace it, --output <file> to write another file, or --output - to print it',
    )
  return target
}

function checkEnvironmentName(conversion: ComposeConversion): void {
  const name = conversion.environment.definition.name as string
  if (!isHearthName(name))
    throw new UsageError(
      `invalid environment name "${name}"`,
      'use lowercase letters, digits and "-", starting with a letter: --name backend',
    )
}

function summaryLines(conversion: ComposeConversion, style: Style): string[] {
  const { services } = conversion
  const width = Math.max(...services.map((service) => service.name.length)) + 2
  const lines = [
    `${services.length} service${services.length === 1 ? '' : 's'} in environment ${conversion.environment.definition.name as string}:`,
    ...services.map((service) => `  ${service.name.padEnd(width)}${describeService(service)}`),
  ]
  if (conversion.notes.length > 0) {
    lines.push(style.dim('notes:'))
    for (const note of conversion.notes) lines.push(style.dim(`  - ${note}`))
  }
  lines.push(...unconvertedLines(conversion, style))
  return lines
}

function unconvertedLines(conversion: ComposeConversion, style: Style): string[] {
  if (conversion.unconverted.length === 0) return ['everything converted']
  return [
    style.yellow(`could not convert (${conversion.unconverted.length}):`),
    ...conversion.unconverted.map((item) => style.yellow(`  - ${describeUnconverted(item)}`)),
  ]
}

/** `postgres preset (postgres:16), host port 5432` / `container built from api, after db`. */
function describeService(service: ComposeService): string {
  const parts: string[] = []
  if (service.presetOptions !== null) {
    const { image, hostPort } = service.presetOptions
    parts.push(`${service.preset} preset (${String(image)})`)
    if (typeof hostPort === 'number') parts.push(`host port ${hostPort}`)
    return parts.join(', ')
  }
  const definition = service.definition as Record<string, unknown>
  const build = definition.build as { context: string } | undefined
  const what = build === undefined ? String(definition.image) : `built from ${build.context}`
  parts.push(
    service.kind === 'job' ? `job in ${what}` : `container ${build === undefined ? `of ${what}` : what}`,
  )
  const ports = Object.values((definition.ports ?? {}) as Record<string, unknown>)
  const fixed = ports.flatMap((port) =>
    typeof port === 'object' && port !== null && typeof (port as { host?: unknown }).host === 'number'
      ? [(port as { host: number }).host]
      : [],
  )
  if (fixed.length > 0) parts.push(`host port${fixed.length === 1 ? '' : 's'} ${fixed.join(', ')}`)
  const dependsOn = definition.dependsOn as string[] | undefined
  if (dependsOn !== undefined && dependsOn.length > 0) parts.push(`after ${dependsOn.join(', ')}`)
  return parts.join(', ')
}
