import { Code, literal, quote } from '../scaffold/source.js'
import type { ComposePort } from './ports.js'
import type { ComposeMount } from './volumes.js'

/**
 * Compose services that hearth's presets can stand in for: `postgres(…)` (@hearth/env-postgres) and
 * `redis(…)` (@hearth/env-redis). A preset is ready when its server answers on its port, resets
 * between test runs, outputs a `url`, and runs without Docker (embedded Postgres, a local
 * redis-server). It is chosen only when it keeps what the Compose service does; anything the
 * preset cannot take (init scripts, extra env, a custom command) keeps the service a plain container.
 */
export type PresetName = 'postgres' | 'redis'

/** The module each preset is imported from. */
export const PRESET_MODULES: Readonly<Record<PresetName, string>> = {
  postgres: '@hearth/env-postgres',
  redis: '@hearth/env-redis',
}

/** The outputs each preset's service has (besides `host`), as a config may reference them. */
export const PRESET_OUTPUTS: Readonly<Record<PresetName, readonly string[]>> = {
  postgres: ['url', 'host', 'port', 'user', 'password', 'database', 'pgPort'],
  redis: ['url', 'host', 'port', 'redisPort'],
}

/** Images that honour the official images' contracts, by the last part of their name. */
const FAMILIES: Readonly<Record<string, PresetName>> = {
  postgres: 'postgres',
  postgis: 'postgres',
  pgvector: 'postgres',
  redis: 'redis',
  valkey: 'redis',
}

/**
 * The preset an image belongs with: `postgres:16`, `docker.io/library/postgres`, `postgis/postgis`,
 * `hearth-test/postgres:15` → postgres; `redis:7-alpine`, `valkey/valkey` → redis. Bitnami's images
 * take other variables and commands, so they are left as they are.
 */
export function presetFamily(image: string): PresetName | null {
  const withoutDigest = image.split('@')[0] as string
  const segments = withoutDigest.split('/')
  if (segments.some((segment) => segment === 'bitnami')) return null
  const last = (segments.at(-1) as string).split(':')[0] as string
  return FAMILIES[last.toLowerCase()] ?? null
}

/** What a Compose service is, in the terms the preset choice needs. */
export interface PresetInput {
  image: string
  /** Environment variables, or null when some come from the shell or an env_file. */
  env: Readonly<Record<string, string>> | null
  /** The command as arguments, null when none, or 'other' when it could not be read. */
  command: readonly string[] | null | 'other'
  ports: readonly ComposePort[]
  mounts: readonly ComposeMount[]
  /** Something else stands in the way: a build, an entrypoint, dependencies, unreadable entries. */
  blocker: string | null
  /** Keep fixed host ports (`--free-ports` drops them). */
  hostPorts: boolean
}

export type PresetChoice =
  | {
      preset: PresetName
      options: Record<string, unknown>
      /** Compose fields the preset leaves out, with why (these go to the unconverted list). */
      dropped: Array<{ field: string; reason: string }>
    }
  | { preset: null; why: string | null }

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/
const POSTGRES_ENV = new Set(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'PGDATA'])
/** redis-server options that only decide persistence and logging: the preset keeps data in memory. */
const REDIS_HARMLESS = new Set(['--save', '--appendonly', '--appendfsync', '--loglevel'])

/** The preset for a Compose service, or why there is none (null: the image is not one of theirs). */
export function choosePreset(input: PresetInput): PresetChoice {
  const family = presetFamily(input.image)
  if (family === null) return { preset: null, why: null }
  if (input.blocker !== null) return { preset: null, why: input.blocker }
  return family === 'postgres' ? postgresChoice(input) : redisChoice(input)
}

function postgresChoice(input: PresetInput): PresetChoice {
  const env = input.env
  if (env === null) return { preset: null, why: 'some of its variables come from the shell or an env_file' }
  const extra = Object.keys(env).filter((name) => !POSTGRES_ENV.has(name))
  if (extra.length > 0) return { preset: null, why: `the preset does not take ${extra.join(', ')}` }
  if (input.command !== null) return { preset: null, why: 'it has a command of its own' }
  const password = env.POSTGRES_PASSWORD ?? ''
  if (password === '' || password.includes('{{') || password.includes('}}'))
    return { preset: null, why: 'it sets no POSTGRES_PASSWORD the preset can use' }
  const user = env.POSTGRES_USER || 'postgres'
  // The official image names the database after the user unless POSTGRES_DB says otherwise.
  const database = env.POSTGRES_DB || user
  if (!IDENTIFIER.test(user) || !IDENTIFIER.test(database))
    return { preset: null, why: 'its user or database name is not a plain identifier' }
  const port = singlePort(input.ports, 5432)
  if (port === false) return { preset: null, why: 'it publishes ports other than 5432' }
  const dataDir = env.PGDATA ?? '/var/lib/postgresql/data'
  const data = dataMounts(input.mounts, [dataDir, '/var/lib/postgresql'])
  if (data === null) return { preset: null, why: 'it mounts files or volumes besides its data directory' }
  const options: Record<string, unknown> = { image: input.image, user, password, database }
  if (port !== null && port.host !== null && input.hostPorts) options.hostPort = port.host
  return { preset: 'postgres', options, dropped: data.map((index) => dataDropped(index, 'database')) }
}

