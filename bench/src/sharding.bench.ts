/**
 * Sharding (issue 10): a synthetic suite with skewed durations (real test files that wait for their
 * time) run for real as N shards, one shard at a time (each timed as if on its own machine), with
 * hearth's plan (`hearth plan`, then `hearth ci --shard i/N --plan`) against Vitest's own
 * `--shard=i/N` assignment, in the same run. Two suites:
 * - plain: no environments. Vitest's shards run twice: through `hearth ci <files>` (the same harness
 *   as hearth's, only the assignment differs) and as plain `vitest run --shard=i/N`.
 * - environments: half the test groups need one environment and half another (local processes that
 *   take 1.5 s and 3 s to listen); each shard starts what it needs cold and stops it at the end, as a
 *   fresh CI machine would. Vitest knows nothing of environments, so its shards run through
 *   `hearth ci <files>`.
 * A full `hearth ci` first writes the timing history hearth plans from; the lower bound comes from
 * it: max(Σ files / N, longest file), environment start-ups counted in. Printed per strategy: each
 * shard's wall time, max, mean, max/mean, slowest/lower bound; medians of BENCH_ROUNDS rounds
 * (default 2), strategies interleaved in each round. BENCH_SHARDS (default 4) sets N,
 * BENCH_SUITE_MS (default 24000) what the files wait for in all.
 */
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRunners, type MeasuredWork, measuredWork, type ShardRun } from './sharding/shard-runs.js'
import { createSyntheticSuite, type SuiteVariant, type SyntheticSuite } from './sharding/synthetic-suite.js'
import { fmt, median } from './stats.js'

// Two rounds by default: one round runs 4 shards × 5 strategies of ~10 s each, and the whole
// benchmark stays under 10 minutes on 2 cores. BENCH_ROUNDS=3 or more for steadier medians.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const SHARDS = Number(process.env.BENCH_SHARDS ?? 4)
const SUITE_MS = Number(process.env.BENCH_SUITE_MS ?? 24_000)
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const runners = createRunners(repo)

type StrategyName = 'hearth' | 'vitest-hearth' | 'vitest'

const LABELS: Record<StrategyName, string> = {
  hearth: 'hearth plan → hearth ci --shard',
  'vitest-hearth': "vitest's shards → hearth ci",
  vitest: 'vitest run --shard',
}

interface LowerBound {
  ms: number
  average: number
  longest: { file: string; ms: number }
}

/** max(all the work / N, the longest file with its environment's start-up): no shard can beat it. */
function lowerBound(suite: SyntheticSuite, work: MeasuredWork, shards: number): LowerBound {
  const startupOf = (environment: string | null) =>
    environment === null ? 0 : (work.startups.get(environment) ?? 0)
  let total = 0
  let longest = { file: '', ms: 0 }
  for (const file of suite.files) {
    const ms = work.files.get(file.path)
    if (ms === undefined) throw new Error(`the full run measured no time for ${file.path}`)
    total += ms
    const withStartup = ms + startupOf(file.environment)
    if (withStartup > longest.ms) longest = { file: file.path, ms: withStartup }
  }
  // Each environment's start-up counted once, as the plan counts it (a shard that starts both at
  // once pays only the longer, so this leans towards a high bound when both are in one shard).
  for (const ms of work.startups.values()) total += ms
  const average = total / shards
  return { ms: Math.max(average, longest.ms), average, longest }
}

/** The shards together ran every file once; each ran what it was assigned, when that is known. */
function checkCoverage(
  suite: SyntheticSuite,
  strategy: string,
  runs: readonly ShardRun[],
  assigned?: readonly string[][],
) {
  const all = runs.flatMap((run) => run.files).sort()
  const expected = suite.files.map((file) => file.path).sort()
  if (all.join('\n') !== expected.join('\n'))
    throw new Error(
      `${strategy}: the shards ran ${all.length} files, not each of the ${expected.length} once:\n${all.join('\n')}`,
    )
  runs.forEach((run, index) => {
    const wanted = assigned?.[index]
    if (wanted !== undefined && run.files.join('\n') !== [...wanted].sort().join('\n'))
      throw new Error(
        `${strategy}: shard ${index + 1} ran ${run.files.join(', ')}; assigned ${wanted.join(', ')}`,
      )
  })
}

