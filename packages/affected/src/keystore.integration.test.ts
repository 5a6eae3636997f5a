import { readdirSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import picomatch from 'picomatch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planBuilds } from './build-plan.js'
import { createImportGraph, type ImportGraph } from './import-graph.js'
import { selectTests } from './select-tests.js'
import { copyWorkspace, createFixtures, writeFiles } from './test-support.js'

/**
 * The graph on examples/keystore, a workspace built the way real ones are: @keystore/core by
 * tsdown (nested `import`/`require` conditions to dist/index.{mjs,cjs,d.mts,d.cts}),
 * @keystore/serialize by tsup (object entries, a `./json` subpath), @keystore/utils by tsc
 * (`main: dist/index.js`, maps), @keystore/test-suite exporting its sources, and adapters whose
 * tests import them.
 *
 * It runs on copies (the original is never written): one as a fresh clone has it (no dist), one
 * with the outputs and maps its builds write (empty files: resolution looks at names and maps, not
 * at what the code says).
 */
const KEYSTORE = fileURLToPath(new URL('../../../examples/keystore', import.meta.url))
const TEST_GLOB = 'packages/*/{src,test}/**/*.test.ts'

const fixtures = createFixtures('keystore')
afterAll(() => fixtures.cleanup())

/** What the builds of the keystore packages write (tsdown, tsup, tsc with maps). */
const BUILD_OUTPUT = {
  ...Object.fromEntries(
    ['core', 'adapter-memory', 'adapter-postgres', 'adapter-redis'].flatMap((pkg) =>
      ['index.mjs', 'index.cjs', 'index.d.mts', 'index.d.cts'].map((file) => [
        `packages/${pkg}/dist/${file}`,
        '',
      ]),
    ),
  ),
  ...Object.fromEntries(
    ['index', 'json'].flatMap((name) =>
      ['js', 'cjs', 'd.ts', 'd.cts'].map((ext) => [`packages/serialize/dist/${name}.${ext}`, '']),
    ),
  ),
  'packages/utils/dist/index.js': '//# sourceMappingURL=index.js.map\n',
  'packages/utils/dist/index.js.map': {
    version: 3,
    file: 'index.js',
    sources: ['../src/index.ts'],
    mappings: '',
  },
  'packages/utils/dist/index.d.ts': '',
  'packages/utils/dist/index.d.ts.map': {
    version: 3,
    file: 'index.d.ts',
    sources: ['../src/index.ts'],
    mappings: '',
  },
}

/** The test files, found by a glob as a Vitest config would. */
function findTests(root: string): string[] {
  const isTest = picomatch(TEST_GLOB)
  const found: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else if (isTest(path.relative(root, file).split(path.sep).join('/'))) found.push(file)
    }
  }
  walk(path.join(root, 'packages'))
  return found.sort()
}

/**
 * The tests that reach core's src/keys.ts at run time, by reading the fixture: core's own test of
 * it; every adapter test, through @keystore/test-suite (which imports @keystore/core), through its
 * own import of @keystore/core, or through its adapter's sources (which import @keystore/core).
 */
const REACH_KEYS = [
  'packages/adapter-memory/test/memory.test.ts',
  'packages/adapter-postgres/test/postgres.test.ts',
  'packages/adapter-postgres/test/rows.test.ts',
  'packages/adapter-redis/test/redis.test.ts',
  'packages/adapter-redis/test/sessions.test.ts',
  'packages/core/src/keys.test.ts',
]

