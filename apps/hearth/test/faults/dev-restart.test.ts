import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Terminal } from '../e2e/terminal.js'
import {
  faultProject,
  HTTP_SERVER,
  hearth,
  leftovers,
  processesOf,
  projectIdOf,
  repoRoot,
} from './helpers.js'

/**
 * A service that dies while `hearth dev` watches: the terminal UI shows it failed at once, its
 * status line names it and offers the restart, and `r` brings it back (a new process, ready, with
 * the tests that use it passing against it again). `q` leaves it warm; `down` removes everything.
 */
const CONFIG = `export default {
  environments: [{ name: 'backend', services: {
    api: {
      kind: 'process',
      command: ['node', '-e', ${JSON.stringify(HTTP_SERVER)}],
      ports: { http: { env: 'PORT' } },
      readiness: { type: 'http', port: 'http', path: '/' },
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    },
  } }],
  tests: [{ name: 'api', include: ['tests/**/*.test.ts'], environment: 'backend' }],
}
`

const TEST = `import { expect, it } from 'vitest'
it('answers', async () => expect(await (await fetch(process.env.HEARTH_API_URL)).text()).toBe('ok'))
`

/** The services pane's row of a service (its name after the status mark). */
const serviceRow = (screen: string, name: string): string =>
  screen.split('\n').find((line) => new RegExp(`^.[✓✗⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏·○ ] ${name} `).test(line)) ?? ''

describe('a service that dies while hearth dev watches', () => {
  const projects: Array<{ cleanup(): void }> = []
  let terminal: Terminal | null = null
  afterAll(() => {
    terminal?.close()
    for (const project of projects) project.cleanup()
  })

  it('is shown failed with the offer to restart it, and r restarts it', { timeout: 600_000 }, async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    const { root } = project
    mkdirSync(path.join(root, 'tests'))
    writeFileSync(path.join(root, 'tests/api.test.ts'), TEST)
    execFileSync('ln', [
      '-s',
      path.join(repoRoot, 'examples/demo/node_modules/vitest'),
      path.join(root, 'node_modules/vitest'),
    ])
    const id = await projectIdOf(root)
    try {
      terminal = Terminal.open({
        command: [process.execPath, path.join(repoRoot, 'apps/hearth/bin/hearth.js'), 'dev'],
        cwd: root,
        unset: ['CI'],
      })
      const tty = terminal
      let screen = await tty.waitFor(/✓ run 1: 1 passed/, { timeoutMs: 240_000 })
      expect(serviceRow(screen, 'api')).toMatch(/ ready /)
      const before = processesOf(id)
      expect(before.length).toBeGreaterThan(0)

      // Killed from outside, as the OOM killer or a stray `kill` would.
      for (const pid of before) process.kill(pid, 'SIGKILL')
      screen = await tty.waitFor(/stopped while in use/, { timeoutMs: 120_000 })
      expect(serviceRow(screen, 'api')).toMatch(/✗ api +failed/)
      expect(screen).toMatch(
        /^✗ backend\/api stopped while in use · r restarts it · it was killed by SIGKILL/m,
      )

      tty.press('r')
      screen = await tty.waitFor(
        (s) => / ready /.test(serviceRow(s, 'api')) && !/stopped while in use/.test(s),
        {
          timeoutMs: 120_000,
        },
      )
      const after = processesOf(id)
      expect(after.length).toBeGreaterThan(0)
      expect(after.some((pid) => before.includes(pid))).toBe(false)
      // It answers again: the api's tests, run by `a`, pass against the new process.
      tty.press('a')
      // (Run 2, or 3 where the restart reran the api's tests first: either way one after run 1.)
      await tty.waitFor((s) => Number(/✓ run (\d+): 1 passed/.exec(s)?.[1] ?? 0) >= 2, { timeoutMs: 120_000 })

      tty.press('q')
      expect(await tty.exited()).toBe(0)
      expect(await hearth(['down'], root)).toMatchObject({ exitCode: 0 })
      expect(leftovers(id)).toEqual([])
    } finally {
      await hearth(['down'], root)
    }
  })
})
