import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createHearthStore, type HearthState, initialState, type TestFileOutcome } from '@hearth/core'
import { XMLValidator } from 'fast-xml-parser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configOf } from '../../../packages/core/src/testing/fixtures.js'
import { UsageError } from './args.js'
import {
  combineReports,
  type MergedReports,
  mergeExitCodes,
  mergeJunit,
  mergeReports,
  type ReportFolder,
  writeMergedReports,
} from './merge.js'
import { renderJunit } from './reporters/junit-reporter.js'
import { renderSummary, type Summary, type SummaryFile, serializeSummary } from './reporters/summary.js'

const ROOT = '/project'
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 0)
const PLAN = '0123456789abcdef'

type Step = { file: string } & Partial<Omit<TestFileOutcome, 'file'>>

/**
 * The state after a run of these files through core's reducers: `attempts[0]` is the first pass,
 * `attempts[1]` the retry of some. A shard's state is the same run with only its files.
 */
function stateAfterRun(attempts: ReadonlyArray<readonly Step[]>, only?: readonly string[]): HearthState {
  const keep = (step: Step) => only === undefined || only.includes(step.file)
  const store = createHearthStore(initialState(T0))
  const files = [
    ...new Set(
      attempts
        .flat()
        .filter(keep)
        .map((step) => step.file),
    ),
  ].sort()
  store.dispatch({
    type: 'project/loaded',
    at: T0,
    project: { name: 'demo', id: 'demo-1a2b3c4d', root: ROOT },
    config: configOf({ name: 'backend', services: { db: { kind: 'process', command: 'db' } } }),
  })
  store.dispatch({
    type: 'tests/discovered',
    at: T0,
    files: files.map((file) => ({
      file: `${ROOT}/${file}`,
      path: file,
      group: file.startsWith('tests/') ? 'api' : 'unit',
      environment: file.startsWith('tests/') ? 'backend' : null,
    })),
  })
  store.dispatch({
    type: 'run/requested',
    at: T0,
    trigger: 'all',
    files: Object.fromEntries(files.map((file) => [`${ROOT}/${file}`, [{ kind: 'all' }]])),
  })
  store.dispatch({ type: 'run/started', at: T0 + 100, id: 1 })
  let at = T0 + 200
  attempts.forEach((all, index) => {
    const steps = all.filter(keep)
    if (index > 0 && steps.length > 0)
      store.dispatch({
        type: 'run/retrying',
        at,
        id: 1,
        attempt: index + 1,
        files: steps.map((step) => `${ROOT}/${step.file}`),
      })
    for (const step of steps) {
      const file = `${ROOT}/${step.file}`
      store.dispatch({ type: 'run/file-started', at, id: 1, file })
      at += 100
      const outcome: TestFileOutcome = {
        state: 'passed',
        durationMs: 100,
        errors: [],
        tests: [],
        ...step,
        file,
      }
      store.dispatch({ type: 'run/file-finished', at, id: 1, outcome })
    }
  })
  store.dispatch({ type: 'run/finished', at: at + 100, id: 1, cancelled: false })
  return store.getState()
}

const RUN: ReadonlyArray<readonly Step[]> = [
  [
    {
      file: 'src/money.test.ts',
      state: 'failed',
      durationMs: 1234.5,
      tests: [
        { name: 'money > adds', state: 'passed', durationMs: 1.5, errors: [] },
        {
          name: 'totals <b> & "tax"',
          state: 'failed',
          durationMs: 20,
          errors: [{ message: 'expected 0.3 to be 0.30000000000000004\n- Expected\n+ Received' }],
        },
        { name: 'money > later', state: 'skipped', durationMs: 0, errors: [] },
      ],
    },
    {
      file: 'src/broken.test.ts',
      state: 'failed',
      durationMs: 3,
      errors: [{ message: 'Cannot find module ./missing.js' }],
    },
    {
      file: 'tests/api/orders.test.ts',
      state: 'failed',
      durationMs: 30,
      tests: [{ name: 'orders > lists', state: 'failed', durationMs: 12, errors: [{ message: 'got 503' }] }],
    },
    {
      file: 'tests/api/users.test.ts',
      durationMs: 40,
      tests: [{ name: 'users > create', state: 'passed', durationMs: 30, errors: [] }],
    },
  ],
  [
    {
      file: 'tests/api/orders.test.ts',
      durationMs: 25,
      tests: [{ name: 'orders > lists', state: 'passed', durationMs: 11, errors: [] }],
    },
  ],
]

