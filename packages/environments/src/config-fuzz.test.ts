/**
 * A config fuzzer: valid configs shaped like the demo's (containers with fallbacks, processes, jobs,
 * ports, readiness, outputs, dependsOn, reset, test groups) are built, then mutated with wrong types
 * and hostile values (getters that throw, proxies, replaced prototypes, cycles, symbols, huge
 * strings, NaN, -0…), and go through `configFromModule`, what the CLI's loader runs once a config
 * file is imported. It must never crash: every config is either accepted and normalized into plain
 * data, or rejected with a `ConfigError` whose every problem has a place.
 *
 * Seeded and reproducible: `HEARTH_FUZZ_SEED=0x… vitest run config-fuzz` reruns a failure, which
 * fast-check has shrunk to a small recipe. Cases are recipes (plain data) that `materialize` turns
 * into hostile objects, so a failing case prints and shrinks like any other value.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ready } from './define.js'
import { isConfigError } from './issues.js'
import { computeSpecHash } from './spec-hash.js'
import type { NormalizedConfig } from './types.js'
import { configFromModule } from './validate.js'

const DEFAULT_SEED = 0x4ea7_1f2b
const CASES = 10_000
const OPTIONS = { root: '/work/shop', file: 'hearth.config.ts', defaultProject: 'shop' }

function seedFromEnvironment(): number {
  const text = process.env.HEARTH_FUZZ_SEED
  if (text === undefined || text === '') return DEFAULT_SEED
  const seed = Number(text)
  if (!Number.isSafeInteger(seed))
    throw new Error(`HEARTH_FUZZ_SEED=${text} is not an integer (e.g. 0x4ea71f2b)`)
  return seed
}

/** How to write the seed back into HEARTH_FUZZ_SEED (Number() reads hex, but not a negative one). */
const hex = (seed: number) => (seed >= 0 ? `0x${seed.toString(16)}` : String(seed))

// ── recipes ─────────────────────────────────────────────────────────────────────────────────────

interface ServiceRecipe {
  kind: 'container' | 'process' | 'job'
  /** Which optional fields the service has, one bit each. */
  bits: number
  /** Which earlier services of its environment it depends on, one bit each. */
  deps: number
}

const OPERATIONS = [
  'replace',
  'number',
  'string',
  'delete',
  'unknown-field',
  'rename',
  'getter',
  'proxy',
  'prototype',
  'cycle',
  'symbol-key',
  'freeze',
  'duplicate',
] as const

interface Mutation {
  operation: (typeof OPERATIONS)[number]
  /** The place it applies to, an index into the config's places (modulo their count). */
  at: number
  /** Which variant of the operation. */
  pick: number
}

interface Recipe {
  environments: ServiceRecipe[][]
  tests: number
  top: number
  mutations: Mutation[]
  /** How the module exports the config. */
  module: number
}

const serviceRecipe: fc.Arbitrary<ServiceRecipe> = fc.record({
  kind: fc.constantFrom('container', 'process', 'job'),
  bits: fc.nat(),
  deps: fc.nat(),
})

const recipe: fc.Arbitrary<Recipe> = fc.record({
  environments: fc.array(fc.array(serviceRecipe, { minLength: 1, maxLength: 6 }), { maxLength: 3 }),
  tests: fc.nat(3),
  top: fc.nat(),
  mutations: fc.array(
    fc.record({ operation: fc.constantFrom(...OPERATIONS), at: fc.nat(), pick: fc.nat() }),
    { maxLength: 3 },
  ),
  module: fc.nat(15),
})

// ── valid configs ───────────────────────────────────────────────────────────────────────────────

const SERVICE_NAMES = ['db', 'cache', 'migrate', 'api', 'worker', 'seed']
const ENVIRONMENT_NAMES = ['backend', 'frontend', 'tools']

type Json = Record<string, unknown>

