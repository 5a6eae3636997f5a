import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTracer, fromPackage } from '../trace-imports.js'
import { hearth, repoRoot, writeProject } from './helpers.js'

/**
 * `hearth up` (cold and warm), `hearth status` and execs (a command check, a reset) speak to the
 * engine over plain HTTP and never load dockerode (~0.4 s of every command before); a build does
 * load it, which shows the record would name it.
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
    {
      name: 'checked',
      services: {
        redis: {
          kind: 'container',
          image: 'hearth-test/redis:7',
          pull: 'never',
          ports: { redis: 6379 },
          readiness: { type: 'command', command: ['redis-cli', 'ping'] },
        },
      },
    },
    {
      name: 'built',
      services: {
        box: { kind: 'container', build: { context: 'box' }, command: ['sleep', '600'] },
      },
    },
  ],
}
`,
})
mkdirSync(path.join(project.root, 'box'))
writeFileSync(path.join(project.root, 'box/Dockerfile'), 'FROM hearth-test/toolbox:1\n')
const DOCKERODE = [fromPackage('dockerode'), fromPackage('docker-modem'), fromPackage('tar-fs')]

afterAll(async () => {
  await hearth(['down', '--all'], project.root)
  project.cleanup()
  rmSync(work, { recursive: true, force: true })
})

describe('the engine without dockerode', () => {
  it('start, list and attach them through the plain API, without loading dockerode', async () => {
    const up = await traced([bin, 'up', 'cache'], project.root)
    expect(up.code, up.stdout).toBe(0)
    expect(up.modules.some((url) => url.includes('/packages/driver-docker/'))).toBe(true)
    expect(up.modules.filter((url) => DOCKERODE.some((pattern) => pattern.test(url)))).toEqual([])

    const status = await traced([bin, 'status'], project.root)
    expect(status.code, status.stdout).toBe(0)
    expect(status.stdout).toMatch(/cache\s+redis\s+container\s+running/)
    expect(status.modules.filter((url) => DOCKERODE.some((pattern) => pattern.test(url)))).toEqual([])

    // Up again, warm: the container is attached, its log followed and its exit watched, all over
    // the plain API.
    const warm = await traced([bin, 'up', 'cache'], project.root)
    expect(warm.code, warm.stdout).toBe(0)
    expect(warm.stdout).toMatch(/attached/)
    expect(warm.modules.filter((url) => DOCKERODE.some((pattern) => pattern.test(url)))).toEqual([])
  })

  it('runs an exec (a command check; resets are execs too) through the plain API as well', async () => {
    const up = await traced([bin, 'up', 'checked'], project.root)
    expect(up.code, up.stdout).toBe(0)
    expect(up.stdout).toMatch(/redis\s+ready/)
    expect(up.modules.filter((url) => DOCKERODE.some((pattern) => pattern.test(url)))).toEqual([])
  })

  it('loads dockerode for a build, which shows the record would name it', async () => {
    const up = await traced([bin, 'up', 'built'], project.root)
    expect(up.code, up.stdout).toBe(0)
    expect(up.modules.filter((url) => DOCKERODE[0]?.test(url)).length).toBeGreaterThan(0)
  })
})
