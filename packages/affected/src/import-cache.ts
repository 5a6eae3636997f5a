import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { CachedFileSystem } from './file-system.js'
import { type ImportKind, type ImportRef, parseImports } from './parse-imports.js'

/** A code file's imports as the graph keeps them; `missing` when there is no such file. */
export interface FileImports {
  missing: boolean
  imports: ImportRef[]
  nonLiteral: number
  parseError?: string
}

/** Bumped when what is cached changes shape or meaning: an older cache is then ignored. */
const FORMAT = 1
/** A new parser may find imports differently: its version is part of the cache's key. */
const PARSER_VERSION: string = createRequire(import.meta.url)('oxc-parser/package.json').version
const CACHE_FILE = 'imports.json'
/**
 * A file modified within this long before the cache was written may have changed again in the
 * same clock tick with the same size (git's "racy clean"): its content hash decides.
 */
const RACY_MS = 2_000

const KINDS: readonly ImportKind[] = [
  'import',
  'side-effect',
  're-export',
  'dynamic',
  'require',
  'import-equals',
]

/** On disk: `[mtimeMs, size, content hash, nonLiteral, parseError, ...[specifier, kind, typeOnly]]`. */
type Entry = [number, number, string, number, string | null, ...[string, number, 0 | 1][]]

interface CacheFile {
  format: number
  parser: string
  writtenAt: number
  /** Path relative to the root → entry. */
  files: Record<string, Entry>
}

/**
 * The imports of the workspace's code files, persisted across runs in
 * `node_modules/.cache/hearth/imports.json` under the root (where hearth keeps its compiled
 * config), so that a second graph build parses only what changed, and reads only what was touched.
 * A file whose size and modification time match its entry is not read at all; one whose time
 * changed is read and hashed, and parsed again only when its content did change.
 *
 * The cache is a hint, never a source of truth: a missing, corrupt or older-format file is
 * ignored, and one that cannot be written is not written. Without a `node_modules` folder under
 * the root there is nowhere hearth's caches live, and nothing is kept.
 */
export class ImportCache {
  readonly #root: string
  /** The root with a trailing separator: keys are the paths below it. */
  readonly #prefix: string
  readonly #fs: CachedFileSystem
  readonly #file: string | undefined
  readonly #loaded: Record<string, Entry>
  readonly #loadedAt: number
  readonly #current = new Map<string, Entry>()
  #dirty = false
  /** What the cache saved: files read from disk, and files parsed (for tests and the curious). */
  readonly counts = { read: 0, parsed: 0 }

  /** `fs` gives the files' status (the resolver looked at most of them already). */
  constructor(root: string, fs: CachedFileSystem, persist = true) {
    this.#root = root
    this.#prefix = root.endsWith(path.sep) ? root : root + path.sep
    this.#fs = fs
    const modules = path.join(root, 'node_modules')
    this.#file =
      persist && existsSync(modules) ? path.join(modules, '.cache', 'hearth', CACHE_FILE) : undefined
    const cached = this.#file === undefined ? undefined : readCacheFile(this.#file)
    this.#loaded = cached?.files ?? {}
    this.#loadedAt = cached?.writtenAt ?? 0
  }

