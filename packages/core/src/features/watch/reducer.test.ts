import { describe, expect, it } from 'vitest'
import type { Action } from '../../store/actions.js'
import { reduce } from '../../store/reducer.js'
import { initialState } from '../../store/state.js'
import { deepFreeze } from '../../testing/states.js'

function after(...actions: Action[]) {
  return actions.reduce((state, action) => reduce(deepFreeze(state), action), initialState(0)).watch
}

const starting: Action = { type: 'watch/starting', at: 1, root: '/project', ignored: ['node_modules'] }

describe('the watch state', () => {
  it('is off until asked, starting while it scans, watching once ready', () => {
    expect(after().status).toBe('off')
    expect(after(starting)).toEqual({
      status: 'starting',
      root: '/project',
      ignored: ['node_modules'],
      since: 1,
      held: [],
      error: null,
    })
    expect(after(starting, { type: 'watch/ready', at: 2 })).toMatchObject({ status: 'watching', since: 2 })
  })

  it('holds saves while paused, in order and once each, and drops them on resume', () => {
    const paused = after(
      starting,
      { type: 'watch/ready', at: 2 },
      { type: 'watch/paused', at: 3 },
      { type: 'watch/held', at: 4, paths: ['src/b.ts', 'src/a.ts'] },
      { type: 'watch/held', at: 5, paths: ['src/a.ts', 'src/c.ts'] },
    )
    expect(paused).toMatchObject({ status: 'paused', since: 3, held: ['src/a.ts', 'src/b.ts', 'src/c.ts'] })
    const resumed = after(
      starting,
      { type: 'watch/ready', at: 2 },
      { type: 'watch/paused', at: 3 },
      { type: 'watch/held', at: 4, paths: ['src/a.ts'] },
      { type: 'watch/resumed', at: 6 },
    )
    expect(resumed).toMatchObject({ status: 'watching', since: 6, held: [] })
  })

  it('stays paused when the scan ends after a pause, and ignores a resume when not paused', () => {
    expect(after(starting, { type: 'watch/paused', at: 2 }, { type: 'watch/ready', at: 3 }).status).toBe(
      'paused',
    )
    const watching = after(starting, { type: 'watch/ready', at: 2 })
    expect(after(starting, { type: 'watch/ready', at: 2 }, { type: 'watch/resumed', at: 3 })).toEqual(
      watching,
    )
    expect(after({ type: 'watch/paused', at: 1 }).status).toBe('off')
  })

  it('fails when the watcher cannot start, and keeps the last problem it reported while watching', () => {
    expect(
      after(starting, {
        type: 'watch/failed',
        at: 2,
        message: 'could not watch /project: ENOSPC',
        fix: 'raise it',
      }),
    ).toMatchObject({
      status: 'failed',
      error: { message: 'could not watch /project: ENOSPC', fix: 'raise it' },
    })
    expect(
      after(
        starting,
        { type: 'watch/ready', at: 2 },
        { type: 'watch/error', at: 3, message: 'EACCES: tmp/private' },
      ),
    ).toMatchObject({ status: 'watching', error: { message: 'EACCES: tmp/private', fix: null } })
  })

  it('stops from any status', () => {
    expect(after(starting, { type: 'watch/paused', at: 2 }, { type: 'watch/stopped', at: 3 })).toMatchObject({
      status: 'stopped',
      held: [],
    })
  })
})
