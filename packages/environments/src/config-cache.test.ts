import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { configCache } from './config-cache.js'
import { PLACE_DEPTH, snapshotConfig } from './config-snapshot.js'
import { defineConfig, ready, SOURCE_FILE } from './define.js'
import type { NormalizedConfig } from './types.js'
import { type ValidateOptions, validateSnapshot } from './validate.js'

const PASSWORD = 'pw-7c1e9a44-do-not-write'
const TOKEN = 'tok-52b0f3d1-do-not-write'

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A project folder with a node_modules (where the cache lives), and its config file's path. */
function project(): { file: string; options: ValidateOptions; cacheDir: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-config-cache-'))
  made.push(root)
  mkdirSync(path.join(root, 'node_modules'))
  return {
    file: path.join(root, 'hearth.config.ts'),
    options: { root, file: 'hearth.config.ts', defaultProject: 'shop' },
    cacheDir: path.join(root, 'node_modules/.cache/hearth'),
  }
}

/** A config using most of what a real one does: a container with secrets, a process, durations, a RegExp. */
function config(overrides: { port?: number; token?: string; file?: string } = {}) {
  const backend = {
    name: 'backend',
    services: {
      db: {
        kind: 'container' as const,
        image: 'postgres:16',
        env: { POSTGRES_PASSWORD: PASSWORD, POSTGRES_USER: 'app' },
        ports: { pg: 5432 },
        readiness: ready.postgres('pg', { user: 'app', database: 'app' }),
        outputs: { url: `postgres://app:${PASSWORD}@{{host}}:{{ports.pg}}/app` },
        reset: { type: 'exec' as const, command: ['psql', '-c', 'select 1'] },
      },
      api: {
        kind: 'process' as const,
        command: ['node', 'server.js'],
        dependsOn: ['db'],
        env: { API_TOKEN: overrides.token ?? TOKEN, DATABASE_URL: '{{db.url}}' },
        ports: { http: { host: overrides.port ?? 4000 } },
        readiness: ready.log(/listening on \d+/i, { timeoutMs: 30_000 }),
        watch: ['src/**/*.ts'],
      },
    },
  }
  if (overrides.file !== undefined)
    Object.defineProperty(backend, SOURCE_FILE, { value: overrides.file, enumerable: false })
  return defineConfig({
    environments: [backend],
    tests: [{ name: 'api', include: ['tests/**/*.test.ts'], environment: 'backend' }],
    idleTtl: '2h',
  })
}

function validated(input: unknown, options: ValidateOptions): NormalizedConfig {
  const result = validateSnapshot(snapshotConfig(input, PLACE_DEPTH), options)
  if (!result.ok) throw new Error(JSON.stringify(result.issues))
  return result.config
}

