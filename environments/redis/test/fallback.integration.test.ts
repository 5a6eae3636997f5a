import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redis } from '../src/index.js'
import { processesOf } from './servers.js'
import { cacheProject, openSession, redisService, timed } from './sessions.js'

/**
 * A machine without Docker: the session's DockerDriver points at a socket that does not exist, so
 * its runtime check fails and core runs the preset's fallback, the stand-in, under the
 * ProcessDriver. No Docker is needed or touched.
 */
const NO_ENGINE = { docker: { socketPath: '/nonexistent/hearth-env-redis-test/docker.sock' } }
const project = cacheProject(redis({ image: 'hearth-test/redis:7' }), `env-redis-fallback-${process.pid}`)
const session = openSession(project.config, NO_ENGINE)
const projectId = session.project.id

afterAll(async () => {
  // A failed test may have left the stand-in running: stop it through hearth, then check.
  if (processesOf(projectId).length > 0) await session.down()
  await session.close()
  project.cleanup()
})

describe('redis() where no container engine answers', () => {
  let url = ''

  it('falls back to the stand-in, says why, and gives the container’s outputs', async () => {
    const [state, ms] = await timed(() => session.up())
    const service = redisService(state)
    url = service.outputs.url ?? ''
    expect({ status: service.status, failure: service.failure, driver: service.instance?.driver }).toEqual({
      status: 'ready',
      failure: null,
      driver: 'process',
    })
    expect(service.fallback).toContain('/nonexistent/hearth-env-redis-test/docker.sock')
    console.info(`[env-redis] stand-in up (fallback): ${ms} ms`)
    const port = service.outputs.port
    expect(service.outputs).toEqual({
      host: '127.0.0.1',
      port,
      redisPort: port,
      url: `redis://127.0.0.1:${port}`,
    })
    // The process driver's wrapper shell and the stand-in under it, both carrying the labels.
    expect(processesOf(projectId)).not.toEqual([])
  })

  it('answers at the url like Redis', async () => {
    const client = new Redis(url, { lazyConnect: true })
    await client.connect()
    expect(client.stream.remoteAddress).toBe('127.0.0.1')
    expect(await client.ping()).toBe('PONG')
    expect(await client.set('k', 'v', 'EX', 60)).toBe('OK')
    expect(await client.get('k')).toBe('v')
    client.disconnect()
  })

  it('is attached to, not restarted, by the next session', async () => {
    const before = redisService(session.store.getState()).instance?.id
    const next = openSession(project.config, NO_ENGINE)
    const [state, ms] = await timed(() => next.up())
    await next.close()
    const service = redisService(state)
    expect([service.status, service.instance?.id, service.instance?.reused]).toEqual(['ready', before, true])
    console.info(`[env-redis] warm attach to the stand-in: ${ms} ms`)
  })

  it('resets to empty between test runs', async () => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 })
    await client.set('left-by-a-test', 'x')
    await client.select(7)
    await client.set('in-db-7', 'x')
    const [state, ms] = await timed(() => session.reset())
    expect(redisService(state).failure).toBeNull()
    expect(redisService(state).lastResetAt).not.toBeNull()
    console.info(`[env-redis] stand-in reset (node redis-stand-in-cli.mjs FLUSHALL): ${ms} ms`)
    expect(await client.dbsize()).toBe(0)
    await client.select(0)
    expect(await client.get('left-by-a-test')).toBeNull()
    client.disconnect()
  })

  it('leaves no process of the project after down', async () => {
    const [state, ms] = await timed(() => session.down())
    expect(redisService(state).status).toBe('stopped')
    console.info(`[env-redis] stand-in down: ${ms} ms`)
    expect(processesOf(projectId)).toEqual([])
  })
})
