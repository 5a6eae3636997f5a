import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { type ImportRef, type ParsedImports, parseImports } from './parse-imports.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))

const show = (refs: ImportRef[]) =>
  refs.map((ref) => `${ref.kind}${ref.typeOnly ? ' (type)' : ''} ${ref.specifier}`)

describe('parseImports on TypeScript', () => {
  it.each([
    ["import x from 'a'", ['import a']],
    ["import { x, y as z } from 'a'", ['import a']],
    ["import * as ns from 'a'", ['import a']],
    ["import x, { y } from 'a'", ['import a']],
    ["import x, * as y from 'a'", ['import a']],
    ["import 'a'", ['side-effect a']],
    ['import "a";import "b"', ['side-effect a', 'side-effect b']],
    ["import type { T } from 'a'", ['import (type) a']],
    ["import type T from 'a'", ['import (type) a']],
    ["import type * as T from 'a'", ['import (type) a']],
    ["import { type T, value } from 'a'", ['import a']],
    ["import type from 'a'", ['import a']],
    ["import type, { x } from 'a'", ['import a']],
    ["import type from from 'a'", ['import (type) a']],
    ["import { from } from 'a'", ['import a']],
    ["import { 'a-b' as c } from 'a'", ['import a']],
    ["import json from './x.json' with { type: 'json' }", ['import ./x.json']],
    ["import defer * as ns from 'a'", ['import a']],
    ["export { x } from 'a'", ['re-export a']],
    ["export * from 'a'", ['re-export a']],
    ["export * as ns from 'a'", ['re-export a']],
    ["export { default } from 'a'; export { default as b } from 'b'", ['re-export a', 're-export b']],
    ["export type { T } from 'a'", ['re-export (type) a']],
    ["export type * from 'a'", ['re-export (type) a']],
    ['export { x }; export const y = 1; export type T = string; export default z', []],
    ["export type T = import('a').T", ['dynamic (type) a']],
    ["import('a')", ['dynamic a']],
    ["await import('a', { with: { type: 'json' } })", ['dynamic a']],
    ['import(`a`)', ['dynamic a']],
    ["const m: typeof import('a') = x", ['dynamic (type) a']],
    ["require('a')", ['require a']],
    ["const { x } = require('a')", ['require a']],
    ['require(`a`)', ['require a']],
    ["import x = require('a')", ['import-equals a']],
    ["import type x = require('a')", ['import-equals (type) a']],
    ["export import x = require('a')", ['import-equals a']],
    ['export import x = N.y', []],
    // Not imports.
    ["// import 'a'\n/* import 'b' */\n/** require('c') */", []],
    ['const s = "import \'a\'"; const t = \'require("b")\'', []],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    ["const t = `import 'a' ${'x'} require('b')`", []],
    ["x.import('a'); x.require('b'); x?.require('c')", []],
    ['import.meta.url', []],
    ['function require(id) { return id } class A { import(x) {} }', []],
    ["const o = { import: 'a', require: 'b' }", []],
    ["declare module 'a' { export const x: number }", []],
    // Template literals with expressions, regular expressions, division.
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
      "const t = `${import('a')} and ${`${require('b')}`} ${ {k: 1}.k }`; import 'c'",
      ['dynamic a', 'require b', 'side-effect c'],
    ],
    ["const r = /['\"`]/g; import 'a'", ['side-effect a']],
    ["const r = x.replace(/\\/*import 'no'*\\//, ''); import 'a'", ['side-effect a']],
    ["const d = a / b / c; const e = (a) / 2; import 'a'", ['side-effect a']],
    ["if (/`/.test(x)) {}\nimport 'a'", ['side-effect a']],
    ["const v = x! / 2 / y; import 'a'", ['side-effect a']],
  ])('%s', (source, expected) => {
    const { imports } = parseImports(source, 'file.ts')
    expect(show(imports)).toEqual(expected)
    expect(show(imports)).toEqual(show(referenceImports(source, 'file.ts').imports))
  })

  it('counts import() and require() of computed specifiers, which it cannot follow', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text under test
    const source = "import(name); require('./locale/' + lang); import(`./${x}`); import('a')"
    expect(parseImports(source, 'file.ts')).toEqual({
      imports: [{ specifier: 'a', kind: 'dynamic', typeOnly: false }],
      nonLiteral: 3,
    })
  })
})

