import { isBuiltin } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CachedFileSystem } from './file-system.js'
import { type OutputMapping, OutputSources } from './output-sources.js'
import { type ConditionPolicy, exportTargets } from './package-exports.js'
import { isInside, isRecord, type TsconfigLoader, type TsconfigOptions } from './tsconfig.js'
import type { Workspace, WorkspacePackage } from './workspace.js'

/** `import` for ES imports (static, dynamic, re-exports); `require` for `require()` and `import x = require()`. */
export type ResolutionMode = 'import' | 'require'

/** A workspace package that an import reaches through its build output (`main: dist/index.js`). */
export interface BuildOutputPackage {
  /** Its package.json `name`. */
  name: string
  /** Its folder, absolute. */
  dir: string
  /** Whether its package.json has a `build` script (so a caller can build it before running tests). */
  hasBuildScript: boolean
  /**
   * The workspace packages it depends on (package.json `dependencies`, `devDependencies`,
   * `peerDependencies`, `optionalDependencies` naming a workspace package), sorted.
   */
  dependencies: string[]
  /**
   * The files besides its sources that its build reads, absolute and sorted: its package.json, its
   * `tsconfig*.json`, its build tool's config. A change to one makes its output stale.
   */
  configFiles: string[]
}

/** How an import led into a package's build output. */
export interface BuildOutputLink {
  package: BuildOutputPackage
  /** The output file the specifier named (it may not exist yet). */
  output: string
  /** The rule that mapped the output to its source. */
  mappedBy: OutputMapping
}

export type Resolution =
  | {
      type: 'file'
      /** The workspace file, real path; a build output file mapped back to its source. */
      file: string
      /** Set when the specifier led into a package's build output and the file is its source. */
      buildOutput?: BuildOutputLink
    }
  | { type: 'builtin' }
  | { type: 'external'; package: string }
  | { type: 'unresolved'; reason: string }

export interface ResolverOptions {
  /** Extra export conditions to prefer as sources (beyond `source`-named ones and tsconfig `customConditions`). */
  conditions?: readonly string[]
}

/** `./x.js` may name `./x.ts` (TypeScript's rule), then itself, then declarations (relative imports only: build output is mapped by {@link OutputSources}). */
const REWRITTEN_EXTENSIONS: Record<string, string[]> = {
  '.js': ['.ts', '.tsx', '.js', '.jsx', '.d.ts'],
  '.jsx': ['.tsx', '.jsx', '.d.ts'],
  '.mjs': ['.mts', '.mjs', '.d.mts'],
  '.cjs': ['.cts', '.cjs', '.d.cts'],
}
/** Extensions tried after an extension-less path (TypeScript's order, then Node's and bundlers'). */
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json', '.d.ts']
const SOURCE_CONDITION = /(^|[^a-z0-9])source$/i

/**
 * Resolves import specifiers the way a TypeScript monorepo does: relative paths with TypeScript's
 * extension rewriting and index files, tsconfig `paths`/`baseUrl`, package `imports` (`#x`) and
 * `exports` (source conditions first), `main`/`module`/`types`, workspace packages through
 * node_modules links (real paths) or by name, and build output mapped back to its sources.
 *
 * Synchronous and cached through the {@link CachedFileSystem}; every file existence it checks is
 * recorded in `fs.probes` by the caller.
 */
export class Resolver {
  readonly #fs: CachedFileSystem
  readonly #tsconfigs: TsconfigLoader
  readonly #workspace: Workspace
  readonly #conditions: readonly string[]
  readonly #outputs: OutputSources

  constructor(
    fs: CachedFileSystem,
    tsconfigs: TsconfigLoader,
    workspace: Workspace,
    options: ResolverOptions = {},
  ) {
    this.#fs = fs
    this.#tsconfigs = tsconfigs
    this.#workspace = workspace
    this.#conditions = options.conditions ?? []
    this.#outputs = new OutputSources(fs, workspace)
  }

