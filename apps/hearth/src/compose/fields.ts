import path from 'node:path'
import { splitShellWords } from './shell-words.js'
import { isRecord } from './text.js'

/**
 * Readers for single Compose fields (environment, command, build, paths), each returning hearth's
 * value and what did not convert. They know nothing of services or presets.
 */

/** A field (or part of one) that did not convert: where, relative to the service, and why. */
export interface Problem {
  field: string
  reason: string
}

/** hearth's rule for variable names (the validator's): letters, digits and `_`, not a digit first. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** hearth reads `{{…}}` in env values, commands and healthchecks as a template. */
export function hasTemplateBraces(text: string): boolean {
  return text.includes('{{') || text.includes('}}')
}

export interface EnvironmentRead {
  env: Record<string, string>
  /** Variables whose value Compose takes from the shell (`KEY` without a value), and not found. */
  fromShell: string[]
  problems: Problem[]
}

/**
 * `environment:` as a mapping (`KEY: value`, `KEY:` from the shell) or a list (`KEY=value`, `KEY`).
 * A variable without a value takes one from `variables` (.env), as Compose does, else is listed.
 */
export function readEnvironment(
  value: unknown,
  variables: Readonly<Record<string, string>>,
): EnvironmentRead {
  const out: EnvironmentRead = { env: {}, fromShell: [], problems: [] }
  const entries: Array<[string, unknown]> = []
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item)
      const equals = text.indexOf('=')
      entries.push(equals < 0 ? [text, null] : [text.slice(0, equals), text.slice(equals + 1)])
    }
  } else if (isRecord(value)) {
    entries.push(...Object.entries(value))
  } else if (value !== undefined && value !== null) {
    out.problems.push({ field: 'environment', reason: 'not a mapping or a list of KEY=value' })
  }
  for (const [name, raw] of entries) {
    const field = `environment.${name}`
    if (!ENV_NAME.test(name)) {
      out.problems.push({ field, reason: 'hearth takes variable names of letters, digits and "_" only' })
      continue
    }
    if (raw === null || raw === undefined) {
      if (Object.hasOwn(variables, name)) out.env[name] = variables[name] as string
      else out.fromShell.push(name)
      continue
    }
    if (typeof raw === 'object') {
      out.problems.push({ field, reason: 'the value is not a string, number or boolean' })
      continue
    }
    const text = String(raw)
    if (hasTemplateBraces(text)) {
      out.problems.push({
        field,
        reason: 'hearth reads "{{" and "}}" as a template: write the value in the config yourself',
      })
      continue
    }
    out.env[name] = text
  }
  return out
}

export type CommandRead = { argv: string[] | null; problems: Problem[] }

/**
 * `command:` as hearth's argv. A list is the arguments; a string is split into words as Compose does
 * (it runs no shell), because hearth would run a string through `/bin/sh -c`.
 */
export function readCommand(value: unknown, field = 'command'): CommandRead {
  if (value === undefined || value === null) return { argv: null, problems: [] }
  let argv: string[]
  const problems: Problem[] = []
  if (Array.isArray(value)) argv = value.map(String)
  else if (typeof value === 'string') {
    const split = splitShellWords(value)
    if (!split.ok)
      return { argv: null, problems: [{ field, reason: `cannot split it into words: ${split.error}` }] }
    argv = split.words
    if (split.dropped !== null) {
      // Named by its operator alone: what follows it may hold a password (`&& psql -W secret`).
      const operator = /[;&|<>]+/.exec(split.dropped)?.[0] ?? ''
      problems.push({
        field,
        reason: `Compose runs no shell, so it drops everything from the unquoted "${operator}" on, and so does this config: write ["sh", "-c", "…"] for a shell`,
      })
    }
  } else return { argv: null, problems: [{ field, reason: 'not a string or a list of arguments' }] }
  if (argv.length === 0 || (argv[0] as string).trim() === '') return { argv: null, problems }
  if (argv.some(hasTemplateBraces)) {
    return {
      argv: null,
      problems: [
        {
          field,
          reason: 'hearth reads "{{" and "}}" as a template: write the command in the config yourself',
        },
      ],
    }
  }
  return { argv, problems }
}

/**
 * A path of the Compose file (relative to its folder, `composeDir`, itself relative to `root`) as a
 * path relative to `root`, `/`-separated: `./data` in `ops/compose.yaml` is `ops/data`. `root` is
 * the config's folder, hearth's project root, which hearth resolves the config's paths against.
 * Absolute paths are made relative when inside the root. Null for `~` paths.
 */
