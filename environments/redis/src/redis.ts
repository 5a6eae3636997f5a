import { spawnSync } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type ContainerServiceDefinition,
  outputEnv,
  type ProcessServiceDefinition,
  ready,
} from '@hearth/environments'

/** The image users expect by default. Offline machines pass their own (`hearth-test/redis:7`). */
export const REDIS_IMAGE = 'redis:7-alpine'
/** The port Redis listens on inside the container. */
export const REDIS_PORT = 6379

/**
 * The stand-in server and its one-command client, plain JavaScript shipped in this package (`bin/`).
 * Absolute paths, resolved from this module, so they work from the sources and from `dist/` alike,
 * whatever folder hearth runs the process in.
 */
export const STAND_IN_SERVER: string = fileURLToPath(new URL('../bin/redis-stand-in.mjs', import.meta.url))
export const STAND_IN_CLI: string = fileURLToPath(new URL('../bin/redis-stand-in-cli.mjs', import.meta.url))

/** What the stand-in prints once it listens (its readiness is a `PING` on the port, answered then). */
export const STAND_IN_READY = /^redis-stand-in: ready to accept connections/

/**
 * The connection outputs, the same for the container and the stand-in so that dependents and tests
 * work with either: `url` (`redis://127.0.0.1:<port>`), `host` and `port`. Tests see them as
 * `HEARTH_<SERVICE>_URL`, `_HOST`, `_PORT`.
 */
export const REDIS_OUTPUTS: Readonly<Record<'url' | 'host' | 'port', string>> = Object.freeze({
  url: 'redis://{{host}}:{{ports.redis}}',
  host: '{{host}}',
  port: '{{ports.redis}}',
})

export interface RedisOptions {
  /** The image to run. Default `redis:7-alpine`; any image with `redis-server` and `redis-cli`. */
  image?: string
  /** When to pull the image: `missing` (default), `always` or `never`. */
  pull?: 'missing' | 'always' | 'never'
  /**
   * Run the in-memory stand-in (`redisStandIn()`) when no container engine answers. Default true.
   * Set false to have the service fail instead where there is no Docker.
   */
  fallback?: boolean
  /**
   * What the tests of its environment get besides `HEARTH_<SERVICE>_URL` and the rest. Default
   * `{ REDIS_URL: '{{url}}' }`; `{}` for none.
   */
  testEnv?: Readonly<Record<string, string>>
  /**
   * Variables the tests get that hold one of the outputs, by the names the project already uses:
   * `{ REDIS_URI: 'url' }`. Added to `testEnv`.
   */
  env?: Readonly<Record<string, 'url' | 'host' | 'port'>>
  /**
   * A fixed port on 127.0.0.1, for suites that hard-code one (`localhost:6379`). Default: a free
   * port hearth or the engine picks, so two checkouts run side by side. A port already taken fails
   * the start (exit 3) naming it.
   */
  hostPort?: number
}

/**
 * A Redis container service for `defineEnvironment`:
 *
 * - `redis-server` without persistence (`--save '' --appendonly no`): test data never touches
 *   disk, and FLUSHALL does not write a snapshot;
 * - port `redis` (6379), published on a free loopback port;
 * - ready when `PING`, sent from the host to its published port, is answered `PONG`
 *   (`ready.redis`: ~1 ms a probe, where `redis-cli ping` through `docker exec` took ~150 ms; a bare
 *   TCP connect would pass through Docker's port proxy before Redis listens, and `-LOADING` is not
 *   ready);
 * - outputs `url`, `host`, `port`;
 * - reset between test runs: `redis-cli -e FLUSHALL` (every database; `-e` makes an error reply fail
 *   the reset instead of passing silently);
 * - its tests get `REDIS_URL` (besides `HEARTH_<SERVICE>_URL` …), unless `testEnv` says otherwise;
 * - unless `fallback: false`, the stand-in process where no container engine answers.
 */
export function redis(options: RedisOptions = {}): ContainerServiceDefinition {
  const service: ContainerServiceDefinition = {
    kind: 'container',
    description: 'Redis',
    image: options.image ?? REDIS_IMAGE,
    command: ['redis-server', '--save', '', '--appendonly', 'no'],
    ports: {
      redis: options.hostPort === undefined ? REDIS_PORT : { container: REDIS_PORT, host: options.hostPort },
    },
    readiness: ready.redis('redis', { intervalMs: 100 }),
    outputs: { ...REDIS_OUTPUTS },
    reset: { type: 'exec', command: ['redis-cli', '-e', 'FLUSHALL'] },
    testEnv: outputEnv('redis', REDIS_OUTPUTS, options.testEnv ?? { REDIS_URL: '{{url}}' }, options.env),
  }
  if (options.pull !== undefined) service.pull = options.pull
  if (options.fallback !== false) {
    // A real server on PATH beats the stand-in: the same Redis the container would have been.
    const server = findRedisServer()
    service.fallback =
      server === null
        ? redisStandIn({ hostPort: options.hostPort })
        : redisLocal(server, { hostPort: options.hostPort })
  }
  return service
}

