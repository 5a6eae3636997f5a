import { describe, expect, it } from 'vitest'
import type { ImportSelection } from './import-graph.js'
import { describeReason, type SelectionRule, selectTests } from './select-tests.js'

const ROOT = '/repo'
const TESTS = ['tests/api.test.ts', 'tests/billing.test.ts', 'tests/worker.test.ts']
const LEDGER = {
  name: '@shop/ledger',
  dir: '/repo/packages/ledger',
  hasBuildScript: true,
  dependencies: [],
  configFiles: ['/repo/packages/ledger/package.json'],
}

/** hearth's config as plain rules: a test group's triggers, a service's watch globs and definition, global triggers. */
const RULES: SelectionRule[] = [
  {
    kind: 'group',
    name: 'billing',
    globs: ['tests/fixtures/**/*.json', 'db/*.sql'],
    tests: ['tests/billing.test.ts'],
  },
  {
    kind: 'service',
    name: 'api',
    globs: ['apps/api/src/**', 'environments/backend.ts', '!apps/api/src/**/*.md'],
    tests: ['/repo/tests/api.test.ts', 'tests/billing.test.ts'],
  },
  {
    kind: 'global',
    name: 'global',
    globs: ['pnpm-lock.yaml', 'vitest.config.*', 'hearth.config.ts', '.env*'],
    tests: 'all',
  },
]

const select = (
  changed: string[],
  imports: ImportSelection[] = [],
  typeOnly: 'exclude' | 'include' = 'include',
) => selectTests({ root: ROOT, tests: TESTS, changed, imports, rules: RULES, typeOnly })

/** The selection as lines, with every reason in `hearth affected --explain`'s words. */
const explain = (selection: ReturnType<typeof selectTests>) =>
  selection.tests.flatMap(({ test, reasons }) => [
    test.replace(`${ROOT}/`, ''),
    ...reasons.map((reason) => `  ${describeReason(reason, ROOT)}`),
  ])

