/**
 * The authoring API's types. Two layers:
 *
 * - `*Definition` types are what users write in `hearth.config.ts` and `environments/*.ts`. They are
 *   loose on purpose (shorthands, optional fields) and arrive as `unknown` at validation time, because
 *   a config file is user input whatever its type annotations say.
 * - `Normalized*` types are what validation returns: every default applied, every shorthand expanded,
 *   every reference checked. Everything after validation (planning, hashing, drivers, core) reads only
 *   these.
 */

export type ServiceKind = 'container' | 'process' | 'job'

/** A command: an argv array (run directly), or a string (run through `/bin/sh -c`). */
export type CommandDefinition = readonly string[] | string

// ── readiness ───────────────────────────────────────────────────────────────────────────────────

export interface ProbeTiming {
  /** How long the service may take to become ready before it is marked failed. Default 60 s. */
  timeoutMs?: number
  /** The longest wait between two probes. Probing starts at 10 ms and backs off to this. Default 1 s. */
  intervalMs?: number
}

export interface TcpReadinessDefinition extends ProbeTiming {
  type: 'tcp'
  /** A port name from the service's `ports`. */
  port: string
}

export interface HttpReadinessDefinition extends ProbeTiming {
  type: 'http'
  /** A port name from the service's `ports`. */
  port: string
  /** Path to request. Default `/`. */
  path?: string
  /** Accepted status codes. Default: any 2xx or 3xx. */
  status?: number | readonly number[]
}

/**
 * PostgreSQL accepts connections on the named port, asked as `pg_isready` asks: hearth sends a
 * startup message from the host (never a password) and reads the server's first answer. An
 * authentication request means ready; "the database system is starting up" (or any other error,
 * such as a database that does not exist yet) means not yet.
 */
export interface PostgresReadinessDefinition extends ProbeTiming {
  type: 'postgres'
  /** A port name from the service's `ports`. */
  port: string
  /** The user named in the startup message. Default: the service's `POSTGRES_USER` or `PGUSER`, else `postgres`. */
  user?: string
  /** The database named in the startup message. Default: the service's `POSTGRES_DB` or `PGDATABASE`, else the user. */
  database?: string
}

/**
 * Redis (or a server that speaks its protocol) answers `PING` on the named port with `PONG`, asked
 * from the host. A server still loading its data set (`-LOADING`) is not ready; one that wants a
 * password first (`-NOAUTH`) is running and answering, so it is.
 */
export interface RedisReadinessDefinition extends ProbeTiming {
  type: 'redis'
  /** A port name from the service's `ports`. */
  port: string
}

export interface LogReadinessDefinition extends ProbeTiming {
  type: 'log'
  /** A line of the service's output that matches this means ready. Strings are regular expressions. */
  pattern: string | RegExp
}

export interface CommandReadinessDefinition extends ProbeTiming {
  type: 'command'
  /**
   * Exits 0 when ready. Runs inside the container for container services (a `docker exec`, some
   * 150 ms each), locally otherwise. Where a port answers a protocol, `ready.postgres`, `ready.redis`
   * or `ready.http` probe it from the host in about a millisecond.
   */
  command: CommandDefinition
}

export interface HealthcheckReadinessDefinition extends ProbeTiming {
  type: 'healthcheck'
}

export interface AllReadinessDefinition extends ProbeTiming {
  type: 'all'
  checks: readonly ReadinessDefinition[]
}

export type ReadinessDefinition =
  | TcpReadinessDefinition
  | HttpReadinessDefinition
  | PostgresReadinessDefinition
  | RedisReadinessDefinition
  | LogReadinessDefinition
  | CommandReadinessDefinition
  | HealthcheckReadinessDefinition
  | AllReadinessDefinition

// ── reset ───────────────────────────────────────────────────────────────────────────────────────

export type ResetDefinition =
  /** Run a command inside the running instance (container exec; for processes, a local command). */
  | { type: 'exec'; command: CommandDefinition; timeoutMs?: number }
  /** Restart the service and wait until it is ready again. */
  | { type: 'restart' }

// ── ports ───────────────────────────────────────────────────────────────────────────────────────

