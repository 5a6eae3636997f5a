import { describe, expect, it } from 'vitest'
import { code, literal, quote, renderConfigSource, variableName } from './source.js'

describe('quote', () => {
  it('single-quotes, and double-quotes a text holding only the other quote', () => {
    expect(quote('postgres:16')).toBe("'postgres:16'")
    expect(quote("it's")).toBe(`"it's"`)
    expect(quote(`say "it's"`)).toBe(`'say "it\\'s"'`)
    expect(quote('a\\b\nc\td')).toBe("'a\\\\b\\nc\\td'")
  })

  it('prints what it quotes back as the same string', () => {
    for (const text of ["it's", 'a"b', `both ' and "`, 'back\\slash', 'line\nbreak', '\u2028', '$' + '{x}'])
      expect(new Function(`return ${quote(text)}`)()).toBe(text)
  })
})

describe('variableName', () => {
  it('turns names into readable identifiers, never a reserved word or a taken name', () => {
    expect(variableName('backend')).toBe('backend')
    expect(variableName('my-db')).toBe('myDb')
    expect(variableName('2fa')).toBe('env2fa')
    expect(variableName('default')).toBe('defaultEnvironment')
    expect(variableName('defineConfig')).toBe('defineConfigEnvironment')
    expect(variableName('backend', new Set(['backend', 'backend2']))).toBe('backend3')
    expect(variableName('---')).toBe('env')
  })
})

describe('literal', () => {
  it('prints a value on one line when it fits, else one entry a line', () => {
    expect(literal({ kind: 'container', ports: { http: 8080 }, dependsOn: ['db'] })).toBe(
      "{ kind: 'container', ports: { http: 8080 }, dependsOn: ['db'] }",
    )
    expect(literal({ env: { LONG: 'x'.repeat(90), SHORT: 'y' } })).toBe(
      `{\n  env: {\n    LONG: '${'x'.repeat(90)}',\n    SHORT: 'y',\n  },\n}`,
    )
  })

  it('quotes keys that are not identifiers, leaves out undefined entries and prints code as it is', () => {
    expect(literal({ 'my-key': 1, skipped: undefined, db: code('postgres()') })).toBe(
      "{ 'my-key': 1, db: postgres() }",
    )
    expect(literal([])).toBe('[]')
    expect(literal({})).toBe('{}')
    expect(literal({ pattern: /ready/i, off: null, on: true })).toBe(
      '{ pattern: /ready/i, off: null, on: true }',
    )
  })
})

describe('renderConfigSource', () => {
  it('prints a whole config: header, imports with hearth last, one constant per environment', () => {
    const text = renderConfigSource({
      header: ['Written by hearth init from docker-compose.yml.'],
      imports: { '@hearth/env-postgres': ['postgres'] },
      environments: [
        {
          variable: 'backend',
          comment: ['The services of docker-compose.yml.'],
          definition: {
            name: 'backend',
            services: { db: code("postgres({ env: { DATABASE_URL: 'url' } })") },
          },
        },
      ],
      config: {
        project: 'shop',
        tests: [{ name: 'api', include: ['packages/api/test/**/*.test.ts'], environment: 'backend' }],
      },
    })
    expect(text).toBe(`// Written by hearth init from docker-compose.yml.

import { postgres } from '@hearth/env-postgres'
import { defineConfig, defineEnvironment } from 'hearth'

/** The services of docker-compose.yml. */
const backend = defineEnvironment({
  name: 'backend',
  services: { db: postgres({ env: { DATABASE_URL: 'url' } }) },
})

export default defineConfig({
  project: 'shop',
  environments: [backend],
  tests: [{ name: 'api', include: ['packages/api/test/**/*.test.ts'], environment: 'backend' }],
})
`)
  })

  it('never names an environment after something the file imports', () => {
    const text = renderConfigSource({
      imports: { '@hearth/env-postgres': ['postgres'] },
      environments: [
        { variable: 'postgres', definition: { name: 'postgres', services: { db: code('postgres()') } } },
      ],
      config: {},
    })
    expect(text).toContain('const postgresEnvironment = defineEnvironment(')
    expect(text).toContain('environments: [postgresEnvironment]')
  })

  it('keeps comments closed whatever they quote', () => {
    const text = renderConfigSource({
      header: ['from a */ file\nwith two lines'],
      environments: [
        {
          variable: 'jobs',
          comment: ['globs like src/**/*.ts', '*/'],
          definition: { name: 'jobs', services: {} },
        },
      ],
      config: {},
    })
    expect(text).toContain('// from a */ file with two lines')
    expect(text).toContain(' * globs like src/**\\/*.ts')
    expect(text).not.toMatch(/\*\/\*\//)
  })

  it('imports defineEnvironment only when there is an environment', () => {
    const text = renderConfigSource({
      environments: [],
      config: { tests: [{ name: 'unit', include: ['**/*.test.ts'] }] },
    })
    expect(text).toContain("import { defineConfig } from 'hearth'")
    expect(text).toContain('environments: [],')
  })
})
