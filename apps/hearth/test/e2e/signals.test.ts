import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeFileSync,
} from 'node:fs'

import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { REPEAT_WINDOW_MS } from '../../src/interrupts.js'
import { hearth, linkDemoModules, processesOf, repoRoot, spawnHearth, writeProject } from './helpers.js'

/**
 * Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group, so under `pnpm exec`
 * and `npx` hearth hears it twice (from the terminal and from the package manager). Each launcher
 * runs in a process group of its own, which the test signals as a terminal would, once while the
 * environment starts and once while a test runs. hearth must exit 130 and leave nothing running.
 */
const CONFIG = `export default {
  environments: [{ name: 'backend', services: {
    api: { kind: 'process', command: 'echo listening; exec sleep 300', readiness: { type: 'log', pattern: 'listening' } },
    search: { kind: 'process', command: 'exec sleep 300', dependsOn: [API], readiness: { type: 'command', command: READY, timeoutMs: 120000 } },
  } }],
  tests: [{ name: 'slow', include: ['tests/**/*.test.ts'], environment: 'backend' }],
}
`

const SLOW_TEST = `import { writeFileSync } from 'node:fs'
import { it } from 'vitest'

it('waits until it is interrupted', async () => {
  writeFileSync(process.env.MARKER_FILE ?? 'started.marker', 'started')
  await new Promise((resolve) => setTimeout(resolve, 300_000))
}, 400_000)
`

const LAUNCHERS = {
  node: (args: string[]) => [process.execPath, path.join(repoRoot, 'apps/hearth/bin/hearth.js'), ...args],
  'pnpm exec': (args: string[]) => ['pnpm', 'exec', 'hearth', ...args],
  npx: (args: string[]) => ['npx', '--no-install', 'hearth', ...args],
} as const

type Launcher = keyof typeof LAUNCHERS

