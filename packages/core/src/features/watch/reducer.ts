import type { HearthState } from '../../store/state.js'
import type { WatchAction } from './actions.js'
import type { WatchState } from './state.js'

export function watchReducer(state: HearthState, action: WatchAction): HearthState {
  const watch = state.watch
  const next = (changes: Partial<WatchState>): HearthState => ({ ...state, watch: { ...watch, ...changes } })
  switch (action.type) {
    case 'watch/starting':
      return next({
        status: 'starting',
        root: action.root,
        ignored: action.ignored,
        since: action.at,
        held: [],
        error: null,
      })
    case 'watch/ready':
      // Paused before the scan ended: it stays paused.
      return watch.status === 'starting' ? next({ status: 'watching', since: action.at }) : state
    case 'watch/paused':
      return watch.status === 'watching' || watch.status === 'starting'
        ? next({ status: 'paused', since: action.at })
        : state
    case 'watch/resumed':
      return watch.status === 'paused' ? next({ status: 'watching', since: action.at, held: [] }) : state
    case 'watch/held':
      return next({ held: [...new Set([...watch.held, ...action.paths])].sort() })
    case 'watch/stopped':
      return next({ status: 'stopped', since: action.at, held: [] })
    case 'watch/failed':
      return next({
        status: 'failed',
        since: action.at,
        held: [],
        error: { message: action.message, fix: action.fix },
      })
    case 'watch/error':
      return next({ error: { message: action.message, fix: null } })
  }
}
