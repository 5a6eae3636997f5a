import { parseSync } from 'oxc-parser'
import { isRecord } from './tsconfig.js'

/** The bundlers whose entry config is read: each names its outputs after its entries. */
export type BuildTool = 'tsdown' | 'tsup' | 'unbuild'

/** One entry as a config writes it. */
export interface EntryLiteral {
  /** A path or a glob (`src/*.ts`, `!src/*.test.ts`), relative to the package; unbuild may omit the extension. */
  input: string
  /** The output name when the config gives one (`{ cli: 'src/cli.ts' }`, unbuild's `name`). */
  name?: string
  /** An output folder for this entry alone (unbuild's `outDir`). */
  outDir?: string
}

/** What one config (of possibly several in one file) says about entries and outputs. */
export interface BuildConfigLiteral {
  tool: BuildTool
  /** The file the config was read from (a package.json for its `tsup` field). */
  file: string
  /** Undefined when the config names no entry (the tool's default applies). */
  entries?: EntryLiteral[]
  /** `outDir`, relative to the package, when written as a literal. */
  outDir?: string
  /** tsdown's `root`, unbuild's `rootDir`: what output names are relative to. */
  root?: string
}

/** Config files in a package folder, in the order they are looked for (the tools' own order). */
export const BUILD_CONFIG_FILES: readonly { tool: BuildTool; file: string }[] = [
  ...['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json'].map((ext) => ({
    tool: 'tsdown' as const,
    file: `tsdown.config.${ext}`,
  })),
  ...['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json'].map((ext) => ({
    tool: 'tsup' as const,
    file: `tsup.config.${ext}`,
  })),
  ...['ts', 'mts', 'js', 'mjs', 'cjs'].map((ext) => ({
    tool: 'unbuild' as const,
    file: `build.config.${ext}`,
  })),
]

/** A config file name (`tsdown.config.ts`, `build.config.mjs`): a change to one can change resolution. */
export const BUILD_CONFIG_FILE = /(^|[\\/])(tsdown|tsup|build)\.config\.[cm]?[jt]s(on)?$/

/**
 * The configs of a build tool's config file, read statically: the file is never run (it may import
 * anything, and running it would be slow and unsafe). The default export is found — `export
 * default`, or `module.exports =` — and followed through `defineConfig(…)`, arrays of configs,
 * functions returning a config, `as`/`satisfies`, and top-level `const`s. Of each config object,
 * `entry`/`entries`, `outDir` and `root`/`rootDir` are read when they are literals (strings, arrays,
 * `{ name: 'src/x.ts' }` objects, unbuild's `{ input, name, outDir }`); anything computed is left
 * out rather than guessed. A JSON config (`tsup.config.json`, package.json `tsup`) is plain data.
 */
export function parseBuildConfig(text: string, file: string, tool: BuildTool): BuildConfigLiteral[] {
  if (file.endsWith('.json')) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return []
    }
    return buildConfigsFromJson(value, file, tool)
  }
  const { program } = parseSync(file, text, { lang: /\.[cm]?js$/.test(file) ? 'js' : 'ts' })
  const constants = new Map<string, Node>()
  let exported: Node | undefined
  for (const statement of nodes(program.body)) {
    // `export const` is a top-level `const` too.
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement
    if (isNode(declaration) && declaration.type === 'VariableDeclaration') {
      for (const declarator of declaration.declarations as Node[]) {
        const { id, init } = declarator
        if (isNode(id) && id.type === 'Identifier' && isNode(init)) constants.set(id.name as string, init)
      }
    } else if (statement.type === 'ExportDefaultDeclaration') {
      // `export default function () {}` declares a function: a config is an expression.
      const value = statement.declaration
      if (isNode(value) && !/Declaration$/.test(value.type)) exported = value
    } else if (statement.type === 'ExpressionStatement') {
      const expression = statement.expression
      if (
        isNode(expression) &&
        expression.type === 'AssignmentExpression' &&
        expression.operator === '=' &&
        isModuleExports(expression.left)
      ) {
        exported ??= expression.right as Node
      }
    }
  }
  if (!exported) return []
  const reader = new LiteralReader(constants)
  return reader.configObjects(exported).map((object) => reader.config(object, file, tool))
}

