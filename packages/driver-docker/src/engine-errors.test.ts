import { DriverError } from '@hearth/driver'
import { describe, expect, it } from 'vitest'
import type { DockerEndpoint } from './docker-host.js'
import {
  classifyEngineError,
  engineMessage,
  isMissingImage,
  isNotFound,
  isPortConflict,
} from './engine-errors.js'

const socket: DockerEndpoint = { kind: 'unix', socketPath: '/var/run/docker.sock' }
const tcp: DockerEndpoint = { kind: 'tcp', host: '10.0.0.5', port: 2375, protocol: 'http' }

/** A socket error as Node raises it. */
function sys(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code, syscall: 'connect' })
}

/** An engine answer as dockerode rejects with it. */
function http(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
    statusCode,
    json: { message },
  })
}

function summary(error: DriverError): { code: string; message: string; fix: string } {
  return { code: error.code, message: error.message, fix: error.fix }
}

describe('classifyEngineError', () => {
  it('says Docker is not installed when there is no socket and no docker on PATH', () => {
    expect(summary(classifyEngineError(sys('ENOENT'), { endpoint: socket, installed: false }))).toEqual({
      code: 'runtime-unavailable',
      message: 'Docker is not installed',
      fix: 'install Docker Engine (Debian/Ubuntu: `sudo apt-get install docker.io`; elsewhere see https://docs.docker.com/engine/install/), then start it',
    })
  })

  it('says the daemon is not running, naming the socket, when Docker is installed', () => {
    for (const code of ['ENOENT', 'ECONNREFUSED']) {
      expect(summary(classifyEngineError(sys(code), { endpoint: socket, installed: true }))).toEqual({
        code: 'runtime-unavailable',
        message: 'the Docker daemon is not running: nothing answers on unix:///var/run/docker.sock',
        fix: 'start it: `sudo systemctl start docker` (without systemd: `sudo dockerd > /tmp/dockerd.log 2>&1 &`; Docker Desktop: open it), or point DOCKER_HOST at a running engine',
      })
    }
  })

  it('names the host when a TCP engine refuses', () => {
    expect(summary(classifyEngineError(sys('ECONNREFUSED'), { endpoint: tcp, installed: false }))).toEqual({
      code: 'runtime-unavailable',
      message: 'the Docker daemon is not running: nothing answers on tcp://10.0.0.5:2375',
      fix: 'start the engine on that host, or fix DOCKER_HOST (now tcp://10.0.0.5:2375)',
    })
    expect(summary(classifyEngineError(sys('EHOSTUNREACH'), { endpoint: tcp, installed: false }))).toEqual({
      code: 'runtime-unavailable',
      message: 'cannot reach the Docker engine at tcp://10.0.0.5:2375 (EHOSTUNREACH)',
      fix: 'check that the host is up and reachable, and that DOCKER_HOST is right',
    })
  })

  it('gives the docker-group fix for a socket without permission', () => {
    expect(summary(classifyEngineError(sys('EACCES'), { endpoint: socket, installed: true }))).toEqual({
      code: 'permission-denied',
      message: 'permission denied on unix:///var/run/docker.sock',
      fix: 'add yourself to the docker group: `sudo usermod -aG docker $USER`, then log out and in again (or run `newgrp docker`)',
    })
  })

  it('passes on what an engine that answered said', () => {
    expect(
      summary(
        classifyEngineError(http(500, 'client version 1.99 is too new'), {
          endpoint: socket,
          installed: true,
        }),
      ),
    ).toEqual({
      code: 'runtime-unavailable',
      message:
        'the Docker engine at unix:///var/run/docker.sock answered HTTP 500: client version 1.99 is too new',
      fix: 'check the engine with `docker version` and `docker info`',
    })
  })

  it('keeps a DriverError as it is', () => {
    const error = new DriverError('aborted', 'stopped', 'nothing')
    expect(classifyEngineError(error, { endpoint: socket, installed: true })).toBe(error)
  })
})

describe('engine answers', () => {
  it('reads the engine’s own message', () => {
    expect(engineMessage(http(404, 'No such image: x:1'))).toBe('No such image: x:1')
    expect(
      engineMessage(Object.assign(new Error('x'), { json: Buffer.from('{"message":"from a buffer"}') })),
    ).toBe('from a buffer')
    expect(engineMessage(new Error('(HTTP code 500) server error - plain words '))).toBe('plain words')
  })

  it('tells a missing resource, a missing image and a taken port apart', () => {
    expect(isNotFound(http(404, 'No such container: abc'))).toBe(true)
    expect(isNotFound(sys('ENOENT'))).toBe(false)
    expect(isMissingImage(http(404, 'No such image: hearth-test/x:1'))).toBe(true)
    expect(isMissingImage(http(404, 'No such container: abc'))).toBe(false)
    expect(
      isPortConflict(
        http(
          500,
          'driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:5432 failed: port is already allocated',
        ),
      ),
    ).toBe(true)
    expect(isPortConflict(http(500, 'listen tcp4 127.0.0.1:5432: bind: address already in use'))).toBe(true)
    expect(isPortConflict(http(500, 'OCI runtime create failed'))).toBe(false)
  })
})
