import ts from 'typescript'

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
   * `typeof import('m')`, and every import of a declaration file (`.d.ts`). Such an import never
   * runs, but a change behind it can still break the compile of a test.
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

// `ts.SyntaxKind` is a getter on TypeScript's module object: read it once, not per token.
const Kind = ts.SyntaxKind
const JSX_EXTENSION = /\.[jt]sx$/
const JS_EXTENSION = /\.[cm]?js$/
const DECLARATION_FILE = /\.d\.[cm]?ts$/

/**
 * The import specifiers of a source file (TypeScript or JavaScript).
 *
 * Files that can hold JSX (`.tsx`, `.jsx`, and `.js` files that look like they do) go through
 * TypeScript's parser, since JSX text (`<p>Don't</p>`) cannot be told from code by a token
 * scanner. Everything else goes through {@link scanImports}, TypeScript's scanner driven by a
 * small state machine, about five times faster than a full parse; both give the same answer on
 * this repository's sources (a test checks that).
 */
export function parseImports(text: string, fileName: string): ParsedImports {
  const declaration = DECLARATION_FILE.test(fileName)
  const mayHoldJsx = JSX_EXTENSION.test(fileName) || (JS_EXTENSION.test(fileName) && /<\/|\/>/.test(text))
  const parsed = mayHoldJsx ? parseImportsWithAst(text, fileName) : scanImports(text)
  if (declaration) for (const ref of parsed.imports) ref.typeOnly = true
  return parsed
}

/** Tokens after which a `/` divides; after anything else it starts a regular expression. */
function slashDivides(token: ts.SyntaxKind | undefined): boolean {
  switch (token) {
    case Kind.Identifier:
    case Kind.PrivateIdentifier:
    case Kind.ThisKeyword:
    case Kind.SuperKeyword:
    case Kind.TrueKeyword:
    case Kind.FalseKeyword:
    case Kind.NullKeyword:
    case Kind.NumericLiteral:
    case Kind.BigIntLiteral:
    case Kind.StringLiteral:
    case Kind.NoSubstitutionTemplateLiteral:
    case Kind.TemplateTail:
    case Kind.RegularExpressionLiteral:
    case Kind.CloseParenToken:
    case Kind.CloseBracketToken:
    case Kind.CloseBraceToken:
    case Kind.PlusPlusToken:
    case Kind.MinusMinusToken:
    case Kind.ExclamationToken: // non-null assertion `x! / 2`
      return true
    default:
      // Contextual keywords (`type`, `as`, `from`, `of`, …) are names far more often than operators.
      return token !== undefined && token > Kind.LastReservedWord && token <= Kind.LastKeyword
  }
}

const isName = (token: ts.SyntaxKind) =>
  token === Kind.Identifier || (token >= Kind.FirstKeyword && token <= Kind.LastKeyword)
const isStringToken = (token: ts.SyntaxKind) =>
  token === Kind.StringLiteral || token === Kind.NoSubstitutionTemplateLiteral

/**
 * Import specifiers found with TypeScript's scanner (comments, strings, template literals and
 * regular expressions are skipped as the language defines them). Recognises static imports and
 * re-exports (with `type`), `import x = require()`, and `import()` / `require()` calls whose one
 * argument is a string literal. Does not understand JSX: see {@link parseImports}.
 */
