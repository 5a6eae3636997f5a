import net from 'node:net'
import type {
  NormalizedCommand,
  NormalizedJobService,
  NormalizedProcessService,
  NormalizedService,
} from '@hearth/environments'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLabels } from './create-labels.js'
import { DriverError, isDriverError } from './errors.js'
import { type FakeBehaviour, FakeDriver, FakeRuntime } from './fake-driver.js'
import { LABELS } from './labels.js'
import { describeDriverConformance } from './testing/index.js'
import type { ExecResult, Instance, InstanceSpec, LogLine } from './types.js'

const PROJECT_ID = 'shop-1a2b3c'
const TIMING = { timeoutMs: 1000, intervalMs: 100 }

const base = {
  environment: 'env',
  description: null,
  dependsOn: [],
  env: {},
  readiness: { type: 'none', ...TIMING },
  outputs: {},
  watch: [],
  reset: null,
  ports: [],
  testEnv: {},
  secrets: [],
  cwd: '.',
} as const

function processService(overrides: Partial<NormalizedProcessService> = {}): NormalizedProcessService {
  return {
    ...base,
    kind: 'process',
    name: 'svc',
    command: { argv: ['serve'] },
    stopTimeoutMs: 1000,
    ...overrides,
  }
}

function jobService(overrides: Partial<NormalizedJobService> = {}): NormalizedJobService {
  return {
    ...base,
    kind: 'job',
    name: 'svc',
    command: { shell: 'migrate' },
    image: null,
    timeoutMs: 1000,
    ...overrides,
  }
}

function spec(
  service: string,
  definition: NormalizedService = processService(),
  where: { environment?: string; projectId?: string } = {},
): InstanceSpec {
  const environment = where.environment ?? 'env'
  const projectId = where.projectId ?? PROJECT_ID
  const named = { ...definition, name: service, environment }
  const identity = { project: 'shop', projectId, environment, service }
  const specHash = `hash-${environment}-${service}`
  return {
    identity,
    specHash,
    labels: createLabels(identity, named.kind, specHash, '0.0.0-test'),
    service: named,
    root: '/project',
  }
}

async function readLogs(driver: FakeDriver, instance: Instance): Promise<string[]> {
  const lines: string[] = []
  for await (const line of driver.logs(instance)) lines.push(line.text)
  return lines
}

const ids = (instances: readonly Instance[]): string[] => instances.map((instance) => instance.id).sort()

