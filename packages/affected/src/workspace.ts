import { type Dirent, readdirSync } from 'node:fs'
import path from 'node:path'
import picomatch from 'picomatch'
import {
  BUILD_CONFIG_FILES,
  type BuildConfigLiteral,
  type BuildTool,
  buildConfigsFromJson,
  parseBuildConfig,
} from './build-config.js'
import type { CachedFileSystem } from './file-system.js'
import type { BuildOutputPackage } from './resolver.js'
import { stripOutputExtension } from './source-map.js'
import { isInside, isRecord, type TsconfigLoader } from './tsconfig.js'
import { expandWorkspacePatterns, workspacePatterns } from './workspace-globs.js'

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

/** Where a package's compiler writes its output (tsconfig `outDir`/`declarationDir`) and what it mirrors. */
export interface TsconfigLayout {
  /** Output folders (`outDir`, `declarationDir`). */
  outDirs: string[]
  /** The folder the output mirrors (`rootDir`, else `src` when it exists, else the package folder). */
  rootDir: string
}

/** An entry of a build tool's config, resolved: `<outDir>/<name>.{mjs,cjs,js,d.mts,…}` comes from `input`. */
export interface BuildEntry {
  tool: BuildTool
  /** The output folder, absolute. */
  outDir: string
  /** The output's path below `outDir`, without extension (`index`, `cli/main`). */
  name: string
  /** The source, absolute; unbuild may leave the extension out (`src/index`). */
  input: string
}

/** A folder a build copies file by file (unbuild's mkdist entries: `src/runtime/` → `dist/runtime/`). */
export interface MirroredFolder {
  outDir: string
  inputDir: string
}

/** What a package's build tool config says, resolved against its folder. */
export interface BuildEntries {
  entries: BuildEntry[]
  mirrors: MirroredFolder[]
  /** The output folders the configs name (default `dist`). */
  outDirs: string[]
  /** The folders output names are relative to (tsdown `root`, the entries' common folder). */
  roots: string[]
  /** The config files read (package.json too when its `tsup` field was used). */
  files: string[]
}

/** The package fields whose workspace packages are dependencies (for build order). */
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']
/** Build tools write into `dist` unless told otherwise. */
const DEFAULT_OUT_DIR = 'dist'
const SOURCE_FILE = /\.[cm]?[jt]sx?$/
const GLOB_CHARS = /[*?[\]{}!]/

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist', '.hearth'])
const GUESSED_OUT_DIRS = ['dist', 'build', 'lib', 'out']
/** Formats a build may add below its output folder (`dist/esm/x.js` ← `src/x.ts`). */
const OUTPUT_FORMATS = new Set(['esm', 'cjs', 'mjs', 'es', 'module', 'commonjs', 'types', 'dts', 'src'])

/** The workspace's packages and what module resolution asks of them. */
export class Workspace {
  readonly root: string
  readonly #fs: CachedFileSystem
  readonly #tsconfigs: TsconfigLoader
  #byName: Map<string, WorkspacePackage> | undefined
  readonly #byDir = new Map<string, WorkspacePackage | undefined>()
  readonly #tsconfigLayouts = new Map<string, TsconfigLayout | undefined>()
  readonly #buildEntries = new Map<string, BuildEntries>()
  readonly #buildOutputPackages = new Map<string, BuildOutputPackage>()

  constructor(root: string, fs: CachedFileSystem, tsconfigs: TsconfigLoader) {
    this.root = root
    this.#fs = fs
    this.#tsconfigs = tsconfigs
  }

