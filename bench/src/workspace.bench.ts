/**
 * The 10k-file workspace (issue 13): a synthetic pnpm workspace of ~10,000 source files and 2,000
 * test files (`workspace/generate.ts`, seeded), generated once into a temporary folder, hearth and
 * Vitest linked from this repository. Each figure beside its baseline, measured in the same round,
 * rounds interleaved; medians of BENCH_ROUNDS rounds (default 4: a round takes 20–40 s on 2 cores,
 * so the default run stays under ~3 minutes; BENCH_ROUNDS=7 or more for steadier medians):
 *
 * - graph build: a fresh Node process lists the test files and builds the import graph of all of
 *   them through `@hearth/affected`'s public `createImportGraph` (its built entry); the time the
 *   graph took (listing + build, measured inside), the process's wall time and its peak RSS, against
 *   a process that reads every file of the workspace outside node_modules, dist and .git (the floor
 *   for anything that parses them all) and `node -e 0`. First with no cache (the workspace's
 *   `.hearth` and `node_modules/.cache` removed), then again with what the first left behind (the
 *   graph's persisted cache, where it keeps one: `cache` in its options, on by default).
 * - `hearth affected <one file>`: the CLI's wall time and peak RSS, first with no cache (the
 *   workspace's `.hearth` and `node_modules/.cache` removed: a cold graph and a config to compile),
 *   then once more with whatever the first run left behind (a persisted graph cache, when hearth has
 *   one), against the same baselines.
 * - `hearth dev --no-initial`, from start until it prints that it is watching (the line view's
 *   `watching <root>`: the graph built and the watcher's watches set), and its RSS then, against
 *   chokidar 5 alone watching the same tree with hearth's ignores (`WATCH_IGNORED`, left out before
 *   descending) until its `ready`, and the RSS then. The two alternate which goes first. hearth dev
 *   starts after the second `hearth affected`, so it finds that run's caches, as a developer would.
 *
 * Peak RSS of a process that runs to its end comes from `process.resourceUsage().maxRSS`, recorded
 * at exit by a preload (NODE_OPTIONS, so the processes hearth starts, such as Vitest's test lister,
 * are recorded too: shown apart); the RSS of a watcher when ready is read from /proc (Linux).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { WATCH_IGNORED } from '@hearth/core'
import { fmt, median, spread } from './stats.js'
import { generateWorkspace, linkHearth } from './workspace/generate.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4)
/** Generous: a loaded machine may be slow, and a hang should fail the bench, not stall it. */
const TIMEOUT_MS = 180_000
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(repo, 'apps/hearth/bin/hearth.js')
const MB = 1024 * 1024

// ── the child processes' scripts (plain JavaScript, written next to the workspace) ──────────────

/** Records each Node process's peak RSS at exit, one file per pid, for the parent to read. */
const RSS_PRELOAD = `import { writeFileSync } from 'node:fs'
process.on('exit', () => {
  const dir = process.env.BENCH_RSS_DIR
  if (!dir) return
  try {
    writeFileSync(dir + '/' + process.pid + '.json', JSON.stringify({ pid: process.pid, ppid: process.ppid, maxRss: process.resourceUsage().maxRSS * 1024 }))
  } catch {}
})
`

/** Walks the tree as a watcher would, ignored folders left out before descending. */
const WALK = `import { readdirSync } from 'node:fs'
import path from 'node:path'
export function walk(dir, ignored, visit) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (ignored.has(entry.name)) continue
    const at = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(at, ignored, visit)
    else if (entry.isFile()) visit(at, entry.name)
  }
}
`

/** Baseline: read every file the graph could need (all of them outside the ignored folders). */
const READ_ALL = `import { readFileSync } from 'node:fs'
import { walk } from './walk.mjs'
const [root, ignored] = [process.argv[2], new Set(JSON.parse(process.argv[3]))]
const began = performance.now()
let files = 0
let bytes = 0
walk(root, ignored, (file) => { files++; bytes += readFileSync(file).length })
console.log(JSON.stringify({ ms: performance.now() - began, files, bytes }))
`

/** The graph through the public API: the test files listed, then createImportGraph. */
const GRAPH = `import path from 'node:path'
import { walk } from './walk.mjs'
const [root, ignored, entry, changed] = [process.argv[2], new Set(JSON.parse(process.argv[3])), process.argv[4], process.argv[5]]
const began = performance.now()
const { createImportGraph } = await import(entry)
const loaded = performance.now()
const testFiles = []
walk(root, ignored, (file, name) => { if (name.endsWith('.test.ts')) testFiles.push(file) })
const graph = await createImportGraph({ root, testFiles })
const built = performance.now()
const selected = new Set(graph.testsReaching([path.join(root, changed)]).map((selection) => selection.test)).size
console.log(JSON.stringify({ ms: built - loaded, loadMs: loaded - began, stats: graph.stats(), selected }))
`