describe('FakeDriver: the contract', () => {
  it('starts an instance with its identity, labels and loopback ports, and reports it running', async () => {
    const driver = new FakeDriver()
    const definition = processService({
      ports: [
        { name: 'http', container: null, host: null, protocol: 'tcp', env: 'PORT' },
        { name: 'admin', container: null, host: 9999, protocol: 'tcp', env: null },
        { name: 'debug', container: null, host: null, protocol: 'tcp', env: null },
      ],
    })
    const instance = await driver.start(spec('api', definition))
    expect(instance).toEqual({
      id: 'fake-1',
      driver: 'fake',
      identity: { project: 'shop', projectId: PROJECT_ID, environment: 'env', service: 'api' },
      kind: 'process',
      specHash: 'hash-env-api',
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.project]: 'shop',
        [LABELS.projectId]: PROJECT_ID,
        [LABELS.environment]: 'env',
        [LABELS.service]: 'api',
        [LABELS.kind]: 'process',
        [LABELS.specHash]: 'hash-env-api',
        [LABELS.version]: '0.0.0-test',
      },
      host: '127.0.0.1',
      ports: { http: 41000, admin: 9999, debug: 41001 },
      createdAt: expect.any(Number),
      state: { status: 'running' },
    })
    expect(await driver.inspect(instance)).toEqual({ status: 'running' })
    expect(driver.supports(definition)).toBe(true)
    expect(driver.supports(jobService())).toBe(true)
  })

  it('gives every instance its own id and ports', async () => {
    const driver = new FakeDriver()
    const withPort = processService({
      ports: [{ name: 'main', container: null, host: null, protocol: 'tcp', env: null }],
    })
    const a = await driver.start(spec('a', withPort))
    const b = await driver.start(spec('b', withPort))
    expect([a.id, a.ports.main]).toEqual(['fake-1', 41000])
    expect([b.id, b.ports.main]).toEqual(['fake-2', 41001])
  })

  it('lists by project, environment and service, and never another project’s instances', async () => {
    const driver = new FakeDriver()
    const webA = await driver.start(spec('web', processService(), { environment: 'a' }))
    const dbA = await driver.start(spec('db', processService(), { environment: 'a' }))
    const webB = await driver.start(spec('web', processService(), { environment: 'b' }))
    const other = await driver.start(
      spec('web', processService(), { environment: 'a', projectId: 'other-9f9f9f' }),
    )

    expect(ids(await driver.list({ projectId: PROJECT_ID }))).toEqual(ids([webA, dbA, webB]))
    expect(ids(await driver.list({ projectId: PROJECT_ID, environment: 'a' }))).toEqual(ids([webA, dbA]))
    expect(ids(await driver.list({ projectId: PROJECT_ID, service: 'web' }))).toEqual(ids([webA, webB]))
    expect(ids(await driver.list({ projectId: PROJECT_ID, environment: 'b', service: 'web' }))).toEqual([
      webB.id,
    ])
    expect(ids(await driver.list({ projectId: PROJECT_ID, environment: 'c' }))).toEqual([])
    expect(ids(await driver.list({ projectId: 'other-9f9f9f' }))).toEqual([other.id])
    expect(await driver.list({ projectId: 'nobody' })).toEqual([])
  })

  it('does not list an instance without hearth’s managed marker, even with the right project id', async () => {
    const driver = new FakeDriver()
    const unmarked = spec('web')
    const { [LABELS.managed]: _managed, ...labels } = unmarked.labels
    await driver.start({ ...unmarked, labels })
    expect(await driver.list({ projectId: PROJECT_ID })).toEqual([])
  })

  it('lists instances with their current state, exited ones included', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    driver.crash(instance, 5)
    const [listed] = await driver.list({ projectId: PROJECT_ID })
    expect(listed).toEqual({ ...instance, state: { status: 'exited', exitCode: 5 } })
  })

  it('stops an instance: inspect says missing, list drops it, a second stop is a no-op', async () => {
    let now = 0
    const driver = new FakeDriver({ now: () => now++ })
    const instance = await driver.start(spec('web'))
    const keep = await driver.start(spec('keep'))
    await driver.stop(instance)
    expect(await driver.inspect(instance)).toEqual({ status: 'missing' })
    expect(ids(await driver.list({ projectId: PROJECT_ID }))).toEqual([keep.id])
    await driver.stop(instance)
    expect(await driver.inspect(instance)).toEqual({ status: 'missing' })
    expect(driver.events.filter((event) => event.service === 'web').map((event) => event.type)).toEqual([
      'start',
      'started',
      'stop',
      'stopped',
    ])
  })

  it('stops an instance that already exited, and one it never knew', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    driver.crash(instance, 1)
    await driver.stop(instance)
    expect(await driver.inspect(instance)).toEqual({ status: 'missing' })
    expect(await driver.list({ projectId: PROJECT_ID })).toEqual([])

    const stranger = { ...instance, id: 'fake-404' }
    await expect(driver.stop(stranger)).resolves.toBeUndefined()
    expect(await driver.inspect(stranger)).toEqual({ status: 'missing' })
  })

  it('ends a pending wait when the instance is stopped', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    const waiting = driver.wait(instance)
    await driver.stop(instance)
    expect(await waiting).toEqual({ exitCode: null, signal: 'SIGTERM' })
  })

  it('resolves wait at once for an instance it does not know', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    expect(await new FakeDriver().wait(instance)).toEqual({ exitCode: null, signal: null })
  })

  it('rejects a wait when its signal aborts, and leaves the instance running', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    const controller = new AbortController()
    const waiting = driver.wait(instance, { signal: controller.signal })
    controller.abort(new Error('enough'))
    await expect(waiting).rejects.toThrow('enough')
    expect(await driver.inspect(instance)).toEqual({ status: 'running' })
  })

  it('rejects a wait whose signal is already aborted, at once', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    const waiting = driver.wait(instance, { signal: AbortSignal.abort(new Error('too late')) })
    // Settled already: it wins a race against a promise that is itself already settled.
    await expect(Promise.race([waiting, Promise.resolve('still waiting')])).rejects.toThrow('too late')
  })

  it('forgets an aborted wait: a later exit reaches only the waits still pending', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    const controller = new AbortController()
    const aborted = driver.wait(instance, { signal: controller.signal })
    const pending = driver.wait(instance)
    controller.abort(new Error('gone'))
    await expect(aborted).rejects.toThrow('gone')
    expect(driver.runtime.records.get(instance.id)?.waiters).toHaveLength(1)
    driver.crash(instance, 9)
    expect(await pending).toEqual({ exitCode: 9, signal: null })
  })
})

