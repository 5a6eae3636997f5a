import { mkdirSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../../src/reporters/status-table.js'
import { faultProject, hearth, leftovers, projectIdOf, repoRoot } from './helpers.js'

/**
 * Signals other than Ctrl-C, during start-up, with a container and processes starting: SIGTERM
 * (a CI runner cancelling the job, `kill`) and SIGHUP (the terminal closed) to the whole process
 * group of `pnpm exec hearth up`, as a terminal or a runner sends them. And `hearth dev` stopped
 * while it starts: the start is called off at once; what was ready stays warm, as dev leaves it.
 */
const CONFIG = `import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from 'hearth'

export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: {
    cache: redis({ image: 'hearth-test/redis:7', fallback: false }),
    api: { kind: 'process', command: 'echo listening; exec sleep 300', readiness: { type: 'log', pattern: 'listening' } },
    search: { kind: 'process', command: 'exec sleep 300', dependsOn: ['api', 'cache'], readiness: { type: 'command', command: 'false', timeoutMs: 120000 } },
  } })],
})
`

function project(): string {
  const created = faultProject({ 'hearth.config.ts': CONFIG })
  projects.push(created)
  mkdirSync(path.join(created.root, 'node_modules/.bin'))
  symlinkSync(
    path.join(repoRoot, 'apps/hearth/bin/hearth.js'),
    path.join(created.root, 'node_modules/.bin/hearth'),
  )
  // `hearth dev` runs the project's own Vitest.
  symlinkSync(
    path.join(repoRoot, 'examples/demo/node_modules/vitest'),
    path.join(created.root, 'node_modules/vitest'),
  )
  return created.root
}

const projects: Array<{ cleanup(): void }> = []

/** Starts `command` in a process group of its own; resolves once `search` has started. */
function startUntilSearch(command: string[], root: string) {
  const child = execa(command[0] as string, command.slice(1), {
    cwd: root,
    reject: false,
    detached: true,
    stdin: 'ignore',
    env: { NO_COLOR: '1' },
  })
  let seen = ''
  const reached = new Promise<void>((resolve, reject) => {
    const look = (chunk: Buffer): void => {
      seen += chunk.toString()
      if (/^ {2}search +started/m.test(seen)) resolve()
    }
    child.stdout?.on('data', look)
    child.stderr?.on('data', look)
    child.then(() => reject(new Error(`it ended before search started:\n${seen}`)))
  })
  return { child, reached, seen: () => seen }
}

describe('signals during start-up', () => {
  afterAll(() => {
    for (const created of projects) created.cleanup()
  })

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} to pnpm exec hearth up's group: one orderly stop, exit 130, nothing left`, async () => {
      const root = project()
      const id = await projectIdOf(root)
      try {
        const run = startUntilSearch(['pnpm', 'exec', 'hearth', 'up'], root)
        await run.reached
        expect(leftovers(id).length).toBeGreaterThan(0)
        process.kill(-(run.child.pid as number), signal)
        const result = await run.child
        // pnpm re-raises the signal, or exits 130 or 1 itself; hearth's own stop is in its output.
        expect(result.exitCode !== 0 || result.signal !== undefined, run.seen()).toBe(true)
        // hearth may outlive pnpm by its clean-up: wait for what it started to be gone.
        const until = Date.now() + 90_000
        while (leftovers(id).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200))
        expect(run.seen()).toMatch(/! interrupted \(SIG(TERM|HUP|INT)\): stopping what this run started…/)
        expect(run.seen()).not.toContain('interrupted again')
        expect(leftovers(id)).toEqual([])
      } finally {
        await hearth(['down'], root)
      }
    })
  }

  it('hearth dev stopped while it starts: the start is called off, what was ready stays warm', async () => {
    const root = project()
    const id = await projectIdOf(root)
    try {
      const run = startUntilSearch(
        [process.execPath, path.join(repoRoot, 'apps/hearth/bin/hearth.js'), 'dev', '--no-tui'],
        root,
      )
      await run.reached
      process.kill(-(run.child.pid as number), 'SIGINT')
      const result = await run.child
      expect(result.exitCode, run.seen()).toBe(130)
      expect(run.seen()).not.toMatch(/search +ready/)
      const status = JSON.parse((await hearth(['status', '--json'], root)).stdout) as StatusJson
      const states = Object.fromEntries(
        (status.environments[0]?.services ?? []).map((service) => [service.name, service.state]),
      )
      // search, half-started, is gone; api and cache were ready and stay warm for the next dev.
      expect(states).toEqual({ cache: 'running', api: 'running', search: 'stopped' })
      expect((await hearth(['down'], root)).exitCode).toBe(0)
      expect(leftovers(id)).toEqual([])
    } finally {
      await hearth(['down'], root)
    }
  })
})
