import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isSupportedVitestVersion, isVitestSetupError, resolveProjectVitest } from './resolve-vitest.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A workspace with a fake vitest package at its root and an app two folders down. */
function workspace(version: string | null): { root: string; app: string } {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hearth-resolve-')))
  dirs.push(root)
  const app = path.join(root, 'apps/web')
  mkdirSync(app, { recursive: true })
  if (version !== null) {
    const pkg = path.join(root, 'node_modules/vitest')
    mkdirSync(path.join(pkg, 'dist'), { recursive: true })
    writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({
        name: 'vitest',
        version,
        exports: { './node': './dist/node.js', './package.json': './package.json' },
      }),
    )
    writeFileSync(path.join(pkg, 'dist/node.js'), '')
  }
  return { root, app }
}

function problemOf(root: string): string {
  try {
    resolveProjectVitest(root)
  } catch (error) {
    if (isVitestSetupError(error)) return `${error.problem}: ${error.message}`
    throw error
  }
  return 'resolved'
}

describe('resolveProjectVitest', () => {
  it("finds the project's Vitest from a package below the workspace root", () => {
    const { root, app } = workspace('4.1.12')
    expect(resolveProjectVitest(app)).toEqual({
      version: '4.1.12',
      packageDir: path.join(root, 'node_modules/vitest'),
      nodeEntry: path.join(root, 'node_modules/vitest/dist/node.js'),
    })
  })

  // Run through a pnpm bin shim (`npx vitest`), NODE_PATH points at the repo's own Vitest; Node's
  // resolution would find it from any folder. This one must not.
  it('names the root and the fix when there is no Vitest', () => {
    const { app } = workspace(null)
    expect(problemOf(app)).toBe(
      `not-found: hearth: no Vitest found from ${app}. hearth runs the tests with the project's own Vitest 4, ` +
        'resolved from that folder. Fix: install it there: pnpm add -D vitest@^4 (or npm install -D vitest@^4).',
    )
  })

  it('names the version found and the fix when it is not Vitest 4', () => {
    const { root, app } = workspace('3.2.4')
    expect(problemOf(app)).toBe(
      `unsupported-version: hearth: ${app} uses Vitest 3.2.4 (${path.join(root, 'node_modules/vitest')}); ` +
        'hearth needs Vitest 4.x. Fix: pnpm add -D vitest@^4 (or npm install -D vitest@^4).',
    )
  })
})

describe('isSupportedVitestVersion', () => {
  it.each([
    ['4.0.0', true],
    ['4.1.12', true],
    ['4.2.0-beta.1', true],
    ['3.2.4', false],
    ['5.0.0', false],
    ['40.0.0', false],
    [undefined, false],
  ])('%s → %s', (version, expected) => {
    expect(isSupportedVitestVersion(version)).toBe(expected)
  })
})
