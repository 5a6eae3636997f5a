import path from 'node:path'
import { type ClassifiedTestFile, classifyTestFiles } from '@hearth/core'
import type { NormalizedConfig } from '@hearth/environments'
import type { SurveyedProject } from './survey-protocol.js'
import type { VitestOwnerSurvey } from './survey-vitest.js'

/**
 * From the project's Vitest projects to hearth test groups: one group per Vitest project that has
 * test files (a package's own config, a project of the root config, the root config itself), with
 * include globs relative to the hearth project root. Pure.
 */
export interface PlannedGroup {
  name: string
  include: string[]
  exclude: string[]
  /** The test files it holds, absolute, sorted. */
  files: string[]
  /** Where its tests come from, for people: a config file relative to the root, or `Vitest defaults in <dir>`. */
  source: string
  /** The Vitest project's name ('' for a config without projects). */
  project: string
  /** The project's folder relative to the root ('' for the root). */
  dir: string
  /** Its setup files and global setup files (absolute), which the tests load without importing them. */
  setupFiles: string[]
  /** Set when its globs could not be told apart from another group's: it lists its files instead. */
  listedFiles?: boolean
}

export interface WorkspacePackage {
  /** Absolute folder. */
  dir: string
  name?: string
}

/** Vitest's default globs: left out of a group's exclude (the tests hearth is given never match them). */
const DEFAULT_EXCLUDE = new Set([
  '**/node_modules/**',
  '**/.git/**',
  '**/dist/**',
  '**/cypress/**',
  '**/.{idea,git,cache,output,temp}/**',
  '**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build,eslint,prettier}.config.*',
])
const DEFAULT_INCLUDE = '**/*.{test,spec}.?(c|m)[jt]s?(x)'
const GROUP_NAME = /^[a-z][a-z0-9-]*$/

export function planGroups(
  root: string,
  owners: readonly VitestOwnerSurvey[],
  packages: readonly WorkspacePackage[],
): PlannedGroup[] {
  const groups: PlannedGroup[] = []
  const assigned = new Set<string>()
  for (const owner of owners) {
    for (const project of owner.projects) {
      const files = owner.files
        .filter((entry) => entry.project === project.name && !assigned.has(entry.file))
        .map((entry) => entry.file)
      if (files.length === 0) continue
      for (const file of files) assigned.add(file)
      const dir = toPosix(path.relative(root, project.dir))
      groups.push({
        name: '',
        ...globsOf(project, dir, files),
        files: [...new Set(files)].sort(),
        source: sourceOf(root, owner, project),
        project: project.name,
        dir: toPosix(path.relative(root, project.root)),
        setupFiles: [...project.setupFiles, ...project.globalSetup],
      })
    }
  }
  nameGroups(root, groups, packages)
  // Deeper folders first: a package's globs are narrower than the root's, which may cover it. In a
  // folder, the projects keep the order of the config.
  groups.sort((a, b) => depth(b.dir) - depth(a.dir) || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0))
  return separate(root, groups)
}

function depth(dir: string): number {
  return dir === '' ? 0 : dir.split('/').length
}

function sourceOf(root: string, owner: VitestOwnerSurvey, project: SurveyedProject): string {
  const config = project.configFile ?? owner.configFile
  if (config !== null) return toPosix(path.relative(root, config))
  const dir = toPosix(path.relative(root, project.root))
  return `Vitest defaults in ${dir === '' ? 'the root' : dir}`
}

/** The project's globs, relative to the hearth root; Vitest's default include narrowed to the files' names. */
function globsOf(
  project: SurveyedProject,
  dir: string,
  files: readonly string[],
): { include: string[]; exclude: string[] } {
  const relative = files.map((file) => toPosix(path.relative(project.dir, file)))
  const include =
    project.include.length === 1 && project.include[0] === DEFAULT_INCLUDE
      ? [narrowDefaultInclude(relative)]
      : project.include
  return {
    include: include.map((glob) => under(dir, glob)),
    exclude: project.exclude.filter((glob) => !DEFAULT_EXCLUDE.has(glob)).map((glob) => under(dir, glob)),
  }
}

