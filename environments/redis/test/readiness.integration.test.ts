import path from 'node:path'
import type { Instance } from '@hearth/driver'
import { probeUntilReady, specOf } from '@hearth/driver/testing'
import { ProcessDriver } from '@hearth/driver-process'
import type { ProcessServiceDefinition } from '@hearth/environments'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { findRedisServer, redisLocal, redisStandIn } from '../src/index.js'
import { processesOf } from './servers.js'
import { cacheProject } from './sessions.js'

/**
 * `ready.redis` under the process driver, against real servers: Debian's `redis-server` from PATH
 * (CI installs it), with and without a password, and the shipped stand-in. No Docker.
 */
const server = findRedisServer()
const CHECK = { type: 'redis', port: 'redis', timeoutMs: 60_000, intervalMs: 100 } as const

/** PING through a real client, with the password if any. */
async function ping(port: number, password?: string): Promise<string> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, password })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return await client.ping()
  } finally {
    client.disconnect()
  }
}

// Real servers on a machine that may run at load 12: a limit for a hang, not a timing.
describe('ready.redis against real servers (process driver)', { timeout: 180_000 }, () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** Starts the service under a process driver of its own project; stopped and removed after the test. */
  async function start(
    service: ProcessServiceDefinition,
    name: string,
  ): Promise<{ driver: ProcessDriver; instance: Instance }> {
    const projectId = `env-redis-probe-${name}-${process.pid}`
    const project = cacheProject(service, projectId)
    const driver = new ProcessDriver({ stateDir: path.join(project.config.root, '.hearth') })
    const instance = await driver.start(
      specOf(project.config, { environment: 'cache', service: 'redis' }, projectId),
    )
    cleanups.push(async () => {
      await driver.stop(instance, { timeoutMs: 5_000 })
      expect(processesOf(projectId)).toEqual([])
      project.cleanup()
    })
    return { driver, instance }
  }

  it('redis-server from PATH: not ready until it listens, then PONG, and a real PING answers right after', async () => {
    // CI installs redis-server (.ci/run): a machine without it fails here rather than skip.
    expect(server?.path).toMatch(/redis-server$/)
    const local = redisLocal(server as NonNullable<typeof server>)
    expect(local.readiness).toMatchObject({ type: 'redis', port: 'redis' })
    const { driver, instance } = await start(local, 'local')
    const port = instance.ports.redis as number
    const { failures, detail } = await probeUntilReady(driver, instance, CHECK)
    for (const failure of failures) expect(failure).toBe(`127.0.0.1:${port}: connection refused`)
    expect(detail).toBe(`127.0.0.1:${port}: Redis answers PING with PONG`)
    expect(await ping(port)).toBe('PONG')
  })

  it('redis-server with a password: ready (it runs and answers), and says it wants a password', async () => {
    const quoted = `'${(server?.path ?? 'redis-server').replaceAll("'", `'\\''`)}'`
    const { driver, instance } = await start(
      {
        ...redisLocal(server as NonNullable<typeof server>),
        command: [
          '/bin/sh',
          '-c',
          `exec ${quoted} --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --requirepass s3cret`,
        ],
      },
      'auth',
    )
    const port = instance.ports.redis as number
    const { detail } = await probeUntilReady(driver, instance, CHECK)
    expect(detail).toBe(
      `127.0.0.1:${port}: Redis runs and answers, but wants a password first: NOAUTH Authentication required.`,
    )
    expect(await ping(port, 's3cret')).toBe('PONG')
  })

  it('the stand-in answers PING as Redis does, so its readiness is the same check', async () => {
    const standIn = redisStandIn()
    expect(standIn.readiness).toMatchObject({ type: 'redis', port: 'redis' })
    const { driver, instance } = await start(standIn, 'stand-in')
    const port = instance.ports.redis as number
    const { failures, detail } = await probeUntilReady(driver, instance, CHECK)
    for (const failure of failures) expect(failure).toBe(`127.0.0.1:${port}: connection refused`)
    expect(detail).toBe(`127.0.0.1:${port}: Redis answers PING with PONG`)
    expect(await ping(port)).toBe('PONG')
  })
})