/** A shard's summary written by hand: the fields a merge reads. */
function summaryOf(
  shard: { index: number; total: number; plan?: string | null } | null,
  files: ReadonlyArray<Partial<SummaryFile> & { path: string }>,
  exitCode = 0,
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
    shard:
      shard === null
        ? null
        : { index: shard.index, total: shard.total, plan: shard.plan === undefined ? PLAN : shard.plan },
    since: null,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(started + 5000).toISOString(),
    durationMs: 5000,
    overheadMs: 1200,
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
    environments: [],
  }
}

function folder(dir: string, summary: Summary, junit: string | null = null, events: string | null = null) {
  return { dir, summary, junit, events } satisfies ReportFolder
}

/** The UsageError a merge throws, as the CLI prints it. */
function usageError(work: () => unknown): { cause: string; fix: string } {
  try {
    work()
  } catch (error) {
    if (error instanceof UsageError) return { cause: error.message, fix: error.fix }
    throw error
  }
  throw new Error('no error')
}

async function usageErrorOf(work: Promise<unknown>): Promise<{ cause: string; fix: string }> {
  try {
    await work
  } catch (error) {
    if (error instanceof UsageError) return { cause: error.message, fix: error.fix }
    throw error
  }
  throw new Error('no error')
}

function withoutRootTime(xml: string): string {
  return xml.replace(/(<testsuites [^>]*?) time="[^"]*"/, '$1')
}