describe('parseImports', () => {
  it('parses files that can hold JSX with the full parser (JSX text is not code)', () => {
    const source =
      "import a from 'a'\nexport const C = () => <p>Don't `import 'x'`</p>\nconst l = () => import('b')"
    expect(show(parseImports(source, 'c.tsx').imports)).toEqual(['import a', 'dynamic b'])
    expect(show(parseImports(source, 'c.jsx').imports)).toEqual(['import a', 'dynamic b'])
    expect(show(parseImports(source, 'c.js').imports)).toEqual(['import a', 'dynamic b'])
  })

  it('marks every import of a declaration file type-only', () => {
    expect(show(parseImports("import { A } from 'a'\nexport * from 'b'", 'x.d.ts').imports)).toEqual([
      'import (type) a',
      're-export (type) b',
    ])
  })

  // Parses every file twice, TypeScript's parser included: seconds, and far more beside busy neighbours.
  it("agrees with TypeScript's parser on every source file of this repository", { timeout: 120_000 }, () => {
    const files = sourceFiles(REPO)
    expect(files.length).toBeGreaterThan(100)
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      const scanned = parseImports(text, file).imports.map(({ specifier, kind }) => `${kind} ${specifier}`)
      const parsed = referenceImports(text, file).imports.map(({ specifier, kind }) => `${kind} ${specifier}`)
      expect({ file, imports: scanned }).toEqual({ file, imports: parsed })
    }
  })
})

function sourceFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', '.hearth'].includes(entry.name)) continue
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) found.push(...sourceFiles(file))
    else if (/\.[cm]?ts$/.test(entry.name)) found.push(file)
  }
  return found
}

const Kind = ts.SyntaxKind

/**
 * The reference: the same imports found with TypeScript's own parser, an implementation
 * independent of oxc's (TypeScript is a dev dependency for this alone).
 */
function referenceImports(text: string, fileName: string): ParsedImports {
  const kind = /\.tsx$/.test(fileName)
    ? ts.ScriptKind.TSX
    : /\.[cm]?tsx?$/.test(fileName)
      ? ts.ScriptKind.TS
      : ts.ScriptKind.JSX
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind)
  const imports: ImportRef[] = []
  let nonLiteral = 0
  const literal = (node: ts.Node | undefined): string | undefined =>
    node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const specifier = literal(node.moduleSpecifier)
      if (specifier !== undefined) {
        const clauseNode = node.importClause
        imports.push({
          specifier,
          kind: clauseNode ? 'import' : 'side-effect',
          typeOnly: clauseNode?.phaseModifier === Kind.TypeKeyword,
        })
      }
      return
    }
    if (ts.isExportDeclaration(node)) {
      const specifier = literal(node.moduleSpecifier)
      if (specifier !== undefined) imports.push({ specifier, kind: 're-export', typeOnly: node.isTypeOnly })
      return
    }
    if (ts.isImportEqualsDeclaration(node)) {
      if (ts.isExternalModuleReference(node.moduleReference)) {
        const specifier = literal(node.moduleReference.expression)
        if (specifier !== undefined) {
          imports.push({ specifier, kind: 'import-equals', typeOnly: node.isTypeOnly })
        }
      }
      return
    }
    if (ts.isImportTypeNode(node)) {
      const argument = node.argument
      const specifier = ts.isLiteralTypeNode(argument) ? literal(argument.literal) : undefined
      if (specifier !== undefined) imports.push({ specifier, kind: 'dynamic', typeOnly: true })
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression
      const isImport = callee.kind === Kind.ImportKeyword
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require'
      if (isImport || isRequire) {
        const specifier = literal(node.arguments[0])
        if (specifier !== undefined && (isImport || node.arguments.length === 1)) {
          imports.push({ specifier, kind: isImport ? 'dynamic' : 'require', typeOnly: false })
        } else {
          nonLiteral++
        }
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return { imports, nonLiteral }
}
