import type { EnvironmentDefinition, NormalizedConfig } from '@hearth/environments'
import { ready } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'

/** A validated config from environment definitions, as `loadConfig` would return it. Test helper. */
export function configOf(...environments: EnvironmentDefinition[]): NormalizedConfig {
  const result = validateConfig(
    { project: 'demo', environments },
    { root: '/project', file: 'hearth.config.ts', defaultProject: 'demo' },
  )
  if (!result.ok) throw new Error(`invalid test config:\n${JSON.stringify(result.issues, null, 2)}`)
  return result.config
}

/**
 * The environment most core tests use: a database and a cache, a migration job on the database,
 * and an API that needs all three and reads their outputs. Test fixture.
 */
export const BACKEND = {
  name: 'backend',
  services: {
    db: {
      kind: 'process',
      command: 'db',
      ports: { pg: {} },
      outputs: { url: 'pg://{{host}}:{{ports.pg}}/app' },
    },
    cache: { kind: 'process', command: 'cache', ports: { redis: {} } },
    migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'], env: { DATABASE_URL: '{{db.url}}' } },
    api: {
      kind: 'process',
      command: 'api',
      dependsOn: ['db', 'migrate', 'cache'],
      ports: { http: {} },
      env: { DATABASE_URL: '{{db.url}}', REDIS_PORT: '{{cache.redisPort}}' },
      readiness: ready.http('http', '/health'),
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    },
  },
} as const satisfies EnvironmentDefinition