describe.each([
  ['unbuilt (a fresh clone)', false],
  ['built', true],
])('examples/keystore, %s', (_, built) => {
  let root: string
  let tests: string[]
  let graph: ImportGraph
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/')
  const select = (changed: string, typeOnly?: 'include') => {
    const file = path.join(root, changed)
    return selectTests({ root, tests, changed: [file], imports: graph.testsReaching([file]), typeOnly })
  }

  beforeAll(async () => {
    root = copyWorkspace(fixtures, KEYSTORE)
    if (built) writeFiles(root, BUILD_OUTPUT)
    tests = findTests(root)
    graph = await createImportGraph({ root, testFiles: tests })
  })

  it('resolves every workspace import', () => {
    expect(tests.map(rel)).toEqual(expect.arrayContaining(REACH_KEYS))
    expect(graph.unresolved().filter((u) => u.specifier.startsWith('@keystore/'))).toEqual([])
    // No build output is crawled as if it were source.
    expect(graph.files().filter((file) => rel(file).includes('/dist/'))).toEqual([])
  })

  it('selects every test that reaches core/src/keys.ts, through @keystore/core build output', () => {
    const { tests: selected, rebuild } = select('packages/core/src/keys.ts')
    expect(selected.map(({ test }) => rel(test))).toEqual(REACH_KEYS)
    // Core's own test imports keys.ts directly; every other one comes through core's build output.
    for (const { test, reasons } of selected) {
      const [first] = reasons
      expect(first?.type === 'import' ? (first.viaBuildOutput?.name ?? null) : first).toBe(
        rel(test).startsWith('packages/core/') ? null : '@keystore/core',
      )
    }
    expect(rebuild.map((pkg) => pkg.name)).toEqual(['@keystore/core'])
  })

  it('links both routes: an adapter test’s own import of @keystore/core, and @keystore/test-suite’s', () => {
    const intoCore = (file: string) =>
      graph
        .dependenciesOf(path.join(root, file))
        .filter((edge) => edge.buildOutput?.package.name === '@keystore/core')
        .map((edge) => `${edge.specifier} → ${rel(edge.buildOutput!.output)} → ${rel(edge.to)}`)
    const expected = ['@keystore/core → packages/core/dist/index.mjs → packages/core/src/index.ts']
    expect(intoCore('packages/adapter-memory/test/memory.test.ts')).toEqual(expected)
    expect(intoCore('packages/test-suite/src/store-suite.ts')).toEqual(expected)
    const reached = graph
      .reach(path.join(root, 'packages/adapter-redis/test/redis.test.ts'))
      .map((r) => rel(r.file))
    expect(reached).toEqual(
      expect.arrayContaining(['packages/test-suite/src/store-suite.ts', 'packages/core/src/keys.ts']),
    )
  })

  it('maps tsup’s ./json subpath and tsc’s main to their sources', () => {
    expect(select('packages/serialize/src/json.ts').rebuild.map((pkg) => pkg.name)).toEqual([
      '@keystore/serialize',
    ])
    const sessions = select('packages/serialize/src/json.ts').tests.find((t) =>
      rel(t.test).endsWith('adapter-redis/test/sessions.test.ts'),
    )
    expect(sessions?.reasons[0]).toMatchObject({
      type: 'import',
      viaBuildOutput: { name: '@keystore/serialize' },
    })
    const utils = graph.buildOutputPackages().find((use) => use.package.name === '@keystore/utils')
    expect([...new Set(utils?.links.map((link) => `${rel(link.output)} → ${rel(link.source)}`))]).toEqual([
      'packages/utils/dist/index.js → packages/utils/src/index.ts',
    ])
    const edge = graph
      .dependenciesOf(path.join(root, 'packages/adapter-redis/test/sessions.test.ts'))
      .find((e) => e.specifier === '@keystore/utils')
    expect(edge?.buildOutput?.mappedBy).toBe('tsconfig')
  })

  it('selects no test for an edit of a module only types reach, unless asked', () => {
    expect(select('packages/core/src/types.ts').tests).toEqual([])
    const withTypes = select('packages/core/src/types.ts', 'include').tests
    expect(withTypes.length).toBeGreaterThan(0)
    expect(withTypes.every(({ reasons }) => reasons.every((r) => r.type === 'import' && r.typeOnly))).toBe(
      true,
    )
  })

  it('plans the builds the tests need', () => {
    if (!built) {
      expect(
        planBuilds(graph, tests).map((b) => `${b.package.name}: ${b.reason.kind} ${rel(b.reason.output)}`),
      ).toEqual([
        // core's store imports @keystore/utils (through its build output): utils first.
        '@keystore/serialize: missing packages/serialize/dist/index.js',
        '@keystore/utils: missing packages/utils/dist/index.js',
        '@keystore/core: missing packages/core/dist/index.mjs',
      ])
      return
    }
    // Outputs newer than every input: nothing to build; then an edit of keys.ts makes core stale.
    const later = new Date(Date.now() + 60_000)
    for (const file of Object.keys(BUILD_OUTPUT)) utimesSync(path.join(root, file), later, later)
    expect(planBuilds(graph, tests)).toEqual([])
    const edit = new Date(Date.now() + 120_000)
    utimesSync(path.join(root, 'packages/core/src/keys.ts'), edit, edit)
    expect(planBuilds(graph, tests).map((b) => ({ name: b.package.name, reason: b.reason }))).toEqual([
      {
        name: '@keystore/core',
        reason: {
          kind: 'stale',
          output: path.join(root, 'packages/core/dist/index.mjs'),
          newer: path.join(root, 'packages/core/src/keys.ts'),
        },
      },
    ])
  })
})
