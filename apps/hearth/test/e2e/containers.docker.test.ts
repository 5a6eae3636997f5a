import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { currentOwner } from '@hearth/core'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../../src/reporters/status-table.js'
import { hearth, repoRoot, spawnHearth, writeProject } from './helpers.js'

/**
 * Warm containers through the CLI, on the real engine with the offline test images: reuse across
 * runs, recreating only what changed, concurrent runs, a killed hearth, the idle TTL, `down --all`.
 */

const config = (extraEnv = '', idleTtl = "'4h'") => `
import { postgres } from '@hearth/env-postgres'
import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from '@hearth/environments'

const backend = defineEnvironment({
  name: 'backend',
  services: {
    db: postgres({ image: 'hearth-test/postgres:15', fallback: false }),
    cache: { ...redis({ image: 'hearth-test/redis:7', fallback: false }), env: { UNUSED: 'x'${extraEnv} } },
  },
})
export default defineConfig({ project: 'containers-e2e', environments: [backend], idleTtl: ${idleTtl} })
`

function project(source = config()) {
  const created = writeProject({ 'hearth.config.ts': source, 'package.json': '{"type":"module"}' })
  mkdirSync(path.join(created.root, 'node_modules/@hearth'), { recursive: true })
  for (const [name, folder] of [
    ['environments', 'packages/environments'],
    ['env-postgres', 'environments/postgres'],
    ['env-redis', 'environments/redis'],
  ] as const) {
    symlinkSync(path.join(repoRoot, folder), path.join(created.root, 'node_modules/@hearth', name))
  }
  return created
}