interface RoundResult {
  walls: number[]
  max: number
  mean: number
  /** Per shard: its wall time less its files' time in the full run (CLI, Vitest, environments). */
  beyond: number[]
}

function summarize(runs: readonly ShardRun[], work: MeasuredWork): RoundResult {
  const walls = runs.map((run) => run.wallMs)
  const max = Math.max(...walls)
  const mean = walls.reduce((sum, ms) => sum + ms, 0) / walls.length
  const beyond = runs.map(
    (run) => run.wallMs - run.files.reduce((sum, file) => sum + (work.files.get(file) ?? 0), 0),
  )
  return { walls, max, mean, beyond }
}

async function benchSuite(variant: SuiteVariant): Promise<void> {
  const suite = createSyntheticSuite({ variant, repo, totalWaitMs: SUITE_MS })
  const strategies: StrategyName[] =
    variant === 'plain' ? ['hearth', 'vitest-hearth', 'vitest'] : ['hearth', 'vitest-hearth']
  const results = new Map<StrategyName, RoundResult[]>(strategies.map((name) => [name, []]))
  const planWalls: number[] = []
  const predicted: number[][] = []
  try {
    process.stdout.write(`  ${variant}: full hearth ci (the timing history)…\r`)
    const full = await runners.fullRun(suite.root)
    checkCoverage(suite, 'full run', [full])
    const work = measuredWork(suite.root, full.stdout)
    if (variant === 'environments' && work.startups.size !== suite.environments.length)
      throw new Error(`the full run measured start-ups for ${[...work.startups.keys()].join(', ') || 'none'}`)
    const bound = lowerBound(suite, work, SHARDS)
    const vitestShards = await runners.vitestAssignment(suite.root, SHARDS)

    for (let round = 1; round <= ROUNDS; round++) {
      for (const strategy of strategies) {
        process.stdout.write(`  ${variant}: round ${round}/${ROUNDS}, ${LABELS[strategy]}…          \r`)
        const runs: ShardRun[] = []
        let assigned: string[][]
        if (strategy === 'hearth') {
          // Planned each round from the history as it stands, as each CI pipeline would.
          const { wallMs, plan } = await runners.plan(suite.root, SHARDS)
          planWalls.push(wallMs)
          predicted.push(plan.shards.map((shard) => shard.predictedMs))
          assigned = plan.shards.map((shard) => shard.files.map((file) => file.path))
          for (let index = 1; index <= SHARDS; index++)
            runs.push(await runners.hearthShard(suite.root, index, SHARDS))
        } else {
          assigned = vitestShards
          for (let index = 1; index <= SHARDS; index++)
            runs.push(
              strategy === 'vitest'
                ? await runners.vitestShard(suite.root, index, SHARDS)
                : await runners.hearthFiles(
                    suite.root,
                    vitestShards[index - 1] as string[],
                    `vitest-${index}`,
                  ),
            )
        }
        checkCoverage(suite, LABELS[strategy], runs, assigned)
        if (round === 1 && variant === 'environments') {
          const left = await runners.running(suite.root)
          if (left.length > 0) throw new Error(`${LABELS[strategy]} left ${left.join(', ')} running`)
        }
        results.get(strategy)?.push(summarize(runs, work))
      }
    }

    print(suite, work, bound, full.wallMs, results, planWalls, predicted, vitestShards)
  } finally {
    await runners.down(suite.root)
    suite[Symbol.dispose]()
  }
}

