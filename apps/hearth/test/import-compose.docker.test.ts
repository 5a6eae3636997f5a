import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../src/reporters/status-table.js'
import { hearth, linkDemoModules, repoRoot } from './e2e/helpers.js'

/**
 * The three Compose fixtures (apps/hearth/test/fixtures/compose/*), each converted by the built
 * `hearth import-compose` and brought up for real with `hearth up` on the engine, with the offline
 * test images and build contexts FROM them: every service ready, every job completed, and what the
 * Compose file did (migrations, init scripts, build args, bind mounts, a seeded queue) done.
 * `--free-ports`: the fixtures publish 5432, 6379, 8080 as Compose files do, and a shared machine
 * may have those taken; the fixed-port path is covered by fixed-port.test.ts.
 */

const fixtures = path.join(repoRoot, 'apps/hearth/test/fixtures/compose')
const roots: string[] = []

afterAll(async () => {
  for (const root of roots) {
    await hearth(['down', '--all'], root)
    rmSync(root, { recursive: true, force: true })
  }
  // The images hearth built for these throwaway projects (tagged hearth-build/<folder>-…): `hearth
  // down` keeps built images for the next start, and these projects have none.
  const images = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((image) =>
      roots.some((root) => image.startsWith(`hearth-build/${path.basename(root).toLowerCase()}-`)),
    )
  if (images.length > 0) execFileSync('docker', ['rmi', ...images], { stdio: 'ignore' })
}, 180_000)

function copyFixture(name: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), `hearth-compose-up-${name}-`))
  roots.push(root)
  cpSync(path.join(fixtures, name), root, { recursive: true })
  linkDemoModules(root)
  return root
}

/** Converts the fixture, brings it up, and returns what `hearth status --json` says of it. */
async function convertAndUp(name: string, file: string[] = []) {
  const root = copyFixture(name)
  const converted = await hearth(['import-compose', ...file, '--free-ports'], root, {}, { timeoutMs: 60_000 })
  expect(converted.stderr).toBe('')
  expect(converted.exitCode).toBe(0)
  // Bounded well inside the test's limit, so that an `up` that hangs fails with what it printed.
  const up = await hearth(['up'], root, {}, { timeoutMs: 200_000 })
  expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0)
  expect(up.stderr).toBe('')
  const status = JSON.parse(
    (await hearth(['status', '--json'], root, {}, { timeoutMs: 60_000 })).stdout,
  ) as StatusJson
  const environment = status.environments[0]
  expect(environment?.status).toBe('ready')
  const services = Object.fromEntries((environment?.services ?? []).map((service) => [service.name, service]))
  return { root, up, services, projectId: status.project.id }
}

async function query(url: string, sql: string): Promise<unknown[]> {
  // Bounded: a server that accepts and never answers fails the test by name, not by its limit.
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 30_000,
    query_timeout: 30_000,
  })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

/** One Redis command in RESP, the raw reply. */
function redis(port: number, ...args: string[]): Promise<string> {
  // The replies asked for this way are small: one line, ending with CRLF.
  return redisSession(port, [args], (reply) => reply.endsWith('\r\n'))
}

/**
 * Redis commands on one connection (AUTH holds per connection), the raw replies once `complete`
 * says they are all there. A server that accepts and then says nothing (or too little) fails the
 * test after `timeoutMs`, naming the commands and the reply so far, instead of hanging it until
 * the test's own limit.
 */
function redisSession(
  port: number,
  commands: ReadonlyArray<readonly string[]>,
  complete: (reply: string) => boolean,
  timeoutMs = 15_000,
): Promise<string> {
  const asked = commands.map((args) => args[0]).join(', ')
  return new Promise((resolve, reject) => {
    let reply = ''
    const socket = connect({ host: '127.0.0.1', port }, () =>
      socket.write(
        commands
          .map(
            (args) =>
              `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`,
          )
          .join(''),
      ),
    )
    socket.setTimeout(timeoutMs, () => {
      socket.destroy()
      reject(
        new Error(
          `redis on 127.0.0.1:${port} did not answer ${asked} within ${timeoutMs / 1000} s (reply so far: ${JSON.stringify(reply)})`,
        ),
      )
    })
    socket.on('data', (data) => {
      reply += data.toString()
      if (complete(reply)) {
        socket.setTimeout(0)
        socket.end()
        resolve(reply)
      }
    })
    socket.once('error', reject)
    // After a whole reply this rejects a promise already resolved: nothing happens.
    socket.once('close', () =>
      reject(
        new Error(`redis on 127.0.0.1:${port} closed before answering ${asked}: ${JSON.stringify(reply)}`),
      ),
    )
  })
}

