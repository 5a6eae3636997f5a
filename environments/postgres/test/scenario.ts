import { existsSync } from 'node:fs'
import path from 'node:path'
import type { HearthState, ServiceState, Session } from '@hearth/core'
import type { Driver } from '@hearth/driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations, postgres } from '../src/index.js'
import { workerDatabaseUrl } from '../src/testing/index.js'
import {
  configOf,
  createProject,
  customers,
  ENVIRONMENT,
  median,
  OUTPUT_KEYS,
  openSession,
  processesOf,
  query,
  removeProject,
  TEST_IMAGE,
  timed,
  writeMigration,
} from './helpers.js'

export interface ScenarioOptions {
  /** Which runtime the database ends up on. */
  runtime: 'docker' | 'embedded'
  drivers: (stateDir: string) => Driver[]
  /** Checks on the db service once up (who runs it, whether it fell back). */
  expectRunning: (db: ServiceState) => void
  /** Checks after `down`, beyond "no process carries the project's labels". */
  expectNothingLeft: (projectId: string, root: string) => void | Promise<void>
}

/**
 * The same story on either runtime, through hearth's own session: up (db, then the migrations job),
 * a real query on the `url` output, data written and reset away with the migrated schema kept,
 * worker databases apart from each other, and down leaving nothing.
 */