describe('selectTests', () => {
  it('selects nothing for nothing', () => {
    expect(select([])).toEqual({ tests: [], rebuild: [] })
  })

  it('joins import selections and rule matches, each with its reasons, in a fixed order', () => {
    const imports: ImportSelection[] = [
      {
        test: '/repo/tests/worker.test.ts',
        changed: '/repo/packages/ledger/src/post.ts',
        chain: [
          '/repo/tests/worker.test.ts',
          '/repo/packages/ledger/src/index.ts',
          '/repo/packages/ledger/src/post.ts',
        ],
        typeOnly: false,
        viaBuildOutput: LEDGER,
      },
      {
        test: '/repo/tests/billing.test.ts',
        changed: '/repo/packages/ledger/src/types.ts',
        chain: ['/repo/tests/billing.test.ts', '/repo/packages/ledger/src/types.ts'],
        typeOnly: true,
      },
      {
        test: '/repo/tests/billing.test.ts',
        changed: '/repo/packages/ledger/src/post.ts',
        chain: ['/repo/tests/billing.test.ts', '/repo/packages/ledger/src/post.ts'],
        typeOnly: false,
      },
      {
        test: '/repo/tests/api.test.ts',
        changed: '/repo/packages/ledger/src/gone.ts',
        chain: [
          '/repo/tests/api.test.ts',
          '/repo/packages/ledger/src/index.ts',
          '/repo/packages/ledger/src/gone.ts',
        ],
        typeOnly: false,
        resolution: true,
      },
    ]
    const changed = [
      'packages/ledger/src/post.ts',
      'packages/ledger/src/types.ts',
      'packages/ledger/src/gone.ts',
      'apps/api/src/server.ts',
      'apps/api/src/README.md',
      'tests/fixtures/invoices/one.json',
      'docs/notes.md',
    ]
    const selection = select(changed, imports)
    expect(explain(selection)).toMatchInlineSnapshot(`
      [
        "tests/api.test.ts",
        "  tests/api.test.ts → packages/ledger/src/index.ts → packages/ledger/src/gone.ts (changes how an import resolves)",
        "  apps/api/src/server.ts matches apps/api/src/** (service api)",
        "tests/billing.test.ts",
        "  tests/billing.test.ts → packages/ledger/src/post.ts",
        "  tests/billing.test.ts → packages/ledger/src/types.ts (type-only)",
        "  apps/api/src/server.ts matches apps/api/src/** (service api)",
        "  tests/fixtures/invoices/one.json matches tests/fixtures/**/*.json (group billing)",
        "tests/worker.test.ts",
        "  tests/worker.test.ts → packages/ledger/src/index.ts → packages/ledger/src/post.ts (through the build output of @shop/ledger: rebuild it)",
      ]
    `)
    expect(selection.rebuild).toEqual([LEDGER])
    // Same input, same output, whatever the input order.
    expect(select([...changed].reverse(), [...imports].reverse())).toEqual(selection)
  })

  it('by default, selects no test for a change it reaches only through type-only imports', () => {
    const typesOnly: ImportSelection[] = [
      {
        test: '/repo/tests/billing.test.ts',
        changed: '/repo/packages/ledger/src/types.ts',
        chain: ['/repo/tests/billing.test.ts', '/repo/packages/ledger/src/types.ts'],
        typeOnly: true,
      },
      {
        test: '/repo/tests/worker.test.ts',
        changed: '/repo/packages/ledger/src/types.ts',
        chain: ['/repo/tests/worker.test.ts', '/repo/packages/ledger/src/index.ts'],
        typeOnly: true,
        viaBuildOutput: LEDGER,
      },
    ]
    const input = { root: ROOT, tests: TESTS, changed: ['packages/ledger/src/types.ts'], imports: typesOnly }
    expect(selectTests(input)).toEqual({ tests: [], rebuild: [] })
    expect(selectTests({ ...input, typeOnly: 'exclude' })).toEqual({ tests: [], rebuild: [] })
    // A rule still selects the test; only the type-only reason is left out.
    expect(explain(select(['packages/ledger/src/types.ts', 'db/1.sql'], typesOnly, 'exclude'))).toEqual([
      'tests/billing.test.ts',
      '  db/1.sql matches db/*.sql (group billing)',
    ])
    expect(explain(selectTests({ ...input, typeOnly: 'include' }))).toEqual([
      'tests/billing.test.ts',
      '  tests/billing.test.ts → packages/ledger/src/types.ts (type-only)',
      'tests/worker.test.ts',
      '  tests/worker.test.ts → packages/ledger/src/index.ts (type-only; through the build output of @shop/ledger: rebuild it)',
    ])
  })

  it('selects only among the candidate tests, whatever imports and rules reach', () => {
    const narrowed = selectTests({
      root: ROOT,
      tests: ['tests/api.test.ts'],
      changed: ['apps/api/src/server.ts', 'pnpm-lock.yaml'],
      imports: [
        {
          test: '/repo/tests/billing.test.ts',
          changed: '/repo/apps/api/src/server.ts',
          chain: [],
          typeOnly: false,
        },
      ],
      rules: RULES,
    })
    expect(narrowed.tests.map((selected) => selected.test)).toEqual(['/repo/tests/api.test.ts'])
  })

  it('matches dot files, and a global trigger selects every test', () => {
    expect(explain(select(['/repo/.env.local']))).toEqual([
      'tests/api.test.ts',
      '  .env.local matches .env* (global global)',
      'tests/billing.test.ts',
      '  .env.local matches .env* (global global)',
      'tests/worker.test.ts',
      '  .env.local matches .env* (global global)',
    ])
  })

  it('names the glob that matched and ignores files outside the root', () => {
    const selection = select(['environments/backend.ts', '/elsewhere/pnpm-lock.yaml', '../repo2/db/1.sql'])
    expect(selection.tests.flatMap((t) => t.reasons)).toEqual([
      {
        type: 'rule',
        rule: { kind: 'service', name: 'api' },
        glob: 'environments/backend.ts',
        changed: '/repo/environments/backend.ts',
      },
      {
        type: 'rule',
        rule: { kind: 'service', name: 'api' },
        glob: 'environments/backend.ts',
        changed: '/repo/environments/backend.ts',
      },
    ])
    expect(selection.tests.map((t) => t.test)).toEqual([
      '/repo/tests/api.test.ts',
      '/repo/tests/billing.test.ts',
    ])
  })
})
