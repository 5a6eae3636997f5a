/**
 * `pnpm bench`: what hearth's warm environments buy, each figure beside a baseline measured in the
 * same run on the same machine, with the locally built test images of Postgres 15 and Redis 7.
 *
 * - cold up: `hearth up` of Postgres + Redis until a real query answers, against plain
 *   `docker run` of both in parallel, polling until a real query answers.
 * - warm up: `hearth up` again (it attaches), until a real query answers, against `node -e 0` and
 *   `docker ps`, interleaved; with the phases of each warm run (HEARTH_PROFILE=1).
 * - reset: hearth's resets (the database re-created from its template, FLUSHALL), against
 *   re-creating both containers.
 * Medians of BENCH_ROUNDS rounds (default 5). Only 127.0.0.1 is ever contacted.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSession } from '@hearth/core'
import { DockerDriver } from '@hearth/driver-docker'
import { ProcessDriver } from '@hearth/driver-process'
import { loadConfig } from '@hearth/environments'
import { execa } from 'execa'
import { Redis } from 'ioredis'
import pg from 'pg'
import { fmt, median, spread } from './stats.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const PG_IMAGE = 'hearth-test/postgres:15'
const REDIS_IMAGE = 'hearth-test/redis:7'
/** The bench's own password: `status --json` shows it as `***`, and the bench puts it back. */
const PG_PASSWORD = 'bench-password'
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(repo, 'apps/hearth/bin/hearth.js')

// ── helpers ────────────────────────────────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One real query on each: Postgres `SELECT 1`, Redis `PING`. Throws if either does not answer. */
async function query(databaseUrl: string, redisUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1000 })
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  })
  redis.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    await redis.connect()
    if ((await redis.ping()) !== 'PONG') throw new Error('no PONG')
  } finally {
    await client.end().catch(() => undefined)
    redis.disconnect()
  }
}

/** Polls until `query` succeeds (every 25 ms), as a script waiting for its containers would. */
async function untilQueryAnswers(databaseUrl: string, redisUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await query(databaseUrl, redisUrl)
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(25)
    }
  }
}

async function docker(...args: string[]): Promise<string> {
  return (await execa('docker', args)).stdout.trim()
}

