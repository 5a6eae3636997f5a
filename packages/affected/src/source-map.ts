import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** What module resolution needs of a source map (or declaration map): the files it was made from. */
export interface SourceMapSources {
  /** `sources` as written (relative to `sourceRoot`, itself relative to the map's folder). */
  sources: string[]
  sourceRoot?: string
}

/**
 * `sources` and `sourceRoot` of a source map's text, without parsing the rest: a bundle's map can
 * carry megabytes of `mappings` and `sourcesContent`, and only these two fields name files. The
 * `"sources"` key is found in the text (a key is a quoted string followed by `:`, which cannot occur
 * inside a JSON string, where quotes are escaped) and only its array is parsed. Index maps
 * (`sections`) and anything unexpected go through `JSON.parse`. Undefined when it is not a map.
 */
export function readSourceMapSources(text: string): SourceMapSources | undefined {
  if (!/"sections"\s*:/.test(text)) {
    const sources = jsonValueAfterKey(text, 'sources')
    if (Array.isArray(sources)) {
      const sourceRoot = jsonValueAfterKey(text, 'sourceRoot')
      return {
        sources: sources.filter((s): s is string => typeof s === 'string'),
        ...(typeof sourceRoot === 'string' && sourceRoot !== '' ? { sourceRoot } : {}),
      }
    }
  }
  let map: unknown
  try {
    map = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof map !== 'object' || map === null) return undefined
  const record = map as { sources?: unknown; sourceRoot?: unknown; sections?: unknown }
  // An index map: the sources of its sections, in order (their sourceRoots rarely differ).
  const parts = Array.isArray(record.sections)
    ? record.sections.map((section) => (section as { map?: typeof record } | null)?.map ?? {})
    : [record]
  const sources = parts.flatMap((part) =>
    Array.isArray(part.sources) ? part.sources.filter((s): s is string => typeof s === 'string') : [],
  )
  const sourceRoot = parts.find((part) => typeof part.sourceRoot === 'string')?.sourceRoot
  if (!Array.isArray(record.sources) && !Array.isArray(record.sections)) return undefined
  return {
    sources,
    ...(typeof sourceRoot === 'string' && sourceRoot !== '' ? { sourceRoot } : {}),
  }
}

/**
 * The absolute paths a map's sources name, in the map's order. `file:` URLs are paths; other URLs
 * (`webpack://…`) name no file here and are left out.
 */
export function sourceMapFiles(map: SourceMapSources, mapFile: string): string[] {
  const dir = path.dirname(mapFile)
  const files: string[] = []
  for (const source of map.sources) {
    const joined = map.sourceRoot ? joinSourceRoot(map.sourceRoot, source) : source
    if (joined.startsWith('file:')) {
      try {
        files.push(fileURLToPath(joined))
      } catch {
        // not a file URL we can read
      }
    } else if (!/^[a-z][a-z0-9+.-]*:/i.test(joined)) {
      files.push(path.resolve(dir, joined))
    }
  }
  return files
}

/**
 * The entry among the sources of `output`'s map: the file the build started from. `candidates` are
 * the map's sources that are the package's own files (a bundled dependency is not its entry), in
 * the map's order.
 *
 * - One source (tsc, or a bundle of one module): that one.
 * - Several (a bundle): the one named like the output (`dist/index.mjs` ← `src/index.ts`), the
 *   shallowest if several are; else one the package's build config names as an entry; else the
 *   LAST source inside `preferredDir` (the package's `src`), else the last source. Bundlers
 *   (rolldown for tsdown, esbuild for tsup, rollup for unbuild) emit modules in execution order,
 *   dependencies first, so the entry module is the last in the map, not the first.
 */
export function pickEntrySource(
  candidates: readonly string[],
  output: string,
  preferredDir: string,
  configEntries: ReadonlySet<string> = new Set(),
): string | undefined {
  if (candidates.length <= 1) return candidates[0]
  const stem = stripOutputExtension(path.basename(output))
  const sameName = candidates
    .map((file, index) => ({ file, index, depth: file.split(path.sep).length }))
    .filter(({ file }) => stripSourceExtension(path.basename(file)) === stem)
    .sort((a, b) => a.depth - b.depth || b.index - a.index)
  if (sameName[0]) return sameName[0].file
  const named = candidates.find((file) => configEntries.has(file))
  if (named) return named
  const inPreferred = candidates.filter((file) => file.startsWith(preferredDir + path.sep))
  return inPreferred.at(-1) ?? candidates.at(-1)
}

/** `index.d.mts` → `index`, `index.mjs` → `index`, `a.b.js` → `a.b`. */
export function stripOutputExtension(file: string): string {
  return file.replace(/(\.d)?\.[cm]?[jt]sx?$/, '')
}

function stripSourceExtension(file: string): string {
  return file.replace(/\.[cm]?[jt]sx?$/, '')
}

function joinSourceRoot(root: string, source: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) || source.startsWith('/')) return source
  return root.endsWith('/') ? root + source : `${root}/${source}`
}

/**
 * The JSON value of the first top-level-looking `"key":` in `text`, parsed on its own, or undefined.
 * Only strings and arrays (of strings) are read this way.
 */
function jsonValueAfterKey(text: string, key: string): unknown {
  const match = new RegExp(`"${key}"\\s*:\\s*`).exec(text)
  if (!match) return undefined
  const start = match.index + match[0].length
  const end = jsonValueEnd(text, start)
  if (end === undefined) return undefined
  try {
    return JSON.parse(text.slice(start, end))
  } catch {
    return undefined
  }
}

/** The end (exclusive) of the JSON string or array starting at `start`. */
function jsonValueEnd(text: string, start: number): number | undefined {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const char = text[i]
    if (inString) {
      if (char === '\\') i++
      else if (char === '"') {
        inString = false
        if (depth === 0) return i + 1
      }
    } else if (char === '"') inString = true
    else if (char === '[') depth++
    else if (char === ']') {
      depth--
      if (depth === 0) return i + 1
    } else if (depth === 0 && !/\s/.test(char!)) return undefined // not a string or an array
  }
  return undefined
}
