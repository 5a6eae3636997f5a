import type { ServiceKey } from '../../store/state.js'
import type { LogEntry } from './state.js'

export type LogsAction =
  /** Lines a service printed, batched by the log follower (at most one action per service per flush). */
  { type: 'service/log'; at: number; key: ServiceKey; lines: readonly LogEntry[] }