/** A throwaway project using the presets with the test images and no fallback. */
function createProject(): { root: string; cleanup(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'))
  writeFileSync(
    path.join(root, 'hearth.config.ts'),
    `import { postgres } from '@hearth/env-postgres'
import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from '@hearth/environments'

export default defineConfig({
  project: 'bench',
  environments: [
    defineEnvironment({
      name: 'backend',
      services: {
        db: postgres({ image: '${PG_IMAGE}', password: '${PG_PASSWORD}', fallback: false }),
        cache: redis({ image: '${REDIS_IMAGE}', fallback: false }),
      },
    }),
  ],
})
`,
  )
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}')
  mkdirSync(path.join(root, 'node_modules/@hearth'), { recursive: true })
  for (const [name, folder] of [
    ['environments', 'packages/environments'],
    ['env-postgres', 'environments/postgres'],
    ['env-redis', 'environments/redis'],
  ]) {
    symlinkSync(path.join(repo, folder as string), path.join(root, 'node_modules/@hearth', name as string))
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

async function hearth(root: string, ...args: string[]): Promise<void> {
  await execa(process.execPath, [cli, ...args], { cwd: root, env: { NO_COLOR: '1' } })
}

/** What `HEARTH_PROFILE=1` prints: each phase's ms, the whole, and each service's attach. */
interface Profile {
  phases: Record<string, number>
  total: number
  services?: Record<string, number>
}

/** `hearth up` with HEARTH_PROFILE=1: its wall time as measured here, and the profile it printed. */
async function profiledUp(root: string): Promise<{ ms: number; profile: Profile }> {
  const began = performance.now()
  const { stderr } = await execa(process.execPath, [cli, 'up'], {
    cwd: root,
    env: { NO_COLOR: '1', HEARTH_PROFILE: '1' },
  })
  const ms = performance.now() - began
  const line = stderr.split('\n').find((text) => text.startsWith('hearth profile: '))
  if (line === undefined) throw new Error(`hearth up printed no profile:\n${stderr}`)
  return { ms, profile: JSON.parse(line.slice('hearth profile: '.length)) as Profile }
}

/** A process's wall time, start to exit. */
async function timed(file: string, args: readonly string[]): Promise<number> {
  const began = performance.now()
  await execa(file, args)
  return performance.now() - began
}

async function urls(root: string): Promise<{ db: string; cache: string }> {
  const { stdout } = await execa(process.execPath, [cli, 'status', '--json'], { cwd: root })
  const services = JSON.parse(stdout).environments[0].services as Array<{
    name: string
    outputs: Record<string, string>
  }>
  const url = (name: string) => services.find((service) => service.name === name)?.outputs.url as string
  return { db: url('db').replace(':***@', `:${PG_PASSWORD}@`), cache: url('cache') }
}

// ── the baselines ──────────────────────────────────────────────────────────────────────────────

const BASELINE_LABEL = 'dev.hearth.bench=baseline'

async function runContainers(): Promise<{ ids: string[]; databaseUrl: string; redisUrl: string }> {
  const [pgId, redisId] = await Promise.all([
    docker(
      'run',
      '-d',
      '--label',
      BASELINE_LABEL,
      '-p',
      '127.0.0.1::5432',
      '-e',
      'POSTGRES_PASSWORD=postgres',
      PG_IMAGE,
    ),
    docker('run', '-d', '--label', BASELINE_LABEL, '-p', '127.0.0.1::6379', REDIS_IMAGE),
  ])
  const port = async (id: string, inner: string) =>
    (await docker('port', id, inner)).split('\n')[0]?.split(':').at(-1)
  const [pgPort, redisPort] = await Promise.all([port(pgId, '5432/tcp'), port(redisId, '6379/tcp')])
  return {
    ids: [pgId, redisId],
    databaseUrl: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
  }
}

async function baselineColdUp(): Promise<number> {
  const began = performance.now()
  const { ids, databaseUrl, redisUrl } = await runContainers()
  await untilQueryAnswers(databaseUrl, redisUrl)
  const took = performance.now() - began
  await docker('rm', '-f', ...ids)
  return took
}

/** Where a warm `hearth up` spends its time: the median of each phase over every warm run. */
function printProfile(profiles: readonly Profile[]): void {
  const phases = [...new Set(profiles.flatMap((profile) => Object.keys(profile.phases)))]
  const services = [...new Set(profiles.flatMap((profile) => Object.keys(profile.services ?? {})))]
  const of = (pick: (profile: Profile) => number | undefined) =>
    median(profiles.map(pick).filter((ms): ms is number => ms !== undefined))
  console.log(`\nwarm \`hearth up\`, phase by phase (medians of ${profiles.length} runs, HEARTH_PROFILE=1):`)
  for (const phase of phases)
    console.log(`  ${phase.padEnd(14)}${fmt(of((profile) => profile.phases[phase]))}`)
  console.log(`  ${'total'.padEnd(14)}${fmt(of((profile) => profile.total))}`)
  for (const service of services)
    console.log(`  attach ${service}: ${fmt(of((profile) => profile.services?.[service]))} (within up)`)
  console.log(
    '  start: Node and the CLI; command: the command module and the packages it imports; config: loading',
  )
  console.log(
    "  hearth.config.ts (compiled and validated, both kept); drivers: the Docker and process drivers' import; gc: idle TTL sweep;",
  )
  console.log('  up: listing, attaching and probing each service.')
}

// ── the measurements ───────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  await docker('version', '--format', '{{.Server.Version}}').catch(() => {
    throw new Error(
      'the benchmark needs a running Docker engine and the test images (bash scripts/build-test-images.sh)',
    )
  })
  await execa('bash', [path.join(repo, 'scripts/build-test-images.sh')], { stdio: 'inherit' })
  console.log(
    `\nhearth bench · Postgres 15 + Redis 7 (local test images) · ${ROUNDS} rounds · ${os.cpus().length} CPUs · load ${os.loadavg()[0]?.toFixed(1)}`,
  )

  const project = createProject()
  const results = {
    baselineCold: [] as number[],
    cold: [] as number[],
    warm: [] as number[],
    nodeStart: [] as number[],
    dockerPs: [] as number[],
    profiles: [] as Profile[],
    coldInProcess: [] as number[],
    warmInProcess: [] as number[],
    reset: [] as number[],
    recreate: [] as number[],
  }
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      results.baselineCold.push(await baselineColdUp())

      // hearth's readiness speaks each protocol from the host (a Postgres startup handshake, Redis
      // PING), so the clock stops when \`hearth up\` exits; the real query after it checks, untimed.
      const began = performance.now()
      await hearth(project.root, 'up')
      results.cold.push(performance.now() - began)
      const { db, cache } = await urls(project.root)
      await query(db, cache)

      // Warm: hearth attaches. Interleaved with what any command costs (Node starting) and the
      // cheapest look at the engine (\`docker ps\`), three times a round.
      for (let turn = 0; turn < 3; turn++) {
        results.nodeStart.push(await timed(process.execPath, ['-e', '0']))
        const warm = await profiledUp(project.root)
        results.warm.push(warm.ms)
        results.profiles.push(warm.profile)
        results.dockerPs.push(await timed('docker', ['ps']))
      }
      await query(db, cache)

      await hearth(project.root, 'down')
      process.stdout.write(`  round ${round}/${ROUNDS} done\r`)
    }

    // In process, as \`hearth dev\` and \`hearth ci\` run it: no CLI start, the config loaded once.
    const config = await loadConfig({ cwd: project.root })
    const stateDir = path.join(project.root, '.hearth')
    const open = () =>
      createSession({
        config,
        drivers: [new DockerDriver({ stateDir }), new ProcessDriver({ stateDir })],
        version: 'bench',
        stateDir,
      })
    for (let round = 0; round < ROUNDS; round++) {
      const cold = open()
      let began = performance.now()
      await cold.up()
      results.coldInProcess.push(performance.now() - began)
      await cold.close()
      const warm = open()
      began = performance.now()
      await warm.up()
      results.warmInProcess.push(performance.now() - began)
      await warm.down()
      await warm.close()
    }

    // Resets, in process, as a test loop runs them: the session attached to the warm environment.
    const session = open()
    await session.up()
    const { db, cache } = await urls(project.root)
    for (let round = 0; round < ROUNDS; round++) {
      const began = performance.now()
      const state = await session.reset()
      if (Object.values(state.services).some((service) => service.failure !== null))
        throw new Error('a reset failed')
      await query(db, cache)
      results.reset.push(performance.now() - began)
    }
    await session.close()
    await hearth(project.root, 'down', '--all')

    // The baseline reset: throw both containers away and start new ones.
    let running = await runContainers()
    await untilQueryAnswers(running.databaseUrl, running.redisUrl)
    for (let round = 0; round < ROUNDS; round++) {
      const began = performance.now()
      await docker('rm', '-f', ...running.ids)
      running = await runContainers()
      await untilQueryAnswers(running.databaseUrl, running.redisUrl)
      results.recreate.push(performance.now() - began)
    }
    await docker('rm', '-f', ...running.ids)
  } finally {
    await hearth(project.root, 'down', '--all').catch(() => undefined)
    const left = await docker('ps', '-aq', '--filter', `label=${BASELINE_LABEL}`)
    if (left !== '') await docker('rm', '-f', ...left.split('\n'))
    project.cleanup()
  }

  const rows: Array<[string, number, number, string, string]> = [
    [
      'cold `hearth up`, until a real query answers',
      median(results.cold),
      median(results.baselineCold),
      'docker run ×2 in parallel + polling a real query',
      '≤ 1.1×',
    ],
    [
      'warm `hearth up` (attach)',
      median(results.warm),
      median(results.nodeStart),
      '`node -e 0` (a Node process, nothing loaded)',
      '≤ 150 ms',
    ],
    [
      'warm `hearth up` (attach)',
      median(results.warm),
      median(results.dockerPs),
      '`docker ps` (one look at the engine)',
      '≤ 150 ms',
    ],
    [
      'warm `hearth up` (attach)',
      median(results.warm),
      median(results.baselineCold),
      'the cold docker run (what you redo without hearth)',
      '',
    ],
    [
      'cold up in a running hearth (dev, ci)',
      median(results.coldInProcess),
      median(results.baselineCold),
      'the same cold docker run',
      '',
    ],
    [
      'warm attach in a running hearth (dev, ci)',
      median(results.warmInProcess),
      median(results.baselineCold),
      'the same cold docker run',
      '',
    ],
    [
      'reset (template + FLUSHALL), until a query answers',
      median(results.reset),
      median(results.recreate),
      'recreating both containers until a query answers',
      '',
    ],
  ]
  console.log(`${' '.repeat(30)}\n`)
  console.log(
    `${'measure'.padEnd(50)}${'hearth'.padStart(10)}${'baseline'.padStart(11)}${'ratio'.padStart(8)}${'goal'.padStart(10)}  baseline is`,
  )
  for (const [name, ours, theirs, what, goal] of rows) {
    console.log(
      `${name.padEnd(50)}${fmt(ours).padStart(10)}${fmt(theirs).padStart(11)}${`${(ours / theirs).toFixed(2)}×`.padStart(8)}${goal.padStart(10)}  ${what}`,
    )
  }
  printProfile(results.profiles)
  const cli = median(
    results.profiles.map(
      (profile) => (profile.phases.start ?? 0) + (profile.phases.command ?? 0) + (profile.phases.config ?? 0),
    ),
  )
  console.log(
    `\n\`hearth up\` figures include starting the CLI (Node, the command and the config: ${fmt(cli)}); the others run in process.`,
  )
  console.log(
    `ranges: cold ${spread(results.cold)} (baseline ${spread(results.baselineCold)}), warm ${spread(results.warm)}, reset ${spread(results.reset)} (baseline ${spread(results.recreate)})`,
  )
}

await main()
