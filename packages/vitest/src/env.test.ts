import { describe, expect, it } from 'vitest'
import { allOutputs, MissingOutputError, output, outputs } from './env.js'
import { testEnvironment } from './test-environment.js'

const env = testEnvironment({
  db: { url: 'postgres://127.0.0.1:5433/app', port: '5433' },
  cache: { url: 'redis://x' },
})

function errorOf(read: () => unknown): MissingOutputError {
  try {
    read()
  } catch (error) {
    if (error instanceof MissingOutputError) return error
    throw error
  }
  throw new Error('expected a MissingOutputError')
}

describe('output', () => {
  it('reads HEARTH_<SERVICE>_<OUTPUT>', () => {
    expect(output('db', 'url', env)).toBe('postgres://127.0.0.1:5433/app')
    expect(output('db', 'url', { HEARTH_DB_URL: 'set by hand' })).toBe('set by hand')
  })

  it('falls back to HEARTH_OUTPUTS', () => {
    expect(output('db', 'port', { HEARTH_OUTPUTS: '{"db":{"port":"1"}}' })).toBe('1')
  })

  it('names the variable and the fix when nothing is set', () => {
    const error = errorOf(() => output('db', 'url', {}))
    expect(error.variable).toBe('HEARTH_DB_URL')
    expect(error.message).toBe(
      'hearth: HEARTH_DB_URL is not set, so this test cannot find output "url" of service "db". ' +
        'Run the tests through hearth (`hearth dev`, `hearth ci`), which starts the environment and sets it, ' +
        'or set HEARTH_DB_URL yourself when you run Vitest directly.',
    )
  })

  it('lists the services when the run has no such service', () => {
    expect(errorOf(() => output('dbb', 'url', env)).message).toBe(
      'hearth: this test run has no service "dbb" (HEARTH_DBB_URL is not set). Services: cache, db. ' +
        'Check the name, or add the service to the environment of this test group.',
    )
  })

  it("lists the service's outputs when it has no such output", () => {
    expect(errorOf(() => output('db', 'password', env)).message).toBe(
      'hearth: service "db" has no output "password" (HEARTH_DB_PASSWORD is not set). Its outputs: port, url. ' +
        'Read one of those, or declare "password" in the service\'s `outputs`.',
    )
  })

  it('reads process.env by default', () => {
    expect(() => output('nothing', 'here')).toThrow(MissingOutputError)
  })
})

describe('outputs', () => {
  it("returns a service's outputs, typed as asked", () => {
    const db = outputs<{ url: string; port: string }>('db', env)
    expect(db).toEqual({ url: 'postgres://127.0.0.1:5433/app', port: '5433' })
    expect(db.port).toBe('5433')
  })

  it('lets a variable set by hand win, as output() does', () => {
    expect(outputs('db', { ...env, HEARTH_DB_URL: 'elsewhere' }).url).toBe('elsewhere')
  })

  it('names HEARTH_OUTPUTS and the fix when it is not set', () => {
    const error = errorOf(() => outputs('db', {}))
    expect(error.variable).toBe('HEARTH_OUTPUTS')
    expect(error.message).toMatch(
      /^hearth: HEARTH_OUTPUTS is not set, so this test cannot list the outputs of service "db"\./,
    )
  })

  it('lists the services when the run has no such service', () => {
    expect(errorOf(() => outputs('queue', env)).message).toBe(
      'hearth: this test run has no service "queue". Services: cache, db. ' +
        'Check the name, or add the service to the environment of this test group.',
    )
  })

  it('refuses a HEARTH_OUTPUTS that is not services of string outputs', () => {
    for (const text of ['not json', '[]', '{"db":"x"}', '{"db":{"port":5433}}']) {
      expect(errorOf(() => outputs('db', { HEARTH_OUTPUTS: text })).message).toBe(
        'hearth: HEARTH_OUTPUTS is not a JSON object of services and their string outputs ({"db":{"url":"…"}}). ' +
          'Unset it, or fix its value.',
      )
    }
  })
})

describe('allOutputs', () => {
  it('returns every service, or nothing outside hearth', () => {
    expect(allOutputs(env)).toEqual({
      cache: { url: 'redis://x' },
      db: { port: '5433', url: 'postgres://127.0.0.1:5433/app' },
    })
    expect(allOutputs({})).toEqual({})
  })
})
