import type { NormalizedConfig } from '@hearth/environments'
import { reduce } from '../store/reducer.js'
import {
  type HearthState,
  type InstanceSummary,
  initialState,
  type ServiceKey,
  type ServiceState,
} from '../store/state.js'

/** The project identity the state helpers load configs under. Test helper. */
export const TEST_PROJECT = { name: 'demo', id: 'demo-00000000', root: '/project' } as const

/** A state with `config` loaded at `at`, as `project/loaded` makes it. Test helper. */
export function loadedState(config: NormalizedConfig, at = 1_000): HearthState {
  return reduce(initialState(0), { type: 'project/loaded', at, project: TEST_PROJECT, config })
}

/**
 * The state with some services patched directly, to seed a situation that would otherwise take a
 * chain of actions. Throws on an unknown key so a typo cannot make a test pass vacuously.
 */
export function withServices(
  state: HearthState,
  patches: Record<ServiceKey, Partial<ServiceState>>,
): HearthState {
  const services = { ...state.services }
  for (const [key, patch] of Object.entries(patches) as [ServiceKey, Partial<ServiceState>][]) {
    const service = services[key]
    if (service === undefined) throw new Error(`no service ${key} in the test state`)
    services[key] = { ...service, ...patch }
  }
  return { ...state, services }
}

/** An instance summary for seeded states. Test helper. */
export function instanceSummary(id: string, overrides: Partial<InstanceSummary> = {}): InstanceSummary {
  return {
    id,
    driver: 'fake',
    host: '127.0.0.1',
    ports: {},
    specHash: `hash-${id}`,
    createdAt: 500,
    reused: false,
    ...overrides,
  }
}

/** Freezes a value and everything it reaches, so a reducer that mutates its input throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
