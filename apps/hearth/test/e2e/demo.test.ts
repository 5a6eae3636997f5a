import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../../src/reporters/status-table.js'
import { copyExample, hearth, processesOf, repoRoot } from './helpers.js'

/**
 * The demo as a user meets it: `hearth up` starts its services in dependency order and they
 * answer; `status --json` reports them; a second `up` attaches; `down` leaves nothing behind.
 */
/** A duration as hearth prints it: `850 ms` or `1.24 s`. */
const TOOK = String.raw`(\d+ ms|\d+\.\d{2} s)`

describe('the demo, end to end', () => {
  const demo = copyExample('demo')
  let projectId = ''

  const status = async (): Promise<StatusJson> => {
    const result = await hearth(['status', '--json'], demo.root)
    expect(result.exitCode).toBe(0)
    return JSON.parse(result.stdout) as StatusJson
  }
  const service = (json: StatusJson, name: string) =>
    json.environments[0]?.services.find((item) => item.name === name)

  beforeAll(async () => {
    projectId = (await status()).project.id
  })

  afterAll(async () => {
    await hearth(['down'], demo.root)
    demo.cleanup()
  })

  it('starts the services in dependency order and reports each one ready with its duration', async () => {
    const result = await hearth(['up'], demo.root)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.split('\n')
    const index = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line))
    expect(lines[0]).toBe('hearth up · hearth-demo · backend')
    expect(index(new RegExp(`^✓ api +ready +${TOOK} {2}http://127\\.0\\.0\\.1:\\d+$`))).toBeGreaterThan(0)
    // seed and worker depend on api: they start only after api is ready.
    expect(index(/^ {2}seed +starting/)).toBeGreaterThan(index(/^✓ api +ready/))
    expect(index(/^ {2}worker +starting/)).toBeGreaterThan(index(/^✓ api +ready/))
    expect(index(new RegExp(`^✓ seed +completed +${TOOK}$`))).toBeGreaterThan(0)
    expect(index(new RegExp(`^✓ worker +ready +${TOOK} {2}http://127\\.0\\.0\\.1:\\d+$`))).toBeGreaterThan(0)
    // db and cache come first, and migrate before the API.
    expect(index(/^ {2}migrate +starting/)).toBeGreaterThan(index(/^✓ db +ready/))
    expect(index(/^ {2}api +starting/)).toBeGreaterThan(index(new RegExp(`^✓ migrate +completed +${TOOK}$`)))
    expect(index(/^ {2}api +starting/)).toBeGreaterThan(index(/^✓ cache +ready/))
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^✓ backend ready in ${TOOK} \\(6 started\\)$`)),
    )
  })

  it('reports the services in status --json, and they answer on their loopback ports', async () => {
    const json = await status()
    expect(json.environments.map((environment) => [environment.name, environment.status])).toEqual([
      ['backend', 'ready'],
    ])
    expect(json.environments[0]?.services.map((item) => [item.name, item.kind, item.state])).toEqual([
      ['cache', 'container', 'running'],
      ['db', 'container', 'running'],
      ['migrate', 'job', 'completed'],
      ['api', 'process', 'running'],
      ['seed', 'job', 'completed'],
      ['worker', 'process', 'running'],
    ])
    const db = service(json, 'db')
    expect(db?.outputs.url).toBe(`postgres://postgres:***@127.0.0.1:${db?.instance?.ports.pg}/invoices`)
    const api = service(json, 'api')
    expect(api?.outputs.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(api?.outputs.url).toBe(`http://127.0.0.1:${api?.instance?.ports.http}`)
    expect(await (await fetch(`${api?.outputs.url}/health`)).json()).toEqual({ ok: true })
    const worker = service(json, 'worker')
    expect((await fetch(`${worker?.outputs.url}/health`)).status).toBe(200)

    // The seed job created two invoices; the worker sends them.
    const deadline = Date.now() + 5000
    let statuses: string[] = []
    while (Date.now() < deadline) {
      const invoices = (await (await fetch(`${api?.outputs.url}/invoices`)).json()) as Array<{
        customer: string
        status: string
      }>
      statuses = invoices.map((invoice) => `${invoice.customer}:${invoice.status}`).sort()
      if (statuses.every((entry) => entry.endsWith(':sent')) && statuses.length === 2) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(statuses).toEqual(['Acme:sent', 'Globex:sent'])
  })

  it("runs the demo's own integration tests against the environment, with the addresses from its outputs", async () => {
    const json = await status()
    const url = (name: string) => service(json, name)?.outputs.url as string
    const result = await execa(
      process.execPath,
      [path.join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json'],
      {
        cwd: demo.root,
        env: { HEARTH_API_URL: url('api'), HEARTH_WORKER_URL: url('worker'), NO_COLOR: '1' },
        reject: false,
      },
    )
    const report = JSON.parse(result.stdout) as {
      numPassedTests: number
      numFailedTests: number
      success: boolean
    }
    expect({
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      exitCode: result.exitCode,
    }).toEqual({ passed: 5, failed: 0, exitCode: 0 })
  })

  it('attaches to the warm services on a second up, creating nothing', async () => {
    const before = await status()
    const result = await hearth(['up'], demo.root)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^ {2}api +attached +running for /m)
    expect(result.stdout).toMatch(/^ {2}worker +attached +running for /m)
    expect(result.stdout).toMatch(/^✓ seed +completed +done in an earlier run, unchanged$/m)
    expect(result.stdout).toMatch(/^ {2}db +attached +running for /m)
    expect(result.stdout).toMatch(/^✓ migrate +completed +done in an earlier run, unchanged$/m)
    expect(result.stdout).toMatch(/^✓ backend ready in .* \(6 attached\)$/m)
    const after = await status()
    const ids = (json: StatusJson) => json.environments[0]?.services.map((item) => item.instance?.id)
    expect(ids(after)).toEqual(ids(before))
  })

  it('replaces a service whose definition changed, and what depends on it, on the next up', async () => {
    const before = await status()
    const file = path.join(demo.root, 'environments/backend.ts')
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        "env: { DATABASE_URL: '{{db.url}}', REDIS_URL: '{{cache.url}}' },",
        "env: { DATABASE_URL: '{{db.url}}', REDIS_URL: '{{cache.url}}', LOG_LEVEL: 'debug' },",
      ),
    )
    const result = await hearth(['up'], demo.root)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(
      /^ {2}api +started +replaced its outdated instance · http 127\.0\.0\.1:\d+ · waiting until ready$/m,
    )
    expect(result.stdout).toMatch(/^ {2}worker +started +replaced its outdated instance · /m)
    expect(result.stdout).toMatch(new RegExp(`^✓ seed +completed +${TOOK}$`, 'm'))
    const after = await status()
    const id = (json: StatusJson, name: string) => service(json, name)?.instance?.id
    for (const name of ['api', 'seed', 'worker']) expect(id(after, name)).not.toBe(id(before, name))
  })

  it('stops everything on down, dependents first, and leaves no process behind', async () => {
    expect(processesOf(projectId).length).toBeGreaterThan(0)
    const result = await hearth(['down'], demo.root)
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.split('\n')
    const stopped = (name: string) =>
      lines.findIndex((line) => new RegExp(`^ {2}${name} +stopped`).test(line))
    expect(lines.findIndex((line) => /^ {2}api +stopping/.test(line))).toBeGreaterThan(
      Math.max(stopped('worker'), stopped('seed')),
    )
    expect(lines).toContain('✓ stopped backend (6 services)')
    expect(processesOf(projectId)).toEqual([])
    expect(readdirSync(path.join(demo.root, '.hearth', 'processes'))).toEqual([])
    expect((await status()).environments[0]?.services.map((item) => item.state)).toEqual(
      Array(6).fill('stopped'),
    )
  })
})