/** Waits (without a fixed sleep) until a container's log holds `text`. */
async function waitForLog(containerId: string, text: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const log = execFileSync('docker', ['logs', containerId], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    if (log.includes(text) || Date.now() > deadline) return log
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * `status --json` masks a URL's password (tests get the real one only through their environment):
 * the password the Compose file sets goes back in, after checking it was masked.
 */
function withPassword(url: string | undefined, password: string): string {
  expect(url).toMatch(/^postgres:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+\//)
  return (url as string).replace(':***@', `:${password}@`)
}

describe('hearth import-compose, then hearth up on a real engine', () => {
  it('the web app: presets ready, the migration job completed, the API built with its build args', {
    timeout: 300_000,
  }, async () => {
    const { up, services } = await convertAndUp('webapp')
    expect(up.stdout).toMatch(/^✓ compose ready in .* \(4 started\)$/m)
    expect(
      Object.values(services).map((service) => [service.name, service.state, service.instance?.driver]),
    ).toEqual([
      ['cache', 'running', 'docker'],
      ['db', 'running', 'docker'],
      ['migrate', 'completed', 'docker'],
      ['api', 'running', 'docker'],
    ])
    expect(services.migrate?.exitCode).toBe(0)
    // The table the migration job created, through the preset's url.
    expect(
      await query(
        withPassword(services.db?.outputs.url, 'shop-secret'),
        'SELECT count(*)::int AS n FROM orders',
      ),
    ).toEqual([{ n: 0 }])
    expect(await redis(Number(services.cache?.outputs.port), 'PING')).toBe('+PONG\r\n')
    const greeting = await fetch(`${services.api?.outputs.url}/greeting.txt`, {
      signal: AbortSignal.timeout(30_000),
    })
    expect(await greeting.text()).toBe('hello from the shop api\n')
  })

  it('analytics: a plain Postgres with its init scripts bind-mounted, and a collector built from a folder', {
    timeout: 300_000,
  }, async () => {
    const { services, projectId } = await convertAndUp('analytics')
    expect(Object.values(services).map((service) => [service.name, service.state])).toEqual([
      ['warehouse', 'running'],
      ['collector', 'running'],
    ])
    expect(
      await query(
        withPassword(services.warehouse?.outputs.url, 'analytics'),
        'SELECT name FROM events ORDER BY id',
      ),
    ).toEqual([{ name: 'signup' }, { name: 'checkout' }])
    const collector = await fetch(services.collector?.outputs.url as string, {
      signal: AbortSignal.timeout(30_000),
    })
    expect(await collector.text()).toBe('collector up\n')
    // The named volume is hearth's own, labelled for its project (so `hearth down` removes it).
    const volumes = execFileSync(
      'docker',
      ['volume', 'ls', '-q', '--filter', `label=dev.hearth.project-id=${projectId}`],
      { encoding: 'utf8' },
    )
    expect(volumes).toMatch(/-warehouse-warehouse-data$/m)
  })

  it('the worker and its queue: the seed job filled the queue, the worker reads the bind-mounted fixtures', {
    timeout: 300_000,
  }, async () => {
    const { services } = await convertAndUp('worker-queue', ['ops/docker-compose.yaml'])
    expect(Object.values(services).map((service) => [service.name, service.state])).toEqual([
      ['queue', 'running'],
      ['seed', 'completed'],
      ['worker', 'running'],
    ])
    const port = Number(services.queue?.instance?.ports.redis)
    const socketReply = await redisSession(
      port,
      [
        ['AUTH', 'queue-secret'],
        ['LRANGE', 'jobs', '0', '-1'],
      ],
      (reply) => reply.includes('resize avatar\r\n'),
    )
    expect(socketReply).toBe('+OK\r\n*2\r\n$18\r\nsend welcome email\r\n$13\r\nresize avatar\r\n')
    const log = await waitForLog(services.worker?.instance?.id as string, 'fixture jobs')
    expect(log).toContain('worker: 3 fixture jobs')
  })
})
