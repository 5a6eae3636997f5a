import { afterAll, describe, expect, it } from 'vitest'
import { faultProject, HTTP_SERVER, hearth, leftovers, projectIdOf, removeProjects } from './helpers.js'
import { instancesOf } from './instances.js'

/**
 * Eight `hearth up` at once on one project (parallel CI steps on one runner, a script per package):
 * the environment's lock makes one of them start each service and the others attach to it. Every
 * service runs exactly once, every run exits 0 and says the environment is ready, none crashes.
 */
const CONFIG = `import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from 'hearth'

export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: {
    cache: redis({ image: 'hearth-test/redis:7', fallback: false }),
    api: {
      kind: 'process',
      command: ['node', '-e', ${JSON.stringify(HTTP_SERVER)}],
      ports: { http: { env: 'PORT' } },
      readiness: { type: 'http', port: 'http', path: '/' },
      dependsOn: ['cache'],
    },
    worker: { kind: 'process', command: 'echo listening; exec sleep 300', readiness: { type: 'log', pattern: 'listening' } },
  } })],
})
`

const RUNS = 8

describe('concurrent hearth up on one project', () => {
  const projects: Array<{ root: string; cleanup(): void }> = []
  afterAll(() => removeProjects(projects))

  it(`${RUNS} at once: each service started exactly once, all exit 0, no crash`, async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    const { root } = project
    const id = await projectIdOf(root)

    const runs = await Promise.all(Array.from({ length: RUNS }, () => hearth(['up'], root)))
    const everything = runs.map((run, index) => `── run ${index}:\n${run.stdout}${run.stderr}`).join('\n')
    for (const run of runs) {
      expect(run.exitCode, everything).toBe(0)
      expect(run.stderr, everything).toBe('')
      expect(run.stdout, everything).toMatch(
        /^✓ backend ready in .* \((\d started, )?\d attached\)$|^✓ backend ready in .* \(3 started\)$/m,
      )
      expect(run.stdout, everything).not.toMatch(/internal error|✗|Error:|^\s+at /m)
    }
    // Each service started by exactly one run; every other run attached to it.
    for (const service of ['cache', 'api', 'worker']) {
      const starters = runs.filter((run) => new RegExp(`^ {2}${service} +started`, 'm').test(run.stdout))
      expect(starters.length, `${service}\n${everything}`).toBe(1)
    }
    expect(instancesOf(id)).toEqual({ 'container cache': 1, 'process api': 1, 'process worker': 1 })

    const down = await hearth(['down'], root)
    expect(down.exitCode, down.stdout + down.stderr).toBe(0)
    expect(down.stdout).toContain('✓ stopped backend (3 services)')
    expect(leftovers(id)).toEqual([])
  })
})
