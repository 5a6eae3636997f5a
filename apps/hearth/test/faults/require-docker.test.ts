import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../../src/reporters/status-table.js'
import { freePort } from '../e2e/helpers.js'
import { faultProject, hearth, leftovers, projectIdOf } from './helpers.js'

/**
 * Where Docker does not answer, a container with a fallback runs as its stand-in (here the Redis
 * preset's local redis-server). `--require-docker` (HEARTH_REQUIRE_DOCKER=1, the config's
 * `fallback: false`) turns that into an
 * environment failure, exit 3; without it, `status` shows the stand-in as what it is.
 */
const CONFIG = `import { redis } from '@hearth/env-redis'
import { defineConfig, defineEnvironment } from 'hearth'

export default defineConfig({
  environments: [defineEnvironment({ name: 'backend', services: { cache: redis({ image: 'hearth-test/redis:7' }) } })],
})
`

describe('a container engine that does not answer', () => {
  const projects: Array<{ cleanup(): void }> = []
  afterAll(() => {
    for (const project of projects) project.cleanup()
  })

  it('--require-docker and HEARTH_REQUIRE_DOCKER=1 fail (exit 3); without them status shows the stand-in', async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    const { root } = project
    const id = await projectIdOf(root)
    // Nothing listens there: the engine is gone.
    const nowhere = { DOCKER_HOST: `tcp://127.0.0.1:${await freePort()}` }
    try {
      for (const [args, env] of [
        [['up', '--require-docker'], nowhere],
        [['up'], { ...nowhere, HEARTH_REQUIRE_DOCKER: '1' }],
      ] as const) {
        const up = await hearth(args, root, env)
        const because = args.length > 1 ? '--require-docker' : 'HEARTH_REQUIRE_DOCKER=1'
        expect(up.exitCode, up.stdout + up.stderr).toBe(3)
        expect(up.stdout).toContain(
          `✗ cache     failed       cache must run in its container (${because}), and cannot:`,
        )
        expect(up.stdout).toContain(
          `fix: start Docker (or point DOCKER_HOST at an engine), or let it run as its stand-in: drop ${because}`,
        )
        expect(leftovers(id)).toEqual([])
      }

      // The config's `fallback: false` does the same for everyone who runs the project.
      writeFileSync(
        path.join(root, 'hearth.config.ts'),
        CONFIG.replace('environments: [', 'fallback: false,\n  environments: ['),
      )
      const refused = await hearth(['up'], root, nowhere)
      expect(refused.exitCode, refused.stdout + refused.stderr).toBe(3)
      expect(refused.stdout).toContain(
        'cache must run in its container (fallback: false in hearth.config.ts), and cannot:',
      )
      expect(leftovers(id)).toEqual([])
      writeFileSync(path.join(root, 'hearth.config.ts'), CONFIG)

      const up = await hearth(['up'], root, nowhere)
      expect(up.exitCode, up.stdout + up.stderr).toBe(0)
      const status = await hearth(['status'], root, nowhere)
      expect(status.stdout).toMatch(/cache +stand-in: redis-server \S+ from PATH.* +running/)
      const json = JSON.parse((await hearth(['status', '--json'], root, nowhere)).stdout) as StatusJson
      expect(json.environments[0]?.services[0]).toMatchObject({
        kind: 'container',
        runsAs: 'stand-in',
        standIn: expect.stringMatching(/^redis-server /),
        state: 'running',
      })
      expect((await hearth(['down'], root, nowhere)).exitCode).toBe(0)
      expect(leftovers(id)).toEqual([])
    } finally {
      await hearth(['down'], root, nowhere)
    }
  })
})
