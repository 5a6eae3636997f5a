import { describe, expect, it } from 'vitest'
import { isSecretName, secretNamesOf } from './secrets.js'
import { validateConfig } from './validate.js'

const validate = (services: Record<string, unknown>) => {
  const result = validateConfig(
    { environments: [{ name: 'env', services }] },
    { root: '/project', file: 'hearth.config.ts', defaultProject: 'p' },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  return result.config.environments.env?.services ?? {}
}

describe('isSecretName', () => {
  it.each([
    'PASSWORD',
    'POSTGRES_PASSWORD',
    'password',
    'MYSQL_ROOT_PASSWD',
    'GPG_PASSPHRASE',
    'CLIENT_SECRET',
    'GITHUB_TOKEN',
    'apiToken',
    'API_KEY',
    'stripeApiKey',
    'PRIVATE_KEY',
    'GOOGLE_APPLICATION_CREDENTIALS',
  ])('%s is secret', (name) => expect(isSecretName(name)).toBe(true))
  it.each(['url', 'host', 'PORT', 'DATABASE_URL', 'user', 'KEYSPACE', 'PASS_THROUGH'])('%s is not', (name) =>
    expect(isSecretName(name)).toBe(false),
  )
})

describe('secretNamesOf', () => {
  it('takes the listed names, the secret-sounding ones, and what uses a secret', () => {
    const service = {
      env: { PGPASSWORD: 'x', STRIPE: 'sk_live', API_URL: '{{api.url}}', DB: '{{db.dsn}}' },
      outputs: {
        dsn: 'postgres://u:{{env.PGPASSWORD}}@{{host}}/db',
        plain: '{{host}}',
        stripe: '{{env.STRIPE}}',
      },
      testEnv: { DSN: '{{dsn}}', HOST: '{{plain}}', STRIPE_KEY: '{{stripe}}' },
      secrets: ['STRIPE'],
    }
    const dependencies = (name: string) => (name === 'db' ? ['dsn'] : [])
    expect(secretNamesOf(service, dependencies)).toEqual([
      'DB',
      'DSN',
      'PGPASSWORD',
      'STRIPE',
      'STRIPE_KEY',
      'dsn',
      'stripe',
    ])
  })
})

describe('secrets in validation', () => {
  it('are normalized with what they reach: dependents’ env, fallbacks, test env', () => {
    const services = validate({
      db: {
        kind: 'container',
        image: 'postgres:16',
        ports: { pg: 5432 },
        env: { POSTGRES_PASSWORD: 'pw' },
        outputs: { url: 'postgres://postgres:pw@{{host}}:{{ports.pg}}/app', user: 'postgres' },
        testEnv: { DATABASE_URL: '{{url}}' },
        secrets: ['url'],
        fallback: {
          kind: 'process',
          command: 'pg',
          ports: { pg: {} },
          outputs: { url: 'postgres://postgres:pw@{{host}}:{{ports.pg}}/app', user: 'postgres' },
          secrets: ['url'],
        },
      },
      api: {
        kind: 'process',
        command: 'node api.js',
        dependsOn: ['db'],
        env: { DB: '{{db.url}}', WHO: '{{db.user}}' },
      },
    })
    expect(services.db?.secrets).toEqual(['DATABASE_URL', 'POSTGRES_PASSWORD', 'url'])
    expect(services.db?.kind === 'container' && services.db.fallback?.secrets).toEqual(['url'])
    expect(services.api?.secrets).toEqual(['DB'])
  })

  it('defaults to the secret-sounding names', () => {
    expect(
      validate({ api: { kind: 'process', command: 'x', env: { API_TOKEN: 't', PORT: '1' } } }).api?.secrets,
    ).toEqual(['API_TOKEN'])
  })

  it('refuses a name that is none of the service’s entries, with the closest one', () => {
    const result = validateConfig(
      {
        environments: [
          {
            name: 'env',
            services: {
              api: { kind: 'process', command: 'x', env: { API_TOKEN: 't' }, secrets: ['API_TOKN', 7] },
              job: { kind: 'job', command: 'x', secrets: ['X'] },
            },
          },
        ],
      },
      { root: '/project', file: 'hearth.config.ts', defaultProject: 'p' },
    )
    expect(result.ok ? [] : result.issues).toEqual([
      {
        file: 'hearth.config.ts',
        path: 'environments.env.services.api.secrets[1]',
        message: 'expected a string, got a number',
        fix: 'write it as a string: "7"',
      },
      {
        file: 'hearth.config.ts',
        path: 'environments.env.services.api.secrets[0]',
        message: '"API_TOKN" is none of this service\'s env, outputs or testEnv entries',
        fix: 'did you mean "API_TOKEN"?',
      },
      {
        file: 'hearth.config.ts',
        path: 'environments.env.services.job.secrets[0]',
        message: '"X" is none of this service\'s env, outputs or testEnv entries',
        fix: 'remove it: the service has no env, outputs or testEnv to mark',
      },
    ])
  })
})
