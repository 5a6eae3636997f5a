/**
 * What loading hearth.config.ts costs a command, on the demo (its config imports two environment
 * files and the Postgres and Redis presets): the compiled, cached module hearth imports against
 * compiling every module through tsx on each command (HEARTH_CONFIG_CACHE=0, what hearth did
 * before), and the first load after an edit (compile, write the cache, import). Each in a fresh
 * Node process, as every command is; interleaved; medians of BENCH_ROUNDS rounds (default 10).
 * `hearth status` (nothing running) shows what a user waits for in all.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { demoCopy } from './demo-copy.js'
import { fmt, median, spread } from './stats.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(repo, 'apps/hearth/bin/hearth.js')
const entry = path.join(repo, 'packages/environments/dist/index.js')
const LOAD = `import { loadConfig } from ${JSON.stringify(entry)}\nawait loadConfig({ cwd: process.cwd() })\n`

async function timed(root: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const began = performance.now()
  const run = await execa(process.execPath, args, {
    cwd: root,
    env: { NO_COLOR: '1', ...env },
    reject: false,
  })
  const ms = performance.now() - began
  if (run.exitCode !== 0) throw new Error(`${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`)
  return ms
}

async function main(): Promise<void> {
  const copy = demoCopy()
  const backend = path.join(copy.root, 'environments/backend.ts')
  const original = readFileSync(backend, 'utf8')
  const results = { tsx: [] as number[], cached: [] as number[], edited: [] as number[] }
  const status = { tsx: [] as number[], cached: [] as number[] }
  const load = ['--input-type=module', '-e', LOAD]
  try {
    await timed(copy.root, load) // compiles once: the cached rounds find it
    for (let round = 0; round < ROUNDS; round++) {
      results.tsx.push(await timed(copy.root, load, { HEARTH_CONFIG_CACHE: '0' }))
      results.cached.push(await timed(copy.root, load))
      writeFileSync(backend, `${original}\n// bench ${round}\n`)
      results.edited.push(await timed(copy.root, load))
      status.tsx.push(await timed(copy.root, [cli, 'status'], { HEARTH_CONFIG_CACHE: '0' }))
      status.cached.push(await timed(copy.root, [cli, 'status']))
    }
  } finally {
    copy.cleanup()
  }

  console.log(`\nhearth bench · loading hearth.config.ts, demo, a fresh process each · ${ROUNDS} rounds`)
  console.log(`${'measure'.padEnd(62)}${'median'.padStart(9)}${'vs tsx'.padStart(9)}`)
  const rows = [
    ['loadConfig through tsx, every module compiled (baseline)', results.tsx, results.tsx],
    ['loadConfig, compiled module from the cache', results.cached, results.tsx],
    ['loadConfig after an edit (compile + write the cache + import)', results.edited, results.tsx],
    ['hearth status through tsx (baseline)', status.tsx, status.tsx],
    ['hearth status, compiled config from the cache', status.cached, status.tsx],
  ] as const
  for (const [name, values, baseline] of rows) {
    console.log(
      `${name.padEnd(62)}${fmt(median(values)).padStart(9)}${`${(median(values) / median(baseline)).toFixed(2)}×`.padStart(9)}`,
    )
  }
  console.log(
    `ranges: tsx ${spread(results.tsx)}, cached ${spread(results.cached)}, edited ${spread(results.edited)}; ` +
      `status ${spread(status.tsx)} → ${spread(status.cached)}`,
  )
}

await main()
