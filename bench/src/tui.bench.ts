/**
 * The terminal UI of `hearth dev`, each figure beside a baseline measured in the same run and its
 * goal (issue 9):
 * - keypress → next frame, on a run of 500 test files and six services: against a bare Ink app
 *   that re-renders one line per key (Ink's own floor). Goal < 50 ms.
 * - save → first frame showing the file running, against save → the `run/file-started` action
 *   (hearth's own watch, selection and run start): the difference is the TUI's. Goal < 150 ms on top.
 * - CPU and RSS while idle and while six services log (a line each every 100 ms), with the TUI
 *   against the same store and log feed with no view. Goals: idle CPU ~0, RSS < 150 MB.
 * Each measurement runs in a child process of its own (RSS and CPU are per process), rounds
 * interleaved (TUI, baseline, TUI, …); medians of BENCH_ROUNDS rounds (default 5).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  type Action,
  createHearthStore,
  createSession,
  type HearthStore,
  initialState,
  reduce,
  type TestRunner,
} from '@hearth/core'
import { validateConfig } from '@hearth/environments/validate'
import { fmt, median } from './stats.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const app = path.join(repo, 'apps/hearth')
const FILES = 500
const SERVICES = ['db', 'cache', 'api', 'worker', 'search', 'mail'] as const

/** A terminal for Ink: stdout that records when each frame was written, stdin that takes keys. */
function fakeTerminal(columns = 120, rows = 40) {
  const writes: Array<{ at: number; text: string }> = []
  const stdout = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        writes.push({ at: performance.now(), text: String(chunk) })
        done()
      },
    }),
    { columns, rows, isTTY: true },
  ) as unknown as NodeJS.WriteStream
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(this: { isRaw: boolean }, raw: boolean) {
      this.isRaw = raw
      return this
    },
    ref() {
      return this
    },
    unref() {
      return this
    },
  }) as unknown as NodeJS.ReadStream
  return { stdout, stdin, writes }
}

/** A store as `hearth dev` has it after a run of 500 files on six ready services. */
function seededStore(): HearthStore {
  const root = '/bench/project'
  const result = validateConfig(
    {
      project: 'bench',
      environments: [
        {
          name: 'backend',
          services: Object.fromEntries(SERVICES.map((name) => [name, { kind: 'process', command: name }])),
        },
      ],
      tests: [{ name: 'integration', include: ['packages/**/*.test.ts'], environment: 'backend' }],
    },
    { root, file: 'hearth.config.ts', defaultProject: 'bench' },
  )
  if (!result.ok) throw new Error('invalid bench config')
  const files = Array.from({ length: FILES }, (_, index) => {
    const relative = `packages/pkg-${String(index % 40).padStart(2, '0')}/test/feature-${index}.test.ts`
    return { file: `${root}/${relative}`, path: relative, group: 'integration', environment: 'backend' }
  })
  let state = reduce(initialState(0), {
    type: 'project/loaded',
    at: 0,
    project: { name: 'bench', id: 'bench-00000000', root },
    config: result.config,
  })
  const actions: Action[] = [{ type: 'tests/discovered', at: 1, files }]
  for (const name of SERVICES) {
    const key = `backend/${name}` as const
    actions.push(
      { type: 'service/starting', at: 2, key },
      {
        type: 'service/started',
        at: 3,
        key,
        instance: {
          id: `${name}-1`,
          driver: 'process',
          host: '127.0.0.1',
          ports: {},
          specHash: 'h',
          createdAt: 3,
          reused: false,
        },
      },
      {
        type: 'service/ready',
        at: 4,
        key,
        outputs: { url: `http://127.0.0.1:5${SERVICES.indexOf(name)}00` },
      },
    )
  }
  actions.push(
    {
      type: 'run/requested',
      at: 5,
      trigger: 'all',
      files: Object.fromEntries(files.map((f) => [f.file, [{ kind: 'all' }]])),
    },
    { type: 'run/started', at: 6, id: 1 },
    { type: 'run/phase', at: 7, id: 1, phase: 'running' },
  )
  for (const [index, { file }] of files.entries()) {
    const state = index % 50 === 7 ? 'failed' : 'passed'
    actions.push({
      type: 'run/file-finished',
      at: 8,
      id: 1,
      outcome: {
        file,
        state,
        durationMs: 20 + (index % 13) * 7,
        errors: [],
        tests: [
          {
            name: `feature ${index} > works`,
            state,
            durationMs: 10,
            errors: state === 'failed' ? [{ message: 'expected 1 to be 2', diff: '- 2\n+ 1' }] : [],
          },
        ],
      },
    })
  }
  actions.push({ type: 'run/finished', at: 9, id: 1, cancelled: false })
  for (const action of actions) state = reduce(state, action)
  return createHearthStore(state)
}

