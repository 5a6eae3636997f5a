import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { hearth, repoRoot } from './helpers.js'

/**
 * Affected selection on the demo: editing each file selects exactly the expected test files, each
 * for the expected reasons. (The demo is read in place: `affected` starts and writes nothing.)
 */
const demo = path.join(repoRoot, 'examples/demo')

interface Affected {
  changed: string[]
  tests: Array<{
    path: string
    reasons: Array<{
      kind: string
      rule?: string
      name?: string
      chain?: string[]
      viaBuildOutput?: string | null
    }>
  }>
  rebuild: Array<{ name: string }>
}

const affected = async (file: string): Promise<Affected> => {
  const result = await hearth(['affected', '--json', file], demo)
  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  return JSON.parse(result.stdout) as Affected
}

/** A reason, briefly: `import:<chain>` or `rule:<kind>:<name>`. */
const brief = (reason: Affected['tests'][number]['reasons'][number]): string =>
  reason.kind === 'import'
    ? `import:${reason.chain?.join(' > ')}${reason.viaBuildOutput ? ` [${reason.viaBuildOutput}]` : ''}`
    : `rule:${reason.rule}:${reason.name}`

const INVOICE = 'packages/shared/src/invoice.test.ts'
const API = 'tests/invoices.test.ts'
const WORKER = 'tests/worker.test.ts'

const table: Array<{ edit: string; expected: Record<string, string[]>; rebuild?: string[] }> = [
  {
    edit: 'packages/format/src/money.ts',
    expected: {
      [INVOICE]: [
        'import:packages/shared/src/invoice.test.ts > packages/shared/src/index.ts > packages/format/src/index.ts > packages/format/src/money.ts [@demo/format]',
      ],
      [API]: ['rule:service:backend/api', 'rule:service:backend/worker'],
      [WORKER]: ['rule:service:backend/api', 'rule:service:backend/worker'],
    },
    rebuild: ['@demo/format'],
  },
  {
    edit: 'packages/shared/src/invoice.ts',
    expected: {
      [INVOICE]: ['import:packages/shared/src/invoice.test.ts > packages/shared/src/invoice.ts'],
      [API]: ['rule:service:backend/api', 'rule:service:backend/worker'],
      [WORKER]: ['rule:service:backend/api', 'rule:service:backend/worker'],
    },
  },
  {
    edit: 'apps/api/src/server.ts',
    expected: { [API]: ['rule:service:backend/api'], [WORKER]: ['rule:service:backend/api'] },
  },
  {
    edit: 'apps/worker/src/worker.ts',
    expected: { [API]: ['rule:service:backend/worker'], [WORKER]: ['rule:service:backend/worker'] },
  },
  {
    edit: 'apps/api/migrations/001-invoices.sql',
    expected: { [API]: ['rule:service:backend/migrate'], [WORKER]: ['rule:service:backend/migrate'] },
  },
  {
    edit: 'tests/environment.ts',
    expected: {
      [API]: ['import:tests/invoices.test.ts > tests/environment.ts'],
      [WORKER]: ['import:tests/worker.test.ts > tests/environment.ts'],
    },
  },
  {
    edit: 'environments/backend.ts',
    expected: {
      [API]: [
        'rule:service:backend/api',
        'rule:service:backend/cache',
        'rule:service:backend/db',
        'rule:service:backend/migrate',
        'rule:service:backend/seed',
        'rule:service:backend/worker',
      ],
      [WORKER]: [
        'rule:service:backend/api',
        'rule:service:backend/cache',
        'rule:service:backend/db',
        'rule:service:backend/migrate',
        'rule:service:backend/seed',
        'rule:service:backend/worker',
      ],
    },
  },
  {
    edit: 'hearth.config.ts',
    expected: {
      [INVOICE]: ['rule:global:global'],
      [API]: ['rule:global:global'],
      [WORKER]: ['rule:global:global'],
    },
  },
  {
    // The Vitest config reruns the test files it owns (here the root's: all of them).
    edit: 'vitest.config.ts',
    expected: {
      [INVOICE]: ['rule:config:vitest.config.ts'],
      [API]: ['rule:config:vitest.config.ts'],
      [WORKER]: ['rule:config:vitest.config.ts'],
    },
  },
  { edit: 'README.md', expected: {} },
]

describe('hearth affected on the demo', () => {
  it.each(table)(
    'editing $edit selects exactly the expected tests, for the expected reasons',
    async ({ edit, expected, rebuild = [] }) => {
      const result = await affected(edit)
      expect(result.changed).toEqual([edit])
      const selected = Object.fromEntries(
        result.tests.map((test) => [test.path, test.reasons.map(brief).sort()]),
      )
      expect(selected).toEqual(
        Object.fromEntries(Object.entries(expected).map(([test, reasons]) => [test, [...reasons].sort()])),
      )
      expect(result.rebuild.map((pkg) => pkg.name)).toEqual(rebuild)
    },
  )

  it('explains in words', async () => {
    const result = await hearth(['affected', '--explain', 'packages/format/src/money.ts'], demo)
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      '3 of 3 test files affected by the given files (1 changed)',
      '  packages/shared/src/invoice.test.ts',
      '    because it imports packages/format/src/money.ts via packages/shared/src/index.ts → packages/format/src/index.ts (@demo/format is used through its build output)',
    ])
  })
})
