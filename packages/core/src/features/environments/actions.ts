import type { InstanceSummary, ServiceFailure, ServiceKey } from '../../store/state.js'

export type EnvironmentAction =
  /** Start these environments (all their services), attaching to what already runs. */
  | { type: 'environment/up-requested'; at: number; environments: readonly string[] }
  /**
   * Stop these environments. `only: 'started'` stops what this session created and leaves what it
   * found running (Ctrl-C, a failed `up`); `all` stops everything of theirs.
   */
  | {
      type: 'environment/down-requested'
      at: number
      environments: readonly string[]
      only: 'all' | 'started'
    }
  /** Unused for longer than the idle TTL: it is being removed. */
  | { type: 'environment/expired'; at: number; environment: string; idleMs: number; ttlMs: number }
  /**
   * Reset these environments' data (their services' resets: template databases, FLUSHALL), as
   * before a test run; the environment controller does it and says when with `reset-finished`.
   */
  | { type: 'environment/reset-requested'; at: number; environments: readonly string[] }
  /** `seq`: the request it serves, and every one before it (a newer one, asked meanwhile, runs after it). */
  | { type: 'environment/reset-started'; at: number; environment: string; seq: number }
  | {
      type: 'environment/reset-finished'
      at: number
      environment: string
      seq: number
      /** Null when every reset ran; else what failed. */
      error: string | null
    }
  | { type: 'environment/lock-waiting'; at: number; environment: string; holder: string }
  | { type: 'environment/lock-acquired'; at: number; environment: string }
  | { type: 'environment/lock-released'; at: number; environment: string }

export type ServiceAction =
  /** Its dependencies are ready: hearth begins to find or create its instance. */
  | { type: 'service/starting'; at: number; key: ServiceKey }
  /** The container runtime does not answer: the service runs as its fallback process instead. */
  | {
      type: 'service/fell-back'
      at: number
      key: ServiceKey
      reason: string
      /** What runs instead: the fallback's description (`redis-server 7.0.15 from PATH (…)`), if it has one. */
      instead?: string
    }
  /** Long preparation under way (pulling or building an image). */
  | { type: 'service/preparing'; at: number; key: ServiceKey; message: string; fraction?: number }
  /** An instance runs (created, or found and attached to): readiness probing begins. */
  | {
      type: 'service/started'
      at: number
      key: ServiceKey
      instance: InstanceSummary
      /** How many other instances of the service (outdated, exited, duplicates) were removed first. */
      replaced?: number
      /** Why some of those were removed: their driver's record was lost or unreadable. */
      damaged?: readonly string[]
    }
  /** Still not ready: sent every few seconds while probing, so that long waits show progress. */
  | { type: 'service/still-probing'; at: number; key: ServiceKey; attempts: number; detail: string }
  | { type: 'service/ready'; at: number; key: ServiceKey; outputs: Readonly<Record<string, string>> }
  /** A job exited 0 (now, or in an earlier run whose result is reused). */
  | { type: 'service/completed'; at: number; key: ServiceKey; outputs: Readonly<Record<string, string>> }
  | { type: 'service/failed'; at: number; key: ServiceKey; failure: ServiceFailure; exitCode?: number | null }
  /**
   * Restart these services and everything that depends on them (their env may hold the old
   * addresses): dependents stop first, then all start again in order.
   */
  | { type: 'service/restart-requested'; at: number; keys: readonly ServiceKey[] }
  /** Its reset (between test runs) ran and succeeded. */
  | { type: 'service/reset'; at: number; key: ServiceKey; durationMs: number }
  /** A start was called off before it created anything (Ctrl-C while looking for an instance). */
  | { type: 'service/aborted'; at: number; key: ServiceKey }
  | { type: 'service/stopping'; at: number; key: ServiceKey }
  | { type: 'service/stopped'; at: number; key: ServiceKey }
  /**
   * What `observe` found in the runtime for a service this session did not start: an instance
   * (running or exited, current or outdated) or none.
   */
  | {
      type: 'service/observed'
      at: number
      key: ServiceKey
      instance: InstanceSummary | null
      running: boolean
      exitCode: number | null
      outdated: boolean
      outputs: Readonly<Record<string, string>>
    }
