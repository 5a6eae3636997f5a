import { describe, expect, it } from 'vitest'
import { reduce } from '../../store/reducer.js'
import type { HearthState } from '../../store/state.js'
import { configOf } from '../../testing/fixtures.js'
import { deepFreeze, instanceSummary, loadedState, withServices } from '../../testing/states.js'

const config = configOf({
  name: 'backend',
  services: {
    db: { kind: 'process', command: 'db' },
    api: { kind: 'process', command: 'api', dependsOn: ['db'] },
  },
})

/** db found warm (reused), api started by this session: both ready. */
function running(): HearthState {
  return deepFreeze(
    withServices(loadedState(config), {
      'backend/db': {
        status: 'ready',
        desired: 'running',
        instance: instanceSummary('db-1', { reused: true }),
      },
      'backend/api': { status: 'ready', desired: 'running', instance: instanceSummary('api-1') },
    }),
  )
}

describe('session/quit', () => {
  it('records the quit and leaves the environments as they are', () => {
    const next = reduce(running(), { type: 'session/quit', at: 5, stopEnvironments: false })
    expect(next.session.quit).toEqual({ at: 5, stopEnvironments: false })
    expect(next.services['backend/db']?.desired).toBe('running')
    expect(next.services['backend/api']?.desired).toBe('running')
  })

  it('with stopEnvironments, asks for every service to stop, those it found warm too', () => {
    const next = reduce(running(), { type: 'session/quit', at: 5, stopEnvironments: true })
    expect(next.session.quit).toEqual({ at: 5, stopEnvironments: true })
    expect(next.services['backend/db']?.desired).toBe('stopped')
    expect(next.services['backend/api']?.desired).toBe('stopped')
  })

  it('takes the first quit only', () => {
    const once = reduce(running(), { type: 'session/quit', at: 5, stopEnvironments: false })
    const twice = reduce(once, { type: 'session/quit', at: 6, stopEnvironments: true })
    expect(twice).toBe(once)
  })
})

describe('session/interrupted', () => {
  it('stops what this session started and leaves warm what it found', () => {
    const next = reduce(running(), { type: 'session/interrupted', at: 5, signal: 'SIGINT' })
    expect(next.session.interrupted).toEqual({ signal: 'SIGINT', at: 5 })
    expect(next.services['backend/api']?.desired).toBe('stopped')
    // Found warm: left as it is (no longer wanted running, never asked to stop).
    expect(next.services['backend/db']).toMatchObject({ desired: null, status: 'ready' })
  })

  it('with keepEnvironments (hearth dev), stops nothing', () => {
    const next = reduce(running(), {
      type: 'session/interrupted',
      at: 5,
      signal: 'SIGTERM',
      keepEnvironments: true,
    })
    expect(next.session.interrupted).toEqual({ signal: 'SIGTERM', at: 5 })
    expect(next.services['backend/api']?.desired).toBe('running')
    expect(next.services['backend/db']?.desired).toBe('running')
  })
})
