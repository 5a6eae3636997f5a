import type { EnvironmentAction, ServiceAction } from '../features/environments/actions.js'
import type { LogsAction } from '../features/logs/actions.js'
import type { MaintenanceAction } from '../features/maintenance/actions.js'
import type { ProjectAction } from '../features/project/actions.js'
import type { SessionAction } from '../features/session/actions.js'
import type { TestsAction } from '../features/tests/actions.js'
import type { WatchAction } from '../features/watch/actions.js'

/** Every change to hearth's state, as data. Reducers are pure functions of (state, action). */
export type Action =
  | ProjectAction
  | SessionAction
  | EnvironmentAction
  | ServiceAction
  | TestsAction
  | LogsAction
  | WatchAction
  | MaintenanceAction

export type ActionType = Action['type']