describe('combineReports', () => {
  it('joins the JUnit reports of two disjoint halves of a run into the report of the whole run', () => {
    const whole = stateAfterRun(RUN)
    const halves = [
      ['src/broken.test.ts', 'tests/api/orders.test.ts'],
      ['src/money.test.ts', 'tests/api/users.test.ts'],
    ].map((paths) => stateAfterRun(RUN, paths))
    const merged = mergeJunit(
      halves.map((state, index) => ({ name: `shard-${index + 1}`, xml: renderJunit(state) })),
    )
    expect(XMLValidator.validate(merged)).toBe(true)
    expect(withoutRootTime(merged)).toBe(withoutRootTime(renderJunit(whole)))
    // Each suite is carried over as written: the retry's flaky note and properties too.
    expect(merged).toContain('<system-out>flaky: failed, then passed on attempt 2</system-out>')
    expect(merged).toContain('<testsuites name="hearth" tests="6" failures="1" errors="1" skipped="1" time=')
  })

  it("joins the halves' summaries into the summary of the whole run, each file with its shard", () => {
    const whole = renderSummary(stateAfterRun(RUN), {
      exitCode: 1,
      shard: null,
      since: null,
      version: 'x',
      command: 'ci',
    })
    const reports = [
      ['src/broken.test.ts', 'tests/api/orders.test.ts'],
      ['src/money.test.ts', 'tests/api/users.test.ts'],
    ].map((paths, index) =>
      folder(
        `reports/shard-${index + 1}`,
        renderSummary(stateAfterRun(RUN, paths), {
          exitCode: 1,
          shard: { index: index + 1, total: 2, plan: PLAN },
          since: null,
          version: 'x',
          command: 'ci',
        }),
      ),
    )
    const { summary } = combineReports(reports, { version: '0.1.0' })
    expect(summary.files.map(({ shard, ...file }) => file)).toEqual(whole.files)
    expect(summary.files.map((file) => `${file.shard} ${file.path}`)).toEqual([
      '1 src/broken.test.ts',
      '2 src/money.test.ts',
      '1 tests/api/orders.test.ts',
      '2 tests/api/users.test.ts',
    ])
    expect(summary.counts).toEqual(whole.counts)
  })

  it('merges a complete set in shard order: shards listed, counts summed, environments per shard', () => {
    const shard = (index: number, files: string[], exitCode: number, environments: Summary['environments']) =>
      folder(
        `reports/shard-${index}`,
        {
          ...summaryOf(
            { index, total: 3 },
            files.map((file) => ({ path: file })),
            exitCode,
          ),
          environments,
        },
        null,
        `{"type":"session.start","shard":${index}}\n{"type":"session.end"}`,
      )
    const merged = combineReports(
      [
        shard(3, ['c.test.ts'], 0, []),
        shard(1, ['b.test.ts', 'd.test.ts'], 1, [
          { name: 'backend', status: 'stopped', startMs: 4200, reused: false },
          { name: 'cache', status: 'stopped', startMs: null, reused: true },
        ]),
        shard(2, ['a.test.ts'], 3, [{ name: 'backend', status: 'failed', startMs: null, reused: false }]),
      ],
      { version: '0.2.0' },
    )
    expect(merged.exitCode).toBe(3)
    expect(merged.sharded).toBe(true)
    expect(merged.reports).toEqual([
      { dir: 'reports/shard-1', index: 1 },
      { dir: 'reports/shard-2', index: 2 },
      { dir: 'reports/shard-3', index: 3 },
    ])
    expect(merged.junit).toBeNull()
    expect(merged.notes).toEqual([])
    expect(merged.events).toBe(
      [1, 2, 3]
        .map((index) => `{"type":"session.start","shard":${index}}\n{"type":"session.end"}\n`)
        .join(''),
    )
    const { files, ...rest } = merged.summary
    expect(files.map((file) => `${file.shard} ${file.path}`)).toEqual([
      '2 a.test.ts',
      '1 b.test.ts',
      '3 c.test.ts',
      '1 d.test.ts',
    ])
    expect(rest).toMatchInlineSnapshot(`
      {
        "command": "merge-reports",
        "counts": {
          "failed": 0,
          "files": 4,
          "flaky": 0,
          "passed": 4,
          "skipped": 0,
          "tests": 4,
        },
        "durationMs": 7000,
        "environments": [
          {
            "name": "backend",
            "reused": false,
            "shard": 1,
            "startMs": 4200,
            "status": "stopped",
          },
          {
            "name": "backend",
            "reused": false,
            "shard": 2,
            "startMs": null,
            "status": "failed",
          },
          {
            "name": "cache",
            "reused": true,
            "shard": 1,
            "startMs": null,
            "status": "stopped",
          },
        ],
        "exitCode": 3,
        "finishedAt": "2025-01-02T03:04:13.000Z",
        "overheadMs": null,
        "project": {
          "id": "demo-1a2b3c4d",
          "name": "demo",
        },
        "schema": "hearth.summary/1",
        "shard": null,
        "shards": [
          {
            "durationMs": 5000,
            "exitCode": 1,
            "files": 2,
            "index": 1,
            "overheadMs": 1200,
            "plan": "0123456789abcdef",
            "total": 3,
          },
          {
            "durationMs": 5000,
            "exitCode": 3,
            "files": 1,
            "index": 2,
            "overheadMs": 1200,
            "plan": "0123456789abcdef",
            "total": 3,
          },
          {
            "durationMs": 5000,
            "exitCode": 0,
            "files": 1,
            "index": 3,
            "overheadMs": 1200,
            "plan": "0123456789abcdef",
            "total": 3,
          },
        ],
        "since": null,
        "startedAt": "2025-01-02T03:04:06.000Z",
        "version": "0.2.0",
      }
    `)
  })

  it('names a missing shard, and says to upload every shard even when it fails', () => {
    const error = usageError(() =>
      combineReports(
        [
          folder('reports/shard-1', summaryOf({ index: 1, total: 4 }, [])),
          folder('reports/shard-4', summaryOf({ index: 4, total: 4 }, [])),
        ],
        { version: 'x' },
      ),
    )
    expect(error).toMatchInlineSnapshot(`
      {
        "cause": "shards 2, 3 of 4 are missing (found shards 1, 4: reports/shard-1, reports/shard-4)",
        "fix": "upload each shard's report folder even when its tests fail (GitHub Actions: \`if: always()\` on the upload step; GitLab: \`artifacts: when: always\`), and download all of them before merging",
      }
    `)
  })

  it('refuses shards of different plans or shard counts, a shard twice, a file in two shards, sharded with unsharded', () => {
    const causes = [
      [
        folder('a', summaryOf({ index: 1, total: 2 }, [])),
        folder('b', summaryOf({ index: 2, total: 2, plan: 'fedcba9876543210' }, [])),
      ],
      [
        folder('a', summaryOf({ index: 1, total: 2 }, [])),
        folder('b', summaryOf({ index: 2, total: 3 }, [])),
      ],
      [
        folder('a', summaryOf({ index: 1, total: 2 }, [])),
        folder('b', summaryOf({ index: 1, total: 2 }, [])),
        folder('c', summaryOf({ index: 2, total: 2 }, [])),
      ],
      [
        folder('a', summaryOf({ index: 1, total: 2 }, [{ path: 'src/x.test.ts' }])),
        folder('b', summaryOf({ index: 2, total: 2 }, [{ path: 'src/x.test.ts' }])),
      ],
      [folder('a', summaryOf({ index: 1, total: 1 }, [])), folder('b', summaryOf(null, []))],
      [
        folder('a', summaryOf(null, [{ path: 'src/x.test.ts' }])),
        folder('b', summaryOf(null, [{ path: 'src/x.test.ts' }])),
      ],
      [
        folder('a', summaryOf(null, [])),
        folder('b', { ...summaryOf(null, []), project: { name: 'shop', id: 'shop-1' } }),
      ],
    ].map((reports) => usageError(() => combineReports(reports, { version: 'x' })).cause)
    expect(causes).toMatchInlineSnapshot(`
      [
        "the shards are of different plans: a (shard 1/2) of plan 0123456789abcdef, b (shard 2/2) of plan fedcba9876543210",
        "the shards are of different shard counts: a (shard 1/2), b (shard 2/3)",
        "shard 1/2 is there 2 times: a, b",
        "src/x.test.ts ran in two shards: shard 1 (a) and shard 2 (b)",
        "a (shard 1/1) is a shard, but b is not sharded",
        "src/x.test.ts ran in two reports: a and b",
        "the reports are of different projects: a of demo, b of shop",
      ]
    `)
  })

  it('merges unsharded reports in the order given, without a completeness check; a shard without a plan digest fits any', () => {
    const merged = combineReports(
      [
        folder('api', summaryOf(null, [{ path: 'tests/api.test.ts', state: 'failed' }], 1)),
        folder('web', summaryOf(null, [{ path: 'tests/web.test.ts' }])),
      ],
      { version: 'x' },
    )
    expect(merged.sharded).toBe(false)
    expect(merged.exitCode).toBe(1)
    expect(merged.summary.shards.map((shard) => [shard.index, shard.total, shard.plan])).toEqual([
      [1, 2, null],
      [2, 2, null],
    ])
    expect(merged.summary.counts).toMatchObject({ files: 2, passed: 1, failed: 1 })

    const planless = combineReports(
      [
        folder('a', summaryOf({ index: 1, total: 2, plan: null }, [])),
        folder('b', summaryOf({ index: 2, total: 2 }, [])),
      ],
      { version: 'x' },
    )
    expect(planless.summary.shards.map((shard) => shard.plan)).toEqual([null, PLAN])
  })

  it('merges JUnit only when every shard wrote one, and says which did not', () => {
    const xml = (name: string) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hearth" tests="1" failures="0" errors="0" skipped="0" time="1.000">\n  <testsuite name="${name}" tests="1"/>\n</testsuites>\n`
    const reports = [
      folder('reports/shard-1', summaryOf({ index: 1, total: 2 }, []), xml('b')),
      folder('reports/shard-2', summaryOf({ index: 2, total: 2 }, []), null, '{"a":1}\n'),
    ]
    const partial = combineReports(reports, { version: 'x' })
    expect(partial.junit).toBeNull()
    expect(partial.events).toBe('{"a":1}\n')
    expect(partial.notes).toEqual([
      'no merged junit.xml: shard 2 (reports/shard-2) has none (run every shard with --reporter junit)',
      'events.ndjson has the events of 1 of 2 shards: shard 1 (reports/shard-1) wrote none',
    ])
    const full = combineReports(
      [reports[0] as ReportFolder, { ...(reports[1] as ReportFolder), junit: xml('a') }],
      { version: 'x' },
    )
    expect(full.junit).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hearth" tests="2" failures="0" errors="0" skipped="0" time="2.000">\n  <testsuite name="a" tests="1"/>\n  <testsuite name="b" tests="1"/>\n</testsuites>\n',
    )
    expect(
      usageError(() =>
        combineReports(
          [reports[0] as ReportFolder, { ...(reports[1] as ReportFolder), junit: '<testsuites>' }],
          {
            version: 'x',
          },
        ),
      ).cause,
    ).toBe(
      "reports/shard-2/junit.xml is not a JUnit report hearth wrote: it is not well-formed XML (line 1: Unclosed tag 'testsuites'.)",
    )
  })
})

