import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { FakeDriver, FakeRuntime } from '@hearth/driver'
import type { NormalizedConfig } from '@hearth/environments'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { systemClock } from './clock.js'
import { createMemoryLocks } from './features/environments/environment-locks.js'
import { createMemoryUsageRecords } from './features/environments/usage-records.js'
import { createSession, projectIdentity, type Session } from './session.js'
import { BACKEND, configOf } from './testing/fixtures.js'

const backend = BACKEND

let dir: string
const sessions: Session[] = []
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-session-'))
})
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()))
  await rm(dir, { recursive: true, force: true })
})

function open(config: NormalizedConfig, runtime = new FakeRuntime()) {
  const driver = new FakeDriver({ runtime })
  const session = createSession({
    config,
    drivers: [driver],
    version: 'test',
    usage: createMemoryUsageRecords(),
    locks: createMemoryLocks(),
  })
  sessions.push(session)
  return { session, driver, runtime }
}

const running = async (driver: FakeDriver, session: Session) =>
  (await driver.list({ projectId: session.project.id }))
    .filter((instance) => instance.state.status === 'running')
    .map((instance) => instance.identity.service)
    .sort()

describe('projectIdentity', () => {
  const at = (root: string): NormalizedConfig => ({ ...configOf(backend), root })

  it('is the project name and 8 hex digits of the root, the same every time', async () => {
    const first = projectIdentity(at(dir))
    expect(first).toEqual({ name: 'demo', id: expect.stringMatching(/^demo-[0-9a-f]{8}$/), root: dir })
    expect(projectIdentity(at(dir))).toEqual(first)
  })

  it('differs between two checkouts', async () => {
    const a = path.join(dir, 'a')
    const b = path.join(dir, 'b')
    await Promise.all([mkdir(a), mkdir(b)])
    expect(projectIdentity(at(a)).id).not.toBe(projectIdentity(at(b)).id)
  })

  it('resolves symlinks: one checkout reached two ways is one project', async () => {
    const real = path.join(dir, 'real')
    const link = path.join(dir, 'link')
    await mkdir(real)
    await symlink(real, link)
    expect(projectIdentity(at(link)).id).toBe(projectIdentity(at(real)).id)
    expect(projectIdentity(at(link)).root).toBe(link)
  })

  it('still gives a stable id for a root that does not exist', () => {
    const missing = path.join(dir, 'missing')
    expect(projectIdentity(at(missing)).id).toBe(projectIdentity(at(missing)).id)
    expect(projectIdentity(at(missing)).id).not.toBe(projectIdentity(at(path.join(dir, 'other'))).id)
  })
})

