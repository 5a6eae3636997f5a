import type { EnvironmentState, HearthState, ServiceKey, ServiceState } from '../../store/state.js'
import { IN_FLIGHT } from './reducer.js'

export type EnvironmentStatus =
  | 'idle'
  | 'waiting-for-lock'
  | 'starting'
  | 'ready'
  | 'failed'
  | 'stopping'
  | 'stopped'

/** An environment's status, derived from its services (it keeps none of its own). */
export function selectEnvironmentStatus(state: HearthState, name: string): EnvironmentStatus {
  const environment = state.environments[name]
  if (environment === undefined) return 'idle'
  const services = environment.services
    .map((key) => state.services[key])
    .filter((s): s is ServiceState => s !== undefined)
  if (services.some((s) => s.status === 'stopping')) return 'stopping'
  if (services.some((s) => s.failure !== null)) return 'failed'
  if (environment.lock === 'waiting') return 'waiting-for-lock'
  if (services.some((s) => s.status === 'waiting' || s.restarting || IN_FLIGHT.has(s.status)))
    return 'starting'
  if (services.length > 0 && services.every((s) => s.status === 'ready' || s.status === 'completed'))
    return 'ready'
  if (services.every((s) => s.status === 'idle')) return 'idle'
  return 'stopped'
}

/** The services of an environment, in start order. */
export function selectServices(state: HearthState, environment: string): ServiceState[] {
  return (state.environments[environment]?.services ?? [])
    .map((key) => state.services[key])
    .filter((service): service is ServiceState => service !== undefined)
}

/** Services that depend on `key` directly. */
export function selectDependents(state: HearthState, key: ServiceKey): ServiceState[] {
  return Object.values(state.services).filter((service) => service.dependsOn.includes(key))
}

/** How long a service took to start, from when its dependencies were ready to ready (or completed). */
export function selectStartDuration(service: ServiceState): number | null {
  // Its own start, from when its dependencies were ready; not the time it waited for them.
  const from = service.startingAt ?? service.requestedAt
  if (service.readyAt === null || from === null || service.readyAt < from) return null
  return service.readyAt - from
}

/**
 * How long an environment took to start cold: from the first request of one of its services to the
 * last one ready. Null when it did not start cold in this session (a service was attached to rather
 * than created, or is not ready), which is what the timing history must not learn from.
 */
export function selectColdStart(state: HearthState, environment: string): number | null {
  const services = selectServices(state, environment)
  if (services.length === 0) return null
  let from = Number.POSITIVE_INFINITY
  let to = Number.NEGATIVE_INFINITY
  for (const service of services) {
    if (service.requestedAt === null || service.readyAt === null || service.readyAt < service.requestedAt)
      return null
    if (service.instance?.reused === true) return null
    from = Math.min(from, service.requestedAt)
    to = Math.max(to, service.readyAt)
  }
  return to - from
}

/**
 * True when nothing is under way: no start or stop in progress, no lock awaited, every service
 * asked to run has got there (or failed), every service asked to stop has stopped.
 */
export function selectSettled(state: HearthState): boolean {
  const waitingForLock = Object.values(state.environments).some(
    (environment: EnvironmentState) => environment.lock === 'waiting',
  )
  if (waitingForLock) return false
  return Object.values(state.services).every((service) => {
    if (IN_FLIGHT.has(service.status) || service.status === 'stopping') return false
    if (service.desired === 'running') return service.status !== 'waiting'
    if (service.desired === 'stopped') return service.instance === null
    return service.status !== 'waiting'
  })
}

/** The services that stopped (or were lost) while in use and are still down: the ones to offer a restart. */
export function selectDiedInUse(state: HearthState): ServiceState[] {
  return Object.values(state.services).filter(
    (service) => service.status === 'failed' && service.failure?.inUse === true && !service.restarting,
  )
}

/** The failed services, the first failures (not those blocked by another) first. */
export function selectFailures(state: HearthState): ServiceState[] {
  const failed = Object.values(state.services).filter((service) => service.failure !== null)
  return [
    ...failed.filter((s) => s.failure?.blockedBy === null),
    ...failed.filter((s) => s.failure?.blockedBy !== null),
  ]
}
