import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { defineConfig, defineEnvironment, ready, ref, SOURCE_FILE, sourceFileOf } from './define.js'

const HERE = fileURLToPath(import.meta.url)

describe('ready', () => {
  it('builds each readiness check', () => {
    expect(ready.tcp('pg')).toEqual({ type: 'tcp', port: 'pg' })
    expect(ready.tcp('pg', { timeoutMs: 5000, intervalMs: 200 })).toEqual({
      type: 'tcp',
      port: 'pg',
      timeoutMs: 5000,
      intervalMs: 200,
    })
    expect(ready.http('http')).toEqual({ type: 'http', port: 'http', path: '/' })
    expect(ready.http('http', '/health', { status: [200, 204], timeoutMs: 1000 })).toEqual({
      type: 'http',
      port: 'http',
      path: '/health',
      status: [200, 204],
      timeoutMs: 1000,
    })
    expect(ready.log(/ready/i)).toEqual({ type: 'log', pattern: /ready/i })
    expect(ready.log('listening', { timeoutMs: 10 })).toEqual({
      type: 'log',
      pattern: 'listening',
      timeoutMs: 10,
    })
    expect(ready.command(['pg_isready'])).toEqual({ type: 'command', command: ['pg_isready'] })
    expect(ready.healthcheck()).toEqual({ type: 'healthcheck' })
    expect(ready.all(ready.tcp('pg'), ready.log(/ok/))).toEqual({
      type: 'all',
      checks: [
        { type: 'tcp', port: 'pg' },
        { type: 'log', pattern: /ok/ },
      ],
    })
  })
})

describe('ref', () => {
  it('writes a reference to a dependency output', () => {
    expect(ref('db', 'url')).toBe('{{db.url}}')
    expect(`postgres?x=${ref('db', 'host')}`).toBe('postgres?x={{db.host}}')
  })
})

describe('defineConfig', () => {
  it('returns the config itself', () => {
    const config = { environments: [] }
    expect(defineConfig(config)).toBe(config)
  })
})

describe('defineEnvironment', () => {
  it('returns the environment itself, marked with the file that called it', () => {
    const definition = { name: 'backend', services: {} }
    const environment = defineEnvironment(definition)
    expect(environment).toBe(definition)
    expect(sourceFileOf(environment)).toBe(HERE)
    expect((environment as { [SOURCE_FILE]?: string })[SOURCE_FILE]).toBe(HERE)
  })

  it('keeps the mark out of enumeration and JSON', () => {
    const environment = defineEnvironment({ name: 'backend', services: {} })
    expect(Object.keys(environment)).toEqual(['name', 'services'])
    expect(JSON.stringify(environment)).toBe('{"name":"backend","services":{}}')
  })

  it('uses a registered symbol, so two copies of this package agree', () => {
    expect(SOURCE_FILE).toBe(Symbol.for('hearth.sourceFile'))
  })

  it('keeps the first mark when an environment is defined twice', () => {
    const preset = { name: 'pg', services: {} }
    Object.defineProperty(preset, SOURCE_FILE, { value: '/presets/pg.ts', enumerable: false })
    expect(() => defineEnvironment(preset)).not.toThrow()
    expect(sourceFileOf(preset)).toBe('/presets/pg.ts')
    expect(sourceFileOf(defineEnvironment(defineEnvironment({ name: 'x', services: {} })))).toBe(HERE)
  })

  it('accepts a frozen environment, unmarked', () => {
    const frozen = Object.freeze({ name: 'backend', services: {} })
    expect(defineEnvironment(frozen)).toBe(frozen)
    expect(sourceFileOf(frozen)).toBeNull()
  })
})

describe('sourceFileOf', () => {
  it('gives null for values without a mark', () => {
    expect(sourceFileOf({ name: 'x' })).toBeNull()
    expect(sourceFileOf(null)).toBeNull()
    expect(sourceFileOf('x')).toBeNull()
    expect(sourceFileOf({ [SOURCE_FILE]: 42 })).toBeNull()
  })
})
