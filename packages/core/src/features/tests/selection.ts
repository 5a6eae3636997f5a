import path from 'node:path'
// The selection alone, not the graph: the graph's parser loads TypeScript (~0.3 s), which only the
// commands that build a graph should pay for.
import type { BuildOutputPackage, ImportGraph } from '@hearth/affected'
import {
  type SelectionReason as AffectedReason,
  type SelectionRule,
  selectTests,
} from '@hearth/affected/select'
import type { NormalizedConfig } from '@hearth/environments'
import { relativePath } from '../../paths.js'
import type { SelectionReason } from './state.js'
import type { ClassifiedTestFile } from './test-files.js'
import type { TestRunner } from './test-runner.js'

/** Files whose change reruns every test, besides the config itself and the Vitest config. */
export const GLOBAL_TRIGGERS = [
  'pnpm-lock.yaml',
  'package-lock.json',
  'yarn.lock',
  'bun.lock',
  'tsconfig.base.json',
]

export interface AffectedSelection {
  /** The selected test files (absolute) with why each runs. */
  files: Record<string, SelectionReason[]>
  /** Workspace packages the selected tests use through their build output, to rebuild first. */
  rebuild: BuildOutputPackage[]
}

/**
 * A test runner config (a package's `vitest.config.ts`), the project files it imports (a shared
 * `vitest.shared.ts`), and the test files it owns; all absolute.
 */
export interface TestConfigOwnership {
  file: string
  imports: readonly string[]
  tests: readonly string[]
}

/** The configs of a runner's owners, each with what it imports and the test files it owns (configless owners left out). */
export function testConfigsOf(
  runner: TestRunner,
  files: readonly ClassifiedTestFile[],
): TestConfigOwnership[] {
  const owned = new Map<string, { imports: readonly string[]; tests: string[] }>()
  for (const owner of runner.owners())
    if (owner.configFile !== null)
      owned.set(owner.configFile, { imports: owner.configDependencies ?? [], tests: [] })
  for (const file of files) {
    const configFile = runner.ownerOf(file.file)?.configFile
    if (configFile != null) owned.get(configFile)?.tests.push(file.file)
  }
  return [...owned]
    .map(([file, { imports, tests }]) => ({ file, imports, tests }))
    .sort((a, b) => a.file.localeCompare(b.file))
}

/**
 * The declared triggers of a config as selection rules: each test group's trigger globs select that
 * group; each service's watch globs and the file that defines it select the tests of its
 * environment; a Vitest config selects the test files it owns; the lockfiles and the hearth config
 * select everything.
 */
export function selectionRules(
  config: NormalizedConfig,
  files: readonly ClassifiedTestFile[],
  testConfigs: readonly TestConfigOwnership[],
): SelectionRule[] {
  const rules: SelectionRule[] = []
  for (const group of config.tests) {
    if (group.triggers.length === 0) continue
    rules.push({
      kind: 'group',
      name: group.name,
      globs: group.triggers,
      tests: files.filter((file) => file.group === group.name).map((file) => file.file),
    })
  }
  for (const environment of Object.values(config.environments)) {
    const tests = files.filter((file) => file.environment === environment.name).map((file) => file.file)
    if (tests.length === 0) continue
    for (const service of Object.values(environment.services)) {
      rules.push({
        kind: 'service',
        name: `${environment.name}/${service.name}`,
        globs: [...service.watch, environment.file],
        tests,
      })
    }
  }
  for (const owner of testConfigs) {
    if (owner.tests.length === 0) continue
    const name = relativePath(config.root, owner.file)
    // What the config imports from the project counts as the config (not what lies outside it).
    const imports = owner.imports
      .map((file) => relativePath(config.root, file))
      .filter((file) => !path.isAbsolute(file) && !file.split('/').includes('node_modules'))
    rules.push({ kind: 'config', name, globs: [name, ...imports], tests: [...owner.tests] })
  }
  const global = [...GLOBAL_TRIGGERS, config.file]
  rules.push({ kind: 'global', name: 'global', globs: global, tests: 'all' })
  return rules
}

/** What a change selects: through the import graph and the declared triggers, each with its reason. */
export function selectAffected(options: {
  config: NormalizedConfig
  graph: ImportGraph
  files: readonly ClassifiedTestFile[]
  changed: readonly string[]
  testConfigs: readonly TestConfigOwnership[]
}): AffectedSelection {
  const { config, graph, files, changed } = options
  const selection = selectTests({
    root: config.root,
    tests: files.map((file) => file.file),
    changed,
    imports: graph.testsReaching(changed),
    rules: selectionRules(config, files, options.testConfigs),
  })
  const relative = (file: string): string => relativePath(config.root, file)
  const result: Record<string, SelectionReason[]> = {}
  for (const { test, reasons } of selection.tests)
    result[test] = reasons.map((reason) => toReason(reason, relative))
  return { files: result, rebuild: selection.rebuild }
}

function toReason(reason: AffectedReason, relative: (file: string) => string): SelectionReason {
  if (reason.type === 'import') {
    return {
      kind: 'import',
      changed: relative(reason.changed),
      chain: reason.chain.map(relative),
      viaBuildOutput: reason.viaBuildOutput?.name ?? null,
    }
  }
  return {
    kind: 'rule',
    rule: reason.rule.kind,
    name: reason.rule.name,
    glob: reason.glob,
    changed: relative(reason.changed),
  }
}
