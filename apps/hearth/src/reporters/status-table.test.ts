import { createHearthStore } from '@hearth/core'
import { validateConfig } from '@hearth/environments/validate'
import { describe, expect, it } from 'vitest'
import { createStyle } from '../style.js'
import { formatStatusTable, toStatusJson } from './status-table.js'

function observedState() {
  const result = validateConfig(
    {
      environments: [
        {
          name: 'backend',
          services: {
            api: {
              kind: 'process',
              command: 'api',
              ports: { http: {} },
              outputs: { url: 'http://{{host}}:{{ports.http}}' },
            },
            seed: { kind: 'job', command: 'seed', dependsOn: ['api'] },
            worker: { kind: 'process', command: 'worker', dependsOn: ['api'] },
            mailer: { kind: 'process', command: 'mailer' },
          },
        },
      ],
    },
    { root: '/shop', file: 'hearth.config.ts', defaultProject: 'shop' },
  )
  if (!result.ok) throw new Error('bad test config')
  const store = createHearthStore()
  store.dispatch({
    type: 'project/loaded',
    at: 0,
    project: { name: 'shop', id: 'shop-1', root: '/shop' },
    config: result.config,
  })
  const instance = (id: string, ports: Record<string, number>) => ({
    id,
    driver: 'process',
    host: '127.0.0.1',
    ports,
    specHash: 'abc',
    createdAt: 1_000,
    reused: true,
  })
  const base = { type: 'service/observed', at: 0 } as const
  store.dispatch({
    ...base,
    key: 'backend/api',
    instance: instance('a', { http: 4100 }),
    running: true,
    exitCode: null,
    outdated: false,
    outputs: { host: '127.0.0.1', httpPort: '4100', url: 'http://127.0.0.1:4100' },
  })
  store.dispatch({
    ...base,
    key: 'backend/seed',
    instance: instance('s', {}),
    running: false,
    exitCode: 0,
    outdated: false,
    outputs: { host: '127.0.0.1' },
  })
  store.dispatch({
    ...base,
    key: 'backend/worker',
    instance: instance('w', {}),
    running: false,
    exitCode: 1,
    outdated: true,
    outputs: {},
  })
  store.dispatch({
    ...base,
    key: 'backend/mailer',
    instance: null,
    running: false,
    exitCode: null,
    outdated: false,
    outputs: {},
  })
  return store.getState()
}

describe('status', () => {
  it('prints a table of services: state, uptime and endpoints', () => {
    expect(
      formatStatusTable(observedState(), ['backend'], createStyle({ isTTY: false }, {}), 1_000 + 125_000),
    ).toMatchInlineSnapshot(`
      "ENVIRONMENT  SERVICE  KIND     STATE                  UP      ENDPOINTS
      backend      api      process  running                2m 05s  httpPort=4100 url=http://127.0.0.1:4100
      backend      mailer   process  stopped
      backend      seed     job      completed
      backend      worker   process  exited (1) (outdated)"
    `)
  })

  it('prints a versioned JSON document', () => {
    const json = toStatusJson(observedState(), ['backend'])
    expect(json.version).toBe(1)
    expect(json.project).toEqual({ name: 'shop', id: 'shop-1', root: '/shop' })
    expect(json.environments[0]?.status).toBe('stopped')
    expect(
      json.environments[0]?.services.map((service) => [
        service.name,
        service.state,
        service.exitCode,
        service.outdated,
      ]),
    ).toEqual([
      ['api', 'running', null, false],
      ['mailer', 'stopped', null, false],
      ['seed', 'completed', 0, false],
      ['worker', 'exited', 1, true],
    ])
    expect(json.environments[0]?.services[0]?.instance).toEqual({
      id: 'a',
      driver: 'process',
      host: '127.0.0.1',
      ports: { http: 4100 },
      createdAt: '1970-01-01T00:00:01.000Z',
    })
  })
})
