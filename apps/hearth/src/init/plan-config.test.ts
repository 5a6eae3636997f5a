import { describe, expect, it } from 'vitest'
import { Code, code, type EnvironmentSource, renderConfigSource } from '../scaffold/source.js'
import type { HardCodedAddress } from './env-references.js'
import type { PlannedGroup } from './groups.js'
import { type ComposeSource, type GroupFindings, type InitInput, planInit } from './plan-config.js'

function group(
  name: string,
  include: string,
  reads: Record<string, string[]> = {},
  addresses: Array<HardCodedAddress & { file: string }> = [],
  foreign: string[] = [],
): GroupFindings {
  const planned: PlannedGroup = {
    name,
    include: [include],
    exclude: [],
    files: [`/repo/${include.replace('**/*', 'a')}`],
    source: `${name}/vitest.config.ts`,
    project: '',
    dir: name,
    setupFiles: [],
  }
  return { group: planned, variables: new Map(Object.entries(reads)), foreign: new Set(foreign), addresses }
}

/** An environment's services, preset calls as the text they print. */
function servicesOf(environment: EnvironmentSource | undefined): Record<string, unknown> {
  const services = (environment?.definition.services ?? {}) as Record<string, unknown>
  return Object.fromEntries(
    Object.entries(services).map(([name, service]) => [
      name,
      service instanceof Code ? service.text : service,
    ]),
  )
}

function input(groups: GroupFindings[], compose: ComposeSource | null = null): InitInput {
  return {
    project: 'shop',
    workspace: { file: 'pnpm-workspace.yaml', packages: [] },
    groups,
    compose,
    scripts: [],
  }
}