/** A Redis-compatible server found on PATH, for the fallback. */
export interface LocalRedisServer {
  /** `redis-server` or `valkey-server`. */
  name: string
  /** Its absolute path. */
  path: string
  /** What `--version` says (`7.0.15`), or null when it did not say. */
  version: string | null
}

/** The servers looked for on PATH, in order of preference. */
export const LOCAL_SERVERS = ['redis-server', 'valkey-server'] as const

/**
 * The first of `redis-server` and `valkey-server` on PATH (as `env.PATH` lists it), or null. Asks
 * it its version (a few ms), so hearth can say which it runs.
 */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): LocalRedisServer | null {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean)
  for (const name of LOCAL_SERVERS) {
    for (const dir of dirs) {
      const candidate = join(dir, name)
      try {
        accessSync(candidate, constants.X_OK)
        if (!statSync(candidate).isFile()) continue
      } catch {
        continue
      }
      const said = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 5_000 })
      const version = / v=(\S+)/.exec(said.stdout ?? '')?.[1] ?? null
      return { name, path: candidate, version }
    }
  }
  return null
}

/**
 * What a Redis server prints once it accepts connections (Redis 6–8 and Valkey alike). The presets
 * ask the port instead (`ready.redis`); this is for a log check of your own.
 */
export const SERVER_READY = /Ready to accept connections/

/**
 * A real Redis (or Valkey) server from PATH as a process service, where no container engine answers:
 * on 127.0.0.1 at a port hearth allocates (`$PORT`), without persistence, with the container's
 * outputs and readiness (`PING` answered `PONG`: the same question whatever the server prints) and
 * a FLUSHALL reset (through the shipped client, which speaks RESP to any server).
 */
export function redisLocal(
  server: LocalRedisServer,
  options: { hostPort?: number | undefined } = {},
): ProcessServiceDefinition {
  const quoted = `'${server.path.replaceAll("'", `'\\''`)}'`
  return {
    kind: 'process',
    description: `${server.name}${server.version === null ? '' : ` ${server.version}`} from PATH (${server.path})`,
    command: [
      '/bin/sh',
      '-c',
      `exec ${quoted} --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --protected-mode no`,
    ],
    ports: {
      redis: options.hostPort === undefined ? { env: 'PORT' } : { env: 'PORT', host: options.hostPort },
    },
    readiness: ready.redis('redis', { intervalMs: 100 }),
    outputs: { ...REDIS_OUTPUTS },
    reset: { type: 'exec', command: [process.execPath, STAND_IN_CLI, '-p', '{{ports.redis}}', 'FLUSHALL'] },
    stopTimeoutMs: 5_000,
  }
}

/**
 * The stand-in as a process service: `bin/redis-stand-in.mjs` run by the Node that runs hearth, on
 * a loopback port hearth allocates (`$PORT`), with the container's outputs, readiness (`PING`
 * answered `PONG`) and a FLUSHALL reset.
 * It speaks RESP2 and answers the common commands as Redis 7 does (see the README for the list),
 * in memory. It is a stand-in for tests, not Redis. `redis()` uses it as its fallback; use it
 * directly for a Redis that never needs Docker.
 */
export function redisStandIn(options: { hostPort?: number | undefined } = {}): ProcessServiceDefinition {
  return {
    kind: 'process',
    description: 'redis-stand-in (in memory, not Redis)',
    command: [process.execPath, STAND_IN_SERVER],
    ports: {
      redis: options.hostPort === undefined ? { env: 'PORT' } : { env: 'PORT', host: options.hostPort },
    },
    readiness: ready.redis('redis', { intervalMs: 100 }),
    outputs: { ...REDIS_OUTPUTS },
    reset: { type: 'exec', command: [process.execPath, STAND_IN_CLI, '-p', '{{ports.redis}}', 'FLUSHALL'] },
    // It exits at once on SIGTERM; anything slower is stuck.
    stopTimeoutMs: 2_000,
  }
}

/** Redis's number of databases (`SELECT 0` … `SELECT 15`), which the stand-in has too. */
export const REDIS_DATABASES = 16

/**
 * The url of one of the 16 databases, for per-worker isolation: each Vitest worker (or shard)
 * takes its own, e.g. `redisDatabaseUrl(process.env.HEARTH_REDIS_URL, Number(process.env.VITEST_POOL_ID))`.
 * Clients (ioredis, node-redis) select the database named in the url's path. The reset flushes all.
 */
export function redisDatabaseUrl(url: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= REDIS_DATABASES) {
    throw new RangeError(`Redis has databases 0 to ${REDIS_DATABASES - 1}, not ${index}`)
  }
  const parsed = new URL(url)
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`not a redis:// url: ${url}`)
  }
  parsed.pathname = `/${index}`
  return parsed.toString()
}
