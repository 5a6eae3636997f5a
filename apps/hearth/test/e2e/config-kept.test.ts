import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTracer, fromPackage } from '../trace-imports.js'
import { repoRoot, writeProject } from './helpers.js'

/**
 * The validated config kept between commands: a command whose config is unchanged never loads
 * the validator (zod), a value read from the environment is still read each time (a bad one is
 * still refused), and the kept file holds no secret in clear.
 */
const bin = path.join(repoRoot, 'apps/hearth/bin/hearth.js')
const work = mkdtempSync(path.join(tmpdir(), 'hearth-kept-'))
const { traced } = createTracer(work)
const SECRET = 'kept-secret-5d1f0c9e'
const project = writeProject({
  'package.json': '{ "name": "kept", "type": "module" }\n',
  'hearth.config.ts': `import { defineConfig, defineEnvironment } from '@hearth/environments'

export default defineConfig({
  idleTtl: process.env.KEPT_TTL ?? '2h',
  environments: [
    defineEnvironment({
      name: 'backend',
      services: {
        api: {
          kind: 'process',
          command: ['node', '-e', 'setInterval(() => {}, 1000)'],
          env: { API_TOKEN: process.env.KEPT_TOKEN ?? 'none' },
        },
      },
    }),
  ],
})
`,
})
mkdirSync(path.join(project.root, 'node_modules/@hearth'), { recursive: true })
symlinkSync(
  path.join(repoRoot, 'packages/environments'),
  path.join(project.root, 'node_modules/@hearth/environments'),
)
const ZOD = fromPackage('zod')
const env = { KEPT_TOKEN: SECRET }

afterAll(() => {
  project.cleanup()
  rmSync(work, { recursive: true, force: true })
})

describe('the config kept validated', () => {
  it('is validated once; later commands load no validator, yet read the environment each time', async () => {
    const first = await traced([bin, 'status'], project.root, { env })
    expect(first.code, first.stdout).toBe(0)
    expect(first.modules.some((url) => ZOD.test(url))).toBe(true)

    const again = await traced([bin, 'status'], project.root, { env })
    expect(again.code, again.stdout).toBe(0)
    expect(again.stdout).toBe(first.stdout)
    expect(again.modules.some((url) => url.includes('/packages/environments/'))).toBe(true)
    expect(again.modules.filter((url) => ZOD.test(url))).toEqual([])

    // A value from the environment that is no longer valid: refused, not served from what was kept.
    const bad = await traced([bin, 'status'], project.root, { env: { ...env, KEPT_TTL: 'soon' } })
    expect(bad.code, bad.stdout).toBe(2)

    const cache = path.join(project.root, 'node_modules/.cache/hearth')
    const kept = readdirSync(cache).filter((name) => name.startsWith('validated-'))
    expect(kept).toHaveLength(1)
    expect(readFileSync(path.join(cache, kept[0] as string), 'utf8')).not.toContain(SECRET)
  })
})
