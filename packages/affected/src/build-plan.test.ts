import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orderPackages, type PackageBuild, planBuilds, type StatFile } from './build-plan.js'
import { createImportGraph, type ImportGraph } from './import-graph.js'
import { createFixtures } from './test-support.js'

const fixtures = createFixtures('build-plan')
afterAll(() => fixtures.cleanup())

const tsdownPackage = (name: string, deps: Record<string, string> = {}, field = 'dependencies') => ({
  name,
  exports: { '.': { import: './dist/index.mjs', require: './dist/index.cjs' } },
  scripts: { build: 'tsdown' },
  [field]: deps,
})

/**
 * - @x/adapter (tsdown) imports @x/core's build output and @x/suite, which exports its sources
 *   and imports @x/core's build output too.
 * - @x/types is reached only through `import type`.
 * - @x/a and @x/b import each other's build output (a real cycle); @x/c lists @x/d as a
 *   devDependency while @x/d imports @x/c (a cycle only through package.json).
 */
const FILES = {
  'package.json': { name: 'x', private: true },
  'pnpm-workspace.yaml': 'packages:\n  - packages/*\n',
  'packages/core/package.json': tsdownPackage('@x/core'),
  'packages/core/tsdown.config.ts': "export default defineConfig({ entry: ['src/index.ts'] })\n",
  'packages/core/src/index.ts': "export * from './keys.js'\n",
  'packages/core/src/keys.ts': 'export const key = 1\n',
  'packages/core/src/unused.ts': '',
  'packages/suite/package.json': {
    name: '@x/suite',
    exports: { '.': './src/index.ts' },
    dependencies: { '@x/core': 'workspace:*' },
  },
  'packages/suite/src/index.ts': "import { key } from '@x/core'\nexport const suite = key\n",
  'packages/adapter/package.json': tsdownPackage('@x/adapter', {
    '@x/core': 'workspace:*',
    '@x/suite': 'workspace:*',
  }),
  'packages/adapter/src/index.ts': "import { key } from '@x/core'\nexport const adapter = key\n",
  'packages/types/package.json': tsdownPackage('@x/types'),
  'packages/types/src/index.ts': 'export type T = 1\n',
  'packages/a/package.json': tsdownPackage('@x/a', { '@x/b': 'workspace:*' }),
  'packages/a/src/index.ts': "import { b } from '@x/b'\nexport const a = 1\n",
  'packages/b/package.json': tsdownPackage('@x/b', { '@x/a': 'workspace:*' }),
  'packages/b/src/index.ts': "import { a } from '@x/a'\nexport const b = 1\n",
  'packages/c/package.json': tsdownPackage('@x/c', { '@x/d': 'workspace:*' }, 'devDependencies'),
  'packages/c/src/index.ts': 'export const c = 1\n',
  'packages/d/package.json': tsdownPackage('@x/d', { '@x/c': 'workspace:*' }),
  'packages/d/src/index.ts': "import { c } from '@x/c'\nexport const d = c\n",
  'tests/adapter.test.ts': "import { adapter } from '@x/adapter'\nimport { suite } from '@x/suite'\n",
  'tests/core.test.ts': "import { key } from '@x/core'\n",
  'tests/types.test.ts': "import type { T } from '@x/types'\n",
  'tests/cycle.test.ts': "import '@x/a'\nimport '@x/d'\n",
}
const TESTS = ['tests/adapter.test.ts', 'tests/core.test.ts', 'tests/types.test.ts', 'tests/cycle.test.ts']

let root: string
let graph: ImportGraph
beforeAll(async () => {
  root = fixtures.write(FILES)
  graph = await createImportGraph({ root, testFiles: TESTS })
})

/**
 * File times without touching the disk: every file of the fixture at t=100, the outputs in
 * `built` at their time (the others do not exist), and `times` overriding any of them.
 */
function fakeStat(built: Record<string, number>, times: Record<string, number> = {}): StatFile {
  return (file) => {
    const relative = path.relative(root, file).split(path.sep).join('/')
    const time = times[relative] ?? built[relative] ?? (relative in FILES ? 100 : undefined)
    return time === undefined ? undefined : { mtimeMs: time }
  }
}

/** Every package's outputs, built at `time`. */
const allBuilt = (time: number): Record<string, number> =>
  Object.fromEntries(
    ['core', 'adapter', 'types', 'a', 'b', 'c', 'd'].flatMap((dir) => [
      [`packages/${dir}/dist/index.mjs`, time],
      [`packages/${dir}/dist/index.cjs`, time],
    ]),
  )

/** A plan in words, paths relative to the root. */
function describePlan(plan: PackageBuild[]): string[] {
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/')
  return plan.map(({ package: pkg, reason, tests, cycle }) => {
    const why =
      reason.kind === 'missing'
        ? `missing ${rel(reason.output)}`
        : `${rel(reason.output)} older than ${rel(reason.newer)}`
    return `${pkg.name}: ${why}; for ${tests.map(rel).join(', ')}${cycle ? `; cycle ${cycle.join(' ')}` : ''}`
  })
}

