import { describe, expect, it } from 'vitest'
import { describeBuildReason, describeReason, describeReasonKind, describeReasonShort } from './describe.js'
import type { SelectionReason } from './state.js'

const reasons: SelectionReason[] = [
  {
    kind: 'import',
    changed: 'src/money.ts',
    chain: ['tests/money.test.ts', 'src/money.ts'],
    viaBuildOutput: null,
  },
  {
    kind: 'import',
    changed: 'packages/format/src/money.ts',
    chain: ['tests/invoices.test.ts', 'api/src/invoices.ts', 'packages/format/src/money.ts'],
    viaBuildOutput: '@demo/format',
  },
  { kind: 'rule', rule: 'service', name: 'backend/api', glob: 'api/**', changed: 'api/server.mjs' },
  {
    kind: 'rule',
    rule: 'config',
    name: 'vitest.config.ts',
    glob: 'vitest.config.ts',
    changed: 'vitest.config.ts',
  },
  {
    kind: 'rule',
    rule: 'config',
    name: 'vitest.config.ts',
    glob: 'vitest.shared.ts',
    changed: 'vitest.shared.ts',
  },
  { kind: 'rule', rule: 'global', name: 'global', glob: 'pnpm-lock.yaml', changed: 'pnpm-lock.yaml' },
  { kind: 'restarted', service: 'backend/api' },
  { kind: 'retry', attempt: 2 },
  { kind: 'all' },
]

describe('the reason describers (one set of words for every view)', () => {
  it('says each reason in full and in a few words', () => {
    expect(
      reasons.map((reason) => [describeReasonShort(reason), describeReason(reason)]),
    ).toMatchInlineSnapshot(`
      [
        [
          "imports src/money.ts",
          "it imports src/money.ts",
        ],
        [
          "reaches packages/format/src/money.ts",
          "it imports packages/format/src/money.ts via api/src/invoices.ts (@demo/format is used through its build output)",
        ],
        [
          "service backend/api",
          "api/server.mjs matches api/** (service backend/api)",
        ],
        [
          "config vitest.config.ts",
          "its Vitest config vitest.config.ts changed",
        ],
        [
          "config vitest.config.ts",
          "vitest.shared.ts changed, which its Vitest config vitest.config.ts imports",
        ],
        [
          "pnpm-lock.yaml (global)",
          "pnpm-lock.yaml matches pnpm-lock.yaml (a global trigger)",
        ],
        [
          "backend/api restarted",
          "backend/api was restarted",
        ],
        [
          "retry 2",
          "it failed (retry 2)",
        ],
        [
          "all",
          "every test runs",
        ],
      ]
    `)
  })

  it('names every kind, and why a package is rebuilt', () => {
    expect(describeReasonKind('import')).toBe('it imports a changed file')
    expect(describeReasonKind('retry')).toBe('it failed and runs again')
    expect(describeBuildReason({ kind: 'missing', output: 'dist/index.mjs' })).toBe(
      'dist/index.mjs is missing',
    )
    expect(describeBuildReason({ kind: 'stale', output: 'dist/index.mjs', newer: 'src/keys.ts' })).toBe(
      'src/keys.ts is newer than dist/index.mjs',
    )
  })
})
