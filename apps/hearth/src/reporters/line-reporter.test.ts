import {
  createHearthStore,
  createMemoryLocks,
  createMemoryUsageRecords,
  createSession,
  type HearthState,
} from '@hearth/core'
import { FakeDriver } from '@hearth/driver'
import { ready } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { describe, expect, it } from 'vitest'
import { createStyle } from '../style.js'
import { attachLineReporter, formatAction } from './line-reporter.js'

const plain = createStyle({ isTTY: false }, {})

function config() {
  const result = validateConfig(
    {
      project: 'shop',
      environments: [
        {
          name: 'backend',
          services: {
            db: { kind: 'process', command: 'db', ports: { pg: {} } },
            migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
            api: {
              kind: 'process',
              command: 'api',
              dependsOn: ['migrate'],
              ports: { http: {} },
              readiness: ready.http('http', '/health', { timeoutMs: 200, intervalMs: 50 }),
              outputs: { url: 'http://{{host}}:{{ports.http}}' },
            },
          },
        },
      ],
    },
    { root: '/shop', file: 'hearth.config.ts', defaultProject: 'shop' },
  )
  if (!result.ok) throw new Error('bad test config')
  return result.config
}

/** Runs a session on the fake driver with the line reporter attached; returns what it printed. */
async function linesOf(
  driver: FakeDriver,
  work: (session: ReturnType<typeof createSession>) => Promise<unknown>,
) {
  const session = createSession({
    config: config(),
    drivers: [driver],
    version: 'test',
    usage: createMemoryUsageRecords(),
    locks: createMemoryLocks(),
  })
  const lines: string[] = []
  attachLineReporter({ store: session.store, write: (line) => lines.push(line), style: plain })
  await work(session)
  await session.close()
  return lines.map((line) => line.replace(/\d+ ms/g, '<t>').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>'))
}

describe('the line reporter', () => {
  it('prints one line per state change, with durations and the endpoint', async () => {
    const lines = await linesOf(new FakeDriver(), (session) => session.up())
    expect(lines).toMatchInlineSnapshot(`
      [
        "  db        starting     process",
        "  db        started      pg 127.0.0.1:<port> · waiting until ready",
        "✓ db        ready        <t>  127.0.0.1:<port>",
        "  migrate   starting     job",
        "  migrate   running",
        "✓ migrate   completed    <t>",
        "  api       starting     process",
        "  api       started      http 127.0.0.1:<port> · waiting until ready",
        "✓ api       ready        <t>  http://127.0.0.1:<port>",
      ]
    `)
  })

  it('prints a failure with its fix and output, and the services it blocked', async () => {
    const driver = new FakeDriver().behave('migrate', {
      exitCode: 3,
      logs: ['applying 004.sql', 'ERROR: column "total" does not exist'],
    })
    const lines = await linesOf(driver, (session) => session.up())
    expect(lines.slice(4)).toMatchInlineSnapshot(`
      [
        "  migrate   running",
        "✗ migrate   failed       exited with code 3",
        "            fix: see its output below",
        "            last 2 lines of its output:",
        "            │ applying 004.sql",
        "            │ ERROR: column "total" does not exist",
        "- api       not started  migrate failed",
      ]
    `)
  })

  it('prints attaching on a warm run, and stopping in order on down', async () => {
    const driver = new FakeDriver()
    await linesOf(driver, (session) => session.up())
    const warm = await linesOf(new FakeDriver({ runtime: driver.runtime }), async (session) => {
      await session.up()
      await session.down()
    })
    expect(
      warm.map((line) => line.replace(/running for \S+ s|running for <t>/, 'running for <t>')),
    ).toMatchInlineSnapshot(`
      [
        "  db        starting     process",
        "  db        attached     running for <t> · pg 127.0.0.1:<port>",
        "✓ db        ready        <t>  127.0.0.1:<port>",
        "  migrate   starting     job",
        "✓ migrate   completed    done in an earlier run, unchanged",
        "  api       starting     process",
        "  api       attached     running for <t> · http 127.0.0.1:<port>",
        "✓ api       ready        <t>  http://127.0.0.1:<port>",
        "  api       stopping",
        "  api       stopped      <t>",
        "  migrate   stopping",
        "  migrate   stopped      <t>",
        "  db        stopping",
        "  db        stopped      <t>",
      ]
    `)
  })

  it('says when it waits for another hearth, and when it is interrupted', () => {
    const store = createHearthStore()
    store.dispatch({
      type: 'project/loaded',
      at: 0,
      project: { name: 'shop', id: 'shop-1', root: '/shop' },
      config: config(),
    })
    const state: HearthState = store.getState()
    expect(
      formatAction(
        { type: 'environment/lock-waiting', at: 1, environment: 'backend', holder: 'pid 42 (hearth.js up)' },
        state,
        plain,
      ),
    ).toEqual(['  backend   waiting      another hearth holds it: pid 42 (hearth.js up)'])
    expect(formatAction({ type: 'session/interrupted', at: 1, signal: 'SIGINT' }, state, plain)).toEqual([
      '! interrupted (SIGINT): stopping what this run started…',
    ])
  })
})
