import type { EnvironmentDefinition } from '@hearth/environments'
import { describe, expect, it } from 'vitest'
import { BACKEND, configOf } from '../testing/fixtures.js'
import { deepFreeze, instanceSummary, loadedState, TEST_PROJECT, withServices } from '../testing/states.js'
import type { Action } from './actions.js'
import { reduce } from './reducer.js'
import {
  type HearthState,
  initialState,
  type ServiceFailure,
  type ServiceKey,
  type ServiceState,
} from './state.js'

/**
 * The reducer, action by action. Every transition goes through `apply`, which deep-freezes the input
 * and checks it afterwards: a reducer that mutates its input fails here.
 */
const backend = BACKEND
const other = {
  name: 'other',
  services: { web: { kind: 'process', command: 'web' } },
} as const satisfies EnvironmentDefinition

const config = configOf(backend, other)
const AT = 5_000

function apply(state: HearthState, action: Action): HearthState {
  deepFreeze(state)
  const before = structuredClone(state)
  const next = reduce(state, action)
  expect(state).toEqual(before)
  return next
}

function service(state: HearthState, key: ServiceKey): ServiceState {
  const found = state.services[key]
  if (found === undefined) throw new Error(`no service ${key}`)
  return found
}

const failure: ServiceFailure = {
  cause: 'exited with code 1',
  fix: 'see its output below',
  logTail: ['boom'],
  blockedBy: null,
}

describe('project/loaded', () => {
  it('builds environments and idle services from a fresh config, in start order', () => {
    const next = apply(initialState(0), { type: 'project/loaded', at: 1_000, project: TEST_PROJECT, config })
    expect(next.project).toEqual(TEST_PROJECT)
    expect(next.config).toBe(config)
    expect(next.session).toEqual({
      startedAt: 0,
      expired: [],
      interrupted: null,
      quit: null,
      fatal: null,
      warnings: [],
    })
    expect(next.environments).toEqual({
      backend: {
        name: 'backend',
        services: ['backend/cache', 'backend/db', 'backend/migrate', 'backend/api'],
        lock: 'none',
        lockHolder: null,
        reset: null,
      },
      other: { name: 'other', services: ['other/web'], lock: 'none', lockHolder: null, reset: null },
    })
    expect(Object.keys(next.services)).toEqual([
      'backend/cache',
      'backend/db',
      'backend/migrate',
      'backend/api',
      'other/web',
    ])
    expect(next.services['backend/api']).toEqual({
      key: 'backend/api',
      environment: 'backend',
      name: 'api',
      kind: 'process',
      dependsOn: ['backend/db', 'backend/migrate', 'backend/cache'],
      desired: null,
      status: 'idle',
      since: 1_000,
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
      probe: null,
      restarting: false,
      fallback: null,
      preparing: null,
      lastResetAt: null,
    })
    expect(next.services['backend/migrate']?.kind).toBe('job')
  })

  it('on reload keeps the runtime state of surviving services and drops removed services and environments', () => {
    const db: Partial<ServiceState> = {
      desired: 'running',
      status: 'ready',
      since: 1_500,
      requestedAt: 1_100,
      startedAt: 1_200,
      readyAt: 1_500,
      instance: instanceSummary('db-1', { ports: { pg: 41000 } }),
      outputs: { host: '127.0.0.1', pgPort: '41000' },
    }
    let state = withServices(loadedState(config), { 'backend/db': db, 'backend/api': { status: 'probing' } })
    state = {
      ...state,
      environments: { ...state.environments, backend: { ...state.environments.backend!, lock: 'held' } },
    }

    const reloaded = configOf(
      {
        name: 'backend',
        services: {
          db: backend.services.db,
          cache: { ...backend.services.cache, dependsOn: ['db'] },
          migrate: backend.services.migrate,
          worker: { kind: 'process', command: 'worker', dependsOn: ['db'] },
        },
      },
      { name: 'extra', services: { mail: { kind: 'process', command: 'mail' } } },
    )
    const next = apply(state, { type: 'project/loaded', at: 9_000, project: TEST_PROJECT, config: reloaded })

    expect(next.config).toBe(reloaded)
    expect(Object.keys(next.environments)).toEqual(['backend', 'extra'])
    expect(next.environments.backend).toEqual({
      name: 'backend',
      services: ['backend/db', 'backend/cache', 'backend/migrate', 'backend/worker'],
      lock: 'held',
      lockHolder: null,
      reset: null,
    })
    expect(Object.keys(next.services).sort()).toEqual([
      'backend/cache',
      'backend/db',
      'backend/migrate',
      'backend/worker',
      'extra/mail',
    ])
    expect(next.services['backend/db']).toEqual(service(state, 'backend/db'))
    expect(next.services['backend/cache']).toEqual({
      ...service(state, 'backend/cache'),
      dependsOn: ['backend/db'],
    })
    expect(next.services['backend/worker']).toMatchObject({
      status: 'idle',
      since: 9_000,
      desired: null,
      dependsOn: ['backend/db'],
    })
    expect(next.services['extra/mail']).toMatchObject({ status: 'idle', since: 9_000 })
  })
})

