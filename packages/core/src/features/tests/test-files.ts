import path from 'node:path'
import { lookupIn, type NormalizedConfig, renderTemplate } from '@hearth/environments'
import { testEnvironment } from '@hearth/vitest/test-environment'
import picomatch from 'picomatch'
import { relativePath } from '../../paths.js'
import type { HearthState } from '../../store/state.js'
import { selectServices } from '../environments/selectors.js'

export interface ClassifiedTestFile {
  file: string
  path: string
  group: string | null
  environment: string | null
}

/**
 * Each test file with the config's test group it belongs to (the first whose include globs match
 * and whose exclude globs do not) and that group's environment. Files in no group need none.
 */
export function classifyTestFiles(config: NormalizedConfig, files: readonly string[]): ClassifiedTestFile[] {
  const groups = config.tests.map((group) => ({
    group,
    include: picomatch(group.include as string[], { dot: true }),
    exclude: group.exclude.length === 0 ? () => false : picomatch(group.exclude as string[], { dot: true }),
  }))
  return files
    .map((file) => {
      const relative = relativePath(config.root, file)
      const match = groups.find(({ include, exclude }) => include(relative) && !exclude(relative))
      return {
        file,
        path: relative,
        group: match?.group.name ?? null,
        environment: match?.group.environment ?? null,
      }
    })
    .sort((a, b) => a.path.localeCompare(b.path))
}

/**
 * What the tests of an environment see in process.env: `HEARTH_<SERVICE>_<OUTPUT>` for every
 * output of its running services and `HEARTH_OUTPUTS` (the contract of @hearth/vitest, whose
 * in-test helper reads them), the names services declare in `testEnv` (`DATABASE_URL`), rendered
 * over their outputs, and `HEARTH_ENVIRONMENT`.
 */
export function testEnvironmentOf(state: HearthState, environment: string | null): Record<string, string> {
  if (environment === null) return {}
  const definitions = state.config?.environments[environment]?.services ?? {}
  const outputs: Record<string, Readonly<Record<string, string>>> = {}
  const declared: Record<string, string> = { HEARTH_ENVIRONMENT: environment }
  for (const service of selectServices(state, environment)) {
    if (Object.keys(service.outputs).length === 0) continue
    outputs[service.name] = service.outputs
    for (const [name, template] of Object.entries(definitions[service.name]?.testEnv ?? {})) {
      declared[name] = renderTemplate(template, lookupIn(service.outputs))
    }
  }
  return testEnvironment(outputs, declared)
}

/** The config's test groups whose globs match none of these files (a typo, or tests not written yet). */
export function selectEmptyGroups(config: NormalizedConfig, files: readonly ClassifiedTestFile[]): string[] {
  const used = new Set(files.map((file) => file.group))
  return config.tests.filter((group) => !used.has(group.name)).map((group) => group.name)
}

/**
 * The files of these test groups, and those at or below these paths (absolute files or folders);
 * every file when neither is given.
 */
export function filterTestFiles(
  files: readonly ClassifiedTestFile[],
  { groups = [], paths = [] }: { groups?: readonly string[]; paths?: readonly string[] },
): ClassifiedTestFile[] {
  if (groups.length === 0 && paths.length === 0) return [...files]
  const wanted = new Set(groups)
  return files.filter(
    (file) =>
      (file.group !== null && wanted.has(file.group)) ||
      paths.some(
        (at) => file.file === at || file.file.startsWith(at.endsWith(path.sep) ? at : at + path.sep),
      ),
  )
}

/** What hearth tells the user about how the config's groups cover the test files. */
export function coverageWarnings(
  config: NormalizedConfig,
  files: readonly ClassifiedTestFile[],
): Array<{ code: 'empty-group' | 'ungrouped-files'; message: string; fix: string }> {
  const warnings: Array<{ code: 'empty-group' | 'ungrouped-files'; message: string; fix: string }> = []
  for (const name of selectEmptyGroups(config, files)) {
    const group = config.tests.find((candidate) => candidate.name === name)
    warnings.push({
      code: 'empty-group',
      message: `test group "${name}" matches no test file (include: ${group?.include.join(', ')})`,
      fix: `check its include globs in ${config.file} against the test files Vitest finds, or remove the group`,
    })
  }
  const ungrouped = files.filter((file) => file.group === null)
  if (ungrouped.length > 0 && config.tests.length > 0) {
    const shown = ungrouped.slice(0, 3).map((file) => file.path)
    const more = ungrouped.length > shown.length ? ` and ${ungrouped.length - shown.length} more` : ''
    warnings.push({
      code: 'ungrouped-files',
      message: `${ungrouped.length} test ${ungrouped.length === 1 ? 'file is' : 'files are'} in no test group and run${ungrouped.length === 1 ? 's' : ''} without an environment: ${shown.join(', ')}${more}`,
      fix: `add ${ungrouped.length === 1 ? 'it' : 'them'} to a group in ${config.file} if ${ungrouped.length === 1 ? 'it needs' : 'they need'} one`,
    })
  }
  return warnings
}

/** The discovered test files as classified (from the state). */
export function classifiedFiles(state: HearthState): ClassifiedTestFile[] {
  return Object.values(state.tests.files).map(({ file, path, group, environment }) => ({
    file,
    path,
    group,
    environment,
  }))
}
