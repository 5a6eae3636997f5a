import type { HearthState } from '../../store/state.js'
import type { LogsAction } from './actions.js'
import { EMPTY_LOG, LOG_CAP, type ServiceLog } from './state.js'

export function logsReducer(state: HearthState, action: LogsAction): HearthState {
  if (action.lines.length === 0) return state
  const log = state.logs[action.key] ?? EMPTY_LOG
  return { ...state, logs: { ...state.logs, [action.key]: appendLines(log, action.lines) } }
}

/** The log with these lines appended, dropping the oldest past `cap`. */
export function appendLines(log: ServiceLog, lines: ServiceLog['lines'], cap = LOG_CAP): ServiceLog {
  const end = log.end + lines.length
  const all = log.lines.length + lines.length
  if (all <= cap) return { lines: [...log.lines, ...lines], start: log.start, end }
  const kept =
    lines.length >= cap ? lines.slice(lines.length - cap) : [...log.lines.slice(all - cap), ...lines]
  return { lines: kept, start: end - kept.length, end }
}
