import {
  type EnvironmentState,
  type HearthState,
  type ServiceKey,
  type ServiceState,
  serviceKey,
} from '../../store/state.js'
import type { ProjectAction } from './actions.js'

/**
 * Loads (or reloads) the plan. Services that still exist keep their runtime state, so a config
 * reload during `hearth dev` does not forget what is running.
 */
export function projectReducer(state: HearthState, action: ProjectAction): HearthState {
  const { config, project, at } = action
  const environments: Record<string, EnvironmentState> = {}
  const services: Record<ServiceKey, ServiceState> = {}
  for (const environment of Object.values(config.environments)) {
    const keys = environment.order.map((name) => serviceKey(environment.name, name))
    const previous = state.environments[environment.name]
    environments[environment.name] =
      previous === undefined
        ? { name: environment.name, services: keys, lock: 'none', lockHolder: null, reset: null }
        : { ...previous, services: keys }
    for (const name of environment.order) {
      const definition = environment.services[name]
      if (definition === undefined) continue
      const key = serviceKey(environment.name, name)
      const dependsOn = definition.dependsOn.map((dep) => serviceKey(environment.name, dep))
      const existing = state.services[key]
      services[key] =
        existing === undefined
          ? {
              key,
              environment: environment.name,
              name,
              kind: definition.kind,
              dependsOn,
              desired: null,
              status: 'idle',
              since: at,
              requestedAt: null,
              startingAt: null,
              startedAt: null,
              readyAt: null,
              stoppingAt: null,
              instance: null,
              outputs: {},
              failure: null,
              exitCode: null,
              outdated: false,
              restarting: false,
              probe: null,
              fallback: null,
              preparing: null,
              lastResetAt: null,
            }
          : { ...existing, kind: definition.kind, dependsOn }
    }
  }
  return { ...state, project, config, environments, services }
}
