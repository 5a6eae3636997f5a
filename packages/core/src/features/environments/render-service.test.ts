import type { Instance } from '@hearth/driver'
import type { NormalizedService } from '@hearth/environments'
import { describe, expect, it } from 'vitest'
import { configOf } from '../../testing/fixtures.js'
import { deepFreeze } from '../../testing/states.js'
import { computeOutputs, renderDependencies } from './render-service.js'

const config = configOf({
  name: 'backend',
  services: {
    db: {
      kind: 'process',
      command: 'db',
      ports: { pg: {} },
      outputs: { url: 'pg://{{host}}:{{ports.pg}}/app' },
    },
    api: {
      kind: 'process',
      command: ['api', '--db={{db.url}}', '--port', '{{ports.http}}'],
      dependsOn: ['db'],
      ports: { http: {} },
      env: {
        DATABASE_URL: '{{db.url}}',
        PG: '{{db.host}}:{{db.pgPort}}',
        SELF_URL: 'http://{{host}}:{{ports.http}}',
        USER_NAME: 'admin',
      },
      outputs: {
        url: 'http://{{host}}:{{ports.http}}',
        database: '{{db.url}}',
        user: '{{env.USER_NAME}}',
        self: '{{env.SELF_URL}}/v1',
      },
    },
    migrate: { kind: 'job', command: 'migrate --url {{db.url}} --from {{host}}', dependsOn: ['db'] },
    proxy: {
      kind: 'container',
      image: 'proxy:1',
      dependsOn: ['db'],
      ports: { http: 80 },
      env: { UPSTREAM: '{{db.url}}' },
    },
    worker: { kind: 'container', image: 'worker:1', command: ['work', '{{db.url}}'], dependsOn: ['db'] },
  },
})

function definition(name: string): NormalizedService {
  const service = config.environments.backend?.services[name]
  if (service === undefined) throw new Error(`no service ${name} in the test config`)
  return deepFreeze(service)
}

const DB_URL = 'pg://127.0.0.1:41000/app'
const dbOutputs = { host: '127.0.0.1', pgPort: '41000', url: DB_URL }
const outputsOf = (dependency: string) => (dependency === 'db' ? dbOutputs : undefined)

function instance(ports: Record<string, number>): Instance {
  return {
    id: 'fake-1',
    driver: 'fake',
    identity: { project: 'demo', projectId: 'demo-1', environment: 'backend', service: 'api' },
    kind: 'process',
    specHash: 'h',
    labels: {},
    host: '127.0.0.2',
    ports,
    createdAt: 0,
    state: { status: 'running' },
  }
}

describe('renderDependencies', () => {
  it('fills dependency outputs into env, argv and outputs, and leaves the instance-own placeholders', () => {
    const api = definition('api')
    const rendered = renderDependencies(api, outputsOf)
    expect(rendered).toEqual({
      ...api,
      command: { argv: ['api', `--db=${DB_URL}`, '--port', '{{ports.http}}'] },
      env: {
        DATABASE_URL: DB_URL,
        PG: '127.0.0.1:41000',
        SELF_URL: 'http://{{host}}:{{ports.http}}',
        USER_NAME: 'admin',
      },
      outputs: {
        url: 'http://{{host}}:{{ports.http}}',
        database: DB_URL,
        user: '{{env.USER_NAME}}',
        self: '{{env.SELF_URL}}/v1',
      },
    })
  })

  it('fills a shell command', () => {
    const migrate = definition('migrate')
    expect(renderDependencies(migrate, outputsOf)).toEqual({
      ...migrate,
      command: { shell: `migrate --url ${DB_URL} --from {{host}}` },
    })
  })

  it("keeps a container's missing command null and renders its argv command", () => {
    const proxy = definition('proxy')
    expect(renderDependencies(proxy, outputsOf)).toEqual({
      ...proxy,
      command: null,
      env: { UPSTREAM: DB_URL },
    })
    const worker = definition('worker')
    expect(renderDependencies(worker, outputsOf)).toEqual({ ...worker, command: { argv: ['work', DB_URL] } })
  })

  it('leaves a service without dependency references as it was', () => {
    const db = definition('db')
    expect(renderDependencies(db, () => undefined)).toEqual(db)
  })

  it('throws when a dependency has no such output yet', () => {
    expect(() => renderDependencies(definition('api'), () => undefined)).toThrow(
      'template reference {{db.url}} has no value',
    )
    expect(() => renderDependencies(definition('api'), () => ({ host: '127.0.0.1' }))).toThrow(
      'template reference {{db.url}} has no value',
    )
  })
})

describe('computeOutputs', () => {
  it('gives host, <port>Port per port, and the declared templates filled from host, ports and env', () => {
    const rendered = renderDependencies(definition('api'), outputsOf)
    expect(computeOutputs(rendered, instance({ http: 41003 }))).toEqual({
      host: '127.0.0.2',
      httpPort: '41003',
      url: 'http://127.0.0.2:41003',
      database: DB_URL,
      user: 'admin',
      // An env value is rendered (host and ports) before an output reads it.
      self: 'http://127.0.0.2:41003/v1',
    })
  })

  it('gives every port of a service without declared outputs', () => {
    const db = definition('db')
    expect(computeOutputs({ ...db, outputs: {} }, instance({ pg: 41000, metrics: 41001 }))).toEqual({
      host: '127.0.0.2',
      pgPort: '41000',
      metricsPort: '41001',
    })
  })
})
