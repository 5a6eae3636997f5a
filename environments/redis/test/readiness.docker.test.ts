import path from 'node:path'
import { type Instance, LABELS } from '@hearth/driver'
import { probeUntilReady, specOf } from '@hearth/driver/testing'
import { DockerDriver } from '@hearth/driver-docker'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redis } from '../src/index.js'
import { docker, TEST_IMAGE } from './servers.js'
import { cacheProject } from './sessions.js'

/**
 * The preset's readiness (`ready.redis`, PING from the host through the published port) against
 * the real image while nothing listens inside yet: the container starts Redis two seconds late,
 * so Docker's port proxy accepts and hangs up. Not ready then; PONG after; a real PING right after.
 */
const projectId = `env-redis-probe-docker-${process.pid}`
const project = cacheProject(
  {
    ...redis({ image: TEST_IMAGE, fallback: false }),
    command: ['/bin/sh', '-c', 'echo waiting; sleep 2; exec redis-server /etc/redis/redis.conf'],
  },
  projectId,
)
const driver = new DockerDriver({ stateDir: path.join(project.config.root, '.hearth') })
let instance: Instance | null = null

afterAll(async () => {
  if (instance !== null) await driver.stop(instance, { timeoutMs: 10_000 })
  await driver.close()
  expect(
    docker('ps', '--all', '--filter', `label=${LABELS.projectId}=${projectId}`, '--format', '{{.Names}}'),
  ).toBe('')
  project.cleanup()
})

describe('ready.redis against hearth-test/redis:7 (Docker driver)', () => {
  it('is not ready while nothing listens behind the published port, then PONG, and a real PING answers right after', async () => {
    const spec = specOf(project.config, { environment: 'cache', service: 'redis' }, projectId)
    const check = spec.service.readiness
    expect(check).toMatchObject({ type: 'redis', port: 'redis' })
    if (check.type !== 'redis') throw new Error('the preset asks PING')
    instance = await driver.start(spec)
    const port = instance.ports.redis as number

    const controller = new AbortController()
    const limit = setTimeout(() => controller.abort(), 120_000)
    for await (const line of driver.logs(instance, { follow: true, signal: controller.signal })) {
      if (line.text === 'waiting') break
    }
    clearTimeout(limit)
    expect(await driver.probe(instance, check, { timeoutMs: 5_000 })).toEqual({
      ok: false,
      detail: `127.0.0.1:${port}: the connection was closed without an answer (nothing listens behind the port yet)`,
    })

    const { failures, detail } = await probeUntilReady(driver, instance, check)
    for (const failure of failures) expect(failure).toMatch(/closed without an answer/)
    expect(detail).toBe(`127.0.0.1:${port}: Redis answers PING with PONG`)
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 })
    client.on('error', () => undefined)
    try {
      await client.connect()
      expect(await client.ping()).toBe('PONG')
    } finally {
      client.disconnect()
    }
  })
})
