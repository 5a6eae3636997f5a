import { describe, expect, it } from 'vitest'
import { EXIT, selectExitCode } from './exit-code.js'
import type { HearthState, ServiceFailure } from './store/state.js'
import { configOf } from './testing/fixtures.js'
import { loadedState, withServices } from './testing/states.js'

const config = configOf({
  name: 'backend',
  services: {
    db: { kind: 'process', command: 'db' },
    api: { kind: 'process', command: 'api', dependsOn: ['db'] },
  },
})

const failure: ServiceFailure = { cause: 'exited with code 1', fix: null, logTail: [], blockedBy: null }

function state(options: {
  fatal?: 2 | 3
  interrupted?: boolean
  failed?: boolean
  quit?: boolean
}): HearthState {
  const base = options.failed
    ? withServices(loadedState(config), { 'backend/db': { status: 'failed', failure } })
    : withServices(loadedState(config), {
        'backend/db': { status: 'ready' },
        'backend/api': { status: 'ready' },
      })
  return {
    ...base,
    session: {
      ...base.session,
      fatal: options.fatal === undefined ? null : { cause: 'bad config', fix: null, code: options.fatal },
      interrupted: options.interrupted ? { signal: 'SIGINT', at: 1 } : null,
      quit: options.quit ? { at: 1, stopEnvironments: false } : null,
    },
  }
}

describe('selectExitCode', () => {
  it.each([
    ['nothing wrong', {}, 0],
    ['a service failed', { failed: true }, 3],
    ['interrupted', { interrupted: true }, 130],
    ['interrupted after a failure (the interrupt wins)', { interrupted: true, failed: true }, 130],
    ['a usage error', { fatal: 2 }, 2],
    [
      'a usage error, interrupted and failed (the fatal code wins)',
      { fatal: 2, interrupted: true, failed: true },
      2,
    ],
    ['no runtime (fatal 3)', { fatal: 3, interrupted: true }, 3],
    ['the user quit hearth dev', { quit: true }, 0],
    ['quit while a service had failed (quitting is not a failure)', { quit: true, failed: true }, 0],
    ['quit after a usage error (the fatal code wins)', { quit: true, fatal: 2 }, 2],
    ['interrupted and quit (the interrupt wins)', { quit: true, interrupted: true }, 130],
  ] as const)('%s → %s', (_name, options, expected) => {
    expect(selectExitCode(state(options))).toBe(expected)
  })

  it('is 3 after a quit that stops the environments when a stop failed, and 0 for an older failure', () => {
    const quitAt = 50
    const base = withServices(loadedState(config), {
      'backend/db': { status: 'failed', failure, since: 60 },
      'backend/api': { status: 'stopped', since: 60 },
    })
    const quit = (stopEnvironments: boolean, at = quitAt): HearthState => ({
      ...base,
      session: { ...base.session, quit: { at, stopEnvironments } },
    })
    expect(selectExitCode(quit(true))).toBe(EXIT.environment)
    expect(selectExitCode(quit(false))).toBe(EXIT.ok)
    // It failed before the quit (the session went on, and the user quit): quitting is no failure.
    expect(selectExitCode(quit(true, 70))).toBe(EXIT.ok)
  })

  it('is 3 for a failure that only blocked a dependent as well', () => {
    const s = withServices(loadedState(config), {
      'backend/db': { status: 'failed', failure },
      'backend/api': { status: 'failed', failure: { ...failure, blockedBy: 'backend/db' } },
    })
    expect(selectExitCode(s)).toBe(EXIT.environment)
  })

  it('keeps the documented values', () => {
    expect(EXIT).toEqual({ ok: 0, testsFailed: 1, usage: 2, environment: 3, interrupted: 130, internal: 70 })
  })
})