export interface ContainerPortDefinition {
  /** The port the container listens on. */
  container: number
  /** A fixed host port. Leave unset: the engine picks a free one, so two checkouts run side by side. */
  host?: number
  protocol?: 'tcp' | 'udp'
}

export interface ProcessPortDefinition {
  /** Environment variable that receives the allocated port (as well as `{{ports.<name>}}`). */
  env?: string
  /** A fixed port. Leave unset: hearth allocates a free loopback port. */
  host?: number
}

// ── services ────────────────────────────────────────────────────────────────────────────────────

interface ServiceDefinitionBase {
  description?: string
  /** Services of the same environment that must be ready (or, for jobs, completed) first. */
  dependsOn?: readonly string[]
  /**
   * Environment variables. Values are templates: `{{host}}`, `{{ports.http}}`, and the outputs of
   * the services this one depends on, `{{db.url}}`.
   */
  env?: Readonly<Record<string, string>>
  readiness?: ReadinessDefinition
  /**
   * Connection information computed from the running instance, as templates:
   * `{ url: 'http://{{host}}:{{ports.http}}' }`. Every service also outputs `host` and, per port,
   * `<name>Port`.
   */
  outputs?: Readonly<Record<string, string>>
  /** Globs (relative to the project root) whose change restarts or rebuilds this service. */
  watch?: readonly string[]
  reset?: ResetDefinition
  /**
   * Environment variables the tests of its environment get, besides `HEARTH_<SERVICE>_<OUTPUT>`:
   * templates over this service's outputs, e.g. `{ DATABASE_URL: '{{url}}' }`.
   */
  testEnv?: Readonly<Record<string, string>>
  /**
   * Names of its `env`, `outputs` and `testEnv` entries whose values are secret: hearth masks them
   * (`***`; a URL's password only) in everything it prints and writes, while tests still get the
   * real values. Names with PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, API_KEY, PRIVATE_KEY or
   * CREDENTIAL in them (any case) are secret without being listed, and so is an entry whose template
   * uses a secret (`DATABASE_URL: '{{url}}'` where `url` is). E.g. `secrets: ['dsn', 'STRIPE_KEY']`.
   */
  secrets?: readonly string[]
}

export interface ContainerServiceDefinition extends ServiceDefinitionBase {
  kind: 'container'
  image?: string
  build?: { context: string; dockerfile?: string; args?: Readonly<Record<string, string>> }
  pull?: 'missing' | 'always' | 'never'
  command?: CommandDefinition
  ports?: Readonly<Record<string, number | ContainerPortDefinition>>
  volumes?: readonly string[]
  healthcheck?: { command: CommandDefinition; intervalMs?: number; timeoutMs?: number; retries?: number }
  /**
   * A local process that stands in for the container when no container engine answers (an embedded
   * Postgres, say). It must declare the same outputs, so dependents work either way. hearth says
   * when it falls back.
   */
  fallback?: ProcessServiceDefinition
}

export interface ProcessServiceDefinition extends ServiceDefinitionBase {
  kind: 'process'
  command: CommandDefinition
  /** Working directory, relative to the project root. Default: the project root. */
  cwd?: string
  ports?: Readonly<Record<string, ProcessPortDefinition>>
  /** Time between SIGTERM and SIGKILL when stopping. Default 5 s. */
  stopTimeoutMs?: number
}

export interface JobServiceDefinition extends ServiceDefinitionBase {
  kind: 'job'
  command: CommandDefinition
  cwd?: string
  /** Run the job inside this image instead of as a local process. */
  image?: string
  /** The job fails if it runs longer than this. Default 5 min. */
  timeoutMs?: number
}

export type ServiceDefinition = ContainerServiceDefinition | ProcessServiceDefinition | JobServiceDefinition

export interface EnvironmentDefinition {
  name: string
  description?: string
  services: Readonly<Record<string, ServiceDefinition>>
}

export interface TestGroupDefinition {
  name: string
  /** Test files of this group, globs relative to the project root. */
  include: readonly string[]
  exclude?: readonly string[]
  /** The environment these tests need. */
  environment?: string
  /** Extra files (fixtures, SQL) whose change reruns this group. */
  triggers?: readonly string[]
}

