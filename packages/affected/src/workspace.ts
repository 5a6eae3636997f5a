import { type Dirent, readdirSync } from 'node:fs'
import path from 'node:path'
import picomatch from 'picomatch'
import type { CachedFileSystem } from './file-system.js'
import { isInside, isRecord, type TsconfigLoader } from './tsconfig.js'

/** A package of the workspace (a folder with a package.json, not under node_modules). */
export interface WorkspacePackage {
  /** Its folder, absolute. */
  dir: string
  /** `name` from its package.json (undefined when it has none). */
  name: string | undefined
  /** Its package.json. */
  manifest: Record<string, unknown>
  /** Whether its package.json has a `build` script. */
  hasBuildScript: boolean
}

/** Where a package's compiler writes its output, and where the sources of that output live. */
export interface OutputLayout {
  /** Output folders (`outDir`, `declarationDir`). */
  outDirs: string[]
  /** The folder the output mirrors (`rootDir`, else `src` when it exists, else the package folder). */
  rootDir: string
  /** Whether the folders come from a tsconfig (rather than the `dist`/`build`/`lib`/`out` guess). */
  fromTsconfig: boolean
}

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist', '.hearth'])
const GUESSED_OUT_DIRS = ['dist', 'build', 'lib', 'out']
/** Formats a build may add below its output folder (`dist/esm/x.js` ← `src/x.ts`). */
const OUTPUT_FORMATS = new Set(['esm', 'cjs', 'mjs', 'es', 'types', 'src'])

/** The globs that list a workspace's packages: pnpm-workspace.yaml, else package.json `workspaces`. */
export function workspacePatterns(root: string, fs: CachedFileSystem): string[] {
  const yaml = fs.readText(path.join(root, 'pnpm-workspace.yaml'))
  if (yaml !== undefined) return parsePnpmWorkspacePackages(yaml)
  const manifest = fs.readJson(path.join(root, 'package.json'))
  if (!isRecord(manifest)) return []
  const workspaces = manifest.workspaces
  const list = Array.isArray(workspaces) ? workspaces : isRecord(workspaces) ? workspaces.packages : undefined
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
  const inline = stripComment(lines[start]!.replace(/^packages\s*:/, '')).trim()
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
    patterns.push(unquote(item[1]!))
  }
  return patterns
}

/** The workspace's packages and what module resolution asks of them. */
export class Workspace {
  readonly root: string
  readonly #fs: CachedFileSystem
  readonly #tsconfigs: TsconfigLoader
  #byName: Map<string, WorkspacePackage> | undefined
  readonly #byDir = new Map<string, WorkspacePackage | undefined>()
  readonly #layouts = new Map<string, OutputLayout>()

  constructor(root: string, fs: CachedFileSystem, tsconfigs: TsconfigLoader) {
    this.root = root
    this.#fs = fs
    this.#tsconfigs = tsconfigs
  }

