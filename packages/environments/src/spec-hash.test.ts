import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ready } from './define.js'
import { formatIssues } from './issues.js'
import { computeSpecHash, hashValue, SPEC_FORMAT, stableStringify } from './spec-hash.js'
import type { NormalizedService } from './types.js'
import { validateConfig } from './validate.js'

/** Normalizes one service named `svc` (with a `db` it may depend on) under the given root. */
function normalized(service: Record<string, unknown>, root = path.resolve('/work/shop')): NormalizedService {
  const db = {
    kind: 'container',
    image: 'postgres:16-alpine',
    ports: { pg: 5432 },
    outputs: { url: 'pg://{{host}}' },
  }
  const result = validateConfig(
    { environments: [{ name: 'backend', services: { db, svc: service } }] },
    { root, file: 'hearth.config.ts', defaultProject: 'shop' },
  )
  if (!result.ok) throw new Error(formatIssues(result.issues))
  const svc = result.config.environments.backend?.services.svc
  if (svc === undefined) throw new Error('no service')
  return svc
}

const api = {
  kind: 'process',
  command: ['node', 'server.js'],
  cwd: 'apps/api',
  dependsOn: ['db'],
  env: { DATABASE_URL: '{{db.url}}', LOG_LEVEL: 'info' },
  ports: { http: { env: 'PORT' } },
  readiness: ready.http('http', '/health'),
  description: 'the API',
  outputs: { url: 'http://{{host}}:{{ports.http}}' },
  watch: ['apps/api/src/**'],
  reset: { type: 'restart' },
}

const web = {
  kind: 'container',
  build: { context: 'docker/web', args: { NODE: '20' } },
  ports: { http: 80 },
}

describe('stableStringify', () => {
  it('sorts keys at every depth', () => {
    const a = { b: 1, a: { d: [{ y: 1, x: 2 }], c: 'x' } }
    const b = { a: { c: 'x', d: [{ x: 2, y: 1 }] }, b: 1 }
    expect(stableStringify(a)).toBe('{"a":{"c":"x","d":[{"x":2,"y":1}]},"b":1}')
    expect(stableStringify(b)).toBe(stableStringify(a))
  })

  it('keeps array order, which is meaningful', () => {
    expect(stableStringify(['b', 'a'])).toBe('["b","a"]')
  })

  it('drops undefined members, writes undefined array items as null, RegExps as source and flags', () => {
    expect(stableStringify({ a: undefined, b: [undefined, 1], c: /x+/gi, d: null })).toBe(
      '{"b":[null,1],"c":{"flags":"gi","source":"x+"},"d":null}',
    )
    // The same text as the normalized form of a log pattern.
    expect(stableStringify(/x+/gi)).toBe(stableStringify({ source: 'x+', flags: 'gi' }))
  })

  it('writes bigints as strings and a top-level undefined as null', () => {
    expect(stableStringify({ n: 10n })).toBe('{"n":"10"}')
    expect(stableStringify(undefined)).toBe('null')
  })
})

describe('hashValue', () => {
  it('is 16 hex digits of sha256 over the stable text', () => {
    // sha256('{"a":1}') starts with 015abd7f5cc57a2d.
    expect(hashValue({ a: 1 })).toBe('015abd7f5cc57a2d')
    expect(hashValue({ a: 1 })).toMatch(/^[0-9a-f]{16}$/)
  })
})