/** The configs of a JSON value: an object, or an array of them. */
export function buildConfigsFromJson(value: unknown, file: string, tool: BuildTool): BuildConfigLiteral[] {
  const objects = Array.isArray(value) ? value : [value]
  return objects.filter(isRecord).map((object) => {
    const config: BuildConfigLiteral = { tool, file }
    const entries = entriesFromValue(object.entry ?? object.entries)
    if (entries) config.entries = entries
    if (typeof object.outDir === 'string') config.outDir = object.outDir
    const root = object.root ?? object.rootDir
    if (typeof root === 'string') config.root = root
    return config
  })
}

/** Entries from a literal value (string, array, name → path object), or undefined when there are none. */
function entriesFromValue(value: unknown): EntryLiteral[] | undefined {
  if (typeof value === 'string') return [{ input: value }]
  if (Array.isArray(value)) {
    const entries = value.flatMap((item) => entriesFromValue(item) ?? [])
    return entries.length > 0 ? entries : undefined
  }
  if (!isRecord(value)) return undefined
  // unbuild: `{ input: 'src/index', name?: 'main', outDir?: 'dist/x', builder?: 'mkdist' }`.
  if (typeof value.input === 'string') {
    const entry: EntryLiteral = { input: value.input }
    if (typeof value.name === 'string') entry.name = value.name
    if (typeof value.outDir === 'string') entry.outDir = value.outDir
    return [entry]
  }
  // tsdown / tsup: `{ index: 'src/index.ts', 'cli/main': 'src/cli.ts' }`.
  const entries = Object.entries(value)
    .filter((pair): pair is [string, string] => typeof pair[1] === 'string')
    .map(([name, input]) => ({ input, name }))
  return entries.length > 0 ? entries : undefined
}

/** Configs are small: deeper than this is a `const` naming itself, not a config. */
const MAX_DEPTH = 64

/** A node of oxc's ESTree AST, as far as reading literals needs. */
interface Node {
  type: string
  [key: string]: unknown
}

/** Wrappers that leave the value as it is: parentheses, `as`, `satisfies`, `!`, `<T>x`. */
const TRANSPARENT = new Set([
  'ParenthesizedExpression',
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
])

/** Turns the literal parts of a config's syntax into plain values; what is not literal is `undefined`. */
class LiteralReader {
  readonly #constants: Map<string, Node>
  /** How deep the reading is: `const a = [a]` must end, not loop. */
  #depth = 0

  constructor(constants: Map<string, Node>) {
    this.#constants = constants
  }

  /** The config object literals an exported expression stands for. */
  configObjects(expression: Node): Node[] {
    return this.#nested(() => this.#configObjects(expression)) ?? []
  }