  /** The workspace packages by name (the root package included). */
  packagesByName(): Map<string, WorkspacePackage> {
    if (this.#byName) return this.#byName
    const byName = new Map<string, WorkspacePackage>()
    for (const dir of [this.root, ...this.#expand(workspacePatterns(this.root, this.#fs))]) {
      const found = this.packageAt(dir)
      if (found?.name && !byName.has(found.name)) byName.set(found.name, found)
    }
    this.#byName = byName
    return byName
  }

  /** The package whose package.json is in `dir`, if any. */
  packageAt(dir: string): WorkspacePackage | undefined {
    if (this.#byDir.has(dir)) return this.#byDir.get(dir)
    const manifest = this.#fs.readJson(path.join(dir, 'package.json'))
    const found = isRecord(manifest)
      ? {
          dir,
          name: typeof manifest.name === 'string' ? manifest.name : undefined,
          manifest,
          hasBuildScript: isRecord(manifest.scripts) && typeof manifest.scripts.build === 'string',
        }
      : undefined
    this.#byDir.set(dir, found)
    return found
  }

  /** The package a file belongs to: the nearest package.json at or above it, within the root. */
  packageOf(file: string): WorkspacePackage | undefined {
    for (let dir = path.dirname(file); isInside(dir, this.root); dir = path.dirname(dir)) {
      const found = this.packageAt(dir)
      if (found) return found
      if (dir === this.root) break
    }
    return undefined
  }

  /** Where the package's build writes, from its tsconfig (build config first), else a guess. */
  outputLayout(pkg: WorkspacePackage): OutputLayout {
    const known = this.#layouts.get(pkg.dir)
    if (known) return known
    let layout: OutputLayout | undefined
    for (const name of ['tsconfig.build.json', 'tsconfig.lib.json', 'tsconfig.json']) {
      const file = path.join(pkg.dir, name)
      if (!this.#fs.isFile(file)) continue
      const options = this.#tsconfigs.load(file)
      if (!options?.outDir) continue
      const outDirs = [options.outDir]
      if (options.declarationDir && options.declarationDir !== options.outDir)
        outDirs.push(options.declarationDir)
      layout = { outDirs, rootDir: options.rootDir ?? this.#guessRootDir(pkg), fromTsconfig: true }
      break
    }
    layout ??= {
      outDirs: GUESSED_OUT_DIRS.map((dir) => path.join(pkg.dir, dir)),
      rootDir: this.#guessRootDir(pkg),
      fromTsconfig: false,
    }
    this.#layouts.set(pkg.dir, layout)
    return layout
  }

  /**
   * The source files (extension-less bases) a build output file may come from: `dist/x.js` →
   * `src/x`, `dist/esm/x.mjs` → `src/x` and `src/esm/x`. Empty when the file is not build output.
   */
  sourceBasesOf(pkg: WorkspacePackage, output: string): string[] {
    const layout = this.outputLayout(pkg)
    const outDir = layout.outDirs.find((dir) => isInside(output, dir) && output !== dir)
    if (!outDir) return []
    const relative = path.relative(outDir, output).replace(/(\.d)?\.[cm]?[jt]sx?$/, '')
    const bases = [path.join(layout.rootDir, relative)]
    const [first, ...rest] = relative.split(path.sep)
    if (first && OUTPUT_FORMATS.has(first) && rest.length > 0) bases.push(path.join(layout.rootDir, ...rest))
    if (layout.rootDir !== pkg.dir) bases.push(path.join(pkg.dir, relative))
    return bases.filter((base) => !layout.outDirs.some((dir) => isInside(base, dir)))
  }

  #guessRootDir(pkg: WorkspacePackage): string {
    const src = path.join(pkg.dir, 'src')
    return this.#fs.isDirectory(src) ? src : pkg.dir
  }

  /** The folders (absolute) matching the workspace globs that hold a package.json. */
  #expand(patterns: string[]): string[] {
    const include = patterns.filter((p) => !p.startsWith('!')).map(normalizePattern)
    const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => normalizePattern(p.slice(1)))
    if (include.length === 0) return []
    const isIncluded = picomatch(include, { dot: false })
    const isExcluded = exclude.length > 0 ? picomatch(exclude) : () => false
    const deep = include.some((p) => p.includes('**'))
    const depth = deep ? Number.POSITIVE_INFINITY : Math.max(...include.map((p) => p.split('/').length))
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
        if (!entry.isDirectory() || SKIPPED_FOLDERS.has(entry.name) || entry.name.startsWith('.')) continue
        const childRelative = relative ? `${relative}/${entry.name}` : entry.name
        const child = path.join(dir, entry.name)
        if (
          isIncluded(childRelative) &&
          !isExcluded(childRelative) &&
          this.#fs.isFile(path.join(child, 'package.json'))
        ) {
          found.push(child)
        }
        walk(child, childRelative, level + 1)
      }
    }
    walk(this.root, '', 1)
    return found
  }

  clear(): void {
    this.#byName = undefined
    this.#byDir.clear()
    this.#layouts.clear()
  }
}

function normalizePattern(pattern: string): string {
  return pattern.replace(/^\.\//, '').replace(/\/+$/, '')
}