/** Baseline: chokidar alone on the same tree, hearth's ignores applied before descending. */
const CHOKIDAR = `import path from 'node:path'
const [root, ignored, entry] = [process.argv[2], new Set(JSON.parse(process.argv[3])), process.argv[4]]
const { watch } = await import(entry)
const watcher = watch(root, { ignoreInitial: true, ignored: (file) => ignored.has(path.basename(file)) })
watcher.on('ready', () => process.stdout.write('ready\\n'))
watcher.on('error', (error) => { console.error(error); process.exit(1) })
process.on('SIGINT', () => watcher.close().then(() => process.exit(0)))
`

// ── running and measuring ───────────────────────────────────────────────────────────────────────

interface Tools {
  dir: string
  rssDir: string
  env: NodeJS.ProcessEnv
}

interface Exited {
  ms: number
  stdout: string
  /** Peak RSS of the process itself, in bytes. */
  rss: number
  /** The largest peak RSS among the Node processes it started (0: none). */
  childRss: number
}

function writeTools(dir: string): Tools {
  const rssDir = path.join(dir, 'rss')
  mkdirSync(rssDir, { recursive: true })
  for (const [name, text] of [
    ['rss-preload.mjs', RSS_PRELOAD],
    ['walk.mjs', WALK],
    ['read-all.mjs', READ_ALL],
    ['graph.mjs', GRAPH],
    ['chokidar.mjs', CHOKIDAR],
  ] as const) {
    writeFileSync(path.join(dir, name), text)
  }
  const preload = pathToFileURL(path.join(dir, 'rss-preload.mjs')).href
  const nodeOptions = [process.env.NODE_OPTIONS, `--import=${preload}`].filter(Boolean).join(' ')
  return {
    dir,
    rssDir,
    env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: nodeOptions, BENCH_RSS_DIR: rssDir },
  }
}

/** The peak RSS files written since the last call: the process's own, and its children's largest. */
function collectRss(tools: Tools, pid: number): { rss: number; childRss: number } {
  let rss = Number.NaN
  let childRss = 0
  for (const name of readdirSync(tools.rssDir)) {
    const file = path.join(tools.rssDir, name)
    const record = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; maxRss: number }
    rmSync(file)
    if (record.pid === pid) rss = record.maxRss
    else childRss = Math.max(childRss, record.maxRss)
  }
  return { rss, childRss }
}

/** Runs `node …args` in `cwd` to its end; throws on a non-zero exit or after TIMEOUT_MS. */
function runToExit(tools: Tools, cwd: string, args: readonly string[]): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const began = performance.now()
    const child = spawn(process.execPath, args, { cwd, env: tools.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const ms = performance.now() - began
      clearTimeout(timer)
      if (code !== 0) {
        reject(new Error(`node ${args.join(' ')} exited with ${code ?? signal}:\n${stdout}\n${stderr}`))
        return
      }
      resolve({ ms, stdout, ...collectRss(tools, child.pid as number) })
    })
  })
}

/** Resident memory of a process now (bytes), from /proc; NaN where there is no /proc. */
function rssNow(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

/** The process and all its descendants now (bytes): what the user's machine holds for it. */
function treeRssNow(pid: number): number {
  let total = rssNow(pid)
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      for (const child of children === '' ? [] : children.split(' ')) {
        const rss = treeRssNow(Number(child))
        // A child that exited between the listing and the read counts for nothing.
        if (!Number.isNaN(rss)) total += rss
      }
    }
  } catch {
    // Gone meanwhile, or no /proc: what was counted stands.
  }
  return total
}

interface Ready {
  ms: number
  rss: number
  treeRss: number
}

/**
 * Starts `node …args` and waits for `ready` in its output (the time from spawn to then, and its RSS
 * then), then interrupts it (SIGINT, as Ctrl-C) and waits for it to exit. Throws if it exits first
 * or is not ready within TIMEOUT_MS.
 */
function untilReady(tools: Tools, cwd: string, args: readonly string[], ready: RegExp): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const began = performance.now()
    const child = spawn(process.execPath, args, { cwd, env: tools.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let result: Ready | null = null
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS)
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (result === null && ready.test(stdout)) {
        const ms = performance.now() - began
        const pid = child.pid as number
        result = { ms, rss: rssNow(pid), treeRss: treeRssNow(pid) }
        child.kill('SIGINT')
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      collectRss(tools, child.pid as number)
      if (result === null)
        reject(
          new Error(
            `node ${args.join(' ')} ended (${code ?? signal}) before ${ready}:\n${stdout}\n${stderr}`,
          ),
        )
      else resolve(result)
    })
  })
}