export interface ConfigDefinition {
  /** Project name, shown in output and carried in labels. Default: the root package.json's name. */
  project?: string
  environments: readonly EnvironmentDefinition[]
  tests?: readonly TestGroupDefinition[]
  /** How long an unused warm environment lives, e.g. `'2h'` or milliseconds. Default `'4h'`. */
  idleTtl?: string | number
  /**
   * Whether a container service that has a fallback (the Postgres preset's embedded server, a local
   * `redis-server`) may run as it when no Docker engine answers. `false` makes that an environment
   * error (exit 3), as `--require-docker` does. Default `true`.
   */
  fallback?: boolean
}

// ── normalized ──────────────────────────────────────────────────────────────────────────────────

export type NormalizedCommand = { argv: readonly string[] } | { shell: string }

export interface NormalizedProbeTiming {
  timeoutMs: number
  intervalMs: number
}

export type NormalizedReadiness = NormalizedProbeTiming &
  (
    | { type: 'tcp'; port: string }
    | { type: 'http'; port: string; path: string; status: readonly number[] | null }
    /** `user` and `database` as given, else from the service's env (see `PostgresReadinessDefinition`). */
    | { type: 'postgres'; port: string; user: string; database: string }
    | { type: 'redis'; port: string }
    | { type: 'log'; pattern: { source: string; flags: string } }
    | { type: 'command'; command: NormalizedCommand }
    | { type: 'healthcheck' }
    | { type: 'all'; checks: readonly NormalizedReadiness[] }
    | { type: 'none' }
  )

export type NormalizedReset =
  | { type: 'exec'; command: NormalizedCommand; timeoutMs: number }
  | { type: 'restart' }

export interface NormalizedPort {
  name: string
  /** Container side (containers only). */
  container: number | null
  /** Fixed host port, or null for an allocated one. */
  host: number | null
  protocol: 'tcp' | 'udp'
  /** Environment variable that receives the port (processes only). */
  env: string | null
}

interface NormalizedServiceBase {
  name: string
  environment: string
  description: string | null
  dependsOn: readonly string[]
  env: Readonly<Record<string, string>>
  readiness: NormalizedReadiness
  outputs: Readonly<Record<string, string>>
  watch: readonly string[]
  reset: NormalizedReset | null
  testEnv: Readonly<Record<string, string>>
  ports: readonly NormalizedPort[]
  /**
   * Names of its env, outputs and testEnv entries whose values are secret: those listed, those
   * named as secrets, and those whose templates use one (sorted). Views mask their values.
   */
  secrets: readonly string[]
}

export interface NormalizedContainerService extends NormalizedServiceBase {
  kind: 'container'
  image: string | null
  build: { context: string; dockerfile: string; args: Readonly<Record<string, string>> } | null
  pull: 'missing' | 'always' | 'never'
  command: NormalizedCommand | null
  volumes: readonly string[]
  healthcheck: { command: NormalizedCommand; intervalMs: number; timeoutMs: number; retries: number } | null
  /** The process to run instead when no container engine answers. */
  fallback: NormalizedProcessService | null
}

export interface NormalizedProcessService extends NormalizedServiceBase {
  kind: 'process'
  command: NormalizedCommand
  cwd: string
  stopTimeoutMs: number
}

export interface NormalizedJobService extends NormalizedServiceBase {
  kind: 'job'
  command: NormalizedCommand
  cwd: string
  image: string | null
  timeoutMs: number
}

export type NormalizedService = NormalizedContainerService | NormalizedProcessService | NormalizedJobService

export interface NormalizedEnvironment {
  name: string
  description: string | null
  /** The file that defined it (for messages), relative to the project root. */
  file: string
  services: Readonly<Record<string, NormalizedService>>
  /** Service names in a dependency-respecting order (dependencies first, then by name). */
  order: readonly string[]
}

export interface NormalizedTestGroup {
  name: string
  include: readonly string[]
  exclude: readonly string[]
  environment: string | null
  triggers: readonly string[]
}

export interface NormalizedConfig {
  project: string
  /** Absolute path of the project root (the folder holding the config file). */
  root: string
  /** The config file, relative to the root. */
  file: string
  idleTtlMs: number
  /** Whether containers may run as their fallback when no engine answers (`fallback`). */
  fallback: boolean
  environments: Readonly<Record<string, NormalizedEnvironment>>
  tests: readonly NormalizedTestGroup[]
}
