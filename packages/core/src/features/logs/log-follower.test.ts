import {
  createLabels,
  DriverError,
  FakeDriver,
  type Instance,
  type InstanceSpec,
  type LogLine,
  type LogOptions,
} from '@hearth/driver'
import type { NormalizedService } from '@hearth/environments'
import { afterEach, describe, expect, it } from 'vitest'
import { type Clock, systemClock } from '../../clock.js'
import type { Action } from '../../store/actions.js'
import { attachControllers } from '../../store/controller.js'
import { createHearthStore, type HearthStore } from '../../store/create-store.js'
import type { HearthState, ServiceKey } from '../../store/state.js'
import { BACKEND, configOf } from '../../testing/fixtures.js'
import { loadedState, TEST_PROJECT } from '../../testing/states.js'
import { EnvironmentController } from '../environments/controller.js'
import { createMemoryLocks } from '../environments/environment-locks.js'
import { selectEnvironmentStatus } from '../environments/selectors.js'
import { cleanLogText, LOG_BATCH_LINES, LOG_LINE_MAX, LogFollower } from './log-follower.js'
import { selectLogLines } from './selectors.js'
import { LOG_CAP } from './state.js'

/**
 * The log follower Tilt-style: a store seeded from the backend fixture, instances started on the
 * fake driver and announced by the actions the environment controller would dispatch, the
 * follower attached, and assertions on the `service/log` actions and the state that follows.
 *
 * Nothing sleeps: the flush interval runs on a manual clock (time moves only when a test says),
 * and tests wait for a condition (lines handed out by the driver, a follow closed) with a generous
 * deadline, so a slow machine only makes them slower.
 */

const FLUSH_MS = 50
const config = configOf(BACKEND)

/** A clock whose time moves only on `advance`: flushes happen exactly when a test says. */
function manualClock(): Clock & { advance(ms: number): void; readonly sleeping: number } {
  let now = 1_000
  const sleepers = new Set<{ at: number; resolve: () => void }>()
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason)
          return
        }
        const sleeper = { at: now + ms, resolve }
        sleepers.add(sleeper)
        signal?.addEventListener(
          'abort',
          () => {
            sleepers.delete(sleeper)
            reject(signal.reason)
          },
          { once: true },
        )
      })
    },
    advance(ms) {
      now += ms
      for (const sleeper of [...sleepers]) {
        if (sleeper.at > now) continue
        sleepers.delete(sleeper)
        sleeper.resolve()
      }
    },
    get sleeping() {
      return sleepers.size
    },
  }
}

/** The fake driver, counting per instance the follows opened, those still open, and the lines handed out. */
class WatchedDriver extends FakeDriver {
  readonly opened = new Map<string, number>()
  readonly open = new Map<string, number>()
  readonly yielded = new Map<string, number>()

  override async *logs(instance: Instance, options: LogOptions = {}): AsyncIterable<LogLine> {
    const bump = (counts: Map<string, number>, by: number) =>
      counts.set(instance.id, (counts.get(instance.id) ?? 0) + by)
    bump(this.opened, 1)
    bump(this.open, 1)
    try {
      for await (const line of this.lines(instance, options)) {
        bump(this.yielded, 1)
        yield line
      }
    } finally {
      bump(this.open, -1)
    }
  }

  /** What the instance prints: the fake's output, unless a test scripts something else. */
  protected lines(instance: Instance, options: LogOptions): AsyncIterable<LogLine> {
    return super.logs(instance, options)
  }
}

/**
 * Polls (every few ms, a macrotask: the promise chains of the reads have run by then) until
 * `done` holds, failing after a deadline far beyond what the work needs on a loaded machine.
 */
