/**
 * Running a synthetic suite's shards for real, one at a time, each timed as CI would see it (the
 * process from start to exit): `hearth ci` on hearth's plan, `hearth ci` on Vitest's own assignment,
 * and plain `vitest run --shard`. Also what the lower bound is computed from: the files' and the
 * environments' times measured in a full run.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'

export interface ShardRun {
  wallMs: number
  /** The test files it ran, project-relative, sorted. */
  files: string[]
}

export interface MeasuredWork {
  /** Each file's duration as hearth measured it in the full run. */
  files: Map<string, number>
  /** Each environment's cold start (first service requested → last ready). */
  startups: Map<string, number>
}

const ENV = { NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' }

export function createRunners(repo: string) {
  const cli = path.join(repo, 'apps/hearth/bin/hearth.js')

  async function hearth(root: string, args: readonly string[]) {
    const began = performance.now()
    const result = await execa(process.execPath, [cli, ...args], {
      cwd: root,
      env: ENV,
      reject: false,
      all: true,
    })
    const wallMs = performance.now() - began
    if (result.exitCode !== 0)
      throw new Error(`hearth ${args.join(' ')} exited ${result.exitCode} in ${root}:\n${result.all}`)
    return { wallMs, stdout: result.stdout }
  }

  /** Files named by hearth's output: the summary when `hearth ci` writes one, else its lines. */
  function filesRun(root: string, outputDir: string, stdout: string): string[] {
    const summaryFile = path.join(root, outputDir, 'summary.json')
    if (existsSync(summaryFile)) {
      const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { files: Array<{ path: string }> }
      return summary.files.map((file) => file.path).sort()
    }
    return [...stdout.matchAll(/^[✓✗↻] (\S+\.test\.ts)\b/gm)].map((match) => match[1] as string).sort()
  }

  return {
    /** `hearth ci` over the whole suite: the timing history's first entries. */
    async fullRun(root: string): Promise<ShardRun & { stdout: string }> {
      const { wallMs, stdout } = await hearth(root, ['ci', '--output', '.hearth/full'])
      return { wallMs, stdout, files: filesRun(root, '.hearth/full', stdout) }
    },

    /** `hearth plan --shards N --output plan.json`: the plan and how long planning took. */
    async plan(root: string, shards: number): Promise<{ wallMs: number; plan: PlanFile }> {
      const { wallMs } = await hearth(root, ['plan', '--shards', String(shards), '--output', 'plan.json'])
      return { wallMs, plan: JSON.parse(readFileSync(path.join(root, 'plan.json'), 'utf8')) as PlanFile }
    },

    /** `hearth ci --shard i/N --plan plan.json`; it stops the environments it started at the end. */
    async hearthShard(root: string, index: number, total: number): Promise<ShardRun> {
      const output = `.hearth/shards/hearth-${index}`
      const { wallMs, stdout } = await hearth(root, [
        'ci',
        '--shard',
        `${index}/${total}`,
        '--plan',
        'plan.json',
        '--output',
        output,
      ])
      return { wallMs, files: filesRun(root, output, stdout) }
    },

    /** `hearth ci <files…>`: the same harness as hearth's shards, on an assignment made elsewhere. */
    async hearthFiles(root: string, files: readonly string[], label: string): Promise<ShardRun> {
      const output = `.hearth/shards/${label}`
      const { wallMs, stdout } = await hearth(root, ['ci', '--output', output, ...files])
      return { wallMs, files: filesRun(root, output, stdout) }
    },

    /** Plain `vitest run --shard=i/N` with the project's own Vitest and config. */
    async vitestShard(root: string, index: number, total: number): Promise<ShardRun> {
      const report = path.join(root, '.vitest-shard.json')
      const began = performance.now()
      const result = await execa(
        process.execPath,
        [
          path.join(root, 'node_modules/vitest/vitest.mjs'),
          'run',
          `--shard=${index}/${total}`,
          '--reporter=json',
          `--outputFile.json=${report}`,
        ],
        { cwd: root, env: ENV, reject: false, all: true },
      )
      const wallMs = performance.now() - began
      if (result.exitCode !== 0)
        throw new Error(`vitest run --shard=${index}/${total} exited ${result.exitCode}:\n${result.all}`)
      const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as {
        testResults: Array<{ name: string }>
      }
      return { wallMs, files: testResults.map((file) => relative(root, file.name)).sort() }
    },

    /** Services hearth still has running in the project (a shard must leave none behind). */
    async running(root: string): Promise<string[]> {
      const { stdout } = await hearth(root, ['status', '--json'])
      const status = JSON.parse(stdout) as {
        environments: Array<{ name: string; services: Array<{ name: string; instance: unknown }> }>
      }
      return status.environments.flatMap((environment) =>
        environment.services
          .filter((service) => service.instance !== null)
          .map((service) => `${environment.name}/${service.name}`),
      )
    },

    /** `hearth down --all`, whatever state the project is in. */
    async down(root: string): Promise<void> {
      await execa(process.execPath, [cli, 'down', '--all'], { cwd: root, env: ENV, reject: false })
    },

    /**
     * Vitest's own assignment of files to shards, asked of Vitest itself. `vitest list --shard`
     * ignores the shard with `--filesOnly` or `--staticParse` (4.1.12), so the tests are collected
     * (their modules load, no test runs) and their files taken.
     */
    async vitestAssignment(root: string, total: number): Promise<string[][]> {
      const shards: string[][] = []
      for (let index = 1; index <= total; index++) {
        const { stdout } = await execa(
          process.execPath,
          [path.join(root, 'node_modules/vitest/vitest.mjs'), 'list', `--shard=${index}/${total}`, '--json'],
          { cwd: root, env: ENV },
        )
        const listed = JSON.parse(stdout) as Array<{ file: string }>
        shards.push([...new Set(listed.map((entry) => relative(root, entry.file)))].sort())
      }
      return shards
    },
  }
}

/** What `hearth plan --output` writes (the parts read here). */
export interface PlanFile {
  shardCount: number
  shards: Array<{ index: number; files: Array<{ path: string }>; predictedMs: number }>
  predictedMaxMs: number
  lowerBound: { ms: number; by: string; file: string | null }
  digest: string
}

/**
 * The files' and environments' times measured in the full run, from the timing history hearth wrote
 * (environments: its `environments` entries, else the summary's `startMs`, else the `ready` lines).
 */
export function measuredWork(root: string, fullRunStdout: string): MeasuredWork {
  const history = JSON.parse(readFileSync(path.join(root, '.hearth/timings.json'), 'utf8')) as {
    files: Record<string, { lastMs: number }>
    environments?: Record<string, { lastMs: number }>
  }
  const files = new Map(Object.entries(history.files).map(([file, timing]) => [file, timing.lastMs]))
  const startups = new Map<string, number>()
  for (const [name, timing] of Object.entries(history.environments ?? {})) startups.set(name, timing.lastMs)
  const summaryFile = path.join(root, '.hearth/full/summary.json')
  if (startups.size === 0 && existsSync(summaryFile)) {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as {
      environments: Array<{ name: string; startMs: number | null }>
    }
    for (const { name, startMs } of summary.environments) if (startMs !== null) startups.set(name, startMs)
  }
  if (startups.size === 0) {
    for (const match of fullRunStdout.matchAll(/^✓ ([\w-]+)\/[\w-]+\s+ready\s+([\d.]+) (ms|s)\b/gm)) {
      const ms = Number(match[2]) * (match[3] === 's' ? 1000 : 1)
      const name = match[1] as string
      startups.set(name, Math.max(startups.get(name) ?? 0, ms))
    }
  }
  return { files, startups }
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/')
}