async function loadTui() {
  // As `hearth dev` loads it (React's production build).
  const { loadTui: load } = (await import(
    pathToFileURL(path.join(app, 'dist/commands/load-tui.js')).href
  )) as {
    loadTui(): Promise<unknown>
  }
  const { runTui } = (await load()) as {
    runTui: (options: {
      store: HearthStore
      stdin: NodeJS.ReadStream
      stdout: NodeJS.WriteStream
      stderr: NodeJS.WriteStream
      env: NodeJS.ProcessEnv
    }) => { close(): Promise<void> }
  }
  return runTui
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until the terminal has been quiet for `quietMs` (a frame is whole). */
async function settle(writes: ReadonlyArray<{ at: number }>, quietMs = 150): Promise<void> {
  for (;;) {
    const last = writes.at(-1)?.at ?? 0
    if (performance.now() - last >= quietMs) return
    await pause(quietMs / 3)
  }
}

/** Keypress → next frame: `j` pressed 40 times, each once the previous frame is out. */
async function keypress(kind: 'tui' | 'ink'): Promise<number[]> {
  const terminal = fakeTerminal()
  let close: () => Promise<void>
  if (kind === 'tui') {
    const runTui = await loadTui()
    const handle = runTui({
      store: seededStore(),
      stdin: terminal.stdin,
      stdout: terminal.stdout,
      stderr: terminal.stdout,
      env: { ...process.env, NO_COLOR: '1' },
    })
    close = () => handle.close()
  } else {
    // Ink and React as the app has them (the bench package does not depend on them itself).
    const require = createRequire(path.join(app, 'package.json'))
    process.env.NODE_ENV = 'production'
    const ink = (await import(pathToFileURL(require.resolve('ink')).href)) as {
      render(node: unknown, options: Record<string, unknown>): { unmount(): void }
      Text: unknown
      useInput(handler: () => void): void
    }
    const React = (await import(pathToFileURL(require.resolve('react')).href)) as {
      useState(initial: number): [number, (update: (value: number) => number) => void]
      createElement(type: unknown, props: null, ...children: unknown[]): unknown
    }
    function Counter() {
      const [count, setCount] = React.useState(0)
      ink.useInput(() => setCount((value) => value + 1))
      return React.createElement(ink.Text, null, `keys pressed: ${count}`)
    }
    const instance = ink.render(React.createElement(Counter, null), {
      stdin: terminal.stdin,
      stdout: terminal.stdout,
      stderr: terminal.stdout,
      exitOnCtrlC: false,
      patchConsole: false,
    })
    close = async () => instance.unmount()
  }
  await settle(terminal.writes, 300)
  const latencies: number[] = []
  for (let press = 0; press < 40; press++) {
    const before = terminal.writes.length
    const at = performance.now()
    terminal.stdin.write(press % 2 === 0 ? 'j' : 'k')
    while (terminal.writes.length === before) await pause(1)
    latencies.push((terminal.writes[before] as { at: number }).at - at)
    await settle(terminal.writes, 30)
  }
  await close()
  return latencies
}

/** Save → the file's running frame (and → `run/file-started`), on a real session watching a folder. */
async function save(): Promise<{ state: number[]; frame: number[] }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-tui-bench-'))
  mkdirSync(path.join(root, 'src'))
  writeFileSync(path.join(root, 'package.json'), '{ "name": "bench-save", "type": "module" }\n')
  const tests: string[] = []
  for (let index = 0; index < 50; index++) {
    writeFileSync(path.join(root, `src/mod-${index}.ts`), `export const value${index} = ${index}\n`)
    const test = path.join(root, `src/mod-${index}.test.ts`)
    writeFileSync(test, `import { value${index} } from './mod-${index}.js'\nvalue${index}\n`)
    tests.push(test)
  }
  const result = validateConfig(
    { project: 'bench-save', environments: [] },
    { root, file: 'hearth.config.ts', defaultProject: 'bench-save' },
  )
  if (!result.ok) throw new Error('invalid bench config')
  // A runner that takes 20 ms a file: the bench measures what comes before and around it.
  const runner: TestRunner = {
    listTestFiles: async () => [...tests],
    owners: () => [{ root, configFile: null }],
    ownerOf: () => ({ root, configFile: null }),
    async run(files, options) {
      const outcomes = []
      for (const file of files) {
        options.onEvent?.({ type: 'file-started', file })
        await pause(20)
        const outcome = { file, state: 'passed' as const, durationMs: 20, errors: [], tests: [] }
        options.onEvent?.({ type: 'file-finished', file: outcome })
        outcomes.push(outcome)
      }
      return { files: outcomes, durationMs: 20 * files.length, cancelled: false }
    },
    invalidate: () => undefined,
    close: async () => undefined,
  }
  const session = createSession({
    config: result.config,
    drivers: [],
    version: 'bench',
    tests: { runner, whenBusy: 'cancel' },
  })
  const terminal = fakeTerminal()
  const runTui = await loadTui()
  const handle = runTui({
    store: session.store,
    stdin: terminal.stdin,
    stdout: terminal.stdout,
    stderr: terminal.stdout,
    env: { ...process.env, NO_COLOR: '1' },
  })
  let started = 0
  session.store.subscribeActions((action) => {
    if (action.type === 'run/file-started') started = performance.now()
  })
  const stop = await session.watch({ debounceMs: 20 })
  const state: number[] = []
  const frame: number[] = []
  for (let round = 0; round < 10; round++) {
    await settle(terminal.writes, 300)
    started = 0
    const at = performance.now()
    writeFileSync(path.join(root, `src/mod-${round}.ts`), `export const value${round} = ${round + 1000}\n`)
    while (started === 0) await pause(1)
    const before = terminal.writes.findIndex((write) => write.at >= started)
    let index = before
    while (index === -1) {
      await pause(1)
      index = terminal.writes.findIndex((write) => write.at >= started)
    }
    state.push(started - at)
    frame.push((terminal.writes[index] as { at: number }).at - at)
  }
  await stop()
  await handle.close()
  await session.close()
  rmSync(root, { recursive: true, force: true })
  return { state, frame }
}

