import { describe, expect, it } from 'vitest'
import { testEnvironment } from './test-environment.js'

describe('testEnvironment', () => {
  it('sets one variable per output, HEARTH_OUTPUTS with all of them, and the extra names', () => {
    expect(
      testEnvironment(
        {
          db: { url: 'postgres://127.0.0.1:5433/app', port: '5433' },
          api: { adminUrl: 'http://127.0.0.1:8081/admin' },
        },
        { DATABASE_URL: 'postgres://127.0.0.1:5433/app' },
      ),
    ).toEqual({
      HEARTH_API_ADMIN_URL: 'http://127.0.0.1:8081/admin',
      HEARTH_DB_PORT: '5433',
      HEARTH_DB_URL: 'postgres://127.0.0.1:5433/app',
      HEARTH_OUTPUTS:
        '{"api":{"adminUrl":"http://127.0.0.1:8081/admin"},"db":{"port":"5433","url":"postgres://127.0.0.1:5433/app"}}',
      DATABASE_URL: 'postgres://127.0.0.1:5433/app',
    })
  })

  it('gives the same HEARTH_OUTPUTS for the same outputs in any order', () => {
    const a = testEnvironment({ b: { y: '2', x: '1' }, a: { z: '3' } })
    const b = testEnvironment({ a: { z: '3' }, b: { x: '1', y: '2' } })
    expect(a.HEARTH_OUTPUTS).toBe(b.HEARTH_OUTPUTS)
  })

  it('has only HEARTH_OUTPUTS when there are no services', () => {
    expect(testEnvironment({})).toEqual({ HEARTH_OUTPUTS: '{}' })
  })

  it('refuses two outputs that map to one variable with different values', () => {
    expect(() => testEnvironment({ api: { adminUrl: 'a' }, api_admin: { url: 'b' } })).toThrow(
      'hearth: outputs api.adminUrl and api_admin.url are both HEARTH_API_ADMIN_URL, with different values. ' +
        'Rename one of the services or outputs.',
    )
    expect(testEnvironment({ api: { adminUrl: 'a' }, api_admin: { url: 'a' } }).HEARTH_API_ADMIN_URL).toBe(
      'a',
    )
  })

  it("refuses an extra variable that redefines one of hearth's", () => {
    expect(() => testEnvironment({ db: { url: 'a' } }, { HEARTH_DB_URL: 'b' })).toThrow(
      'hearth: the test env declares HEARTH_DB_URL, which hearth sets itself (output db.url). Give the variable another name.',
    )
    expect(() => testEnvironment({}, { HEARTH_OUTPUTS: '{}' })).toThrow(
      'hearth: the test env declares HEARTH_OUTPUTS, which hearth sets itself. Give the variable another name.',
    )
  })
})
