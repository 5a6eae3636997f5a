import { describe, expect, it } from 'vitest'
import { describeEndpoint, resolveDockerEndpoint } from './docker-host.js'

const nothingExists = (): boolean => false

function resolve(dockerHost: string | undefined, extra: Record<string, string> = {}) {
  return resolveDockerEndpoint(
    undefined,
    { HOME: '/home/dev', DOCKER_HOST: dockerHost, ...extra },
    nothingExists,
  )
}

describe('resolveDockerEndpoint', () => {
  it('uses the system socket without DOCKER_HOST, or Docker Desktop’s per-user one when it exists', () => {
    expect(resolve(undefined)).toEqual({
      ok: true,
      endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock' },
    })
    expect(resolve('')).toEqual({ ok: true, endpoint: { kind: 'unix', socketPath: '/var/run/docker.sock' } })
    const desktop = resolveDockerEndpoint(
      undefined,
      { HOME: '/home/dev' },
      (file) => file === '/home/dev/.docker/run/docker.sock',
    )
    expect(desktop).toEqual({
      ok: true,
      endpoint: { kind: 'unix', socketPath: '/home/dev/.docker/run/docker.sock' },
    })
  })

  it('reads the forms of DOCKER_HOST that Docker accepts', () => {
    expect(resolve('unix:///run/user/1000/docker.sock')).toEqual({
      ok: true,
      endpoint: { kind: 'unix', socketPath: '/run/user/1000/docker.sock' },
    })
    expect(resolve('tcp://127.0.0.1:23750')).toEqual({
      ok: true,
      endpoint: { kind: 'tcp', host: '127.0.0.1', port: 23750, protocol: 'http' },
    })
    expect(resolve('docker.internal:2375')).toEqual({
      ok: true,
      endpoint: { kind: 'tcp', host: 'docker.internal', port: 2375, protocol: 'http' },
    })
    expect(resolve('tcp://builder')).toEqual({
      ok: true,
      endpoint: { kind: 'tcp', host: 'builder', port: 2375, protocol: 'http' },
    })
    expect(resolve('tcp://[::1]:2375')).toEqual({
      ok: true,
      endpoint: { kind: 'tcp', host: '::1', port: 2375, protocol: 'http' },
    })
    expect(resolve('ssh://dev@builder')).toEqual({
      ok: true,
      endpoint: { kind: 'ssh', url: 'ssh://dev@builder' },
    })
  })

  it('speaks TLS on 2376 or with DOCKER_TLS_VERIFY=1, as Docker does', () => {
    expect(resolve('tcp://builder:2376')).toMatchObject({ endpoint: { port: 2376, protocol: 'https' } })
    expect(resolve('tcp://builder', { DOCKER_TLS_VERIFY: '1' })).toMatchObject({
      endpoint: { port: 2376, protocol: 'https' },
    })
  })

  it('refuses a DOCKER_HOST Docker would refuse, saying what a valid one looks like', () => {
    for (const value of [
      'tcp://',
      'ftp://builder:21',
      'tcp://builder:2375/path',
      'tcp://bad host',
      'ssh://',
    ]) {
      const result = resolve(value)
      expect(result.ok, value).toBe(false)
      if (result.ok) continue
      expect(result.error).toMatchObject({
        code: 'runtime-unavailable',
        message: `DOCKER_HOST=${value} is not a Docker host hearth can use`,
        fix: 'set DOCKER_HOST to unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST, or unset it to use /var/run/docker.sock',
      })
    }
  })

  it('prefers explicit options to the environment', () => {
    expect(resolveDockerEndpoint({ socketPath: '/tmp/d.sock' }, { DOCKER_HOST: 'tcp://x:1' })).toEqual({
      ok: true,
      endpoint: { kind: 'unix', socketPath: '/tmp/d.sock' },
    })
    expect(resolveDockerEndpoint({ host: 'builder', port: 2380 }, { DOCKER_HOST: 'not a host' })).toEqual({
      ok: true,
      endpoint: { kind: 'tcp', host: 'builder', port: 2380, protocol: 'http' },
    })
  })
})

describe('describeEndpoint', () => {
  it('spells an endpoint as DOCKER_HOST would', () => {
    expect(describeEndpoint({ kind: 'unix', socketPath: '/var/run/docker.sock' })).toBe(
      'unix:///var/run/docker.sock',
    )
    expect(describeEndpoint({ kind: 'tcp', host: '127.0.0.1', port: 2375, protocol: 'http' })).toBe(
      'tcp://127.0.0.1:2375',
    )
    expect(describeEndpoint({ kind: 'tcp', host: '::1', port: 2375, protocol: 'http' })).toBe(
      'tcp://[::1]:2375',
    )
    expect(describeEndpoint({ kind: 'ssh', url: 'ssh://dev@builder' })).toBe('ssh://dev@builder')
  })
})
