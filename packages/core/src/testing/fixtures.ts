import type { EnvironmentDefinition, NormalizedConfig } from '@hearth/environments'
import { validateConfig } from '@hearth/environments'

/** A validated config from environment definitions, as `loadConfig` would return it. Test helper. */
export function configOf(...environments: EnvironmentDefinition[]): NormalizedConfig {
  const result = validateConfig(
    { project: 'demo', environments },
    { root: '/project', file: 'hearth.config.ts', defaultProject: 'demo' },
  )
  if (!result.ok) throw new Error(`invalid test config:\n${JSON.stringify(result.issues, null, 2)}`)
  return result.config
}
