import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  defineEnvironment,
  type NormalizedContainerService,
  outputEnvName,
  validateConfig,
} from '@hearth/environments'
import { describe, expect, it } from 'vitest'
import {
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
          "command": {
            "shell": "reply=$(redis-cli ping 2>&1); [ "$reply" = PONG ] || { echo "$reply"; exit 1; }",
          },
          "intervalMs": 1000,
          "timeoutMs": 60000,
          "type": "command",
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

  it('never readies on a bare TCP connect (Docker’s proxy accepts before Redis listens)', () => {
    expect(normalized(redis()).readiness.type).toBe('command')
  })

  it('has no fallback with fallback: false', () => {
    expect(normalized(redis({ fallback: false })).fallback).toBeNull()
    expect(redis({ fallback: false })).not.toHaveProperty('fallback')
  })

  it('falls back to the stand-in: Node running the shipped script on an allocated port, same outputs', () => {
    const fallback = normalized(redis()).fallback
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
        "description": "redis-stand-in: an in-memory stand-in for Redis (not Redis)",
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
          "intervalMs": 1000,
          "pattern": {
            "flags": "",
            "source": "^redis-stand-in: ready to accept connections",
          },
          "timeoutMs": 60000,
          "type": "log",
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