  /** The workspace packages by name (the root package included). */
  packagesByName(): Map<string, WorkspacePackage> {
    if (this.#byName) return this.#byName
    const byName = new Map<string, WorkspacePackage>()
    for (const dir of [
      this.root,
      ...expandWorkspacePatterns(
        this.root,
        workspacePatterns(this.root, (file) => this.#fs.readText(file)),
        (file) => this.#fs.isFile(file),
      ),
    ]) {
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

  /**
   * Where the package's tsc build writes and what it mirrors, from the first of
   * `tsconfig.build.json`, `tsconfig.lib.json`, `tsconfig.json` that sets `outDir`; undefined when
   * none does.
   */
  tsconfigLayout(pkg: WorkspacePackage): TsconfigLayout | undefined {
    if (this.#tsconfigLayouts.has(pkg.dir)) return this.#tsconfigLayouts.get(pkg.dir)
    let layout: TsconfigLayout | undefined
    for (const name of ['tsconfig.build.json', 'tsconfig.lib.json', 'tsconfig.json']) {
      const file = path.join(pkg.dir, name)
      if (!this.#fs.isFile(file)) continue
      const options = this.#tsconfigs.load(file)
      if (!options?.outDir) continue
      const outDirs = [options.outDir]
      if (options.declarationDir && options.declarationDir !== options.outDir)
        outDirs.push(options.declarationDir)
      layout = { outDirs, rootDir: options.rootDir ?? this.#guessRootDir(pkg) }
      break
    }
    this.#tsconfigLayouts.set(pkg.dir, layout)
    return layout
  }

  /**
   * The entries of the package's tsdown, tsup and unbuild configs (`tsdown.config.*`,
   * `tsup.config.*` or package.json `tsup`, `build.config.*`), read statically (see
   * {@link parseBuildConfig}), with globs expanded and output names worked out as each tool does:
   * an object key, else the entry's path from tsdown's `root` or the entries' common folder (tsdown
   * and tsup), else the entry's file name (unbuild).
   */
  buildEntries(pkg: WorkspacePackage): BuildEntries {
    const known = this.#buildEntries.get(pkg.dir)
    if (known) return known
    const result: BuildEntries = { entries: [], mirrors: [], outDirs: [], roots: [], files: [] }
    for (const config of this.#buildConfigs(pkg)) {
      if (!result.files.includes(config.file)) result.files.push(config.file)
      const outDir = path.resolve(pkg.dir, config.outDir ?? DEFAULT_OUT_DIR)
      if (!result.outDirs.includes(outDir)) result.outDirs.push(outDir)
      // tsdown's default entry is src/index.ts; tsup and unbuild take theirs from elsewhere.
      const literals = config.entries ?? (config.tool === 'tsdown' ? [{ input: 'src/index.ts' }] : [])
      const named: BuildEntry[] = []
      const unnamed: string[] = []
      const excluded = literals.filter((e) => e.input.startsWith('!')).map((e) => e.input.slice(1))
      for (const literal of literals) {
        if (literal.input.startsWith('!')) continue
        const input = path.resolve(pkg.dir, literal.input)
        if (config.tool === 'unbuild' && /[\\/]$/.test(literal.input)) {
          // mkdist: a folder copied file by file.
          result.mirrors.push({ inputDir: input, outDir: path.resolve(pkg.dir, literal.outDir ?? outDir) })
          continue
        }
        const entryOutDir = literal.outDir ? path.resolve(pkg.dir, literal.outDir) : outDir
        const files = GLOB_CHARS.test(literal.input) ? this.#glob(pkg, literal.input, excluded) : [input]
        for (const file of files) {
          if (literal.name !== undefined) {
            named.push({ tool: config.tool, outDir: entryOutDir, name: literal.name, input: file })
          } else if (config.tool === 'unbuild') {
            const name = path.basename(file).replace(SOURCE_FILE, '')
            named.push({ tool: config.tool, outDir: entryOutDir, name, input: file })
          } else {
            unnamed.push(file)
          }
        }
      }
      // tsdown and tsup name array entries by their path from a common folder (esbuild's outbase).
      const root = config.root ? path.resolve(pkg.dir, config.root) : commonFolder(unnamed)
      if (root && !result.roots.includes(root)) result.roots.push(root)
      for (const file of unnamed) {
        const name = path
          .relative(root ?? pkg.dir, file)
          .replace(SOURCE_FILE, '')
          .split(path.sep)
          .join('/')
        named.push({ tool: config.tool, outDir, name, input: file })
      }
      result.entries.push(...named)
    }
    this.#buildEntries.set(pkg.dir, result)
    return result
  }

  /**
   * The output folders and source folders of the common layout, for the last-resort guess: the
   * tsconfig's and the build configs' folders, then `dist`/`build`/`lib`/`out` ↔ `src` (or the
   * package folder).
   */
  guessedLayout(pkg: WorkspacePackage): { outDirs: string[]; rootDirs: string[] } {
    const tsconfig = this.tsconfigLayout(pkg)
    const configs = this.buildEntries(pkg)
    const outDirs = [
      ...(tsconfig?.outDirs ?? []),
      ...configs.outDirs,
      ...GUESSED_OUT_DIRS.map((dir) => path.join(pkg.dir, dir)),
    ]
    const rootDirs = [
      ...(tsconfig ? [tsconfig.rootDir] : []),
      ...configs.roots,
      this.#guessRootDir(pkg),
      pkg.dir,
    ]
    return { outDirs: [...new Set(outDirs)], rootDirs: [...new Set(rootDirs)] }
  }

  /**
   * The source files (extension-less bases) a build output file may come from, by the common
   * layout: `dist/x.js` → `src/x`, `dist/esm/x.mjs` → `src/x` and `src/esm/x`, a mkdist folder's
   * mirror. Empty when the file is in no output folder.
   */
  sourceBasesOf(pkg: WorkspacePackage, output: string): string[] {
    const { outDirs, rootDirs } = this.guessedLayout(pkg)
    const bases: string[] = []
    for (const mirror of this.buildEntries(pkg).mirrors) {
      if (isInside(output, mirror.outDir) && output !== mirror.outDir)
        bases.push(path.join(mirror.inputDir, stripOutputExtension(path.relative(mirror.outDir, output))))
    }
    const outDir = outDirs.find((dir) => isInside(output, dir) && output !== dir)
    if (outDir) {
      const relative = stripOutputExtension(path.relative(outDir, output))
      const [first, ...rest] = relative.split(path.sep)
      for (const root of rootDirs) {
        bases.push(path.join(root, relative))
        if (first && OUTPUT_FORMATS.has(first) && rest.length > 0) bases.push(path.join(root, ...rest))
      }
    }
    return [...new Set(bases)].filter((base) => !outDirs.some((dir) => isInside(base, dir)))
  }

  /** The folders a package's builds write to (tsconfig, build configs, and the guessed ones). */
  outputFolders(pkg: WorkspacePackage): string[] {
    return this.guessedLayout(pkg).outDirs
  }

  /**
   * The package as a build-output package: with the workspace packages it depends on and the files
   * besides its sources that its build reads (for build planning). One object per package.
   */
  buildOutputPackage(pkg: WorkspacePackage): BuildOutputPackage {
    const known = this.#buildOutputPackages.get(pkg.dir)
    if (known) return known
    const name = pkg.name ?? path.basename(pkg.dir)
    const workspace = this.packagesByName()
    const dependencies = new Set<string>()
    for (const field of DEPENDENCY_FIELDS) {
      const deps = pkg.manifest[field]
      if (!isRecord(deps)) continue
      for (const dep of Object.keys(deps)) if (dep !== name && workspace.has(dep)) dependencies.add(dep)
    }
    const configFiles = new Set([path.join(pkg.dir, 'package.json'), ...this.buildEntries(pkg).files])
    for (const entry of this.#listDir(pkg.dir)) {
      if (/^tsconfig.*\.json$/.test(entry)) configFiles.add(path.join(pkg.dir, entry))
    }
    const result: BuildOutputPackage = {
      name,
      dir: pkg.dir,
      hasBuildScript: pkg.hasBuildScript,
      dependencies: [...dependencies].sort(),
      configFiles: [...configFiles].sort(),
    }
    this.#buildOutputPackages.set(pkg.dir, result)
    return result
  }

  /** The configs of the package's build tools: the first config file of each tool, and package.json `tsup`. */
  #buildConfigs(pkg: WorkspacePackage): BuildConfigLiteral[] {
    const configs: BuildConfigLiteral[] = []
    const found = new Set<BuildTool>()
    for (const { tool, file } of BUILD_CONFIG_FILES) {
      if (found.has(tool)) continue
      const absolute = path.join(pkg.dir, file)
      const text = this.#fs.readText(absolute)
      if (text === undefined) continue
      found.add(tool)
      configs.push(...parseBuildConfig(text, absolute, tool))
    }
    if (!found.has('tsup') && pkg.manifest.tsup !== undefined) {
      configs.push(...buildConfigsFromJson(pkg.manifest.tsup, path.join(pkg.dir, 'package.json'), 'tsup'))
    }
    return configs
  }

  /** The package's files matching an entry glob (relative to its folder), sorted; outputs and node_modules skipped. */
  #glob(pkg: WorkspacePackage, glob: string, excluded: readonly string[]): string[] {
    const isMatch = picomatch(normalizePattern(glob))
    const isExcluded = excluded.length > 0 ? picomatch(excluded.map(normalizePattern)) : () => false
    // The glob's folder part before its first wildcard: only that folder is walked.
    const staticPart = normalizePattern(glob).split('/')
    const firstGlob = staticPart.findIndex((part) => GLOB_CHARS.test(part))
    const start = path.join(
      pkg.dir,
      ...staticPart.slice(0, firstGlob < 0 ? staticPart.length - 1 : firstGlob),
    )
    const found: string[] = []
    const walk = (dir: string) => {
      for (const entry of this.#listDir(dir, true)) {
        const child = path.join(dir, entry.name)
        if (entry.isDirectory()) {
          if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) walk(child)
          continue
        }
        const relative = path.relative(pkg.dir, child).split(path.sep).join('/')
        if (isMatch(relative) && !isExcluded(relative)) found.push(child)
      }
    }
    if (isInside(start, pkg.dir)) walk(start)
    return found.sort()
  }

  #listDir(dir: string): string[]
  #listDir(dir: string, withTypes: true): Dirent[]
  #listDir(dir: string, withTypes = false): string[] | Dirent[] {
    try {
      const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))
      return withTypes ? entries : entries.map((entry) => entry.name)
    } catch {
      return []
    }
  }

  #guessRootDir(pkg: WorkspacePackage): string {
    const src = path.join(pkg.dir, 'src')
    return this.#fs.isDirectory(src) ? src : pkg.dir
  }

  clear(): void {
    this.#byName = undefined
    this.#byDir.clear()
    this.#tsconfigLayouts.clear()
    this.#buildEntries.clear()
    this.#buildOutputPackages.clear()
  }
}

function normalizePattern(pattern: string): string {
  return pattern.replace(/^\.\//, '').replace(/\/+$/, '')
}

/** The deepest folder holding every file (undefined for none). */
function commonFolder(files: readonly string[]): string | undefined {
  if (files.length === 0) return undefined
  let common = path.dirname(files[0]!)
  for (const file of files.slice(1)) {
    while (!isInside(file, common)) {
      const parent = path.dirname(common)
      if (parent === common) break
      common = parent
    }
  }
  return common
}
