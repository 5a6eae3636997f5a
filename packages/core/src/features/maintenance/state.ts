import type { MaintenanceError, MaintenanceOperation, MaintenanceResult } from './actions.js'

export interface MaintenanceTask {
  id: number
  operation: MaintenanceOperation
  status: 'requested' | 'running' | 'done' | 'failed'
  requestedAt: number
  finishedAt: number | null
  result: MaintenanceResult | null
  error: MaintenanceError | null
}

/** Maintenance asked for this session, by id (a session asks for a handful: kept whole). */
export type MaintenanceState = Readonly<Record<number, MaintenanceTask>>
