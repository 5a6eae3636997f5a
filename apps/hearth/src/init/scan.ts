import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { defaultProjectName } from '@hearth/environments'
import { loadCompose } from './compose-source.js'
import { type HardCodedAddress, type SourceFindings, scanSource } from './env-references.js'
import { planGroups, type WorkspacePackage } from './groups.js'
import type { ComposeSource, GroupFindings, InitInput } from './plan-config.js'
import { classifyScripts, type PackageScripts } from './scripts.js'
import { surveyVitest, type VitestSurvey } from './survey-vitest.js'

/** What `hearth init` read from the project: the input of `planInit`, and what the report adds. */
export interface ProjectScan extends InitInput {
  root: string
  /** The workspace's packages (the root first) with their names and scripts. */
  packages: Array<WorkspacePackage & PackageScripts>
  vitest: VitestSurvey
  /** Things found that init did not use, for the report. */
  remarks: string[]
}

/** Vitest 3's workspace files: Vitest 4 no longer reads them (their entries go in `test.projects`). */
const WORKSPACE_FILES = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json'].map(
  (ext) => `vitest.workspace.${ext}`,
)

/**
 * Reads the project at `root`: its workspace (pnpm-workspace.yaml or package.json `workspaces`),
 * each package's scripts, its tests as its own Vitest lists them (see `survey-vitest.ts`), the
 * environment variables and addresses the tests use (in the test files, the workspace files they
 * import, and Vitest's setup files), and its Compose file.
 */
export async function scanProject(root: string): Promise<ProjectScan> {
  const { workspacePackageDirs, workspacePatterns } = await import('@hearth/affected/workspace')
  const patterns = workspacePatterns(root, readText)
  const dirs = workspacePackageDirs(root)
  const workspaceFile = existsSync(path.join(root, 'pnpm-workspace.yaml'))
    ? 'pnpm-workspace.yaml'
    : 'package.json (workspaces)'
  const packages = [root, ...dirs].map((dir) => {
    const manifest = readManifest(dir)
    return {
      dir: relative(root, dir),
      ...(manifest.name === undefined ? {} : { name: manifest.name }),
      scripts: manifest.scripts,
    }
  })

  const vitest = await surveyVitest(root, dirs)
  const groups = planGroups(
    root,
    vitest.owners,
    packages.map((pkg) => ({ ...pkg, dir: path.join(root, pkg.dir) })),
  )
  const findings = await readSources(root, groups)
  // Compose's fixed host ports stay only for a suite that connects to a fixed address itself.
  const hardCoded = findings.some((group) => group.addresses.some((address) => !address.fallback))
  const compose: ComposeSource | null = await loadCompose(root, { hostPorts: hardCoded })
  return {
    root,
    project: defaultProjectName(root),
    workspace:
      patterns.length === 0
        ? null
        : { file: workspaceFile, packages: dirs.map((dir) => relative(root, dir)) },
    packages: packages.map((pkg) => ({ ...pkg, dir: path.join(root, pkg.dir) })),
    vitest,
    groups: findings,
    compose,
    scripts: classifyScripts(packages),
    remarks: WORKSPACE_FILES.filter((name) => existsSync(path.join(root, name))).map(
      (name) =>
        `${name} is not read: Vitest ${vitest.version} takes its projects from test.projects in the root config (move the entries there, then run hearth init again)`,
    ),
  }
}

/**
 * For each group, what its test files, the workspace files they import (through @hearth/affected's
 * import graph, resolved as the workspace resolves them) and its setup files read and hard-code.
 */
async function readSources(root: string, groups: ReturnType<typeof planGroups>): Promise<GroupFindings[]> {
  const { createImportGraph } = await import('@hearth/affected')
  const entries = (group: (typeof groups)[number]) => [
    ...group.files,
    ...group.setupFiles.filter((file) => existsSync(file) && !file.split(path.sep).includes('node_modules')),
  ]
  const graph = await createImportGraph({ root, testFiles: [...new Set(groups.flatMap(entries))] })
  const cache = new Map<string, SourceFindings>()
  const scan = (file: string): SourceFindings => {
    let found = cache.get(file)
    if (found === undefined) {
      const text = readText(file)
      found = text === undefined ? { variables: [], foreign: [], addresses: [] } : scanSource(text)
      cache.set(file, found)
    }
    return found
  }
  return groups.map((group) => {
    const reached = new Set<string>()
    for (const entry of entries(group)) {
      for (const { file, typeOnly } of graph.reach(entry)) {
        if (!typeOnly && !file.split(path.sep).includes('node_modules')) reached.add(file)
      }
    }
    const variables = new Map<string, string[]>()
    const foreign = new Set<string>()
    const addresses: Array<HardCodedAddress & { file: string }> = []
    for (const file of [...reached].sort()) {
      const found = scan(file)
      const name = relative(root, file)
      for (const variable of found.variables)
        variables.set(variable, [...(variables.get(variable) ?? []), name])
      for (const variable of found.foreign) foreign.add(variable)
      for (const address of found.addresses) addresses.push({ ...address, file: name })
    }
    return { group, variables, foreign, addresses }
  })
}

function readManifest(dir: string): { name?: string; scripts: Record<string, string> } {
  const text = readText(path.join(dir, 'package.json'))
  if (text === undefined) return { scripts: {} }
  try {
    const manifest = JSON.parse(text) as { name?: unknown; scripts?: unknown }
    const scripts =
      typeof manifest.scripts === 'object' && manifest.scripts !== null
        ? Object.fromEntries(
            Object.entries(manifest.scripts).filter(
              (entry): entry is [string, string] => typeof entry[1] === 'string',
            ),
          )
        : {}
    return { ...(typeof manifest.name === 'string' ? { name: manifest.name } : {}), scripts }
  } catch {
    return { scripts: {} }
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/')
}