/** CPU (% of one core) and RSS over `seconds`, with or without the TUI, logs flowing or not. */
async function load(
  view: 'tui' | 'none',
  logging: boolean,
  shown = false,
  seconds = 4,
): Promise<{ cpu: number; rss: number }> {
  const store = seededStore()
  const terminal = fakeTerminal()
  let close: () => Promise<void> = async () => undefined
  if (view === 'tui') {
    const runTui = await loadTui()
    const handle = runTui({
      store,
      stdin: terminal.stdin,
      stdout: terminal.stdout,
      stderr: terminal.stdout,
      env: { ...process.env, NO_COLOR: '1' },
    })
    close = () => handle.close()
  }
  await settle(terminal.writes, 500)
  let line = 0
  if (shown) {
    // The services pane (Shift-Tab), its first service, its logs (l): the pane follows them.
    for (const key of ['\u001b[Z', 'j', 'l']) {
      const before = terminal.writes.length
      terminal.stdin.write(key)
      // One key per frame: keys written together arrive as one input string.
      while (terminal.writes.length === before) await pause(5)
      await settle(terminal.writes, 100)
    }
  }
  const feed = logging
    ? setInterval(() => {
        for (const name of SERVICES)
          store.dispatch({
            type: 'service/log',
            at: Date.now(),
            key: `backend/${name}`,
            lines: [{ text: `${name}: request ${line++} handled in 3 ms`, stream: 'output', at: Date.now() }],
          })
      }, 100)
    : null
  global.gc?.()
  const cpuBefore = process.cpuUsage()
  const wallBefore = performance.now()
  await pause(seconds * 1000)
  const cpu = process.cpuUsage(cpuBefore)
  const wall = performance.now() - wallBefore
  const rss = process.memoryUsage().rss
  if (feed !== null) clearInterval(feed)
  if (shown && !terminal.writes.some((write) => write.text.includes('handled in')))
    throw new Error('the log pane never showed the service output')
  await close()
  return { cpu: ((cpu.user + cpu.system) / 1000 / wall) * 100, rss: rss / 1024 / 1024 }
}

