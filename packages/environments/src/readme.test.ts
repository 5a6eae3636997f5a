import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { isConfigError } from './issues.js'
import { loadConfig } from './load-config.js'
import { outputEnvName } from './names.js'

// These load real configs through tsx (whose first load starts esbuild): seconds on a loaded
// machine, so a limit for a hang rather than Vitest's 5 s.
vi.setConfig({ testTimeout: 60_000 })

// The README's examples are real: this loads its two files as a project and checks what it says.
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const ENTRY = pathToFileURL(fileURLToPath(new URL('./index.ts', import.meta.url))).href
const blocks = (lang: string) =>
  [...README.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '')
const [environmentFile = '', configFile = ''] = blocks('ts')
const [errorText = ''] = blocks('text')

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function readmeProject(edit: (environment: string) => string = (text) => text): string {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-readme-')))
  dirs.push(root)
  mkdirSync(path.join(root, 'environments'))
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'shop', type: 'module' }))
  const source = (text: string) => text.replaceAll("'@hearth/environments'", `'${ENTRY}'`)
  writeFileSync(path.join(root, 'environments/backend.ts'), source(edit(environmentFile)))
  writeFileSync(path.join(root, 'hearth.config.ts'), source(configFile))
  return root
}

describe('README example', () => {
  it('has the two files and the error text', () => {
    expect(
      environmentFile.startsWith("import { defineEnvironment, ready, ref } from '@hearth/environments'"),
    ).toBe(true)
    expect(configFile.startsWith("import { defineConfig } from '@hearth/environments'")).toBe(true)
    expect(errorText.startsWith('Invalid hearth configuration (2 problems):')).toBe(true)
  })

  it('loads, with the readiness and order the README describes', async () => {
    const config = await loadConfig({ cwd: readmeProject() })
    const backend = config.environments.backend
    expect(backend?.order).toEqual(['db', 'migrate', 'api'])
    expect(backend?.file).toBe('environments/backend.ts')
    expect(backend?.services.db?.readiness.type).toBe('healthcheck')
    expect(backend?.services.migrate?.readiness.type).toBe('none')
    expect(backend?.services.api?.readiness).toMatchObject({
      type: 'http',
      port: 'http',
      path: '/health',
      status: null,
    })
    expect(config.idleTtlMs).toBe(7_200_000)
    expect(outputEnvName('api', 'url')).toBe('HEARTH_API_URL')
  })

  it('fails with the README error text when api depends on "dbb"', async () => {
    const root = readmeProject((text) =>
      text.replace("dependsOn: ['db', 'migrate']", "dependsOn: ['dbb', 'migrate']"),
    )
    const error = await loadConfig({ cwd: root }).catch((caught: unknown) => caught)
    expect(isConfigError(error) && error.message).toBe(errorText.trimEnd())
  })
})