describe('mergeExitCodes', () => {
  it.each([
    [[], 0],
    [[0, 0], 0],
    [[0, 1], 1],
    [[1, 3], 3],
    [[3, 130], 130],
    [[130, 2], 2],
    [[2, 70], 70],
    [[70, 0, 1, 2, 3, 130], 70],
    [[1, 0, 3, 1], 3],
    [[0, 42], 42],
    [[42, 1], 1],
  ])('%j → %i', (codes, expected) => {
    expect(mergeExitCodes(codes)).toBe(expected)
  })
})

describe('mergeReports (folders)', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hearth-merge-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function report(relative: string, summary: Summary | string, files: Record<string, string> = {}) {
    const at = path.join(dir, relative)
    await mkdir(at, { recursive: true })
    await writeFile(
      path.join(at, 'summary.json'),
      typeof summary === 'string' ? summary : serializeSummary(summary),
    )
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(at, name), text)
  }

  it('finds the shards in the folder CI downloaded the artifacts to, and in folders named one by one', async () => {
    await report('artifacts/shard-2', summaryOf({ index: 2, total: 2 }, [{ path: 'b.test.ts' }], 1))
    await report('artifacts/shard-1', summaryOf({ index: 1, total: 2 }, [{ path: 'a.test.ts' }]))
    await mkdir(path.join(dir, 'artifacts', 'unrelated'))
    const nested = await mergeReports(['artifacts'], { version: 'x', cwd: dir })
    expect(nested.reports).toEqual([
      { dir: 'artifacts/shard-1', index: 1 },
      { dir: 'artifacts/shard-2', index: 2 },
    ])
    expect(nested.exitCode).toBe(1)
    const named = await mergeReports(
      ['artifacts/shard-2', 'artifacts/shard-1/summary.json', 'artifacts/shard-2'],
      {
        version: 'x',
        cwd: dir,
      },
    )
    expect(named.reports).toEqual(nested.reports)
  })

  it('leaves an earlier merge beside the shards out, and refuses one named directly', async () => {
    await report('reports/shard-1', summaryOf({ index: 1, total: 1 }, [{ path: 'a.test.ts' }]))
    const first = await mergeReports(['reports'], {
      version: 'x',
      cwd: dir,
      output: path.join(dir, 'reports/out'),
    })
    await writeMergedReports(path.join(dir, 'reports/merged'), first)
    const again = await mergeReports(['reports'], { version: 'x', cwd: dir })
    expect(again.reports).toEqual([{ dir: 'reports/shard-1', index: 1 }])
    expect((await usageErrorOf(mergeReports(['reports/merged'], { version: 'x', cwd: dir }))).cause).toBe(
      "reports/merged holds a merged report (hearth merge-reports wrote it), not a shard's",
    )
  })

  it('names a corrupt summary.json, a folder without one, and a folder that does not exist', async () => {
    await report('reports/shard-1', summaryOf({ index: 1, total: 2 }, []))
    await report('reports/shard-2', '{"schema": "hearth.summary/1", "version": ')
    expect(await usageErrorOf(mergeReports(['reports'], { version: 'x', cwd: dir }))).toMatchObject({
      cause: expect.stringMatching(/^reports\/shard-2\/summary\.json is not JSON \(/),
      fix: 'the file was cut short or is not one hearth ci wrote: run that shard again',
    })
    await rm(path.join(dir, 'reports/shard-2/summary.json'))
    await writeFile(path.join(dir, 'reports/shard-2/junit.xml'), '<testsuites/>')
    expect((await usageErrorOf(mergeReports(['reports'], { version: 'x', cwd: dir }))).cause).toBe(
      'reports/shard-2 holds junit.xml but no summary.json',
    )
    expect((await usageErrorOf(mergeReports(['nowhere'], { version: 'x', cwd: dir }))).cause).toBe(
      'nowhere does not exist',
    )
    await mkdir(path.join(dir, 'empty'))
    expect((await usageErrorOf(mergeReports(['empty'], { version: 'x', cwd: dir }))).cause).toBe(
      'empty holds no summary.json, nor does any folder in it',
    )
  })

  it('writes the merged files, and removes those an earlier merge left that this one has not', async () => {
    const junit = renderJunit(stateAfterRun(RUN, ['src/broken.test.ts']))
    await report('reports/shard-1', summaryOf({ index: 1, total: 1 }, [{ path: 'src/broken.test.ts' }]), {
      'junit.xml': junit,
      'events.ndjson': '{"type":"session.start"}\n',
    })
    const out = path.join(dir, 'out')
    const merged: MergedReports = await mergeReports(['reports'], { version: 'x', cwd: dir })
    expect(await writeMergedReports(out, merged)).toEqual({
      summary: path.join(out, 'summary.json'),
      junit: path.join(out, 'junit.xml'),
      events: path.join(out, 'events.ndjson'),
    })
    expect((await readdir(out)).sort()).toEqual(['events.ndjson', 'junit.xml', 'summary.json'])
    expect(withoutRootTime(await readFile(path.join(out, 'junit.xml'), 'utf8'))).toBe(withoutRootTime(junit))
    expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'))).toEqual(merged.summary)

    await writeMergedReports(out, { ...merged, junit: null, events: null })
    expect(await readdir(out)).toEqual(['summary.json'])
  })
})