/**
 * Vitest's default include (`**\/*.{test,spec}.?(c|m)[jt]s?(x)`) as the files found use it: all
 * `*.test.ts` → `**\/*.test.ts`. Easier to read; a test file of another kind added later is one hearth
 * reports as in no group.
 */
export function narrowDefaultInclude(files: readonly string[]): string {
  const kinds = new Set<string>()
  const extensions = new Set<string>()
  for (const file of files) {
    const match = /\.(test|spec)\.([cm]?[jt]sx?)$/.exec(file)
    if (match === null) return DEFAULT_INCLUDE
    kinds.add(match[1] as string)
    extensions.add(match[2] as string)
  }
  if (kinds.size === 0) return DEFAULT_INCLUDE
  const alternatives = (set: Set<string>) => {
    const items = [...set].sort()
    return items.length === 1 ? items[0] : `{${items.join(',')}}`
  }
  return `**/*.${alternatives(kinds)}.${alternatives(extensions)}`
}

/** A glob relative to `dir` (relative to the root), as a glob relative to the root. */
export function under(dir: string, glob: string): string {
  const negated = glob.startsWith('!')
  const body = (negated ? glob.slice(1) : glob).replace(/^\.\//, '')
  const joined = dir === '' ? body : path.posix.normalize(`${dir}/${body}`)
  return `${negated ? '!' : ''}${joined}`
}

/**
 * Group names hearth accepts (`[a-z][a-z0-9-]*`), unique: the Vitest project's name, else the
 * package's (without its scope), else the folder's.
 */
function nameGroups(root: string, groups: PlannedGroup[], packages: readonly WorkspacePackage[]): void {
  const taken = new Set<string>()
  for (const group of groups) {
    const folder = path.join(root, group.dir)
    const pkg = packages.find((candidate) => path.resolve(candidate.dir) === folder)
    const base =
      (group.project !== '' ? groupName(group.project) : null) ??
      (pkg?.name !== undefined ? groupName(pkg.name) : null) ??
      groupName(path.basename(folder)) ??
      'tests'
    let name = base
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`
    taken.add(name)
    group.name = name
  }
}

/** `@shop/api` → `api`, `Integration Tests` → `integration-tests`; null when nothing is left. */
export function groupName(text: string): string | null {
  const name = text
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-0-9]+|-+$/g, '')
  return GROUP_NAME.test(name) ? name : null
}

/**
 * Checks the groups with hearth's own matcher (the first group whose globs match a file holds it):
 * a group that does not get exactly its files (two projects' globs overlap) lists its files instead,
 * and goes first.
 */
function separate(root: string, groups: PlannedGroup[]): PlannedGroup[] {
  const misplaced = new Set(
    classify(root, groups)
      .filter((file) => {
        const owner = groups.find((group) => group.files.includes(file.file))
        return owner !== undefined && file.group !== owner.name
      })
      .map((file) => groups.find((group) => group.files.includes(file.file))?.name),
  )
  if (misplaced.size === 0) return groups
  const listed = groups
    .filter((group) => misplaced.has(group.name))
    .map((group) => ({
      ...group,
      include: group.files.map((file) => toPosix(path.relative(root, file))),
      exclude: [],
      listedFiles: true,
    }))
  return [...listed, ...groups.filter((group) => !misplaced.has(group.name))]
}

/** How hearth would classify the groups' files with these groups (its own matcher, @hearth/core's). */
export function classify(root: string, groups: readonly PlannedGroup[]): ClassifiedTestFile[] {
  const config: NormalizedConfig = {
    project: 'init',
    root,
    file: 'hearth.config.ts',
    idleTtlMs: 0,
    fallback: true,
    environments: {},
    tests: groups.map((group) => ({
      name: group.name,
      include: group.include,
      exclude: group.exclude,
      environment: null,
      triggers: [],
    })),
  }
  return classifyTestFiles(
    config,
    groups.flatMap((group) => group.files),
  )
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/')
}