describe('environment/up-requested', () => {
  it.each(['idle', 'stopped', 'failed'] as const)(
    'moves a %s service to waiting, records the request and clears its failure',
    (status) => {
      const state = withServices(loadedState(config), {
        'backend/db': {
          status,
          since: 100,
          failure: status === 'failed' ? failure : null,
          exitCode: status === 'failed' ? 1 : null,
        },
      })
      const next = apply(state, { type: 'environment/up-requested', at: AT, environments: ['backend'] })
      expect(next.services['backend/db']).toEqual({
        ...service(state, 'backend/db'),
        desired: 'running',
        status: 'waiting',
        since: AT,
        requestedAt: AT,
        failure: null,
        exitCode: null,
      })
    },
  )

  it.each(['ready', 'completed', 'starting', 'probing', 'waiting'] as const)(
    'only marks a %s service as desired running',
    (status) => {
      const state = withServices(loadedState(config), {
        'backend/db': {
          status,
          since: 100,
          requestedAt: 50,
          instance: instanceSummary('db-1'),
          exitCode: status === 'completed' ? 0 : null,
        },
      })
      const next = apply(state, { type: 'environment/up-requested', at: AT, environments: ['backend'] })
      expect(next.services['backend/db']).toEqual({ ...service(state, 'backend/db'), desired: 'running' })
    },
  )

  it('touches only the services of the named environments', () => {
    const state = loadedState(config)
    const next = apply(state, { type: 'environment/up-requested', at: AT, environments: ['other'] })
    expect(next.services['other/web']).toMatchObject({ desired: 'running', status: 'waiting' })
    for (const key of ['backend/cache', 'backend/db', 'backend/migrate', 'backend/api'] as const) {
      expect(next.services[key]).toBe(state.services[key])
    }
  })

  it('returns the same state for an unknown environment', () => {
    const state = loadedState(config)
    expect(apply(state, { type: 'environment/up-requested', at: AT, environments: ['nope'] })).toBe(state)
  })
})

describe('environment/down-requested', () => {
  const own = instanceSummary('own', { reused: false })
  const found = instanceSummary('found', { reused: true })

  interface DownCase {
    name: string
    only: 'all' | 'started'
    seeded: Partial<ServiceState>
    /** The expected change on top of the seeded service. */
    patch: Partial<ServiceState>
  }
  const all = (name: string, seeded: Partial<ServiceState>, patch: Partial<ServiceState>): DownCase => ({
    name,
    only: 'all',
    seeded,
    patch,
  })
  const started = (name: string, seeded: Partial<ServiceState>, patch: Partial<ServiceState>): DownCase => ({
    name,
    only: 'started',
    seeded,
    patch,
  })
  const stopsAtOnce = { desired: 'stopped', status: 'stopped', since: AT } as const

  const cases: DownCase[] = [
    all('starting (in flight)', { status: 'starting' }, { desired: 'stopped' }),
    all('probing its own instance', { status: 'probing', instance: own }, { desired: 'stopped' }),
    all('ready on its own instance', { status: 'ready', instance: own }, { desired: 'stopped' }),
    all('ready on a found instance', { status: 'ready', instance: found }, { desired: 'stopped' }),
    all('failed with an instance', { status: 'failed', failure, instance: own }, { desired: 'stopped' }),
    all('idle', { status: 'idle' }, stopsAtOnce),
    all('waiting', { status: 'waiting' }, stopsAtOnce),
    all(
      'failed with nothing to stop (stays failed)',
      { status: 'failed', failure },
      { desired: 'stopped', status: 'failed', since: AT },
    ),
    all('already stopped', { status: 'stopped' }, { desired: 'stopped' }),

    started('starting (in flight)', { status: 'starting' }, { desired: 'stopped' }),
    started('probing an instance it created', { status: 'probing', instance: own }, { desired: 'stopped' }),
    started(
      'probing a found instance (its start is under way)',
      { status: 'probing', instance: found },
      {
        desired: 'stopped',
      },
    ),
    started('ready on its own instance', { status: 'ready', instance: own }, { desired: 'stopped' }),
    started(
      'failed on its own instance',
      { status: 'failed', failure, instance: own },
      { desired: 'stopped' },
    ),
    started('ready on a found instance', { status: 'ready', instance: found }, { desired: null }),
    started('idle (never started)', { status: 'idle' }, { desired: null }),
    started('waiting', { status: 'waiting' }, { desired: null, status: 'idle', since: AT }),
    started('failed with nothing to stop', { status: 'failed', failure }, { desired: null }),
    started('stopped', { status: 'stopped' }, { desired: null }),
  ]

  it.each(cases)('only $only: $name', ({ seeded, only, patch }) => {
    const state = withServices(loadedState(config), {
      'backend/db': { desired: 'running', since: 100, ...seeded },
    })
    const next = apply(state, { type: 'environment/down-requested', at: AT, environments: ['backend'], only })
    expect(next.services['backend/db']).toEqual({ ...service(state, 'backend/db'), ...patch })
  })

  it('touches only the services of the named environments', () => {
    const state = withServices(loadedState(config), {
      'other/web': { desired: 'running', status: 'waiting' },
    })
    const next = apply(state, {
      type: 'environment/down-requested',
      at: AT,
      environments: ['backend'],
      only: 'all',
    })
    expect(next.services['other/web']).toBe(state.services['other/web'])
    expect(Object.values(next.services).map((s) => [s.key, s.status])).toEqual([
      ['backend/cache', 'stopped'],
      ['backend/db', 'stopped'],
      ['backend/migrate', 'stopped'],
      ['backend/api', 'stopped'],
      ['other/web', 'waiting'],
    ])
  })
})

