/**
 * Edit-to-result latency for a one-file change with a warm environment: `hearth dev` (watching,
 * its Vitest warm, the environment reset before the run) against `vitest related <file> --run` (a
 * fresh Vitest run of the tests related to the file, the environment already up) and a cold
 * `hearth ci` (environment down first). Measured in the same run, on the demo, with the local test
 * images of Postgres and Redis. Medians of BENCH_ROUNDS rounds (default 5).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { demoCopy } from './demo-copy.js'
import { fmt, median, spread } from './stats.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(repo, 'apps/hearth/bin/hearth.js')
const vitest = path.join(repo, 'node_modules/vitest/vitest.mjs')
const EDITED = 'tests/invoices.test.ts'

const hearth = (root: string, ...args: string[]) =>
  execa(process.execPath, [cli, ...args], { cwd: root, env: { NO_COLOR: '1' }, reject: false })

/** Touches the edited test file (a comment with a counter), as a save would. */
function save(root: string, round: number): void {
  const file = path.join(root, EDITED)
  writeFileSync(
    file,
    `${readFileSync(file, 'utf8').replace(/\n\/\/ bench \d+\n$/, '\n')}\n// bench ${round}\n`,
  )
}

/** `hearth dev` running: resolves with a function that waits for the next run's result line. */
async function startDev(root: string): Promise<{ child: ChildProcess; nextResult(): Promise<void> }> {
  const child = spawn(process.execPath, [cli, 'dev', '--no-initial'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  })
  let buffer = ''
  let waiting: (() => void) | null = null
  let ready: () => void = () => undefined
  const watching = new Promise<void>((resolve) => {
    ready = resolve
  })
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    if (buffer.includes('watching ')) ready()
    if (/^[✓✗] \d+ (passed|failed)/m.test(buffer)) {
      buffer = ''
      waiting?.()
      waiting = null
    }
  })
  await watching
  return {
    child,
    nextResult: () =>
      new Promise<void>((resolve) => {
        waiting = resolve
      }),
  }
}

async function main(): Promise<void> {
  await execa('bash', [path.join(repo, 'scripts/build-test-images.sh')], { stdio: 'inherit' })
  const copy = demoCopy()
  const results = { dev: [] as number[], related: [] as number[], cold: [] as number[] }
  try {
    // Cold hearth ci: everything down, then up, reset, run all, down.
    for (let round = 0; round < ROUNDS; round++) {
      const began = performance.now()
      const run = await hearth(copy.root, 'ci')
      if (run.exitCode !== 0) throw new Error(`hearth ci failed:\n${run.stdout}`)
      results.cold.push(performance.now() - began)
    }

    // Warm: the environment up once; the addresses for plain Vitest from its outputs.
    await hearth(copy.root, 'up')
    const status = JSON.parse((await hearth(copy.root, 'status', '--json')).stdout)
    const outputs = Object.fromEntries(
      status.environments[0].services.map((service: { name: string; outputs: Record<string, string> }) => [
        service.name,
        service.outputs,
      ]),
    )
    const env = { HEARTH_API_URL: outputs.api.url, HEARTH_WORKER_URL: outputs.worker.url, NO_COLOR: '1' }
    for (let round = 0; round < ROUNDS; round++) {
      save(copy.root, round)
      const began = performance.now()
      const run = await execa(process.execPath, [vitest, 'related', EDITED, '--run'], {
        cwd: copy.root,
        env,
        reject: false,
      })
      if (run.exitCode !== 0) throw new Error(`vitest related failed:\n${run.stdout}`)
      results.related.push(performance.now() - began)
    }

    const dev = await startDev(copy.root)
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const result = dev.nextResult()
        const began = performance.now()
        save(copy.root, 100 + round)
        await result
        results.dev.push(performance.now() - began)
      }
    } finally {
      dev.child.kill('SIGINT')
      await new Promise((resolve) => dev.child.once('exit', resolve))
    }
  } finally {
    await hearth(copy.root, 'down', '--all')
    copy.cleanup()
  }

  console.log(
    `\nhearth bench · edit to result, one test file changed (${EDITED}), demo on Postgres + Redis · ${ROUNDS} rounds`,
  )
  console.log(`${'measure'.padEnd(58)}${'median'.padStart(9)}${'vs dev'.padStart(9)}`)
  const dev = median(results.dev)
  for (const [name, values] of [
    ['hearth dev: save → result (warm, reset before the run)', results.dev],
    ['vitest related <file> --run (environment already up)', results.related],
    ['hearth ci, cold (environment started, all tests, down)', results.cold],
  ] as const) {
    console.log(
      `${name.padEnd(58)}${fmt(median(values)).padStart(9)}${`${(median(values) / dev).toFixed(1)}×`.padStart(9)}`,
    )
  }
  console.log(
    `ranges: dev ${spread(results.dev)}, related ${spread(results.related)}, cold ci ${spread(results.cold)}`,
  )
  console.log('vitest related resets nothing: its tests see whatever earlier runs left in the database.')
}

await main()
