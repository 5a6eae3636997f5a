import type { HearthState, ServiceKey } from '../../store/state.js'
import { EMPTY_LOG, type LogEntry } from './state.js'

/**
 * A service's lines from offset `from` (default: the oldest kept), at most `limit` of them (default:
 * all), with the offsets they span. A `from` older than what is kept starts at the oldest kept line
 * (`start` says where); `end` is where to read from next.
 */
export function selectLogLines(
  state: HearthState,
  key: ServiceKey,
  options: { from?: number; limit?: number } = {},
): { lines: readonly LogEntry[]; start: number; end: number } {
  const log = state.logs[key] ?? EMPTY_LOG
  const from = Math.max(options.from ?? log.start, log.start)
  const first = Math.min(from, log.end) - log.start
  const last =
    options.limit === undefined ? log.lines.length : Math.min(log.lines.length, first + options.limit)
  return { lines: log.lines.slice(first, last), start: log.start + first, end: log.start + last }
}

/** The last `count` lines of a service's output, oldest first. */
export function selectLogTail(state: HearthState, key: ServiceKey, count: number): readonly LogEntry[] {
  const log = state.logs[key] ?? EMPTY_LOG
  return log.lines.slice(Math.max(0, log.lines.length - count))
}
