import path from 'node:path'
import { lookupIn, type NormalizedConfig, renderTemplate } from '@hearth/environments'
import { testEnvironment } from '@hearth/vitest'
import picomatch from 'picomatch'
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
      const relative = path.relative(config.root, file).split(path.sep).join('/')
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
