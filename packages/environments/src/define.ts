import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compiledSourceOf } from './compile-config.js'
import type {
  AllReadinessDefinition,
  CommandDefinition,
  CommandReadinessDefinition,
  ConfigDefinition,
  EnvironmentDefinition,
  HealthcheckReadinessDefinition,
  HttpReadinessDefinition,
  LogReadinessDefinition,
  PostgresReadinessDefinition,
  ProbeTiming,
  ReadinessDefinition,
  RedisReadinessDefinition,
  TcpReadinessDefinition,
} from './types.js'

/**
 * Where a definition was written, recorded by `defineEnvironment` so that validation messages can
 * name `environments/backend.ts` rather than the config file that imported it. `Symbol.for`, because
 * the project's copy of this package and hearth's own copy may be two module instances.
 */
export const SOURCE_FILE: unique symbol = Symbol.for('hearth.sourceFile') as never

/** Declares the project: its environments and test groups. The default export of `hearth.config.ts`. */
export function defineConfig<const T extends ConfigDefinition>(config: T): T {
  return config
}

/** Declares an environment: a set of services with dependencies, readiness and outputs. */
export function defineEnvironment<const T extends EnvironmentDefinition>(environment: T): T {
  // The first record wins: an environment passed through defineEnvironment twice (a preset's result,
  // wrapped again by the user) was written where it was first defined, and redefining the
  // non-writable property would throw. A frozen object cannot take the mark; it goes unattributed.
  if (typeof environment === 'object' && environment !== null && Object.isExtensible(environment)) {
    if (!Object.hasOwn(environment, SOURCE_FILE)) {
      const file = callerFile()
      if (file !== null) Object.defineProperty(environment, SOURCE_FILE, { value: file, enumerable: false })
    }
  }
  return environment
}

/** The file a definition came from, if `defineEnvironment` could tell. */
export function sourceFileOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null
  const file = (value as { [SOURCE_FILE]?: unknown })[SOURCE_FILE]
  return typeof file === 'string' ? file : null
}

function callerFile(): string | null {
  const original = Error.prepareStackTrace
  try {
    Error.prepareStackTrace = (_, callSites) => callSites
    const holder: { stack?: NodeJS.CallSite[] } = {}
    Error.captureStackTrace(holder, defineEnvironment)
    const site = holder.stack?.[0]
    const name = site?.getFileName() ?? null
    if (name === null || site === undefined) return null
    const file = name.startsWith('file:') ? fileURLToPath(name) : name
    // A config compiled into one module (compile-config.ts): the line says which file it was.
    const compiled = compiledSourceOf(file, site.getLineNumber() ?? 0, site.getColumnNumber() ?? 0)
    if (compiled !== null) return compiled
    if (name.startsWith('file:')) return file
    // Anything else that is not a path (tsx runs a CommonJS entry file as a `data:` URL, Node has
    // `node:` frames) names no file a user could open: the caller falls back to the config file.
    return path.isAbsolute(name) ? name : null
  } catch {
    return null
  } finally {
    Error.prepareStackTrace = original
  }
}

/**
 * Readiness checks. Each probes from 10 ms, backing off to `intervalMs`, until `timeoutMs`. All but
 * `command` and `healthcheck` probe from the host, on the port published on 127.0.0.1.
 */
export const ready = {
  /** A TCP connection to the named port succeeds. */
  tcp(port: string, timing: ProbeTiming = {}): TcpReadinessDefinition {
    return { type: 'tcp', port, ...timing }
  },
  /** An HTTP GET on the named port answers with an accepted status (default 2xx/3xx). */
  http(
    port: string,
    path = '/',
    options: ProbeTiming & { status?: number | readonly number[] } = {},
  ): HttpReadinessDefinition {
    return { type: 'http', port, path, ...options }
  },
  /**
   * PostgreSQL accepts connections on the named port (`pg_isready`'s question, asked from the host
   * with a startup message, never a password): `ready.postgres('pg', { user: 'app', database: 'app' })`.
   * `user` and `database` default to the service's `POSTGRES_USER`/`PGUSER` and
   * `POSTGRES_DB`/`PGDATABASE`, else `postgres` and the user.
   */
  postgres(
    port: string,
    options: ProbeTiming & { user?: string; database?: string } = {},
  ): PostgresReadinessDefinition {
    return { type: 'postgres', port, ...options }
  },
  /** Redis answers `PING` with `PONG` on the named port (asked from the host; `-LOADING` is not ready). */
  redis(port: string, timing: ProbeTiming = {}): RedisReadinessDefinition {
    return { type: 'redis', port, ...timing }
  },
  /** A line of the service's output matches. */
  log(pattern: string | RegExp, timing: ProbeTiming = {}): LogReadinessDefinition {
    return { type: 'log', pattern, ...timing }
  },
  /**
   * A command exits 0 (inside the container for containers: a `docker exec` per probe, ~150 ms;
   * prefer a protocol check where the service has a port).
   */
  command(command: CommandDefinition, timing: ProbeTiming = {}): CommandReadinessDefinition {
    return { type: 'command', command, ...timing }
  },
  /** The container engine's own healthcheck reports healthy. */
  healthcheck(timing: ProbeTiming = {}): HealthcheckReadinessDefinition {
    return { type: 'healthcheck', ...timing }
  },
  /** Every check passes. */
  all(...checks: ReadinessDefinition[]): AllReadinessDefinition {
    return { type: 'all', checks }
  },
} as const

/**
 * A reference to another service's output, for `env` values: `ref('db', 'url')` is `'{{db.url}}'`.
 * The service must be listed in `dependsOn`.
 */
export function ref(service: string, output: string): string {
  return `{{${service}.${output}}}`
}
