import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  type Action,
  createHearthStore,
  type HearthState,
  type InstanceSummary,
  initialState,
  type ServiceKey,
  type TestFileOutcome,
} from '@hearth/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configOf } from '../../../../packages/core/src/testing/fixtures.js'
import { parseSummary, renderSummary, type Summary, serializeSummary, writeSummary } from './summary.js'

const ROOT = '/project'
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 0)
const OPTIONS = {
  exitCode: 1,
  shard: { index: 2, total: 4, plan: '0123456789abcdef' },
  since: 'origin/main',
  version: '0.1.0',
  command: 'ci',
}

function instance(id: string, reused = false): InstanceSummary {
  return { id, driver: 'fake', host: '127.0.0.1', ports: {}, specHash: 'h', createdAt: T0, reused }
}

/** Starts a service through the actions the environment controller dispatches. */
function start(
  key: ServiceKey,
  at: number,
  readyAt: number,
  options: { job?: boolean; reused?: boolean } = {},
) {
  return [
    { type: 'service/starting', at, key },
    { type: 'service/started', at: at + 1, key, instance: instance(key, options.reused) },
    options.job === true
      ? { type: 'service/completed', at: readyAt, key, outputs: {} }
      : { type: 'service/ready', at: readyAt, key, outputs: {} },
  ] as Action[]
}

/**
 * A state after one run of `outcomes` (files under tests/ use the backend environment), with the
 * environment actions `environments` dispatched between its start and its files.
 */
