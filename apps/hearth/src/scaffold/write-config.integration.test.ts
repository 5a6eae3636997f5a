import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isConfigError } from '@hearth/environments'
import { afterAll, describe, expect, it } from 'vitest'
import { writeCheckedConfig } from './write-config.js'

/** Real loads through the config loader (tsx), in a throwaway project folder. */
describe('writeCheckedConfig', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-write-config-'))
  const target = path.join(root, 'hearth.config.ts')
  writeFileSync(path.join(root, 'package.json'), '{"name":"written","type":"module"}')
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('replaces the target with a config that loads', async () => {
    const written = await writeCheckedConfig(target, 'export default { environments: [] }\n', [])
    expect(written).toEqual({ checked: true, missing: [] })
    expect(readFileSync(target, 'utf8')).toBe('export default { environments: [] }\n')
    expect(readdirSync(root).sort()).toEqual(['hearth.config.ts', 'package.json'])
  })

  it('keeps the existing config when the new one does not load, naming the target in the error', async () => {
    const error = await writeCheckedConfig(target, 'export default { environments: 5 }\n', []).catch((e) => e)
    expect(isConfigError(error)).toBe(true)
    expect((error as Error).message).toContain('hearth.config.ts')
    expect((error as Error).message).not.toMatch(/\.hearth\.config\.\d+/)
    expect(readFileSync(target, 'utf8')).toBe('export default { environments: [] }\n')
    expect(readdirSync(root).sort()).toEqual(['hearth.config.ts', 'package.json'])
  })

  it('keeps the existing config when the new one does not even import', async () => {
    // What a constant that shadows an import does: it is used before it is initialised.
    const broken =
      'const db = postgres\nconst postgres = { name: "db" }\nexport default { environments: [db] }\n'
    await expect(writeCheckedConfig(target, broken, [])).rejects.toThrow()
    expect(readFileSync(target, 'utf8')).toBe('export default { environments: [] }\n')
    expect(readdirSync(root).sort()).toEqual(['hearth.config.ts', 'package.json'])
  })

  it('creates the folder the config goes to', async () => {
    const nested = path.join(root, 'config/hearth.config.ts')
    expect(await writeCheckedConfig(nested, 'export default { environments: [] }\n', [])).toEqual({
      checked: true,
      missing: [],
    })
    expect(readFileSync(nested, 'utf8')).toBe('export default { environments: [] }\n')
    rmSync(path.dirname(nested), { recursive: true })
  })

  it('writes unchecked what imports packages the project lacks, and says which', async () => {
    const text = "import { defineConfig } from 'hearth-not-installed'\nexport default defineConfig({})\n"
    const written = await writeCheckedConfig(target, text, ['hearth-not-installed'])
    expect(written).toEqual({ checked: false, missing: ['hearth-not-installed'] })
    expect(readFileSync(target, 'utf8')).toBe(text)
  })
})