describe('environment lock actions', () => {
  it.each([
    {
      name: 'lock-waiting records the holder',
      action: {
        type: 'environment/lock-waiting',
        at: AT,
        environment: 'backend',
        holder: 'pid 42 (hearth up)',
      },
      expected: { lock: 'waiting', lockHolder: 'pid 42 (hearth up)' },
    },
    {
      name: 'lock-acquired',
      action: { type: 'environment/lock-acquired', at: AT, environment: 'backend' },
      expected: { lock: 'held', lockHolder: null },
    },
    {
      name: 'lock-released',
      action: { type: 'environment/lock-released', at: AT, environment: 'backend' },
      expected: { lock: 'none', lockHolder: null },
    },
  ] as const)('$name', ({ action, expected }) => {
    const start = loadedState(config)
    const state: HearthState = {
      ...start,
      environments: {
        ...start.environments,
        backend: { ...start.environments.backend!, lock: 'waiting', lockHolder: 'pid 7 (x)' },
      },
    }
    const next = apply(state, action)
    expect(next.environments.backend).toEqual({ ...state.environments.backend, ...expected })
    expect(next.environments.other).toBe(state.environments.other)
    expect(next.services).toBe(state.services)
  })

  it('returns the same state for an unknown environment', () => {
    const state = loadedState(config)
    expect(apply(state, { type: 'environment/lock-acquired', at: AT, environment: 'nope' })).toBe(state)
  })
})

