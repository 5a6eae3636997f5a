import path from 'node:path'
import { lookupIn, type NormalizedConfig, outputEnvName, renderTemplate } from '@hearth/environments'
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
 * output of its running services, `HEARTH_OUTPUTS` (all of them as JSON, by service), and the
 * names services declare in `testEnv` (`DATABASE_URL`), rendered over their outputs.
 */
export function testEnvironmentOf(state: HearthState, environment: string | null): Record<string, string> {
  if (environment === null) return {}
  const definitions = state.config?.environments[environment]?.services ?? {}
  const env: Record<string, string> = {}
  const all: Record<string, Readonly<Record<string, string>>> = {}
  for (const service of selectServices(state, environment)) {
    if (Object.keys(service.outputs).length === 0) continue
    all[service.name] = service.outputs
    for (const [name, value] of Object.entries(service.outputs))
      env[outputEnvName(service.name, name)] = value
    const declared = definitions[service.name]?.testEnv ?? {}
    for (const [name, template] of Object.entries(declared)) {
      env[name] = renderTemplate(template, lookupIn(service.outputs))
    }
  }
  env.HEARTH_OUTPUTS = JSON.stringify(all)
  env.HEARTH_ENVIRONMENT = environment
  return env
}