describe('computeSpecHash', () => {
  it('is pinned for a fixed input, so a change of hashing format is caught', () => {
    // If this changes on purpose, bump SPEC_FORMAT (running instances will be replaced) and re-pin.
    expect(SPEC_FORMAT).toBe(1)
    expect(computeSpecHash(normalized(api))).toBe('22d45cde7b1490ca')
    expect(computeSpecHash(normalized(web), { image: 'sha256:0123' })).toBe('cc290d83a1bba44f')
  })

  it('hashes the format, the behaviour fields of the service and the resolved inputs, nothing else', () => {
    const behaviour = {
      name: 'svc',
      environment: 'backend',
      kind: 'process',
      dependsOn: ['db'],
      env: { DATABASE_URL: '{{db.url}}', LOG_LEVEL: 'info' },
      readiness: {
        type: 'http',
        port: 'http',
        path: '/health',
        status: null,
        timeoutMs: 60_000,
        intervalMs: 1000,
      },
      ports: [{ name: 'http', container: null, host: null, protocol: 'tcp', env: 'PORT' }],
      command: { argv: ['node', 'server.js'] },
      cwd: 'apps/api',
      stopTimeoutMs: 5000,
    }
    expect(computeSpecHash(normalized(api))).toBe(hashValue({ format: 1, service: behaviour, resolved: {} }))
  })

  it('does not depend on the order keys were written in, at any depth', () => {
    const reordered = {
      watch: api.watch,
      reset: api.reset,
      readiness: { path: '/health', port: 'http', type: 'http' },
      ports: api.ports,
      outputs: api.outputs,
      env: { LOG_LEVEL: 'info', DATABASE_URL: '{{db.url}}' },
      description: api.description,
      dependsOn: api.dependsOn,
      cwd: api.cwd,
      command: api.command,
      kind: api.kind,
    }
    expect(computeSpecHash(normalized(reordered))).toBe(computeSpecHash(normalized(api)))
    expect(
      computeSpecHash(normalized(api), {
        dependencies: { db: 'aaaa', cache: 'bbbb' },
        image: 'x',
      }),
    ).toBe(
      computeSpecHash(normalized(api), {
        image: 'x',
        dependencies: { cache: 'bbbb', db: 'aaaa' },
      }),
    )
  })

  it('is the same under two project roots: no absolute path is hashed', () => {
    const here = normalized(api, path.resolve('/home/ada/shop'))
    const there = normalized(api, path.resolve('/ci/workspace/checkout'))
    expect(here.kind === 'process' && here.cwd).toBe('apps/api')
    expect(computeSpecHash(here)).toBe(computeSpecHash(there))
    expect(computeSpecHash(normalized(web, path.resolve('/a')))).toBe(
      computeSpecHash(normalized(web, path.resolve('/b/c'))),
    )
  })

  const changes: { name: string; change: Record<string, unknown> }[] = [
    { name: 'command', change: { command: ['node', 'main.js'] } },
    { name: 'command form (argv vs shell)', change: { command: 'node server.js' } },
    { name: 'an env value', change: { env: { ...api.env, LOG_LEVEL: 'debug' } } },
    { name: 'a new env variable', change: { env: { ...api.env, TZ: 'UTC' } } },
    { name: 'port env', change: { ports: { http: { env: 'HTTP_PORT' } } } },
    { name: 'a fixed host port', change: { ports: { http: { env: 'PORT', host: 8080 } } } },
    { name: 'readiness path', change: { readiness: ready.http('http', '/ready') } },
    { name: 'readiness type', change: { readiness: ready.tcp('http') } },
    { name: 'readiness timing', change: { readiness: ready.http('http', '/health', { timeoutMs: 5000 }) } },
    { name: 'cwd', change: { cwd: 'apps' } },
    { name: 'stop timeout', change: { stopTimeoutMs: 100 } },
  ]
  it.each(changes)('changes when the $name changes', ({ change }) => {
    expect(computeSpecHash(normalized({ ...api, ...change }))).not.toBe(computeSpecHash(normalized(api)))
  })

  it('changes with the image, the container ports and the resolved inputs', () => {
    const pg = { kind: 'container', image: 'postgres:16-alpine', ports: { pg: 5432 } }
    const base = computeSpecHash(normalized(pg))
    expect(computeSpecHash(normalized({ ...pg, image: 'postgres:17-alpine' }))).not.toBe(base)
    expect(computeSpecHash(normalized({ ...pg, ports: { pg: 5433 } }))).not.toBe(base)
    expect(
      computeSpecHash(normalized({ ...pg, ports: { pg: { container: 5432, protocol: 'udp' } } })),
    ).not.toBe(base)
    expect(computeSpecHash(normalized(pg), { image: 'sha256:aaaa' })).not.toBe(
      computeSpecHash(normalized(pg), { image: 'sha256:bbbb' }),
    )
    expect(computeSpecHash(normalized(api), { dependencies: { db: 'one' } })).not.toBe(
      computeSpecHash(normalized(api), { dependencies: { db: 'two' } }),
    )
  })

  const irrelevant: { name: string; change: Record<string, unknown> }[] = [
    { name: 'description', change: { description: 'something else' } },
    {
      name: 'outputs',
      change: { outputs: { url: 'http://{{host}}:{{ports.http}}/v2', adminUrl: 'http://{{host}}' } },
    },
    { name: 'watch globs', change: { watch: ['apps/**'] } },
    { name: 'reset', change: { reset: { type: 'exec', command: 'curl -X POST /reset' } } },
  ]
  it.each(irrelevant)('does not change when the $name changes', ({ change }) => {
    expect(computeSpecHash(normalized({ ...api, ...change }))).toBe(computeSpecHash(normalized(api)))
  })

  it('is the same with no resolved inputs and with empty ones', () => {
    expect(computeSpecHash(normalized(api), {})).toBe(computeSpecHash(normalized(api)))
    expect(computeSpecHash(normalized(api), { image: undefined })).toBe(computeSpecHash(normalized(api)))
  })
})