function buildConfig(recipe: Recipe): Json {
  const environments = recipe.environments.map((services, envIndex) => {
    const built: Json = {}
    services.forEach((service, index) => {
      const name = SERVICE_NAMES[index] as string
      const deps = Object.keys(built).filter((_, i) => (service.deps >> i) & 1)
      built[name] = buildService(service, name, deps, 20_000 + envIndex * 1000 + index * 10)
    })
    const environment: Json = { name: ENVIRONMENT_NAMES[envIndex], services: built }
    if (recipe.top & 4) environment.description = 'services for the tests'
    return environment
  })
  const config: Json = { environments }
  if (recipe.top & 1) config.project = 'hearth-demo'
  if (recipe.top & 2) config.idleTtl = recipe.top & 8 ? '2h' : 3_600_000
  if (recipe.tests > 0) {
    config.tests = Array.from({ length: recipe.tests }, (_, i) => {
      const group: Json = { name: `group${i}`, include: [`tests/${i}/**/*.test.ts`] }
      if (environments.length > 0 && (recipe.top >> (4 + i)) & 1) {
        group.environment = ENVIRONMENT_NAMES[i % environments.length]
      }
      if ((recipe.top >> (8 + i)) & 1) group.triggers = ['fixtures/**', 'db/*.sql']
      return group
    })
  }
  return config
}

/** A valid service; `port` is the first of the fixed host ports it may take (unique per service). */
function buildService({ kind, bits }: ServiceRecipe, name: string, deps: string[], port: number): Json {
  const bit = (n: number) => ((bits >> n) & 1) === 1
  const service: Json = { kind }
  if (deps.length > 0) {
    service.dependsOn = deps
    service.env = Object.fromEntries(deps.map((dep) => [`${dep.toUpperCase()}_URL`, `{{${dep}.url}}`]))
  }
  if (bit(16)) service.description = `the ${name}`
  if (bit(15)) service.watch = [`apps/${name}/src/**`]
  if (bit(14)) service.testEnv = { [`${name.toUpperCase()}_URL`]: '{{url}}' }
  if (bit(12)) service.reset = bit(13) ? { type: 'restart' } : { type: 'exec', command: 'psql -c "truncate"' }
  if (kind === 'job') {
    service.command = bit(0) ? ['node', `${name}.js`] : `node ${name}.js`
    if (bit(1)) service.cwd = `apps/${name}`
    if (bit(2)) service.image = 'node:20-alpine'
    if (bit(3)) service.timeoutMs = 120_000
    service.outputs = { url: 'job://{{host}}' }
    if (service.reset !== undefined && bit(13)) delete service.reset
    return service
  }
  if (kind === 'process') {
    service.command = bit(0) ? ['node', 'server.js', '--port', '{{ports.http}}'] : 'node server.js'
    service.ports = { http: bit(1) ? { env: 'PORT', host: port } : { env: 'PORT' } }
    if (bit(3)) service.cwd = `apps/${name}/`
    if (bit(4)) service.readiness = ready.http('http', '/health', bit(7) ? { status: [200, 204] } : {})
    else if (bit(5))
      service.readiness = ready.all(ready.log(/ready/i), ready.tcp('http', { timeoutMs: 5000 }))
    if (bit(6)) service.stopTimeoutMs = 1000
    service.outputs = { url: 'http://{{host}}:{{ports.http}}' }
    return service
  }
  if (bit(0)) service.image = 'postgres:16-alpine'
  else
    service.build = bit(1)
      ? { context: `docker/${name}`, dockerfile: 'Dockerfile.dev' }
      : { context: `docker/${name}` }
  if (bit(2) && !bit(0)) (service.build as Json).args = { NODE: '20' }
  service.ports = bit(3)
    ? { pg: 5432 }
    : { pg: bit(4) ? { container: 5432, host: port } : { container: 5432, protocol: 'tcp' } }
  service.outputs = { url: 'postgres://{{host}}:{{ports.pg}}/app' }
  if (bit(5))
    service.healthcheck = bit(6) ? { command: ['pg_isready'], retries: 5 } : { command: 'pg_isready' }
  if (bit(7)) service.readiness = bit(8) ? ready.tcp('pg') : ready.command(['pg_isready'])
  if (bit(9)) service.volumes = ['data:/var/lib/postgresql/data']
  if (bit(10)) service.pull = 'always'
  if (bit(11)) {
    service.fallback = {
      kind: 'process',
      command: ['node', 'embedded-postgres.js'],
      ports: { pg: { env: 'PGPORT' } },
      outputs: { url: 'postgres://{{host}}:{{ports.pg}}/app' },
    }
  }
  return service
}

