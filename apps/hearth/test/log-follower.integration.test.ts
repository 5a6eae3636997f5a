import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  attachControllers,
  createHearthStore,
  createMemoryLocks,
  EnvironmentController,
  type HearthStore,
  initialState,
  LogFollower,
  projectIdentity,
  type ServiceKey,
  selectEnvironmentStatus,
  selectLogLines,
  systemClock,
} from '@hearth/core'
import { ProcessDriver } from '@hearth/driver-process'
import { ready } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The log follower on real processes (the ProcessDriver; no Docker): services that print over
 * time, followed into the store as the session wires it, the environment controller's `handleOf`
 * handing over the instances. It lives in the app because core does not depend on a concrete
 * driver.
 */

const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-log-follower-'))
const stateDir = path.join(root, '.hearth')

/** `node -e script`: prints `lines` one every 40 ms, then stays up (a service) or exits (a job). */
const printer = (lines: readonly string[], then: 'stay' | 'exit') => [
  process.execPath,
  '-e',
  `const lines = ${JSON.stringify(lines)}
let i = 0
const timer = setInterval(() => {
  console.log(lines[i++])
  if (i === lines.length) { clearInterval(timer); ${then === 'stay' ? 'setInterval(() => {}, 1 << 30)' : ''} }
}, 40)`,
]

const TICKS = ['tick 1', '\u001b[32mtick 2\u001b[39m', 'tick 3', 'tick 4', 'tick 5']
const result = validateConfig(
  {
    project: `log-follower-${process.pid}`,
    environments: [
      {
        name: 'logs',
        services: {
          ticker: { kind: 'process', command: printer(TICKS, 'stay'), readiness: ready.log(/tick 2/) },
          seed: { kind: 'job', command: printer(['seeding 1', 'seeding 2', 'seeding 3'], 'exit') },
        },
      },
    ],
  },
  { root, file: 'hearth.config.ts', defaultProject: 'log-follower' },
)
if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
const config = result.config

const store: HearthStore = createHearthStore(initialState(Date.now()))
const environments = new EnvironmentController({
  store,
  drivers: [new ProcessDriver({ stateDir })],
  locks: createMemoryLocks(),
  clock: systemClock,
  version: 'test',
})
const follower = new LogFollower({ store, clock: systemClock, handleOf: (key) => environments.handleOf(key) })
const errors: unknown[] = []
const detach = attachControllers(store, [environments, follower], (_, error) => errors.push(error))
store.dispatch({ type: 'project/loaded', at: Date.now(), project: projectIdentity(config), config })

afterAll(async () => {
  await follower.stop()
  store.dispatch({ type: 'environment/down-requested', at: Date.now(), environments: ['logs'], only: 'all' })
  await waitFor('the services to stop', () =>
    Object.values(store.getState().services).every((service) => service.instance === null),
  )
  await environments.idle()
  detach()
  rmSync(root, { recursive: true, force: true })
})

/** Polls until `done` holds; the deadline is far beyond what the work needs on a loaded machine. */
async function waitFor(what: string, done: () => boolean, timeoutMs = 25_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const texts = (key: ServiceKey) => selectLogLines(store.getState(), key).lines.map((line) => line.text)

describe('LogFollower with the ProcessDriver', () => {
  it('follows what services print over time into the store, in order and without colours', async () => {
    store.dispatch({ type: 'environment/up-requested', at: Date.now(), environments: ['logs'] })
    await waitFor('the environment', () => selectEnvironmentStatus(store.getState(), 'logs') === 'ready')
    // Ready once `tick 2` was printed: the rest comes while it runs.
    await waitFor('the last tick', () => texts('logs/ticker').includes('tick 5'))
    await waitFor('the job’s output', () => texts('logs/seed').includes('seeding 3'))

    expect(texts('logs/ticker')).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5'])
    expect(texts('logs/seed')).toEqual(['seeding 1', 'seeding 2', 'seeding 3'])
    expect(store.getState().services['logs/seed']?.status).toBe('completed')
    expect(
      selectLogLines(store.getState(), 'logs/ticker').lines.every((line) => line.stream === 'output'),
    ).toBe(true)
    expect(errors).toEqual([])
  })

  it('marks a restart and follows the new process from its start, reading the old one once', async () => {
    const before = store.getState().services['logs/ticker']?.instance?.id
    store.dispatch({ type: 'service/restart-requested', at: Date.now(), keys: ['logs/ticker'] })
    await waitFor('the new instance', () => {
      const ticker = store.getState().services['logs/ticker']
      return ticker?.status === 'ready' && ticker.instance !== null && ticker.instance.id !== before
    })
    const after = store.getState().services['logs/ticker']?.instance?.id
    await waitFor(
      'the new instance’s last tick',
      () => texts('logs/ticker').filter((text) => text === 'tick 5').length === 2,
    )

    expect(texts('logs/ticker')).toEqual([
      'tick 1',
      'tick 2',
      'tick 3',
      'tick 4',
      'tick 5',
      `── restarted (instance ${after}) ──`,
      'tick 1',
      'tick 2',
      'tick 3',
      'tick 4',
      'tick 5',
    ])
    expect(errors).toEqual([])
  })
})
