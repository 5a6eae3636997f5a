import type { EnvironmentAction, ServiceAction } from '../features/environments/actions.js'
import type { ProjectAction } from '../features/project/actions.js'
import type { SessionAction } from '../features/session/actions.js'
import type { TestsAction } from '../features/tests/actions.js'

/** Every change to hearth's state, as data. Reducers are pure functions of (state, action). */
export type Action = ProjectAction | SessionAction | EnvironmentAction | ServiceAction | TestsAction

export type ActionType = Action['type']