/** Runs one measurement in a child process and returns what it printed as JSON. */
function child<T>(...args: string[]): T {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), ...args],
    {
      cwd: path.join(repo, 'bench'),
      encoding: 'utf8',
      env: { ...process.env, HEARTH_BENCH_CHILD: '1' },
      maxBuffer: 64 * 1024 * 1024,
    },
  )
  if (result.status !== 0) throw new Error(`bench child ${args.join(' ')} failed:\n${result.stderr}`)
  const last = result.stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(last) as T
}

async function main(): Promise<void> {
  const keys = { tui: [] as number[], ink: [] as number[] }
  const saves = { state: [] as number[], frame: [] as number[] }
  const cpu = {
    idleTui: [] as number[],
    idleNone: [] as number[],
    logTui: [] as number[],
    logNone: [] as number[],
    logShown: [] as number[],
  }
  const rss = { tui: [] as number[], none: [] as number[] }
  console.log(`terminal UI: ${FILES} test files, ${SERVICES.length} services; ${ROUNDS} rounds, interleaved`)
  for (let round = 1; round <= ROUNDS; round++) {
    keys.tui.push(median(child<number[]>('keypress', 'tui')))
    keys.ink.push(median(child<number[]>('keypress', 'ink')))
    const saved = child<{ state: number[]; frame: number[] }>('save')
    saves.state.push(median(saved.state))
    saves.frame.push(median(saved.frame))
    const idleTui = child<{ cpu: number; rss: number }>('load', 'tui', 'quiet')
    const idleNone = child<{ cpu: number; rss: number }>('load', 'none', 'quiet')
    const logTui = child<{ cpu: number; rss: number }>('load', 'tui', 'logging')
    const logNone = child<{ cpu: number; rss: number }>('load', 'none', 'logging')
    const logShown = child<{ cpu: number; rss: number }>('load', 'tui', 'shown')
    cpu.idleTui.push(idleTui.cpu)
    cpu.idleNone.push(idleNone.cpu)
    cpu.logTui.push(logTui.cpu)
    cpu.logNone.push(logNone.cpu)
    cpu.logShown.push(logShown.cpu)
    rss.tui.push(logTui.rss)
    rss.none.push(logNone.rss)
    console.log(`  round ${round}/${ROUNDS} done`)
  }
  const ms = (value: number) => fmt(value)
  const pct = (value: number) => `${value.toFixed(1)} %`
  const mb = (value: number) => `${Math.round(value)} MB`
  const rows: Array<[string, string, string, string, string]> = [
    [
      'keypress → next frame',
      ms(median(keys.tui)),
      ms(median(keys.ink)),
      '< 50 ms',
      'a bare Ink app, one line per key',
    ],
    [
      'save → frame showing it running',
      ms(median(saves.frame)),
      ms(median(saves.state)),
      `< ${ms(median(saves.state) + 150)}`,
      'save → run/file-started in state (goal: +150 ms)',
    ],
    [
      'CPU idle (nothing changes)',
      pct(median(cpu.idleTui)),
      pct(median(cpu.idleNone)),
      '~0 %',
      'the same store, no view',
    ],
    [
      'CPU, six services logging 10 lines/s each',
      pct(median(cpu.logTui)),
      pct(median(cpu.logNone)),
      '—',
      'the same store and feed, no view',
    ],
    [
      'CPU, the same, the log pane following one',
      pct(median(cpu.logShown)),
      pct(median(cpu.logNone)),
      '—',
      'the same store and feed, no view',
    ],
    [
      'RSS, six services logging',
      mb(median(rss.tui)),
      mb(median(rss.none)),
      '< 150 MB',
      'the same store and feed, no view',
    ],
  ]
  console.log(
    `\n${'measure'.padEnd(44)}${'TUI'.padStart(10)}${'baseline'.padStart(11)}${'goal'.padStart(12)}  baseline is`,
  )
  for (const [name, ours, theirs, goal, what] of rows)
    console.log(`${name.padEnd(44)}${ours.padStart(10)}${theirs.padStart(11)}${goal.padStart(12)}  ${what}`)
}

if (process.env.HEARTH_BENCH_CHILD === '1') {
  const [mode, first, second] = process.argv.slice(2)
  let result: unknown
  if (mode === 'keypress') result = await keypress(first === 'ink' ? 'ink' : 'tui')
  else if (mode === 'save') result = await save()
  else result = await load(first === 'tui' ? 'tui' : 'none', second !== 'quiet', second === 'shown')
  console.log(JSON.stringify(result))
  process.exit(0)
} else {
  await main()
}