describe('FakeDriver: scripted behaviour', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('takes startDelayMs to start', async () => {
    const driver = new FakeDriver().behave('web', { startDelayMs: 100 })
    let started: Instance | null = null
    const starting = driver.start(spec('web')).then((instance) => {
      started = instance
    })
    await vi.advanceTimersByTimeAsync(99)
    expect(started).toBeNull()
    expect(driver.events.map((event) => event.type)).toEqual(['start'])
    await vi.advanceTimersByTimeAsync(1)
    await starting
    expect(started).toMatchObject({ id: 'fake-1', state: { status: 'running' } })
    expect(driver.events.map((event) => event.type)).toEqual(['start', 'started'])
  })

  it('gives up a delayed start when its signal aborts, leaving nothing behind', async () => {
    const driver = new FakeDriver().behave('web', { startDelayMs: 1000 })
    const controller = new AbortController()
    const starting = driver.start(spec('web'), { signal: controller.signal })
    await vi.advanceTimersByTimeAsync(10)
    controller.abort(new Error('cancelled'))
    await expect(starting).rejects.toThrow('cancelled')
    expect(await driver.list({ projectId: PROJECT_ID })).toEqual([])
    expect(driver.events.map((event) => event.type)).toEqual(['start'])
  })

  it('rejects start with the scripted DriverError, code and fix included', async () => {
    const driver = new FakeDriver().behave('db', {
      startError: { code: 'port-conflict', message: 'port 5432 is taken', fix: 'stop the other postgres' },
    })
    const error = await driver.start(spec('db')).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DriverError)
    expect(isDriverError(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'DriverError',
      code: 'port-conflict',
      message: 'port 5432 is taken',
      fix: 'stop the other postgres',
    })
    expect(await driver.list({ projectId: PROJECT_ID })).toEqual([])
    expect(driver.events.map((event) => event.type)).toEqual(['start'])
  })

  it('prefers an environment/service script to a service one', async () => {
    const driver = new FakeDriver()
      .behave('db', { startError: { code: 'start-failed', message: 'plain', fix: 'none' } })
      .behave('b/db', { startError: { code: 'image-missing', message: 'scoped', fix: 'build it' } })
    await expect(driver.start(spec('db', processService(), { environment: 'a' }))).rejects.toMatchObject({
      code: 'start-failed',
    })
    await expect(driver.start(spec('db', processService(), { environment: 'b' }))).rejects.toMatchObject({
      code: 'image-missing',
    })
    await expect(driver.start(spec('web', processService(), { environment: 'b' }))).resolves.toMatchObject({
      id: 'fake-1',
    })
  })

  it('fails failingProbes probes, then passes', async () => {
    const driver = new FakeDriver().behave('web', { failingProbes: 2 })
    const instance = await driver.start(spec('web'))
    const check = { type: 'tcp', port: 'main', ...TIMING } as const
    const results = []
    for (let i = 0; i < 4; i++) results.push(await driver.probe(instance, check))
    expect(results).toEqual([
      { ok: false, detail: 'tcp check failed (attempt 1)' },
      { ok: false, detail: 'tcp check failed (attempt 2)' },
      { ok: true, detail: 'tcp check passed' },
      { ok: true, detail: 'tcp check passed' },
    ])
    expect(driver.events.filter((event) => event.type === 'probe').map((event) => event.ok)).toEqual([
      false,
      false,
      true,
      true,
    ])
  })

  it('never passes a probe when neverReady', async () => {
    const driver = new FakeDriver().behave('web', { neverReady: true })
    const instance = await driver.start(spec('web'))
    const check = { type: 'http', port: 'main', path: '/', status: null, ...TIMING } as const
    const results = []
    for (let i = 0; i < 3; i++) results.push(await driver.probe(instance, check))
    expect(results.map((result) => result.ok)).toEqual([false, false, false])
    expect(results[2]).toEqual({ ok: false, detail: 'http check failed (attempt 3)' })
  })

  it('passes probes of an unscripted service at once, and fails them once it is gone', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    const check = { type: 'command', command: { shell: 'true' }, ...TIMING } as const
    expect(await driver.probe(instance, check)).toEqual({ ok: true, detail: 'command check passed' })
    await driver.stop(instance)
    expect(await driver.probe(instance, check)).toEqual({ ok: false, detail: 'not running' })
  })

  it('checks log readiness against the lines it printed', async () => {
    const driver = new FakeDriver().behave('db', {
      logs: ['booting', 'database system is ready to accept connections'],
    })
    const instance = await driver.start(spec('db'))
    const log = (source: string, flags = '') =>
      ({ type: 'log', pattern: { source, flags }, ...TIMING }) as const
    expect(await driver.probe(instance, log('ready to accept'))).toEqual({ ok: true, detail: 'pattern seen' })
    expect(await driver.probe(instance, log('^ready$'))).toEqual({
      ok: false,
      detail: 'no line matches /^ready$/',
    })
    driver.print(instance, 'ready')
    expect(await driver.probe(instance, log('^ready$'))).toEqual({ ok: true, detail: 'pattern seen' })
    // A global flag would make a second test() start after the first match and fail.
    expect(await driver.probe(instance, log('BOOTING', 'gi'))).toEqual({ ok: true, detail: 'pattern seen' })
    expect(await driver.probe(instance, log('BOOTING', 'gi'))).toEqual({ ok: true, detail: 'pattern seen' })
  })

  it('fails a log probe during failingProbes even when the line is there', async () => {
    const driver = new FakeDriver().behave('db', { logs: ['ready'], failingProbes: 1 })
    const instance = await driver.start(spec('db'))
    const check = { type: 'log', pattern: { source: 'ready', flags: '' }, ...TIMING } as const
    expect(await driver.probe(instance, check)).toEqual({ ok: false, detail: 'log check failed (attempt 1)' })
    expect(await driver.probe(instance, check)).toEqual({ ok: true, detail: 'pattern seen' })
  })

  it('exits by itself after exitAfterMs with exitCode', async () => {
    const driver = new FakeDriver().behave('web', { exitAfterMs: 500, exitCode: 3 })
    const instance = await driver.start(spec('web'))
    const waiting = driver.wait(instance)
    await vi.advanceTimersByTimeAsync(499)
    expect(await driver.inspect(instance)).toEqual({ status: 'running' })
    await vi.advanceTimersByTimeAsync(1)
    expect(await waiting).toEqual({ exitCode: 3, signal: null })
    expect(await driver.inspect(instance)).toEqual({ status: 'exited', exitCode: 3 })
    expect(await driver.wait(instance)).toEqual({ exitCode: 3, signal: null })
    expect(await driver.probe(instance, { type: 'tcp', port: 'main', ...TIMING })).toEqual({
      ok: false,
      detail: 'not running',
    })
  })

  it('keeps a process running when no exit is scripted', async () => {
    const driver = new FakeDriver()
    const instance = await driver.start(spec('web'))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(await driver.inspect(instance)).toEqual({ status: 'running' })
  })

  it('runs jobs to completion with exit code 0 by default', async () => {
    const driver = new FakeDriver().behave('seed', { exitCode: 4 })
    const migrate = await driver.start(spec('migrate', jobService()))
    const seed = await driver.start(spec('seed', jobService()))
    const waits = Promise.all([driver.wait(migrate), driver.wait(seed)])
    await vi.advanceTimersByTimeAsync(0)
    expect(await waits).toEqual([
      { exitCode: 0, signal: null },
      { exitCode: 4, signal: null },
    ])
    expect(await driver.inspect(migrate)).toEqual({ status: 'exited', exitCode: 0 })
    expect(await driver.inspect(seed)).toEqual({ status: 'exited', exitCode: 4 })
  })

  it('does not exit by itself once stopped before exitAfterMs', async () => {
    const driver = new FakeDriver().behave('web', { exitAfterMs: 100, exitCode: 7 })
    const instance = await driver.start(spec('web'))
    const waiting = driver.wait(instance)
    await driver.stop(instance)
    await vi.advanceTimersByTimeAsync(200)
    expect(await waiting).toEqual({ exitCode: null, signal: 'SIGTERM' })
    expect(await driver.inspect(instance)).toEqual({ status: 'missing' })
  })

  it('fails to stop with stopError, and the instance keeps running', async () => {
    const driver = new FakeDriver().behave('web', {
      stopError: { code: 'timeout', message: 'stuck', fix: 'kill it' },
    })
    const instance = await driver.start(spec('web'))
    await expect(driver.stop(instance)).rejects.toMatchObject({
      name: 'DriverError',
      code: 'timeout',
      message: 'stuck',
      fix: 'kill it',
    })
    expect(await driver.inspect(instance)).toEqual({ status: 'running' })
  })

  it('waits out the grace period of a fake that ignores the graceful signal, then kills it', async () => {
    const driver = new FakeDriver({ script: () => ({ ignoresStopSignal: true }) })
    const given = await driver.start(spec('web'))
    const own = await driver.start(spec('own', processService({ stopTimeoutMs: 300 })))
    const states = async () => [(await driver.inspect(given)).status, (await driver.inspect(own)).status]
    const waits = Promise.all([driver.wait(given), driver.wait(own)])
    const stopping = Promise.all([driver.stop(given, { timeoutMs: 500 }), driver.stop(own)])
    await vi.advanceTimersByTimeAsync(299)
    expect(await states()).toEqual(['running', 'running'])
    // Without a timeout, the service's own stopTimeoutMs.
    await vi.advanceTimersByTimeAsync(1)
    expect(await states()).toEqual(['running', 'missing'])
    await vi.advanceTimersByTimeAsync(200)
    await stopping
    expect(await states()).toEqual(['missing', 'missing'])
    expect(await waits).toEqual([
      { exitCode: null, signal: 'SIGKILL' },
      { exitCode: null, signal: 'SIGKILL' },
    ])
  })

  it('takes stopDelayMs to stop', async () => {
    const driver = new FakeDriver().behave('web', { stopDelayMs: 50 })
    const instance = await driver.start(spec('web'))
    let stopped = false
    const stopping = driver.stop(instance).then(() => {
      stopped = true
    })
    await vi.advanceTimersByTimeAsync(49)
    expect(stopped).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await stopping
    expect(stopped).toBe(true)
    expect(await driver.inspect(instance)).toEqual({ status: 'missing' })
  })
})

