import { migrations, postgres } from '@hearth/env-postgres'
import { redis } from '@hearth/env-redis'
import { defineEnvironment, ready } from 'hearth'

/** Runs a TypeScript entry point of one of the demo's apps (no build step: tsx loads it). */
const tsNode = (file: string) => ['node', '--import', 'tsx', file]

/**
 * The demo's backend: Postgres and Redis (containers, or local stand-ins where Docker is absent),
 * the schema migrations, the API and the worker as local processes, and a job that seeds the API.
 * hearth picks every port; each service learns the others' addresses from their outputs.
 */
export const backend = defineEnvironment({
  name: 'backend',
  description: 'The invoice API, its worker, their database and queue, and sample data',
  services: {
    db: postgres({ database: 'invoices' }),
    cache: redis(),
    migrate: migrations({
      command: tsNode('src/migrate.ts'),
      cwd: 'apps/api',
      watch: ['apps/api/migrations/**', 'apps/api/src/migrate.ts'],
    }),
    api: {
      kind: 'process',
      command: tsNode('src/server.ts'),
      cwd: 'apps/api',
      dependsOn: ['db', 'migrate', 'cache'],
      env: { DATABASE_URL: '{{db.url}}', REDIS_URL: '{{cache.url}}' },
      ports: { http: { env: 'PORT' } },
      readiness: ready.http('http', '/health'),
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
      watch: ['apps/api/src/**', 'packages/shared/src/**', 'packages/format/src/**'],
    },
    seed: {
      kind: 'job',
      command: tsNode('src/seed.ts'),
      cwd: 'apps/api',
      dependsOn: ['api'],
      env: { API_URL: '{{api.url}}' },
    },
    worker: {
      kind: 'process',
      command: tsNode('src/worker.ts'),
      cwd: 'apps/worker',
      dependsOn: ['api', 'cache'],
      env: { API_URL: '{{api.url}}', REDIS_URL: '{{cache.url}}' },
      ports: { health: { env: 'PORT' } },
      readiness: ready.all(ready.log(/^worker ready$/), ready.http('health', '/health')),
      outputs: { url: 'http://{{host}}:{{ports.health}}' },
      watch: ['apps/worker/src/**', 'packages/shared/src/**', 'packages/format/src/**'],
    },
  },
})
