import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createImportGraph, type ImportGraph, type ImportSelection } from './import-graph.js'
import { createFixtures, writeFiles } from './test-support.js'

const fixtures = createFixtures('graph')
afterAll(() => fixtures.cleanup())

/**
 * A small shop: @shop/billing linked through `exports` to its sources, @shop/ledger through
 * `main: dist/index.js` (never built), a tsconfig `paths` alias for test utilities, a barrel with
 * type-only re-exports, a dynamic import, a cycle, an index folder, and an import of a missing file.
 */
const SHOP = {
  'package.json': { name: 'shop', private: true },
  'pnpm-workspace.yaml': 'packages:\n  - packages/*\n',
  'tsconfig.json': {
    compilerOptions: { customConditions: ['@shop/source'], paths: { '@test-utils/*': ['./tests/utils/*'] } },
  },
  'packages/billing/package.json': {
    name: '@shop/billing',
    exports: { '.': { '@shop/source': './src/index.ts', default: './dist/index.js' } },
  },
  'packages/billing/src/index.ts': [
    "export * from './invoice.js'",
    "export type { Money } from './money.js'",
    "export { tax } from './tax'",
  ].join('\n'),
  'packages/billing/src/invoice.ts': [
    "import { tax } from './tax/index.js'",
    "import type { Money } from './money.js'",
    "import { a } from './cycle-a.js'",
    "export const load = () => import('./lazy.js')",
    'export const invoice = (m: Money) => tax(m) + a',
  ].join('\n'),
  'packages/billing/src/tax/index.ts': 'export const tax = (m: unknown) => 1\n',
  'packages/billing/src/money.ts': 'export type Money = number\n',
  'packages/billing/src/cycle-a.ts': "import { b } from './cycle-b.js'\nexport const a = 1 + b\n",
  'packages/billing/src/cycle-b.ts': "import { a } from './cycle-a.js'\nexport const b = () => a\n",
  'packages/billing/src/lazy.ts': 'export const lazy = 1\n',
  'packages/billing/src/broken.ts': "import './missing.js'\n",
  'packages/ledger/package.json': {
    name: '@shop/ledger',
    main: './dist/index.js',
    scripts: { build: 'tsc -p tsconfig.build.json' },
    dependencies: { '@shop/billing': 'workspace:*' },
  },
  'packages/ledger/tsconfig.build.json': { compilerOptions: { rootDir: 'src', outDir: 'dist' } },
  'packages/ledger/src/index.ts': "import { invoice } from '@shop/billing'\nexport * from './journal.js'\n",
  'packages/ledger/src/journal.ts': 'export const post = 1\n',
  'tests/billing.test.ts': "import { invoice } from '@shop/billing'\n",
  'tests/ledger.test.ts': "import { post } from '@shop/ledger'\nimport { db } from '@test-utils/db'\n",
  'tests/types.test.ts':
    "import type { Money } from '@shop/billing'\nimport '../packages/billing/src/broken.js'\n",
  'tests/utils/db.ts': 'export const db = 1\n',
}
const LINKS = {
  'node_modules/@shop/billing': '../../packages/billing',
  'node_modules/@shop/ledger': '../../packages/ledger',
  'packages/ledger/node_modules/@shop/billing': '../../../billing',
}
const TESTS = ['tests/billing.test.ts', 'tests/ledger.test.ts', 'tests/types.test.ts']

async function shop(): Promise<{ root: string; graph: ImportGraph }> {
  const root = fixtures.write(SHOP, LINKS)
  return { root, graph: await createImportGraph({ root, testFiles: TESTS }) }
}

/** Selections as lines, paths relative to the root. */
function lines(root: string, selections: ImportSelection[]): string[] {
  const rel = (file: string) => path.relative(root, file)
  return selections.map((s) => {
    const notes = [
      s.typeOnly ? 'type-only' : '',
      s.viaBuildOutput ? `via build output of ${s.viaBuildOutput.name}` : '',
      s.resolution ? 'resolution' : '',
    ].filter(Boolean)
    return `${s.chain.map(rel).join(' → ')}${notes.length ? ` [${notes.join(', ')}]` : ''}`
  })
}

