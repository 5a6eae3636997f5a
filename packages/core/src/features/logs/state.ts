import type { ServiceKey } from '../../store/state.js'

/** Lines kept per service: older ones are dropped, and their offsets stay counted. */
export const LOG_CAP = 2000

/** One line a service printed, as the log follower read it. */
export interface LogEntry {
  text: string
  stream: 'stdout' | 'stderr' | 'output'
  /** When hearth read it (epoch ms). */
  at: number
}

/**
 * A service's output as an append-only ring buffer: `lines` holds the last `LOG_CAP` lines, the
 * first of them at offset `start`; `end` is the offset the next line gets. Views read from an
 * offset (`selectLogLines`) and follow by remembering `end`; a restart of the service appends, it
 * does not clear (a marker line says so).
 */
export interface ServiceLog {
  lines: readonly LogEntry[]
  start: number
  end: number
}

export type LogsState = Readonly<Record<ServiceKey, ServiceLog>>

export const EMPTY_LOG: ServiceLog = { lines: [], start: 0, end: 0 }
