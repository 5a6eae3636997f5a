import { expect, it } from 'vitest'
import { classifyScripts, maskSecrets } from './scripts.js'

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

it.each([
  [
    'a password in a URL',
    'DATABASE_URL=postgres://app:s3cret@db.internal:5432/app prisma migrate deploy',
    'DATABASE_URL=postgres://app:***@db.internal:5432/app prisma migrate deploy',
  ],
  [
    'a URL without a password',
    'redis-cli -u redis://localhost:6379 ping',
    'redis-cli -u redis://localhost:6379 ping',
  ],
  [
    'tokens, keys, passwords and secrets',
    `NPM_TOKEN=abc API_KEY='k e y' PGPASSWORD="p w" JWT_SECRET=s node seed.js`,
    'NPM_TOKEN=*** API_KEY=*** PGPASSWORD=*** JWT_SECRET=*** node seed.js',
  ],
  [
    'options that carry one',
    'flyway -password=secret -user=app migrate && tool --api-key abc --no-password --token=t',
    'flyway -password=*** -user=app migrate && tool --api-key *** --no-password --token=***',
  ],
  [
    'harmless assignments',
    'NODE_ENV=test PORT=3000 KEYBOARD=x vitest',
    'NODE_ENV=test PORT=3000 KEYBOARD=x vitest',
  ],
])('masks %s in a printed command', (_, command, printed) => {
  expect(maskSecrets(command)).toBe(printed)
})
