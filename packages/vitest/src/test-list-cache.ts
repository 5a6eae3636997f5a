import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { TestGlob } from './vitest-instance.js'

/** Bumped when what is cached changes shape or meaning: an older cache is then ignored. */
const FORMAT = 2
const CACHE_FILE = 'tests.json'
/**
 * A config input modified this close to (or after) the moment Vitest began to load it may have
 * been read before the change: what Vitest said of it is not kept.
 */
const RACY_MS = 1_000
/** Variables a Vitest config commonly reads: a change to one may change the globs. */
const CONFIG_VARIABLE = /^(VITE|VITEST|CI$|NODE_ENV$|TEST$)/

/** An owner of test files, as the runner knows it: its folder and its config file. */
export interface ListedOwner {
  root: string
  configFile: string | null
}

/** A project of a config, as the owners are planned from it (`RootProject` of owners.ts). */
export interface CachedProject {
  root: string
  configFile: string | null
}

/** What a config said of its test files: its inputs, each project's glob, and its projects. */
export interface CachedList {
  configDependencies: readonly string[]
  testGlobs: readonly TestGlob[]
  /** Null when they were not asked for (a config listed by the lister, not started as a host). */
  projects: readonly CachedProject[] | null
}

interface Entry {
  vitest: string
  env: string
  /** Each input of the config (the file and what it imports) with the sha1 of its content. */
  inputs: Array<[file: string, hash: string]>
  globs: TestGlob[]
  projects: CachedProject[] | null
}

interface CacheFile {
  format: number
  /** `<owner root>\0<config file>` → entry. */
  owners: Record<string, Entry>
}

/**
 * What each owner's Vitest config says of its test files, kept across runs in
 * `node_modules/.cache/hearth/tests.json` under the workspace root, so that `hearth affected`,
 * `plan` and `dev` list the test files without loading a config: the globs of an owner whose
 * config and the files it imports are unchanged (by content), under the same Vitest version and the
 * same VITE*, VITEST*, CI, NODE_ENV and TEST variables, are globbed again as Vitest globs them.
 * A config whose `includeSource` makes content decide is never kept. `HEARTH_TEST_LIST_CACHE=0`:
 * nothing is read or kept.
 *
 * The cache is a hint: a missing, corrupt or older-format file is ignored, and one that cannot be
 * written is not written.
 */
export class TestListCache {
  readonly #file: string | undefined
  #owners: Record<string, Entry> | undefined
  #dirty = false

  constructor(root: string, persist = process.env.HEARTH_TEST_LIST_CACHE !== '0') {
    const modules = path.join(root, 'node_modules')
    this.#file =
      persist && existsSync(modules) ? path.join(modules, '.cache', 'hearth', CACHE_FILE) : undefined
  }

  /** The owner's globs and config inputs, when its config is as it was when they were kept. */
  get(owner: ListedOwner, vitestVersion: string): CachedList | undefined {
    const entry = this.#load()[keyOf(owner)]
    if (entry === undefined || entry.vitest !== vitestVersion || entry.env !== envKey()) return undefined
    for (const [file, hash] of entry.inputs) if (hashOf(file) !== hash) return undefined
    return {
      configDependencies: entry.inputs.map(([file]) => file),
      testGlobs: entry.globs,
      projects: entry.projects,
    }
  }

