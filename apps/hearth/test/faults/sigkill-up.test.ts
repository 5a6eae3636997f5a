import { existsSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  faultProject,
  HTTP_SERVER,
  hearth,
  leftovers,
  projectIdOf,
  removeProjects,
  waitFor,
} from './helpers.js'
import { instancesOf, watchHearth } from './instances.js'

/**
 * `hearth up` killed with SIGKILL (the OOM killer, `kill -9`, a CI runner's hard stop) at points of
 * its start-up: it cleans up nothing and leaves its lock behind. The next `up` must take over: the
 * dead run's lock, the container it created, the process that was waiting to be ready, and end with
 * each service running exactly once, nothing orphaned, exit 0. `down` then leaves nothing.
 * Every kill is triggered by what the run has visibly done (a resource appearing, a line of its
 * output), never by a timer. `gate` is ready only once the test creates its file.
 */
function config(gate: string): string {
  return `import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from 'hearth'

export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: {
    cache: redis({ image: 'hearth-test/redis:7', fallback: false }),
    api: {
      kind: 'process',
      command: ['node', '-e', ${JSON.stringify(HTTP_SERVER)}],
      ports: { http: { env: 'PORT' } },
      readiness: { type: 'http', port: 'http', path: '/' },
    },
    gate: {
      kind: 'process',
      command: 'exec sleep 300',
      dependsOn: ['api', 'cache'],
      readiness: { type: 'command', command: ${JSON.stringify(`test -f ${gate}`)}, timeoutMs: 120000 },
    },
  } })],
})
`
}

const WARM = { 'container cache': 1, 'process api': 1, 'process gate': 1 }

/** What the engine holds for the project, by kind: `{ network: 1, container: 1 }`. */
function engineKinds(projectId: string): Record<string, number> {
  const kinds: Record<string, number> = {}
  for (const entry of leftovers(projectId)) {
    const kind = entry.split(' ')[0] as string
    if (kind !== 'process') kinds[kind] = (kinds[kind] ?? 0) + 1
  }
  return kinds
}

describe('hearth up killed with SIGKILL during start-up', () => {
  const projects: Array<{ root: string; cleanup(): void }> = []
  afterAll(() => removeProjects(projects))

  it('at each point, the next up takes over: each service once, nothing orphaned, exit 0; down leaves nothing', async () => {
    const project = faultProject({})
    projects.push(project)
    const { root } = project
    const gate = path.join(root, 'gate.open')
    writeFileSync(path.join(root, 'hearth.config.ts'), config(gate))
    const id = await projectIdOf(root)

    // Where to kill it: a resource of its own appearing, or a line of its output.
    const points: Array<{ name: string; reached(run: ReturnType<typeof watchHearth>): Promise<void> }> = [
      {
        // The network comes first, then the container: both exist (the container not yet ready).
        name: 'its network and first container exist',
        reached: (run) =>
          waitFor(
            'a container exists',
            () => run.child.exitCode !== null || instancesOf(id)['container cache'] === 1,
          ),
      },
      { name: 'api is ready', reached: (run) => run.until(/^✓ api +ready/m) },
      {
        name: 'gate waits to be ready',
        reached: (run) => run.until(/^ {2}gate +started +waiting until ready/m),
      },
    ]

    for (const point of points) {
      rmSync(gate, { force: true })
      const run = watchHearth(['up'], root)
      await point.reached(run)
      expect(run.child.exitCode, `${point.name}: it ended first:\n${run.seen()}`).toBeNull()
      run.child.kill('SIGKILL')
      const killed = await run.child
      expect(killed.signal, point.name).toBe('SIGKILL')
      // It left its lock: the next up must judge it dead (its pid is gone), not wait on it.
      expect(existsSync(path.join(root, '.hearth/locks/backend.lock')), point.name).toBe(true)

      writeFileSync(gate, '')
      const up = await hearth(['up'], root)
      const seen = up.stdout + up.stderr
      expect(up.exitCode, `${point.name}:\n${seen}`).toBe(0)
      expect(up.stderr, point.name).toBe('')
      expect(seen, point.name).not.toMatch(/internal error|waiting +another hearth holds it/)
      expect(up.stdout, point.name).toMatch(/^✓ backend ready in /m)
      expect(instancesOf(id), point.name).toEqual(WARM)
      expect(engineKinds(id), point.name).toEqual({ container: 1, network: 1 })
      // What the takeover left is what hearth vouches for: the next up attaches to all of it.
      const again = await hearth(['up'], root)
      expect(again.exitCode, point.name).toBe(0)
      expect(again.stdout, point.name).toMatch(/^✓ backend ready in .* \(3 attached\)$/m)
      expect(instancesOf(id), point.name).toEqual(WARM)

      const down = await hearth(['down'], root)
      expect(down.exitCode, `${point.name}:\n${down.stdout}${down.stderr}`).toBe(0)
      expect(leftovers(id), point.name).toEqual([])
    }
  })
})