describe('Ctrl-C under a package manager', () => {
  const projects: Array<{ cleanup(): void }> = []
  afterAll(() => {
    for (const created of projects) created.cleanup()
  })

  /** A project whose `search` service never gets ready (phase 'start-up'), or gets ready at once. */
  const project = (phase: 'start-up' | 'run') => {
    const created = writeProject({
      'package.json': JSON.stringify({ name: 'signals', private: true, type: 'module' }),
      'hearth.config.ts': CONFIG.replace('[API]', "['api']").replace(
        'READY',
        phase === 'start-up' ? "'false'" : "'true'",
      ),
    })
    projects.push(created)
    const root = created.root
    // vitest and the hearth bin, from the demo's install (the launchers look in node_modules/.bin).
    linkDemoModules(root)
    mkdirSync(path.join(root, 'tests'))
    writeFileSync(path.join(root, 'tests/slow.test.ts'), SLOW_TEST)
    return root
  }

  for (const launcher of Object.keys(LAUNCHERS) as Launcher[]) {
    for (const phase of ['start-up', 'run'] as const) {
      it(`${launcher}: during ${phase}, one Ctrl-C stops what hearth started and exits 130`, async () => {
        const root = project(phase)
        const marker = path.join(root, 'started.marker')
        const [command, ...args] = LAUNCHERS[launcher]([
          'ci',
          '--reporter',
          'lines',
          '--reporter',
          'ndjson',
          '--output',
          'reports',
        ])
        const child = execa(command as string, args, {
          cwd: root,
          reject: false,
          // Its own process group, as a terminal's foreground job.
          detached: true,
          stdin: 'ignore',
          env: { NO_COLOR: '1', MARKER_FILE: marker, npm_config_yes: 'false' },
        })
        let seen = ''
        const collect = (chunk: Buffer): void => {
          seen += chunk.toString()
        }
        child.stdout?.on('data', collect)
        child.stderr?.on('data', collect)
        const reached =
          phase === 'start-up'
            ? new Promise<void>((resolve) => {
                const look = (): void => {
                  if (/^ {2}search +started/m.test(seen)) resolve()
                }
                child.stdout?.on('data', look)
              })
            : waitForFile(marker)
        const first = await Promise.race([reached.then(() => 'reached'), child.then(() => 'ended')])
        if (first === 'ended') throw new Error(`hearth ended before the signal:\n${seen}`)
        const id = (
          JSON.parse((await hearth(['status', '--json'], root)).stdout) as { project: { id: string } }
        ).project.id
        expect(processesOf(id).length).toBeGreaterThan(0)
        // The terminal's Ctrl-C: the whole group.
        process.kill(-(child.pid as number), 'SIGINT')
        const result = await child
        // The launcher's own ending is the package manager's: pnpm and npm re-raise the signal at
        // once (a shell shows 130 either way), and pnpm then sends hearth a SIGTERM as well.
        if (launcher === 'node') expect(result.exitCode, seen).toBe(130)
        else expect(result.exitCode === 130 || result.signal === 'SIGINT', seen).toBe(true)
        // hearth's own ending, from its event stream: one orderly stop, exit 130. Under a package
        // manager the terminal's SIGINT and the launcher's SIGTERM race (which one hearth's event
        // loop takes first is the scheduler's choice on a busy machine); either starts the same
        // stop, and the other is the same request, not a second one.
        const end = await sessionEnd(path.join(root, 'reports/events.ndjson'))
        const signal = launcher === 'node' ? 'SIGINT' : end.interrupted === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'
        expect(end, seen).toMatchObject({ exitCode: 130, interrupted: signal, error: null })
        expect(seen).toContain(`! interrupted (${signal}): stopping what this run started…`)
        expect(seen).not.toContain('interrupted again')
        expect(processesOf(id)).toEqual([])
        expect(await settledProcessesIn(root)).toEqual([])
      })
    }
  }

  it('a Ctrl-C more than a second after the first exits at once, naming what is left and how to remove it', async () => {
    const created = writeProject({
      'package.json': JSON.stringify({ name: 'signals', private: true, type: 'module' }),
      // It ignores SIGTERM, so stopping it takes its whole stop timeout (10 s, then SIGKILL).
      'hearth.config.ts': `export default { environments: [{ name: 'backend', services: {
  stubborn: { kind: 'process', command: "trap '' TERM; echo up; while :; do sleep 1; done", readiness: { type: 'log', pattern: 'up' }, stopTimeoutMs: 10000 },
  waiting: { kind: 'process', command: 'exec sleep 300', dependsOn: ['stubborn'], readiness: { type: 'command', command: 'false', timeoutMs: 120000 } },
} }] }`,
    })
    projects.push(created)
    const { root } = created
    const child = spawnHearth(['up'], root)
    let seen = ''
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        if (/^ {2}waiting +started/m.test(seen)) resolve()
      })
    })
    child.kill('SIGINT')
    // Past the window in which a repeat is the same request (the clean-up is stuck on `stubborn`).
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        if (/^ {2}stubborn +stopping/m.test(seen)) resolve()
      })
      if (/^ {2}stubborn +stopping/m.test(seen)) resolve()
    })
    await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 200))
    child.kill('SIGINT')
    const result = await child
    expect(result.exitCode).toBe(130)
    expect(result.stderr).toContain(
      'hearth: interrupted again (SIGINT): exiting now, without finishing the clean-up.\n  left running: backend; `hearth down backend` removes it',
    )
    const down = await hearth(['down'], root)
    expect(down.exitCode).toBe(0)
    const id = (JSON.parse((await hearth(['status', '--json'], root)).stdout) as { project: { id: string } })
      .project.id
    expect(processesOf(id)).toEqual([])
  }, 120_000)
})

async function waitForFile(file: string, deadlineMs = 120_000): Promise<void> {
  const until = Date.now() + deadlineMs
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} never appeared`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The `session.end` event hearth writes last, once it is there (hearth may outlive its launcher). */
async function sessionEnd(file: string, deadlineMs = 120_000): Promise<Record<string, unknown>> {
  const until = Date.now() + deadlineMs
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
    const end = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((event) => event.type === 'session.end')
    if (end !== undefined) return end
    if (Date.now() > until) throw new Error(`no session.end in ${file}:\n${text}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Processes left in `root` once hearth itself is gone (it exits just after writing session.end). */
async function settledProcessesIn(root: string, deadlineMs = 60_000): Promise<number[]> {
  const until = Date.now() + deadlineMs
  for (;;) {
    const left = processesIn(root)
    if (left.length === 0 || Date.now() > until) return left
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Live processes whose working directory is inside `root` (services, Vitest and its workers). */
function processesIn(root: string): number[] {
  const real = realpathSync(root)
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`)
      if (cwd === real || cwd.startsWith(`${real}/`)) found.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}
