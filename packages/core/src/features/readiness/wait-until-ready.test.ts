import { createLabels, type Driver, FakeDriver, type Instance } from '@hearth/driver'
import type { NormalizedReadiness } from '@hearth/environments'
import { describe, expect, it, vi } from 'vitest'
import type { Clock } from '../../clock.js'
import { configOf } from '../../testing/fixtures.js'
import { FIRST_PROBE_INTERVAL_MS, waitUntilReady } from './wait-until-ready.js'

/** A clock whose sleeps are recorded and pass at once, moving `now` forward. */
class FakeClock implements Clock {
  time = 0
  readonly sleeps: number[] = []
  /** Called inside each sleep, after it is recorded: lets a test abort at a given point. */
  onSleep: (count: number) => void = () => undefined

  now(): number {
    return this.time
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms)
    this.onSleep(this.sleeps.length)
    if (signal?.aborted) throw signal.reason
    this.time += ms
  }
}

const config = configOf({
  name: 'backend',
  services: { db: { kind: 'process', command: 'db', ports: { pg: {} } } },
})

async function started(driver: FakeDriver): Promise<Instance> {
  const service = config.environments.backend?.services.db
  if (service === undefined) throw new Error('no db in the test config')
  const identity = { project: 'demo', projectId: 'demo-1', environment: 'backend', service: 'db' }
  return driver.start({
    identity,
    specHash: 'h',
    labels: createLabels(identity, 'process', 'h', 'test'),
    service,
    root: '/project',
  })
}

const tcp = (timing: { timeoutMs: number; intervalMs: number }): NormalizedReadiness => ({
  type: 'tcp',
  port: 'pg',
  ...timing,
})

function setup(driver: FakeDriver) {
  // Through the Driver type: the fake's own signature leaves out the probe options it ignores.
  const probe = vi.spyOn(driver as Driver, 'probe')
  const clock = new FakeClock()
  const controller = new AbortController()
  return { driver, probe, clock, controller, options: { clock, signal: controller.signal } }
}