export function describeDatabaseScenario(options: ScenarioOptions): void {
  describe(`postgres() on ${options.runtime}`, () => {
    let root = ''
    let session: Session
    let projectId = ''
    let url = ''
    const timings: string[] = []
    const db = (state: HearthState = session.store.getState()): ServiceState =>
      state.services[`${ENVIRONMENT}/db`] as ServiceState

    beforeAll(() => {
      root = createProject(`env-postgres-${options.runtime}`)
      const config = configOf(root, {
        db: postgres({ image: TEST_IMAGE }),
        migrate: migrations({ command: writeMigration(root) }),
      })
      session = openSession(config, options.drivers(path.join(root, '.hearth')))
      projectId = session.project.id
    })

    afterAll(async () => {
      if (timings.length > 0) console.log(`[${options.runtime}] ${timings.join('; ')}`)
      await session?.down().catch(() => undefined)
      await session?.close()
      removeProject(root)
    })

    it('comes up, and a real query answers on its url output', async () => {
      const [state, upMs] = await timed(() => session.up())
      timings.push(`cold up (db + migrations) ${upMs} ms`)
      const service = db(state)
      expect({ status: service.status, failure: service.failure }).toEqual({ status: 'ready', failure: null })
      expect(state.services[`${ENVIRONMENT}/migrate`]?.status).toBe('completed')
      options.expectRunning(service)
      expect(Object.keys(service.outputs).sort()).toEqual(OUTPUT_KEYS)
      const { outputs } = service
      // Loopback only: the published port (or the process's), never a container's address.
      expect(outputs.host).toBe('127.0.0.1')
      expect(outputs.url).toBe(`postgres://postgres:postgres@127.0.0.1:${outputs.port}/app`)
      expect(outputs.pgPort).toBe(outputs.port)
      expect({ user: outputs.user, password: outputs.password, database: outputs.database }).toEqual({
        user: 'postgres',
        password: 'postgres',
        database: 'app',
      })
      url = outputs.url as string
      const [row] = await query<{ db: string; who: string; answer: number }>(
        url,
        'SELECT current_database() AS db, current_user AS who, 6 * 7 AS answer',
      )
      expect(row).toEqual({ db: 'app', who: 'postgres', answer: 42 })
    })

    it('resets away what a test wrote and keeps what the migrations made', async () => {
      expect(await customers(url)).toEqual(['seed'])
      await query(url, "INSERT INTO invoices (customer) VALUES ('from a test'), ('another')")
      expect(await customers(url)).toEqual(['seed', 'from a test', 'another'])

      const [state, resetMs] = await timed(() => session.reset())
      timings.push(`first reset ${resetMs} ms`)
      expect(db(state).failure).toBeNull()
      expect(db(state).lastResetAt).not.toBeNull()
      expect(await customers(url)).toEqual(['seed'])

      // A connection held open across a reset is ended, not waited for.
      const held = await import('pg').then(({ default: pg }) => new pg.Client({ connectionString: url }))
      held.on('error', () => undefined)
      await held.connect()
      const more: number[] = []
      for (let round = 0; round < 5; round++) {
        await query(url, "INSERT INTO invoices (customer) VALUES ('round')")
        const [after, ms] = await timed(() => session.reset())
        expect(db(after).failure).toBeNull()
        more.push(ms)
      }
      await held.end().catch(() => undefined)
      timings.push(`reset median of 5 ${median(more)} ms (${more.join(', ')})`)
      expect(await customers(url)).toEqual(['seed'])
      const tables = await query<{ name: string }>(
        url,
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
      )
      expect(tables).toEqual([{ name: 'invoices' }])
    })

    it('gives each worker its own database, copied from the template', async () => {
      // Four calls at once, two per worker: the losers of each race must still succeed.
      const [[one, two, oneAgain, twoAgain], workersMs] = await timed(() =>
        Promise.all([
          workerDatabaseUrl(url, 1),
          workerDatabaseUrl(url, 2),
          workerDatabaseUrl(url, 1),
          workerDatabaseUrl(url, '2'),
        ]),
      )
      timings.push(`2 worker databases (4 concurrent calls) ${workersMs} ms`)
      expect([oneAgain, twoAgain]).toEqual([one, two])
      expect(one).toBe(url.replace(/\/app$/, '/app_w1'))
      expect(two).toBe(url.replace(/\/app$/, '/app_w2'))

      await query(one as string, "INSERT INTO invoices (customer) VALUES ('worker 1')")
      expect(await customers(one as string)).toEqual(['seed', 'worker 1'])
      expect(await customers(two as string)).toEqual(['seed'])
      expect(await customers(url)).toEqual(['seed'])

      // A reset drops them: the next call copies the template afresh.
      await session.reset()
      const [fresh] = await Promise.all([workerDatabaseUrl(url, 1)])
      expect(await customers(fresh)).toEqual(['seed'])
    })

    it('goes down and leaves nothing behind', async () => {
      const state = await session.down()
      expect(db(state).status).toBe('stopped')
      expect(processesOf(projectId)).toEqual([])
      expect(existsSync(path.join(root, '.hearth', 'postgres', `${ENVIRONMENT}.db`))).toBe(false)
      await options.expectNothingLeft(projectId, root)
    })
  })

  describe(`postgres() on ${options.runtime}, without migrations`, () => {
    let root = ''
    let session: Session

    beforeAll(() => {
      root = createProject(`env-postgres-${options.runtime}-plain`)
      const config = configOf(root, {
        db: postgres({ image: TEST_IMAGE, user: 'shop', password: 's3cret!', database: 'orders' }),
      })
      session = openSession(config, options.drivers(path.join(root, '.hearth')))
    })

    afterAll(async () => {
      await session?.down().catch(() => undefined)
      await session?.close()
      removeProject(root)
    })

    it('takes the template at the first reset, from the database as it is, and resets to it after', async () => {
      const state = await session.up()
      const service = state.services[`${ENVIRONMENT}/db`] as ServiceState
      expect(service.status).toBe('ready')
      const url = service.outputs.url as string
      expect(url).toBe(`postgres://shop:s3cret!@127.0.0.1:${service.outputs.port}/orders`)
      await query(
        url,
        "CREATE TABLE invoices (id serial PRIMARY KEY, customer text NOT NULL); INSERT INTO invoices (customer) VALUES ('baseline')",
      )

      // A session left open on the database does not block taking the template: it is ended.
      const pg = (await import('pg')).default
      const held = new pg.Client({ connectionString: url })
      held.on('error', () => undefined)
      await held.connect()
      const first = await session.reset()
      expect((first.services[`${ENVIRONMENT}/db`] as ServiceState).failure).toBeNull()
      await held.end().catch(() => undefined)
      expect(await customers(url)).toEqual(['baseline'])

      await query(url, "INSERT INTO invoices (customer) VALUES ('from a test')")
      const second = await session.reset()
      expect((second.services[`${ENVIRONMENT}/db`] as ServiceState).failure).toBeNull()
      expect(await customers(url)).toEqual(['baseline'])
      // The template itself takes no connections (so nothing can block copying it).
      await expect(query(url.replace(/\/orders$/, '/orders_template'), 'SELECT 1')).rejects.toThrow(
        /not currently accepting connections/,
      )
    })
  })
}