describe('service actions', () => {
  const key: ServiceKey = 'backend/api'
  const running = instanceSummary('api-1', { ports: { http: 41003 } })
  const seeded: Partial<ServiceState> = {
    desired: 'running',
    status: 'waiting',
    since: 100,
    requestedAt: 100,
    startedAt: 150,
    readyAt: 180,
    stoppingAt: 90,
    instance: running,
    outputs: { host: '127.0.0.1' },
    failure,
    exitCode: 7,
    outdated: true,
    probe: { attempts: 3, detail: 'connection refused' },
    restarting: false,
  }
  const newFailure = { ...failure, cause: 'new' }

  const cases: { name: string; action: Action; patch: Partial<ServiceState> }[] = [
    {
      name: 'starting clears the last failure, exit code and outdated mark',
      action: { type: 'service/starting', at: AT, key },
      patch: {
        status: 'starting',
        since: AT,
        startingAt: AT,
        failure: null,
        exitCode: null,
        outdated: false,
      },
    },
    {
      name: 'started records the instance and resets the probe progress',
      action: { type: 'service/started', at: AT, key, instance: instanceSummary('api-2') },
      patch: { status: 'probing', since: AT, startedAt: AT, instance: instanceSummary('api-2'), probe: null },
    },
    {
      name: 'still-probing records the progress only',
      action: { type: 'service/still-probing', at: AT, key, attempts: 9, detail: 'HTTP 503' },
      patch: { probe: { attempts: 9, detail: 'HTTP 503' } },
    },
    {
      name: 'ready records the outputs and clears the probe progress',
      action: { type: 'service/ready', at: AT, key, outputs: { url: 'http://x' } },
      patch: { status: 'ready', since: AT, readyAt: AT, outputs: { url: 'http://x' }, probe: null },
    },
    {
      name: 'completed records the outputs and exit code 0',
      action: { type: 'service/completed', at: AT, key, outputs: { host: 'h' } },
      patch: { status: 'completed', since: AT, readyAt: AT, outputs: { host: 'h' }, exitCode: 0 },
    },
    {
      name: 'failed without an exit code',
      action: { type: 'service/failed', at: AT, key, failure: newFailure },
      patch: { status: 'failed', since: AT, failure: newFailure, exitCode: null },
    },
    {
      name: 'failed with an exit code',
      action: { type: 'service/failed', at: AT, key, failure: newFailure, exitCode: 2 },
      patch: { status: 'failed', since: AT, failure: newFailure, exitCode: 2 },
    },
    {
      name: 'aborted forgets the instance',
      action: { type: 'service/aborted', at: AT, key },
      patch: { status: 'idle', since: AT, instance: null },
    },
    {
      name: 'stopping',
      action: { type: 'service/stopping', at: AT, key },
      patch: { status: 'stopping', since: AT, stoppingAt: AT },
    },
    {
      name: 'stopped forgets the instance and its outputs',
      action: { type: 'service/stopped', at: AT, key },
      patch: { status: 'stopped', since: AT, instance: null, outputs: {}, restarting: false },
    },
  ]

  it.each(cases)('$name', ({ action, patch }) => {
    const state = withServices(loadedState(config), { [key]: seeded })
    const next = apply(state, action)
    expect(next.services[key]).toEqual({ ...service(state, key), ...patch })
    expect(next.services['backend/db']).toBe(state.services['backend/db'])
    expect(next.environments).toBe(state.environments)
  })

  it.each(cases)('returns the same state for an unknown service: $action.type', ({ action }) => {
    const state = loadedState(config)
    expect(apply(state, { ...action, key: 'backend/nope' } as Action)).toBe(state)
  })

  describe('service/stopped during a restart', () => {
    it('goes back to waiting, as newly requested, when it is still wanted', () => {
      const state = withServices(loadedState(config), {
        [key]: { ...seeded, status: 'stopping', restarting: true },
      })
      const next = apply(state, { type: 'service/stopped', at: AT, key })
      expect(next.services[key]).toEqual({
        ...service(state, key),
        status: 'waiting',
        since: AT,
        instance: null,
        outputs: {},
        restarting: false,
        requestedAt: AT,
        readyAt: null,
        failure: null,
        exitCode: null,
      })
    })

    it('stays stopped when it was asked to stop meanwhile', () => {
      const state = withServices(loadedState(config), {
        [key]: { ...seeded, status: 'stopping', restarting: true, desired: 'stopped' },
      })
      const next = apply(state, { type: 'service/stopped', at: AT, key })
      expect(next.services[key]).toEqual({
        ...service(state, key),
        status: 'stopped',
        since: AT,
        instance: null,
        outputs: {},
        restarting: false,
      })
    })
  })

  describe('service/restart-requested', () => {
    const restartSeed = () =>
      withServices(loadedState(config), {
        'backend/cache': { desired: 'running', status: 'ready', instance: instanceSummary('cache') },
        'backend/db': { desired: 'running', status: 'ready', instance: instanceSummary('db') },
        'backend/migrate': { desired: 'running', status: 'starting' },
        'backend/api': { desired: null, status: 'failed', failure, exitCode: 1, since: 100 },
        'other/web': { desired: 'running', status: 'ready', instance: instanceSummary('web') },
      })

    it('restarts the services and everything that depends on them, transitively', () => {
      const state = restartSeed()
      const next = apply(state, { type: 'service/restart-requested', at: AT, keys: ['backend/db'] })
      // With an instance or a start under way: stop first (the controller does), then start again.
      expect(next.services['backend/db']).toEqual({ ...service(state, 'backend/db'), restarting: true })
      expect(next.services['backend/migrate']).toEqual({
        ...service(state, 'backend/migrate'),
        restarting: true,
      })
      // Nothing to stop: waiting at once, as a fresh request.
      expect(next.services['backend/api']).toEqual({
        ...service(state, 'backend/api'),
        desired: 'running',
        status: 'waiting',
        since: AT,
        requestedAt: AT,
        failure: null,
        exitCode: null,
      })
      expect(next.services['backend/cache']).toBe(state.services['backend/cache'])
      expect(next.services['other/web']).toBe(state.services['other/web'])
    })

    it('restarts nothing but the service when nothing depends on it', () => {
      const state = restartSeed()
      const next = apply(state, { type: 'service/restart-requested', at: AT, keys: ['other/web'] })
      const changed = Object.values(next.services).filter((s) => s !== state.services[s.key])
      expect(changed).toEqual([{ ...service(state, 'other/web'), restarting: true }])
    })

    it('leaves a waiting service as it is, and ignores unknown keys', () => {
      const state = withServices(loadedState(config), {
        'backend/api': { desired: 'running', status: 'waiting', since: 100 },
      })
      const next = apply(state, { type: 'service/restart-requested', at: AT, keys: ['backend/api'] })
      expect(next).toBe(state)
      expect(apply(state, { type: 'service/restart-requested', at: AT, keys: ['backend/nope'] })).toBe(state)
    })
  })

  describe('service/observed', () => {
    const found = instanceSummary('found-1', { reused: true })
    const observed = (
      target: ServiceKey,
      instance: typeof found | null,
      running: boolean,
      exitCode: number | null,
    ) =>
      ({
        type: 'service/observed',
        at: AT,
        key: target,
        instance,
        running,
        exitCode,
        outdated: true,
        outputs: { host: 'o' },
      }) as const

    it.each([
      ['a running instance', 'backend/api', found, true, null, 'ready'],
      ['a job that exited 0', 'backend/migrate', found, false, 0, 'completed'],
      ['a job that exited 1', 'backend/migrate', found, false, 1, 'stopped'],
      ['a process that exited 0', 'backend/api', found, false, 0, 'stopped'],
      ['no instance', 'backend/api', null, false, null, 'stopped'],
    ] as const)('records %s as %s', (_name, target, instance, running, exitCode, status) => {
      const state = loadedState(config)
      const next = apply(state, observed(target, instance, running, exitCode))
      expect(next.services[target]).toEqual({
        ...service(state, target),
        status,
        since: AT,
        instance,
        exitCode,
        outdated: true,
        outputs: { host: 'o' },
      })
    })

    it('returns the same state for an unknown service', () => {
      const state = loadedState(config)
      expect(apply(state, observed('backend/nope', found, true, null))).toBe(state)
    })
  })
})

