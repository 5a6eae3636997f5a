import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseCommandArgs, UsageError } from '../args.js'
import type { Io } from '../io.js'
import { displayPath } from '../io.js'
import type { Summary, SummaryFile } from '../reporters/summary.js'
import { serializeSummary } from '../reporters/summary.js'
import { mergeReportsSpec, runMergeReports } from './merge-reports.js'

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 0)
const AT = new Date(Date.UTC(2025, 0, 3))

function summaryOf(
  shard: { index: number; total: number } | null,
  files: ReadonlyArray<Partial<SummaryFile> & { path: string }>,
  exitCode = 0,
  environments: Summary['environments'] = [],
): Summary {
  const full: SummaryFile[] = files.map((file) => ({
    group: null,
    environment: null,
    state: 'passed',
    durationMs: 100,
    flaky: false,
    tests: [{ name: 'it works', state: 'passed', durationMs: 90 }],
    errors: [],
    ...file,
  }))
  const count = (state: string) => full.filter((file) => file.state === state).length
  const started = T0 + (shard?.index ?? 0) * 1000
  return {
    schema: 'hearth.summary/1',
    version: '0.1.0',
    command: 'ci',
    project: { name: 'demo', id: 'demo-1a2b3c4d' },
    shard: shard === null ? null : { ...shard, plan: '0123456789abcdef' },
    since: null,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(started + 61_000).toISOString(),
    durationMs: 61_000,
    overheadMs: 2_500,
    exitCode,
    counts: {
      files: full.length,
      tests: full.reduce((sum, file) => sum + file.tests.length, 0),
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      flaky: full.filter((file) => file.flaky).length,
    },
    files: full,
    environments,
  }
}

const SHARD_1 = summaryOf(
  { index: 1, total: 2 },
  [
    {
      path: 'tests/api/orders.test.ts',
      environment: 'backend',
      state: 'failed',
      durationMs: 2500,
      tests: [
        { name: 'orders > lists', state: 'failed', durationMs: 12 },
        { name: 'orders > adds', state: 'passed', durationMs: 8 },
      ],
      errors: [{ test: 'orders > lists', message: 'expected 200, got 503' }],
    },
    { path: 'src/a.test.ts', durationMs: 300, flaky: true },
  ],
  1,
  [{ name: 'backend', status: 'stopped', startMs: 4200, reused: false }],
)
const SHARD_2 = summaryOf(
  { index: 2, total: 2 },
  [
    { path: 'src/b.test.ts', state: 'skipped', durationMs: 0, tests: [] },
    { path: 'tests/api/users.test.ts', environment: 'backend', durationMs: 1800 },
  ],
  0,
  [{ name: 'backend', status: 'stopped', startMs: null, reused: true }],
)

function captureIo(): { io: Io; out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    io: {
      stdout: { write: (text: string) => (out += text), isTTY: false },
      stderr: { write: (text: string) => (err += text), isTTY: false },
      env: {},
      onSignal: () => () => undefined,
    },
    out: () => out,
    err: () => err,
  }
}