  resolve(specifier: string, importer: string, mode: ResolutionMode): Resolution {
    const dir = path.dirname(importer)
    if (specifier === '') return { type: 'unresolved', reason: 'empty specifier' }
    if (isBuiltin(specifier)) return { type: 'builtin' }
    if (specifier.startsWith('file:')) {
      try {
        return this.#relative(fileURLToPath(specifier), dir)
      } catch {
        return { type: 'unresolved', reason: 'not a file URL' }
      }
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return { type: 'external', package: specifier }
    if (isPathSpecifier(specifier)) return this.#relative(stripQuery(specifier), dir)
    const tsconfig = this.#tsconfigs.nearest(dir)
    if (specifier.startsWith('#')) return this.#packageImports(specifier, importer, mode, tsconfig)
    return this.#bare(specifier, dir, mode, tsconfig)
  }

  #relative(specifier: string, dir: string): Resolution {
    const base = path.resolve(dir, specifier)
    const file = this.#file(base) ?? this.#directory(base)
    return file ? this.#finish(file) : { type: 'unresolved', reason: 'no such file' }
  }

  #bare(
    specifier: string,
    dir: string,
    mode: ResolutionMode,
    tsconfig: TsconfigOptions | undefined,
  ): Resolution {
    // tsconfig `paths`, then `baseUrl`: the compiler (and vite-tsconfig-paths) look there before node_modules.
    if (tsconfig?.paths || tsconfig?.baseUrl) {
      for (const file of tsconfig.files) this.#fs.probes?.add(file)
      const viaPaths = this.#paths(specifier, tsconfig)
      if (viaPaths) return viaPaths
      if (tsconfig.baseUrl) {
        const base = path.resolve(tsconfig.baseUrl, specifier)
        const file = this.#file(base) ?? this.#directory(base)
        if (file) return this.#finish(file, true)
      }
    }
    const { name, subpath } = splitPackageSpecifier(specifier)
    if (!name) return { type: 'unresolved', reason: 'not a package name' }
    const policy = this.#policy(mode, tsconfig)
    // node_modules, as Node looks it up: pnpm links workspace packages there.
    for (let at = dir; ; ) {
      const candidate = path.join(at, 'node_modules', name)
      if (
        this.#fs.isFile(path.join(candidate, 'package.json')) ||
        (subpath !== '.' && this.#fs.isDirectory(candidate))
      ) {
        const real = this.#fs.realpath(candidate)
        if (!this.#isWorkspaceFile(real)) {
          return { type: 'external', package: name }
        }
        const pkg = this.#workspace.packageAt(real)
        if (pkg) return this.#packageEntry(pkg, subpath, policy)
        return this.#relative(`.${subpath.slice(1)}`, real)
      }
      const parent = path.dirname(at)
      if (parent === at) break
      at = parent
    }
    // Not installed (or not linked): a workspace package of that name.
    const pkg = this.#workspace.packagesByName().get(name)
    if (pkg) {
      this.#fs.probes?.add(path.join(pkg.dir, 'package.json'))
      return this.#packageEntry(pkg, subpath, policy)
    }
    return { type: 'unresolved', reason: `package ${name} is not installed and is not a workspace package` }
  }

  #paths(specifier: string, tsconfig: TsconfigOptions): Resolution | undefined {
    const { paths, pathsBase } = tsconfig
    if (!paths || !pathsBase) return undefined
    // TypeScript's rule: an exact key, else the pattern with the longest prefix before its `*`.
    let best: { key: string; capture: string } | undefined
    for (const key of Object.keys(paths)) {
      const star = key.indexOf('*')
      if (star < 0) {
        if (key === specifier) {
          best = { key, capture: '' }
          break
        }
        continue
      }
      const prefix = key.slice(0, star)
      const suffix = key.slice(star + 1)
      if (
        specifier.length >= prefix.length + suffix.length &&
        specifier.startsWith(prefix) &&
        specifier.endsWith(suffix) &&
        (!best || prefix.length > best.key.indexOf('*'))
      ) {
        best = { key, capture: specifier.slice(prefix.length, specifier.length - suffix.length) }
      }
    }
    if (!best) return undefined
    for (const target of paths[best.key] ?? []) {
      const substituted = target.replace('*', best.capture)
      const base = path.resolve(pathsBase, substituted)
      const file = this.#file(base) ?? this.#directory(base)
      if (file) return this.#finish(file, true)
    }
    return undefined
  }

  #packageImports(
    specifier: string,
    importer: string,
    mode: ResolutionMode,
    tsconfig: TsconfigOptions | undefined,
  ): Resolution {
    // Targets are paths in the package or other specifiers (packages, builtins), never `#` again.
    const pkg = this.#workspace.packageOf(importer)
    if (!pkg) return { type: 'unresolved', reason: 'no package.json for a # import' }
    this.#fs.probes?.add(path.join(pkg.dir, 'package.json'))
    const policy = this.#policy(mode, tsconfig)
    for (const target of exportTargets(pkg.manifest.imports, specifier, policy)) {
      if (target.startsWith('./')) {
        const found = this.#target(pkg, target)
        if (found) return found
      } else {
        const viaPackage = target.startsWith('#') ? undefined : this.resolve(target, importer, mode)
        if (viaPackage && viaPackage.type !== 'unresolved') return viaPackage
      }
    }
    return { type: 'unresolved', reason: `${specifier} is not in the imports of ${pkg.name ?? pkg.dir}` }
  }

  /** `subpath` (`.` or `./x`) of a workspace package: `exports`, else `main`-like fields, else the path. */
  #packageEntry(pkg: WorkspacePackage, subpath: string, policy: ConditionPolicy): Resolution {
    this.#fs.probes?.add(path.join(pkg.dir, 'package.json'))
    const { manifest } = pkg
    if (manifest.exports !== undefined && manifest.exports !== null) {
      const targets = exportTargets(manifest.exports, subpath, policy)
      for (const target of targets) {
        const found = this.#target(pkg, target)
        if (found) return found
      }
      return {
        type: 'unresolved',
        reason:
          targets.length === 0
            ? `${subpath} is not exported by ${pkg.name ?? pkg.dir}`
            : `${subpath} of ${pkg.name ?? pkg.dir} names ${targets.join(', ')}: none exists, and no source is known for them`,
      }
    }
    if (subpath === '.') {
      const fields = ['source', policy.active.has('import') ? 'module' : '', 'main', 'types', 'typings']
      for (const field of fields) {
        const value = field ? manifest[field] : undefined
        if (typeof value !== 'string') continue
        const found = this.#target(pkg, value)
        if (found) return found
      }
      const index = this.#directory(pkg.dir, false)
      return index
        ? this.#finish(index, true)
        : { type: 'unresolved', reason: `${pkg.name} has no entry point` }
    }
    return (
      this.#target(pkg, subpath) ?? { type: 'unresolved', reason: `no ${subpath} in ${pkg.name ?? pkg.dir}` }
    )
  }

  /**
   * A path inside a package (an `exports` target, `main`, a deep import): its source when it is
   * build output (whether or not it has been built), else the file itself.
   */
  #target(pkg: WorkspacePackage, target: string): Resolution | undefined {
    const output = path.resolve(pkg.dir, target)
    if (!isInside(output, pkg.dir)) return undefined
    const source = this.#sourceOf(pkg, output)
    if (source) return source
    const file = this.#file(output) ?? this.#directory(output)
    return file ? this.#finish(file, true) : undefined
  }

  #sourceOf(pkg: WorkspacePackage, output: string): Resolution | undefined {
    const found = this.#outputs.sourceOf(pkg, output)
    if (!found) return undefined
    return {
      type: 'file',
      file: this.#fs.realpath(found.source),
      buildOutput: { package: this.#workspace.buildOutputPackage(pkg), output, mappedBy: found.mappedBy },
    }
  }

  /** A file for `base` as written, with TypeScript's extension rewriting, or with an added extension. */
  #file(base: string): string | undefined {
    const ext = path.extname(base)
    const rewritten = REWRITTEN_EXTENSIONS[ext]
    if (rewritten) {
      const stem = base.slice(0, -ext.length)
      const found = this.#withExtensions(stem, rewritten)
      if (found) return found
    } else if (ext !== '' && this.#fs.isFile(base)) {
      return base
    }
    return this.#withExtensions(base, EXTENSIONS)
  }

  /** `dir/package.json` entry (as bundlers and CommonJS do), else `dir/index.*`. */
  #directory(dir: string, readManifest = true): string | undefined {
    if (readManifest) {
      const manifest = this.#fs.readJson(path.join(dir, 'package.json'))
      if (isRecord(manifest)) {
        for (const field of ['source', 'module', 'main', 'types']) {
          const value = manifest[field]
          if (typeof value !== 'string') continue
          const entry = path.resolve(dir, value)
          const found = this.#file(entry) ?? this.#withExtensions(path.join(entry, 'index'), EXTENSIONS)
          if (found) return found
        }
      }
    }
    return this.#withExtensions(path.join(dir, 'index'), EXTENSIONS)
  }

  #withExtensions(stem: string, extensions: readonly string[]): string | undefined {
    for (const ext of extensions) {
      if (this.#fs.isFile(stem + ext)) return stem + ext
    }
    return undefined
  }

  /** The real path of a found file; what lies in a third-party package is external. */
  #finish(file: string, mapBuildOutput = false): Resolution {
    const real = this.#fs.realpath(file)
    if (!this.#isWorkspaceFile(real)) {
      return { type: 'external', package: real }
    }
    if (mapBuildOutput) {
      // `paths` or a deep import straight into another package's build output.
      const pkg = this.#workspace.packageOf(real)
      const source = pkg && this.#sourceOf(pkg, real)
      if (source) return source
    }
    return { type: 'file', file: real }
  }

  /** Under the root and not in a node_modules folder below it (a third-party package). */
  #isWorkspaceFile(real: string): boolean {
    return (
      isInside(real, this.#workspace.root) &&
      !path.relative(this.#workspace.root, real).split(path.sep).includes('node_modules')
    )
  }

  #policy(mode: ResolutionMode, tsconfig: TsconfigOptions | undefined): ConditionPolicy {
    const custom = new Set([...this.#conditions, ...(tsconfig?.customConditions ?? [])])
    return {
      isSourceCondition: (condition) => custom.has(condition) || SOURCE_CONDITION.test(condition),
      active: new Set([mode, 'node', 'module', 'default', ...custom]),
    }
  }
}

/** `./x`, `../x`, `.`, `..`, `/abs` */
export function isPathSpecifier(specifier: string): boolean {
  return (
    specifier === '.' ||
    specifier === '..' ||
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier.startsWith('/')
  )
}

/** `@scope/name/sub` → `@scope/name` + `./sub`. */
export function splitPackageSpecifier(specifier: string): { name: string | undefined; subpath: string } {
  const parts = specifier.split('/')
  const length = specifier.startsWith('@') ? 2 : 1
  if (parts.length < length || parts.slice(0, length).some((part) => part === '')) {
    return { name: undefined, subpath: '.' }
  }
  const name = parts.slice(0, length).join('/')
  const rest = parts.slice(length).join('/')
  return { name, subpath: rest ? `./${rest}` : '.' }
}

/** Bundler suffixes (`./logo.svg?url`) are not part of the path. */
function stripQuery(specifier: string): string {
  return specifier.replace(/\?.*$/, '')
}
