import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DriverError } from '@hearth/driver'

/**
 * Where the engine is, said the way Docker users say it (`DOCKER_HOST`), so that every message
 * names the socket or host hearth tried.
 */
export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; protocol: 'http' | 'https' }
  | { kind: 'ssh'; url: string }
  | { kind: 'npipe'; path: string }

/** How to reach the engine, when not from `DOCKER_HOST`. Either a socket, or a host and port. */
export interface DockerConnectionOptions {
  /** A unix socket, e.g. `/var/run/docker.sock`. */
  socketPath?: string
  host?: string
  port?: number
  protocol?: 'http' | 'https'
  /** TLS material for `https` (PEM). */
  ca?: string
  cert?: string
  key?: string
}

export type EndpointResolution = { ok: true; endpoint: DockerEndpoint } | { ok: false; error: DriverError }

const DEFAULT_SOCKET = '/var/run/docker.sock'

/**
 * The endpoint hearth talks to: the explicit options if any, else `DOCKER_HOST`, else the default
 * socket (Docker Desktop's per-user socket when it exists, as dockerode does). Pure apart from the
 * `exists` probe, which the tests replace. A `DOCKER_HOST` that Docker itself would refuse is an
 * error that says what a valid one looks like.
 */
export function resolveDockerEndpoint(
  options: DockerConnectionOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
  exists: (file: string) => boolean = existsSync,
): EndpointResolution {
  if (options?.socketPath !== undefined)
    return { ok: true, endpoint: { kind: 'unix', socketPath: options.socketPath } }
  if (options?.host !== undefined) {
    const protocol = options.protocol ?? 'http'
    return {
      ok: true,
      endpoint: {
        kind: 'tcp',
        host: options.host,
        port: options.port ?? (protocol === 'https' ? 2376 : 2375),
        protocol,
      },
    }
  }
  const value = env.DOCKER_HOST?.trim()
  if (value === undefined || value === '') {
    const userSocket = path.join(env.HOME ?? os.homedir(), '.docker', 'run', 'docker.sock')
    return {
      ok: true,
      endpoint: { kind: 'unix', socketPath: exists(userSocket) ? userSocket : DEFAULT_SOCKET },
    }
  }
  if (value.startsWith('unix://')) {
    return {
      ok: true,
      endpoint: { kind: 'unix', socketPath: value.slice('unix://'.length) || DEFAULT_SOCKET },
    }
  }
  if (value.startsWith('npipe://')) {
    return {
      ok: true,
      endpoint: { kind: 'npipe', path: value.slice('npipe://'.length) || '//./pipe/docker_engine' },
    }
  }
  // Docker reads a bare `host:port` as tcp, and so does dockerode.
  const spelled = value.includes('://') ? value : `tcp://${value}`
  let url: URL
  try {
    url = new URL(spelled)
  } catch {
    return { ok: false, error: invalidDockerHost(value) }
  }
  if (url.protocol === 'ssh:') {
    return url.hostname === ''
      ? { ok: false, error: invalidDockerHost(value) }
      : { ok: true, endpoint: { kind: 'ssh', url: value } }
  }
  if (
    !['tcp:', 'http:', 'https:'].includes(url.protocol) ||
    url.hostname === '' ||
    (url.pathname !== '' && url.pathname !== '/')
  ) {
    return { ok: false, error: invalidDockerHost(value) }
  }
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.protocol === 'https:' || url.port === '2376'
  const port = url.port === '' ? (tls ? 2376 : 2375) : Number(url.port)
  // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { ok: true, endpoint: { kind: 'tcp', host, port, protocol: tls ? 'https' : 'http' } }
}

/** `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2375`: the endpoint as `DOCKER_HOST` would spell it. */
export function describeEndpoint(endpoint: DockerEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`
    case 'tcp':
      return `tcp://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`
    case 'ssh':
      return endpoint.url
    case 'npipe':
      return `npipe://${endpoint.path}`
  }
}

function invalidDockerHost(value: string): DriverError {
  return new DriverError(
    'runtime-unavailable',
    `DOCKER_HOST=${value} is not a Docker host hearth can use`,
    'set DOCKER_HOST to unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST, or unset it to use /var/run/docker.sock',
  )
}