  #configObjects(expression: Node): Node[] {
    const node = this.#unwrap(expression)
    if (!node) return []
    if (node.type === 'ObjectExpression') return [node]
    if (node.type === 'ArrayExpression') return nodes(node.elements).flatMap((e) => this.configObjects(e))
    // defineConfig({...}), defineBuildConfig([...]): the first argument.
    if (node.type === 'CallExpression') {
      const [first] = nodes(node.arguments)
      return first ? this.configObjects(first) : []
    }
    // defineConfig((options) => ({...})) or a function with `return {...}`.
    if (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') {
      const body = node.body as Node
      if (body.type !== 'BlockStatement') return this.configObjects(body)
      return nodes(body.body).flatMap((statement) =>
        statement.type === 'ReturnStatement' && isNode(statement.argument)
          ? this.configObjects(statement.argument)
          : [],
      )
    }
    return []
  }

  config(object: Node, file: string, tool: BuildTool): BuildConfigLiteral {
    const config: BuildConfigLiteral = { tool, file }
    const entries = entriesFromValue(this.#property(object, tool === 'unbuild' ? 'entries' : 'entry'))
    if (entries) config.entries = entries
    const outDir = this.#property(object, 'outDir')
    if (typeof outDir === 'string') config.outDir = outDir
    const root = this.#property(object, tool === 'unbuild' ? 'rootDir' : 'root')
    if (typeof root === 'string') config.root = root
    return config
  }

  #property(object: Node, name: string): unknown {
    // The last one wins, as in the object at run time.
    let found: unknown
    for (const property of nodes(object.properties)) {
      if (isPlainProperty(property) && propertyName(property) === name)
        found = this.value(property.value as Node)
    }
    return found
  }

  /** A literal value: strings, arrays and objects of literals, or a `const` holding one. */
  value(expression: Node): unknown {
    return this.#nested(() => this.#value(expression))
  }

  #value(expression: Node): unknown {
    const node = this.#unwrap(expression)
    if (!node) return undefined
    const string = stringValue(node)
    if (string !== undefined) return string
    if (node.type === 'ArrayExpression') {
      return nodes(node.elements)
        .filter((element) => element.type !== 'SpreadElement')
        .map((e) => this.value(e))
    }
    if (node.type === 'ObjectExpression') {
      const result: Record<string, unknown> = {}
      for (const property of nodes(node.properties)) {
        if (!isPlainProperty(property)) continue
        const key = propertyName(property)
        if (key !== undefined) result[key] = this.value(property.value as Node)
      }
      return result
    }
    return undefined
  }

  #nested<T>(read: () => T): T | undefined {
    if (this.#depth > MAX_DEPTH) return undefined
    const depth = this.#depth++
    try {
      return read()
    } finally {
      this.#depth = depth
    }
  }

  /** Through parentheses, `as`, `satisfies`, `!`, and identifiers naming a top-level `const`. */
  #unwrap(expression: Node): Node | undefined {
    let node: Node = expression
    for (;;) {
      if (TRANSPARENT.has(node.type) && isNode(node.expression)) {
        node = node.expression
      } else if (node.type === 'Identifier') {
        const initializer = this.#constants.get(node.name as string)
        if (!initializer || initializer === node) return undefined
        node = initializer
        if (++this.#depth > MAX_DEPTH) return undefined
      } else {
        return node
      }
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'
}

/** The nodes of a list (holes and anything else left out). */
function nodes(value: unknown): Node[] {
  return Array.isArray(value) ? value.filter(isNode) : []
}

/** `key: value` or shorthand `key`, not a method, accessor or spread. */
function isPlainProperty(node: Node): boolean {
  return node.type === 'Property' && node.kind === 'init' && node.method !== true
}

/** A string literal's value, or a template literal's without `${}`. */
function stringValue(node: Node): string | undefined {
  if (node.type === 'Literal') return typeof node.value === 'string' ? node.value : undefined
  if (node.type === 'TemplateLiteral' && nodes(node.expressions).length === 0) {
    const [quasi] = node.quasis as { value: { cooked: string | null } }[]
    return quasi?.value.cooked ?? undefined
  }
  return undefined
}

/** A property's name when it is written out (`a`, `'a'`, `1`); computed names are not read. */
function propertyName(property: Node): string | undefined {
  const key = property.key as Node
  if (property.computed) return undefined
  if (key.type === 'Identifier') return key.name as string
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number'))
    return String(key.value)
  return undefined
}

function isModuleExports(node: unknown): boolean {
  return (
    isNode(node) &&
    node.type === 'MemberExpression' &&
    node.computed === false &&
    isNode(node.object) &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    isNode(node.property) &&
    node.property.name === 'exports'
  )
}
