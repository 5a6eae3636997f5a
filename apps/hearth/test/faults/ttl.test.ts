import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  faultProject,
  HTTP_SERVER,
  hearth,
  leftovers,
  processesOf,
  projectIdOf,
  removeProjects,
} from './helpers.js'
import { instancesOf } from './instances.js'

/**
 * The idle TTL (`idleTtl` in the config): `hearth gc` (and `hearth up`, before it starts anything)
 * removes an environment unused for longer. When each environment was last used is kept in
 * `.hearth/environments.json`; a time there that cannot be read (issue 12, point 5) is unknown,
 * not ancient: gc keeps that environment, and says so, instead of tearing down a warm environment
 * someone may be using.
 */
const CONFIG = `export default {
  idleTtl: '1h',
  environments: [{ name: 'backend', services: {
    api: {
      kind: 'process',
      command: ['node', '-e', ${JSON.stringify(HTTP_SERVER)}],
      ports: { http: { env: 'PORT' } },
      readiness: { type: 'http', port: 'http', path: '/' },
    },
  } }],
}
`

const HOUR = 3_600_000

describe('the idle TTL', () => {
  const projects: Array<{ root: string; cleanup(): void }> = []
  afterAll(() => removeProjects(projects))

  it('gc removes an expired environment; one whose last-use time cannot be read is kept, and gc says so', async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    const { root } = project
    const id = await projectIdOf(root)
    const usageFile = path.join(root, '.hearth/environments.json')
    const setUsage = (record: unknown): void =>
      writeFileSync(usageFile, JSON.stringify({ format: 1, environments: { backend: record } }))
    const lastUsedAt = (): unknown =>
      (
        JSON.parse(readFileSync(usageFile, 'utf8')) as {
          environments: Record<string, { lastUsedAt?: unknown }>
        }
      ).environments.backend?.lastUsedAt

    const up = await hearth(['up'], root)
    expect(up.exitCode, up.stdout + up.stderr).toBe(0)
    expect(lastUsedAt()).toEqual(expect.any(Number))
    const first = processesOf(id)
    expect(first.length).toBeGreaterThan(0)

    // Used just now: nothing expires.
    const fresh = await hearth(['gc'], root)
    expect(fresh.exitCode, fresh.stdout + fresh.stderr).toBe(0)
    expect(fresh.stdout).toContain('hearth gc · faults · idle TTL 1h 00m')
    expect(fresh.stdout).toContain('nothing has expired')
    expect(processesOf(id)).toEqual(first)

    // Last used two hours ago: past the TTL, gc removes it and forgets its record.
    setUsage({ lastUsedAt: Date.now() - 2 * HOUR })
    const expired = await hearth(['gc'], root)
    expect(expired.exitCode, expired.stdout + expired.stderr).toBe(0)
    expect(expired.stdout).toMatch(
      /^! backend +expired +unused for 2h 00m \(idle TTL 1h 00m\): removing it$/m,
    )
    expect(expired.stdout).toMatch(/^ {2}api +stopped/m)
    expect(expired.stdout).toContain('✓ removed backend')
    expect(leftovers(id)).toEqual([])
    expect(lastUsedAt()).toBeUndefined()

    // A time that cannot be read, then records that cannot be read at all: kept, with the reason.
    expect((await hearth(['up'], root)).exitCode).toBe(0)
    const warm = processesOf(id)
    for (const [damage, apply] of [
      ['a time that is no number', () => setUsage({ lastUsedAt: 'yesterday' })],
      ['a time that is missing', () => setUsage({})],
      ['records that are no JSON', () => writeFileSync(usageFile, '{"format":1,"environments":{"backe')],
    ] as const) {
      apply()
      const gc = await hearth(['gc'], root)
      expect(gc.exitCode, `${damage}:\n${gc.stdout}${gc.stderr}`).toBe(0)
      expect(gc.stdout.replaceAll(root, '<root>'), damage).toContain(
        '! kept backend: its last-use time in <root>/.hearth/environments.json cannot be read; unknown is not ancient, so the idle TTL does not remove it (its next `hearth up` records a good time; `hearth down backend` removes it now)',
      )
      expect(gc.stdout, damage).toContain('nothing has expired')
      expect(gc.stdout, damage).not.toContain('expired ')
      expect(processesOf(id), damage).toEqual(warm)
    }

    // Its next use attaches to it, and writes a good time.
    const next = await hearth(['up'], root)
    expect(next.exitCode, next.stdout + next.stderr).toBe(0)
    expect(next.stdout).toMatch(/^✓ backend ready in .* \(1 attached\)$/m)
    expect(lastUsedAt()).toEqual(expect.any(Number))
    expect(processesOf(id)).toEqual(warm)

    // `hearth up` collects first: an expired environment is removed, then started afresh.
    setUsage({ lastUsedAt: Date.now() - 3 * HOUR })
    const afresh = await hearth(['up'], root)
    expect(afresh.exitCode, afresh.stdout + afresh.stderr).toBe(0)
    expect(afresh.stdout).toMatch(/^! backend +expired +unused for 3h 00m \(idle TTL 1h 00m\): removing it$/m)
    expect(afresh.stdout).toMatch(/^✓ backend ready in .* \(1 started\)$/m)
    for (const pid of warm) expect(processesOf(id)).not.toContain(pid)
    expect(instancesOf(id)).toEqual({ 'process api': 1 })

    const down = await hearth(['down'], root)
    expect(down.exitCode, down.stdout + down.stderr).toBe(0)
    expect(leftovers(id)).toEqual([])
  })
})
