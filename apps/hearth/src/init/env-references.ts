import { PRESETS, type ServiceKind } from './service-variables.js'

/**
 * What a test file (or a file it imports, or a Vitest setup file) says about the services it needs,
 * read from its text: the environment variables it reads and the addresses it hard-codes. A light,
 * conservative read (comments removed, strings kept), not a parse: it finds the common forms and
 * never runs the file.
 */
export interface SourceFindings {
  /** The variables read, in order of first appearance. */
  variables: string[]
  /**
   * Variables read on a line that also names a URL of an engine hearth has no preset for
   * (`process.env.DATABASE_URL ?? 'mysql://…'`): not mapped to a service.
   */
  foreign: string[]
  /** Local addresses of PostgreSQL or Redis written in the file. */
  addresses: HardCodedAddress[]
}

export interface HardCodedAddress {
  kind: ServiceKind
  port: number
  /** From a URL's user info or path (PostgreSQL), or from the properties of a client's options. */
  user?: string
  password?: string
  database?: string
  /**
   * True when the address is only the fallback of a variable the tests read
   * (`process.env.DATABASE_URL ?? 'postgres://localhost:5432/app'`): hearth sets the variable, so
   * the fallback is never used, and the port needs no pinning.
   */
  fallback: boolean
  /** 1-based line. */
  line: number
}