  /**
   * The imports of a code file. `reread`: the caller knows it changed (a watcher said so), so its
   * time is not trusted; its content still is.
   */
  imports(file: string, reread = false): FileImports {
    const stat = this.#fs.stat(file)
    const key = this.#key(file)
    if (!stat?.isFile) {
      this.#forget(key)
      return { missing: true, imports: [], nonLiteral: 0 }
    }
    const known = this.#current.get(key) ?? this.#loaded[key]
    if (
      !reread &&
      known !== undefined &&
      known[0] === stat.mtimeMs &&
      known[1] === stat.size &&
      stat.mtimeMs < this.#loadedAt - RACY_MS
    ) {
      this.#keep(key, known)
      return fromEntry(known)
    }
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      this.#forget(key)
      return { missing: true, imports: [], nonLiteral: 0 }
    }
    this.counts.read++
    const hash = createHash('sha1').update(text).digest('base64')
    if (known !== undefined && known[2] === hash) {
      const entry: Entry = [stat.mtimeMs, stat.size, hash, ...(known.slice(3) as [number, string | null])]
      this.#keep(key, entry)
      return fromEntry(entry)
    }
    this.counts.parsed++
    const parsed = parse(text, file)
    this.#keep(key, toEntry(stat.mtimeMs, stat.size, hash, parsed))
    return parsed
  }

  /**
   * Writes the entries of `files` (the graph's code files: what it no longer holds is dropped), if
   * anything changed. Written to a temporary file and renamed over the cache, so a reader (another
   * hearth) sees the old cache or the new one, never half of one.
   */
  save(files: Iterable<string>): void {
    if (this.#file === undefined) return
    const entries: Record<string, Entry> = {}
    let count = 0
    for (const file of files) {
      const key = this.#key(file)
      const entry = this.#current.get(key)
      if (entry === undefined) continue
      entries[key] = entry
      count++
    }
    if (!this.#dirty && count === Object.keys(this.#loaded).length) return
    const content: CacheFile = {
      format: FORMAT,
      parser: PARSER_VERSION,
      writtenAt: Date.now(),
      files: entries,
    }
    const temporary = `${this.#file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      mkdirSync(path.dirname(this.#file), { recursive: true })
      writeFileSync(temporary, JSON.stringify(content))
      renameSync(temporary, this.#file)
      this.#dirty = false
    } catch {
      // A read-only or full disk: the next run parses again, which is all the cache saves.
      rmSync(temporary, { force: true })
    }
  }

  /** The path from the root (a slice for the files below it, which all but a few are). */
  #key(file: string): string {
    return file.startsWith(this.#prefix) ? file.slice(this.#prefix.length) : path.relative(this.#root, file)
  }

  #keep(key: string, entry: Entry): void {
    if (this.#current.get(key) !== entry) {
      if (this.#loaded[key] !== entry) this.#dirty = true
      this.#current.set(key, entry)
    }
  }

  #forget(key: string): void {
    if (this.#current.delete(key) || key in this.#loaded) this.#dirty = true
  }
}

function parse(text: string, file: string): FileImports {
  try {
    return { missing: false, ...parseImports(text, file) }
  } catch (error) {
    // The parser recovers from bad syntax; this is for the unexpected.
    return { missing: false, imports: [], nonLiteral: 0, parseError: String(error) }
  }
}

function toEntry(mtimeMs: number, size: number, hash: string, parsed: FileImports): Entry {
  const imports = parsed.imports.map((ref): [string, number, 0 | 1] => [
    ref.specifier,
    KINDS.indexOf(ref.kind),
    ref.typeOnly ? 1 : 0,
  ])
  return [mtimeMs, size, hash, parsed.nonLiteral, parsed.parseError ?? null, ...imports]
}

function fromEntry(entry: Entry): FileImports {
  const [, , , nonLiteral, parseError, ...imports] = entry
  const result: FileImports = {
    missing: false,
    imports: imports.map(([specifier, kind, typeOnly]) => ({
      specifier,
      kind: KINDS[kind]!,
      typeOnly: typeOnly === 1,
    })),
    nonLiteral,
  }
  if (parseError !== null) result.parseError = parseError
  return result
}

/** The cache file's content when it is one of this format and parser; undefined otherwise. */
function readCacheFile(file: string): CacheFile | undefined {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
  const cache = value as Partial<CacheFile> | null
  if (
    typeof cache !== 'object' ||
    cache === null ||
    cache.format !== FORMAT ||
    cache.parser !== PARSER_VERSION ||
    typeof cache.writtenAt !== 'number' ||
    typeof cache.files !== 'object' ||
    cache.files === null
  ) {
    return undefined
  }
  // Entries are checked as they are used: one that is not well formed is as good as absent.
  const files: Record<string, Entry> = {}
  for (const [key, entry] of Object.entries(cache.files)) if (isEntry(entry)) files[key] = entry
  return { ...(cache as CacheFile), files }
}

function isEntry(value: unknown): value is Entry {
  if (!Array.isArray(value) || value.length < 5) return false
  const [mtimeMs, size, hash, nonLiteral, parseError, ...imports] = value
  return (
    typeof mtimeMs === 'number' &&
    typeof size === 'number' &&
    typeof hash === 'string' &&
    typeof nonLiteral === 'number' &&
    (parseError === null || typeof parseError === 'string') &&
    imports.every(
      (ref) =>
        Array.isArray(ref) &&
        typeof ref[0] === 'string' &&
        KINDS[ref[1]] !== undefined &&
        (ref[2] === 0 || ref[2] === 1),
    )
  )
}