/** What the engine holds for a project id, by kind, straight from docker (not through hearth). */
function engine(projectId: string): { containers: string[]; networks: string[]; volumes: string[] } {
  const filter = `label=dev.hearth.project-id=${projectId}`
  const lines = (args: string[]) =>
    execFileSync('docker', args, { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '')
  return {
    containers: lines(['ps', '-aq', '--no-trunc', '--filter', filter]).sort(),
    networks: lines(['network', 'ls', '-q', '--filter', filter]),
    volumes: lines(['volume', 'ls', '-q', '--filter', filter]),
  }
}

describe('warm containers through the CLI', () => {
  const roots: Array<{ root: string; cleanup(): void }> = []
  const open = (source?: string) => {
    const created = project(source)
    roots.push(created)
    return created.root
  }
  afterAll(async () => {
    for (const created of roots) {
      await hearth(['down', '--all'], created.root)
      created.cleanup()
    }
  })

  const status = async (root: string): Promise<StatusJson> =>
    JSON.parse((await hearth(['status', '--json'], root)).stdout) as StatusJson
  const ids = (json: StatusJson) =>
    Object.fromEntries(
      json.environments[0]?.services.map((service) => [service.name, service.instance?.id]) ?? [],
    )

  it('creates the containers once and attaches to them on the next up, answering on loopback', async () => {
    const root = open()
    const first = await hearth(['up'], root)
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toMatch(/^✓ backend ready in .* \(2 started\)$/m)
    const before = await status(root)
    const second = await hearth(['up'], root)
    expect(second.stdout).toMatch(/^✓ backend ready in .* \(2 attached\)$/m)
    const after = await status(root)
    expect(ids(after)).toEqual(ids(before))
    expect(engine(after.project.id).containers).toHaveLength(2)

    const db = after.environments[0]?.services.find((service) => service.name === 'db')
    // Masked in status (tests get the real one through their environment): the preset's default goes back in.
    expect(db?.outputs.url).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app$/)
    const client = new pg.Client({ connectionString: db?.outputs.url?.replace(':***@', ':postgres@') })
    await client.connect()
    expect((await client.query('SELECT 1 + 1 AS two')).rows).toEqual([{ two: 2 }])
    await client.end()
    const published = execFileSync(
      'docker',
      ['inspect', '--format', '{{json .HostConfig.PortBindings}}', db?.instance?.id as string],
      { encoding: 'utf8' },
    )
    expect(JSON.parse(published)).toEqual({ '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] })
  })

  it('recreates only the service whose definition changed', async () => {
    const root = open()
    await hearth(['up'], root)
    const before = ids(await status(root))
    writeFileSync(path.join(root, 'hearth.config.ts'), config(", MAXMEMORY: '64mb'"))
    const result = await hearth(['up'], root)
    expect(result.stdout).toMatch(/^ {2}cache +started +replaced its outdated instance/m)
    expect(result.stdout).toMatch(/^ {2}db +attached/m)
    const after = ids(await status(root))
    expect(after.db).toBe(before.db)
    expect(after.cache).not.toBe(before.cache)
    expect(engine((await status(root)).project.id).containers).toHaveLength(2)
  })

  it('creates each container exactly once when four hearth up run at the same time', async () => {
    const root = open()
    const runs = await Promise.all([0, 1, 2, 3].map(() => hearth(['up'], root)))
    expect(runs.map((run) => run.exitCode)).toEqual([0, 0, 0, 0])
    const started = runs.map((run) => (run.stdout.match(/\((\d) started/) ?? ['', '0'])[1])
    expect(started.filter((count) => count === '2')).toHaveLength(1)
    expect(engine((await status(root)).project.id).containers).toHaveLength(2)
  })

  it('adopts what a SIGKILLed hearth left, and starts what it had not started', async () => {
    const root = open()
    const child = spawnHearth(['up'], root)
    await new Promise<void>((resolve) => {
      let seen = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        if (/^ {2}(db|cache) +started/m.test(seen)) resolve()
      })
    })
    child.kill('SIGKILL')
    await child
    const projectId = (await status(root)).project.id
    const leftover = engine(projectId).containers
    expect(leftover.length).toBeGreaterThan(0)
    const next = await hearth(['up'], root)
    expect(next.exitCode).toBe(0)
    const now = await status(root)
    // What the killed run created is adopted (attached), not duplicated.
    for (const id of leftover) expect(Object.values(ids(now))).toContain(id)
    expect(engine(projectId).containers).toHaveLength(2)
  })

  it('removes an environment unused past the idle TTL, on gc', async () => {
    const root = open(config('', "'1s'"))
    await hearth(['up'], root)
    const projectId = (await status(root)).project.id
    expect(engine(projectId).containers).toHaveLength(2)
    // Last used a minute ago, as far as hearth's records tell: no sleep past the TTL needed.
    const usage = path.join(root, '.hearth/environments.json')
    const records = JSON.parse(readFileSync(usage, 'utf8'))
    expect(records.environments.backend.lastUsedAt).toEqual(expect.any(Number))
    records.environments.backend.lastUsedAt = Date.now() - 60_000
    writeFileSync(usage, JSON.stringify(records))
    const gc = await hearth(['gc'], root)
    expect(gc.exitCode).toBe(0)
    expect(gc.stdout).toMatch(/^! backend +expired +unused for .* \(idle TTL 1\.00 s\): removing it$/m)
    expect(gc.stdout.trimEnd().split('\n').at(-1)).toBe('✓ removed backend')
    expect(engine(projectId)).toEqual({ containers: [], networks: [], volumes: [] })
  })

  it('down --all leaves no container, network or volume with the project label', async () => {
    const root = open()
    await hearth(['up'], root)
    const projectId = (await status(root)).project.id
    expect(engine(projectId).networks).toHaveLength(1)
    const result = await hearth(['down', '--all'], root)
    expect(result.exitCode).toBe(0)
    expect(engine(projectId)).toEqual({ containers: [], networks: [], volumes: [] })
    expect(readFileSync(path.join(root, '.hearth/environments.json'), 'utf8')).not.toContain('backend')
  })

  it("gives up waiting for another hearth's lock, exit 3, naming the holder and the fix", async () => {
    const root = open()
    // Held in the name of a live process (this test's): to `up`, another hearth at work.
    const lock = path.join(root, '.hearth/locks/backend.lock')
    mkdirSync(path.dirname(lock), { recursive: true })
    const content = JSON.stringify({
      ...currentOwner(),
      token: 'e2e',
      command: 'hearth.js up',
      since: Date.now(),
    })
    writeFileSync(lock, content)
    const result = await hearth(['up'], root, { HEARTH_LOCK_TIMEOUT_MS: '500' })
    expect(result.exitCode).toBe(3)
    const said = result.stdout.replace(/\s+/g, ' ')
    expect(said).toContain(
      `for the lock on environment backend: another hearth holds it, pid ${process.pid} (hearth.js up)`,
    )
    expect(said).toContain(
      `fix: stop that hearth (pid ${process.pid}), or remove the lock file ${lock} if you are sure it is dead`,
    )
    // Nothing started unlocked, and the holder keeps its lock.
    expect(engine((await status(root)).project.id).containers).toEqual([])
    expect(readFileSync(lock, 'utf8')).toBe(content)
  })

  it('fails clearly, exit 3, with pulls disabled and the image missing, leaving nothing half-started', async () => {
    const root = open(
      config().replace(
        "image: 'hearth-test/redis:7', fallback: false",
        "image: 'hearth-test/nope:1', pull: 'never', fallback: false",
      ),
    )
    const result = await hearth(['up'], root)
    expect(result.exitCode).toBe(3)
    expect(result.stdout).toMatch(/^✗ cache +failed +.*hearth-test\/nope:1/m)
    expect(result.stdout).toMatch(/^ {12}fix: /m)
    const projectId = (await status(root)).project.id
    expect(engine(projectId).containers).toEqual([])
  })
})
