import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineEnvironment, type NormalizedContainerService, outputEnvName } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  findRedisServer,
  REDIS_OUTPUTS,
  redis,
  redisDatabaseUrl,
  redisStandIn,
  STAND_IN_CLI,
  STAND_IN_SERVER,
} from './index.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** The preset as hearth sees it: inside an environment, through validation. */
function normalized(service: ReturnType<typeof redis>): NormalizedContainerService {
  const result = validateConfig(
    { environments: [defineEnvironment({ name: 'cache', services: { redis: service } })] },
    { root: '/project', file: 'hearth.config.ts', defaultProject: 'shop' },
  )
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
  return result.config.environments.cache?.services.redis as NormalizedContainerService
}

/** Machine-specific paths as placeholders, for snapshots. */
function portable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value).replaceAll(process.execPath, '<node>').replaceAll(packageDir, '<package>/'),
  )
}

describe('redis()', () => {
  it('validates, with the image, port, readiness, outputs and reset a container needs', () => {
    const service = normalized(redis())
    expect(portable({ ...service, fallback: service.fallback !== null })).toMatchInlineSnapshot(`
      {
        "build": null,
        "command": {
          "argv": [
            "redis-server",
            "--save",
            "",
            "--appendonly",
            "no",
          ],
        },
        "dependsOn": [],
        "description": "Redis",
        "env": {},
        "environment": "cache",
        "fallback": true,
        "healthcheck": null,
        "image": "redis:7-alpine",
        "kind": "container",
        "name": "redis",
        "outputs": {
          "host": "{{host}}",
          "port": "{{ports.redis}}",
          "url": "redis://{{host}}:{{ports.redis}}",
        },
        "ports": [
          {
            "container": 6379,
            "env": null,
            "host": null,
            "name": "redis",
            "protocol": "tcp",
          },
        ],
        "pull": "missing",
        "readiness": {
          "intervalMs": 100,
          "port": "redis",
          "timeoutMs": 60000,
          "type": "redis",
        },
        "reset": {
          "command": {
            "argv": [
              "redis-cli",
              "-e",
              "FLUSHALL",
            ],
          },
          "timeoutMs": 30000,
          "type": "exec",
        },
        "secrets": [],
        "testEnv": {
          "REDIS_URL": "{{url}}",
        },
        "volumes": [],
        "watch": [],
      }
    `)
  })

  it('takes another image and pull policy', () => {
    const service = normalized(redis({ image: 'hearth-test/redis:7', pull: 'never' }))
    expect([service.image, service.pull]).toEqual(['hearth-test/redis:7', 'never'])
  })

  it('never readies on a bare TCP connect (Docker’s proxy accepts before Redis listens): it asks PING from the host', () => {
    const service = normalized(redis())
    expect(service.readiness).toMatchObject({ type: 'redis', port: 'redis' })
    // Where no engine answers, the process fallback is asked the same question.
    expect(service.fallback?.readiness).toMatchObject({ type: 'redis', port: 'redis' })
  })

  it('has no fallback with fallback: false', () => {
    expect(normalized(redis({ fallback: false })).fallback).toBeNull()
    expect(redis({ fallback: false })).not.toHaveProperty('fallback')
  })

  it('falls back to the stand-in where no Redis server is on PATH: Node running the shipped script, same outputs', () => {
    vi.stubEnv('PATH', '')
    const fallback = normalized(redis()).fallback
    vi.unstubAllEnvs()
    expect(portable(fallback)).toMatchInlineSnapshot(`
      {
        "command": {
          "argv": [
            "<node>",
            "<package>/bin/redis-stand-in.mjs",
          ],
        },
        "cwd": ".",
        "dependsOn": [],
        "description": "redis-stand-in (in memory, not Redis)",
        "env": {},
        "environment": "cache",
        "kind": "process",
        "name": "redis",
        "outputs": {
          "host": "{{host}}",
          "port": "{{ports.redis}}",
          "url": "redis://{{host}}:{{ports.redis}}",
        },
        "ports": [
          {
            "container": null,
            "env": "PORT",
            "host": null,
            "name": "redis",
            "protocol": "tcp",
          },
        ],
        "readiness": {
          "intervalMs": 100,
          "port": "redis",
          "timeoutMs": 60000,
          "type": "redis",
        },
        "reset": {
          "command": {
            "argv": [
              "<node>",
              "<package>/bin/redis-stand-in-cli.mjs",
              "-p",
              "{{ports.redis}}",
              "FLUSHALL",
            ],
          },
          "timeoutMs": 30000,
          "type": "exec",
        },
        "secrets": [],
        "stopTimeoutMs": 2000,
        "testEnv": {},
        "watch": [],
      }
    `)
  })

  it('gives the container and the stand-in the same outputs', () => {
    const service = normalized(redis())
    expect(service.fallback?.outputs).toEqual(service.outputs)
    expect(redisStandIn().outputs).toEqual(REDIS_OUTPUTS)
  })

  it('ships the scripts it points at, by absolute path', () => {
    for (const file of [STAND_IN_SERVER, STAND_IN_CLI]) {
      expect(path.isAbsolute(file)).toBe(true)
      expect(existsSync(file)).toBe(true)
    }
  })

  it('reaches tests as HEARTH_REDIS_URL, _HOST and _PORT', () => {
    expect(Object.keys(REDIS_OUTPUTS).map((output) => outputEnvName('redis', output))).toEqual([
      'HEARTH_REDIS_URL',
      'HEARTH_REDIS_HOST',
      'HEARTH_REDIS_PORT',
    ])
  })

  it('takes a fixed host port for suites that hard-code one, for the container and the stand-in', () => {
    const service = redis({ hostPort: 6390 })
    expect(normalized(service).ports).toEqual([
      { name: 'redis', container: 6379, host: 6390, protocol: 'tcp', env: null },
    ])
    expect(service.fallback?.kind === 'process' && service.fallback.ports).toEqual({
      redis: { env: 'PORT', host: 6390 },
    })
    // Without it, the engine and hearth pick free ports.
    expect(normalized(redis()).ports).toEqual([
      { name: 'redis', container: 6379, host: null, protocol: 'tcp', env: null },
    ])
  })

  it('maps outputs onto the names a project already uses, beside its testEnv', () => {
    expect(redis({ env: { REDIS_URI: 'url', CACHE_PORT: 'port' } }).testEnv).toEqual({
      REDIS_URL: '{{url}}',
      REDIS_URI: '{{url}}',
      CACHE_PORT: '{{port}}',
    })
    expect(redis({ testEnv: {}, env: { REDIS_URI: 'url' } }).testEnv).toEqual({ REDIS_URI: '{{url}}' })
    expect(() => redis({ env: { REDIS_URI: 'uri' as 'url' } })).toThrow(
      'redis({ env }): REDIS_URI maps to "uri", which is not an output of redis(): use one of url, host, port',
    )
  })

  describe('a Redis server on PATH', () => {
    const dirs: string[] = []
    afterEach(() => {
      vi.unstubAllEnvs()
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
    })
    /** A folder holding executables named `names`, each answering --version as a Redis server does. */
    const binDir = (...names: string[]) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-redis-path-'))
      dirs.push(dir)
      for (const name of names) {
        writeFileSync(
          path.join(dir, name),
          `#!/bin/sh\necho "${name === 'valkey-server' ? 'Valkey' : 'Redis'} server v=7.2.4 sha=00000000:0 malloc=libc bits=64"\n`,
        )
        chmodSync(path.join(dir, name), 0o755)
      }
      return dir
    }

    it('runs it rather than the stand-in, and says which: redis-server first, else valkey-server', () => {
      const both = binDir('valkey-server', 'redis-server')
      vi.stubEnv('PATH', `/nonexistent${path.delimiter}${both}`)
      const fallback = normalized(redis({ hostPort: 6390 })).fallback
      expect(fallback?.description).toBe(`redis-server 7.2.4 from PATH (${both}/redis-server)`)
      const command = fallback?.kind === 'process' ? fallback.command : null
      expect(command !== null && 'argv' in command ? command.argv.at(-1) : null).toContain(
        `'${both}/redis-server' --port "$PORT" --bind 127.0.0.1`,
      )
      expect(fallback?.ports).toEqual([
        { name: 'redis', container: null, host: 6390, env: 'PORT', protocol: 'tcp' },
      ])
      expect(fallback?.outputs).toEqual(REDIS_OUTPUTS)
      const valkey = binDir('valkey-server')
      vi.stubEnv('PATH', valkey)
      expect(findRedisServer()).toEqual({
        name: 'valkey-server',
        path: path.join(valkey, 'valkey-server'),
        version: '7.2.4',
      })
      expect(normalized(redis()).fallback?.description).toBe(
        `valkey-server 7.2.4 from PATH (${valkey}/valkey-server)`,
      )
    })

    it('finds none on an empty PATH or one without them', () => {
      vi.stubEnv('PATH', '')
      expect(findRedisServer()).toBeNull()
      expect(findRedisServer({ PATH: binDir('redis-cli') })).toBeNull()
    })
  })

  it('returns a fresh definition each call (a caller may edit it)', () => {
    const a = redis()
    a.description = 'mine'
    expect(redis().description).toBe('Redis')
  })
})

describe('redisDatabaseUrl', () => {
  it('names a database in the url path', () => {
    expect(redisDatabaseUrl('redis://127.0.0.1:6379', 3)).toBe('redis://127.0.0.1:6379/3')
    expect(redisDatabaseUrl('redis://127.0.0.1:6379/1', 15)).toBe('redis://127.0.0.1:6379/15')
  })

  it('refuses databases Redis does not have, and urls that are not Redis', () => {
    expect(() => redisDatabaseUrl('redis://127.0.0.1:6379', 16)).toThrow(
      'Redis has databases 0 to 15, not 16',
    )
    expect(() => redisDatabaseUrl('redis://127.0.0.1:6379', -1)).toThrow(RangeError)
    expect(() => redisDatabaseUrl('http://127.0.0.1:6379', 1)).toThrow('not a redis:// url')
  })
})
