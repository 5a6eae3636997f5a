import { expect, it } from 'vitest'
import { classifyVariable, isIncidentalVariable } from './service-variables.js'

it.each([
  ['DATABASE_URL', 'postgres', 'url'],
  ['POSTGRES_URL', 'postgres', 'url'],
  ['PG_URL', 'postgres', 'url'],
  ['TEST_DATABASE_URL', 'postgres', 'url'],
  ['POSTGRES_PRISMA_URL', 'postgres', 'url'],
  ['PGHOST', 'postgres', 'host'],
  ['PGPORT', 'postgres', 'port'],
  ['POSTGRES_DB', 'postgres', 'database'],
  ['PGPASSWORD', 'postgres', 'password'],
  ['REDIS_URL', 'redis', 'url'],
  ['REDIS_URI', 'redis', 'url'],
  ['CACHE_URL', 'redis', 'url'],
  ['VALKEY_URL', 'redis', 'url'],
  ['SESSION_REDIS_URL', 'redis', 'url'],
  ['REDIS_PORT', 'redis', 'port'],
])('%s is the %s output %s', (name, kind, output) => {
  expect(classifyVariable(name)).toEqual({ name, kind, output })
})

it.each(['API_URL', 'MONGO_URL', 'HEARTH_DB_URL', 'DATABASE', 'REDIS_PASSWORD'])(
  '%s names no service',
  (name) => {
    expect(classifyVariable(name)).toBeNull()
  },
)

it('tells the runtime’s variables from a project’s', () => {
  expect(['NODE_ENV', 'CI', 'VITEST_POOL_ID', 'GITHUB_SHA', 'TZ'].filter(isIncidentalVariable)).toHaveLength(
    5,
  )
  expect(['API_URL', 'STRIPE_KEY'].filter(isIncidentalVariable)).toEqual([])
})