describe('FakeDriver: output, exec and events', () => {
  it('prints the scripted lines, then what print() adds, in order', async () => {
    const driver = new FakeDriver().behave('web', { logs: ['one', 'two'] })
    const instance = await driver.start(spec('web'))
    driver.print(instance, 'three')
    const lines: LogLine[] = []
    for await (const line of driver.logs(instance)) lines.push(line)
    expect(lines).toEqual([
      { text: 'one', stream: 'output' },
      { text: 'two', stream: 'output' },
      { text: 'three', stream: 'output' },
    ])
  })

  it('crash() exits with the code, 1 by default, and keeps the last words', async () => {
    const driver = new FakeDriver()
    const api = await driver.start(spec('api'))
    const worker = await driver.start(spec('worker'))
    const waiting = driver.wait(api)
    driver.crash(api, 2, 'panic: out of memory')
    driver.crash(worker)
    expect(await waiting).toEqual({ exitCode: 2, signal: null })
    expect(await driver.inspect(api)).toEqual({ status: 'exited', exitCode: 2 })
    expect(await driver.inspect(worker)).toEqual({ status: 'exited', exitCode: 1 })
    expect(await readLogs(driver, api)).toEqual(['panic: out of memory'])
    // The first exit is the one that counts.
    driver.crash(api, 8)
    expect(await driver.inspect(api)).toEqual({ status: 'exited', exitCode: 2 })
  })

  it('follows output until the instance exits', async () => {
    const driver = new FakeDriver().behave('web', { logs: ['booting'] })
    const instance = await driver.start(spec('web'))
    const following = driver.logs(instance, { follow: true })[Symbol.asyncIterator]()
    expect(await following.next()).toEqual({ done: false, value: { text: 'booting', stream: 'output' } })
    // Each next line is asked for before it is printed: the follower is waiting for it.
    const second = following.next()
    driver.print(instance, 'listening')
    expect(await second).toEqual({ done: false, value: { text: 'listening', stream: 'output' } })
    const third = following.next()
    driver.crash(instance, 1, 'fatal')
    expect(await third).toEqual({ done: false, value: { text: 'fatal', stream: 'output' } })
    expect(await following.next()).toEqual({ done: true, value: undefined })
  })

  it('stops following when the signal aborts', async () => {
    const driver = new FakeDriver().behave('web', { logs: ['booting'] })
    const instance = await driver.start(spec('web'))
    const controller = new AbortController()
    const following = driver
      .logs(instance, { follow: true, signal: controller.signal })
      [Symbol.asyncIterator]()
    expect(await following.next()).toEqual({ done: false, value: { text: 'booting', stream: 'output' } })
    const waiting = following.next()
    controller.abort()
    expect(await waiting).toEqual({ done: true, value: undefined })
    expect(await driver.inspect(instance)).toEqual({ status: 'running' })
  })

  it('answers exec with the scripted result, records the command, and refuses once stopped', async () => {
    const driver = new FakeDriver().behave('db', { execResult: { exitCode: 3, output: 'psql: error' } })
    const db = await driver.start(spec('db'))
    const web = await driver.start(spec('web'))
    expect(await driver.exec(db, { argv: ['psql', '-c', 'select 1'] })).toEqual({
      exitCode: 3,
      output: 'psql: error',
    })
    expect(await driver.exec(web, { shell: 'curl -f localhost' })).toEqual({ exitCode: 0, output: '' })
    expect(driver.events.filter((event) => event.type === 'exec')).toEqual([
      { type: 'exec', service: 'db', at: expect.any(Number), command: 'psql -c select 1' },
      { type: 'exec', service: 'web', at: expect.any(Number), command: 'curl -f localhost' },
    ])
    await driver.stop(db)
    const error = await driver.exec(db, { shell: 'true' }).catch((caught: unknown) => caught)
    expect(isDriverError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'exited', message: 'db is not running', fix: 'start it first' })
  })

  it('records every event in order, stamped by its clock', async () => {
    let now = 1000
    const driver = new FakeDriver({ now: () => (now += 10) })
    const instance = await driver.start(spec('web'))
    await driver.probe(instance, { type: 'tcp', port: 'main', ...TIMING })
    await driver.exec(instance, { argv: ['true'] })
    await driver.stop(instance)
    expect(driver.events).toEqual([
      { type: 'start', service: 'web', at: 1010 },
      { type: 'started', service: 'web', at: 1020 },
      { type: 'probe', service: 'web', at: 1030, ok: true },
      { type: 'exec', service: 'web', at: 1040, command: 'true' },
      { type: 'stop', service: 'web', at: 1050 },
      { type: 'stopped', service: 'web', at: 1060 },
    ])
  })
})

