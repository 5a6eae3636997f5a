/**
 * `pnpm bench` (or `pnpm --filter hearth-bench results`): runs every benchmark in turn (or those
 * whose name matches an argument: `pnpm bench workspace tui`), shows their output as it comes, and,
 * for a full run, writes it to bench/results.md with the machine it ran on: CPU, cores, memory, OS, Node, pnpm,
 * Docker, the date, the commit (and whether the tree had uncommitted changes), the load average at
 * the start, BENCH_ROUNDS. A benchmark that fails is recorded with its exit code and the rest still
 * run; the exit code is then 1.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt } from './stats.js'

const bench = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const repo = path.dirname(bench)
/** The order `pnpm bench` runs them in; benchmarks not listed here follow, by name. */
const ORDER = ['environments', 'latency', 'tui', 'sharding', 'config', 'workspace']

function allBenches(): string[] {
  const found = readdirSync(path.join(bench, 'src'))
    .filter((name) => name.endsWith('.bench.ts'))
    .map((name) => name.slice(0, -'.bench.ts'.length))
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length)
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** A command's first line of output, or `not available` (the command missing or failing). */
function version(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { cwd: repo, encoding: 'utf8' })
  const line = result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined
  return line === undefined || line === '' ? 'not available' : line
}

function machine(): [string, string][] {
  const cpus = os.cpus()
  const dirty =
    spawnSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' }).stdout.trim() !== ''
  return [
    ['date', new Date().toISOString()],
    [
      'commit',
      `${version('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? ' (with uncommitted changes)' : ''}`,
    ],
    ['CPU', `${cpus[0]?.model.trim() ?? 'unknown'}`],
    ['cores', `${os.availableParallelism()} available (${cpus.length} logical CPUs)`],
    ['memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['OS', `${os.type()} ${os.release()} (${os.arch()})`],
    ['Node', process.version],
    ['pnpm', version('pnpm', ['--version'])],
    [
      'Docker',
      version('docker', ['version', '--format', 'client {{.Client.Version}}, engine {{.Server.Version}}']),
    ],
    [
      'load average at start',
      os
        .loadavg()
        .map((load) => load.toFixed(2))
        .join(', '),
    ],
    ['BENCH_ROUNDS', process.env.BENCH_ROUNDS ?? "each benchmark's default"],
  ]
}

interface BenchRun {
  name: string
  output: string
  code: number | null
  ms: number
}

/** Runs one benchmark, its output to the terminal as it comes and kept for the file. */
function runBench(name: string): Promise<BenchRun> {
  return new Promise((resolve) => {
    const began = performance.now()
    const child = spawn(process.execPath, ['--import', 'tsx', `src/${name}.bench.ts`], {
      cwd: bench,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const keep = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      stream.write(chunk)
      output += chunk.toString()
    }
    child.stdout.on('data', keep(process.stdout))
    child.stderr.on('data', keep(process.stderr))
    child.on('close', (code) => resolve({ name, output, code, ms: performance.now() - began }))
  })
}

// Progress lines a benchmark writes as it goes (`round 2/5 done`) say nothing once it is over.
const PROGRESS = /^round \d+\/\d+ done$/

function render(facts: [string, string][], runs: readonly BenchRun[], partial: boolean): string {
  const lines = [
    '# Benchmark results',
    '',
    'The last full run of every benchmark (`pnpm bench`);',
    'each figure beside its baseline, measured in the same run on the same machine. Timings on a shared',
    'machine vary by ±30%: compare ratios, and rerun before relying on one figure.',
    '',
    ...(partial
      ? [`**An interrupted run**: only ${runs.map((run) => run.name).join(', ')} finished.`, '']
      : []),
    '| machine | |',
    '| --- | --- |',
    ...facts.map(([key, value]) => `| ${key} | ${value} |`),
    '',
  ]
  for (const run of runs) {
    const status = run.code === 0 ? 'ok' : `failed (exit ${run.code ?? 'signal'})`
    lines.push(
      `## ${run.name}`,
      '',
      `\`src/${run.name}.bench.ts\` · ${fmt(run.ms)} · ${status}`,
      '',
      '```text',
    )
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
    const text = run.output.replace(/\u001b\[[0-9;]*m/g, '')
    lines.push(...text.split('\n').filter((line) => !PROGRESS.test(line.trim())), '```', '')
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2)
  const names = allBenches().filter(
    (name) => wanted.length === 0 || wanted.some((part) => name.includes(part)),
  )
  if (names.length === 0) {
    console.error(`no benchmark matches ${wanted.join(' ')}: use ${allBenches().join(', ')}`)
    return 2
  }
  // results.md holds the last full run: a run of some benchmarks only prints.
  const full = names.length === allBenches().length
  const target = path.join(bench, 'results.md')
  const facts = machine()
  const runs: BenchRun[] = []
  for (const name of names) {
    console.log(`\n▸ bench: ${name}`)
    runs.push(await runBench(name))
    // Written after each (atomically: a temporary file renamed over it), so an interrupted full
    // run keeps what finished, marked as partial.
    if (full) {
      writeFileSync(`${target}.tmp`, render(facts, runs, runs.length < names.length))
      renameSync(`${target}.tmp`, target)
    }
  }
  console.log(
    full
      ? `\nwrote ${path.relative(process.cwd(), target)}`
      : `\n${path.relative(process.cwd(), target)} not written: it holds full runs only (pnpm bench with no names)`,
  )
  return runs.every((run) => run.code === 0) ? 0 : 1
}

process.exitCode = await main()
