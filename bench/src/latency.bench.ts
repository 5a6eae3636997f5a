/**
 * Edit-to-result latency for a one-file change with a warm environment: `hearth dev` (watching,
 * its Vitest warm, the environment's data reset after the previous run; saves 3 s apart) against `vitest --watch` rerunning on the
 * same save and `vitest related <file> --run` (a fresh Vitest run of the tests related to the file),
 * both with the environment already up; a warm `hearth ci --keep` against `vitest run` (the whole
 * suite, environment up, interleaved); and a cold `hearth ci` (environment down first). Measured
 * in the same run, on the demo, with the local test images of Postgres and Redis. Medians of
 * BENCH_ROUNDS rounds (default 5).
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
/** Time between a result and the next save. */
const SAVE_GAP_MS = 3_000

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

/**
 * A long-running watcher whose output says when a run ended (`ended` matches the text since the
 * last end): resolves once its first run (`first`) has been seen.
 */
async function startWatcher(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; first: RegExp; ended: RegExp },
): Promise<{ child: ChildProcess; nextResult(): Promise<void> }> {
  const child = spawn(file, args, { cwd: options.cwd, env: options.env })
  let buffer = ''
  let waiting: (() => void) | null = null
  let ready: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    ready = resolve
  })
  let seenFirst = false
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    if (!seenFirst && options.first.test(buffer)) {
      seenFirst = true
      buffer = ''
      ready()
      return
    }
    if (options.ended.test(buffer)) {
      buffer = ''
      waiting?.()
      waiting = null
    }
  })
  child.stderr?.resume()
  await started
  return {
    child,
    nextResult: () =>
      new Promise<void>((resolve) => {
        waiting = resolve
      }),
  }
}

/** Saves `rounds` times, timing each save until the watcher's next result. */
async function timeSaves(
  watcher: { nextResult(): Promise<void> },
  root: string,
  rounds: number,
  first: number,
): Promise<number[]> {
  const times: number[] = []
  for (let round = 0; round < rounds; round++) {
    // Saves come seconds apart, as edits do: what a watcher does after a result (hearth dev resets
    // the data for the next run) happens before the next save, as it would for a user.
    await new Promise((resolve) => setTimeout(resolve, SAVE_GAP_MS))
    const result = watcher.nextResult()
    const began = performance.now()
    save(root, first + round)
    await result
    times.push(performance.now() - began)
  }
  return times
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGINT')
  await exited
}

async function main(): Promise<void> {
  await execa('bash', [path.join(repo, 'scripts/build-test-images.sh')], { stdio: 'inherit' })
  const copy = demoCopy()
  const results = {
    dev: [] as number[],
    watch: [] as number[],
    related: [] as number[],
    cold: [] as number[],
    warmCi: [] as number[],
    vitestRun: [] as number[],
  }
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

    // The whole suite with the environment warm: hearth ci (attach, reset, run, keep) against plain
    // vitest run, in turn.
    for (let round = 0; round < ROUNDS; round++) {
      let began = performance.now()
      const plain = await execa(process.execPath, [vitest, 'run'], { cwd: copy.root, env, reject: false })
      if (plain.exitCode !== 0) throw new Error(`vitest run failed:\n${plain.stdout}`)
      results.vitestRun.push(performance.now() - began)
      began = performance.now()
      const run = await hearth(copy.root, 'ci', '--keep')
      if (run.exitCode !== 0) throw new Error(`hearth ci --keep failed:\n${run.stdout}`)
      results.warmCi.push(performance.now() - began)
    }

    // Save → result in a watcher: hearth dev, then vitest --watch (one watcher at a time: both on
    // one save would race each other for the machine), in two blocks each so drift shows.
    for (let block = 0; block < 2; block++) {
      const rounds = Math.ceil(ROUNDS / 2)
      const dev = await startWatcher(process.execPath, [cli, 'dev', '--no-initial'], {
        cwd: copy.root,
        env: { ...process.env, NO_COLOR: '1' },
        first: /watching /,
        ended: /^[✓✗] \d+ (passed|failed)/m,
      })
      try {
        results.dev.push(...(await timeSaves(dev, copy.root, rounds, 100 + block * 10)))
      } finally {
        await stop(dev.child)
      }
      const watch = await startWatcher(process.execPath, [vitest, '--watch'], {
        cwd: copy.root,
        env: { ...process.env, ...env },
        first: /Test Files\s+\d+/,
        ended: /Test Files\s+\d+/,
      })
      try {
        results.watch.push(...(await timeSaves(watch, copy.root, rounds, 200 + block * 10)))
      } finally {
        await stop(watch.child)
      }
    }
  } finally {
    await hearth(copy.root, 'down', '--all')
    copy.cleanup()
  }

  console.log(
    `\nhearth bench · edit to result, one test file changed (${EDITED}), demo on Postgres + Redis · ${ROUNDS} rounds`,
  )
  console.log(
    `${'measure'.padEnd(58)}${'hearth'.padStart(9)}${'baseline'.padStart(10)}${'ratio'.padStart(8)}${'goal'.padStart(9)}  baseline is`,
  )
  for (const [name, ours, theirs, what, goal] of [
    [
      'hearth dev: save → result (warm, data reset for it)',
      results.dev,
      results.watch,
      'vitest --watch rerun',
      '≤ 1.2×',
    ],
    ['hearth dev: save → result', results.dev, results.related, 'vitest related <file> --run', ''],
    [
      'warm hearth ci --keep (attach, reset, all tests)',
      results.warmCi,
      results.vitestRun,
      'vitest run (env up)',
      '≤ 1.2×',
    ],
    ['cold hearth ci (start, all tests, down)', results.cold, results.vitestRun, 'vitest run (env up)', ''],
  ] as const) {
    console.log(
      `${name.padEnd(58)}${fmt(median(ours)).padStart(9)}${fmt(median(theirs)).padStart(10)}${`${(median(ours) / median(theirs)).toFixed(2)}×`.padStart(8)}${goal.padStart(9)}  ${what}`,
    )
  }
  console.log(
    `ranges: dev ${spread(results.dev)}, vitest --watch ${spread(results.watch)}, related ${spread(results.related)}, warm ci ${spread(results.warmCi)}, vitest run ${spread(results.vitestRun)}, cold ci ${spread(results.cold)}`,
  )
  console.log(
    'vitest (watch, related, run) resets nothing: its tests see whatever earlier runs left in the database.',
  )
}

await main()
