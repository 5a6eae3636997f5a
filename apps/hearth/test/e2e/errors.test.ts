import { afterAll, describe, expect, it } from 'vitest'
import { hearth, THREE_PROBLEMS_CONFIG, writeProject } from './helpers.js'

/** Bad input: one clear message naming the file, the field and the fix, the documented exit code, no stack trace. */
describe('errors', () => {
  const projects: Array<{ cleanup(): void }> = []
  const project = (files: Record<string, string>) => {
    const created = writeProject(files)
    projects.push(created)
    return created.root
  }
  afterAll(() => {
    for (const created of projects) created.cleanup()
  })

  it('names a dependency cycle, an unknown dependency and an invalid port at once, and exits 2', async () => {
    const root = project({ 'hearth.config.ts': THREE_PROBLEMS_CONFIG })
    const result = await hearth(['up'], root)
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatchInlineSnapshot(`
      "Invalid hearth configuration (3 problems):

        hearth.config.ts › environments.backend.services.api.ports.http.host
          invalid port 70000: a port is a whole number from 1 to 65535
          fix: use a port from 1 to 65535, or leave it unset to have a free one chosen

        hearth.config.ts › environments.backend.services.api.dependsOn[1]
          unknown service "dbb"; environment "backend" has "api", "worker"
          fix: name one of those services, or add a service named "dbb"

        hearth.config.ts › environments.backend.services.api.dependsOn[0]
          dependency cycle: api → worker → api
          fix: remove one of these dependsOn entries so that the services can start in order"
    `)
  })

  it('reports a config that does not parse, with its position, and exits 2', async () => {
    const root = project({ 'hearth.config.ts': 'export default {\n  environments: [\n' })
    const result = await hearth(['status'], root)
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(
      /^ {2}hearth\.config\.ts › \(file\)\n {4}could not load the file: .*hearth\.config\.ts:3:\d+: ERROR: /m,
    )
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  it('says where it looked when there is no config', async () => {
    const root = project({ 'README.md': 'no config here' })
    const result = await hearth(['up'], root)
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(`no hearth.config.ts in ${root} or any folder above it`)
  })

  it('rejects an unknown environment, command or option with the fix', async () => {
    const root = project({
      'hearth.config.ts': `export default { environments: [{ name: 'backend', services: { api: { kind: 'process', command: 'true' } } }] }`,
    })
    expect(await hearth(['up', 'frontend'], root)).toEqual({
      exitCode: 2,
      stdout: '',
      stderr:
        'hearth: unknown environment "frontend"\n  fix: use one of: backend (defined in hearth.config.ts)',
    })
    expect(await hearth(['stat'], root)).toEqual({
      exitCode: 2,
      stdout: '',
      stderr:
        'hearth: unknown command "stat"\n  fix: did you mean `hearth status`? Commands: init, import-compose, up, down, status, gc, dev, ci, affected, plan, merge-reports, timings',
    })
    const option = await hearth(['up', '--fast'], root)
    expect(option.exitCode).toBe(2)
    expect(option.stderr).toBe("hearth: Unknown option '--fast' (hearth up)\n  fix: see `hearth up --help`")
  })

  it('prints help for every command and the version', async () => {
    for (const command of ['init', 'import-compose', 'up', 'down', 'status', 'gc', 'ci', 'dev', 'affected']) {
      const result = await hearth([command, '--help'], '/')
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`^Usage: hearth ${command} `, 'm'))
      expect(result.stdout).toContain('--config <file>')
    }
    expect((await hearth(['--help'], '/')).stdout).toMatch(
      /^Commands:\n {2}init {2,}Write a hearth.config.ts/m,
    )
    expect(await hearth(['--version'], '/')).toEqual({ exitCode: 0, stdout: '0.1.0', stderr: '' })
  })
})
