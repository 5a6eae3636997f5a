import { describe, expect, it } from 'vitest'
import { outputEnvName } from './names.js'

describe('outputEnvName', () => {
  const cases: [string, string, string][] = [
    ['api', 'adminUrl', 'HEARTH_API_ADMIN_URL'],
    ['api', 'url', 'HEARTH_API_URL'],
    ['db', 'host', 'HEARTH_DB_HOST'],
    ['db', 'pgPort', 'HEARTH_DB_PG_PORT'],
    ['my-api', 'url', 'HEARTH_MY_API_URL'],
    ['web2', 'http2Port', 'HEARTH_WEB2_HTTP2_PORT'],
    ['api', 'publicURL', 'HEARTH_API_PUBLIC_URL'],
    ['api', 'URLPrefix', 'HEARTH_API_URL_PREFIX'],
    ['api', 'httpsURLForAdmin', 'HEARTH_API_HTTPS_URL_FOR_ADMIN'],
    ['search', 'a--b', 'HEARTH_SEARCH_A_B'],
  ]
  it.each(cases)('%s + %s → %s', (service, output, name) => {
    expect(outputEnvName(service, output)).toBe(name)
  })
})