  /**
   * Keeps what the owner's Vitest said, loaded from `loadStartedAt` (epoch ms) on; `testGlobs` null
   * (content decides) forgets the owner. Not kept when an input changed while Vitest was loading it.
   * `projects` null keeps those known from before, if the inputs are the same.
   */
  set(
    owner: ListedOwner,
    vitestVersion: string,
    configDependencies: readonly string[],
    testGlobs: readonly TestGlob[] | null,
    loadStartedAt: number,
    projects: readonly CachedProject[] | null = null,
  ): void {
    if (this.#file === undefined) return
    const owners = this.#load()
    const key = keyOf(owner)
    const inputs: Entry['inputs'] = []
    let settled = testGlobs !== null
    for (const file of settled ? configDependencies : []) {
      const mtimeMs = statOf(file)?.mtimeMs
      const hash = hashOf(file)
      if (mtimeMs === undefined || hash === undefined || mtimeMs >= loadStartedAt - RACY_MS) {
        settled = false
        break
      }
      inputs.push([file, hash])
    }
    if (!settled || testGlobs === null) {
      if (key in owners) {
        delete owners[key]
        this.#dirty = true
      }
      return
    }
    const globs = testGlobs.map(({ dir, include, exclude }) => ({
      dir,
      include: [...include],
      exclude: [...exclude],
    }))
    const env = envKey()
    const before = owners[key]
    const same =
      before !== undefined &&
      before.vitest === vitestVersion &&
      before.env === env &&
      JSON.stringify(before.inputs) === JSON.stringify(inputs)
    const known =
      projects?.map(({ root, configFile }) => ({ root, configFile })) ?? (same ? before.projects : null)
    owners[key] = { vitest: vitestVersion, env, inputs, globs, projects: known }
    this.#dirty = true
  }

  /** Writes the cache if anything changed: to a temporary file renamed over it (never half a file). */
  save(): void {
    if (this.#file === undefined || !this.#dirty) return
    const content: CacheFile = { format: FORMAT, owners: this.#load() }
    const temporary = `${this.#file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      mkdirSync(path.dirname(this.#file), { recursive: true })
      writeFileSync(temporary, JSON.stringify(content))
      renameSync(temporary, this.#file)
      this.#dirty = false
    } catch {
      // A read-only or full disk: the next listing loads the configs, which is all this saves.
      rmSync(temporary, { force: true })
    }
  }

  #load(): Record<string, Entry> {
    this.#owners ??= (this.#file === undefined ? undefined : readCacheFile(this.#file)) ?? {}
    return this.#owners
  }
}

/**
 * The `glob` of the tinyglobby the project's own Vitest (`vitestPackageDir`) depends on: the one
 * Vitest 4 globs test files with. Undefined when it does not resolve from there.
 */
export function vitestGlob(vitestPackageDir: string): Glob | undefined {
  try {
    const { glob } = createRequire(path.join(vitestPackageDir, 'package.json'))('tinyglobby') as {
      glob?: unknown
    }
    return typeof glob === 'function' ? (glob as Glob) : undefined
  } catch {
    return undefined
  }
}

/**
 * The test files of `globs`, globbed as Vitest 4 globs them (`TestProject.globFiles`): dot files
 * included, `exclude` as the ignore, directories not expanded. Absolute, sorted, without repeats.
 */
export async function globTestFiles(glob: Glob, globs: readonly TestGlob[]): Promise<string[]> {
  const lists = await Promise.all(
    globs
      .filter(({ include }) => include.length > 0)
      .map(async ({ dir, include, exclude }) =>
        (
          await glob([...include], { dot: true, cwd: dir, ignore: [...exclude], expandDirectories: false })
        ).map((file) => path.resolve(dir, file)),
      ),
  )
  return [...new Set(lists.flat())].sort()
}

/** The part of tinyglobby's `glob` used here. */
export type Glob = (
  patterns: string[],
  options: { dot: boolean; cwd: string; ignore: string[]; expandDirectories: boolean },
) => Promise<string[]>

function keyOf(owner: ListedOwner): string {
  return `${owner.root}\0${owner.configFile ?? ''}`
}

function envKey(): string {
  const names = Object.keys(process.env)
    .filter((name) => CONFIG_VARIABLE.test(name))
    .sort()
  const hash = createHash('sha1')
  for (const name of names) hash.update(`${name}=${process.env[name]}\0`)
  return hash.digest('base64')
}

function hashOf(file: string): string | undefined {
  try {
    return createHash('sha1').update(readFileSync(file)).digest('base64')
  } catch {
    return undefined
  }
}

function statOf(file: string): { mtimeMs: number } | undefined {
  try {
    return statSync(file)
  } catch {
    return undefined
  }
}

/** The cache's owners when the file is one of this format; undefined otherwise. */
function readCacheFile(file: string): Record<string, Entry> | undefined {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
  const cache = value as Partial<CacheFile> | null
  if (typeof cache !== 'object' || cache === null || cache.format !== FORMAT) return undefined
  if (typeof cache.owners !== 'object' || cache.owners === null) return undefined
  const owners: Record<string, Entry> = {}
  for (const [key, entry] of Object.entries(cache.owners)) if (isEntry(entry)) owners[key] = entry
  return owners
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

function isEntry(value: unknown): value is Entry {
  const entry = value as Partial<Entry> | null
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.vitest === 'string' &&
    typeof entry.env === 'string' &&
    Array.isArray(entry.inputs) &&
    entry.inputs.every((input) => isStrings(input) && input.length === 2) &&
    (entry.projects === null ||
      (Array.isArray(entry.projects) &&
        entry.projects.every(
          (project) =>
            typeof project === 'object' &&
            project !== null &&
            typeof project.root === 'string' &&
            (project.configFile === null || typeof project.configFile === 'string'),
        ))) &&
    Array.isArray(entry.globs) &&
    entry.globs.every(
      (glob) =>
        typeof glob === 'object' &&
        glob !== null &&
        typeof glob.dir === 'string' &&
        isStrings(glob.include) &&
        isStrings(glob.exclude),
    )
  )
}
