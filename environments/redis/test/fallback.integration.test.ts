import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { findRedisServer, redis } from '../src/index.js'
import { processesOf } from './servers.js'
import { cacheProject, openSession, redisService, timed } from './sessions.js'

/**
 * A machine without Docker: the session's DockerDriver points at a socket that does not exist, so
 * its runtime check fails and core runs the preset's fallback under the ProcessDriver: a real
 * `redis-server` from PATH where there is one (CI installs Debian's), else the stand-in (PATH
 * without it). Both are run here, the same checks each. No Docker is needed or touched.
 */
const NO_ENGINE = { docker: { socketPath: '/nonexistent/hearth-env-redis-test/docker.sock' } }

/** `redis()` defined as on a machine whose PATH is `path` (the preset looks for servers there). */
function definedWithPath(path: string | undefined): ReturnType<typeof redis> {
  const saved = process.env.PATH
  try {
    if (path === undefined) delete process.env.PATH
    else process.env.PATH = path
    return redis({ image: 'hearth-test/redis:7' })
  } finally {
    process.env.PATH = saved
  }
}

const server = findRedisServer()
const fallbacks = [
  {
    label: 'the stand-in (no redis-server or valkey-server on PATH)',
    service: definedWithPath(''),
    executable: (path: string) => expect(path).toMatch(/redis-stand-in\.mjs$/),
  },
  {
    label: 'redis-server from PATH',
    service: definedWithPath(process.env.PATH),
    // CI installs redis-server (.ci/run): a machine without it fails here rather than skip.
    executable: (path: string) => expect(path).toBe(server?.path ?? 'redis-server on PATH'),
  },
]

describe.each(fallbacks)(
  'redis() where no container engine answers: $label',
  ({ label, service, executable }) => {
    const project = cacheProject(
      service,
      `env-redis-fallback-${fallbacks.findIndex((f) => f.label === label)}-${process.pid}`,
    )
    const session = openSession(project.config, NO_ENGINE)
    const projectId = session.project.id

    afterAll(async () => {
      // A failed test may have left the server running: stop it through hearth, then check.
      if (processesOf(projectId).length > 0) await session.down()
      await session.close()
      project.cleanup()
    })

    let url = ''

    it('falls back to it, says why, and gives the container’s outputs', async () => {
      const [state, ms] = await timed(() => session.up())
      const service = redisService(state)
      url = service.outputs.url ?? ''
      expect({ status: service.status, failure: service.failure, driver: service.instance?.driver }).toEqual({
        status: 'ready',
        failure: null,
        driver: 'process',
      })
      expect(service.fallback).toContain('/nonexistent/hearth-env-redis-test/docker.sock')
      console.info(`[env-redis] ${label} up (fallback): ${ms} ms`)
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

    it('answers at the url like Redis, and is the server it says', async () => {
      const client = new Redis(url, { lazyConnect: true })
      await client.connect()
      expect(client.stream.remoteAddress).toBe('127.0.0.1')
      executable(/^executable:(.*)$/m.exec(await client.info('server'))?.[1]?.trim() ?? '')
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
      expect([service.status, service.instance?.id, service.instance?.reused]).toEqual([
        'ready',
        before,
        true,
      ])
      console.info(`[env-redis] warm attach to ${label}: ${ms} ms`)
    })

    it('resets to empty between test runs', async () => {
      const client = new Redis(url, { maxRetriesPerRequest: 1 })
      await client.set('left-by-a-test', 'x')
      await client.select(7)
      await client.set('in-db-7', 'x')
      const [state, ms] = await timed(() => session.reset())
      expect(redisService(state).failure).toBeNull()
      expect(redisService(state).lastResetAt).not.toBeNull()
      console.info(`[env-redis] ${label} reset (redis-stand-in-cli.mjs FLUSHALL): ${ms} ms`)
      expect(await client.dbsize()).toBe(0)
      await client.select(0)
      expect(await client.get('left-by-a-test')).toBeNull()
      client.disconnect()
    })

    it('leaves no process of the project after down', async () => {
      const [state, ms] = await timed(() => session.down())
      expect(redisService(state).status).toBe('stopped')
      console.info(`[env-redis] ${label} down: ${ms} ms`)
      expect(processesOf(projectId)).toEqual([])
    })
  },
)
