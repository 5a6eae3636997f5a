import { environmentReducer, serviceReducer } from '../features/environments/reducer.js'
import { projectReducer } from '../features/project/reducer.js'
import { sessionReducer } from '../features/session/reducer.js'
import { testsReducer } from '../features/tests/reducer.js'
import type { Action } from './actions.js'
import type { HearthState } from './state.js'

/** The one reducer: pure, no I/O, no clock (times come in on the actions). */
export function reduce(state: HearthState, action: Action): HearthState {
  switch (action.type) {
    case 'project/loaded':
      return projectReducer(state, action)
    case 'session/interrupted':
    case 'session/failed':
      return sessionReducer(state, action)
    case 'environment/up-requested':
    case 'environment/down-requested':
    case 'environment/expired':
    case 'environment/lock-waiting':
    case 'environment/lock-acquired':
    case 'environment/lock-released':
      return environmentReducer(state, action)
    case 'watch/changed':
    case 'tests/discovered':
    case 'run/requested':
    case 'run/started':
    case 'run/phase':
    case 'run/retrying':
    case 'run/file-started':
    case 'run/test-finished':
    case 'run/file-finished':
    case 'run/blocked':
    case 'run/finished':
      return testsReducer(state, action)
    default:
      return serviceReducer(state, action)
  }
}