// ── hostile values ──────────────────────────────────────────────────────────────────────────────

const throwing = (what: string) => () => {
  throw new Error(`${what} threw`)
}

function withThrowingGetter(): Json {
  const value: Json = { kind: 'process' }
  Object.defineProperty(value, 'command', { enumerable: true, get: throwing('command getter') })
  return value
}

function cyclic(): Json {
  const value: Json = { kind: 'process', command: 'x' }
  value.env = value
  return value
}

function nested(depth: number): Json {
  const root: Json = {}
  let at = root
  for (let i = 0; i < depth; i++) {
    const next: Json = {}
    at.x = next
    at = next
  }
  return root
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

/** Every trap throws, including the prototype's: reading anything of it fails. */
const HOSTILE_PROTOTYPE = new Proxy(
  {},
  {
    get: throwing('prototype get'),
    has: throwing('prototype has'),
    getPrototypeOf: throwing('prototype getPrototypeOf'),
  },
)

const VALUES: (() => unknown)[] = [
  () => undefined,
  () => null,
  () => true,
  () => 10n,
  () => Symbol('fuzz'),
  () => () => 'a function',
  () => class Service {},
  () => /regexp/g,
  () => new Date(0),
  () => new Map([['kind', 'process']]),
  () => new Set(['db']),
  () => Promise.resolve({ environments: [] }),
  () => new Uint8Array(4),
  () => new Error('a value'),
  () => Object(5),
  () => [],
  () => ({}),
  () => [1, 'a', null, undefined],
  () => Object.create(null),
  () => Object.setPrototypeOf(['db', 'cache'], null),
  () => Object.setPrototypeOf({ kind: 'process', command: 'x' }, null),
  () => Object.setPrototypeOf([], HOSTILE_PROTOTYPE),
  withThrowingGetter,
  cyclic,
  () => nested(100),
  revoked,
  () => new Proxy({}, { ownKeys: throwing('ownKeys') }),
  () => new Proxy({ kind: 'job', command: 'x' }, { get: throwing('get') }),
  () => new Proxy({ a: 1 }, { getOwnPropertyDescriptor: throwing('getOwnPropertyDescriptor') }),
  () => new Proxy(['x'], { get: (target, key) => (key === 'length' ? 2 ** 40 : Reflect.get(target, key)) }),
  () => new Proxy(['x'], { get: (target, key) => (key === 'length' ? 'many' : Reflect.get(target, key)) }),
  () => Array.from({ length: 12_000 }, () => 'x'), // past the snapshot's budget of values
  () => new Array(3),
  () => {
    const regexp = /re/
    Object.defineProperty(regexp, Symbol.match, { get: throwing('Symbol.match') })
    return regexp
  },
]

const NUMBERS = [
  Number.NaN,
  -0,
  0,
  -1,
  1.5,
  70_000,
  65_536,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  1e300,
  99,
  600,
]

const STRINGS = [
  '',
  '   ',
  'x'.repeat(100_000),
  '{{',
  '}}',
  '{{ nope.url }}',
  '{{ports.nope}}',
  '{{env.NOPE}}',
  '{{api.url}}',
  '/absolute/path',
  '../outside',
  'src\\windows\\**',
  'src/*.{ts',
  'node server.js',
  'Backend',
  'host',
  '__proto__',
  'constructor',
  '2 hours',
  '0s',
  'a\u0000b\u0001c\u0002d',
  '8080',
  'listening (on',
  '\u{1F525}',
]

// ── mutations ───────────────────────────────────────────────────────────────────────────────────

interface Place {
  holder: Json | unknown[]
  key: string | number
  /** The value as built: reading it back from `holder` may run a getter an earlier mutation put there. */
  value: unknown
  ancestors: object[]
}

/** Every value of a freshly built config (plain data), with where it is held, in preorder. */
function placesOf(config: Json): Place[] {
  const places: Place[] = []
  const walk = (value: unknown, ancestors: object[]) => {
    if (typeof value !== 'object' || value === null || value instanceof RegExp) return
    const inside = [...ancestors, value]
    for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
      const member = (value as Json)[key as string]
      places.push({ holder: value as Json, key, value: member, ancestors: inside })
      walk(member, inside)
    }
  }
  walk(config, [])
  return places
}

