import { describe, expect, it } from 'vitest'
import type { Action } from '../../store/actions.js'
import { reduce } from '../../store/reducer.js'
import { initialState } from '../../store/state.js'
import { deepFreeze } from '../../testing/states.js'

function after(...actions: Action[]) {
  return actions.reduce((state, action) => reduce(deepFreeze(state), action), initialState(0)).maintenance
}

describe('maintenance', () => {
  it('follows a request from asked to running to done, with its result', () => {
    const requested: Action = {
      type: 'maintenance/requested',
      at: 1,
      id: 7,
      operation: { kind: 'sweep', environments: ['backend'] },
    }
    expect(after(requested)[7]).toEqual({
      id: 7,
      operation: { kind: 'sweep', environments: ['backend'] },
      status: 'requested',
      requestedAt: 1,
      finishedAt: null,
      result: null,
      error: null,
    })
    expect(after(requested, { type: 'maintenance/started', at: 2, id: 7 })[7]?.status).toBe('running')
    const done = after(
      requested,
      { type: 'maintenance/started', at: 2, id: 7 },
      { type: 'maintenance/finished', at: 3, id: 7, result: { kind: 'sweep', stopped: 2 }, error: null },
    )[7]
    expect(done).toMatchObject({ status: 'done', finishedAt: 3, result: { kind: 'sweep', stopped: 2 } })
  })

  it('records a failure with what the driver said', () => {
    const failed = after(
      { type: 'maintenance/requested', at: 1, id: 1, operation: { kind: 'prune' } },
      {
        type: 'maintenance/finished',
        at: 2,
        id: 1,
        result: null,
        error: {
          message: 'docker is not running',
          code: 'runtime-unavailable',
          fix: 'start Docker',
          stack: null,
        },
      },
    )[1]
    expect(failed).toMatchObject({
      status: 'failed',
      error: { message: 'docker is not running', code: 'runtime-unavailable', fix: 'start Docker' },
    })
  })

  it('ignores a second request under one id, and news of an id never asked for', () => {
    const first: Action = { type: 'maintenance/requested', at: 1, id: 1, operation: { kind: 'gc' } }
    const once = after(first)
    expect(after(first, { ...first, at: 2, operation: { kind: 'prune' } })).toEqual(once)
    expect(after({ type: 'maintenance/started', at: 1, id: 9 })).toEqual({})
    expect(
      after({
        type: 'maintenance/finished',
        at: 1,
        id: 9,
        result: { kind: 'prune', removed: 0 },
        error: null,
      }),
    ).toEqual({})
  })
})
