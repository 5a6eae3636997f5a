import type { EnvironmentDefinition } from '@hearth/environments'
import { describe, expect, it } from 'vitest'
import type { HearthState, ServiceFailure, ServiceKey, ServiceState } from '../../store/state.js'
import { configOf } from '../../testing/fixtures.js'
import { instanceSummary, loadedState, withServices } from '../../testing/states.js'
import {
  type EnvironmentStatus,
  selectColdStart,
  selectDependents,
  selectEnvironmentStatus,
  selectFailures,
  selectServices,
  selectSettled,
  selectStartDuration,
} from './selectors.js'

const backend = {
  name: 'backend',
  services: {
    db: { kind: 'process', command: 'db' },
    cache: { kind: 'process', command: 'cache' },
    migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
    api: { kind: 'process', command: 'api', dependsOn: ['db', 'migrate', 'cache'] },
  },
} as const satisfies EnvironmentDefinition
const other = {
  name: 'other',
  services: { web: { kind: 'process', command: 'web' } },
} as const satisfies EnvironmentDefinition
const config = configOf(backend, other)

const rootFailure = (cause: string): ServiceFailure => ({ cause, fix: null, logTail: [], blockedBy: null })
const blocked = (by: ServiceKey): ServiceFailure => ({
  cause: 'not started',
  fix: null,
  logTail: [],
  blockedBy: by,
})

function withLock(state: HearthState, environment: string, lock: 'none' | 'waiting' | 'held'): HearthState {
  const current = state.environments[environment]
  if (current === undefined) throw new Error(`no environment ${environment}`)
  return { ...state, environments: { ...state.environments, [environment]: { ...current, lock } } }
}

/** The backend's four services with these statuses (cache, db, migrate, api: start order). */
function backendWith(
  statuses: [ServiceState['status'], ServiceState['status'], ServiceState['status'], ServiceState['status']],
) {
  const [cache, db, migrate, api] = statuses
  return withServices(loadedState(config), {
    'backend/cache': { status: cache },
    'backend/db': { status: db },
    'backend/migrate': { status: migrate },
    'backend/api': { status: api },
  })
}

describe('selectEnvironmentStatus', () => {
  const cases: [string, HearthState, EnvironmentStatus][] = [
    ['every service idle', loadedState(config), 'idle'],
    ['all ready or completed', backendWith(['ready', 'ready', 'completed', 'ready']), 'ready'],
    [
      'a service waiting for its dependencies',
      backendWith(['ready', 'ready', 'waiting', 'waiting']),
      'starting',
    ],
    ['a service starting', backendWith(['ready', 'starting', 'idle', 'idle']), 'starting'],
    ['a service probing', backendWith(['probing', 'ready', 'idle', 'idle']), 'starting'],
    ['every service stopped', backendWith(['stopped', 'stopped', 'stopped', 'stopped']), 'stopped'],
    ['some ready, some stopped', backendWith(['ready', 'ready', 'stopped', 'stopped']), 'stopped'],
    [
      'waiting for the lock',
      withLock(backendWith(['waiting', 'waiting', 'waiting', 'waiting']), 'backend', 'waiting'),
      'waiting-for-lock',
    ],
    [
      'a failure, others ready',
      withServices(backendWith(['ready', 'ready', 'failed', 'waiting']), {
        'backend/migrate': { failure: rootFailure('exit 1') },
      }),
      'failed',
    ],
    [
      'a failure while waiting for the lock (failure wins)',
      withLock(
        withServices(backendWith(['failed', 'waiting', 'waiting', 'waiting']), {
          'backend/cache': { failure: rootFailure('x') },
        }),
        'backend',
        'waiting',
      ),
      'failed',
    ],
    [
      'a service stopping next to a failure (stopping wins)',
      withServices(backendWith(['failed', 'stopping', 'stopped', 'stopped']), {
        'backend/cache': { failure: rootFailure('x') },
      }),
      'stopping',
    ],
    [
      'the lock held while starting',
      withLock(backendWith(['ready', 'starting', 'waiting', 'waiting']), 'backend', 'held'),
      'starting',
    ],
  ]

  it.each(cases)('%s → %s', (_name, state, expected) => {
    expect(selectEnvironmentStatus(state, 'backend')).toBe(expected)
  })

  it('is idle for an unknown environment', () => {
    expect(selectEnvironmentStatus(backendWith(['ready', 'ready', 'ready', 'ready']), 'nope')).toBe('idle')
  })

  it('looks only at its own services', () => {
    const state = withServices(loadedState(config), {
      'other/web': { status: 'failed', failure: rootFailure('x') },
    })
    expect(selectEnvironmentStatus(state, 'backend')).toBe('idle')
    expect(selectEnvironmentStatus(state, 'other')).toBe('failed')
  })
})

