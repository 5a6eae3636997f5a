import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTracer, fromPackage } from '../trace-imports.js'
import { hearth, repoRoot, writeProject } from './helpers.js'

/**
 * `hearth status` reads what runs through a few plain Engine API calls and never loads dockerode
 * (~0.4 s of every command before); the `hearth up` that created the container did load it, which
 * shows the record would name it.
 */
const bin = path.join(repoRoot, 'apps/hearth/bin/hearth.js')
const work = mkdtempSync(path.join(tmpdir(), 'hearth-traced-'))
const { traced } = createTracer(work)
const project = writeProject({
  'hearth.config.mjs': `export default {
  project: 'traced',
  environments: [
    {
      name: 'cache',
      services: {
        redis: {
          kind: 'container',
          image: 'hearth-test/redis:7',
          pull: 'never',
          ports: { redis: 6379 },
          readiness: { type: 'tcp', port: 'redis' },
        },
      },
    },
  ],
}
`,
})
const DOCKERODE = [fromPackage('dockerode'), fromPackage('docker-modem'), fromPackage('tar-fs')]

afterAll(async () => {
  await hearth(['down', '--all'], project.root)
  project.cleanup()
  rmSync(work, { recursive: true, force: true })
})

describe('hearth status on running containers', () => {
  it('lists them through the plain reads, without loading dockerode', async () => {
    const up = await traced([bin, 'up'], project.root)
    expect(up.code, up.stdout).toBe(0)
    expect(up.modules.filter((url) => DOCKERODE[0]?.test(url)).length).toBeGreaterThan(0)

    const status = await traced([bin, 'status'], project.root)
    expect(status.code, status.stdout).toBe(0)
    expect(status.stdout).toMatch(/cache\s+redis\s+container\s+running/)
    expect(status.modules.some((url) => url.includes('/packages/driver-docker/'))).toBe(true)
    expect(status.modules.filter((url) => DOCKERODE.some((pattern) => pattern.test(url)))).toEqual([])
  })
})