describe('FakeDriver: real listeners, exec scripts, scripts by spec', () => {
  const withPorts = processService({
    ports: [
      { name: 'http', container: null, host: null, protocol: 'tcp', env: null },
      { name: 'admin', container: null, host: null, protocol: 'tcp', env: null },
    ],
  })
  const connects = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })

  it('listens for real with listen, probes those ports, and closes them when it stops', async () => {
    const driver = new FakeDriver().behave('web', { listen: true })
    const instance = await driver.start(spec('web', withPorts))
    const { http, admin } = instance.ports as { http: number; admin: number }
    expect(http).not.toBe(admin)
    expect([await connects(http), await connects(admin)]).toEqual([true, true])
    const tcp = { type: 'tcp', port: 'admin', ...TIMING } as const
    expect(await driver.probe(instance, tcp)).toEqual({
      ok: true,
      detail: `127.0.0.1:${admin} accepts connections`,
    })
    expect(
      await driver.probe(instance, { type: 'http', port: 'http', path: '/x', status: [200], ...TIMING }),
    ).toEqual({ ok: true, detail: `GET http://127.0.0.1:${http}/x → HTTP 200` })
    expect(await driver.probe(instance, { ...tcp, port: 'nope' })).toEqual({
      ok: false,
      detail: 'web has no port named nope',
    })
    await driver.stop(instance)
    expect([await connects(http), await connects(admin)]).toEqual([false, false])
  })

  it('closes its listeners when it exits by itself, and refuses a fixed port that is taken', async () => {
    const driver = new FakeDriver({ script: () => ({ listen: true }) })
    const instance = await driver.start(spec('web', withPorts))
    driver.crash(instance, 2)
    await driver.stop(instance)
    expect(await connects(instance.ports.http as number)).toBe(false)

    const taken = await driver.start(spec('other', withPorts))
    const fixed = processService({
      ports: [
        { name: 'main', container: null, host: taken.ports.http as number, protocol: 'tcp', env: null },
      ],
    })
    await expect(driver.start(spec('web', fixed))).rejects.toMatchObject({ code: 'port-conflict' })
    await driver.stop(taken)
  })

  it('runs exec scripts with the service env under the exec env; a command probe follows their exit code', async () => {
    const seen: Array<Record<string, string>> = []
    const exec = (command: NormalizedCommand, env: Readonly<Record<string, string>>): ExecResult => {
      seen.push({ ...env })
      return 'shell' in command ? { exitCode: 0, output: command.shell } : { exitCode: 5, output: 'no' }
    }
    const driver = new FakeDriver().behave('web', { exec, execResult: { exitCode: 9, output: 'unused' } })
    const instance = await driver.start(spec('web', processService({ env: { A: '1', B: '2' } })))
    expect(await driver.exec(instance, { shell: 'hi' }, { env: { B: '3' } })).toEqual({
      exitCode: 0,
      output: 'hi',
    })
    const check = { type: 'command', command: { argv: ['false'] }, ...TIMING } as const
    expect(await driver.probe(instance, check)).toEqual({ ok: false, detail: 'exit 5' })
    expect(seen).toEqual([
      { A: '1', B: '3' },
      { A: '1', B: '2' },
    ])
    expect(driver.events.filter((event) => event.type === 'exec')).toHaveLength(1)
  })

  it('asks script for what behave did not script, with the spec start got', async () => {
    const asked: string[] = []
    const script = (given: InstanceSpec): FakeBehaviour | undefined => {
      asked.push(given.identity.service)
      return given.service.kind === 'job' ? { exitCode: 6, logs: [`ran ${given.service.name}`] } : undefined
    }
    const driver = new FakeDriver({ script }).behave('scripted', { exitCode: 1 })
    const migrate = await driver.start(spec('migrate', jobService()))
    const scripted = await driver.start(spec('scripted', jobService()))
    const web = await driver.start(spec('web'))
    expect(await driver.wait(migrate)).toEqual({ exitCode: 6, signal: null })
    expect(await driver.wait(scripted)).toEqual({ exitCode: 1, signal: null })
    expect(await readLogs(driver, migrate)).toEqual(['ran migrate'])
    expect(await driver.inspect(web)).toEqual({ status: 'running' })
    expect(asked).toEqual(['migrate', 'web'])
  })
})

