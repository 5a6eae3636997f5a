import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:net'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, hearth, repoRoot, writeProject } from './helpers.js'

/**
 * The same promise as fixed-port.test.ts, on a real engine: a suite that hard-codes where Postgres
 * is (`postgres://…@127.0.0.1:<port>/orders`, as many suites hard-code `localhost:5432`) passes
 * against the Postgres preset's container published on that loopback port (`hostPort`), and reads
 * the url under its own name (`env: { ORDERS_DB: 'url' }`). When the port is taken, the run fails
 * with exit 3 naming it, and no container is left.
 */
describe('a preset container on a fixed host port, for a suite that hard-codes it', () => {
  const projects: Array<{ root: string; cleanup(): void }> = []
  afterAll(async () => {
    for (const project of projects) {
      await hearth(['down', '--all'], project.root)
      project.cleanup()
    }
  })

  function ordersProject(port: number): string {
    const project = writeProject({
      'package.json': JSON.stringify({ name: 'orders', private: true, type: 'module' }, null, 2),
      'hearth.config.ts': `import { postgres } from '@hearth/env-postgres'
import { defineConfig, defineEnvironment } from 'hearth'

// The suite connects to 127.0.0.1:${port} itself: hearth publishes Postgres there.
const database = defineEnvironment({
  name: 'database',
  services: {
    db: postgres({
      image: 'hearth-test/postgres:15',
      database: 'orders',
      fallback: false,
      hostPort: ${port},
      env: { ORDERS_DB: 'url' },
    }),
  },
})

export default defineConfig({
  project: 'orders-fixed-port',
  environments: [database],
  tests: [{ name: 'orders', include: ['test/**/*.test.ts'], environment: 'database' }],
})
`,
      'vitest.config.ts': `import { defineConfig } from 'vitest/config'

export default defineConfig({ test: { include: ['test/**/*.test.ts'] } })
`,
    })
    projects.push(project)
    mkdirSync(path.join(project.root, 'test'))
    writeFileSync(
      path.join(project.root, 'test/orders.test.ts'),
      `import pg from 'pg'
import { expect, it } from 'vitest'

// Where the suite has always found its database: hard-coded.
const URL = 'postgres://postgres:postgres@127.0.0.1:${port}/orders'

it('queries the database where the suite expects it', async () => {
  const client = new pg.Client({ connectionString: URL })
  await client.connect()
  try {
    const { rows } = await client.query('select current_database() as name')
    expect(rows).toEqual([{ name: 'orders' }])
  } finally {
    await client.end()
  }
})

it('reads the url under the name the project uses', () => {
  expect(process.env.ORDERS_DB).toBe(URL)
})
`,
    )
    // The project's dependencies: hearth, the preset, Vitest and pg, linked from this workspace.
    const modules = path.join(project.root, 'node_modules')
    mkdirSync(path.join(modules, '@hearth'), { recursive: true })
    const fromPreset = createRequire(path.join(repoRoot, 'environments/postgres/package.json'))
    for (const [name, target] of [
      ['hearth', path.join(repoRoot, 'apps/hearth')],
      ['@hearth/env-postgres', path.join(repoRoot, 'environments/postgres')],
      ['vitest', path.join(repoRoot, 'examples/demo/node_modules/vitest')],
      ['pg', path.dirname(fromPreset.resolve('pg/package.json'))],
    ] as const)
      symlinkSync(target, path.join(modules, name))
    return project.root
  }

  it('runs the suite against the container on the port it hard-codes', { timeout: 240_000 }, async () => {
    const port = await freePort()
    const root = ordersProject(port)
    const result = await hearth(['ci'], root)
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(
      new RegExp(`^✓ db +ready .* postgres://postgres:[^@ ]+@127\\.0\\.0\\.1:${port}/orders$`, 'm'),
    )
    expect(result.stdout).toMatch(/^✓ 1 passed in .* \(2 tests\)$/m)
  })

  it('fails with exit 3 naming the port when something else holds it', { timeout: 240_000 }, async () => {
    const port = await freePort()
    const root = ordersProject(port)
    const squatter: Server = createServer()
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve))
    try {
      const result = await hearth(['ci'], root)
      expect(result.exitCode).toBe(3)
      expect(`${result.stdout}\n${result.stderr}`).toContain(
        `port ${port} (ports.pg of db) is already in use on 127.0.0.1`,
      )
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()))
    }
    const status = await hearth(['status', '--json'], root)
    const services = (
      JSON.parse(status.stdout) as {
        environments: Array<{ services: Array<{ state: string; instance: unknown }> }>
      }
    ).environments.flatMap((environment) => environment.services)
    expect(services).toEqual([expect.objectContaining({ state: 'stopped', instance: null })])
  })
})
