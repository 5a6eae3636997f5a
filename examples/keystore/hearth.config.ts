import { postgres } from '@hearth/env-postgres'
import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from 'hearth'

/** A PostgreSQL server for the Postgres adapter. Its tests get DATABASE_URL. */
const postgresEnvironment = defineEnvironment({
  name: 'postgres',
  description: 'PostgreSQL for @keystore/adapter-postgres',
  services: { db: postgres({ database: 'keystore' }) },
})

/** A Redis server for the Redis adapter. Its tests get REDIS_URL. */
const redisEnvironment = defineEnvironment({
  name: 'redis',
  description: 'Redis for @keystore/adapter-redis',
  services: { cache: redis() },
})

export default defineConfig({
  project: 'keystore',
  environments: [postgresEnvironment, redisEnvironment],
  tests: [
    {
      name: 'pg',
      include: ['packages/adapter-postgres/test/**/*.test.ts'],
      environment: 'postgres',
      triggers: ['packages/adapter-postgres/test/fixtures/**'],
    },
    {
      name: 'redis',
      include: ['packages/adapter-redis/test/**/*.test.ts'],
      environment: 'redis',
      triggers: ['packages/adapter-redis/test/fixtures/**'],
    },
    { name: 'unit', include: ['packages/*/src/**/*.test.ts', 'packages/adapter-memory/test/**/*.test.ts'] },
    // No adapter-valkey package exists (yet): this group matches no file, and hearth says so.
    { name: 'valkey', include: ['packages/adapter-valkey/test/**/*.test.ts'], environment: 'redis' },
  ],
})
