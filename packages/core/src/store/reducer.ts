import { environmentReducer, serviceReducer } from '../features/environments/reducer.js'
import { logsReducer } from '../features/logs/reducer.js'
import { maintenanceReducer } from '../features/maintenance/reducer.js'
import { projectReducer } from '../features/project/reducer.js'
import { sessionReducer } from '../features/session/reducer.js'
import { isTestsAction } from '../features/tests/actions.js'
import { testsReducer } from '../features/tests/reducer.js'
import { watchReducer } from '../features/watch/reducer.js'
import type { Action } from './actions.js'
import type { HearthState } from './state.js'

/** The one reducer: pure, no I/O, no clock (times come in on the actions). */
export function reduce(state: HearthState, action: Action): HearthState {
  if (isTestsAction(action)) return testsReducer(state, action)
  switch (action.type) {
    case 'project/loaded':
      return projectReducer(state, action)
    case 'session/interrupted':
    case 'session/quit':
    case 'session/failed':
    case 'session/warning':
      return sessionReducer(state, action)
    case 'environment/up-requested':
    case 'environment/down-requested':
    case 'environment/expired':
    case 'environment/lock-waiting':
    case 'environment/lock-acquired':
    case 'environment/lock-released':
    case 'environment/reset-requested':
    case 'environment/reset-started':
    case 'environment/reset-finished':
      return environmentReducer(state, action)
    case 'maintenance/requested':
    case 'maintenance/started':
    case 'maintenance/finished':
      return maintenanceReducer(state, action)
    case 'service/log':
      return logsReducer(state, action)
    case 'watch/starting':
    case 'watch/ready':
    case 'watch/paused':
    case 'watch/resumed':
    case 'watch/held':
    case 'watch/stopped':
    case 'watch/failed':
    case 'watch/error':
      return watchReducer(state, action)
    default:
      return serviceReducer(state, action)
  }
}