function print(
  suite: SyntheticSuite,
  work: MeasuredWork,
  bound: LowerBound,
  fullWallMs: number,
  results: Map<StrategyName, RoundResult[]>,
  planWalls: readonly number[],
  predicted: readonly number[][],
  vitestShards: readonly string[][],
): void {
  const waited = suite.files.reduce((sum, file) => sum + file.waitMs, 0)
  const measured = [...work.files.values()].reduce((sum, ms) => sum + ms, 0)
  const startups = [...work.startups].map(([name, ms]) => `${name} ${fmt(ms)}`).join(', ')
  console.log(
    `\n${suite.variant === 'plain' ? 'no environments' : `two environments (${suite.environments.map((environment) => `${environment.name}: listens after ${fmt(environment.startDelayMs)}`).join(', ')})`}` +
      ` · ${suite.files.length} files waiting ${fmt(waited)} in all (longest ${fmt(Math.max(...suite.files.map((file) => file.waitMs)))})`,
  )
  console.log(
    `full hearth ci ${fmt(fullWallMs)}: files ${fmt(measured)}${startups === '' ? '' : `, start-ups ${startups}`}` +
      ` · lower bound for ${SHARDS} shards ${fmt(bound.ms)} (all work / ${SHARDS} ${fmt(bound.average)}; longest ${bound.longest.file} ${fmt(bound.longest.ms)})`,
  )
  const shardHeads = Array.from({ length: SHARDS }, (_, index) => `shard ${index + 1}`.padStart(9)).join('')
  console.log(
    `${'strategy'.padEnd(34)}${shardHeads}${'max'.padStart(9)}${'mean'.padStart(9)}${'max/mean'.padStart(10)}${'slowest/LB'.padStart(12)}`,
  )
  const row = (label: string, walls: readonly number[], max: number, mean: number, ratio: number) =>
    console.log(
      `${label.padEnd(34)}${walls.map((ms) => fmt(ms).padStart(9)).join('')}${fmt(max).padStart(9)}${fmt(mean).padStart(9)}${`${ratio.toFixed(2)}×`.padStart(10)}${`${(max / bound.ms).toFixed(2)}×`.padStart(12)}`,
    )
  const medians = new Map<StrategyName, { max: number; balance: number }>()
  for (const [strategy, rounds] of results) {
    const walls = Array.from({ length: SHARDS }, (_, index) =>
      median(rounds.map((round) => round.walls[index] as number)),
    )
    const max = median(rounds.map((round) => round.max))
    const balance = median(rounds.map((round) => round.max / round.mean))
    medians.set(strategy, { max, balance })
    row(LABELS[strategy], walls, max, median(rounds.map((round) => round.mean)), balance)
    if (strategy === 'hearth' && predicted.length > 0) {
      const shards = Array.from({ length: SHARDS }, (_, index) =>
        median(predicted.map((plan) => plan[index] ?? 0)),
      )
      const max = Math.max(...shards)
      const mean = shards.reduce((sum, ms) => sum + ms, 0) / SHARDS
      row('  (the plan predicted)', shards, max, mean, max / mean)
    }
  }
  const ours = medians.get('hearth')
  const sameHarness = medians.get('vitest-hearth')
  const plain = medians.get('vitest')
  if (ours !== undefined && sameHarness !== undefined)
    console.log(
      `hearth / vitest's shards (same harness): slowest shard ${(ours.max / sameHarness.max).toFixed(2)}×, max/mean ${(ours.balance / sameHarness.balance).toFixed(2)}×`,
    )
  if (ours !== undefined && plain !== undefined)
    console.log(
      `hearth / plain vitest --shard:           slowest shard ${(ours.max / plain.max).toFixed(2)}×, max/mean ${(ours.balance / plain.balance).toFixed(2)}×`,
    )
  console.log(
    `beyond the files' own time, per shard (median): ${[...results]
      .map(
        ([strategy, rounds]) => `${LABELS[strategy]} ${fmt(median(rounds.flatMap((round) => round.beyond)))}`,
      )
      .join(' · ')}`,
  )
  console.log(
    `vitest's shards hold ${vitestShards.map((files) => files.length).join('/')} files · hearth plan took ${fmt(median(planWalls))} (once per pipeline, not in the shard times)`,
  )
}

async function main(): Promise<void> {
  console.log(
    `\nhearth bench · sharding · ${SHARDS} shards, one at a time · ${ROUNDS} rounds · ${os.cpus().length} CPUs · load ${os.loadavg()[0]?.toFixed(1)}`,
  )
  await benchSuite('plain')
  await benchSuite('environments')
  console.log(
    '\nShard times are wall times of the whole process (CLI start, config, Vitest, environments, tests, stop);' +
      '\nthe lower bound counts only the tests and start-ups, so every strategy stays above it by its fixed costs.',
  )
}

await main()