/** The built entry of a workspace package's `"."` export (its `default` condition). */
function builtEntry(dir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    exports: { '.': { default: string } }
  }
  const file = path.join(dir, manifest.exports['.'].default)
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first`)
  return pathToFileURL(file).href
}

/** chokidar's entry: the bench's own dependency, else the copy in the workspace's store. */
function chokidarEntry(): string {
  const candidates = [path.join(repo, 'bench/node_modules/chokidar')]
  const store = path.join(repo, 'node_modules/.pnpm')
  for (const name of existsSync(store) ? readdirSync(store) : [])
    if (name.startsWith('chokidar@5.')) candidates.push(path.join(store, name, 'node_modules/chokidar'))
  for (const dir of candidates) {
    if (!existsSync(path.join(dir, 'package.json'))) continue
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }
    if (manifest.version.startsWith('5.')) return pathToFileURL(path.join(dir, 'index.js')).href
  }
  throw new Error(
    'chokidar 5 is not installed: add "chokidar": "catalog:" to bench/package.json, pnpm install',
  )
}

interface GraphReport {
  ms: number
  stats: { files: number; edges: number; unresolved: number }
  selected: number
}

function parseGraph(stdout: string): GraphReport {
  return JSON.parse(stdout) as GraphReport
}

/** What a first run finds: no state folder, no compiled config, no persisted graph. */
function clearCaches(root: string): void {
  rmSync(path.join(root, '.hearth'), { recursive: true, force: true })
  rmSync(path.join(root, 'node_modules/.cache'), { recursive: true, force: true })
}

// ── the bench ───────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  if (!existsSync(path.join(repo, 'apps/hearth/dist/cli.js'))) throw new Error('run `pnpm build` first')
  const affectedEntry = builtEntry(path.join(repo, 'packages/affected'))
  const chokidar = chokidarEntry()
  const base = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-10k-'))
  const root = path.join(base, 'workspace')
  const tools = writeTools(path.join(base, 'tools'))
  const ignored = JSON.stringify(WATCH_IGNORED)
  const script = (name: string) => path.join(tools.dir, name)
  const results = {
    nodeE0: [] as Exited[],
    readAll: [] as Exited[],
    graph: [] as (Exited & { graphMs: number })[],
    graphAgain: [] as (Exited & { graphMs: number })[],
    first: [] as Exited[],
    second: [] as Exited[],
    dev: [] as Ready[],
    chokidar: [] as Ready[],
  }
  let sampleChange = ''
  let facts = { files: 0, graphFiles: 0, edges: 0, unresolved: 0, selected: 0, cliSelected: '' }
  try {
    const began = performance.now()
    const generated = generateWorkspace(root)
    sampleChange = generated.sampleChange
    linkHearth(root, repo)
    const generateMs = performance.now() - began
    console.log(
      `workspace: ${generated.packages} packages, ${generated.sourceFiles} source files (${generated.testFiles} tests), ` +
        `${generated.ignoredFiles} ignored files (node_modules, dist, .git); seed ${generated.seed}; generated in ${fmt(generateMs)}`,
    )
    const affected = [cli, 'affected', generated.sampleChange]
    // Once, unmeasured: the page cache and Node's own caches as every round then finds them.
    await runToExit(tools, root, [script('read-all.mjs'), root, ignored])

    for (let round = 0; round < ROUNDS; round++) {
      results.nodeE0.push(await runToExit(tools, root, ['-e', '0']))
      const read = await runToExit(tools, root, [script('read-all.mjs'), root, ignored])
      results.readAll.push(read)
      const graphArgs = [script('graph.mjs'), root, ignored, affectedEntry, generated.sampleChange]
      clearCaches(root)
      const graph = await runToExit(tools, root, graphArgs)
      const report = parseGraph(graph.stdout)
      results.graph.push({ ...graph, graphMs: report.ms })
      // Again, with what the first build left (a persisted cache, when the graph keeps one).
      const again = await runToExit(tools, root, graphArgs)
      results.graphAgain.push({ ...again, graphMs: parseGraph(again.stdout).ms })
      clearCaches(root)
      const first = await runToExit(tools, root, affected)
      results.first.push(first)
      results.second.push(await runToExit(tools, root, affected))
      facts = {
        files: (JSON.parse(read.stdout) as { files: number }).files,
        graphFiles: report.stats.files,
        edges: report.stats.edges,
        unresolved: report.stats.unresolved,
        selected: report.selected,
        cliSelected: first.stdout.split('\n')[0] ?? '',
      }
      // hearth dev and chokidar take turns going first, so neither always finds the other's leftovers.
      const watchers = [
        async () =>
          results.dev.push(await untilReady(tools, root, [cli, 'dev', '--no-initial'], /^watching /m)),
        async () =>
          results.chokidar.push(
            await untilReady(tools, root, [script('chokidar.mjs'), root, ignored, chokidar], /^ready$/m),
          ),
      ]
      if (round % 2 === 1) watchers.reverse()
      for (const watcher of watchers) await watcher()
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`)
    }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }

  const ms = (values: readonly { ms: number }[]) => median(values.map((value) => value.ms))
  const graphMs = (values: readonly { graphMs: number }[]) => median(values.map((value) => value.graphMs))
  const rss = (values: readonly { rss: number }[]) => median(values.map((value) => value.rss))
  const mb = (bytes: number) => (Number.isNaN(bytes) ? '?' : `${Math.round(bytes / MB)} MB`)
  const none = 'no cache: .hearth and node_modules/.cache removed first'
  console.log(
    `\nhearth bench · the 10k-file workspace (${facts.files} files read, the graph holds ${facts.graphFiles} files and ` +
      `${facts.edges} edges, ${facts.unresolved} unresolved) · ${ROUNDS} rounds`,
  )
  console.log(
    `${'measure'.padEnd(50)}${'hearth'.padStart(9)}${'baseline'.padStart(10)}${'ratio'.padStart(8)}${'goal'.padStart(10)}  baseline is`,
  )
  const rows: [string, number, number, string, string, (value: number) => string][] = [
    [
      'graph build (list tests + build), no cache',
      graphMs(results.graph),
      ms(results.readAll),
      '< 2 s',
      'reading every file (measured inside, as the graph)',
      fmt,
    ],
    ['graph build: its process, start to exit', ms(results.graph), ms(results.nodeE0), '', 'node -e 0', fmt],
    [
      'graph build: its process, peak RSS',
      rss(results.graph),
      rss(results.readAll),
      '< 200 MB',
      'reading every file: peak RSS',
      mb,
    ],
    [
      'graph build again (what the first left)',
      graphMs(results.graphAgain),
      ms(results.readAll),
      '< 2 s',
      'reading every file',
      fmt,
    ],
    [
      'graph build again: peak RSS',
      rss(results.graphAgain),
      rss(results.readAll),
      '< 200 MB',
      'reading every file: peak RSS',
      mb,
    ],
    [
      'hearth affected <file>, first run (no cache)',
      ms(results.first),
      ms(results.nodeE0),
      '< 2 s',
      'node -e 0',
      fmt,
    ],
    [
      'hearth affected <file>, first run: peak RSS',
      rss(results.first),
      rss(results.nodeE0),
      '< 200 MB',
      'node -e 0: peak RSS',
      mb,
    ],
    ['hearth affected <file>, second run', ms(results.second), ms(results.nodeE0), '< 2 s', 'node -e 0', fmt],
    [
      'hearth affected <file>, second run: peak RSS',
      rss(results.second),
      rss(results.nodeE0),
      '< 200 MB',
      'node -e 0: peak RSS',
      mb,
    ],
    [
      'hearth dev --no-initial: start → watching',
      ms(results.dev),
      ms(results.chokidar),
      '≤ 1.3×',
      'chokidar 5 alone: start → ready',
      fmt,
    ],
    [
      'hearth dev: RSS when watching',
      rss(results.dev),
      rss(results.chokidar),
      '≤ 1.3×',
      'chokidar 5 alone: RSS when ready',
      mb,
    ],
  ]
  for (const [name, ours, theirs, goal, what, format] of rows) {
    console.log(
      `${name.padEnd(50)}${format(ours).padStart(9)}${format(theirs).padStart(10)}${`${(ours / theirs).toFixed(2)}×`.padStart(8)}${goal.padStart(10)}  ${what}`,
    )
  }
  const children = (values: readonly Exited[]) => mb(median(values.map((value) => value.childRss)))
  const range = (values: readonly { ms: number }[]) => spread(values.map((value) => value.ms))
  const graphRange = (values: readonly { graphMs: number }[]) => spread(values.map((value) => value.graphMs))
  console.log(
    `first runs and the first graph build: ${none}; hearth dev starts after the second run, with what it left. ` +
      `RSS of the process itself; the Node processes hearth affected starts (Vitest's test lister), largest peak: ` +
      `first run ${children(results.first)}, second ${children(results.second)}; hearth dev and its processes when ` +
      `watching: ${mb(median(results.dev.map((value) => value.treeRss)))}`,
  )
  console.log(
    `ranges: graph ${graphRange(results.graph)}, again ${graphRange(results.graphAgain)}, read all ${range(results.readAll)}, ` +
      `affected ${range(results.first)} then ${range(results.second)}, dev ${range(results.dev)}, ` +
      `chokidar ${range(results.chokidar)}, node -e 0 ${range(results.nodeE0)}`,
  )
  console.log(
    `one changed file (${sampleChange}): the graph selects ${facts.selected} tests; the CLI says "${facts.cliSelected}"`,
  )
}

await main()
