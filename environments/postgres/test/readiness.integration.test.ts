import path from 'node:path'
import type { Instance } from '@hearth/driver'
import { probeUntilReady, specOf } from '@hearth/driver/testing'
import { ProcessDriver } from '@hearth/driver-process'
import { ready } from '@hearth/environments'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgres } from '../src/index.js'
import { configOf, createProject, ENVIRONMENT, processesOf, query, removeProject } from './helpers.js'

/**
 * `ready.postgres` under the process driver, against a real server: the embedded PostgreSQL that
 * the preset falls back to, started by its own script. No Docker.
 */
// initdb and a server start on a machine that may run at load 12: a limit for a hang, not a timing.
describe('ready.postgres against the embedded PostgreSQL (process driver)', { timeout: 180_000 }, () => {
  const projectId = `env-postgres-probe-${process.pid}`
  let root = ''
  let driver: ProcessDriver
  let instance: Instance | null = null
  const check = {
    type: 'postgres',
    port: 'pg',
    user: 'shop',
    database: 'postgres',
    timeoutMs: 60_000,
    intervalMs: 100,
  } as const

  beforeAll(() => {
    root = createProject('env-postgres-probe')
    driver = new ProcessDriver({ stateDir: path.join(root, '.hearth') })
  })

  afterAll(async () => {
    if (instance !== null) await driver.stop(instance, { timeoutMs: 10_000 })
    expect(processesOf(projectId)).toEqual([])
    removeProject(root)
  })

  it('is not ready until the server listens, then ready, and a real query answers right after', async () => {
    const embedded = postgres({ user: 'shop', password: 's3cret', database: 'orders' }).fallback
    if (embedded === undefined || embedded === null) throw new Error('postgres() has a fallback by default')
    const config = configOf(root, {
      db: { ...embedded, readiness: ready.postgres('pg', { database: 'postgres' }) },
    })
    instance = await driver.start(specOf(config, { environment: ENVIRONMENT, service: 'db' }, projectId))
    const port = instance.ports.pg as number

    const { failures, detail } = await probeUntilReady(driver, instance, check)
    // initdb takes a while: the first probes find nothing listening (or the server starting up).
    expect(failures.length).toBeGreaterThan(0)
    expect(failures[0]).toBe(`127.0.0.1:${port}: connection refused`)
    for (const failure of failures) {
      expect(failure).toMatch(/connection refused|not accepting connections yet: .*\(57P03\)/)
    }
    // scram for TCP connections: the server asks for a password, and the probe sends none.
    expect(detail).toBe(
      `127.0.0.1:${port}: PostgreSQL accepts connections (asks shop to authenticate; no password sent)`,
    )
    expect(await query(`postgres://shop:s3cret@127.0.0.1:${port}/postgres`, 'SELECT 1 AS one')).toEqual([
      { one: 1 },
    ])
  })

  it('passes for a database that does not exist yet where a password is asked first (so the fallback keeps its log line)', async () => {
    if (instance === null) throw new Error('the first test starts the server')
    const port = instance.ports.pg as number
    // PostgreSQL authenticates before it looks the database up: with scram, "ready" says the server
    // accepts connections, not that the script has created the database. The embedded fallback
    // creates its database after the server starts, so its readiness stays the line it prints once
    // a query on that database answered.
    expect(
      await driver.probe(instance, { ...check, database: 'not_created' }, { timeoutMs: 5_000 }),
    ).toMatchObject({
      ok: true,
    })
    await expect(query(`postgres://shop:s3cret@127.0.0.1:${port}/not_created`, 'SELECT 1')).rejects.toThrow(
      /database "not_created" does not exist/,
    )
  })
})
