import { describe, expect, it } from 'vitest'
import { ConfigError, type ConfigIssue, formatIssues, isConfigError } from './issues.js'

const port: ConfigIssue = {
  file: 'environments/backend.ts',
  path: 'environments.backend.services.db.ports.pg',
  message: 'invalid port 70000: a port is a whole number from 1 to 65535',
  fix: 'use a port from 1 to 65535',
}
const dependency: ConfigIssue = {
  file: 'hearth.config.ts',
  path: 'tests[0].environment',
  message: 'unknown environment "backnd"',
  fix: 'did you mean "backend"?',
}

describe('formatIssues', () => {
  it('lists every issue with its place, message and fix', () => {
    expect(formatIssues([port, dependency])).toMatchInlineSnapshot(`
      "Invalid hearth configuration (2 problems):

        environments/backend.ts › environments.backend.services.db.ports.pg
          invalid port 70000: a port is a whole number from 1 to 65535
          fix: use a port from 1 to 65535

        hearth.config.ts › tests[0].environment
          unknown environment "backnd"
          fix: did you mean "backend"?"
    `)
  })

  it('counts one problem in the singular', () => {
    expect(formatIssues([dependency]).split('\n')[0]).toBe('Invalid hearth configuration (1 problem):')
  })
})

describe('ConfigError', () => {
  it('carries the issues, with the formatted text as its message', () => {
    const error = new ConfigError([port])
    expect(error.name).toBe('ConfigError')
    expect(error.issues).toEqual([port])
    expect(error.message).toBe(formatIssues([port]))
    expect(error).toBeInstanceOf(Error)
  })

  it('is recognised by isConfigError, also from another copy of the package', () => {
    expect(isConfigError(new ConfigError([port]))).toBe(true)
    const lookalike = Object.assign(new Error('x'), { name: 'ConfigError', issues: [port] })
    expect(isConfigError(lookalike)).toBe(true)
    expect(isConfigError(new Error('x'))).toBe(false)
    expect(isConfigError(Object.assign(new Error('x'), { name: 'ConfigError' }))).toBe(false)
    expect(isConfigError({ name: 'ConfigError', issues: [] })).toBe(false)
  })
})
