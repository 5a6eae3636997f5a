import { environmentReducer, serviceReducer } from '../features/environments/reducer.js'
import { projectReducer } from '../features/project/reducer.js'
import { sessionReducer } from '../features/session/reducer.js'
import { isTestsAction } from '../features/tests/actions.js'
import { testsReducer } from '../features/tests/reducer.js'
import type { Action } from './actions.js'
import type { HearthState } from './state.js'

/** The one reducer: pure, no I/O, no clock (times come in on the actions). */
export function reduce(state: HearthState, action: Action): HearthState {
  if (isTestsAction(action)) return testsReducer(state, action)
  switch (action.type) {
    case 'project/loaded':
      return projectReducer(state, action)
    case 'session/interrupted':
    case 'session/failed':
    case 'session/warning':
      return sessionReducer(state, action)
    case 'environment/up-requested':
    case 'environment/down-requested':
    case 'environment/expired':
    case 'environment/lock-waiting':
    case 'environment/lock-acquired':
    case 'environment/lock-released':
      return environmentReducer(state, action)
    default:
      return serviceReducer(state, action)
  }
}