export function projectPath(source: string, composeDir: string, root: string): string | null {
  if (source.startsWith('~')) return null
  const absolute = path.isAbsolute(source) ? source : path.resolve(root, composeDir, source)
  const relative = path.relative(root, absolute).split(path.sep).join('/')
  if (path.isAbsolute(source) && (relative.startsWith('..') || path.isAbsolute(relative))) return source
  return relative === '' ? '.' : relative
}

/** Is a project-relative path outside the project root? */
export function isOutside(relative: string): boolean {
  return relative === '..' || relative.startsWith('../') || path.isAbsolute(relative)
}

export type BuildRead = {
  build: { context: string; dockerfile?: string; args?: Record<string, string> } | null
  /** Why there is no build at all (the service needs an image then). */
  failure: string | null
  problems: Problem[]
}

const BUILD_FIELDS = new Set(['context', 'dockerfile', 'args'])

/** `build:` as a context path or `{ context, dockerfile, args, … }`, the context made project-relative. */
export function readBuild(
  value: unknown,
  composeDir: string,
  root: string,
  variables: Readonly<Record<string, string>>,
): BuildRead {
  const spec: Record<string, unknown> =
    typeof value === 'string' ? { context: value } : isRecord(value) ? { ...value } : {}
  const problems: Problem[] = []
  for (const key of Object.keys(spec)) {
    if (BUILD_FIELDS.has(key)) continue
    problems.push({ field: `build.${key}`, reason: buildFieldReason(key) })
  }
  const contextText = typeof spec.context === 'string' && spec.context !== '' ? spec.context : '.'
  if (/^[a-z]+:\/\//i.test(contextText) || contextText.startsWith('git@')) {
    return {
      build: null,
      failure: `its build context ${contextText} is remote: hearth builds from folders in the project`,
      problems,
    }
  }
  const context = projectPath(contextText, composeDir, root)
  if (context === null || isOutside(context)) {
    return {
      build: null,
      failure: `its build context ${contextText} is outside the folder of the config: hearth builds from folders inside it`,
      problems,
    }
  }
  if (spec.dockerfile_inline !== undefined) {
    return {
      build: null,
      failure: 'its Dockerfile is inline: hearth builds from a Dockerfile in the context',
      problems,
    }
  }
  const build: { context: string; dockerfile?: string; args?: Record<string, string> } = { context }
  if (typeof spec.dockerfile === 'string' && spec.dockerfile !== 'Dockerfile') {
    const dockerfile = dockerfileIn(spec.dockerfile, path.resolve(root, context))
    if (dockerfile === null) {
      return {
        build: null,
        failure: `its Dockerfile ${spec.dockerfile} is outside its build context: hearth sends only the context to the engine`,
        problems,
      }
    }
    if (dockerfile !== 'Dockerfile') build.dockerfile = dockerfile
  }
  if (spec.args !== undefined) {
    const args = readBuildArgs(spec.args, variables, problems)
    if (Object.keys(args).length > 0) build.args = args
  }
  return { build, failure: null, problems }
}

function dockerfileIn(dockerfile: string, contextDir: string): string | null {
  const absolute = path.resolve(contextDir, dockerfile)
  const relative = path.relative(contextDir, absolute).split(path.sep).join('/')
  return isOutside(relative) || relative === '' ? null : relative
}

function readBuildArgs(
  value: unknown,
  variables: Readonly<Record<string, string>>,
  problems: Problem[],
): Record<string, string> {
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item) => {
        const text = String(item)
        const equals = text.indexOf('=')
        return equals < 0 ? [text, null] : [text.slice(0, equals), text.slice(equals + 1)]
      })
    : isRecord(value)
      ? Object.entries(value)
      : []
  const args: Record<string, string> = {}
  for (const [name, raw] of entries) {
    if (raw === null || raw === undefined) {
      if (Object.hasOwn(variables, name)) args[name] = variables[name] as string
      else
        problems.push({
          field: `build.args.${name}`,
          reason:
            'takes its value from the shell Compose runs in: set it in the config (hearth never copies the shell)',
        })
      continue
    }
    args[name] = String(raw)
  }
  return args
}

function buildFieldReason(key: string): string {
  switch (key) {
    case 'target':
      return 'hearth builds the whole Dockerfile: move the stage you need into a Dockerfile of its own'
    case 'secrets':
    case 'ssh':
      return `hearth's builds take no ${key} (the engine's legacy builder has none)`
    case 'dockerfile_inline':
      return 'hearth builds from a Dockerfile in the context: write this one to a file there'
    default:
      return 'hearth builds with the context, the Dockerfile and the build args only'
  }
}