describe('createSession', () => {
  it('loads the project into the store at once', () => {
    const { session } = open(configOf(backend))
    const state = session.store.getState()
    expect(state.project).toEqual(session.project)
    expect(Object.values(state.services).map((service) => [service.name, service.status])).toEqual([
      ['cache', 'idle'],
      ['db', 'idle'],
      ['migrate', 'idle'],
      ['api', 'idle'],
    ])
    expect(session.exitCode()).toBe(0)
  })

  it('by default takes file locks under its state folder, and leaves none behind', async () => {
    const config = { ...configOf(backend), root: dir }
    const stateDir = path.join(dir, 'state')
    const session = createSession({
      config,
      drivers: [new FakeDriver()],
      version: 'test',
      usage: createMemoryUsageRecords(),
      stateDir,
    })
    sessions.push(session)
    const state = await session.up()
    expect(Object.values(state.services).map((service) => service.status)).toEqual([
      'ready',
      'ready',
      'completed',
      'ready',
    ])
    expect(state.environments.backend).toMatchObject({ lock: 'none', lockHolder: null })
    expect(await readdir(path.join(stateDir, 'locks'))).toEqual([])
  })

  describe('observe', () => {
    it('records what runs, marks an instance of an older definition as outdated, and starts nothing', async () => {
      const runtime = new FakeRuntime()
      await open(configOf(backend), runtime).session.up()
      const eventsBefore = runtime.events.length

      const changed = configOf({
        ...backend,
        services: { ...backend.services, cache: { ...backend.services.cache, env: { MAXMEMORY: '64mb' } } },
      })
      const { session } = open(changed, runtime)
      const state = await session.observe()
      expect(
        Object.values(state.services).map((service) => [
          service.name,
          service.status,
          service.outdated,
          service.instance?.reused,
        ]),
      ).toEqual([
        ['cache', 'ready', true, true],
        ['db', 'ready', false, true],
        ['migrate', 'completed', false, true],
        ['api', 'ready', false, true],
      ])
      expect(state.services['backend/db']?.outputs.url).toMatch(/^pg:\/\/127\.0\.0\.1:\d+\/app$/)
      expect(runtime.events.length).toBe(eventsBefore)
      expect(Object.values(state.services).map((service) => service.desired)).toEqual([
        null,
        null,
        null,
        null,
      ])
    })

    it('records nothing running as stopped', async () => {
      const { session } = open(configOf(backend))
      const state = await session.observe()
      expect(Object.values(state.services).map((service) => [service.status, service.instance])).toEqual([
        ['stopped', null],
        ['stopped', null],
        ['stopped', null],
        ['stopped', null],
      ])
    })
  })

  describe('down', () => {
    it('with nothing running, leaves every service stopped and touches nothing', async () => {
      const { session, runtime } = open(configOf(backend))
      const state = await session.down()
      expect(Object.values(state.services).map((service) => [service.status, service.desired])).toEqual([
        ['stopped', 'stopped'],
        ['stopped', 'stopped'],
        ['stopped', 'stopped'],
        ['stopped', 'stopped'],
      ])
      expect(runtime.events).toEqual([])
      expect(session.exitCode()).toBe(0)
    })

    it('stops what an earlier session started, found in the runtime', async () => {
      const runtime = new FakeRuntime()
      const first = open(configOf(backend), runtime)
      await first.session.up()
      const { session, driver } = open(configOf(backend), runtime)
      const state = await session.down()
      expect(Object.values(state.services).map((service) => service.status)).toEqual([
        'stopped',
        'stopped',
        'stopped',
        'stopped',
      ])
      expect(await driver.list({ projectId: session.project.id })).toEqual([])
    })

    it('sweeps an instance that no service accounts for (a service removed from the config)', async () => {
      const runtime = new FakeRuntime()
      const withWorker = configOf({
        ...backend,
        services: { ...backend.services, worker: { kind: 'process', command: 'worker', dependsOn: ['db'] } },
      })
      const first = open(withWorker, runtime)
      await first.session.up()
      expect(await running(first.driver, first.session)).toEqual(['api', 'cache', 'db', 'worker'])

      const { session, driver } = open(configOf(backend), runtime)
      await session.down()
      expect(await driver.list({ projectId: session.project.id })).toEqual([])
      const stopped = runtime.events.filter((event) => event.type === 'stopped').map((event) => event.service)
      expect(stopped.sort()).toEqual(['api', 'cache', 'db', 'migrate', 'worker'])
    })

    it("with only 'started', stops what this session created and leaves what it found", async () => {
      const runtime = new FakeRuntime()
      const warm = configOf({ name: 'backend', services: { db: backend.services.db } })
      await open(warm, runtime).session.up()

      const { session, driver } = open(configOf(backend), runtime)
      await session.up()
      const state = await session.down(undefined, { only: 'started' })
      expect(await running(driver, session)).toEqual(['db'])
      expect(
        Object.values(state.services).map((service) => [service.name, service.status, service.desired]),
      ).toEqual([
        ['cache', 'stopped', 'stopped'],
        ['db', 'ready', null],
        ['migrate', 'stopped', 'stopped'],
        ['api', 'stopped', 'stopped'],
      ])
    })
  })
})

