import { execFileSync } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyWorkspace, hearth } from './helpers.js'

/**
 * Affected selection on a monorepo laid out as real ones are (examples/keystore): packages linked
 * through tsdown, tsup and tsc build output, a shared test-suite package exporting its sources,
 * per-package Vitest configs. For each edit, the test files that truly run the edited code (worked
 * out by hand from the imports), against what `hearth affected` selects and what `vitest related`
 * selects in each package, as `pnpm -r exec vitest related <file>` would. hearth must find every
 * one (recall 100%) and select no more wrongly than Vitest does.
 */
const K = 'packages/core/src/keys.test.ts'
const J = 'packages/serialize/src/json.test.ts'
const H = 'packages/utils/src/helpers.test.ts'
const M = 'packages/adapter-memory/test/memory.test.ts'
const PP = 'packages/adapter-postgres/test/postgres.test.ts'
const PR = 'packages/adapter-postgres/test/rows.test.ts'
const RR = 'packages/adapter-redis/test/redis.test.ts'
const RS = 'packages/adapter-redis/test/sessions.test.ts'

/** Edited file → the test files that load it at run time. */
const TABLE: ReadonlyArray<[edit: string, expected: readonly string[]]> = [
  // core (tsdown: exports → dist/index.mjs / .cjs), reached through its build output by everyone.
  ['packages/core/src/keys.ts', [K, M, PP, PR, RR, RS]],
  ['packages/core/src/ttl.ts', [M, PP, PR, RR, RS]],
  ['packages/core/src/errors.ts', [K, M, PP, PR, RR, RS]],
  // Only types: Vitest never loads it.
  ['packages/core/src/types.ts', []],
  // serialize (tsup, `.` and `./json` subpath).
  ['packages/serialize/src/json.ts', [J, PP, PR, RS]],
  ['packages/serialize/src/plain.ts', [PP, PR, RR, RS]],
  // utils (tsc, main: dist/index.js, no exports), through its barrel; core's store uses it too,
  // so it is reached through two build outputs (core's, then its own).
  ['packages/utils/src/chunk.ts', [H, M, PP, PR, RR, RS]],
  ['packages/utils/src/glob.ts', [H, M, PP, PR, RR, RS]],
  ['packages/utils/src/time.ts', [M, PP, PR, RR, RS]],
  // The shared test suite, exporting its sources.
  ['packages/test-suite/src/store-suite.ts', [M, PP, RR]],
  // An adapter's own sources.
  ['packages/adapter-redis/src/redis-driver.ts', [RR, RS]],
  ['packages/adapter-postgres/src/sql.ts', [PP, PR]],
  ['packages/adapter-memory/src/memory-driver.ts', [M]],
]

const OWNERS = ['core', 'serialize', 'utils', 'adapter-memory', 'adapter-postgres', 'adapter-redis']

describe('affected selection on examples/keystore', () => {
  const copy = copyWorkspace('keystore')
  afterAll(() => copy.cleanup())

  beforeAll(() => {
    // Vitest follows the imports of what it loads: the build output must exist for it.
    for (const pkg of ['utils', 'core', 'serialize']) {
      execFileSync('npm', ['run', 'build', '--silent'], {
        cwd: path.join(copy.root, 'packages', pkg),
        stdio: 'ignore',
      })
    }
  }, 120_000)

  it('finds every test an edit reaches (recall 100%), as precisely as vitest related or better', async () => {
    const rows: Array<{ edit: string; expected: number; hearth: string; vitest: string }> = []
    let hearthSelected = 0
    let hearthWrong = 0
    let vitestSelected = 0
    let vitestWrong = 0
    const vitest = await openVitestRelated(copy.root)
    for (const [edit, expected] of TABLE) {
      const selected = await hearthAffected(copy.root, edit)
      const related = await vitest.related(edit)
      expect({ edit, selected }).toEqual({ edit, selected: [...expected].sort() })
      hearthSelected += selected.length
      hearthWrong += selected.filter((file) => !expected.includes(file)).length
      vitestSelected += related.length
      vitestWrong += related.filter((file) => !expected.includes(file)).length
      const found = (list: string[]) =>
        `${list.filter((file) => expected.includes(file)).length}/${expected.length}`
      rows.push({ edit, expected: expected.length, hearth: found(selected), vitest: found(related) })
    }
    await vitest.close()
    const precision = (selected: number, wrong: number) =>
      selected === 0 ? 1 : (selected - wrong) / selected
    expect(precision(hearthSelected, hearthWrong)).toBeGreaterThanOrEqual(
      precision(vitestSelected, vitestWrong),
    )
    report(rows, {
      hearth: precision(hearthSelected, hearthWrong),
      vitest: precision(vitestSelected, vitestWrong),
    })
  }, 300_000)
})

async function hearthAffected(root: string, edit: string): Promise<string[]> {
  const result = await hearth(['affected', '--json', edit], root)
  expect(result.exitCode, result.stderr).toBe(0)
  const parsed = JSON.parse(result.stdout) as { tests: Array<{ path: string }> }
  return parsed.tests.map((test) => test.path).sort()
}

/**
 * What `vitest related <edit>` selects in each package that has tests, through Vitest's own API:
 * one instance per package, its `related` files set per edit, asked for the specifications it would
 * run (the call its CLI makes), without running them.
 */
async function openVitestRelated(
  root: string,
): Promise<{ related(edit: string): Promise<string[]>; close(): Promise<void> }> {
  const entry = path.join(root, 'packages/core/node_modules/vitest/dist/node.js')
  const { createVitest } = (await import(pathToFileURL(entry).href)) as typeof import('vitest/node')
  const instances = await Promise.all(
    OWNERS.map((owner) =>
      createVitest(
        'test',
        { root: path.join(root, 'packages', owner), watch: false, reporters: [] },
        {},
        { stdout: devNull(), stderr: devNull() },
      ),
    ),
  )
  type Related = { specifications: { getRelevantTestSpecifications(): Promise<Array<{ moduleId: string }>> } }
  return {
    async related(edit) {
      const selected: string[] = []
      for (const vitest of instances) {
        vitest.config.related = [path.join(root, edit)]
        const specs = await (vitest as unknown as Related).specifications.getRelevantTestSpecifications()
        for (const spec of specs) selected.push(path.relative(root, spec.moduleId).split(path.sep).join('/'))
      }
      return [...new Set(selected)].sort()
    },
    async close() {
      await Promise.all(instances.map((vitest) => vitest.close()))
    },
  }
}

function devNull(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() })
}

/** The table, for the record (HEARTH_REPORT=file appends it there). */
function report(
  rows: Array<Record<string, string | number>>,
  precision: { hearth: number; vitest: number },
): void {
  const lines = [
    'edit | expected | hearth found | vitest related found',
    ...rows.map((row) => `${row.edit} | ${row.expected} | ${row.hearth} | ${row.vitest}`),
    `precision: hearth ${(precision.hearth * 100).toFixed(0)}%, vitest related ${(precision.vitest * 100).toFixed(0)}%`,
  ]
  if (process.env.HEARTH_REPORT) appendFileSync(process.env.HEARTH_REPORT, `${lines.join('\n')}\n`)
}
