import type { DriverErrorCode } from '@hearth/driver'

/**
 * Work on the runtimes that is not a service's start or stop, asked of the environment controller by
 * action (never by a call), each under an id the asker waits on in state:
 * - `observe`: record what runs for these environments (for `status`, and before a `down`);
 * - `sweep`: stop instances of these environments that no service in state accounts for;
 * - `prune`: remove what the drivers made besides instances (networks, volumes);
 * - `gc`: remove environments unused past the idle TTL (and those the config no longer has).
 */
export type MaintenanceOperation =
  | { kind: 'observe'; environments: readonly string[] }
  | { kind: 'sweep'; environments: readonly string[] }
  | { kind: 'prune' }
  | { kind: 'gc' }
  /** Every environment with instances in a runtime, those the config no longer has too. */
  | { kind: 'list' }

export type MaintenanceResult =
  | { kind: 'observe' }
  | { kind: 'sweep'; stopped: number }
  | { kind: 'prune'; removed: number }
  | { kind: 'gc'; expired: readonly string[] }
  | { kind: 'list'; environments: readonly string[] }

export interface MaintenanceError {
  message: string
  code: DriverErrorCode | null
  fix: string | null
  /** Where it was thrown, for `--verbose`. */
  stack: string | null
}

export type MaintenanceAction =
  | { type: 'maintenance/requested'; at: number; id: number; operation: MaintenanceOperation }
  | { type: 'maintenance/started'; at: number; id: number }
  | {
      type: 'maintenance/finished'
      at: number
      id: number
      result: MaintenanceResult | null
      /** What went wrong, when it failed; `code` and `fix` when a driver said (a `DriverError`). */
      error: MaintenanceError | null
    }
