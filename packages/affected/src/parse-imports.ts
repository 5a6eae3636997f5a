import { setImmediate as nextTurn } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type EcmaScriptModule, type ParserOptions, parseSync } from 'oxc-parser'

/** How a module names another one. */
export type ImportKind =
  /** `import x from 'm'`, `import { x } from 'm'`, `import * as x from 'm'` */
  | 'import'
  /** `import 'm'` */
  | 'side-effect'
  /** `export { x } from 'm'`, `export * from 'm'` */
  | 're-export'
  /** `import('m')` with a literal specifier */
  | 'dynamic'
  /** `require('m')` with a literal specifier */
  | 'require'
  /** `import x = require('m')` */
  | 'import-equals'

/** One module specifier found in a file. */
export interface ImportRef {
  specifier: string
  kind: ImportKind
  /**
   * True when the import can only affect types: `import type`, `export type … from`,
   * `import('m')` in a type (`typeof import('m')`, `import('m').T`), and every import of a
   * declaration file (`.d.ts`). Such an import never runs, but a change behind it can still break
   * the compile of a test.
   */
  typeOnly: boolean
}

export interface ParsedImports {
  imports: ImportRef[]
  /**
   * `import(expr)` / `require(expr)` whose argument is not a single string literal: the graph cannot
   * follow them, and says so (they are the one way a test reaches a file that this package misses).
   */
  nonLiteral: number
}

