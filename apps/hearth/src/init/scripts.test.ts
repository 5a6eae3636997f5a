import { expect, it } from 'vitest'
import { classifyScripts } from './scripts.js'

it('finds the scripts that start services, migrate, seed or run another config', () => {
  const findings = classifyScripts([
    {
      dir: '',
      scripts: {
        build: 'tsc -b',
        test: 'vitest run',
        'services:up': 'docker compose up -d --wait',
        'compose:down': 'docker-compose down',
        'test:integration': 'vitest run --config vitest.integration.config.ts',
        'test:unit': 'vitest run -c vitest.config.ts',
      },
    },
    {
      dir: 'packages/api',
      scripts: {
        'db:migrate': 'prisma migrate deploy',
        'db:push': 'drizzle-kit push',
        migrate: 'node scripts/migrate.mjs',
        seed: 'tsx prisma/seed.ts',
        'test:legacy': 'jest --runInBand',
      },
    },
  ])
  expect(findings.map(({ dir, script, kind, configFile }) => [dir, script, kind, configFile])).toEqual([
    ['', 'services:up', 'compose', undefined],
    ['', 'test:integration', 'vitest-config', 'vitest.integration.config.ts'],
    ['packages/api', 'db:migrate', 'migration', undefined],
    ['packages/api', 'db:push', 'migration', undefined],
    ['packages/api', 'migrate', 'migration', undefined],
    ['packages/api', 'seed', 'seed', undefined],
    ['packages/api', 'test:legacy', 'other-runner', undefined],
  ])
})
