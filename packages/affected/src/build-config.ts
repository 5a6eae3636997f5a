import path from 'node:path'
import ts from 'typescript'
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
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, scriptKind(file))
  const constants = new Map<string, ts.Expression>()
  let exported: ts.Expression | undefined
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.initializer)
          constants.set(declaration.name.text, declaration.initializer)
      }
    } else if (ts.isExportAssignment(statement) && !statement.isExportEquals) {
      exported = statement.expression
    } else if (
      ts.isExpressionStatement(statement) &&
      ts.isBinaryExpression(statement.expression) &&
      statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      isModuleExports(statement.expression.left)
    ) {
      exported ??= statement.expression.right
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

/** Turns the literal parts of a config's syntax into plain values; what is not literal is `undefined`. */
class LiteralReader {
  readonly #constants: Map<string, ts.Expression>
  /** How deep the reading is: `const a = [a]` must end, not loop. */
  #depth = 0

  constructor(constants: Map<string, ts.Expression>) {
    this.#constants = constants
  }

  /** The config object literals an exported expression stands for. */
  configObjects(expression: ts.Expression): ts.ObjectLiteralExpression[] {
    return this.#nested(() => this.#configObjects(expression)) ?? []
  }

  #configObjects(expression: ts.Expression): ts.ObjectLiteralExpression[] {
    const node = this.#unwrap(expression)
    if (!node) return []
    if (ts.isObjectLiteralExpression(node)) return [node]
    if (ts.isArrayLiteralExpression(node)) return node.elements.flatMap((e) => this.configObjects(e))
    // defineConfig({...}), defineBuildConfig([...]): the first argument.
    if (ts.isCallExpression(node)) return node.arguments[0] ? this.configObjects(node.arguments[0]) : []
    // defineConfig((options) => ({...})) or a function with `return {...}`.
    if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      if (!ts.isBlock(node.body)) return this.configObjects(node.body)
      return node.body.statements.flatMap((statement) =>
        ts.isReturnStatement(statement) && statement.expression
          ? this.configObjects(statement.expression)
          : [],
      )
    }
    return []
  }

  config(object: ts.ObjectLiteralExpression, file: string, tool: BuildTool): BuildConfigLiteral {
    const config: BuildConfigLiteral = { tool, file }
    const entries = entriesFromValue(this.#property(object, tool === 'unbuild' ? 'entries' : 'entry'))
    if (entries) config.entries = entries
    const outDir = this.#property(object, 'outDir')
    if (typeof outDir === 'string') config.outDir = outDir
    const root = this.#property(object, tool === 'unbuild' ? 'rootDir' : 'root')
    if (typeof root === 'string') config.root = root
    return config
  }

  #property(object: ts.ObjectLiteralExpression, name: string): unknown {
    // The last one wins, as in the object at run time.
    let found: unknown
    for (const property of object.properties) {
      if (ts.isPropertyAssignment(property) && propertyName(property.name) === name)
        found = this.value(property.initializer)
      else if (ts.isShorthandPropertyAssignment(property) && property.name.text === name)
        found = this.value(property.name)
    }
    return found
  }

  /** A literal value: strings, arrays and objects of literals, or a `const` holding one. */
  value(expression: ts.Expression): unknown {
    return this.#nested(() => this.#value(expression))
  }

  #value(expression: ts.Expression): unknown {
    const node = this.#unwrap(expression)
    if (!node) return undefined
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text
    if (ts.isArrayLiteralExpression(node)) {
      return node.elements.filter((element) => !ts.isSpreadElement(element)).map((e) => this.value(e))
    }
    if (ts.isObjectLiteralExpression(node)) {
      const result: Record<string, unknown> = {}
      for (const property of node.properties) {
        if (ts.isPropertyAssignment(property)) {
          const key = propertyName(property.name)
          if (key !== undefined) result[key] = this.value(property.initializer)
        } else if (ts.isShorthandPropertyAssignment(property)) {
          result[property.name.text] = this.value(property.name)
        }
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
  #unwrap(expression: ts.Expression): ts.Expression | undefined {
    let node: ts.Expression = expression
    for (;;) {
      if (
        ts.isParenthesizedExpression(node) ||
        ts.isAsExpression(node) ||
        ts.isSatisfiesExpression(node) ||
        ts.isNonNullExpression(node) ||
        ts.isTypeAssertionExpression(node)
      ) {
        node = node.expression
      } else if (ts.isIdentifier(node)) {
        const initializer = this.#constants.get(node.text)
        if (!initializer || initializer === node) return undefined
        node = initializer
        if (++this.#depth > MAX_DEPTH) return undefined
      } else {
        return node
      }
    }
  }
}

function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text
  if (ts.isNoSubstitutionTemplateLiteral(name)) return name.text
  return undefined
}

function isModuleExports(node: ts.Expression): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'module' &&
    node.name.text === 'exports'
  )
}

function scriptKind(file: string): ts.ScriptKind {
  const ext = path.extname(file)
  return ext === '.js' || ext === '.mjs' || ext === '.cjs' ? ts.ScriptKind.JS : ts.ScriptKind.TS
}