function stateAfterRun(
  outcomes: ReadonlyArray<{ file: string } & Partial<Omit<TestFileOutcome, 'file'>>>,
  options: { environments?: Action[]; end?: Action[]; notRun?: string[] } = {},
): HearthState {
  const store = createHearthStore(initialState(T0))
  const files = [...outcomes.map((outcome) => outcome.file), ...(options.notRun ?? [])].sort()
  store.dispatch({
    type: 'project/loaded',
    at: T0,
    project: { name: 'demo', id: 'demo-1a2b3c4d', root: ROOT },
    config: configOf(
      {
        name: 'backend',
        services: {
          db: { kind: 'process', command: 'db' },
          migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
        },
      },
      { name: 'cache', services: { redis: { kind: 'process', command: 'redis' } } },
      { name: 'search', services: { elastic: { kind: 'process', command: 'elastic' } } },
    ),
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
  for (const action of options.environments ?? []) store.dispatch(action)
  let at = T0 + 1000
  for (const step of outcomes) {
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
  for (const action of options.end ?? []) store.dispatch(action)
  store.dispatch({ type: 'run/finished', at: T0 + 2600, id: 1, cancelled: false })
  return store.getState()
}

const BACKEND_COLD: Action[] = [
  { type: 'environment/up-requested', at: T0 + 200, environments: ['backend', 'cache'] },
  ...start('backend/db', T0 + 210, T0 + 400),
  ...start('backend/migrate', T0 + 400, T0 + 690, { job: true }),
  ...start('cache/redis', T0 + 210, T0 + 220, { reused: true }),
]

describe('renderSummary', () => {
  const state = stateAfterRun(
    [
      {
        file: 'src/money.test.ts',
        state: 'failed',
        durationMs: 1234.5,
        tests: [
          { name: 'money > adds', state: 'passed', durationMs: 1.5, errors: [] },
          {
            name: 'money > rounds',
            state: 'failed',
            durationMs: 20,
            errors: [
              {
                message:
                  'expected \u001b[31m0.3\u001b[39m to be 0.30000000000000004\n\n- Expected\n+ Received',
              },
              { message: 'and a second one' },
            ],
          },
          { name: 'money > silent', state: 'failed', durationMs: 2, errors: [] },
          { name: 'money > later', state: 'skipped', durationMs: 0, errors: [] },
        ],
      },
      {
        file: 'src/broken.test.ts',
        state: 'failed',
        durationMs: 3,
        errors: [{ message: 'Cannot find module ./missing.js\n    imported from src/broken.test.ts' }],
      },
      { file: 'src/empty.test.ts', state: 'failed', durationMs: 4 },
      {
        file: 'tests/api/orders.test.ts',
        durationMs: 25,
        tests: [{ name: 'orders > lists them', state: 'passed', durationMs: 11, errors: [] }],
      },
    ],
    { environments: BACKEND_COLD },
  )

  it('summarizes the last run: files by path with their tests and first error lines, the environments used', () => {
    expect(renderSummary(state, OPTIONS)).toMatchInlineSnapshot(`
      {
        "command": "ci",
        "counts": {
          "failed": 3,
          "files": 4,
          "flaky": 0,
          "passed": 1,
          "skipped": 0,
          "tests": 5,
        },
        "durationMs": 2500,
        "environments": [
          {
            "name": "backend",
            "reused": false,
            "startMs": 490,
            "status": "ready",
          },
          {
            "name": "cache",
            "reused": true,
            "startMs": null,
            "status": "ready",
          },
        ],
        "exitCode": 1,
        "files": [
          {
            "durationMs": 3,
            "environment": null,
            "errors": [
              {
                "message": "Cannot find module ./missing.js",
                "test": null,
              },
            ],
            "flaky": false,
            "group": "unit",
            "path": "src/broken.test.ts",
            "state": "failed",
            "tests": [],
          },
          {
            "durationMs": 4,
            "environment": null,
            "errors": [
              {
                "message": "the file failed to run",
                "test": null,
              },
            ],
            "flaky": false,
            "group": "unit",
            "path": "src/empty.test.ts",
            "state": "failed",
            "tests": [],
          },
          {
            "durationMs": 1234.5,
            "environment": null,
            "errors": [
              {
                "message": "expected 0.3 to be 0.30000000000000004",
                "test": "money > rounds",
              },
              {
                "message": "and a second one",
                "test": "money > rounds",
              },
              {
                "message": "failed",
                "test": "money > silent",
              },
            ],
            "flaky": false,
            "group": "unit",
            "path": "src/money.test.ts",
            "state": "failed",
            "tests": [
              {
                "durationMs": 1.5,
                "name": "money > adds",
                "state": "passed",
              },
              {
                "durationMs": 20,
                "name": "money > rounds",
                "state": "failed",
              },
              {
                "durationMs": 2,
                "name": "money > silent",
                "state": "failed",
              },
              {
                "durationMs": 0,
                "name": "money > later",
                "state": "skipped",
              },
            ],
          },
          {
            "durationMs": 25,
            "environment": "backend",
            "errors": [],
            "flaky": false,
            "group": "api",
            "path": "tests/api/orders.test.ts",
            "state": "passed",
            "tests": [
              {
                "durationMs": 11,
                "name": "orders > lists them",
                "state": "passed",
              },
            ],
          },
        ],
        "finishedAt": "2025-01-02T03:04:07.600Z",
        "overheadMs": null,
        "project": {
          "id": "demo-1a2b3c4d",
          "name": "demo",
        },
        "schema": "hearth.summary/1",
        "shard": {
          "index": 2,
          "plan": "0123456789abcdef",
          "total": 4,
        },
        "since": "origin/main",
        "startedAt": "2025-01-02T03:04:05.100Z",
        "version": "0.1.0",
      }
    `)
  })

  it('writes its fields in the order of the schema', () => {
    expect(Object.keys(renderSummary(state, OPTIONS))).toEqual([
      'schema',
      'version',
      'command',
      'project',
      'shard',
      'since',
      'startedAt',
      'finishedAt',
      'durationMs',
      'overheadMs',
      'exitCode',
      'counts',
      'files',
      'environments',
    ])
  })

  it('sorts files by code unit, the same on every machine', () => {
    const sorted = stateAfterRun([
      { file: 'src/b.test.ts' },
      { file: 'src/B.test.ts' },
      { file: 'src/a.test.ts' },
    ])
    expect(renderSummary(sorted, OPTIONS).files.map((file) => file.path)).toEqual([
      'src/B.test.ts',
      'src/a.test.ts',
      'src/b.test.ts',
    ])
  })

  it('reads the environments from the state before their clean-up: a stopped service forgets it was reused', () => {
    const stop = (key: ServiceKey, at: number): Action[] => [
      { type: 'service/stopping', at, key },
      { type: 'service/stopped', at: at + 1, key },
    ]
    const ran = stateAfterRun([{ file: 'tests/api/orders.test.ts' }], { environments: BACKEND_COLD })
    const after = stateAfterRun([{ file: 'tests/api/orders.test.ts' }], {
      environments: BACKEND_COLD,
      end: [
        {
          type: 'environment/down-requested',
          at: T0 + 2000,
          environments: ['backend', 'cache'],
          only: 'all',
        },
        ...stop('backend/migrate', T0 + 2000),
        ...stop('backend/db', T0 + 2010),
        ...stop('cache/redis', T0 + 2020),
      ],
    })
    expect(renderSummary(after, OPTIONS).environments).toEqual([
      { name: 'backend', status: 'stopped', startMs: 490, reused: false },
      { name: 'cache', status: 'stopped', startMs: 220 - 200, reused: false },
    ])
    expect(renderSummary(after, { ...OPTIONS, environmentsFrom: ran }).environments).toEqual([
      { name: 'backend', status: 'ready', startMs: 490, reused: false },
      { name: 'cache', status: 'ready', startMs: null, reused: true },
    ])
  })

  it('reports the files of a blocked run as not run, and why', () => {
    const blocked = stateAfterRun([], {
      notRun: ['tests/api/orders.test.ts'],
      environments: [
        { type: 'environment/up-requested', at: T0 + 200, environments: ['backend'] },
        ...start('backend/db', T0 + 210, T0 + 400),
        {
          type: 'service/failed',
          at: T0 + 500,
          key: 'backend/migrate',
          failure: { cause: 'exited with code 3', fix: null, logTail: [], blockedBy: null },
        },
        { type: 'run/blocked', at: T0 + 500, id: 1, block: { kind: 'environment', name: 'backend' } },
      ],
    })
    const summary = renderSummary(blocked, { ...OPTIONS, exitCode: 3 })
    expect(summary.files).toEqual([
      {
        path: 'tests/api/orders.test.ts',
        group: 'api',
        environment: 'backend',
        state: 'not-run',
        durationMs: null,
        flaky: false,
        tests: [],
        errors: [{ test: null, message: 'not run: environment backend is not ready' }],
      },
    ])
    expect(summary.counts).toEqual({ files: 1, tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 })
    expect(summary.environments).toEqual([
      { name: 'backend', status: 'failed', startMs: null, reused: false },
    ])
  })

  it('counts flaky files, and summarizes a session without a run as empty', () => {
    const flaky = stateAfterRun([{ file: 'src/a.test.ts' }])
    const file = flaky.tests.files[`${ROOT}/src/a.test.ts`]
    const withFlaky: HearthState = {
      ...flaky,
      tests: { ...flaky.tests, files: { [`${ROOT}/src/a.test.ts`]: { ...file!, flaky: true, attempts: 2 } } },
    }
    expect(renderSummary(withFlaky, OPTIONS).counts.flaky).toBe(1)
    expect(renderSummary(withFlaky, OPTIONS).files[0]?.flaky).toBe(true)

    const none = renderSummary(initialState(T0), { ...OPTIONS, exitCode: 2, shard: null, since: null })
    expect(none).toMatchObject({
      project: null,
      shard: null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      exitCode: 2,
      counts: { files: 0, tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 },
      files: [],
      environments: [],
    })
  })
})

describe('parseSummary', () => {
  const summary = renderSummary(
    stateAfterRun(
      [
        {
          file: 'tests/api/orders.test.ts',
          state: 'failed',
          tests: [{ name: 'orders', state: 'failed', durationMs: 3, errors: [{ message: 'boom' }] }],
        },
      ],
      { environments: BACKEND_COLD },
    ),
    OPTIONS,
  )
  const text = serializeSummary(summary)
  const broken = (change: (value: Record<string, unknown>) => void): string => {
    const value = JSON.parse(text) as Record<string, unknown>
    change(value)
    return JSON.stringify(value)
  }
  const problem = (input: string): string => {
    try {
      parseSummary(input, 'reports/shard-2/summary.json')
    } catch (error) {
      return (error as Error).message
    }
    throw new Error('it parsed')
  }

  it('reads what renderSummary wrote, and drops fields it does not know', () => {
    expect(parseSummary(text, 'summary.json')).toEqual(summary)
    expect(
      parseSummary(
        broken((value) => Object.assign(value, { later: 1 })),
        'summary.json',
      ),
    ).toEqual(summary)
  })

  it('names the file and what is wrong', () => {
    expect(problem('{"schema": "hearth.summary/1",')).toMatch(
      /^reports\/shard-2\/summary.json is not JSON \(.+\)$/,
    )
    expect([
      problem('[]'),
      problem(broken((value) => Object.assign(value, { schema: 'hearth.events/1' }))),
      problem(broken((value) => delete value.since)),
      problem(broken((value) => Object.assign(value, { shard: { index: 5, total: 4, plan: null } }))),
      problem(
        broken((value) => {
          const files = value.files as Array<{ tests: Array<Record<string, unknown>> }>
          Object.assign(files[0]?.tests[0] ?? {}, { state: 'exploded' })
        }),
      ),
      problem(broken((value) => Object.assign(value, { exitCode: -1 }))),
      problem(broken((value) => Object.assign(value, { files: [] }))),
      problem(broken((value) => Object.assign(value, { environments: {} }))),
    ]).toMatchInlineSnapshot(`
      [
        "reports/shard-2/summary.json is not a JSON object",
        "reports/shard-2/summary.json: schema is "hearth.events/1", expected "hearth.summary/1" (is it a summary.json that hearth ci wrote?)",
        "reports/shard-2/summary.json: since is missing (null when unknown)",
        "reports/shard-2/summary.json: shard is 5/4: not a shard of a plan",
        "reports/shard-2/summary.json: files[0].tests[0].state is "exploded", expected passed, failed, skipped",
        "reports/shard-2/summary.json: exitCode is -1, expected a whole number",
        "reports/shard-2/summary.json: counts.files is 1, but files lists 0",
        "reports/shard-2/summary.json: environments is {}, expected a list",
      ]
    `)
  })
})

describe('writeSummary', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hearth-summary-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes pretty JSON atomically, creating its folder, leaving no temporary file', async () => {
    const summary: Summary = renderSummary(stateAfterRun([{ file: 'src/a.test.ts' }]), OPTIONS)
    const file = path.join(dir, 'reports', 'summary.json')
    await writeSummary(file, summary)
    expect(await readFile(file, 'utf8')).toBe(`${JSON.stringify(summary, null, 2)}\n`)
    expect(await readdir(path.join(dir, 'reports'))).toEqual(['summary.json'])
  })
})