describe('FakeDriver: the README example', () => {
  it('behaves as packages/driver/README.md says', async () => {
    const driver = new FakeDriver().behave('db', { failingProbes: 1, logs: ['ready to accept connections'] })
    const db = await driver.start(spec('db'))
    const check = {
      type: 'log',
      pattern: { source: 'ready to accept', flags: '' },
      timeoutMs: 5000,
      intervalMs: 100,
    } as const
    expect(await driver.probe(db, check)).toEqual({ ok: false, detail: 'log check failed (attempt 1)' })
    expect(await driver.probe(db, check)).toEqual({ ok: true, detail: 'pattern seen' })
    driver.crash(db, 137, 'killed')
    expect(await driver.wait(db)).toEqual({ exitCode: 137, signal: null })
    expect(driver.events.map((event) => event.type)).toEqual(['start', 'started', 'probe', 'probe'])
  })
})

describe('FakeDriver: one FakeRuntime, two drivers', () => {
  it('lets a second driver see, inspect, follow and stop what the first started', async () => {
    const runtime = new FakeRuntime()
    const first = new FakeDriver({ runtime }).behave('web', { logs: ['ready'] })
    const second = new FakeDriver({ runtime })
    const withPort = processService({
      ports: [{ name: 'main', container: null, host: null, protocol: 'tcp', env: null }],
    })
    const web = await first.start(spec('web', withPort))
    const db = await second.start(spec('db', withPort))
    expect([web.id, db.id]).toEqual(['fake-1', 'fake-2'])
    expect([web.ports.main, db.ports.main]).toEqual([41000, 41001])

    expect(ids(await second.list({ projectId: PROJECT_ID }))).toEqual(ids([web, db]))
    const [found] = await second.list({ projectId: PROJECT_ID, service: 'web' })
    expect(found).toEqual(web)
    expect(await readLogs(second, found as Instance)).toEqual(['ready'])
    const waiting = first.wait(web)
    await second.stop(found as Instance)
    expect(await waiting).toEqual({ exitCode: null, signal: 'SIGTERM' })
    expect(await first.inspect(web)).toEqual({ status: 'missing' })
    expect(second.events).toBe(first.events)
    expect(first.events.map((event) => `${event.type} ${event.service}`)).toEqual([
      'start web',
      'started web',
      'start db',
      'started db',
      'stop web',
      'stopped web',
    ])
  })

  it('keeps separate runtimes apart', async () => {
    const first = new FakeDriver()
    const second = new FakeDriver()
    const web = await first.start(spec('web'))
    expect(await second.list({ projectId: PROJECT_ID })).toEqual([])
    expect(await second.inspect(web)).toEqual({ status: 'missing' })
  })
})