describe('planInit without Compose', () => {
  it('gives each service the groups that read its variables, and the unit tests none', () => {
    const plan = planInit(
      input([
        group('api', 'api/test/**/*.test.ts', {
          DATABASE_URL: ['api/src/db.ts'],
          NODE_ENV: ['api/src/db.ts'],
        }),
        group('cache', 'cache/test/**/*.test.ts', { REDIS_URI: ['cache/test/cache.test.ts'] }),
        group('util', 'util/src/**/*.test.ts'),
      ]),
    )
    expect(renderConfigSource(plan.source)).toMatchInlineSnapshot(`
      "// Written by \`hearth init\` from pnpm-workspace.yaml, api/vitest.config.ts, cache/vitest.config.ts
      // and util/vitest.config.ts, and the environment variables the tests read.
      // Review it, then run \`hearth ci\`.

      import { postgres } from '@hearth/env-postgres'
      import { redis } from '@hearth/env-redis'
      import { defineConfig, defineEnvironment } from 'hearth'

      /** db (PostgreSQL): DATABASE_URL, read in api/src/db.ts. */
      const postgresEnvironment = defineEnvironment({
        name: 'postgres',
        description: 'PostgreSQL for the api tests',
        services: { db: postgres({ env: { DATABASE_URL: 'url' } }) },
      })

      /** cache (Redis): REDIS_URI, read in cache/test/cache.test.ts. */
      const redisEnvironment = defineEnvironment({
        name: 'redis',
        description: 'Redis for the cache tests',
        services: { cache: redis({ env: { REDIS_URI: 'url' } }) },
      })

      export default defineConfig({
        project: 'shop',
        environments: [postgresEnvironment, redisEnvironment],
        tests: [
          { name: 'api', include: ['api/test/**/*.test.ts'], environment: 'postgres' },
          { name: 'cache', include: ['cache/test/**/*.test.ts'], environment: 'redis' },
          { name: 'util', include: ['util/src/**/*.test.ts'] },
        ],
      })
      "
    `)
    expect(plan.presets).toEqual(['@hearth/env-postgres', '@hearth/env-redis'])
    expect(plan.report.unprovided).toEqual([])
  })

  it('puts services a group uses together in one environment', () => {
    const plan = planInit(
      input([
        group('integration', 'tests/**/*.test.ts', {
          BOOKINGS_DATABASE_URL: ['tests/setup.ts'],
          PGHOST: ['tests/setup.ts'],
          REDIS_URL: ['tests/a.test.ts'],
        }),
        group('cache', 'cache/**/*.test.ts', { REDIS_URL: ['cache/a.test.ts'] }),
      ]),
    )
    expect(plan.source.environments.map((environment) => environment.definition)).toMatchObject([
      { name: 'backend', description: 'PostgreSQL and Redis for the integration and cache tests' },
    ])
    expect(servicesOf(plan.source.environments[0])).toEqual({
      db: "postgres({ env: { BOOKINGS_DATABASE_URL: 'url', PGHOST: 'host' } })",
      cache: "redis({ env: { REDIS_URL: 'url' } })",
    })
    expect(plan.source.config.tests).toEqual([
      { name: 'integration', include: ['tests/**/*.test.ts'], environment: 'backend' },
      { name: 'cache', include: ['cache/**/*.test.ts'], environment: 'backend' },
    ])
  })

  it('pins the port (and credentials) a suite hard-codes, not one that is only a fallback', () => {
    const plan = planInit(
      input([
        group('legacy', 'test/**/*.test.ts', { REDIS_URL: ['test/a.test.ts'] }, [
          { kind: 'redis', port: 6379, fallback: true, line: 1, file: 'test/a.test.ts' },
          {
            kind: 'postgres',
            port: 5433,
            user: 'shop',
            password: 'secret',
            database: 'shop_test',
            fallback: false,
            line: 4,
            file: 'test/db.ts',
          },
        ]),
      ]),
    )
    const [environment] = plan.source.environments
    expect(servicesOf(environment)).toEqual({
      db: "postgres({ database: 'shop_test', user: 'shop', password: 'secret', hostPort: 5433 })",
      cache: "redis({ env: { REDIS_URL: 'url' } })",
    })
    expect(environment?.comment).toEqual([
      'db listens on 127.0.0.1:5433: test/db.ts connects there.',
      'cache (Redis): REDIS_URL, read in test/a.test.ts.',
    ])
    expect(plan.report.services.map((service) => [service.service, service.hostPort])).toEqual([
      ['db', 5433],
      ['cache', undefined],
    ])
  })

  it('reports what no service provides, and leaves a URL of another engine alone', () => {
    const plan = planInit(
      input([
        group(
          'api',
          'test/**/*.test.ts',
          {
            DATABASE_URL: ['test/db.ts'],
            STRIPE_KEY: ['test/pay.test.ts'],
            CI: ['test/pay.test.ts'],
          },
          [],
          ['DATABASE_URL'],
        ),
      ]),
    )
    expect(plan.source.environments).toEqual([])
    expect(plan.source.config.tests).toEqual([
      { name: 'api', include: ['test/**/*.test.ts'], environment: undefined },
    ])
    expect(plan.report.unprovided).toEqual([
      { name: 'DATABASE_URL', files: ['test/db.ts'] },
      { name: 'STRIPE_KEY', files: ['test/pay.test.ts'] },
    ])
  })
})

