import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { faultProject, hearth, leftovers, projectIdOf } from './helpers.js'

/**
 * Configs that are code, with what code can do (issue 12, point 8), through the CLI: a getter that
 * throws, arrays whose prototype was replaced, a config with many problems at once. hearth reads the
 * values once, by their own properties (never through a prototype's methods); what cannot be read
 * is a problem at its path. Every problem of the file comes in one pass, each with its path and
 * fix: exit 2, and no stack trace unless --verbose asks for one. Nothing starts.
 */
const HOSTILE_PROTOTYPE = `new Proxy([], {
  get() { throw new Error('hostile prototype') },
  has() { throw new Error('hostile prototype') },
  getPrototypeOf() { throw new Error('hostile prototype') },
})`

const CONFIGS = {
  'a getter that throws': {
    source: `const api = { kind: 'process', command: 'exec sleep 300' }
Object.defineProperty(api, 'env', { enumerable: true, get() { throw new Error('the vault is sealed') } })
export default { environments: [{ name: 'backend', services: { api } }] }
`,
    problems: [
      [
        'environments.backend.services.api.env',
        'reading it threw Error: the vault is sealed',
        'fix: compute the value before exporting the config, or fix what throws (getters and proxies run when hearth reads the config)',
      ],
    ],
  },
  'an array whose prototype was replaced, with a hole its prototype answers for': {
    // dependsOn has a hole at [1]: reading it asks the prototype, which throws.
    source: `const dependsOn = ['db', , 'cache']
Object.setPrototypeOf(dependsOn, ${HOSTILE_PROTOTYPE})
export default { environments: [{ name: 'backend', services: {
  db: { kind: 'process', command: 'exec sleep 300' },
  cache: { kind: 'process', command: 'exec sleep 300' },
  api: { kind: 'process', command: 'exec sleep 300', dependsOn },
} }] }
`,
    problems: [
      [
        'environments.backend.services.api.dependsOn[1]',
        'reading it threw Error: hostile prototype',
        'fix: compute the value before exporting the config, or fix what throws',
      ],
    ],
  },
  'several problems, of every kind': {
    source: `const api = {
  kind: 'process',
  command: ['node', 'api.js'],
  dependsOn: Object.setPrototypeOf(['dbb'], null),
  ports: { http: { host: 70000 } },
}
const worker = { kind: 'process', dependsOn: ['api'] }
Object.defineProperty(worker, 'command', { enumerable: true, get() { throw new Error('no command today') } })
const environments = [{ name: 'backend', services: { api, worker } }]
Object.setPrototypeOf(environments, ${HOSTILE_PROTOTYPE})
export default { idleTtl: 'forever', environments }
`,
    problems: [
      ['idleTtl', 'invalid duration "forever"', 'fix: write a duration such as "30m", "4h" or "1d"'],
      [
        'environments.backend.services.api.ports.http.host',
        'invalid port 70000: a port is a whole number from 1 to 65535',
        'fix: use a port from 1 to 65535',
      ],
      [
        'environments.backend.services.api.dependsOn[0]',
        'unknown service "dbb"; environment "backend" has "api", "worker"',
        'fix: name one of those services, or add a service named "dbb"',
      ],
      [
        'environments.backend.services.worker.command',
        'reading it threw Error: no command today',
        'fix: compute the value before exporting the config, or fix what throws',
      ],
    ],
  },
} as const

describe('configs that are hostile code', () => {
  const projects: Array<{ cleanup(): void }> = []
  let root = ''
  afterAll(async () => {
    if (root !== '') {
      writeFileSync(path.join(root, 'hearth.config.ts'), 'export default { environments: [] }\n')
      await hearth(['down', '--all'], root)
      expect(leftovers(await projectIdOf(root))).toEqual([])
    }
    for (const project of projects) project.cleanup()
  })

  it('a throwing getter, a replaced prototype, many problems: exit 2, the file, every path and fix in one pass, no stack', async () => {
    const project = faultProject({ 'hearth.config.ts': 'export default { environments: [] }\n' })
    projects.push(project)
    root = project.root
    const id = await projectIdOf(root)
    const file = path.join(root, 'hearth.config.ts')

    for (const [name, { source, problems }] of Object.entries(CONFIGS)) {
      writeFileSync(file, source)
      const up = await hearth(['up'], root)
      const seen = up.stdout + up.stderr
      expect(up.exitCode, `${name}:\n${seen}`).toBe(2)
      const count = problems.length
      expect(up.stderr, name).toContain(
        `Invalid hearth configuration (${count} ${count === 1 ? 'problem' : 'problems'}):`,
      )
      // Each problem: the file and the path, what is wrong, the fix; in that order, on its own lines.
      for (const [where, what, fix] of problems) {
        const at = up.stderr.indexOf(`hearth.config.ts › ${where}\n`)
        expect(at, `${name}: ${where}\n${seen}`).toBeGreaterThanOrEqual(0)
        const block = up.stderr.slice(at).split('\n\n')[0] as string
        expect(block, name).toContain(`\n    ${what}\n`)
        expect(block, name).toContain(`\n    ${fix}`)
      }
      expect(up.stderr.match(/hearth\.config\.ts › /g)?.length, `${name}: no other problem`).toBe(count)
      // A config error is the user's: no stack trace, no "internal error".
      expect(seen, name).not.toMatch(/^\s+at |internal error|\.ts:\d+:\d+/m)
      expect(leftovers(id), name).toEqual([])
    }

    // --verbose changes nothing for an error in the user's config: there is no bug to trace.
    const verbose = await hearth(['up', '--verbose'], root)
    expect(verbose.exitCode).toBe(2)
    expect(verbose.stderr).toContain('Invalid hearth configuration (4 problems):')

    // A replaced prototype over valid values is no problem: they are read by index, not through it.
    writeFileSync(
      file,
      `const environments = Object.setPrototypeOf([{ name: 'backend', services: {
  api: { kind: 'process', command: 'exec sleep 300', dependsOn: Object.setPrototypeOf([], ${HOSTILE_PROTOTYPE}) },
} }], ${HOSTILE_PROTOTYPE})
export default { environments }
`,
    )
    const status = await hearth(['status'], root)
    expect(status.exitCode, status.stdout + status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^backend +api +process +stopped/m)
  })
})