describe('createImportGraph', () => {
  it('reaches what a test imports, through package links, barrels, dynamic imports and a cycle', async () => {
    const { root, graph } = await shop()
    const reach = graph.reach(path.join(root, 'tests/billing.test.ts'))
    expect(
      reach.map(
        (r) => `${r.chain.map((f) => path.relative(root, f)).join(' → ')}${r.typeOnly ? ' [type-only]' : ''}`,
      ),
    ).toMatchInlineSnapshot(`
        [
          "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts",
          "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts → packages/billing/src/cycle-b.ts",
          "tests/billing.test.ts → packages/billing/src/index.ts",
          "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts",
          "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/lazy.ts",
          "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/money.ts [type-only]",
          "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/tax/index.ts",
          "tests/billing.test.ts",
        ]
      `)
    expect(
      graph
        .dependenciesOf(path.join(root, 'packages/billing/src/invoice.ts'))
        .map((e) => [path.relative(root, e.to), e.specifier, e.kind, e.typeOnly]),
    ).toEqual([
      ['packages/billing/src/tax/index.ts', './tax/index.js', 'import', false],
      ['packages/billing/src/money.ts', './money.js', 'import', true],
      ['packages/billing/src/cycle-a.ts', './cycle-a.js', 'import', false],
      ['packages/billing/src/lazy.ts', './lazy.js', 'dynamic', false],
    ])
    expect(
      graph
        .dependentsOf(path.join(root, 'packages/billing/src/index.ts'))
        .map((e) => path.relative(root, e.from)),
    ).toEqual(['packages/ledger/src/index.ts', 'tests/billing.test.ts', 'tests/types.test.ts'])
  })

  it('selects the tests that reach a change, with one shortest chain each', async () => {
    const { root, graph } = await shop()
    const select = (...files: string[]) =>
      lines(root, graph.testsReaching(files.map((f) => path.join(root, f))))
    expect(select('packages/billing/src/tax/index.ts')).toMatchInlineSnapshot(`
      [
        "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/tax/index.ts",
        "tests/ledger.test.ts → packages/ledger/src/index.ts → packages/billing/src/index.ts → packages/billing/src/tax/index.ts",
        "tests/types.test.ts → packages/billing/src/index.ts → packages/billing/src/tax/index.ts [type-only]",
      ]
    `)
    // Only types lead there from any test.
    expect(select('packages/billing/src/money.ts')).toMatchInlineSnapshot(`
      [
        "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/money.ts [type-only]",
        "tests/ledger.test.ts → packages/ledger/src/index.ts → packages/billing/src/index.ts → packages/billing/src/money.ts [type-only]",
        "tests/types.test.ts → packages/billing/src/index.ts → packages/billing/src/money.ts [type-only]",
      ]
    `)
    // Through the cycle; through ledger's build output (its sources are what changed).
    expect(
      select('packages/billing/src/cycle-b.ts', 'packages/ledger/src/journal.ts', 'tests/utils/db.ts'),
    ).toMatchInlineSnapshot(`
        [
          "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts → packages/billing/src/cycle-b.ts",
          "tests/ledger.test.ts → packages/ledger/src/index.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts → packages/billing/src/cycle-b.ts",
          "tests/ledger.test.ts → packages/ledger/src/index.ts → packages/ledger/src/journal.ts [via build output of @shop/ledger]",
          "tests/ledger.test.ts → tests/utils/db.ts",
          "tests/types.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts → packages/billing/src/cycle-b.ts [type-only]",
        ]
      `)
    // A test file itself, and files no test reaches.
    expect(
      select('tests/billing.test.ts', 'packages/ledger/package.json', 'README.md'),
    ).toMatchInlineSnapshot(`
      [
        "tests/billing.test.ts",
        "tests/ledger.test.ts → packages/ledger/package.json [resolution]",
      ]
    `)
  })

  it('reports packages linked through their build output, and what it could not follow', async () => {
    const { root, graph } = await shop()
    const rel = (file: string) => path.relative(root, file)
    expect(
      graph.buildOutputPackages().map(({ package: pkg, links }) => ({
        package: { ...pkg, dir: rel(pkg.dir), configFiles: pkg.configFiles.map(rel) },
        links: links.map((l) => `${rel(l.from)}: ${l.specifier} → ${rel(l.output)} → ${rel(l.source)}`),
      })),
    ).toEqual([
      {
        package: {
          name: '@shop/ledger',
          dir: 'packages/ledger',
          hasBuildScript: true,
          dependencies: ['@shop/billing'],
          configFiles: ['packages/ledger/package.json', 'packages/ledger/tsconfig.build.json'],
        },
        links: [
          'tests/ledger.test.ts: @shop/ledger → packages/ledger/dist/index.js → packages/ledger/src/index.ts',
        ],
      },
    ])
    expect(graph.unresolved().map((u) => `${rel(u.from)}: ${u.specifier} (${u.reason})`)).toEqual([
      'packages/billing/src/broken.ts: ./missing.js (no such file)',
    ])
    expect(graph.stats()).toEqual({ files: 14, edges: 16, tests: 3, unresolved: 1 })
  })

  it('accepts paths relative to the root, and a missing test file', async () => {
    const root = fixtures.write(SHOP, LINKS)
    const graph = await createImportGraph({
      root,
      testFiles: ['tests/billing.test.ts', 'tests/gone.test.ts'],
    })
    expect(graph.tests().map((f) => path.relative(root, f))).toEqual([
      'tests/billing.test.ts',
      'tests/gone.test.ts',
    ])
    expect(graph.unresolved().map((u) => `${path.relative(root, u.from)}: ${u.reason}`)).toEqual([
      'tests/gone.test.ts: file not found',
    ])
    expect(graph.testsReaching(['tests/gone.test.ts'])).toEqual([])
  })
})