describe('planInit with Compose', () => {
  /** A converted Compose file as the converter hands it over; withVariables records what it is given. */
  function compose(
    services: ComposeSource['services'] | null = null,
  ): ComposeSource & { given: Array<[string, Record<string, string>]> } {
    const given: Array<[string, Record<string, string>]> = []
    const environment: EnvironmentSource = {
      variable: 'shop',
      definition: {
        name: 'shop',
        services: {
          postgres: code("postgres({ user: 'shop' })"),
          api: { kind: 'container', image: 'shop/api' },
        },
      },
    }
    return {
      file: 'docker-compose.yml',
      environment,
      services: services ?? [
        {
          name: 'postgres',
          preset: 'postgres',
          family: 'postgres',
          provides: ['url', 'host', 'port', 'user', 'password', 'database'],
          lacking: null,
          outputs: ['url', 'host', 'port'],
        },
        {
          name: 'api',
          preset: null,
          family: null,
          provides: [],
          lacking: null,
          outputs: ['url', 'httpPort'],
        },
      ],
      imports: { '@hearth/env-postgres': ['postgres'] },
      withVariables(current, service, variables) {
        given.push([service, { ...variables }])
        return current
      },
      unconverted: [],
      notes: [],
      others: [],
      given,
    }
  }

  it('hands the variables to the matching Compose services, and adds a preset for the rest', () => {
    const source = compose()
    const plan = planInit(
      input(
        [
          group('api', 'api/**/*.test.ts', { DATABASE_URL: ['api/db.ts'], API_URL: ['api/http.test.ts'] }),
          group('cache', 'cache/**/*.test.ts', { REDIS_URL: ['cache/a.test.ts'] }),
          group('util', 'util/**/*.test.ts'),
        ],
        source,
      ),
    )
    expect(source.given).toEqual([
      ['postgres', { DATABASE_URL: 'url' }],
      ['api', { API_URL: 'url' }],
    ])
    expect(plan.source.environments).toHaveLength(1)
    expect(servicesOf(plan.source.environments[0])).toEqual({
      postgres: "postgres({ user: 'shop' })",
      api: { kind: 'container', image: 'shop/api' },
      cache: "redis({ env: { REDIS_URL: 'url' } })",
    })
    expect(plan.source.imports).toEqual({
      '@hearth/env-postgres': ['postgres'],
      '@hearth/env-redis': ['redis'],
    })
    expect(plan.source.config.tests).toEqual([
      { name: 'api', include: ['api/**/*.test.ts'], environment: 'shop' },
      { name: 'cache', include: ['cache/**/*.test.ts'], environment: 'shop' },
      { name: 'util', include: ['util/**/*.test.ts'], environment: undefined },
    ])
    expect(plan.report.unprovided).toEqual([])
  })

  it('names an output as hearth does: httpPort is API_HTTP_PORT', () => {
    const source = compose()
    const plan = planInit(
      input([group('api', 'api/**/*.test.ts', { API_HTTP_PORT: ['api/http.test.ts'] })], source),
    )
    expect(source.given).toEqual([['api', { API_HTTP_PORT: 'httpPort' }]])
    expect(plan.report.unprovided).toEqual([])
    expect(plan.report.services).toMatchObject([{ service: 'api', variables: { API_HTTP_PORT: 'httpPort' } }])
  })

  it('hands the variables to a plain container of the same server, not to a second, empty preset', () => {
    // A postgres image with init scripts mounted: not the preset, still the database the tests use.
    const source = compose([
      {
        name: 'db',
        preset: null,
        family: 'postgres',
        provides: ['host', 'port', 'url', 'user', 'database', 'password'],
        lacking: null,
        outputs: ['host', 'postgresPort', 'url'],
      },
    ])
    const plan = planInit(
      input(
        [group('api', 'api/**/*.test.ts', { DATABASE_URL: ['api/db.ts'], PGUSER: ['api/db.ts'] })],
        source,
      ),
    )
    expect(source.given).toEqual([['db', { DATABASE_URL: 'url', PGUSER: 'user' }]])
    expect(Object.keys(servicesOf(plan.source.environments[0]))).toEqual(['postgres', 'api'])
    expect(plan.presets).toEqual(['@hearth/env-postgres'])
    expect(plan.report.services).toMatchObject([{ service: 'db', origin: 'compose' }])
    expect(plan.source.config.tests).toEqual([
      { name: 'api', include: ['api/**/*.test.ts'], environment: 'shop' },
    ])
  })

  it('reports what a plain container cannot give, and still adds no preset', () => {
    const source = compose([
      {
        name: 'db',
        preset: null,
        family: 'postgres',
        provides: ['host', 'user', 'database'],
        lacking: 'it publishes no port 5432',
        outputs: ['host'],
      },
    ])
    const plan = planInit(
      input(
        [group('api', 'api/**/*.test.ts', { DATABASE_URL: ['api/db.ts'], PGHOST: ['api/db.ts'] })],
        source,
      ),
    )
    expect(source.given).toEqual([['db', { PGHOST: 'host' }]])
    expect(plan.presets).toEqual(['@hearth/env-postgres'])
    expect(plan.report.unprovided).toEqual([{ name: 'DATABASE_URL', files: ['api/db.ts'] }])
    expect(plan.report.notes).toEqual([
      'DATABASE_URL: the Compose service db, a plain PostgreSQL container, has no url to give the tests (it publishes no port 5432)',
    ])
  })
})