describe('waitUntilReady', () => {
  it("is ready at once, with no probe, for readiness 'none'", async () => {
    const { driver, probe, clock, options } = setup(new FakeDriver())
    const instance = await started(driver)
    const outcome = await waitUntilReady(
      driver,
      instance,
      { type: 'none', timeoutMs: 1_000, intervalMs: 100 },
      options,
    )
    expect(outcome).toEqual({ ready: true, attempts: 0 })
    expect(probe).not.toHaveBeenCalled()
    expect(clock.sleeps).toEqual([])
  })

  it('is ready after one probe, without sleeping, when the first probe passes', async () => {
    const { driver, clock, options } = setup(new FakeDriver())
    const instance = await started(driver)
    expect(
      await waitUntilReady(driver, instance, tcp({ timeoutMs: 1_000, intervalMs: 100 }), options),
    ).toEqual({ ready: true, attempts: 1 })
    expect(clock.sleeps).toEqual([])
  })

  it('backs off from 10 ms by half each time, up to intervalMs', async () => {
    const { driver, probe, clock, options } = setup(new FakeDriver().behave('db', { failingProbes: 13 }))
    const instance = await started(driver)
    const outcome = await waitUntilReady(
      driver,
      instance,
      tcp({ timeoutMs: 60_000, intervalMs: 1_000 }),
      options,
    )
    expect(outcome).toEqual({ ready: true, attempts: 14 })
    expect(FIRST_PROBE_INTERVAL_MS).toBe(10)
    expect(clock.sleeps).toEqual([
      10, 15, 22.5, 33.75, 50.625, 75.9375, 113.90625, 170.859375, 256.2890625, 384.43359375, 576.650390625,
      864.9755859375, 1_000,
    ])
    // One attempt never waits longer than 5 s, whatever time is left.
    expect(probe.mock.calls.map(([, , probeOptions]) => probeOptions.timeoutMs)).toEqual(
      Array(14).fill(5_000),
    )
  })

  it('caps the backoff at a small intervalMs', async () => {
    const { driver, clock, options } = setup(new FakeDriver().behave('db', { failingProbes: 8 }))
    const instance = await started(driver)
    expect(
      await waitUntilReady(driver, instance, tcp({ timeoutMs: 10_000, intervalMs: 100 }), options),
    ).toEqual({ ready: true, attempts: 9 })
    expect(clock.sleeps).toEqual([10, 15, 22.5, 33.75, 50.625, 75.9375, 100, 100])
  })

  it('makes its last probe at the deadline, then gives up with the last detail', async () => {
    const { driver, probe, clock, options } = setup(new FakeDriver().behave('db', { neverReady: true }))
    const instance = await started(driver)
    const outcome = await waitUntilReady(
      driver,
      instance,
      tcp({ timeoutMs: 300, intervalMs: 1_000 }),
      options,
    )
    expect(outcome).toEqual({ ready: false, attempts: 8, detail: 'tcp check failed (attempt 8)' })
    // Probes at 0, 10, 25, 47.5, 81.25, 131.875 and 207.8125 ms, and a last one at the 300 ms
    // deadline (not at 321.71875 ms).
    expect(clock.sleeps).toEqual([10, 15, 22.5, 33.75, 50.625, 75.9375, 92.1875])
    expect(clock.now()).toBe(300)
    // Each attempt may take what is left of the timeout, but at least 100 ms.
    expect(probe.mock.calls.map(([, , probeOptions]) => probeOptions.timeoutMs)).toEqual([
      300, 290, 275, 252.5, 218.75, 168.125, 100, 100,
    ])
  })

  it('counts a probe that throws as a failed attempt and goes on probing', async () => {
    const { driver, probe, options } = setup(new FakeDriver().behave('db', { failingProbes: 1 }))
    const instance = await started(driver)
    probe.mockImplementationOnce(async () => {
      throw new Error('docker daemon went away')
    })
    const onAttempt = vi.fn()
    const outcome = await waitUntilReady(driver, instance, tcp({ timeoutMs: 10_000, intervalMs: 1_000 }), {
      ...options,
      onAttempt,
    })
    expect(outcome).toEqual({ ready: true, attempts: 3 })
    expect(onAttempt.mock.calls).toEqual([
      [1, 'docker daemon went away'],
      [2, 'tcp check failed (attempt 1)'],
    ])
  })

  it('reports every failed attempt, with its count and detail, and not the one that passes', async () => {
    const { driver, options } = setup(new FakeDriver().behave('db', { failingProbes: 2 }))
    const instance = await started(driver)
    const onAttempt = vi.fn()
    const outcome = await waitUntilReady(driver, instance, tcp({ timeoutMs: 10_000, intervalMs: 1_000 }), {
      ...options,
      onAttempt,
    })
    expect(outcome).toEqual({ ready: true, attempts: 3 })
    expect(onAttempt.mock.calls).toEqual([
      [1, 'tcp check failed (attempt 1)'],
      [2, 'tcp check failed (attempt 2)'],
    ])
  })

  it('reports the last failed attempt before it gives up', async () => {
    const { driver, options } = setup(new FakeDriver().behave('db', { neverReady: true }))
    const instance = await started(driver)
    const onAttempt = vi.fn()
    await waitUntilReady(driver, instance, tcp({ timeoutMs: 300, intervalMs: 1_000 }), {
      ...options,
      onAttempt,
    })
    expect(onAttempt.mock.calls.map(([attempts]) => attempts)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it("does not probe again a check of 'all' that passed", async () => {
    const driver = new FakeDriver().behave('db', {
      failingProbes: 1,
      logs: ['database system is ready to accept connections'],
    })
    const { probe, clock, options } = setup(driver)
    const instance = await started(driver)
    const readiness: NormalizedReadiness = {
      type: 'all',
      timeoutMs: 10_000,
      intervalMs: 1_000,
      checks: [
        tcp({ timeoutMs: 10_000, intervalMs: 1_000 }),
        {
          type: 'log',
          pattern: { source: 'ready to accept', flags: '' },
          timeoutMs: 10_000,
          intervalMs: 1_000,
        },
      ],
    }
    // The fake counts probes per instance: the tcp probe is its first (fails), the log probe its second (passes).
    const outcome = await waitUntilReady(driver, instance, readiness, options)
    expect(outcome).toEqual({ ready: true, attempts: 2 })
    expect(probe.mock.calls.map(([, check]) => check.type)).toEqual(['tcp', 'log', 'tcp'])
    expect(clock.sleeps).toEqual([10])
  })

  it("reports the failing check's detail for 'all'", async () => {
    const driver = new FakeDriver()
    const { options } = setup(driver)
    const instance = await started(driver)
    const readiness: NormalizedReadiness = {
      type: 'all',
      timeoutMs: 100,
      intervalMs: 1_000,
      checks: [
        tcp({ timeoutMs: 100, intervalMs: 1_000 }),
        { type: 'log', pattern: { source: 'never printed', flags: '' }, timeoutMs: 100, intervalMs: 1_000 },
      ],
    }
    // Probes at 0, 10, 25, 47.5 and 81.25 ms, and the last at the 100 ms deadline.
    expect(await waitUntilReady(driver, instance, readiness, options)).toEqual({
      ready: false,
      attempts: 6,
      detail: 'no line matches /never printed/',
    })
  })

  it('rejects with the reason when the signal aborts while it waits', async () => {
    const { driver, probe, clock, controller, options } = setup(
      new FakeDriver().behave('db', { neverReady: true }),
    )
    const instance = await started(driver)
    const reason = new Error('stop requested')
    clock.onSleep = (count) => {
      if (count === 2) controller.abort(reason)
    }
    await expect(
      waitUntilReady(driver, instance, tcp({ timeoutMs: 60_000, intervalMs: 1_000 }), options),
    ).rejects.toBe(reason)
    expect(probe).toHaveBeenCalledTimes(2)
  })

  it('rejects without probing when the signal has already aborted', async () => {
    const { driver, probe, controller, options } = setup(new FakeDriver())
    const instance = await started(driver)
    const reason = new Error('interrupted')
    controller.abort(reason)
    await expect(
      waitUntilReady(driver, instance, tcp({ timeoutMs: 60_000, intervalMs: 1_000 }), options),
    ).rejects.toBe(reason)
    expect(probe).not.toHaveBeenCalled()
  })
})
