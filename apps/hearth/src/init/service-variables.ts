/**
 * The services `hearth init` recognises from the names of the environment variables tests read
 * (`DATABASE_URL` → PostgreSQL, `REDIS_URI` → Redis), and the preset that provides each: which output
 * of the preset a variable holds (`url`, `host`, `port`…), so the preset's `env` option can hand the
 * tests that value under the name they already use.
 */

export type ServiceKind = 'postgres' | 'redis'

export interface ServicePreset {
  kind: ServiceKind
  /** The package that ships the preset, and its function. */
  module: string
  factory: string
  /** The service's key in a generated environment (`db: postgres()`), as hearth's examples name it. */
  service: string
  /** The environment's name when it holds this service alone. */
  environment: string
  /** The port the server listens on by default (what a suite that hard-codes one usually has). */
  port: number
  /** The outputs of the preset a variable can hold. */
  outputs: readonly string[]
  /** For people: `PostgreSQL`. */
  label: string
}

export const PRESETS: Readonly<Record<ServiceKind, ServicePreset>> = {
  postgres: {
    kind: 'postgres',
    module: '@hearth/env-postgres',
    factory: 'postgres',
    service: 'db',
    environment: 'postgres',
    port: 5432,
    outputs: ['url', 'host', 'port', 'user', 'password', 'database'],
    label: 'PostgreSQL',
  },
  redis: {
    kind: 'redis',
    module: '@hearth/env-redis',
    factory: 'redis',
    service: 'cache',
    environment: 'redis',
    port: 6379,
    outputs: ['url', 'host', 'port'],
    label: 'Redis',
  },
}

/** The kinds in a stable order (PostgreSQL first), for output that reads the same on every run. */
export const SERVICE_KINDS: readonly ServiceKind[] = ['postgres', 'redis']

export interface ServiceVariable {
  name: string
  kind: ServiceKind
  /** The output of the preset the variable holds. */
  output: string
}

const EXACT: Readonly<Record<string, readonly [ServiceKind, string]>> = {
  DATABASE_URL: ['postgres', 'url'],
  DATABASE_URI: ['postgres', 'url'],
  POSTGRES_URL: ['postgres', 'url'],
  POSTGRES_URI: ['postgres', 'url'],
  POSTGRESQL_URL: ['postgres', 'url'],
  POSTGRESQL_URI: ['postgres', 'url'],
  PG_URL: ['postgres', 'url'],
  PG_URI: ['postgres', 'url'],
  PG_CONNECTION_STRING: ['postgres', 'url'],
  POSTGRES_CONNECTION_STRING: ['postgres', 'url'],
  PGHOST: ['postgres', 'host'],
  PG_HOST: ['postgres', 'host'],
  POSTGRES_HOST: ['postgres', 'host'],
  PGPORT: ['postgres', 'port'],
  PG_PORT: ['postgres', 'port'],
  POSTGRES_PORT: ['postgres', 'port'],
  PGUSER: ['postgres', 'user'],
  PG_USER: ['postgres', 'user'],
  POSTGRES_USER: ['postgres', 'user'],
  PGPASSWORD: ['postgres', 'password'],
  PG_PASSWORD: ['postgres', 'password'],
  POSTGRES_PASSWORD: ['postgres', 'password'],
  PGDATABASE: ['postgres', 'database'],
  PG_DATABASE: ['postgres', 'database'],
  POSTGRES_DB: ['postgres', 'database'],
  POSTGRES_DATABASE: ['postgres', 'database'],
  REDIS_URL: ['redis', 'url'],
  REDIS_URI: ['redis', 'url'],
  REDIS_CONNECTION_STRING: ['redis', 'url'],
  CACHE_URL: ['redis', 'url'],
  CACHE_URI: ['redis', 'url'],
  VALKEY_URL: ['redis', 'url'],
  VALKEY_URI: ['redis', 'url'],
  REDIS_HOST: ['redis', 'host'],
  VALKEY_HOST: ['redis', 'host'],
  REDIS_PORT: ['redis', 'port'],
  VALKEY_PORT: ['redis', 'port'],
}

/** Names by shape: `TEST_DATABASE_URL`, `POSTGRES_PRISMA_URL`, `SESSION_REDIS_URL`. */
const PATTERNS: ReadonlyArray<readonly [RegExp, ServiceKind, string]> = [
  [/^[A-Z0-9_]+_DATABASE_URL$/, 'postgres', 'url'],
  [/^POSTGRES(QL)?_[A-Z0-9_]*URL[A-Z0-9_]*$/, 'postgres', 'url'],
  [/^[A-Z0-9_]+_(REDIS|VALKEY)_URL$/, 'redis', 'url'],
]

/** The service a variable's name points at, and the output it holds; null for any other name. */
export function classifyVariable(name: string): ServiceVariable | null {
  if (name.startsWith('HEARTH_')) return null
  const exact = EXACT[name]
  if (exact !== undefined) return { name, kind: exact[0], output: exact[1] }
  for (const [pattern, kind, output] of PATTERNS) {
    if (pattern.test(name)) return { name, kind, output }
  }
  return null
}

/**
 * Variables a test suite reads that say nothing about a service (the runtime's, the CI's, Vitest's,
 * hearth's own): left out of what `hearth init` reports as read but not provided.
 */
export function isIncidentalVariable(name: string): boolean {
  return (
    INCIDENTAL.has(name) ||
    /^(VITEST|VITE|HEARTH|GITHUB|RUNNER|npm|NPM|NODE|CI)_/.test(name) ||
    name === name.toLowerCase()
  )
}

const INCIDENTAL = new Set([
  'CI',
  'DEBUG',
  'DEV',
  'HOME',
  'LANG',
  'LOG_LEVEL',
  'MODE',
  'NODE_ENV',
  'PATH',
  'PROD',
  'PWD',
  'SSR',
  'TEST',
  'TMPDIR',
  'TZ',
  'USER',
  'VITEST',
  'BASE_URL',
])