const DECLARATION_FILE = /\.d\.[cm]?ts$/
/** `import type X`, `import type { X }`, `import type * as X` (not `import type from`, a default import named `type`). */
const TYPE_STATEMENT = /^(?:import|export)\s+type[\s{*]/
/** What only the AST shows: `require`, `import x = require()`, and `import('m')` in a type. */
const NEEDS_AST = /\brequire\b/
const IMPORT_CALL = /\bimport\s*\(/g

interface Found extends ImportRef {
  at: number
}

/**
 * The import specifiers of a source file (TypeScript or JavaScript), in source order.
 *
 * oxc's parser does the work: its module record lists static imports, re-exports and dynamic
 * imports. Its AST comes over as JSON and becomes JavaScript objects only when asked for (the
 * costly part), so it is walked only for what the record leaves out — `require()`,
 * `import x = require()` and `import()` in a type — by files that mention `require` or have more
 * `import(` than the record's dynamic imports. A file with syntax errors gives what the parser
 * recovered.
 */
export function parseImports(text: string, fileName: string): ParsedImports {
  parsedSinceRelease += text.length
  const declaration = DECLARATION_FILE.test(fileName)
  const result = parseSync(fileName, text, parserOptions(fileName, declaration))
  const module: EcmaScriptModule = result.module
  const found: Found[] = []
  let nonLiteral = 0

  for (const statement of module.staticImports) {
    const { value, start } = statement.moduleRequest
    const head = text.slice(statement.start, start)
    const typeOnly =
      statement.entries.length > 0 &&
      statement.entries.every((entry) => entry.isType) &&
      TYPE_STATEMENT.test(head)
    // `import {} from 'm'` names no binding but is not a bare `import 'm'`.
    const kind = statement.entries.length > 0 || /\bfrom\s*$/.test(head) ? 'import' : 'side-effect'
    found.push({ at: statement.start, specifier: value, kind, typeOnly })
  }
  for (const statement of module.staticExports) {
    // One statement (`export { a, b } from 'm'`) gives an entry per name: one import.
    const request = statement.entries.find((entry) => entry.moduleRequest)?.moduleRequest
    if (!request) continue
    const typeOnly = TYPE_STATEMENT.test(text.slice(statement.start, request.start))
    found.push({ at: statement.start, specifier: request.value, kind: 're-export', typeOnly })
  }
  for (const call of module.dynamicImports) {
    const specifier = literalValue(text.slice(call.moduleRequest.start, call.moduleRequest.end))
    if (specifier === undefined) nonLiteral++
    else found.push({ at: call.start, specifier, kind: 'dynamic', typeOnly: false })
  }
  const importCalls = text.match(IMPORT_CALL)?.length ?? 0
  if (NEEDS_AST.test(text) || importCalls > module.dynamicImports.length) {
    nonLiteral += walk(result.program, found)
  }

  const imports = found
    .sort((a, b) => a.at - b.at)
    .map(({ specifier, kind, typeOnly }) => ({ specifier, kind, typeOnly: typeOnly || declaration }))
  return { imports, nonLiteral }
}

/**
 * Each parse leaves its result's native memory (about 40 times the source: the AST as JSON, the
 * module record) to the finalizer of a small JavaScript object, and V8 runs those only after a
 * full collection, which a heap this small seldom needs: parsing 10,000 files in one go held
 * ~250 MB. {@link releaseParserMemory} runs that collection once this much source was parsed
 * (~40 MB held at most).
 */
const SOURCE_PER_RELEASE = 1_000_000
/** Characters of source parsed since the last release. */
let parsedSinceRelease = 0
let collectGarbage: (() => void) | undefined

/** True when enough was parsed since the last {@link releaseParserMemory} to make one worth it. */
export function parserMemoryPending(): boolean {
  return parsedSinceRelease >= SOURCE_PER_RELEASE
}

/**
 * Frees what finished parses hold: a full collection, then a turn of the event loop, in which the
 * finalizers run. Tens of milliseconds, mostly repaid by the smaller heap. `gc` is taken as Jest's
 * leak detector takes it, without asking the user for `--expose-gc`.
 */
export async function releaseParserMemory(): Promise<void> {
  parsedSinceRelease = 0
  if (!collectGarbage) {
    setFlagsFromString('--expose-gc')
    collectGarbage = runInNewContext('gc') as () => void
  }
  collectGarbage()
  await nextTurn()
}

function parserOptions(fileName: string, declaration: boolean): ParserOptions {
  if (declaration) return { lang: 'dts', sourceType: 'module' }
  if (/\.tsx$/.test(fileName)) return { lang: 'tsx', sourceType: 'module' }
  if (/\.[cm]?ts$/.test(fileName)) return { lang: 'ts', sourceType: 'module' }
  // Plain JavaScript may hold JSX (`<p>Don't</p>` is text, not a quote); CommonJS may `return` at top level.
  return { lang: 'jsx', sourceType: /\.cjs$/.test(fileName) ? 'commonjs' : 'unambiguous' }
}

/** A string literal's value, or a template literal's without `${}`; undefined for anything else. */
function literalValue(source: string): string | undefined {
  const match = /^(['"`])([\s\S]*)\1$/.exec(source)
  if (!match) return undefined
  const [, quote, body = ''] = match
  if (!body.includes('\\')) return quote === '`' && body.includes('${') ? undefined : body
  // Escapes are rare in specifiers; JSON reads the same ones JavaScript does (but for `\'`).
  try {
    return quote === '`' ? undefined : JSON.parse(`"${body.replace(/\\'/g, "'").replace(/"/g, '\\"')}"`)
  } catch {
    return undefined
  }
}

interface Node {
  type: string
  start: number
  [key: string]: unknown
}

/** Collects what the module record leaves out; returns the `require()` calls of computed specifiers. */
function walk(program: unknown, found: Found[]): number {
  let nonLiteral = 0
  const stringOf = (node: unknown): string | undefined => {
    if (!isNode(node)) return undefined
    if (node.type === 'Literal') return typeof node.value === 'string' ? node.value : undefined
    if (node.type === 'TemplateLiteral' && (node.expressions as unknown[]).length === 0) {
      const [quasi] = node.quasis as { value: { cooked: string | null } }[]
      return quasi?.value.cooked ?? undefined
    }
    return undefined
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child)
      return
    }
    if (!isNode(node)) return
    switch (node.type) {
      case 'TSImportEqualsDeclaration': {
        const reference = node.moduleReference as Node
        const specifier =
          reference.type === 'TSExternalModuleReference' ? stringOf(reference.expression) : undefined
        if (specifier !== undefined) {
          found.push({
            at: node.start,
            specifier,
            kind: 'import-equals',
            typeOnly: node.importKind === 'type',
          })
        }
        return
      }
      case 'TSImportType': {
        const specifier = stringOf(node.source ?? node.argument)
        if (specifier !== undefined)
          found.push({ at: node.start, specifier, kind: 'dynamic', typeOnly: true })
        break
      }
      case 'CallExpression': {
        const callee = node.callee as Node
        if (callee.type === 'Identifier' && callee.name === 'require') {
          const args = node.arguments as unknown[]
          const specifier = args.length === 1 ? stringOf(args[0]) : undefined
          if (specifier === undefined) nonLiteral++
          else found.push({ at: node.start, specifier, kind: 'require', typeOnly: false })
        }
        break
      }
    }
    for (const key in node) {
      const child = node[key]
      if (typeof child === 'object' && child !== null) visit(child)
    }
  }
  visit(program)
  return nonLiteral
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'
}
