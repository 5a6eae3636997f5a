import { describe, expect, it } from 'vitest'
import type { Action } from '../../store/actions.js'
import { reduce } from '../../store/reducer.js'
import type { HearthState } from '../../store/state.js'
import { configOf } from '../../testing/fixtures.js'
import { deepFreeze, loadedState } from '../../testing/states.js'

const config = configOf({ name: 'backend', services: { db: { kind: 'process', command: 'db' } } })

function after(...actions: Action[]): HearthState {
  return actions.reduce((state, action) => reduce(deepFreeze(state), action), loadedState(config))
}

const requested: Action = { type: 'environment/reset-requested', at: 10, environments: ['backend', 'gone'] }

describe('environment resets', () => {
  it('goes from asked to running to done, for environments the config has', () => {
    expect(after(requested).environments.backend?.reset).toEqual({
      status: 'requested',
      seq: 1,
      doneSeq: 0,
      requestedAt: 10,
      finishedAt: null,
      error: null,
    })
    expect(after(requested).environments.gone).toBeUndefined()
    const done = after(
      requested,
      { type: 'environment/reset-started', at: 11, environment: 'backend', seq: 1 },
      { type: 'environment/reset-finished', at: 12, environment: 'backend', seq: 1, error: null },
    )
    expect(done.environments.backend?.reset).toEqual({
      status: 'done',
      seq: 1,
      doneSeq: 1,
      requestedAt: 10,
      finishedAt: 12,
      error: null,
    })
  })

  it('says what failed', () => {
    const failed = after(
      requested,
      { type: 'environment/reset-started', at: 11, environment: 'backend', seq: 1 },
      {
        type: 'environment/reset-finished',
        at: 12,
        environment: 'backend',
        seq: 1,
        error: 'backend/db: its reset exited with code 1',
      },
    )
    expect(failed.environments.backend?.reset).toMatchObject({
      status: 'failed',
      error: 'backend/db: its reset exited with code 1',
    })
  })

  it('keeps a request made while an older reset ran asked for, even in the same millisecond', () => {
    const again = after(
      requested,
      { type: 'environment/reset-started', at: 10, environment: 'backend', seq: 1 },
      { type: 'environment/reset-requested', at: 10, environments: ['backend'] },
      { type: 'environment/reset-finished', at: 10, environment: 'backend', seq: 1, error: null },
    )
    // The first request is served (doneSeq 1); the second is still to run.
    expect(again.environments.backend?.reset).toMatchObject({ status: 'requested', seq: 2, doneSeq: 1 })
    const both = after(
      requested,
      { type: 'environment/reset-started', at: 10, environment: 'backend', seq: 1 },
      { type: 'environment/reset-requested', at: 10, environments: ['backend'] },
      { type: 'environment/reset-finished', at: 10, environment: 'backend', seq: 1, error: null },
      { type: 'environment/reset-started', at: 11, environment: 'backend', seq: 2 },
      { type: 'environment/reset-finished', at: 12, environment: 'backend', seq: 2, error: null },
    )
    expect(both.environments.backend?.reset).toMatchObject({ status: 'done', seq: 2, doneSeq: 2 })
  })
})
