import { existsSync, lstatSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyWorkspace, repoRoot } from './helpers.js'

/** `require.resolve` as code in `dir` of the copy would resolve, as a real path. */
const resolveFrom = (dir: string, request: string) =>
  realpathSync(createRequire(path.join(dir, 'package.json')).resolve(request))

describe('copyWorkspace', () => {
  const copy = copyWorkspace('keystore')
  const root = realpathSync(copy.root)
  const original = path.join(repoRoot, 'examples/keystore')
  const adapter = path.join(root, 'packages/adapter-postgres')
  afterAll(() => copy.cleanup())

  it('gives each package a real node_modules folder', () => {
    for (const dir of ['.', 'packages/core', 'packages/adapter-postgres', 'packages/test-suite']) {
      const modules = lstatSync(path.join(root, dir, 'node_modules'))
      expect(modules.isDirectory() && !modules.isSymbolicLink()).toBe(true)
    }
  })

  it("resolves the example's own packages to the copy", () => {
    expect(realpathSync(path.join(adapter, 'node_modules/@keystore/core'))).toBe(
      path.join(root, 'packages/core'),
    )
    expect(resolveFrom(adapter, '@keystore/core/package.json')).toBe(
      path.join(root, 'packages/core/package.json'),
    )
    expect(resolveFrom(adapter, '@keystore/test-suite')).toBe(
      path.join(root, 'packages/test-suite/src/index.ts'),
    )
  })

  it('sends an edit made through the resolved path to the copy, not to the original', () => {
    const entry = resolveFrom(adapter, '@keystore/test-suite')
    writeFileSync(entry, 'export const edited = true\n')
    expect(readFileSync(path.join(root, 'packages/test-suite/src/index.ts'), 'utf8')).toContain('edited')
    expect(readFileSync(path.join(original, 'packages/test-suite/src/index.ts'), 'utf8')).not.toContain(
      'edited',
    )
  })

  it('resolves everything else to the original install', () => {
    const vitest = resolveFrom(adapter, 'vitest/package.json')
    expect(vitest).toBe(resolveFrom(path.join(original, 'packages/adapter-postgres'), 'vitest/package.json'))
    expect(vitest.startsWith(path.join(repoRoot, 'node_modules/.pnpm'))).toBe(true)
    expect(resolveFrom(adapter, 'pg/package.json')).toBe(
      resolveFrom(path.join(original, 'packages/adapter-postgres'), 'pg/package.json'),
    )
    expect(realpathSync(path.join(root, 'node_modules/hearth'))).toBe(path.join(repoRoot, 'apps/hearth'))
    expect(existsSync(path.join(adapter, 'node_modules/.bin/vitest'))).toBe(true)
  })

  it("leaves out the original's caches", () => {
    expect(existsSync(path.join(root, 'packages/core/node_modules/.vite'))).toBe(false)
  })
})