describe('hearth merge-reports', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hearth-merge-reports-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function report(relative: string, summary: Summary, files: Record<string, string> = {}) {
    const at = path.join(dir, relative)
    await mkdir(at, { recursive: true })
    await writeFile(path.join(at, 'summary.json'), serializeSummary(summary))
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(at, name), text)
  }

  async function run(...argv: string[]) {
    const { io, out, err } = captureIo()
    const code = await runMergeReports(
      parseCommandArgs(mergeReportsSpec, [...argv, '-C', dir]),
      io,
      undefined,
      {
        now: () => AT,
      },
    )
    const shown = displayPath(dir)
    return { code, out: out().split(shown).join('<dir>'), err: err() }
  }

  it('prints the shards, the failures and the totals; writes the merged files; exits as the whole run would', async () => {
    await writeFile(path.join(dir, 'hearth.config.ts'), 'export default {}\n')
    await report('artifacts/shard-2', SHARD_2, { 'events.ndjson': '{"shard":2}\n' })
    await report('artifacts/shard-1', SHARD_1, { 'events.ndjson': '{"shard":1}\n' })
    const { code, out } = await run('artifacts')
    expect(code).toBe(1)
    expect(out).toMatchInlineSnapshot(`
      "hearth merge-reports · demo · 2 shards of plan 0123456789abcdef
        shard 1/2  2 files  1 passed  1 failed  1m 01s  exit 1  artifacts/shard-1
        shard 2/2  2 files  1 passed  0 failed  1m 01s  exit 0  artifacts/shard-2

      ✗ tests/api/orders.test.ts › orders > lists: expected 200, got 503  (shard 1)

      ✗ 1 failed, 2 passed, 1 skipped, 1 flaky in 1m 02s (4 files, 4 tests) · exit 1
      merged reports: <dir>/.hearth/reports/merged/summary.json, <dir>/.hearth/reports/merged/events.ndjson
      timing history: <dir>/.hearth/timings.json (3 files, 1 environment start-up)
      "
    `)
    const merged = path.join(dir, '.hearth/reports/merged')
    expect((await readdir(merged)).sort()).toEqual(['events.ndjson', 'summary.json'])
    expect(await readFile(path.join(merged, 'events.ndjson'), 'utf8')).toBe('{"shard":1}\n{"shard":2}\n')
    expect(JSON.parse(await readFile(path.join(dir, '.hearth/timings.json'), 'utf8'))).toEqual({
      format: 1,
      files: {
        'src/a.test.ts': { estimateMs: 300, lastMs: 300, samples: 1, updatedAt: AT.toISOString() },
        'tests/api/orders.test.ts': {
          estimateMs: 2500,
          lastMs: 2500,
          samples: 1,
          updatedAt: AT.toISOString(),
        },
        'tests/api/users.test.ts': {
          estimateMs: 1800,
          lastMs: 1800,
          samples: 1,
          updatedAt: AT.toISOString(),
        },
      },
      environments: { backend: { estimateMs: 4200, lastMs: 4200, samples: 1, updatedAt: AT.toISOString() } },
      // Each shard's fixed cost, one sample a shard.
      overhead: { estimateMs: 2500, lastMs: 2500, samples: 2, updatedAt: AT.toISOString() },
    })
    // The state folder it created is ignored by git, as every hearth command leaves it.
    expect(existsSync(path.join(dir, '.hearth/.gitignore'))).toBe(true)

    // Merged again (the merged folder now sits under .hearth/reports, not among the artifacts): the
    // history learns a second sample.
    await run('artifacts')
    const history = JSON.parse(await readFile(path.join(dir, '.hearth/timings.json'), 'utf8'))
    expect(history.files['src/a.test.ts'].samples).toBe(2)
  })

  it('outside a project: writes to ./hearth-merged and leaves the timing history alone; a corrupt history is empty', async () => {
    await report('reports/shard-1', SHARD_1)
    await report('reports/shard-2', SHARD_2)
    const { code, out } = await run('reports/shard-2', 'reports/shard-1', '--reporter', 'json')
    expect(code).toBe(1)
    expect(JSON.parse(out)).toEqual(
      JSON.parse(await readFile(path.join(dir, 'hearth-merged/summary.json'), 'utf8')),
    )
    expect(existsSync(path.join(dir, '.hearth'))).toBe(false)

    await writeFile(path.join(dir, 'hearth.config.ts'), 'export default {}\n')
    await mkdir(path.join(dir, '.hearth'))
    await writeFile(path.join(dir, '.hearth/timings.json'), '{"format": 1, "files": ')
    const again = await run('reports', '--output', 'out')
    expect(again.code).toBe(1)
    expect(existsSync(path.join(dir, 'out/summary.json'))).toBe(true)
    const history = JSON.parse(await readFile(path.join(dir, '.hearth/timings.json'), 'utf8'))
    expect(Object.keys(history.files)).toEqual([
      'src/a.test.ts',
      'tests/api/orders.test.ts',
      'tests/api/users.test.ts',
    ])
  })

  it('exits 2 naming a missing shard, before writing anything', async () => {
    await writeFile(path.join(dir, 'hearth.config.ts'), 'export default {}\n')
    await report('reports/shard-2', SHARD_2)
    const error = await run('reports').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toBe('shard 1 of 2 is missing (found shard 2: reports/shard-2)')
    expect((error as UsageError).fix).toContain('`if: always()`')
    expect(existsSync(path.join(dir, '.hearth'))).toBe(false)
  })

  it('refuses a reporter it does not have', async () => {
    await expect(run('reports', '--reporter', 'junit')).rejects.toThrow(
      'unknown reporter "junit" (hearth merge-reports)',
    )
  })

  it('loads neither Vitest, nor a driver, nor the TUI', () => {
    const src = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
    const seen = new Set<string>()
    const bare = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(file, 'utf8')
      const imports = [
        ...text.matchAll(/^import\s+(?!type\b)[^'"]*['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ]
      for (const [, specifier] of imports) {
        if (specifier === undefined) continue
        if (specifier.startsWith('.'))
          visit(path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'))
        else bare.add(specifier)
      }
    }
    visit(path.join(src, 'commands/merge-reports.ts'))
    const files = [...seen].map((file) => path.relative(src, file))
    expect(files).toContain('merge.ts')
    expect(files.filter((file) => file.startsWith('tui/') || /wiring|load-tui/.test(file))).toEqual([])
    const heavy = [
      'vitest',
      'dockerode',
      'execa',
      'ink',
      'react',
      '@hearth/vitest',
      '@hearth/driver-docker',
      '@hearth/driver-process',
    ]
    expect(
      [...bare].filter((name) => heavy.some((prefix) => name === prefix || name.startsWith(`${prefix}/`))),
    ).toEqual([])
  })
})