describe('session/interrupted', () => {
  const seeded = () =>
    withServices(loadedState(config), {
      'backend/db': {
        desired: 'running',
        status: 'ready',
        instance: instanceSummary('db', { reused: true }),
      },
      'backend/cache': { desired: 'running', status: 'ready', instance: instanceSummary('cache') },
      'backend/migrate': { desired: 'running', status: 'starting' },
      'backend/api': { desired: 'running', status: 'waiting' },
      'other/web': { desired: 'running', status: 'waiting' },
    })

  it('records the signal and stops what this session started, in every environment, as down "started" does', () => {
    const state = seeded()
    const next = apply(state, { type: 'session/interrupted', at: AT, signal: 'SIGINT' })
    expect(next.session).toEqual({ ...state.session, interrupted: { signal: 'SIGINT', at: AT } })
    const down = reduce(state, {
      type: 'environment/down-requested',
      at: AT,
      environments: ['backend', 'other'],
      only: 'started',
    })
    expect(next.services).toEqual(down.services)
    expect(Object.values(next.services).map((s) => [s.key, s.desired, s.status])).toEqual([
      ['backend/cache', 'stopped', 'ready'],
      ['backend/db', null, 'ready'],
      ['backend/migrate', 'stopped', 'starting'],
      ['backend/api', null, 'idle'],
      ['other/web', null, 'idle'],
    ])
  })

  it('is idempotent: a second interrupt changes nothing and keeps the first signal', () => {
    const once = apply(seeded(), { type: 'session/interrupted', at: AT, signal: 'SIGINT' })
    const twice = apply(once, { type: 'session/interrupted', at: AT + 1, signal: 'SIGTERM' })
    expect(twice).toBe(once)
    expect(twice.session.interrupted).toEqual({ signal: 'SIGINT', at: AT })
  })
})

describe('session/failed', () => {
  it('records the fatal cause, fix and exit code and nothing else', () => {
    const state = loadedState(config)
    const next = apply(state, {
      type: 'session/failed',
      at: AT,
      cause: 'no config',
      fix: 'run hearth init',
      code: 2,
    })
    expect(next).toEqual({
      ...state,
      session: { ...state.session, fatal: { cause: 'no config', fix: 'run hearth init', code: 2 } },
    })
    expect(next.services).toBe(state.services)
  })
})
