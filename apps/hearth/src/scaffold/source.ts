/**
 * Printing a `hearth.config.ts` that reads as if a person wrote it: `hearth init` and
 * `hearth import-compose` build a {@link ConfigSource} (imports, environments as constants, the
 * config object) and render it here. Values are plain data printed as TypeScript literals; a
 * {@link Code} value is printed as it is (a preset call such as `postgres({ hostPort: 5432 })`).
 */

/** A TypeScript expression printed verbatim. */
export class Code {
  constructor(readonly text: string) {}
}

export function code(text: string): Code {
  return new Code(text)
}

export interface EnvironmentSource {
  /** The constant it is bound to, e.g. `backend`. */
  variable: string
  /** Printed as a `/** … *\/` comment above the constant, one line per entry. */
  comment?: readonly string[]
  /** The object passed to `defineEnvironment`: `{ name, description?, services }`. */
  definition: Readonly<Record<string, unknown>>
}

export interface ConfigSource {
  /** A comment at the top of the file, one line per entry (`// ` is added). */
  header?: readonly string[]
  /** module → names imported from it. `hearth`'s defineConfig/defineEnvironment are added. */
  imports?: Readonly<Record<string, readonly string[]>>
  environments: readonly EnvironmentSource[]
  /** The object passed to `defineConfig`, without `environments` (the constants are listed). */
  config: Readonly<Record<string, unknown>>
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
const LINE = 100

/** A valid, readable constant name for `name` (`my-db` → `myDb`, `2fa` → `env2fa`). */
export function variableName(name: string, taken: ReadonlySet<string> = new Set()): string {
  const words = name.split(/[^A-Za-z0-9_$]+/).filter((word) => word !== '')
  let base = words
    .map((word, index) => (index === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join('')
  if (base === '' || !IDENTIFIER.test(base)) base = `env${base.charAt(0).toUpperCase()}${base.slice(1)}`
  if (RESERVED.has(base)) base = `${base}Environment`
  let candidate = base
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}${n}`
  return candidate
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await defineConfig defineEnvironment'
  ).split(' '),
)

/** A string as a TypeScript literal: single-quoted, double-quoted when it holds a `'` and no `"`. */
export function quote(text: string): string {
  const mark = text.includes("'") && !text.includes('"') ? '"' : "'"
  return `${mark}${text
    .replace(/\\/g, '\\\\')
    .replace(mark === "'" ? /'/g : /"/g, `\\${mark}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}${mark}`
}

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : quote(name)
}

/**
 * A value as a TypeScript literal at `indent` spaces: on one line when it fits in the line width,
 * else one entry a line. `undefined` entries of objects are left out.
 */
export function literal(value: unknown, indent = 0, lead = 0): string {
  const flat = inline(value)
  // `lead`: what stands before the value on its first line (a key, `export default …(`).
  if (flat !== undefined && indent + lead + flat.length <= LINE) return flat
  const pad = ' '.repeat(indent + 2)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((item) => `${pad}${literal(item, indent + 2, 1)},`).join('\n')}\n${' '.repeat(indent)}]`
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined)
    if (entries.length === 0) return '{}'
    return `{\n${entries
      .map(([name, item]) => `${pad}${key(name)}: ${literal(item, indent + 2, key(name).length + 3)},`)
      .join('\n')}\n${' '.repeat(indent)}}`
  }
  // A Code over several lines is printed as written (it lays out its own lines), not as "[object Object]".
  if (value instanceof Code) return value.text
  return flat ?? String(value)
}

function inline(value: unknown): string | undefined {
  if (value instanceof Code) return value.text.includes('\n') ? undefined : value.text
  if (typeof value === 'string') return quote(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (value instanceof RegExp) return String(value)
  if (Array.isArray(value)) {
    const items = value.map(inline)
    if (items.some((item) => item === undefined)) return undefined
    return `[${items.join(', ')}]`
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined)
    if (entries.length === 0) return '{}'
    const items = entries.map(([name, item]) => {
      const text = inline(item)
      return text === undefined ? undefined : `${key(name)}: ${text}`
    })
    if (items.some((item) => item === undefined)) return undefined
    return `{ ${items.join(', ')} }`
  }
  return undefined
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
}

/** The whole file: header, imports (sorted, `hearth` last), one constant per environment, the config. */
export function renderConfigSource(source: ConfigSource): string {
  const imports = new Map<string, Set<string>>()
  for (const [module, names] of Object.entries(source.imports ?? {})) imports.set(module, new Set(names))
  const own = imports.get('hearth') ?? new Set<string>()
  own.add('defineConfig')
  if (source.environments.length > 0) own.add('defineEnvironment')
  imports.set('hearth', own)
  // An environment's constant must not shadow a name the file imports (`const postgres = …` beside
  // `import { postgres }` does not load): such a constant gets another name.
  const taken = new Set<string>([...imports.values()].flatMap((names) => [...names]))
  const variables = source.environments.map((environment) => {
    let name = environment.variable
    if (taken.has(name)) name = variableName(`${name}Environment`, taken)
    taken.add(name)
    return name
  })
  const lines: string[] = []
  for (const line of source.header ?? []) lines.push(line === '' ? '//' : `// ${line.replaceAll('\n', ' ')}`)
  if (lines.length > 0) lines.push('')
  const modules = [...imports.keys()].sort((a, b) =>
    a === 'hearth' ? 1 : b === 'hearth' ? -1 : a < b ? -1 : 1,
  )
  for (const module of modules) {
    const names = [...(imports.get(module) ?? [])].sort()
    lines.push(`import { ${names.join(', ')} } from ${quote(module)}`)
  }
  for (const [index, environment] of source.environments.entries()) {
    lines.push('')
    // `*/` inside a comment would end it early, and the rest of the line would not parse.
    const comment = (environment.comment ?? []).map((line) =>
      line.replaceAll('\n', ' ').replaceAll('*/', '*\\/'),
    )
    if (comment.length === 1) lines.push(`/** ${comment[0]} */`)
    else if (comment.length > 1)
      lines.push('/**', ...comment.map((line) => (line === '' ? ' *' : ` * ${line}`)), ' */')
    lines.push(`const ${variables[index]} = defineEnvironment(${literal(environment.definition, 0, 40)})`)
  }
  lines.push('')
  const config: Record<string, unknown> = {}
  const { project, ...rest } = source.config
  if (project !== undefined) config.project = project
  config.environments = variables.map((variable) => code(variable))
  Object.assign(config, rest)
  lines.push(`export default defineConfig(${literal(config, 0, 30)})`, '')
  return lines.join('\n')
}
