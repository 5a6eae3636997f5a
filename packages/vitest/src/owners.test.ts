import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { hasTestKey, isConfigFileName, isInside, ownerOfFile, planOwners, type TestOwner } from './owners.js'

const root: TestOwner = { root: '/repo', configFile: null }
const pkg = (dir: string, config = 'vitest.config.ts'): TestOwner => ({
  root: `/repo/${dir}`,
  configFile: `/repo/${dir}/${config}`,
})
const roots = (owners: TestOwner[]) => owners.map((owner) => `${owner.root} ${owner.configFile ?? '-'}`)

describe('planOwners', () => {
  it.each([
    {
      name: '(a) no root config, a config per package: each package owns its files',
      input: { root, packages: [pkg('packages/b'), pkg('packages/a')], rootProjects: [] },
      owners: [
        '/repo -',
        '/repo/packages/a /repo/packages/a/vitest.config.ts',
        '/repo/packages/b /repo/packages/b/vitest.config.ts',
      ],
    },
    {
      name: '(b) root projects run the packages: the root owns everything',
      input: {
        root: { root: '/repo', configFile: '/repo/vitest.config.ts' },
        packages: [pkg('packages/a'), pkg('packages/b')],
        rootProjects: [
          { root: '/repo/packages/a', configFile: '/repo/packages/a/vitest.config.ts' },
          { root: '/repo/packages/b', configFile: '/repo/packages/b/vitest.config.ts' },
        ],
      },
      owners: ['/repo /repo/vitest.config.ts'],
    },
    {
      name: '(b) an inline project rooted in a package folder counts as running it',
      input: {
        root: { root: '/repo', configFile: '/repo/vitest.config.ts' },
        packages: [pkg('packages/a')],
        rootProjects: [{ root: '/repo/packages/a', configFile: '/repo/vitest.config.ts' }],
      },
      owners: ['/repo /repo/vitest.config.ts'],
    },
    {
      name: '(c) no config anywhere: the root with Vitest defaults',
      input: { root, packages: [], rootProjects: [] },
      owners: ['/repo -'],
    },
    {
      name: '(d) a root config plus a package config it does not reference',
      input: {
        root: { root: '/repo', configFile: '/repo/vitest.config.ts' },
        packages: [pkg('packages/a'), pkg('tools/b', 'vite.config.mjs')],
        rootProjects: [
          { root: '/repo', configFile: '/repo/vitest.config.ts' },
          { root: '/repo/packages/a', configFile: '/repo/packages/a/vitest.config.ts' },
        ],
      },
      owners: ['/repo /repo/vitest.config.ts', '/repo/tools/b /repo/tools/b/vite.config.mjs'],
    },
    {
      name: 'no Vitest at the root: only the packages',
      input: { root: null, packages: [pkg('packages/a')], rootProjects: [] },
      owners: ['/repo/packages/a /repo/packages/a/vitest.config.ts'],
    },
    {
      name: 'the root listed among the packages, or a package twice, counts once',
      input: {
        root,
        packages: [{ root: '/repo', configFile: null }, pkg('packages/a'), pkg('packages/a')],
        rootProjects: [],
      },
      owners: ['/repo -', '/repo/packages/a /repo/packages/a/vitest.config.ts'],
    },
  ])('$name', ({ input, owners }) => {
    expect(roots(planOwners(input))).toEqual(owners)
  })
})

describe('ownerOfFile', () => {
  const owners = planOwners({
    root,
    packages: [pkg('packages/a'), pkg('packages/a/nested'), pkg('packages/ab')],
    rootProjects: [],
  })
  it.each([
    ['/repo/packages/a/test/x.test.ts', '/repo/packages/a'],
    ['/repo/packages/a/nested/x.test.ts', '/repo/packages/a/nested'],
    ['/repo/packages/ab/x.test.ts', '/repo/packages/ab'],
    ['/repo/packages/abc/x.test.ts', '/repo'],
    ['/repo/test/x.test.ts', '/repo'],
    ['/elsewhere/x.test.ts', undefined],
  ])('%s → %s', (file, owner) => {
    expect(ownerOfFile(file, owners)?.root).toBe(owner)
  })
})

describe('hasTestKey', () => {
  it.each([
    ["export default defineConfig({ test: { environment: 'node' } })", true],
    ["export default { 'test': {} }", true],
    ['const test = {}\nexport default { plugins: [], test }', true],
    ["export default defineConfig({ plugins: [react()], build: { outDir: 'dist' } })", false],
    ['// test: {}\nexport default { build: {} }', false],
    ['/* test: {} */ export default {}', false],
    ["export default { define: { 'import.meta.vitest': 'undefined' } }", false],
  ])('%s → %s', (source, expected) => {
    expect(hasTestKey(source)).toBe(expected)
  })
})

describe('isConfigFileName', () => {
  it.each([
    ['vitest.config.ts', true],
    ['vite.config.mjs', true],
    ['vitest.config.unit.ts', false],
    ['vitest.setup.ts', false],
  ])('%s → %s', (name, expected) => {
    expect(isConfigFileName(name)).toBe(expected)
  })
})

describe('isInside', () => {
  /** The rule the string comparison stands in for. */
  const general = (file: string, dir: string) => {
    const relative = path.relative(dir, file)
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
  }
  it.each([
    ['/repo/a/x.ts', '/repo/a', true],
    ['/repo/a', '/repo/a', true],
    ['/repo/a', '/repo/a/', true],
    ['/repo/a/x.ts', '/repo/a/', true],
    ['/repo/ab/x.ts', '/repo/a', false],
    ['/repo', '/repo/a', false],
    ['/repo/a/x.ts', '/', true],
    ['/repo/a/../b/x.ts', '/repo/a', false],
    ['/repo/b/../a/x.ts', '/repo/a', true],
    ['/repo/a/.hidden/x.ts', '/repo/a', true],
    ['/repo//a/x.ts', '/repo/a', true],
    ['/repo/a/./x.ts', '/repo/a/.', true],
    ['a/x.ts', process.cwd(), true],
  ] as const)('%s in %s: %s', (file, dir, inside) => {
    expect(isInside(file, dir)).toBe(inside)
    expect(general(file, dir)).toBe(inside)
  })
})
