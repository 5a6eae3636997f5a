import { mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import type { StatusJson } from '../../src/reporters/status-table.js'
import { hearth, processesOf, repoRoot, THREE_PROBLEMS_CONFIG, writeProject } from './helpers.js'

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')

/** The fenced block of `language` that follows `marker` in the README. */
function blockAfter(marker: string, language: string): string {
  const from = readme.indexOf(marker)
  expect(from, `README has "${marker}"`).toBeGreaterThan(-1)
  const open = readme.indexOf(`\`\`\`${language}\n`, from)
  const close = readme.indexOf('\n```', open)
  return readme.slice(open + language.length + 4, close + 1)
}

/** The README's examples, run for real. */
describe('README', () => {
  const projects: Array<{ cleanup(): void }> = []
  afterAll(() => {
    for (const project of projects) project.cleanup()
  })

  it('its config example starts, answers, and stops', async () => {
    const project = writeProject({
      'hearth.config.ts': blockAfter('`hearth.config.ts`, at the root of your project:', 'ts'),
      'package.json': JSON.stringify({ name: 'readme-example', type: 'module' }),
      'server.mjs': `import http from 'node:http'
http.createServer((request, response) => response.end(request.url === '/health' ? 'ok' : 'hello'))
  .listen(Number(process.env.PORT), '127.0.0.1')`,
      'seed.mjs': `const response = await fetch(process.env.API_URL + '/')
console.log('seeded against', process.env.API_URL, await response.text())`,
    })
    projects.push(project)
    // The config imports from 'hearth', the one package a project installs.
    mkdirSync(path.join(project.root, 'node_modules'), { recursive: true })
    symlinkSync(path.join(repoRoot, 'apps/hearth'), path.join(project.root, 'node_modules/hearth'))

    const up = await hearth(['up'], project.root)
    expect(up.stderr).toBe('')
    expect(up.exitCode).toBe(0)
    expect(up.stdout).toMatch(/^✓ seed +completed/m)
    const status = JSON.parse((await hearth(['status', '--json'], project.root)).stdout) as StatusJson
    const api = status.environments[0]?.services.find((service) => service.name === 'api')
    expect(await (await fetch(`${api?.outputs.url}/`)).text()).toBe('hello')

    expect((await hearth(['down'], project.root)).exitCode).toBe(0)
    expect(processesOf(status.project.id)).toEqual([])
  })

  it('its preset snippet is a valid set of services', async () => {
    const project = writeProject({
      'hearth.config.ts': `${blockAfter('Presets do most of this for you', 'ts')}
export default { environments: [{ name: 'backend', services }] }
`,
      'package.json': JSON.stringify({ name: 'readme-presets', type: 'module' }),
    })
    projects.push(project)
    mkdirSync(path.join(project.root, 'node_modules/@hearth'), { recursive: true })
    symlinkSync(path.join(repoRoot, 'apps/hearth'), path.join(project.root, 'node_modules/hearth'))
    for (const [name, folder] of [
      ['env-postgres', 'environments/postgres'],
      ['env-redis', 'environments/redis'],
    ] as const) {
      symlinkSync(path.join(repoRoot, folder), path.join(project.root, 'node_modules/@hearth', name))
    }
    const status = await hearth(['status', '--json'], project.root)
    expect(status.stderr).toBe('')
    expect(status.exitCode).toBe(0)
    const services = (JSON.parse(status.stdout) as StatusJson).environments[0]?.services
    expect(services?.map((service) => [service.name, service.kind])).toEqual([
      ['cache', 'container'],
      ['db', 'container'],
      ['migrate', 'job'],
    ])
  })

  it('its in-test helper snippet reads the address hearth gives, and says how to get one when missing', async () => {
    // The snippet is plain JavaScript too: run it as a module with the package linked.
    const project = writeProject({
      'snippet.mjs': `${blockAfter('They learn the addresses from', 'ts')}\nconsole.log(api)\n`,
      'package.json': JSON.stringify({ name: 'readme-helper', type: 'module' }),
    })
    projects.push(project)
    mkdirSync(path.join(project.root, 'node_modules/@hearth'), { recursive: true })
    symlinkSync(
      path.join(repoRoot, 'packages/vitest'),
      path.join(project.root, 'node_modules/@hearth/vitest'),
    )
    symlinkSync(
      path.join(repoRoot, 'packages/environments'),
      path.join(project.root, 'node_modules/@hearth/environments'),
    )
    const given = await execa(process.execPath, ['snippet.mjs'], {
      cwd: project.root,
      env: { HEARTH_API_URL: 'http://127.0.0.1:4100' },
      reject: false,
    })
    expect(given.stdout).toBe('http://127.0.0.1:4100')
    const missing = await execa(process.execPath, ['snippet.mjs'], {
      cwd: project.root,
      env: {},
      reject: false,
      extendEnv: false,
    })
    expect(missing.exitCode).not.toBe(0)
    expect(missing.stderr).toContain('HEARTH_API_URL')
  })

  it('shows the message hearth really prints for a config with three problems', async () => {
    const project = writeProject({ 'hearth.config.ts': THREE_PROBLEMS_CONFIG })
    projects.push(project)
    const result = await hearth(['up'], project.root)
    expect(result.exitCode).toBe(2)
    expect(`${result.stderr}\n`).toBe(blockAfter('Mistakes are reported all at once', 'text'))
  })
})
