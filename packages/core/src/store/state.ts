import type { NormalizedConfig, ServiceKind } from '@hearth/environments'
import type { LogsState } from '../features/logs/state.js'
import type { MaintenanceState } from '../features/maintenance/state.js'
import type { WarningCode } from '../features/session/actions.js'
import { initialTestsState, type TestsState } from '../features/tests/state.js'
import { initialWatchState, type WatchState } from '../features/watch/state.js'

/** `environment/service`: a service's identity inside one project. */
export type ServiceKey = `${string}/${string}`

export function serviceKey(environment: string, service: string): ServiceKey {
  return `${environment}/${service}`
}

export interface ProjectIdentity {
  name: string
  /** Name plus a digest of the root: labels use it, so two checkouts never share instances. */
  id: string
  root: string
}

/**
 * A service's lifecycle as the views show it.
 * - `idle`: nothing asked of it this session.
 * - `waiting`: asked to run, its dependencies are not ready yet.
 * - `starting`: hearth is finding, replacing or creating its instance.
 * - `probing`: the instance runs; readiness checks have not passed yet.
 * - `ready`: it answers (services); `completed`: it ran and exited 0 (jobs).
 * - `failed`: see `failure`.
 * - `stopping` / `stopped`.
 */
export type ServiceStatus =
  | 'idle'
  | 'waiting'
  | 'starting'
  | 'probing'
  | 'ready'
  | 'completed'
  | 'failed'
  | 'stopping'
  | 'stopped'

/** What the views need to know of an instance: never a runtime object. */
export interface InstanceSummary {
  id: string
  driver: string
  host: string
  ports: Readonly<Record<string, number>>
  specHash: string
  createdAt: number
  /** Found running from an earlier run and attached to, rather than created now. */
  reused: boolean
  /** Why hearth cannot vouch for it (its driver's record is lost or unreadable); absent when it can. */
  damaged?: string
}

export interface ServiceFailure {
  cause: string
  fix: string | null
  /** The last lines the service printed, oldest first. */
  logTail: readonly string[]
  /** Set when the service never started because this dependency failed. */
  blockedBy: ServiceKey | null
  /** Set when it stopped (or was lost) after it was ready: it died while in use, and may be restarted. */
  inUse?: true
}

export interface ServiceState {
  key: ServiceKey
  environment: string
  name: string
  kind: ServiceKind
  dependsOn: readonly ServiceKey[]
  /** What this session wants of it: running, stopped, or nothing (leave it as it is). */
  desired: 'running' | 'stopped' | null
  status: ServiceStatus
  /** When `status` last changed (epoch ms). */
  since: number
  /** When this session asked for it to start, for "ready in 1.2 s". */
  requestedAt: number | null
  /** When its dependencies were ready and hearth began on it (finding, pulling, creating). */
  startingAt: number | null
  startedAt: number | null
  readyAt: number | null
  stoppingAt: number | null
  instance: InstanceSummary | null
  /** Connection information once ready: declared outputs plus `host` and `<port>Port`. */
  outputs: Readonly<Record<string, string>>
  failure: ServiceFailure | null
  /** Exit code of a job, or of a service found exited. */
  exitCode: number | null
  /** The instance runs an older definition than the config (from `observe`). */
  outdated: boolean
  /** When its reset last ran. */
  lastResetAt: number | null
  /** Why it runs as its fallback process this session (the container runtime's problem), or null. */
  fallback: string | null
  /** What is being prepared (a pull, a build), while it is. */
  preparing: { message: string; fraction: number | null } | null
  /** While probing: how many probes failed so far and what the last one saw. */
  probe: { attempts: number; detail: string } | null
  /** Asked to restart: it stops (after its dependents), then starts again. */
  restarting: boolean
}

export interface EnvironmentState {
  name: string
  /** Services in start order. */
  services: readonly ServiceKey[]
  /** The cross-process lock this session holds or waits for while it changes the environment. */
  lock: 'none' | 'waiting' | 'held'
  /** Who holds the lock while we wait (pid and command), for the views. */
  lockHolder: string | null
  /**
   * Its resets: `seq` numbers the requests (the latest is `seq`), `doneSeq` is the latest request a
   * finished reset served (one that ran after a request serves it). A waiter takes `seq` after its
   * request and waits for `doneSeq >= seq`; `error` is the last finished reset's (null: it worked).
   */
  reset: {
    status: 'requested' | 'running' | 'done' | 'failed'
    seq: number
    doneSeq: number
    requestedAt: number
    finishedAt: number | null
    error: string | null
  } | null
}

export interface SessionState {
  startedAt: number
  /** Environments this session removed because they sat unused past the idle TTL. */
  expired: readonly string[]
  interrupted: { signal: string; at: number } | null
  /** The user quit (`hearth dev`), and whether the environments stop too. */
  quit: { at: number; stopEnvironments: boolean } | null
  /** A failure of hearth itself (config, usage), with the exit code it calls for. */
  fatal: { cause: string; fix: string | null; code: 2 | 3 | 70 } | null
  /** What the user was warned of, in order. */
  warnings: ReadonlyArray<{ code: WarningCode; message: string; fix: string | null }>
}

export interface HearthState {
  project: ProjectIdentity | null
  config: NormalizedConfig | null
  environments: Readonly<Record<string, EnvironmentState>>
  services: Readonly<Record<ServiceKey, ServiceState>>
  tests: TestsState
  /** Each service's output, as the log follower read it. */
  logs: LogsState
  watch: WatchState
  /** Runtime work asked of the environment controller (observe, sweep, prune, gc), by id. */
  maintenance: MaintenanceState
  session: SessionState
}

export function initialState(at = 0): HearthState {
  return {
    project: null,
    config: null,
    environments: {},
    services: {},
    tests: initialTestsState(),
    logs: {},
    maintenance: {},
    watch: initialWatchState(),
    session: { startedAt: at, expired: [], interrupted: null, quit: null, fatal: null, warnings: [] },
  }
}