function redisChoice(input: PresetInput): PresetChoice {
  if (input.env === null || Object.keys(input.env).length > 0)
    return { preset: null, why: 'it sets environment variables, which the preset does not take' }
  const dropped: Array<{ field: string; reason: string }> = []
  if (input.command !== null) {
    if (input.command === 'other' || !persistenceOnly(input.command))
      return { preset: null, why: 'its command sets options the preset does not take' }
    dropped.push({
      field: 'command',
      reason: 'the redis preset runs redis-server without persistence: test data stays in memory',
    })
  }
  const port = singlePort(input.ports, 6379)
  if (port === false) return { preset: null, why: 'it publishes ports other than 6379' }
  const data = dataMounts(input.mounts, ['/data'])
  if (data === null) return { preset: null, why: 'it mounts files or volumes besides /data' }
  dropped.push(...data.map((index) => dataDropped(index, 'data')))
  const options: Record<string, unknown> = { image: input.image }
  if (port !== null && port.host !== null && input.hostPorts) options.hostPort = port.host
  return { preset: 'redis', options, dropped }
}

/** `redis-server --appendonly yes`, `--save 60 1`: options the preset can leave out. */
function persistenceOnly(argv: readonly string[]): boolean {
  const args = argv[0] === 'redis-server' || argv[0] === 'valkey-server' ? argv.slice(1) : [...argv]
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (!REDIS_HARMLESS.has(arg)) return false
    // `--save 60 1 300 10`: every value up to the next option.
    while (i + 1 < args.length && !(args[i + 1] as string).startsWith('--')) i++
  }
  return true
}

/** The one published port when it is `container`; null when none; false when others are published. */
function singlePort(ports: readonly ComposePort[], container: number): ComposePort | null | false {
  if (ports.length === 0) return null
  if (ports.length > 1) return false
  const port = ports[0] as ComposePort
  return port.container === container && port.protocol === 'tcp' ? port : false
}

/** The indexes of the volumes that hold only the data directory, or null when others are mounted. */
function dataMounts(mounts: readonly ComposeMount[], dataDirs: readonly string[]): number[] | null {
  const indexes: number[] = []
  for (const [index, mount] of mounts.entries()) {
    if (mount.type !== 'volume' || !dataDirs.includes(mount.target.replace(/\/+$/, ''))) return null
    indexes.push(index)
  }
  return indexes
}

function dataDropped(index: number, what: string): { field: string; reason: string } {
  return {
    field: `volumes[${index}]`,
    reason: `the preset keeps its ${what} in the container and resets it between test runs; nothing persists across \`hearth down\``,
  }
}

const IDENTIFIER_KEY = /^[A-Za-z_$][\w$]*$/

/**
 * A preset call in the generated config, printed from its options when the file is rendered, so a
 * caller may still change them (`hearth init` adds `env: { DATABASE_URL: 'url' }`). It is written as
 * an entry of `services` in `defineEnvironment({ … })` (4 spaces in), and lays itself out for that.
 */
export class PresetCall extends Code {
  constructor(
    readonly preset: PresetName,
    /** The options passed to the preset; mutable until the file is rendered. */
    readonly options: Record<string, unknown>,
    /** The service's name (its key in `services`), for the line width. */
    readonly key: string,
  ) {
    super('')
    Object.defineProperty(this, 'text', { get: () => this.render(), enumerable: true })
  }

  private render(): string {
    if (Object.values(this.options).every((value) => value === undefined)) return `${this.preset}()`
    const key = IDENTIFIER_KEY.test(this.key) ? this.key : quote(this.key)
    // The entry is `    <key>: <preset>(<options>),` in the rendered environment.
    const lead = key.length + 2 + this.preset.length + 1 + 2
    return `${this.preset}(${literal(this.options, 4, lead)})`
  }
}
