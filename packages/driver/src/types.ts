import type {
  NormalizedCommand,
  NormalizedReadiness,
  NormalizedService,
  ResolvedSpecInputs,
  ServiceKind,
} from '@hearth/environments'
import type { Labels } from './labels.js'

/**
 * The Driver contract, in hearth's own types: no dockerode or execa type crosses it, so core can
 * run any runtime (and the fake) the same way.
 *
 * Concurrency: a driver may be called concurrently for different instances. Core never calls
 * `start` twice at once for one service (it holds a per-environment lock across processes), so a
 * driver need not guard against that itself.
 */
export interface Driver {
  /** Short name shown to users: `process`, `docker`, `fake`. */
  readonly name: string
  /** Whether this driver runs the given service (containers, processes, jobs with or without an image). */
  supports(service: NormalizedService): boolean
  /**
   * Whether the runtime answers now. Resolves if so; rejects with a `DriverError` that says what is
   * wrong and how to fix it (not installed, daemon not running, no permission). Drivers with
   * nothing to check leave it out. Core calls it once per session, before the first start, and
   * uses a container's `fallback` when it rejects.
   */
  check?(): Promise<void>
  /**
   * Makes what a service needs available before core hashes and starts it (pulls its image or
   * builds it from its context, reporting progress) and returns what the definition alone cannot
   * pin down: the image id, or the content hash of the build context. Drivers with nothing to
   * prepare leave it out.
   */
  prepare?(service: NormalizedService, options: PrepareOptions): Promise<ResolvedSpecInputs>
  /**
   * The instances this driver owns that match the selector, running or exited, read from the
   * runtime itself (not from memory): a new hearth process finds what an earlier one started.
   */
  list(selector: InstanceSelector): Promise<Instance[]>
  /** Creates and starts an instance. Rejects with a `DriverError` (cause and fix) if it cannot. */
  start(spec: InstanceSpec, options?: { signal?: AbortSignal }): Promise<Instance>
  /**
   * Stops the instance and removes what the driver created for it. A graceful signal first, then a
   * forced kill after `timeoutMs`. Stopping something already gone succeeds.
   */
  stop(instance: Instance, options?: { timeoutMs?: number }): Promise<void>
  /** The instance's state now. */
  inspect(instance: Instance): Promise<InstanceState>
  /**
   * One attempt of one readiness check (never `all`: core composes those). Resolves with the
   * result; rejects only on a driver failure, not on "not ready yet".
   */
  probe(instance: Instance, check: AtomicReadiness, options: ProbeOptions): Promise<ProbeResult>
  /** The instance's output, line by line, from its start; with `follow`, until it exits or `signal` aborts. */
  logs(instance: Instance, options?: LogOptions): AsyncIterable<LogLine>
  /** Runs a command in the instance's context (inside the container; locally with its env for processes). */
  exec(instance: Instance, command: NormalizedCommand, options?: ExecOptions): Promise<ExecResult>
  /** Resolves when the instance exits (crash detection, job completion), or rejects when `signal` aborts. */
  wait(instance: Instance, options?: { signal?: AbortSignal }): Promise<ExitStatus>
  /**
   * Removes what the driver created for the selector besides instances (networks, volumes) that no
   * instance uses any more, and returns how many. For `hearth down --all`. Drivers that create
   * nothing else leave it out.
   */
  prune?(selector: InstanceSelector): Promise<number>
  /** Releases connections and watchers. Instances keep running. */
  close?(): Promise<void>
}

/** Which project's instances to list. `projectId` is required: a driver never lists another project's. */
export interface InstanceSelector {
  projectId: string
  environment?: string
  service?: string
}

export interface ServiceIdentity {
  project: string
  projectId: string
  environment: string
  service: string
}

/** What core asks a driver to start. */
export interface InstanceSpec {
  identity: ServiceIdentity
  specHash: string
  /** Labels to attach; built by `createLabels`. */
  labels: Labels
  /**
   * The service with its dependency references already rendered. What is left of its templates
   * (`{{host}}`, `{{ports.<name>}}`) the driver fills in once it knows the ports.
   */
  service: NormalizedService
  /** Absolute project root: `cwd` and build contexts are relative to it. */
  root: string
}

/** A started (or found) instance: the `RunningService` of the contract. */
export interface Instance {
  /** Driver-specific, stable id (a container id; for processes, pid and start time). */
  id: string
  driver: string
  identity: ServiceIdentity
  kind: ServiceKind
  specHash: string
  labels: Labels
  /** Where its ports answer: always loopback. */
  host: string
  /** Host port per port name. */
  ports: Readonly<Record<string, number>>
  /** When it was created (epoch ms). */
  createdAt: number
  /** State when this object was made; call `inspect` for the current one. */
  state: InstanceState
  /**
   * Set when the driver found the instance by its labels but its own record of it is missing or
   * unreadable (say `record.json` emptied by a full disk): what the record held (its ports, its
   * environment) is unknown, so hearth cannot vouch for it. `up` replaces it, `status` shows it as
   * damaged, `down` stops it like any other. The text says what was wrong, for people.
   */
  damaged?: string
}

export type InstanceState =
  | { status: 'running'; health?: 'starting' | 'healthy' | 'unhealthy' | null }
  | { status: 'exited'; exitCode: number | null }
  | { status: 'missing' }

/** A single readiness check: core composes `all` and skips `none` itself. */
export type AtomicReadiness = Exclude<NormalizedReadiness, { type: 'all' } | { type: 'none' }>

export interface ProbeOptions {
  /** Deadline for this one attempt. */
  timeoutMs: number
  signal?: AbortSignal
}

export interface ProbeResult {
  ok: boolean
  /** What was seen: `connection refused`, `HTTP 503`, `exit 2: …`. Shown when readiness times out. */
  detail: string
}

export interface LogOptions {
  follow?: boolean
  signal?: AbortSignal
}

export interface LogLine {
  text: string
  stream: 'stdout' | 'stderr' | 'output'
}

export interface ExecOptions {
  env?: Readonly<Record<string, string>>
  timeoutMs?: number
  signal?: AbortSignal
}

export interface ExecResult {
  exitCode: number
  /** stdout and stderr, interleaved, trimmed to the last 64 KiB. */
  output: string
}

export interface ExitStatus {
  /** Null when the exit code cannot be known (killed by a signal, or exited while no hearth watched). */
  exitCode: number | null
  signal: string | null
}

export interface PrepareOptions {
  /** Absolute project root: build contexts are relative to it. */
  root: string
  signal?: AbortSignal
  /** Long work (a pull, a build) reports what it does, at most a few times a second. */
  onProgress?: (progress: PrepareProgress) => void
}

export interface PrepareProgress {
  /** `pulling postgres:16-alpine`, `building docker/api (step 3/7)`. */
  message: string
  /** Between 0 and 1 when known. */
  fraction?: number
}
