import type { HearthState, ServiceKey, ServiceState, ServiceStatus } from '../../store/state.js'
import type { EnvironmentAction, ServiceAction } from './actions.js'

/** Statuses in which a start is under way: its task must be aborted, not its instance stopped. */
export const IN_FLIGHT: ReadonlySet<ServiceStatus> = new Set(['starting', 'probing'])

export function environmentReducer(state: HearthState, action: EnvironmentAction): HearthState {
  switch (action.type) {
    case 'environment/up-requested':
      return requestUp(state, action.environments, action.at)
    case 'environment/down-requested':
      return requestDown(state, action.environments, action.only, action.at)
    case 'environment/expired':
      return {
        ...state,
        session: { ...state.session, expired: [...state.session.expired, action.environment] },
      }
    case 'environment/lock-waiting':
      return updateEnvironment(state, action.environment, { lock: 'waiting', lockHolder: action.holder })
    case 'environment/lock-acquired':
      return updateEnvironment(state, action.environment, { lock: 'held', lockHolder: null })
    case 'environment/lock-released':
      return updateEnvironment(state, action.environment, { lock: 'none', lockHolder: null })
    case 'environment/reset-requested': {
      let next = state
      for (const name of action.environments) {
        const reset = state.environments[name]?.reset
        if (state.environments[name] === undefined) continue
        next = updateEnvironment(next, name, {
          reset: {
            status: 'requested',
            seq: (reset?.seq ?? 0) + 1,
            doneSeq: reset?.doneSeq ?? 0,
            requestedAt: action.at,
            finishedAt: reset?.finishedAt ?? null,
            error: reset?.error ?? null,
          },
        })
      }
      return next
    }
    case 'environment/reset-started': {
      const reset = state.environments[action.environment]?.reset
      if (reset == null || reset.seq !== action.seq) return state
      return updateEnvironment(state, action.environment, { reset: { ...reset, status: 'running' } })
    }
    case 'environment/reset-finished': {
      const reset = state.environments[action.environment]?.reset
      if (reset == null) return state
      // A request made while this reset ran stays asked for: it runs next.
      const latest = reset.seq === action.seq
      return updateEnvironment(state, action.environment, {
        reset: {
          ...reset,
          status: latest ? (action.error === null ? 'done' : 'failed') : 'requested',
          doneSeq: Math.max(reset.doneSeq, action.seq),
          finishedAt: action.at,
          error: action.error,
        },
      })
    }
  }
}

export function serviceReducer(state: HearthState, action: ServiceAction): HearthState {
  if (action.type === 'service/restart-requested') return requestRestart(state, action.keys, action.at)
  const { key, at } = action
  switch (action.type) {
    case 'service/starting':
      return updateService(state, key, {
        status: 'starting',
        since: at,
        startingAt: at,
        failure: null,
        exitCode: null,
        outdated: false,
      })
    case 'service/started':
      return updateService(state, key, {
        status: 'probing',
        since: at,
        startedAt: at,
        instance: action.instance,
        probe: null,
        preparing: null,
      })
    case 'service/reset':
      return updateService(state, key, { lastResetAt: at })
    case 'service/fell-back':
      return updateService(state, key, { fallback: action.reason })
    case 'service/preparing':
      return updateService(state, key, {
        preparing: { message: action.message, fraction: action.fraction ?? null },
      })
    case 'service/still-probing':
      return updateService(state, key, { probe: { attempts: action.attempts, detail: action.detail } })
    case 'service/ready':
      return updateService(state, key, {
        status: 'ready',
        since: at,
        readyAt: at,
        outputs: action.outputs,
        probe: null,
      })
    case 'service/completed':
      return updateService(state, key, {
        status: 'completed',
        since: at,
        readyAt: at,
        outputs: action.outputs,
        exitCode: 0,
      })
    case 'service/failed': {
      // A stop that failed is not tried again in a loop: the wish to stop is dropped with it.
      const stopFailed = state.services[key]?.status === 'stopping'
      return updateService(state, key, {
        status: 'failed',
        since: at,
        failure: action.failure,
        exitCode: action.exitCode ?? null,
        ...(stopFailed ? { desired: null, restarting: false } : {}),
      })
    }
    case 'service/aborted': {
      const service = state.services[key]
      if (service?.restarting && service.desired === 'running') {
        return updateService(state, key, { ...backToWaiting(at), instance: null })
      }
      return updateService(state, key, { status: 'idle', since: at, instance: null })
    }
    case 'service/stopping':
      return updateService(state, key, { status: 'stopping', since: at, stoppingAt: at })
    case 'service/stopped': {
      const service = state.services[key]
      // A restart goes on: back to waiting, and the controller starts it once its dependencies are ready.
      if (service?.restarting && service.desired === 'running') {
        return updateService(state, key, { ...backToWaiting(at), instance: null, outputs: {} })
      }
      return updateService(state, key, {
        status: 'stopped',
        since: at,
        instance: null,
        outputs: {},
        restarting: false,
      })
    }
    case 'service/observed': {
      const service = state.services[key]
      if (service === undefined) return state
      let status: ServiceStatus = 'stopped'
      if (action.instance !== null && action.running) status = 'ready'
      else if (action.instance !== null && service.kind === 'job' && action.exitCode === 0)
        status = 'completed'
      return updateService(state, key, {
        status,
        since: at,
        instance: action.instance,
        exitCode: action.exitCode,
        outdated: action.outdated,
        outputs: action.outputs,
      })
    }
  }
}

