import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import picomatch from 'picomatch'

/**
 * The workspace's package folders, from the globs of pnpm-workspace.yaml (`packages:`), else of
 * package.json `workspaces`, expanded to the folders that hold a package.json. Light on purpose
 * (no TypeScript): the CLI asks it at start-up, to tell the test runner where Vitest configs may be.
 */
export function workspacePackageDirs(root: string): string[] {
  return expandWorkspacePatterns(root, workspacePatterns(root, readText))
}

/** The globs that list a workspace's packages: pnpm-workspace.yaml, else package.json `workspaces`. */
export function workspacePatterns(root: string, read: (file: string) => string | undefined): string[] {
  const yaml = read(path.join(root, 'pnpm-workspace.yaml'))
  if (yaml !== undefined) return parsePnpmWorkspacePackages(yaml)
  const text = read(path.join(root, 'package.json'))
  if (text === undefined) return []
  let manifest: unknown
  try {
    manifest = JSON.parse(text)
  } catch {
    return []
  }
  const workspaces = isObject(manifest) ? manifest.workspaces : undefined
  const list = Array.isArray(workspaces) ? workspaces : isObject(workspaces) ? workspaces.packages : undefined
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : []
}

/**
 * The `packages:` list of a pnpm-workspace.yaml (block or flow style). Only that key is read, so a
 * full YAML parser is not needed.
 */
export function parsePnpmWorkspacePackages(yaml: string): string[] {
  const lines = yaml.split(/\r?\n/)
  const unquote = (value: string) => value.trim().replace(/^(['"])(.*)\1$/, '$2')
  const stripComment = (line: string) => line.replace(/\s+#.*$/, '').replace(/^#.*$/, '')
  const start = lines.findIndex((line) => /^packages\s*:/.test(line))
  if (start < 0) return []
  const inline = stripComment((lines[start] ?? '').replace(/^packages\s*:/, '')).trim()
  if (inline.startsWith('[')) {
    return inline
      .replace(/^\[|\]$/g, '')
      .split(',')
      .map(unquote)
      .filter((p) => p !== '')
  }
  const patterns: string[] = []
  for (const raw of lines.slice(start + 1)) {
    const line = stripComment(raw)
    if (line.trim() === '') continue
    const item = /^\s+-\s*(.+)$/.exec(line)
    if (!item) break // the next key
    patterns.push(unquote(item[1] ?? ''))
  }
  return patterns
}

/** Folders a package glob never descends into. */
const SKIPPED = new Set(['node_modules', '.git', 'dist', '.hearth'])

/**
 * The folders (absolute, sorted) below `root` that match the workspace globs (`!` excludes) and
 * hold a package.json, as `isFile` sees it (the import graph passes its cached file system).
 */
export function expandWorkspacePatterns(
  root: string,
  patterns: readonly string[],
  isFile: (file: string) => boolean = existsSync,
): string[] {
  const normalize = (p: string) => p.replace(/^\.\//, '').replace(/\/+$/, '')
  const include = patterns.filter((p) => !p.startsWith('!')).map(normalize)
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => normalize(p.slice(1)))
  if (include.length === 0) return []
  const isIncluded = picomatch(include)
  const isExcluded = exclude.length > 0 ? picomatch(exclude) : () => false
  const depth = include.some((p) => p.includes('**'))
    ? Number.POSITIVE_INFINITY
    : Math.max(...include.map((p) => p.split('/').length))
  const found: string[] = []
  const walk = (dir: string, relative: string, level: number) => {
    if (level > depth) return
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isDirectory() || SKIPPED.has(entry.name) || entry.name.startsWith('.')) continue
      const childRelative = relative ? `${relative}/${entry.name}` : entry.name
      const child = path.join(dir, entry.name)
      if (isIncluded(childRelative) && !isExcluded(childRelative) && isFile(path.join(child, 'package.json')))
        found.push(child)
      walk(child, childRelative, level + 1)
    }
  }
  walk(root, '', 1)
  return found.sort()
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