const ENV_OBJECT = String.raw`(?:process\.env|import\.meta\.env)`
const IDENT = String.raw`[A-Za-z_$][\w$]*`
const MEMBER = new RegExp(String.raw`\b${ENV_OBJECT}(?:\?\.|\.)(${IDENT})`, 'g')
const INDEXED = new RegExp(String.raw`\b${ENV_OBJECT}(?:\?\.)?\[\s*(['"\`])([A-Za-z_][\w]*)\1\s*\]`, 'g')
const DESTRUCTURED = new RegExp(String.raw`\{([^{}]*)\}\s*=\s*${ENV_OBJECT}(?![\w$.[])`, 'g')
/** `import { env } from 'node:process'`, `const { env } = process`, `const env = process.env`. */
const ENV_ALIAS = [
  /\bimport\s*\{[^}]*\benv\b[^}]*\}\s*from\s*['"](?:node:)?process['"]/,
  /\{[^{}]*\benv\b[^{}]*\}\s*=\s*process\b(?!\.)/,
  /\b(?:const|let|var)\s+env\s*=\s*process\.env\b/,
]
const ALIAS_MEMBER = /(?<![\w$.])env(?:\?\.|\.)([A-Z_][A-Z0-9_]*)\b/g
const ALIAS_INDEXED = /(?<![\w$.])env(?:\?\.)?\[\s*(['"`])([A-Za-z_][\w]*)\1\s*\]/g
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const LOCAL_HOST = String.raw`(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])`
const URL_PATTERN = new RegExp(
  String.raw`\b(postgres(?:ql)?|redis|valkey):\/\/(?:([^\s'"\`@/:]*)(?::([^\s'"\`@/]*))?@)?${LOCAL_HOST}(?::(\d{1,5}))?(\/[^\s'"\`?#]*)?`,
  'gi',
)
const HOST_PORT = new RegExp(String.raw`${LOCAL_HOST}:(\d{1,5})\b`, 'g')
const PORT_PROPERTY = /\bport\s*:\s*(['"]?)(\d{1,5})\1/g
const FOREIGN_URL =
  /\b(?:mysql|mariadb|mongodb(?:\+srv)?|mssql|sqlserver|sqlite|amqps?|kafka|memcached?):\/\//i
/**
 * A variable read, then `??` or `||`, at the end of the text before a literal: the literal is the
 * read's fallback, however the lines are wrapped (`process.env.DATABASE_URL ??⏎  'postgres://…'`).
 */
const ENV_FALLBACK_BEFORE = new RegExp(
  String.raw`(?:${ENV_OBJECT}|(?<![\w$.])env)(?:(?:\?\.|\.)${IDENT}|(?:\?\.)?\[\s*(['"\`])[A-Za-z_]\w*\1\s*\])\s*\)?\s*(?:\?\?|\|\|)\s*\(?\s*$`,
)
/** What follows a variable read when it has a fallback: `?? 'literal'`, across line breaks. */
const FALLBACK_AFTER = /^\s*(?:\?\?|\|\|)\s*\(?\s*(['"`])([^'"`]*)\1/

/** Reads a source file's text. Pure. */
export function scanSource(text: string): SourceFindings {
  const code = stripComments(text)
  const lines = code.split('\n')
  const variables = new Set<string>()
  const foreign = new Set<string>()
  /** `end`: where the read ends, to find its fallback when that is on the next line. */
  const found = (name: string, index: number, end?: number) => {
    if (!VALID_NAME.test(name)) return
    variables.add(name)
    const fallback = end === undefined ? undefined : FALLBACK_AFTER.exec(code.slice(end, end + 400))?.[2]
    if (FOREIGN_URL.test(lineAt(code, index)) || (fallback !== undefined && FOREIGN_URL.test(fallback)))
      foreign.add(name)
  }
  const endOf = (match: RegExpExecArray | RegExpMatchArray) => (match.index ?? 0) + match[0].length
  for (const match of code.matchAll(MEMBER)) found(match[1] ?? '', match.index, endOf(match))
  for (const match of code.matchAll(INDEXED)) found(match[2] ?? '', match.index, endOf(match))
  for (const match of code.matchAll(DESTRUCTURED)) {
    for (const name of destructuredNames(match[1] ?? '')) found(name, match.index)
  }
  if (ENV_ALIAS.some((pattern) => pattern.test(code))) {
    for (const match of code.matchAll(ALIAS_MEMBER)) found(match[1] ?? '', match.index, endOf(match))
    for (const match of code.matchAll(ALIAS_INDEXED)) found(match[2] ?? '', match.index, endOf(match))
  }
  // In order of appearance: the matchers above ran one after the other.
  const ordered = [...variables].sort((a, b) => firstIndex(code, a) - firstIndex(code, b))
  return {
    variables: ordered,
    foreign: [...foreign].filter((name) => variables.has(name)),
    addresses: findAddresses(code, lines),
  }
}

function firstIndex(code: string, name: string): number {
  const index = code.search(new RegExp(String.raw`\b${name}\b`))
  return index < 0 ? Number.MAX_SAFE_INTEGER : index
}

/** `{ A, B: b, C = 'x', 'D-E': d, ...rest }` → A, B, C (a quoted key only if it is a valid name). */
function destructuredNames(body: string): string[] {
  const names: string[] = []
  for (const raw of body.split(',')) {
    const entry = raw.trim()
    if (entry === '' || entry.startsWith('...')) continue
    const key = /^(['"]?)([A-Za-z_$][\w$]*)\1\s*(?:[:=]|$)/.exec(entry)?.[2]
    if (key !== undefined) names.push(key)
  }
  return names
}

function findAddresses(code: string, lines: readonly string[]): HardCodedAddress[] {
  const addresses: HardCodedAddress[] = []
  const lineOf = (index: number) => code.slice(0, index).split('\n').length
  // A fallback: on a line that reads a variable, or the right-hand side of `??`/`||` after a read,
  // on whichever line the formatter put it.
  const isFallback = (line: number, index: number) =>
    /\b(?:process\.env|import\.meta\.env)\b|(?<![\w$.])env(?:\?\.|\.|\[)/.test(lines[line - 1] ?? '') ||
    ENV_FALLBACK_BEFORE.test(
      code.slice(Math.max(0, literalStart(code, index) - 400), literalStart(code, index)),
    )
  // URLs first; what they cover is blanked so that `localhost:5432` inside one is not counted twice.
  let rest = code
  for (const match of code.matchAll(URL_PATTERN)) {
    const scheme = (match[1] ?? '').toLowerCase()
    const kind: ServiceKind = scheme.startsWith('postgres') ? 'postgres' : 'redis'
    const line = lineOf(match.index)
    const address: HardCodedAddress = {
      kind,
      port: match[4] === undefined ? PRESETS[kind].port : Number(match[4]),
      fallback: isFallback(line, match.index),
      line,
    }
    if (kind === 'postgres') {
      const user = decode(match[2])
      const password = decode(match[3])
      const database = decode(match[5]?.slice(1).split('/')[0])
      if (user) address.user = user
      if (password) address.password = password
      if (database) address.database = database
    }
    if (address.port > 0 && address.port < 65536) addresses.push(address)
    rest =
      rest.slice(0, match.index) + ' '.repeat(match[0].length) + rest.slice(match.index + match[0].length)
  }
  // `localhost:5432` without a scheme: only the servers' own default ports say which server it is.
  for (const match of rest.matchAll(HOST_PORT)) {
    const kind = kindOfPort(Number(match[1]))
    if (kind === null) continue
    const line = lineOf(match.index)
    addresses.push({ kind, port: Number(match[1]), fallback: isFallback(line, match.index), line })
  }
  // A client's options: `{ host: 'localhost', port: 5432, user: 'app', database: 'shop' }`.
  for (const match of rest.matchAll(PORT_PROPERTY)) {
    const kind = kindOfPort(Number(match[2]))
    if (kind === null) continue
    const object = enclosingObject(rest, match.index)
    if (object === null) continue
    const host = stringProperty(object, 'host')
    if (host !== undefined && !new RegExp(`^${LOCAL_HOST}$`).test(host)) continue
    if (host === undefined && !new RegExp(LOCAL_HOST).test(object)) continue
    const line = lineOf(match.index)
    const address: HardCodedAddress = {
      kind,
      port: Number(match[2]),
      fallback: isFallback(line, match.index),
      line,
    }
    if (kind === 'postgres') {
      const user = stringProperty(object, 'user') ?? stringProperty(object, 'username')
      const password = stringProperty(object, 'password')
      const database = stringProperty(object, 'database')
      if (user !== undefined) address.user = user
      if (password !== undefined) address.password = password
      if (database !== undefined) address.database = database
    }
    addresses.push(address)
  }
  return addresses.sort((a, b) => a.line - b.line)
}

function kindOfPort(port: number): ServiceKind | null {
  if (port === PRESETS.postgres.port) return 'postgres'
  if (port === PRESETS.redis.port) return 'redis'
  return null
}

/** The `{ … }` (without nested objects) around `index`, or null. */
function enclosingObject(code: string, index: number): string | null {
  const open = code.lastIndexOf('{', index)
  const close = code.indexOf('}', index)
  if (open < 0 || close < 0) return null
  const body = code.slice(open + 1, close)
  return body.includes('{') ? null : body
}

function stringProperty(object: string, name: string): string | undefined {
  return new RegExp(String.raw`\b${name}\s*:\s*(['"\`])([^'"\`]*)\1`).exec(object)?.[2]
}

function decode(part: string | undefined): string | undefined {
  if (part === undefined || part === '') return undefined
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

/** Where the string literal holding `index` opens (its quote), or `index` when it is in none. */
function literalStart(code: string, index: number): number {
  const before = code.slice(0, index)
  const quote = Math.max(before.lastIndexOf("'"), before.lastIndexOf('"'), before.lastIndexOf('`'))
  if (quote < 0) return index
  // Quotes other than backticks do not span lines: one on an earlier line opened another string.
  return code[quote] === '`' || !code.slice(quote + 1, index).includes('\n') ? quote : index
}

function lineAt(code: string, index: number): string {
  const start = code.lastIndexOf('\n', index) + 1
  const end = code.indexOf('\n', index)
  return code.slice(start, end < 0 ? undefined : end)
}

/**
 * The text with its comments blanked (newlines kept, so lines still count), strings and template
 * literals left as they are. A `/` that starts a regular expression is not told from a division:
 * a regex holding a quote or `//` may blank a little too much, which only hides a variable.
 */
export function stripComments(text: string): string {
  let out = ''
  let index = 0
  let quote: string | null = null
  while (index < text.length) {
    const char = text[index] as string
    const next = text[index + 1]
    if (quote !== null) {
      out += char
      if (char === '\\') {
        out += next ?? ''
        index += 2
        continue
      }
      if (char === quote) quote = null
      else if (char === '\n' && quote !== '`') quote = null
      index++
      continue
    }
    if (char === "'" || char === '"' || char === '`') {
      quote = char
      out += char
      index++
      continue
    }
    if (char === '/' && next === '/') {
      const end = text.indexOf('\n', index)
      const stop = end < 0 ? text.length : end
      out += ' '.repeat(stop - index)
      index = stop
      continue
    }
    if (char === '/' && next === '*') {
      const end = text.indexOf('*/', index + 2)
      const stop = end < 0 ? text.length : end + 2
      out += text.slice(index, stop).replace(/[^\n]/g, ' ')
      index = stop
      continue
    }
    out += char
    index++
  }
  return out
}
