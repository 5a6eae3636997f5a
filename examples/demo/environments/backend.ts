import { defineEnvironment, ready } from '@hearth/environments'

/** Runs a TypeScript entry point of one of the demo's apps (no build step: tsx loads it). */
const tsNode = (file: string) => ['node', '--import', 'tsx', file]

/**
 * The demo's backend: the API and the worker as local processes, and a job that seeds the API.
 * hearth picks their ports; everything else learns them from outputs.
 */
export const backend = defineEnvironment({
  name: 'backend',
  description: 'The invoice API, its worker, and sample data',
  services: {
    api: {
      kind: 'process',
      command: tsNode('src/server.ts'),
      cwd: 'apps/api',
      ports: { http: { env: 'PORT' } },
      readiness: ready.http('http', '/health'),
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
      watch: ['apps/api/src/**', 'packages/shared/src/**'],
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
      dependsOn: ['api'],
      env: { API_URL: '{{api.url}}' },
      ports: { health: { env: 'PORT' } },
      readiness: ready.all(ready.log(/^worker ready$/), ready.http('health', '/health')),
      outputs: { url: 'http://{{host}}:{{ports.health}}' },
      watch: ['apps/worker/src/**', 'packages/shared/src/**'],
    },
  },
})
