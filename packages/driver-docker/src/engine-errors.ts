import { DriverError } from '@hearth/driver'
import { type DockerEndpoint, describeEndpoint } from './docker-host.js'

/** What dockerode rejects with: a socket error (`code`), or an engine answer (`statusCode`, `json`). */
interface EngineErrorShape {
  code?: string
  statusCode?: number
  reason?: string
  json?: unknown
  message?: string
}

/** The HTTP status the engine answered with, or null for a connection-level failure. */
export function statusOf(error: unknown): number | null {
  const status = (error as EngineErrorShape | null)?.statusCode
  return typeof status === 'number' ? status : null
}

/** 404: the container, image, network or volume does not exist (any more). */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404
}

/** The engine's own words (`{"message": "..."}`), without dockerode's `(HTTP code 500) server error -` prefix. */
export function engineMessage(error: unknown): string {
  const shape = error as EngineErrorShape | null
  const json = shape?.json
  if (
    typeof json === 'object' &&
    json !== null &&
    typeof (json as { message?: unknown }).message === 'string'
  ) {
    return (json as { message: string }).message
  }
  if (typeof json === 'string' && json.trim() !== '') {
    try {
      const parsed = JSON.parse(json) as { message?: unknown }
      if (typeof parsed.message === 'string') return parsed.message
    } catch {
      return json.trim()
    }
  }
  if (Buffer.isBuffer(json)) return engineMessage({ ...shape, json: json.toString('utf8') })
  return (shape?.message ?? String(error)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()
}

export interface RuntimeFacts {
  endpoint: DockerEndpoint
  /** Whether Docker looks installed: the socket exists, or `docker`/`dockerd` is on PATH. */
  installed: boolean
}

/**
 * Why the engine did not answer, as a `DriverError` with the fix: not installed, not running,
 * no permission on the socket, unreachable host, or an engine that answered with an error. Pure:
 * the caller gathers the facts (`installed`), so every case is unit-tested.
 */
export function classifyEngineError(error: unknown, facts: RuntimeFacts): DriverError {
  const where = describeEndpoint(facts.endpoint)
  const code = (error as EngineErrorShape | null)?.code
  const isSocket = facts.endpoint.kind === 'unix'
  const startIt = isSocket
    ? 'start it: `sudo systemctl start docker` (without systemd: `sudo dockerd > /tmp/dockerd.log 2>&1 &`; Docker Desktop: open it), or point DOCKER_HOST at a running engine'
    : `start the engine on that host, or fix DOCKER_HOST (now ${where})`
  if (error instanceof DriverError) return error
  if ((code === 'ENOENT' || code === 'ECONNREFUSED') && isSocket && !facts.installed) {
    return new DriverError(
      'runtime-unavailable',
      'Docker is not installed',
      'install Docker Engine (Debian/Ubuntu: `sudo apt-get install docker.io`; elsewhere see https://docs.docker.com/engine/install/), then start it',
      { cause: error },
    )
  }
  switch (code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return new DriverError(
        'runtime-unavailable',
        `the Docker daemon is not running: nothing answers on ${where}`,
        startIt,
        { cause: error },
      )
    case 'EACCES':
    case 'EPERM':
      return new DriverError(
        'permission-denied',
        `permission denied on ${where}`,
        isSocket
          ? 'add yourself to the docker group: `sudo usermod -aG docker $USER`, then log out and in again (or run `newgrp docker`)'
          : 'check the permissions of the Docker host',
        { cause: error },
      )
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DriverError(
        'runtime-unavailable',
        `cannot reach the Docker engine at ${where} (${code})`,
        'check that the host is up and reachable, and that DOCKER_HOST is right',
        { cause: error },
      )
  }
  const status = statusOf(error)
  if (status !== null) {
    return new DriverError(
      'runtime-unavailable',
      `the Docker engine at ${where} answered HTTP ${status}: ${engineMessage(error)}`,
      'check the engine with `docker version` and `docker info`',
      { cause: error },
    )
  }
  return new DriverError(
    'runtime-unavailable',
    `the Docker engine at ${where} did not answer: ${(error as Error)?.message ?? String(error)}`,
    'check the engine with `docker version`; if it runs elsewhere, set DOCKER_HOST',
    { cause: error },
  )
}

/** A container could not start because its host port is taken. */
export function isPortConflict(error: unknown): boolean {
  return /port is already allocated|address already in use|bind for .* failed/i.test(engineMessage(error))
}

/** The image named in a create does not exist on the engine. */
export function isMissingImage(error: unknown): boolean {
  return statusOf(error) === 404 && /no such image/i.test(engineMessage(error))
}
