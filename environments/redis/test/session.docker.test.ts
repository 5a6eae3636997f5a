import { LABELS } from '@hearth/driver'
import { DockerDriver } from '@hearth/driver-docker'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redis } from '../src/index.js'
import { docker, TEST_IMAGE } from './servers.js'
import { cacheProject, openSession, redisService, timed } from './sessions.js'

/**
 * The preset through hearth's core, on a real engine, as `hearth up` runs it: the DockerDriver for
 * the container and the ProcessDriver beside it. The image is the offline test image.
 */
const project = cacheProject(redis({ image: TEST_IMAGE }), `env-redis-docker-${process.pid}`)
const session = openSession(project.config)
const projectId = session.project.id

/** Containers, networks and volumes that carry the test project's id. */
function leftovers(): string[] {
  const filter = `label=${LABELS.projectId}=${projectId}`
  return [
    ...docker('ps', '--all', '--filter', filter, '--format', 'container {{.Names}}').split('\n'),
    ...docker('network', 'ls', '--filter', filter, '--format', 'network {{.Name}}').split('\n'),
    ...docker('volume', 'ls', '--filter', filter, '--format', 'volume {{.Name}}').split('\n'),
  ].filter((line) => line !== '')
}

afterAll(async () => {
  await session.close()
  // Whatever a failed test left behind goes; a passing run has left nothing.
  await new DockerDriver().removeProjectResources(projectId)
  project.cleanup()
})

describe('redis() through a hearth session, on Docker', () => {
  let url = ''

  it('comes up in a container, ready only once Redis answers PONG', async () => {
    const [state, ms] = await timed(() => session.up())
    const service = redisService(state)
    url = service.outputs.url ?? ''
    expect({ status: service.status, failure: service.failure, fallback: service.fallback }).toEqual({
      status: 'ready',
      failure: null,
      fallback: null,
    })
    expect(service.instance?.driver).toBe('docker')
    console.info(`[env-redis] container up (create, start, PING): ${ms} ms`)
    const port = service.outputs.redisPort
    expect(service.outputs).toEqual({
      host: '127.0.0.1',
      port,
      redisPort: port,
      url: `redis://127.0.0.1:${port}`,
    })
  })

  it('publishes the port on 127.0.0.1 only, and the url answers there', async () => {
    const service = redisService(session.store.getState())
    expect(docker('port', service.instance?.id as string)).toBe(
      `6379/tcp -> 127.0.0.1:${service.outputs.port}`,
    )
    const client = new Redis(url, { lazyConnect: true })
    await client.connect()
    expect(client.stream.remoteAddress).toBe('127.0.0.1')
    expect(await client.ping()).toBe('PONG')
    client.disconnect()
  })

  it('is attached to, not recreated, by the next session', async () => {
    const before = redisService(session.store.getState()).instance?.id
    const next = openSession(project.config)
    const [state, ms] = await timed(() => next.up())
    await next.close()
    const service = redisService(state)
    expect([service.status, service.instance?.id, service.instance?.reused]).toEqual(['ready', before, true])
    console.info(`[env-redis] warm attach to the container: ${ms} ms`)
  })

  it('resets to empty between test runs (FLUSHALL, every database)', async () => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 })
    await client.set('left-by-a-test', 'x')
    await client.select(7)
    await client.set('in-db-7', 'x')
    const [state, ms] = await timed(() => session.reset())
    expect(redisService(state).failure).toBeNull()
    expect(redisService(state).lastResetAt).not.toBeNull()
    console.info(`[env-redis] container reset (exec redis-cli -e FLUSHALL): ${ms} ms`)
    expect(await client.dbsize()).toBe(0)
    await client.select(0)
    expect(await client.get('left-by-a-test')).toBeNull()
    client.disconnect()
  })

  it('leaves no container, network or volume of the project after down', async () => {
    expect(leftovers()).not.toEqual([])
    const [state, ms] = await timed(() => session.down())
    expect(redisService(state).status).toBe('stopped')
    console.info(`[env-redis] container down: ${ms} ms`)
    expect(leftovers()).toEqual([])
  })
})