export function scanImports(text: string): ParsedImports {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text)
  const imports: ImportRef[] = []
  let nonLiteral = 0
  let previous: ts.SyntaxKind | undefined
  let token = Kind.Unknown as ts.SyntaxKind
  // Open `${` and `{` inside template literals: a `}` closing a template's `${` resumes the template.
  const templates: ts.SyntaxKind[] = []
  // `typeof import('m')` is a type query.
  let previousWasTypeof = false

  const next = (): ts.SyntaxKind => {
    previous = token
    token = scanner.scan()
    if ((token === Kind.SlashToken || token === Kind.SlashEqualsToken) && !slashDivides(previous)) {
      token = scanner.reScanSlashToken()
    } else if (token === Kind.TemplateHead) {
      templates.push(token)
    } else if (token === Kind.OpenBraceToken && templates.length > 0) {
      templates.push(token)
    } else if (token === Kind.CloseBraceToken && templates.length > 0) {
      if (templates.pop() === Kind.TemplateHead) {
        token = scanner.reScanTemplateToken(false)
        if (token === Kind.TemplateMiddle) templates.push(Kind.TemplateHead)
      }
    }
    return token
  }
  const peek = (): ts.SyntaxKind => scanner.lookAhead(() => scanner.scan())
  const value = () => scanner.getTokenValue()

  /** `(` `'m'` `)` (or `, options)`) after `import` / `require`; the current token is `(`. */
  const call = (kind: ImportKind, typeOnly: boolean): void => {
    next()
    if (isStringToken(token)) {
      const specifier = value()
      const after = peek()
      if (after === Kind.CloseParenToken || after === Kind.CommaToken) {
        imports.push({ specifier, kind, typeOnly })
        return
      }
    }
    nonLiteral++
  }

  /**
   * The clause of `import … from 'm'` / `export … from 'm'`: names, keywords, braces, commas, `*`
   * and quoted export names, up to `from 'm'`. Returns the specifier, or undefined when the
   * statement turns out not to name a module (`export { a }`, `export const …`).
   */
  const clause = (): string | undefined => {
    while (true) {
      const current = next()
      if (current === Kind.FromKeyword && isStringToken(peek())) {
        next()
        return value()
      }
      if (
        isName(current) ||
        current === Kind.OpenBraceToken ||
        current === Kind.CloseBraceToken ||
        current === Kind.CommaToken ||
        current === Kind.AsteriskToken ||
        current === Kind.StringLiteral
      ) {
        // `export { a }` ends at its `}` unless `from` follows.
        if (current === Kind.CloseBraceToken && peek() !== Kind.FromKeyword) return undefined
        continue
      }
      return undefined
    }
  }

  const importStatement = (exported: boolean): void => {
    // The current token is `import` (after `export`, if `exported`).
    const after = peek()
    if (after === Kind.OpenParenToken) {
      next()
      call('dynamic', previousWasTypeof)
      return
    }
    if (after === Kind.DotToken) return // import.meta
    if (isStringToken(after) && !exported) {
      next()
      imports.push({ specifier: value(), kind: 'side-effect', typeOnly: false })
      return
    }
    // `import type X …` — but `import type from 'm'` imports a default export named `type`.
    let typeOnly = false
    if (after === Kind.TypeKeyword) {
      const third = scanner.lookAhead(() => {
        scanner.scan()
        return scanner.scan()
      })
      if (third !== Kind.FromKeyword && third !== Kind.EqualsToken && third !== Kind.CommaToken) {
        typeOnly = true
      } else if (third === Kind.FromKeyword) {
        // `import type from 'm'` (default import named `type`) vs `import type from from 'm'`.
        const fourth = scanner.lookAhead(() => {
          scanner.scan()
          scanner.scan()
          return scanner.scan()
        })
        typeOnly = !isStringToken(fourth)
      }
      if (typeOnly) next()
    }
    // `import x = require('m')`
    const equals = scanner.lookAhead(() => {
      const name = scanner.scan()
      return isName(name) && scanner.scan() === Kind.EqualsToken && scanner.scan() === Kind.RequireKeyword
    })
    if (equals) {
      next() // name
      next() // =
      next() // require
      if (next() === Kind.OpenParenToken) call('import-equals', typeOnly)
      return
    }
    if (exported) return // `export import A = B.C` (a namespace alias)
    const specifier = clause()
    if (specifier !== undefined) imports.push({ specifier, kind: 'import', typeOnly })
  }

  next()
  while (token !== Kind.EndOfFileToken) {
    const memberAccess = previous === Kind.DotToken || previous === Kind.QuestionDotToken
    previousWasTypeof = previous === Kind.TypeOfKeyword
    if (token === Kind.ImportKeyword && !memberAccess) {
      importStatement(false)
    } else if (token === Kind.ExportKeyword && !memberAccess) {
      const after = peek()
      if (after === Kind.ImportKeyword) {
        next()
        importStatement(true)
      } else if (
        after === Kind.OpenBraceToken ||
        after === Kind.AsteriskToken ||
        after === Kind.TypeKeyword
      ) {
        let typeOnly = false
        if (after === Kind.TypeKeyword) {
          const third = scanner.lookAhead(() => {
            scanner.scan()
            return scanner.scan()
          })
          // `export type { A } from 'm'`, `export type * from 'm'`; not `export type A = …`
          if (third !== Kind.OpenBraceToken && third !== Kind.AsteriskToken) {
            next()
            next()
            continue
          }
          typeOnly = true
          next()
        }
        const specifier = clause()
        if (specifier !== undefined) imports.push({ specifier, kind: 're-export', typeOnly })
      }
    } else if (token === Kind.RequireKeyword && !memberAccess && peek() === Kind.OpenParenToken) {
      // Not a declaration of a function or method named `require`.
      if (previous !== Kind.FunctionKeyword) {
        next()
        call('require', false)
      }
    }
    next()
  }
  return { imports, nonLiteral }
}

/**
 * Import specifiers found with TypeScript's full parser: exact, and slower (used for files that
 * can hold JSX, and by the tests as the reference for {@link scanImports}).
 */
export function parseImportsWithAst(text: string, fileName: string): ParsedImports {
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
