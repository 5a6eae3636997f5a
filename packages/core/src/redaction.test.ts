import type { EnvironmentDefinition } from '@hearth/environments'
import { describe, expect, it } from 'vitest'
import { selectRedactedState, selectRedactor, selectSecrets } from './redaction.js'
import { serviceKey } from './store/state.js'
import { configOf } from './testing/fixtures.js'
import { deepFreeze, instanceSummary, loadedState, withServices } from './testing/states.js'

const PASSWORD = 'Hx7-s3cr3t-Pw'

/** A database whose password is secret, with a URL that holds it (marked), and an API that uses it. */
const SHOP = {
  name: 'shop',
  services: {
    db: {
      kind: 'container',
      image: 'postgres:16-alpine',
      ports: { pg: 5432 },
      env: { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: PASSWORD },
      outputs: {
        url: `postgres://postgres:${PASSWORD}@{{host}}:{{ports.pg}}/app`,
        user: 'postgres',
        password: PASSWORD,
      },
      testEnv: { DATABASE_URL: '{{url}}' },
      secrets: ['url'],
    },
    api: {
      kind: 'process',
      command: 'node api.js',
      dependsOn: ['db'],
      env: { DATABASE_URL: '{{db.url}}' },
      ports: { http: {} },
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    },
  },
} as const satisfies EnvironmentDefinition

const DB_URL = `postgres://postgres:${PASSWORD}@127.0.0.1:49153/app`

function runningShop() {
  return deepFreeze(
    withServices(loadedState(configOf(SHOP)), {
      [serviceKey('shop', 'db')]: {
        status: 'ready',
        instance: instanceSummary('db-1', { driver: 'docker', ports: { pg: 49153 } }),
        outputs: { host: '127.0.0.1', pgPort: '49153', url: DB_URL, user: 'postgres', password: PASSWORD },
        failure: null,
      },
      [serviceKey('shop', 'api')]: {
        status: 'failed',
        outputs: { host: '127.0.0.1', httpPort: '3000', url: 'http://127.0.0.1:3000' },
        failure: {
          cause: `api exited with code 1: connect ${DB_URL} refused`,
          fix: null,
          logTail: [`password ${PASSWORD} rejected`, 'ok'],
          blockedBy: null,
        },
      },
    }),
  )
}

describe('selectSecrets', () => {
  it('takes the marked values from the config and what runs, and what is shown openly', () => {
    const { secrets, publicValues } = selectSecrets(runningShop())
    // A template is known once rendered: the running URL, not the config's.
    expect(secrets).toEqual([PASSWORD, DB_URL].sort())
    expect(publicValues).toEqual(
      expect.arrayContaining(['postgres', 'alpine', '127.0.0.1', 'http://127.0.0.1:3000', '49153']),
    )
    expect(publicValues).not.toContain(PASSWORD)
  })
})

describe('a secret that is also a name or a word of a path', () => {
  it('is masked where it stands as a secret, and leaves names, keys and paths whole', () => {
    // The project, its environment and its root folder are all called what the password is.
    const config = {
      ...configOf({ ...SHOP, name: 'analytics' }),
      project: 'analytics',
      root: '/work/analytics',
    }
    const url = 'postgres://postgres:analytics@127.0.0.1:49153/app'
    const state = deepFreeze(
      withServices(loadedState({ ...config, environments: config.environments }), {
        [serviceKey('analytics', 'db')]: {
          status: 'ready',
          instance: instanceSummary('db-1', { driver: 'docker', ports: { pg: 49153 } }),
          outputs: { host: '127.0.0.1', pgPort: '49153', url, user: 'postgres', password: 'analytics' },
          failure: null,
        },
      }),
    )
    expect(selectSecrets(state).publicValues).toEqual(
      expect.arrayContaining(['analytics', 'work', 'db', 'api']),
    )
    const shown = selectRedactedState(state)
    const db = shown.services[serviceKey('analytics', 'db')]
    expect(db).toMatchObject({ key: 'analytics/db', environment: 'analytics' })
    expect(db?.outputs).toMatchObject({ url: 'postgres://postgres:***@127.0.0.1:49153/app', password: '***' })
    expect(shown.config).toMatchObject({ project: 'analytics', root: '/work/analytics' })
    expect(Object.keys(shown.config?.environments ?? {})).toEqual(['analytics'])
  })
})

describe('selectRedactedState', () => {
  it('masks outputs, env, failures and log lines; the store keeps the values', () => {
    const state = runningShop()
    const shown = selectRedactedState(state)
    const db = shown.services[serviceKey('shop', 'db')]
    expect(db?.outputs).toEqual({
      host: '127.0.0.1',
      pgPort: '49153',
      url: 'postgres://postgres:***@127.0.0.1:49153/app',
      user: 'postgres',
      password: '***',
    })
    expect(shown.services[serviceKey('shop', 'api')]?.failure).toEqual({
      cause: 'api exited with code 1: connect postgres://postgres:***@127.0.0.1:49153/app refused',
      fix: null,
      logTail: ['password *** rejected', 'ok'],
      blockedBy: null,
    })
    expect(shown.config?.environments.shop?.services.db?.env).toEqual({
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD: '***',
    })
    expect(JSON.stringify(shown)).not.toContain(PASSWORD)
    // The store is untouched: tests get their values from it.
    expect(state.services[serviceKey('shop', 'db')]?.outputs.password).toBe(PASSWORD)
  })

  it('redacts an unchanged part to the same object, so views redact on every change cheaply', () => {
    const state = runningShop()
    const first = selectRedactedState(state)
    const next = { ...state, session: { ...state.session, warnings: [] } }
    const second = selectRedactedState(next)
    expect(second.services).toBe(first.services)
    expect(second.config).toBe(first.config)
    expect(selectRedactor(next)).toBe(selectRedactor(state))
  })
})