function proxyOf(value: unknown, pick: number): unknown {
  const target = typeof value === 'object' && value !== null ? value : {}
  switch (pick % 6) {
    case 0:
      return new Proxy(target, {})
    case 1:
      return new Proxy(target, { get: throwing('get') })
    case 2:
      return new Proxy(target, { ownKeys: throwing('ownKeys') })
    case 3:
      return new Proxy(target, { getOwnPropertyDescriptor: throwing('getOwnPropertyDescriptor') })
    case 4:
      return new Proxy(target, { getPrototypeOf: throwing('getPrototypeOf'), has: throwing('has') })
    default:
      return revoked()
  }
}

function typo(key: string, pick: number): string {
  if (key.length < 2) return `${key}x`
  const at = pick % (key.length - 1)
  return key.slice(0, at) + key[at + 1] + key[at] + key.slice(at + 2)
}

function mutate(config: Json, places: readonly Place[], { operation, at, pick }: Mutation): void {
  const place = places[at % places.length]
  if (place === undefined) return
  const { holder, key, value, ancestors } = place
  const set = (next: unknown) => {
    ;(holder as Json)[key as string] = next
  }
  const isObject = typeof value === 'object' && value !== null
  switch (operation) {
    case 'replace':
      set((VALUES[pick % VALUES.length] as () => unknown)())
      return
    case 'number':
      set(NUMBERS[pick % NUMBERS.length])
      return
    case 'string':
      set(STRINGS[pick % STRINGS.length])
      return
    case 'delete':
      if (Array.isArray(holder)) holder.splice(key as number, 1)
      else delete holder[key as string]
      return
    case 'unknown-field':
      if (isObject && !Array.isArray(value)) {
        const keys = Object.keys(value)
        ;(value as Json)[keys.length > 0 ? typo(keys[pick % keys.length] as string, pick) : 'extra'] = pick
      }
      return
    case 'rename':
      if (!Array.isArray(holder) && typeof key === 'string') {
        delete holder[key]
        holder[typo(key, pick)] = value
      }
      return
    case 'getter':
      Object.defineProperty(holder, key, {
        enumerable: true,
        configurable: true,
        // Half of them give the value (a harmless getter), half throw.
        get: pick % 2 === 0 ? () => value : throwing(`getter of ${key}`),
      })
      return
    case 'proxy':
      set(proxyOf(value, pick))
      return
    case 'prototype':
      if (isObject)
        Object.setPrototypeOf(value, pick % 3 === 0 ? null : pick % 3 === 1 ? HOSTILE_PROTOTYPE : {})
      return
    case 'cycle':
      set(ancestors[pick % ancestors.length] ?? config)
      return
    case 'symbol-key':
      if (isObject) (value as Record<symbol, unknown>)[Symbol(`fuzz${pick}`)] = pick
      return
    case 'freeze':
      if (isObject) Object.freeze(value)
      return
    case 'duplicate':
      if (Array.isArray(holder)) holder.push(value)
      return
  }
}