describe('planBuilds', () => {
  it('builds what was never built, dependencies first, each once', () => {
    expect(describePlan(planBuilds(graph, TESTS, { stat: fakeStat({}) }))).toEqual([
      '@x/a: missing packages/a/dist/index.mjs; for tests/cycle.test.ts; cycle @x/a @x/b',
      '@x/b: missing packages/b/dist/index.mjs; for tests/cycle.test.ts; cycle @x/a @x/b',
      // c before d: d imports c; c's devDependency on d is set aside to break the cycle.
      '@x/c: missing packages/c/dist/index.mjs; for tests/cycle.test.ts; cycle @x/c @x/d',
      '@x/d: missing packages/d/dist/index.mjs; for tests/cycle.test.ts; cycle @x/c @x/d',
      '@x/core: missing packages/core/dist/index.mjs; for tests/adapter.test.ts, tests/core.test.ts',
      // After @x/core, which it imports, though its name comes first.
      '@x/adapter: missing packages/adapter/dist/index.mjs; for tests/adapter.test.ts',
    ])
  })

  it('lists nothing when every output is newer than its inputs', () => {
    expect(planBuilds(graph, TESTS, { stat: fakeStat(allBuilt(200)) })).toEqual([])
  })

  it('rebuilds a package whose source changed, not its dependents', () => {
    const stat = fakeStat(allBuilt(200), { 'packages/core/src/keys.ts': 300 })
    expect(describePlan(planBuilds(graph, TESTS, { stat }))).toEqual([
      '@x/core: packages/core/dist/index.mjs older than packages/core/src/keys.ts; for tests/adapter.test.ts, tests/core.test.ts',
    ])
  })

  it('ignores a source the build does not reach, and names a changed config', () => {
    expect(
      planBuilds(graph, TESTS, { stat: fakeStat(allBuilt(200), { 'packages/core/src/unused.ts': 300 }) }),
    ).toEqual([])
    const stat = fakeStat(allBuilt(200), {
      'packages/core/tsdown.config.ts': 300,
      'packages/adapter/package.json': 250,
    })
    expect(describePlan(planBuilds(graph, ['tests/adapter.test.ts'], { stat }))).toEqual([
      '@x/core: packages/core/dist/index.mjs older than packages/core/tsdown.config.ts; for tests/adapter.test.ts',
      '@x/adapter: packages/adapter/dist/index.mjs older than packages/adapter/package.json; for tests/adapter.test.ts',
    ])
  })

  it('plans only for the given tests, and leaves type-only links out unless asked', () => {
    const stat = fakeStat({})
    expect(describePlan(planBuilds(graph, ['tests/types.test.ts'], { stat }))).toEqual([])
    expect(describePlan(planBuilds(graph, ['tests/types.test.ts'], { stat, typeOnly: 'include' }))).toEqual([
      '@x/types: missing packages/types/dist/index.mjs; for tests/types.test.ts',
    ])
    expect(
      describePlan(
        planBuilds(graph, [path.join(root, 'tests/core.test.ts'), 'tests/not-a-test.ts'], { stat }),
      ),
    ).toEqual(['@x/core: missing packages/core/dist/index.mjs; for tests/core.test.ts'])
  })

  it('gives the same plan whatever the order of the tests', () => {
    const stat = fakeStat({})
    expect(planBuilds(graph, [...TESTS].reverse(), { stat })).toEqual(planBuilds(graph, TESTS, { stat }))
  })
})

describe('orderPackages', () => {
  /** Packages named by their folder; `imports` and `deps` as `from>to` pairs. */
  const order = (names: string[], imports: string[], deps: string[] = []) => {
    const edges = (pairs: string[]) => (dir: string) =>
      pairs.filter((pair) => pair.split('>')[0] === dir).map((pair) => pair.split('>')[1]!)
    return orderPackages(
      names.map((name) => ({ name, dir: name })),
      edges(imports),
      edges(deps),
    ).map(({ dir, cycle }) => (cycle ? `${dir} (cycle ${cycle.join(' ')})` : dir))
  }

  it.each([
    ['independent: by name', ['c', 'a', 'b'], [], [], ['a', 'b', 'c']],
    ['a chain: dependencies first', ['a', 'b', 'c'], ['a>b', 'b>c'], [], ['c', 'b', 'a']],
    ['package.json dependencies order too', ['a', 'b'], [], ['a>b'], ['b', 'a']],
    [
      'a cycle through package.json only: imports order it',
      ['a', 'b'],
      ['b>a'],
      ['a>b'],
      ['a (cycle a b)', 'b (cycle a b)'],
    ],
    [
      'a cycle of imports: names order it, after what it depends on',
      ['z', 'y', 'x', 'w'],
      ['z>y', 'y>z', 'y>x', 'w>z'],
      [],
      ['x', 'y (cycle y z)', 'z (cycle y z)', 'w'],
    ],
    ['an edge to a package not in the plan is ignored', ['a'], ['a>gone'], [], ['a']],
  ])('%s', (_, names, imports, deps, expected) => {
    expect(order(names, imports, deps)).toEqual(expected)
  })
})