describe('selectSettled', () => {
  const one = (patch: Partial<ServiceState>) => withServices(loadedState(config), { 'backend/db': patch })
  const instance = instanceSummary('db-1')

  const cases: [string, HearthState, boolean][] = [
    ['nothing asked', loadedState(config), true],
    ['a lock awaited', withLock(loadedState(config), 'other', 'waiting'), false],
    ['a lock held, nothing under way', withLock(loadedState(config), 'other', 'held'), true],
    ['starting', one({ desired: 'running', status: 'starting' }), false],
    ['probing', one({ desired: 'running', status: 'probing', instance }), false],
    ['stopping', one({ desired: 'stopped', status: 'stopping', instance }), false],
    ['starting though asked to stop', one({ desired: 'stopped', status: 'starting' }), false],
    ['asked to run, waiting', one({ desired: 'running', status: 'waiting' }), false],
    ['asked to run, ready', one({ desired: 'running', status: 'ready', instance }), true],
    ['asked to run, completed', one({ desired: 'running', status: 'completed', instance }), true],
    ['asked to run, failed', one({ desired: 'running', status: 'failed', failure: rootFailure('x') }), true],
    ['asked to stop, instance left', one({ desired: 'stopped', status: 'failed', instance }), false],
    ['asked to stop, stopped', one({ desired: 'stopped', status: 'stopped' }), true],
    ['asked to stop, aborted before creating anything', one({ desired: 'stopped', status: 'idle' }), true],
    ['asked nothing, waiting', one({ desired: null, status: 'waiting' }), false],
    [
      'asked nothing, running from an earlier session',
      one({ desired: null, status: 'ready', instance }),
      true,
    ],
  ]

  it.each(cases)('%s → %s', (_name, state, expected) => {
    expect(selectSettled(state)).toBe(expected)
  })
})

describe('selectFailures', () => {
  it('lists the first failures before the ones they blocked, each group in state order', () => {
    const state = withServices(loadedState(config), {
      'backend/cache': { status: 'failed', failure: blocked('backend/db') },
      'backend/db': { status: 'failed', failure: rootFailure('db crashed') },
      'backend/migrate': { status: 'failed', failure: rootFailure('migration failed') },
      'backend/api': { status: 'failed', failure: blocked('backend/migrate') },
      'other/web': { status: 'ready' },
    })
    expect(selectFailures(state).map((service) => service.key)).toEqual([
      'backend/db',
      'backend/migrate',
      'backend/cache',
      'backend/api',
    ])
  })

  it('is empty when no service carries a failure', () => {
    expect(selectFailures(backendWith(['ready', 'stopped', 'completed', 'idle']))).toEqual([])
  })
})

describe('selectStartDuration', () => {
  const db = (patch: Partial<ServiceState>): ServiceState => {
    const service = withServices(loadedState(config), { 'backend/db': patch }).services['backend/db']
    if (service === undefined) throw new Error('no db')
    return service
  }

  it('is the time from the request to ready', () => {
    expect(selectStartDuration(db({ requestedAt: 1_000, readyAt: 2_250 }))).toBe(1_250)
  })

  it('is null while an earlier ready time is left from a previous start', () => {
    expect(selectStartDuration(db({ requestedAt: 3_000, readyAt: 1_500 }))).toBeNull()
  })

  it('is null before the service is ready', () => {
    expect(selectStartDuration(db({ requestedAt: 1_000, readyAt: null }))).toBeNull()
  })

  it('is null for a service this session never asked for (found running)', () => {
    expect(selectStartDuration(db({ requestedAt: null, readyAt: 2_000 }))).toBeNull()
  })
})

describe('selectColdStart', () => {
  const started = (key: ServiceKey, requestedAt: number | null, readyAt: number | null, reused = false) => ({
    [key]: { requestedAt, readyAt, instance: instanceSummary(key, { reused }) },
  })

  it('is the wall time from the first request to the last service ready', () => {
    const state = withServices(loadedState(config), {
      ...started('backend/db', 1_000, 1_400),
      ...started('backend/cache', 1_010, 1_200),
      ...started('backend/migrate', 1_000, 1_900),
      ...started('backend/api', 1_000, 2_600),
    })
    expect(selectColdStart(state, 'backend')).toBe(1_600)
    expect(selectColdStart(state, 'other')).toBeNull()
  })

  it('is null when a service was attached to rather than started, or is not ready', () => {
    const base = {
      ...started('backend/db', 1_000, 1_400),
      ...started('backend/cache', 1_000, 1_200),
      ...started('backend/migrate', 1_000, 1_900),
    }
    const attached = withServices(loadedState(config), {
      ...base,
      ...started('backend/api', 1_000, 2_000, true),
    })
    expect(selectColdStart(attached, 'backend')).toBeNull()
    const waiting = withServices(loadedState(config), { ...base, ...started('backend/api', 1_000, null) })
    expect(selectColdStart(waiting, 'backend')).toBeNull()
  })

  it('is null for an unknown environment', () => {
    expect(selectColdStart(loadedState(config), 'nope')).toBeNull()
  })
})

describe('selectDependents', () => {
  it('lists the services that depend on one directly', () => {
    const state = loadedState(config)
    expect(selectDependents(state, 'backend/db').map((service) => service.key)).toEqual([
      'backend/migrate',
      'backend/api',
    ])
    expect(selectDependents(state, 'backend/migrate').map((service) => service.key)).toEqual(['backend/api'])
    expect(selectDependents(state, 'backend/api')).toEqual([])
  })
})

describe('selectServices', () => {
  it('lists an environment in start order, and nothing for an unknown one', () => {
    const state = loadedState(config)
    expect(selectServices(state, 'backend').map((service) => service.name)).toEqual([
      'cache',
      'db',
      'migrate',
      'api',
    ])
    expect(selectServices(state, 'nope')).toEqual([])
  })
})
