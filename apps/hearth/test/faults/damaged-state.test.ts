import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../../src/reporters/status-table.js'
import { faultProject, HTTP_SERVER, hearth, leftovers, processesOf, projectIdOf } from './helpers.js'

/**
 * State on disk is a cache of what runs. A process service's record (`.hearth/processes/<id>/
 * record.json`: its pid, ports, env) emptied by a full disk, overwritten with garbage, or deleted:
 * `status` says so, `up` replaces what it cannot vouch for, `down` still removes everything.
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
}
`

const DAMAGE = {
  emptied: (record: string) => writeFileSync(record, ''),
  garbage: (record: string) => writeFileSync(record, '{"format":1,"id":"backend.api.'),
  deleted: (record: string) => rmSync(record),
} as const

describe('a damaged or missing process record', () => {
  const projects: Array<{ cleanup(): void }> = []
  afterAll(() => {
    for (const project of projects) project.cleanup()
  })

  it('emptied, garbage, deleted: status shows it as damaged, up replaces it, down removes it', async () => {
    const project = faultProject({ 'hearth.config.ts': CONFIG })
    projects.push(project)
    const { root } = project
    const id = await projectIdOf(root)
    const recordOf = (): string => {
      const [instance] = readdirSync(path.join(root, '.hearth/processes'))
      return path.join(root, '.hearth/processes', instance as string, 'record.json')
    }
    try {
      expect((await hearth(['up'], root)).exitCode).toBe(0)
      for (const [damage, apply] of Object.entries(DAMAGE)) {
        const before = processesOf(id)
        expect(before.length, damage).toBeGreaterThan(0)
        const record = recordOf()
        apply(record)
        const why = damage === 'deleted' ? 'is missing' : 'cannot be read'

        const status = await hearth(['status'], root)
        expect(status.exitCode, status.stderr).toBe(0)
        expect(status.stdout).toMatch(/api +process +running \(damaged\)/)
        expect(status.stdout).toContain(`its record ${record} ${why}; \`hearth up\` replaces it`)
        const json = JSON.parse((await hearth(['status', '--json'], root)).stdout) as StatusJson
        const api = json.environments[0]?.services[0]
        expect(api).toMatchObject({ name: 'api', state: 'running', damaged: `its record ${record} ${why}` })
        expect(api?.outputs).toEqual({})

        const up = await hearth(['up'], root)
        expect(up.exitCode, up.stdout + up.stderr).toBe(0)
        expect(up.stdout).toContain(`! api       replaced     its record ${record} ${why}: stopped what ran`)
        // Exactly one api runs, and not the one hearth could not vouch for.
        const now = processesOf(id)
        expect(now.length, damage).toBe(before.length)
        for (const pid of before) expect(now).not.toContain(pid)
        const after = JSON.parse((await hearth(['status', '--json'], root)).stdout) as StatusJson
        expect(after.environments[0]?.services[0]?.damaged).toBeNull()
        const url = after.environments[0]?.services[0]?.outputs.url as string
        expect(await (await fetch(url)).text()).toBe('ok')
      }

      // Damaged again, `down` still stops it.
      DAMAGE.garbage(recordOf())
      const down = await hearth(['down'], root)
      expect(down.exitCode, down.stdout + down.stderr).toBe(0)
      expect(down.stdout).toContain('api       stopped')
      expect(leftovers(id)).toEqual([])
    } finally {
      await hearth(['down'], root)
    }
  })
})