describe('idle TTL and down --all', () => {
  /** A clock that can jump ahead: `later(ms)` moves "now" forward. */
  const jumpingClock = () => {
    let offset = 0
    return {
      now: () => Date.now() + offset,
      sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal),
      later: (ms: number) => {
        offset += ms
      },
    }
  }
  const twoEnvironments = () =>
    configOf(backend, { name: 'search', services: { index: { kind: 'process', command: 'index' } } })
  const openWith = (
    config: NormalizedConfig,
    runtime: FakeRuntime,
    clock: ReturnType<typeof jumpingClock>,
    usage = createMemoryUsageRecords(),
  ) => {
    const driver = new FakeDriver({ runtime })
    // An idle TTL of one hour.
    const session = createSession({
      config: { ...config, idleTtlMs: 3_600_000 },
      drivers: [driver],
      version: 'test',
      locks: createMemoryLocks(),
      clock,
      usage,
    })
    sessions.push(session)
    return { session, driver, usage }
  }

  it('removes the environments unused for longer than the idle TTL, and only those', async () => {
    const runtime = new FakeRuntime()
    const clock = jumpingClock()
    const usage = createMemoryUsageRecords()
    const config = twoEnvironments()
    await openWith(config, runtime, clock, usage).session.up()
    clock.later(50 * 60_000)
    await openWith(config, runtime, clock, usage).session.up(['search'])
    clock.later(20 * 60_000)

    const { session, driver } = openWith(config, runtime, clock, usage)
    const expiredActions: unknown[] = []
    session.store.subscribeActions((action) => {
      if (action.type === 'environment/expired') expiredActions.push(action)
    })
    expect(await session.gc()).toEqual(['backend'])
    expect(expiredActions).toEqual([
      {
        type: 'environment/expired',
        at: expect.any(Number),
        environment: 'backend',
        idleMs: expect.any(Number),
        ttlMs: 3_600_000,
      },
    ])
    expect((expiredActions[0] as { idleMs: number }).idleMs).toBeGreaterThanOrEqual(70 * 60_000)
    expect(await running(driver, session)).toEqual(['index'])
    expect(Object.keys(usage.usage)).toEqual(['search'])
  })

  it('keeps an environment whose last-use time cannot be read: unknown, not ancient', async () => {
    const runtime = new FakeRuntime()
    const clock = jumpingClock()
    const usage = createMemoryUsageRecords()
    const config = twoEnvironments()
    await openWith(config, runtime, clock, usage).session.up()
    clock.later(61 * 60_000)
    // A damaged record for backend; search's is good, and past the TTL.
    usage.usage.backend = { lastUsedAt: Number.NaN }
    const { session, driver } = openWith(config, runtime, clock, usage)
    expect(await session.gc()).toEqual(['search'])
    const left = await running(driver, session)
    expect(left).not.toContain('index')
    expect(left.length).toBeGreaterThan(0)
  })

  it('expires nothing when the usage records cannot be read at all', async () => {
    const runtime = new FakeRuntime()
    const clock = jumpingClock()
    const config = twoEnvironments()
    await openWith(config, runtime, clock).session.up()
    clock.later(61 * 60_000)
    const unreadable = { ...createMemoryUsageRecords(), read: async () => null }
    const { session, driver } = openWith(
      config,
      runtime,
      clock,
      unreadable as ReturnType<typeof createMemoryUsageRecords>,
    )
    expect(await session.gc()).toEqual([])
    expect(await running(driver, session)).toContain('index')
  })

  it('counts an environment with no usage record from its newest instance', async () => {
    const runtime = new FakeRuntime()
    const clock = jumpingClock()
    await openWith(twoEnvironments(), runtime, clock).session.up(['search'])
    clock.later(61 * 60_000)
    const { session, driver } = openWith(twoEnvironments(), runtime, clock)
    expect(await session.gc()).toEqual(['search'])
    expect(await running(driver, session)).toEqual([])
  })

  it('collects an expired environment the config no longer has', async () => {
    const runtime = new FakeRuntime()
    const clock = jumpingClock()
    await openWith(twoEnvironments(), runtime, clock).session.up(['search'])
    clock.later(2 * 3_600_000)
    const { session, driver } = openWith(configOf(backend), runtime, clock)
    expect(await session.gc()).toEqual(['search'])
    expect(await driver.list({ projectId: session.project.id })).toEqual([])
  })

  it('down --all stops every environment, those the config no longer has too', async () => {
    const runtime = new FakeRuntime()
    const clock = jumpingClock()
    await openWith(twoEnvironments(), runtime, clock).session.up()
    const { session, driver, usage } = openWith(configOf(backend), runtime, clock)
    const state = await session.downAll()
    expect(Object.values(state.services).map((service) => service.status)).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
    ])
    expect(await driver.list({ projectId: session.project.id })).toEqual([])
    expect(usage.usage).toEqual({})
  })
})
