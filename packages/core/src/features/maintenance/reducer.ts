import type { HearthState } from '../../store/state.js'
import type { MaintenanceAction } from './actions.js'

export function maintenanceReducer(state: HearthState, action: MaintenanceAction): HearthState {
  const tasks = state.maintenance
  switch (action.type) {
    case 'maintenance/requested':
      if (tasks[action.id] !== undefined) return state
      return {
        ...state,
        maintenance: {
          ...tasks,
          [action.id]: {
            id: action.id,
            operation: action.operation,
            status: 'requested',
            requestedAt: action.at,
            finishedAt: null,
            result: null,
            error: null,
          },
        },
      }
    case 'maintenance/started': {
      const task = tasks[action.id]
      if (task === undefined || task.status !== 'requested') return state
      return { ...state, maintenance: { ...tasks, [action.id]: { ...task, status: 'running' } } }
    }
    case 'maintenance/finished': {
      const task = tasks[action.id]
      if (task === undefined) return state
      return {
        ...state,
        maintenance: {
          ...tasks,
          [action.id]: {
            ...task,
            status: action.error === null ? 'done' : 'failed',
            finishedAt: action.at,
            result: action.result,
            error: action.error,
          },
        },
      }
    }
  }
}