async function waitFor(what: string, done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

function specOf(key: ServiceKey): InstanceSpec {
  const [environment, name] = key.split('/') as [string, string]
  const service = config.environments[environment]?.services[name] as NormalizedService
  const identity = { project: TEST_PROJECT.name, projectId: TEST_PROJECT.id, environment, service: name }
  return {
    identity,
    specHash: `hash-${name}`,
    labels: createLabels(identity, service.kind, `hash-${name}`, 'test'),
    service,
    root: TEST_PROJECT.root,
  }
}

const lines = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix} ${i}`)
const texts = (state: HearthState, key: ServiceKey) =>
  selectLogLines(state, key).lines.map((line) => line.text)

const detachers: Array<() => void> = []
afterEach(() => {
  for (const detach of detachers.splice(0)) detach()
})

function setup(driver: WatchedDriver = new WatchedDriver()) {
  const store = createHearthStore(loadedState(config))
  const clock = manualClock()
  const handles = new Map<ServiceKey, { driver: WatchedDriver; instance: Instance }>()
  const follower = new LogFollower({
    store,
    clock,
    handleOf: (key) => handles.get(key) ?? null,
    flushMs: FLUSH_MS,
  })
  const errors: unknown[] = []
  const logActions: Array<{ key: ServiceKey; count: number; at: number }> = []
  const actions: Action[] = []
  store.subscribeActions((action) => {
    actions.push(action)
    if (action.type === 'service/log')
      logActions.push({ key: action.key, count: action.lines.length, at: action.at })
  })
  detachers.push(attachControllers(store, [follower], (_, error) => errors.push(error)))
  // The session wants the environment running, as `up`, `ci` and `dev` do (what `status` only
  // observes is not followed).
  store.dispatch({ type: 'environment/up-requested', at: clock.now(), environments: ['backend'] })
  detachers.push(() => void follower.stop())

  /** Starts an instance on the fake and announces it as the environment controller does. */
  const start = async (key: ServiceKey): Promise<Instance> => {
    const instance = await driver.start(specOf(key))
    handles.set(key, { driver, instance })
    store.dispatch({ type: 'service/starting', at: clock.now(), key })
    store.dispatch({ type: 'service/started', at: clock.now(), key, instance: summaryOf(instance) })
    return instance
  }
  /** Lets the pending flush run. */
  const flush = async () => {
    clock.advance(FLUSH_MS)
    await follower.idle()
  }
  const count = (map: Map<string, number>, instance: Instance) => map.get(instance.id) ?? 0
  return { store, clock, driver, follower, errors, logActions, actions, start, flush, count }
}

function summaryOf(instance: Instance) {
  return {
    id: instance.id,
    driver: instance.driver,
    host: instance.host,
    ports: instance.ports,
    specHash: instance.specHash,
    createdAt: instance.createdAt,
    reused: false,
  }
}

describe('LogFollower', () => {
  it('follows each instance from its start into the store, one action per service per flush', async () => {
    const driver = new WatchedDriver().behave('db', { logs: lines('db', 1200) }).behave('cache', {
      logs: lines('cache', 30),
    })
    const { store, clock, logActions, start, flush, count, errors } = setup(driver)
    const db = await start('backend/db')
    const cache = await start('backend/cache')
    await waitFor(
      'the driver to hand out every line',
      () => count(driver.yielded, db) === 1200 && count(driver.yielded, cache) === 30,
    )

    // Full batches go at once; the rest waits for the flush interval.
    expect(logActions.map(({ key, count }) => `${key} ${count}`)).toEqual([
      `backend/db ${LOG_BATCH_LINES}`,
      `backend/db ${LOG_BATCH_LINES}`,
    ])
    expect(clock.sleeping).toBe(1)
    await flush()
    // One flush: an action per service (in no particular order), at the same time.
    expect(
      logActions
        .slice(2)
        .map(({ key, count }) => `${key} ${count}`)
        .sort(),
    ).toEqual(['backend/cache 30', 'backend/db 200'])
    expect(new Set(logActions.slice(2).map((action) => action.at)).size).toBe(1)

    let state = store.getState()
    expect(texts(state, 'backend/db')).toEqual(lines('db', 1200))
    expect(texts(state, 'backend/cache')).toEqual(lines('cache', 30))
    expect(state.logs['backend/db']?.lines[0]).toEqual({ text: 'db 0', stream: 'output', at: 1_000 })

    // It goes on following: what the instance prints later comes in the next flush.
    driver.print(db, 'db later')
    await waitFor('the later line', () => count(driver.yielded, db) === 1201)
    expect(logActions).toHaveLength(4)
    await flush()
    state = store.getState()
    expect(texts(state, 'backend/db').slice(-2)).toEqual(['db 1199', 'db later'])
    expect(logActions.at(-1)).toMatchObject({ key: 'backend/db', count: 1 })
    expect(errors).toEqual([])
  })

  it('keeps the last LOG_CAP lines of a long output, with offsets that count the dropped ones', async () => {
    const driver = new WatchedDriver().behave('db', { logs: lines('db', LOG_CAP + 300) })
    const { store, logActions, start, flush, count } = setup(driver)
    const db = await start('backend/db')
    await waitFor('every line', () => count(driver.yielded, db) === LOG_CAP + 300)
    await flush()

    expect(logActions.map((action) => action.count)).toEqual([500, 500, 500, 500, 300])
    const log = store.getState().logs['backend/db']
    expect({ start: log?.start, end: log?.end, kept: log?.lines.length }).toEqual({
      start: 300,
      end: LOG_CAP + 300,
      kept: LOG_CAP,
    })
    // A view that read up to offset 10 before the overflow resumes at the oldest line kept.
    const page = selectLogLines(store.getState(), 'backend/db', { from: 10, limit: 2 })
    expect(page).toMatchObject({ start: 300, end: 302 })
    expect(page.lines.map((line) => line.text)).toEqual(['db 300', 'db 301'])
  })

  it('marks a restart in the log and reads each instance once, from its start', async () => {
    const driver = new WatchedDriver().behave('db', { logs: ['a1', 'a2'] })
    const { store, clock, start, flush, count } = setup(driver)
    const first = await start('backend/db')
    await waitFor('the first instance’s lines', () => count(driver.yielded, first) === 2)
    await flush()

    // Stopping: what it prints on the way down is still read.
    store.dispatch({ type: 'service/restart-requested', at: clock.now(), keys: ['backend/db'] })
    store.dispatch({ type: 'service/stopping', at: clock.now(), key: 'backend/db' })
    driver.print(first, 'a3 shutting down')
    await waitFor('the shutdown line', () => count(driver.yielded, first) === 3)
    await driver.stop(first)
    store.dispatch({ type: 'service/stopped', at: clock.now(), key: 'backend/db' })
    await waitFor('the first follow to close', () => count(driver.open, first) === 0)

    driver.behave('db', { logs: ['b1', 'b2'] })
    const second = await start('backend/db')
    store.dispatch({ type: 'service/ready', at: clock.now(), key: 'backend/db', outputs: {} })
    await waitFor('the second instance’s lines', () => count(driver.yielded, second) === 2)
    await flush()
    expect(texts(store.getState(), 'backend/db')).toEqual([
      'a1',
      'a2',
      'a3 shutting down',
      `── restarted (instance ${second.id}) ──`,
      'b1',
      'b2',
    ])

    // Later changes to the service follow the same instance: nothing is read twice.
    store.dispatch({ type: 'service/reset', at: clock.now(), key: 'backend/db', durationMs: 3 })
    store.dispatch({
      type: 'service/still-probing',
      at: clock.now(),
      key: 'backend/db',
      attempts: 1,
      detail: '',
    })
    driver.print(second, 'b3')
    await waitFor('the new line', () => count(driver.yielded, second) === 3)
    await flush()
    expect(texts(store.getState(), 'backend/db').slice(3)).toEqual([
      `── restarted (instance ${second.id}) ──`,
      'b1',
      'b2',
      'b3',
    ])
    expect([count(driver.opened, first), count(driver.opened, second)]).toEqual([1, 1])
  })

  it('keeps the output of a job that failed, and does not read it again once it has exited', async () => {
    const driver = new WatchedDriver().behave('migrate', {
      exitCode: 3,
      logs: ['applying 004.sql', 'ERROR: column "total" does not exist'],
    })
    const { store, clock, start, flush, count } = setup(driver)
    const job = await start('backend/migrate')
    // The job exits at once: its follow reads what it printed, then ends by itself.
    await waitFor(
      'the job’s follow to end',
      () => count(driver.yielded, job) === 2 && count(driver.open, job) === 0,
    )
    store.dispatch({
      type: 'service/failed',
      at: clock.now(),
      key: 'backend/migrate',
      failure: { cause: 'exited with code 3', fix: null, logTail: [], blockedBy: null },
      exitCode: 3,
    })
    store.dispatch({ type: 'session/interrupted', at: clock.now(), signal: 'SIGINT' })
    await flush()
    expect(store.getState().services['backend/migrate']?.instance?.id).toBe(job.id)
    expect(texts(store.getState(), 'backend/migrate')).toEqual([
      'applying 004.sql',
      'ERROR: column "total" does not exist',
    ])
    expect(count(driver.opened, job)).toBe(1)
  })

  it('reads what a stopped service printed last, then stops following it, even while the instance runs on', async () => {
    const driver = new WatchedDriver()
      .behave('db', { logs: ['db up'] })
      .behave('cache', { logs: ['cache up'] })
    const { store, clock, start, flush, count } = setup(driver)
    const db = await start('backend/db')
    const cache = await start('backend/cache')
    await waitFor('both follows', () => count(driver.yielded, db) === 1 && count(driver.yielded, cache) === 1)

    store.dispatch({ type: 'service/stopping', at: clock.now(), key: 'backend/db' })
    store.dispatch({ type: 'service/stopped', at: clock.now(), key: 'backend/db' })
    store.dispatch({ type: 'service/aborted', at: clock.now(), key: 'backend/cache' })
    // Out of state, but its last lines may still be on their way: they are read for a while.
    driver.print(db, 'db: shutdown complete')
    await waitFor('the last line', () => count(driver.yielded, db) === 2)
    clock.advance(2_000)
    await waitFor(
      'the follows to close',
      () => count(driver.open, db) === 0 && count(driver.open, cache) === 0,
    )

    // The fake instances still run and print: nobody reads it any more.
    driver.print(db, 'db unread')
    driver.print(cache, 'cache unread')
    await flush()
    expect(texts(store.getState(), 'backend/db')).toEqual(['db up', 'db: shutdown complete'])
    expect(texts(store.getState(), 'backend/cache')).toEqual(['cache up'])
    expect([count(driver.yielded, db), count(driver.yielded, cache)]).toEqual([2, 1])
  })

  it('follows nothing the session only observed (status, down)', async () => {
    const driver = new WatchedDriver().behave('db', { logs: ['db up'] })
    const store = createHearthStore(loadedState(config))
    const clock = manualClock()
    const instance = await driver.start(specOf('backend/db'))
    const follower = new LogFollower({
      store,
      clock,
      handleOf: () => ({ driver, instance }),
      flushMs: FLUSH_MS,
    })
    detachers.push(attachControllers(store, [follower], () => undefined))
    detachers.push(() => void follower.stop())
    store.dispatch({
      type: 'service/observed',
      at: clock.now(),
      key: 'backend/db',
      instance: summaryOf(instance),
      running: true,
      exitCode: null,
      outdated: false,
      outputs: {},
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(store.getState().services['backend/db']?.status).toBe('ready')
    expect(driver.opened.get(instance.id) ?? 0).toBe(0)
  })

  it('stop() ends every follow, even one whose driver ignores the abort, and dispatches what was read', async () => {
    /** A runtime whose log stream never ends nor notices the abort (a stuck connection). */
    class StuckDriver extends WatchedDriver {
      protected override async *lines(instance: Instance, options: LogOptions): AsyncIterable<LogLine> {
        if (instance.identity.service !== 'api') {
          yield* super.lines(instance, options)
          return
        }
        yield { text: 'api listening', stream: 'stdout' }
        await new Promise(() => undefined)
      }
    }
    const driver = new StuckDriver().behave('db', { logs: ['db up'] })
    const { store, clock, follower, logActions, start, count } = setup(driver)
    const db = await start('backend/db')
    const api = await start('backend/api')
    await waitFor('the lines', () => count(driver.yielded, db) === 1 && count(driver.yielded, api) === 1)
    expect(logActions).toEqual([])

    await follower.stop()
    expect(logActions.map((action) => `${action.key} ${action.count}`).sort()).toEqual([
      'backend/api 1',
      'backend/db 1',
    ])
    expect(store.getState().logs['backend/api']?.lines).toEqual([
      { text: 'api listening', stream: 'stdout', at: clock.now() },
    ])
    await waitFor('the fake’s follow to close', () => count(driver.open, db) === 0)
    expect(clock.sleeping).toBe(0)

    // Stopped: a new instance is not followed.
    const again = await start('backend/cache')
    await new Promise((resolve) => setImmediate(resolve))
    expect(count(driver.opened, again)).toBe(0)
    await follower.stop()
  })

  it('ends a follow quietly when the driver fails, and goes on with the others', async () => {
    class FailingDriver extends WatchedDriver {
      protected override async *lines(instance: Instance, options: LogOptions): AsyncIterable<LogLine> {
        if (instance.identity.service === 'cache') {
          yield { text: 'cache up', stream: 'stderr' }
          throw new DriverError('runtime-unavailable', 'the Docker daemon went away', 'start dockerd')
        }
        yield* super.lines(instance, options)
      }
    }
    const driver = new FailingDriver().behave('db', { logs: ['db up'] })
    const { store, start, flush, count, errors } = setup(driver)
    const cache = await start('backend/cache')
    const db = await start('backend/db')
    await waitFor(
      'the failed follow to end',
      () => count(driver.open, cache) === 0 && count(driver.yielded, db) === 1,
    )
    driver.print(db, 'db still followed')
    await waitFor('the next line', () => count(driver.yielded, db) === 2)
    await flush()

    expect(errors).toEqual([])
    expect(
      store.getState().logs['backend/cache']?.lines.map((line) => `${line.stream}: ${line.text}`),
    ).toEqual(['stderr: cache up'])
    expect(texts(store.getState(), 'backend/db')).toEqual(['db up', 'db still followed'])
  })

  it('strips terminal control sequences and cuts very long lines', async () => {
    const long = 'x'.repeat(10_000)
    const driver = new WatchedDriver().behave('db', {
      logs: [
        '\u001b[32mLOG\u001b[39m:  database system is \u001b[1mready\u001b[22m',
        long,
        'npm 10%\rnpm 100%\r',
      ],
    })
    const { store, start, flush, count } = setup(driver)
    const db = await start('backend/db')
    await waitFor('the lines', () => count(driver.yielded, db) === 3)
    await flush()
    const [colored, cut, progress] = texts(store.getState(), 'backend/db')
    expect(colored).toBe('LOG:  database system is ready')
    expect(cut).toHaveLength(LOG_LINE_MAX)
    expect(cut?.endsWith('x…')).toBe(true)
    expect(progress).toBe('npm 100%')
  })
})

describe('cleanLogText', () => {
  it('keeps ordinary lines as they are and never splits a character in two', () => {
    expect(cleanLogText('GET /health 200 3ms')).toBe('GET /health 200 3ms')
    expect(cleanLogText('')).toBe('')
    const emoji = `${'a'.repeat(LOG_LINE_MAX - 2)}🔥🔥`
    const cut = cleanLogText(emoji)
    expect(cut.length).toBeLessThanOrEqual(LOG_LINE_MAX)
    expect(cut.endsWith('a…')).toBe(true)
  })
})

describe('LogFollower with the environment controller', () => {
  it('follows what the controller starts, through handleOf, across a restart', async () => {
    const driver = new FakeDriver()
      .behave('db', { logs: ['db up'] })
      .behave('migrate', { logs: ['applying 001.sql'] })
      .behave('api', { logs: ['api listening'] })
    const store: HearthStore = createHearthStore(loadedState(config))
    const environments = new EnvironmentController({
      store,
      drivers: [driver],
      locks: createMemoryLocks(),
      clock: systemClock,
      version: 'test',
    })
    const follower = new LogFollower({
      store,
      clock: systemClock,
      handleOf: (key) => environments.handleOf(key),
    })
    const errors: unknown[] = []
    const detach = attachControllers(store, [environments, follower], (_, error) => errors.push(error))
    const logged = (key: ServiceKey, text: string) => () => texts(store.getState(), key).includes(text)
    try {
      store.dispatch({ type: 'environment/up-requested', at: Date.now(), environments: ['backend'] })
      await waitFor(
        'backend to be ready',
        () => selectEnvironmentStatus(store.getState(), 'backend') === 'ready',
      )
      await waitFor('the output of db, migrate and api', () =>
        [
          logged('backend/db', 'db up'),
          logged('backend/migrate', 'applying 001.sql'),
          logged('backend/api', 'api listening'),
        ].every((done) => done()),
      )
      const before = store.getState().services['backend/db']?.instance?.id

      store.dispatch({ type: 'service/restart-requested', at: Date.now(), keys: ['backend/db'] })
      await waitFor(
        'db to be ready again',
        () =>
          store.getState().services['backend/db']?.status === 'ready' &&
          store.getState().services['backend/db']?.instance?.id !== before,
      )
      const after = store.getState().services['backend/db']?.instance?.id
      await waitFor('the new instance’s output', () => texts(store.getState(), 'backend/db').length === 3)
      expect(texts(store.getState(), 'backend/db')).toEqual([
        'db up',
        `── restarted (instance ${after}) ──`,
        'db up',
      ])
      expect(errors).toEqual([])
    } finally {
      await follower.stop()
      store.dispatch({
        type: 'environment/down-requested',
        at: Date.now(),
        environments: ['backend'],
        only: 'all',
      })
      await waitFor('backend to stop', () =>
        Object.values(store.getState().services).every((service) => service.instance === null),
      )
      await environments.idle()
      detach()
    }
  })
})