/**
 * The fake, scripted as the conformance fixtures say, through the same suite as the real drivers.
 * Its services are told apart by their command (`fake server`, `fake crash 3`, …); the server
 * listens for real and stands in for a shell with `greet` and `fail <code>`.
 */
const conformanceExec = (command: NormalizedCommand, env: Readonly<Record<string, string>>): ExecResult => {
  const [name, arg] = 'argv' in command ? command.argv : [command.shell]
  if (name === 'greet') return { exitCode: 0, output: `exec-${env.GREETING}` }
  if (name === 'fail') return { exitCode: Number(arg), output: 'failing' }
  return { exitCode: 127, output: `${name}: not found` }
}

function conformanceScript({ service }: InstanceSpec): FakeBehaviour | undefined {
  if (service.kind === 'container' || !('argv' in service.command)) return undefined
  const [fake, role, arg] = service.command.argv
  if (fake !== 'fake') return undefined
  switch (role) {
    case 'server':
      return { listen: true, logs: [`hello ${service.env.GREETING}`, 'ready'], exec: conformanceExec }
    case 'crash':
      return { logs: ['bye'], exitAfterMs: 100, exitCode: Number(arg) }
    case 'stubborn':
      return { logs: ['trapping'], ignoresStopSignal: true }
    case 'job':
      return { logs: ['job done'], exitCode: Number(arg) }
    default:
      return undefined
  }
}

const env = { GREETING: 'conformance' }
describeDriverConformance({
  name: 'fake',
  createDriver: () => new FakeDriver({ script: conformanceScript }),
  root: '/project',
  stopTimeoutMs: 200,
  fixtures: {
    server: () =>
      processService({
        command: { argv: ['fake', 'server'] },
        env,
        ports: [{ name: 'main', container: null, host: null, protocol: 'tcp', env: 'PORT' }],
      }),
    crash: (code) => processService({ command: { argv: ['fake', 'crash', String(code)] }, env }),
    stubborn: () => processService({ command: { argv: ['fake', 'stubborn'] }, env }),
    job: (code) => jobService({ command: { argv: ['fake', 'job', String(code)] }, env }),
    commands: { greet: { argv: ['greet'] }, fail: (code) => ({ argv: ['fail', String(code)] }) },
  },
})
