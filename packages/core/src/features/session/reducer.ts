import type { HearthState } from '../../store/state.js'
import { requestDown } from '../environments/reducer.js'
import type { SessionAction } from './actions.js'

export function sessionReducer(state: HearthState, action: SessionAction): HearthState {
  switch (action.type) {
    case 'session/interrupted': {
      if (state.session.interrupted !== null) return state
      const interrupted = {
        ...state,
        session: { ...state.session, interrupted: { signal: action.signal, at: action.at } },
      }
      // `hearth dev`: what is ready stays warm, but a start under way is called off, at any step.
      if (action.keepEnvironments === true)
        return requestDown(interrupted, Object.keys(state.environments), 'unfinished', action.at)
      // Stop what this session started; leave warm what it found.
      return requestDown(interrupted, Object.keys(state.environments), 'started', action.at)
    }
    case 'session/quit': {
      if (state.session.quit !== null) return state
      const quit = {
        ...state,
        session: { ...state.session, quit: { at: action.at, stopEnvironments: action.stopEnvironments } },
      }
      return action.stopEnvironments
        ? requestDown(quit, Object.keys(state.environments), 'all', action.at)
        : quit
    }
    case 'session/warning':
      return {
        ...state,
        session: {
          ...state.session,
          warnings: [
            ...state.session.warnings,
            { code: action.code, message: action.message, fix: action.fix },
          ],
        },
      }
    case 'session/failed':
      return {
        ...state,
        session: { ...state.session, fatal: { cause: action.cause, fix: action.fix, code: action.code } },
      }
  }
}