describe('the validated config, kept', () => {
  it('comes back exactly as validation gave it, from a snapshot of the same config', () => {
    const { file, options } = project()
    const cache = configCache(file, options, {}) ?? expect.unreachable('a cache')
    const fresh = validated(config(), options)
    expect(cache.look(snapshotConfig(config(), PLACE_DEPTH)).config).toBeNull()
    cache.look(snapshotConfig(config(), PLACE_DEPTH)).keep(fresh)

    const kept = configCache(file, options, {})?.look(snapshotConfig(config(), PLACE_DEPTH)).config
    expect(kept).toStrictEqual(fresh)
    // Prototypes, undefined fields, RegExps and all: what Node's strictest comparison says.
    expect(isDeepStrictEqual(kept, fresh)).toBe(true)
  })

  it('keeps what JSON alone would lose: undefined fields, -0, NaN, bare objects, RegExps, `__proto__` keys', () => {
    const { file, options } = project()
    const cache = configCache(file, options, {}) ?? expect.unreachable('a cache')
    const bare = Object.assign(Object.create(null), { a: 1 })
    const odd = JSON.parse('{"__proto__": {"polluted": true}}')
    const value = { missing: undefined, zero: -0, nan: Number.NaN, inf: -Infinity, bare, odd, re: /a+b/gi }
    cache.look(snapshotConfig(config(), PLACE_DEPTH)).keep(value as unknown as NormalizedConfig)
    const kept = cache.look(snapshotConfig(config(), PLACE_DEPTH)).config
    expect(isDeepStrictEqual(kept, value)).toBe(true)
    expect(Object.hasOwn(kept as object, 'missing')).toBe(true)
    expect(Object.getPrototypeOf((kept as unknown as typeof value).bare)).toBeNull()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('writes no value of the config in clear: secrets are kept as the place they are read from', () => {
    const { file, options, cacheDir } = project()
    const cache = configCache(file, options, {}) ?? expect.unreachable('a cache')
    cache.look(snapshotConfig(config(), PLACE_DEPTH)).keep(validated(config(), options))
    const [name] = readdirSync(cacheDir)
    const text = readFileSync(path.join(cacheDir, name as string), 'utf8')
    expect(text).toContain('"format":1')
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(TOKEN)
    // Its owner's alone.
    expect(statSync(path.join(cacheDir, name as string)).mode & 0o077).toBe(0)
  })

  it('is another config when any value or the file an environment was defined in changes', () => {
    const { file, options } = project()
    const cache = configCache(file, options, {}) ?? expect.unreachable('a cache')
    cache.look(snapshotConfig(config(), PLACE_DEPTH)).keep(validated(config(), options))
    expect(cache.look(snapshotConfig(config(), PLACE_DEPTH)).config).not.toBeNull()

    // A token read from the environment, changed: the new one, never the kept one.
    expect(cache.look(snapshotConfig(config({ token: 'tok-other' }), PLACE_DEPTH)).config).toBeNull()
    expect(cache.look(snapshotConfig(config({ port: 4001 }), PLACE_DEPTH)).config).toBeNull()
    expect(
      cache.look(snapshotConfig(config({ file: '/elsewhere/backend.ts' }), PLACE_DEPTH)).config,
    ).toBeNull()
    // Other options (the default project name comes from package.json) are another config too.
    const renamed = configCache(file, { ...options, defaultProject: 'shop2' }, {})
    expect(renamed?.look(snapshotConfig(config(), PLACE_DEPTH)).config).toBeNull()
  })

  it('a kept file cut short or edited by hand is no answer: the config is validated again', () => {
    const { file, options, cacheDir } = project()
    const cache = configCache(file, options, {}) ?? expect.unreachable('a cache')
    cache.look(snapshotConfig(config(), PLACE_DEPTH)).keep(validated(config(), options))
    const kept = path.join(cacheDir, readdirSync(cacheDir)[0] as string)
    const whole = readFileSync(kept, 'utf8')

    writeFileSync(kept, whole.slice(0, whole.length / 2))
    expect(cache.look(snapshotConfig(config(), PLACE_DEPTH)).config).toBeNull()
    // A place that is not in the snapshot (or holds no string there).
    writeFileSync(kept, whole.replace(/"p":\["environments",0,"services","db","image"\]/, '"p":["nowhere"]'))
    expect(whole).toContain('"p":["environments",0,"services","db","image"]')
    expect(cache.look(snapshotConfig(config(), PLACE_DEPTH)).config).toBeNull()

    cache.look(snapshotConfig(config(), PLACE_DEPTH)).keep(validated(config(), options))
    expect(cache.look(snapshotConfig(config(), PLACE_DEPTH)).config).not.toBeNull()
  })

  it('is off with HEARTH_CONFIG_CACHE=0, and where no node_modules is beside the config', () => {
    const { file, options } = project()
    expect(configCache(file, options, { HEARTH_CONFIG_CACHE: '0' })).toBeNull()
    rmSync(path.join(options.root, 'node_modules'), { recursive: true })
    expect(configCache(file, options, {})).toBeNull()
  })
})
