import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Which Vitest config runs which test file. An owner is a folder and the config Vitest finds there
 * (null: Vitest's defaults); each test file runs in its owner's Vitest, with the owner's folder as
 * Vitest's root and as the working directory, as `vitest run` in that folder would run it.
 *
 * The rule (`planOwners` + `ownerOfFile`, pure):
 * 1. The workspace root is an owner, with the config Vitest's own lookup finds there, or none.
 * 2. A workspace package folder with a config of its own is an owner too, unless the root config
 *    already runs it as one of its `test.projects` (a project whose root is that folder, or whose
 *    config is that file): then the root owns its files, as `vitest run` at the root would.
 * 3. A file belongs to the owner whose folder is the deepest one holding it. Whether it is a test
 *    file at all is the owner's config's business (its include/exclude and projects).
 */
export interface TestOwner {
  /** The owner's folder: Vitest's root and the tests' working directory. */
  root: string
  /** The config file in use, or null for Vitest's defaults. */
  configFile: string | null
  /**
   * The files the config imports (a shared `vitest.shared.ts`), absolute, once Vitest has loaded it
   * (after `listTestFiles`): a change to one changes the config.
   */
  configDependencies?: readonly string[]
}

/** A project of the root config, as the root's Vitest resolved it. */
export interface RootProject {
  root: string
  configFile: string | null
}

export interface OwnerPlanInput {
  /** The root owner, or null when the root has neither a config nor a Vitest of its own. */
  root: TestOwner | null
  /** The package folders that have a config of their own (see `findPackageConfig`). */
  packages: readonly TestOwner[]
  /** The root config's projects (empty when the root has no config). */
  rootProjects: readonly RootProject[]
}

/** The owners: the root first, then the packages by folder. Pure. */
export function planOwners(input: OwnerPlanInput): TestOwner[] {
  const rootDir = input.root?.root
  const projectRoots = new Set(input.rootProjects.map((project) => path.resolve(project.root)))
  const projectConfigs = new Set(
    input.rootProjects.flatMap((project) => (project.configFile ? [path.resolve(project.configFile)] : [])),
  )
  const packages = new Map<string, TestOwner>()
  for (const candidate of input.packages) {
    const dir = path.resolve(candidate.root)
    if (dir === rootDir || packages.has(dir)) continue
    if (projectRoots.has(dir)) continue
    if (candidate.configFile !== null && projectConfigs.has(path.resolve(candidate.configFile))) continue
    packages.set(dir, { root: dir, configFile: candidate.configFile })
  }
  const sorted = [...packages.values()].sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0))
  return input.root
    ? [{ root: path.resolve(input.root.root), configFile: input.root.configFile }, ...sorted]
    : sorted
}

/** The owner of a file (absolute): the one whose folder is the deepest that holds it. Pure. */
export function ownerOfFile<T extends TestOwner>(file: string, owners: readonly T[]): T | undefined {
  const target = path.resolve(file)
  let best: T | undefined
  for (const owner of owners) {
    if (best !== undefined && owner.root.length <= best.root.length) continue
    const inside = isPlain(owner.root) ? startsWithFolder(target, owner.root) : isInside(target, owner.root)
    if (inside) best = owner
  }
  return best
}

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

/** Vitest's own lookup order (vitest/dist constants: `vitest.config` then `vite.config`, each extension). */
const CONFIG_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']
export const VITEST_CONFIG_NAMES = CONFIG_EXTENSIONS.map((ext) => `vitest.config${ext}`)
export const VITE_CONFIG_NAMES = CONFIG_EXTENSIONS.map((ext) => `vite.config${ext}`)

/** Whether a file name is one Vitest looks up as a config (a change to it may change the owners). */
export function isConfigFileName(name: string): boolean {
  return VITEST_CONFIG_NAMES.includes(name) || VITE_CONFIG_NAMES.includes(name)
}

/** The config `vitest run` in `dir` loads: Vitest's own lookup (a `vite.config.*` counts as it is). */
export function findVitestConfig(dir: string): string | null {
  for (const name of [...VITEST_CONFIG_NAMES, ...VITE_CONFIG_NAMES]) {
    const file = path.join(dir, name)
    if (existsSync(file)) return file
  }
  return null
}

/**
 * The config that makes a package folder an owner: a `vitest.config.*`, else a `vite.config.*` that
 * configures tests (`hasTestKey`). A `vite.config.*` without a `test` key is a build config: the
 * package's tests (if any) stay with the root, so a front-end app's build config does not move them.
 */
export function findPackageConfig(dir: string): string | null {
  for (const name of VITEST_CONFIG_NAMES) {
    const file = path.join(dir, name)
    if (existsSync(file)) return file
  }
  for (const name of VITE_CONFIG_NAMES) {
    const file = path.join(dir, name)
    if (existsSync(file)) return hasTestKey(readFileSync(file, 'utf8')) ? file : null
  }
  return null
}

/**
 * Whether a Vite config's source has a `test` key (`test: {`, `'test': …`, `test,` shorthand in an
 * object). Read as text, not loaded: loading a config costs a bundle and an import per package.
 */
export function hasTestKey(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  return /(^|[{,\s])(['"]?)test\2\s*:/m.test(code) || /[{,]\s*test\s*[,}]/.test(code)
}