describe('setup files', () => {
  it('gives every test an edge to each setup file (Vitest setupFiles load without an import)', async () => {
    const root = fixtures.write({ ...SHOP, 'tests/setup.ts': "import { db } from './utils/db.js'\n" }, LINKS)
    const graph = await createImportGraph({ root, testFiles: TESTS, setupFiles: ['tests/setup.ts'] })
    expect(lines(root, graph.testsReaching([path.join(root, 'tests/utils/db.ts')]))).toEqual([
      'tests/billing.test.ts → tests/setup.ts → tests/utils/db.ts',
      'tests/ledger.test.ts → tests/utils/db.ts',
      'tests/types.test.ts → tests/setup.ts → tests/utils/db.ts',
    ])
    expect(
      graph.dependenciesOf(path.join(root, 'tests/billing.test.ts')).map((e) => `${e.kind} ${e.specifier}`),
    ).toEqual(['setup tests/setup.ts', 'import @shop/billing'])
    // A file that becomes a test gets them too.
    await graph.setTestFiles([...TESTS, 'tests/utils/db.ts'])
    expect(graph.dependenciesOf(path.join(root, 'tests/utils/db.ts')).map((e) => e.kind)).toEqual(['setup'])
  })
})

describe('update', () => {
  it('re-parses a changed file, and drops what is no longer reached', async () => {
    const { root, graph } = await shop()
    const invoice = path.join(root, 'packages/billing/src/invoice.ts')
    writeFileSync(
      invoice,
      "import { tax } from './tax/index.js'\nimport './journal-free.js'\nexport const invoice = 1\n",
    )
    const update = await graph.update([invoice])
    const rel = (files: string[]) => files.map((f) => path.relative(root, f))
    expect({
      ...update,
      reparsed: rel(update.reparsed),
      removed: rel(update.removed),
      durationMs: 0,
    }).toEqual({
      reparsed: ['packages/billing/src/invoice.ts'],
      added: [],
      removed: [
        'packages/billing/src/cycle-a.ts',
        'packages/billing/src/cycle-b.ts',
        'packages/billing/src/lazy.ts',
      ],
      relinked: 1,
      configChanged: false,
      durationMs: 0,
    })
    expect(graph.unresolved().map((u) => u.specifier)).toEqual(['./missing.js', './journal-free.js'])
  })

  it('follows a file that appears, and one that shadows an index folder', async () => {
    const { root, graph } = await shop()
    const missing = path.join(root, 'packages/billing/src/missing.ts')
    writeFileSync(missing, "export * from './lazy.js'\n")
    const first = await graph.update([missing])
    expect(first.added.map((f) => path.relative(root, f))).toEqual(['packages/billing/src/missing.ts'])
    expect(lines(root, graph.testsReaching([missing]))).toEqual([
      'tests/types.test.ts → packages/billing/src/broken.ts → packages/billing/src/missing.ts',
    ])
    // `./tax` named tax/index.ts; a new tax.ts comes first.
    const taxFile = path.join(root, 'packages/billing/src/tax.ts')
    writeFileSync(taxFile, 'export const tax = 2\n')
    const second = await graph.update([taxFile])
    expect(second.added.map((f) => path.relative(root, f))).toEqual(['packages/billing/src/tax.ts'])
    expect(
      graph
        .dependenciesOf(path.join(root, 'packages/billing/src/index.ts'))
        .map((e) => `${e.specifier} → ${path.relative(root, e.to)}`),
    ).toContain('./tax → packages/billing/src/tax.ts')
  })

  it('still selects the importers of a deleted file', async () => {
    const { root, graph } = await shop()
    const cycleB = path.join(root, 'packages/billing/src/cycle-b.ts')
    rmSync(cycleB)
    const update = await graph.update([cycleB])
    expect(update.removed.map((f) => path.relative(root, f))).toEqual(['packages/billing/src/cycle-b.ts'])
    expect(lines(root, graph.testsReaching([cycleB]))).toMatchInlineSnapshot(`
      [
        "tests/billing.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts → packages/billing/src/cycle-b.ts [resolution]",
        "tests/ledger.test.ts → packages/ledger/src/index.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts → packages/billing/src/cycle-b.ts [resolution]",
        "tests/types.test.ts → packages/billing/src/index.ts → packages/billing/src/invoice.ts → packages/billing/src/cycle-a.ts → packages/billing/src/cycle-b.ts [type-only, resolution]",
      ]
    `)
    // A graph built after the deletion says the same.
    const fresh = await createImportGraph({ root, testFiles: TESTS })
    expect(lines(root, fresh.testsReaching([cycleB]))).toEqual(lines(root, graph.testsReaching([cycleB])))
  })

  it('resolves everything again when a package.json or tsconfig changes', async () => {
    const { root, graph } = await shop()
    writeFiles(root, {
      'packages/ledger/package.json': {
        name: '@shop/ledger',
        exports: { '.': { '@shop/source': './src/journal.ts' } },
      },
    })
    const update = await graph.update([path.join(root, 'packages/ledger/package.json')])
    expect(update.configChanged).toBe(true)
    expect(update.removed.map((f) => path.relative(root, f))).toEqual(['packages/ledger/src/index.ts'])
    expect(graph.buildOutputPackages()).toEqual([])
    expect(lines(root, graph.testsReaching([path.join(root, 'packages/ledger/src/journal.ts')]))).toEqual([
      'tests/ledger.test.ts → packages/ledger/src/journal.ts',
    ])
  })

  it('resolves everything again when a build tool config changes, and when a source map appears', async () => {
    const root = fixtures.write({
      'package.json': { name: 'kit', private: true },
      'pnpm-workspace.yaml': 'packages:\n  - packages/*\n',
      'packages/kit/package.json': { name: '@kit/kit', exports: { '.': { import: './dist/index.mjs' } } },
      'packages/kit/tsdown.config.ts': "export default { entry: { index: 'src/a.ts' } }\n",
      'packages/kit/src/a.ts': '',
      'packages/kit/src/b.ts': '',
      'packages/kit/src/c.ts': '',
      'tests/kit.test.ts': "import '@kit/kit'\n",
    })
    const graph = await createImportGraph({ root, testFiles: ['tests/kit.test.ts'] })
    const reached = () =>
      graph.dependenciesOf(path.join(root, 'tests/kit.test.ts')).map((edge) => {
        const { output, mappedBy } = edge.buildOutput!
        return `${path.relative(root, output)} → ${path.relative(root, edge.to)} [${mappedBy}]`
      })
    expect(reached()).toEqual(['packages/kit/dist/index.mjs → packages/kit/src/a.ts [build-config]'])

    writeFiles(root, { 'packages/kit/tsdown.config.ts': "export default { entry: { index: 'src/b.ts' } }\n" })
    expect((await graph.update([path.join(root, 'packages/kit/tsdown.config.ts')])).configChanged).toBe(true)
    expect(reached()).toEqual(['packages/kit/dist/index.mjs → packages/kit/src/b.ts [build-config]'])

    // A build writes a map (it outranks the config): the import that looked for it resolves again.
    const map = path.join(root, 'packages/kit/dist/index.mjs.map')
    writeFiles(root, {
      'packages/kit/dist/index.mjs': '',
      'packages/kit/dist/index.mjs.map': { sources: ['../src/c.ts'] },
    })
    await graph.update([map])
    expect(reached()).toEqual(['packages/kit/dist/index.mjs → packages/kit/src/c.ts [source-map]'])
  })

  it('takes new test files and drops old ones', async () => {
    const { root, graph } = await shop()
    writeFiles(root, { 'tests/new.test.ts': "import { db } from '@test-utils/db'\n" })
    const update = await graph.setTestFiles(['tests/new.test.ts', 'tests/billing.test.ts'])
    const rel = (files: string[]) => files.map((f) => path.relative(root, f))
    expect(rel(update.added)).toEqual(['tests/new.test.ts'])
    expect(rel(update.removed)).toEqual(
      [
        'packages/ledger/src/index.ts',
        'packages/ledger/src/journal.ts',
        'packages/billing/src/broken.ts',
        'tests/ledger.test.ts',
        'tests/types.test.ts',
      ].sort(),
    )
    expect(lines(root, graph.testsReaching([path.join(root, 'tests/utils/db.ts')]))).toEqual([
      'tests/new.test.ts → tests/utils/db.ts',
    ])
  })
})