/** The module a config file would be, exporting the config in one of the ways modules do. */
function moduleOf(config: unknown, variant: number): unknown {
  switch (variant) {
    case 0:
      return { default: { __esModule: true, default: config } }
    case 1:
      return Object.defineProperty({}, 'default', { enumerable: true, get: throwing('default export') })
    case 2:
      return {}
    case 3:
      return new Proxy({ default: config }, { get: throwing('namespace') })
    case 4:
      return { default: Object.defineProperty({ __esModule: true }, 'default', { get: throwing('default') }) }
    default:
      return { default: config }
  }
}

function materialize(recipe: Recipe): unknown {
  const config = buildConfig(recipe)
  const places = placesOf(config)
  for (const mutation of recipe.mutations) {
    try {
      mutate(config, places, mutation)
    } catch {
      // An earlier mutation froze the object or gave it a hostile prototype: this one does not apply.
    }
  }
  return moduleOf(config, recipe.module)
}

// ── the property ────────────────────────────────────────────────────────────────────────────────

/** A placeholder or any other control character in a problem would mean it was not written out. */
const CONTROL = /\p{Cc}/u
/** How zod's own English messages start: every problem must be in hearth's words instead. */
const ZOD_WORDS = /^(Invalid|Too (big|small)|Unrecognized)/

/** A normalized config is plain data, complete and hashable. */
function checkNormalized(config: NormalizedConfig): void {
  structuredClone(config) // throws on a function, a symbol or a proxy left in it
  for (const environment of Object.values(config.environments)) {
    const names = Object.keys(environment.services)
    if (environment.order.length !== names.length)
      throw new Error(`order ${environment.order} misses services`)
    for (const service of Object.values(environment.services)) {
      computeSpecHash(service)
      for (const dep of service.dependsOn) {
        if (!names.includes(dep)) throw new Error(`${service.name} depends on unknown ${dep}`)
      }
    }
  }
}

describe('config fuzzer', () => {
  it(`validates ${CASES} mutated configs without a crash`, { timeout: 120_000 }, () => {
    const seed = seedFromEnvironment()
    const counts = { rejected: 0, accepted: 0 }
    try {
      fc.assert(
        fc.property(recipe, (recipe) => {
          const namespace = materialize(recipe)
          let config: NormalizedConfig
          try {
            config = configFromModule(namespace, OPTIONS)
          } catch (error) {
            if (!isConfigError(error)) throw error
            if (error.issues.length === 0) throw new Error('a ConfigError without problems')
            for (const { file, path, message, fix } of error.issues) {
              if (file === '' || path === '' || message === '' || fix === '') {
                throw new Error(
                  `a problem without a place, message or fix: ${JSON.stringify({ file, path, message, fix })}`,
                )
              }
              if (CONTROL.test(path + message + fix) || ZOD_WORDS.test(message)) {
                throw new Error(
                  `a problem not written out in hearth's words: ${JSON.stringify({ path, message, fix })}`,
                )
              }
            }
            counts.rejected++
            return
          }
          checkNormalized(config)
          counts.accepted++
        }),
        { seed, numRuns: CASES },
      )
    } catch (error) {
      const cause = (error as Error).cause
      throw new Error(
        `config fuzzer: seed ${hex(seed)} failed; rerun with HEARTH_FUZZ_SEED=${hex(seed)}\n${(error as Error).message}\nThe case threw: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`,
        { cause },
      )
    }
    console.log(
      `config fuzzer: seed ${hex(seed)} · ${CASES} cases · 0 crashes · ${counts.rejected} rejected with a path · ${counts.accepted} accepted`,
    )
    expect(counts.rejected + counts.accepted).toBe(CASES)
  })
})