/** Back in line to start: asked for now, nothing of an earlier attempt kept. */
function backToWaiting(at: number): Partial<ServiceState> {
  return {
    status: 'waiting',
    since: at,
    requestedAt: at,
    readyAt: null,
    failure: null,
    exitCode: null,
    restarting: false,
  }
}

function requestRestart(state: HearthState, keys: readonly ServiceKey[], at: number): HearthState {
  const closure = new Set<ServiceKey>()
  const visit = (key: ServiceKey): void => {
    if (closure.has(key) || state.services[key] === undefined) return
    closure.add(key)
    for (const service of Object.values(state.services)) {
      if (service.dependsOn.includes(key)) visit(service.key)
    }
  }
  for (const key of keys) visit(key)
  let next = state
  for (const key of closure) {
    const service = next.services[key] as ServiceState
    if (service.instance !== null || IN_FLIGHT.has(service.status) || service.status === 'stopping') {
      next = updateService(next, key, { desired: 'running', restarting: true, failure: null })
    } else if (service.status !== 'waiting') {
      next = updateService(next, key, { desired: 'running', ...backToWaiting(at) })
    }
  }
  return next
}

function requestUp(state: HearthState, environments: readonly string[], at: number): HearthState {
  let next = state
  for (const key of servicesOf(state, environments)) {
    const service = next.services[key] as ServiceState
    const start = service.status === 'idle' || service.status === 'stopped' || service.status === 'failed'
    // On its way down: let it finish stopping, then start again (as a restart does).
    const goingDown =
      service.status === 'stopping' || (IN_FLIGHT.has(service.status) && service.desired === 'stopped')
    let patch: Partial<ServiceState> = { desired: 'running' }
    if (start) patch = { desired: 'running', ...backToWaiting(at) }
    else if (goingDown) patch = { desired: 'running', restarting: true }
    next = updateService(next, key, patch)
  }
  return next
}

/**
 * Marks services to stop. A service with nothing to stop (no instance, no start under way) is
 * stopped at once; the controller stops the rest, dependents first.
 */
export function requestDown(
  state: HearthState,
  environments: readonly string[],
  only: 'all' | 'started' | 'unfinished',
  at: number,
): HearthState {
  let next = state
  for (const key of servicesOf(state, environments)) {
    const service = next.services[key] as ServiceState
    if (only === 'unfinished') {
      // Starts under way are called off (what they created goes); what is ready stays warm.
      if (IN_FLIGHT.has(service.status)) next = updateService(next, key, { desired: 'stopped' })
      else if (service.status === 'waiting')
        next = updateService(next, key, { desired: null, status: 'idle', since: at })
      continue
    }
    const ours = IN_FLIGHT.has(service.status) || (service.instance !== null && !service.instance.reused)
    if (only === 'started' && !ours) {
      next = updateService(
        next,
        key,
        service.status === 'waiting' ? { desired: null, status: 'idle', since: at } : { desired: null },
      )
      continue
    }
    const nothingToStop = service.instance === null && !IN_FLIGHT.has(service.status)
    next = updateService(
      next,
      key,
      nothingToStop && service.status !== 'stopped'
        ? { desired: 'stopped', status: service.status === 'failed' ? 'failed' : 'stopped', since: at }
        : { desired: 'stopped' },
    )
  }
  return next
}

function servicesOf(state: HearthState, environments: readonly string[]): ServiceKey[] {
  return environments.flatMap((name) => state.environments[name]?.services ?? [])
}

function updateService(state: HearthState, key: ServiceKey, patch: Partial<ServiceState>): HearthState {
  const service = state.services[key]
  if (service === undefined) return state
  return { ...state, services: { ...state.services, [key]: { ...service, ...patch } } }
}

function updateEnvironment(
  state: HearthState,
  name: string,
  patch: Partial<HearthState['environments'][string]>,
): HearthState {
  const environment = state.environments[name]
  if (environment === undefined) return state
  return { ...state, environments: { ...state.environments, [name]: { ...environment, ...patch } } }
}
