import path from 'node:path'
import type { CachedFileSystem } from './file-system.js'

/** The compiler options module resolution needs, with every path made absolute. */
export interface TsconfigOptions {
  /** The config files read, the file itself first, then what it extends. */
  files: string[]
  /** `paths` patterns → substitutions, as written. */
  paths?: Record<string, string[]>
  /** The folder `paths` substitutions are relative to: `baseUrl`, else the folder of the config that set `paths`. */
  pathsBase?: string
  baseUrl?: string
  customConditions?: string[]
  outDir?: string
  rootDir?: string
  declarationDir?: string
}

const TSCONFIG_NAMES = ['tsconfig.json', 'jsconfig.json']

/**
 * Reads tsconfig files (JSON with comments, `extends` chains: relative, from packages, or arrays)
 * and finds the nearest one for a folder.
 */
export class TsconfigLoader {
  readonly #fs: CachedFileSystem
  readonly #root: string
  readonly #loaded = new Map<string, TsconfigOptions | undefined>()
  readonly #nearest = new Map<string, TsconfigOptions | undefined>()
  /** Every config file read: a change to one of them changes resolution. */
  readonly files = new Set<string>()

  constructor(fs: CachedFileSystem, root: string) {
    this.#fs = fs
    this.#root = root
  }

  /** The nearest `tsconfig.json` (or `jsconfig.json`) at or above `dir`, not above the root. */
  nearest(dir: string): TsconfigOptions | undefined {
    if (this.#nearest.has(dir)) return this.#nearest.get(dir)
    let found: TsconfigOptions | undefined
    const probes = this.#fs.probes
    this.#fs.probes = undefined // which config governs a folder is not a module-resolution probe
    try {
      for (const name of TSCONFIG_NAMES) {
        const file = path.join(dir, name)
        if (this.#fs.isFile(file)) {
          found = this.load(file)
          break
        }
      }
    } finally {
      this.#fs.probes = probes
    }
    const parent = path.dirname(dir)
    if (!found && dir !== this.#root && parent !== dir && isInside(parent, this.#root))
      found = this.nearest(parent)
    this.#nearest.set(dir, found)
    return found
  }

  /** One config file with what it extends, or undefined when it is missing or unreadable. */
  load(file: string, seen: ReadonlySet<string> = new Set()): TsconfigOptions | undefined {
    if (this.#loaded.has(file)) return this.#loaded.get(file)
    this.#loaded.set(file, undefined) // an `extends` cycle ends here
    this.files.add(file)
    const text = this.#fs.readText(file)
    if (text === undefined) return undefined
    const config = parseJsonWithComments(text)
    if (!isRecord(config)) return undefined
    const dir = path.dirname(file)
    const result: TsconfigOptions = { files: [file] }

    const parents =
      typeof config.extends === 'string'
        ? [config.extends]
        : Array.isArray(config.extends)
          ? config.extends
          : []
    for (const spec of parents) {
      if (typeof spec !== 'string') continue
      const parentFile = this.#resolveExtends(spec, dir)
      if (!parentFile || seen.has(parentFile)) continue
      const parent = this.load(parentFile, new Set([...seen, file]))
      if (!parent) continue
      const { files, ...options } = parent
      Object.assign(result, options)
      result.files.push(...files)
    }

    const options = isRecord(config.compilerOptions) ? config.compilerOptions : {}
    const dirOf = (value: unknown) => (typeof value === 'string' ? path.resolve(dir, value) : undefined)
    // `null` resets what an extended config set.
    for (const key of [
      'baseUrl',
      'paths',
      'customConditions',
      'outDir',
      'rootDir',
      'declarationDir',
    ] as const) {
      if (options[key] === null) delete result[key]
    }
    if (options.paths === null) delete result.pathsBase
    if (typeof options.baseUrl === 'string') result.baseUrl = dirOf(options.baseUrl)
    if (isRecord(options.paths)) {
      const paths: Record<string, string[]> = {}
      for (const [pattern, targets] of Object.entries(options.paths)) {
        if (Array.isArray(targets)) paths[pattern] = targets.filter((t): t is string => typeof t === 'string')
      }
      result.paths = paths
      result.pathsBase = dir
    }
    if (Array.isArray(options.customConditions)) {
      result.customConditions = options.customConditions.filter((c): c is string => typeof c === 'string')
    }
    for (const key of ['outDir', 'rootDir', 'declarationDir'] as const) {
      const value = dirOf(options[key])
      if (value) result[key] = value
    }
    if (result.baseUrl && result.paths) result.pathsBase = result.baseUrl
    this.#loaded.set(file, result)
    return result
  }

  #resolveExtends(spec: string, dir: string): string | undefined {
    const candidates: string[] = []
    if (spec.startsWith('.') || path.isAbsolute(spec)) {
      const base = path.resolve(dir, spec)
      candidates.push(base, `${base}.json`, path.join(base, 'tsconfig.json'))
    } else {
      for (let at = dir; ; ) {
        const base = path.join(at, 'node_modules', spec)
        candidates.push(base, `${base}.json`, path.join(base, 'tsconfig.json'))
        const parent = path.dirname(at)
        if (parent === at) break
        at = parent
      }
    }
    return candidates.find((candidate) => this.#fs.isFile(candidate))
  }

  clear(): void {
    this.#loaded.clear()
    this.#nearest.clear()
    this.files.clear()
  }
}

/**
 * JSON as tsconfig files write it, with line and block comments and trailing commas. Undefined
 * when it is not JSON even then.
 */
export function parseJsonWithComments(text: string): unknown {
  // Strings are matched whole, so `"a // b"` and `"**/*"` stay as they are.
  const plain = text
    .replace(/("(?:[^"\\\n]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_, string) => string ?? ' ')
    .replace(/("(?:[^"\\\n]|\\.)*")|,(\s*[\]}])/g, (_, string, close) => string ?? close)
  try {
    return JSON.parse(plain)
  } catch {
    return undefined
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `file` is `dir` or below it. */
/**
 * Whether `file` is `dir` or below it. Two absolute paths with no `.` or `..` segment and no doubled
 * separator compare as strings (called for every file against every folder: `path.relative` was
 * most of the time); any other pair goes through `path.relative`.
 */
export function isInside(file: string, dir: string): boolean {
  if (isPlain(file) && isPlain(dir)) return startsWithFolder(file, dir)
  const relative = path.relative(dir, file)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/** `file` is `dir` or below it, as strings (both plain). */
function startsWithFolder(file: string, dir: string): boolean {
  const base = dir.endsWith(path.sep) ? dir.slice(0, -1) : dir
  return file === base || file.startsWith(base + path.sep)
}

const SEP = path.sep === '\\' ? '\\\\' : path.sep
/** A `.` or `..` segment, or a doubled separator. */
const UNRESOLVED = new RegExp(`${SEP}\\.{1,2}(?:${SEP}|$)|${SEP}${SEP}`)

/** An absolute path that `path.resolve` would leave as it is (a trailing separator aside). */
function isPlain(file: string): boolean {
  return path.isAbsolute(file) && !UNRESOLVED.test(file)
}
