import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type Instance, LABELS } from '@hearth/driver'
import { probeUntilReady, specOf } from '@hearth/driver/testing'
import { DockerDriver } from '@hearth/driver-docker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgres } from '../src/index.js'
import { configOf, createProject, ENVIRONMENT, query, removeProject, TEST_IMAGE } from './helpers.js'

/**
 * The preset's readiness (`ready.postgres`, from the host through the published port) against the
 * real image, through its init phase: an init script that takes a while runs against the image's
 * temporary server, which listens on the Unix socket only, so Docker's port proxy has nothing
 * behind it and hangs up. Not ready then; ready once the real server listens; a query right after.
 */
describe('ready.postgres against hearth-test/postgres:15 (Docker driver)', () => {
  const projectId = `env-postgres-probe-docker-${process.pid}`
  let root = ''
  let driver: DockerDriver
  let instance: Instance | null = null

  beforeAll(() => {
    root = createProject('env-postgres-probe-docker')
    // Read by the image's postgres user: the folder and the script must be world-readable.
    const initdb = path.join(root, 'initdb')
    mkdirSync(initdb)
    chmodSync(initdb, 0o755)
    writeFileSync(path.join(initdb, 'slow.sh'), 'echo init: waiting; sleep 2; echo init: done\n', {
      mode: 0o644,
    })
    driver = new DockerDriver({ stateDir: path.join(root, '.hearth') })
  })

  afterAll(async () => {
    if (instance !== null) await driver.stop(instance, { timeoutMs: 10_000 })
    await driver.close()
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.projectId}=${projectId}`], {
      encoding: 'utf8',
    }).trim()
    expect(left).toBe('')
    removeProject(root)
  })

  it('is not ready during the image’s init phase, ready after, and a real query answers right after', async () => {
    const service = {
      ...postgres({
        image: TEST_IMAGE,
        user: 'shop',
        password: 's3cret',
        database: 'orders',
        fallback: false,
      }),
      volumes: ['./initdb:/docker-entrypoint-initdb.d:ro'],
    }
    const config = configOf(root, { db: service })
    const spec = specOf(config, { environment: ENVIRONMENT, service: 'db' }, projectId)
    const check = spec.service.readiness
    expect(check).toMatchObject({ type: 'postgres', port: 'pg', user: 'shop', database: 'orders' })
    if (check.type !== 'postgres') throw new Error('the preset probes PostgreSQL')
    instance = await driver.start(spec)
    const port = instance.ports.pg as number

    // The init script is running: wait for its line, then ask.
    const controller = new AbortController()
    const limit = setTimeout(() => controller.abort(), 120_000)
    for await (const line of driver.logs(instance, { follow: true, signal: controller.signal })) {
      if (line.text === 'init: waiting') break
    }
    clearTimeout(limit)
    expect(await driver.probe(instance, check, { timeoutMs: 5_000 })).toEqual({
      ok: false,
      detail: `127.0.0.1:${port}: the connection was closed without an answer (nothing listens behind the port yet)`,
    })

    const { failures, detail } = await probeUntilReady(driver, instance, check)
    for (const failure of failures) {
      expect(failure).toMatch(/closed without an answer|not accepting connections yet: .*\(57P03\)/)
    }
    expect(detail).toBe(
      `127.0.0.1:${port}: PostgreSQL accepts connections (asks shop to authenticate; no password sent)`,
    )
    expect(
      await query(`postgres://shop:s3cret@127.0.0.1:${port}/orders`, 'SELECT current_database() AS db'),
    ).toEqual([{ db: 'orders' }])
    // The init phase had finished by then: the probe did not pass against the temporary server.
    const logs: string[] = []
    for await (const line of driver.logs(instance)) logs.push(line.text)
    expect(logs).toContain('init: done')
  })
})
