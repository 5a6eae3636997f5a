import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { EnvironmentDefinition } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'
import { afterAll, describe, expect, it } from 'vitest'

// The README's examples are real: its environment file is written into a project, imported and
// validated as hearth would.
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const [environmentFile = '', testFile = ''] = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
const ENTRY = pathToFileURL(fileURLToPath(new URL('./index.ts', import.meta.url))).href
const ENVIRONMENTS = pathToFileURL(
  path.join(
    path.dirname(createRequire(import.meta.url).resolve('@hearth/environments/package.json')),
    'src/index.ts',
  ),
).href

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('README example', () => {
  it('has the environment file and the test file', () => {
    expect(environmentFile).toContain("from '@hearth/env-postgres'")
    expect(testFile).toContain("import { workerDatabaseUrl } from '@hearth/env-postgres/testing'")
  })

  it('defines an environment that validates, with db, migrate and api in that order', async () => {
    const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-env-postgres-readme-')))
    dirs.push(root)
    mkdirSync(path.join(root, 'environments'))
    const file = path.join(root, 'environments/backend.ts')
    writeFileSync(
      file,
      environmentFile
        .replaceAll("'@hearth/env-postgres'", `'${ENTRY}'`)
        .replaceAll("'hearth'", `'${ENVIRONMENTS}'`),
    )
    const { backend } = (await import(pathToFileURL(file).href)) as { backend: EnvironmentDefinition }
    const result = validateConfig(
      { environments: [backend] },
      { root, file: 'hearth.config.ts', defaultProject: 'shop' },
    )
    if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2))
    const environment = result.config.environments.backend!
    expect(environment.order).toEqual(['db', 'migrate', 'api'])
    expect(environment.file).toBe('environments/backend.ts')
    expect(environment.services.migrate?.watch).toEqual(['db/migrations/**'])
    expect(environment.services.api?.env).toEqual({ DATABASE_URL: '{{db.url}}' })
  })
})
