import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  type Action,
  createHearthStore,
  type HearthStore,
  type InstanceSummary,
  initialState,
  type SelectionReason,
  type ServiceKey,
  type TestFileOutcome,
} from '@hearth/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configOf } from '../../../../packages/core/src/testing/fixtures.js'
import {
  attachGithubReporter,
  escapeData,
  escapeProperty,
  formatAnnotations,
  formatJobSummary,
  isGithubActions,
} from './github-reporter.js'

/** The project is a folder of the repository GitHub checked out: annotations name repository paths. */
const WORKSPACE = '/repo'
const ROOT = '/repo/shop'
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 0)

const instance = (service: string, reused: boolean, driver = 'docker'): InstanceSummary => ({
  id: `${service}-1`,
  driver,
  host: '127.0.0.1',
  ports: {},
  specHash: 'abc',
  createdAt: T0 - 60_000,
  reused,
})

/** The services of `backend` getting ready: db attached to, migrate run, api started as a fallback. */
function environmentUp(): Action[] {
  const key = (name: string) => `backend/${name}` as ServiceKey
  return [
    { type: 'environment/up-requested', at: T0, environments: ['backend'] },
    { type: 'service/starting', at: T0 + 10, key: key('db') },
    { type: 'service/started', at: T0 + 20, key: key('db'), instance: instance('db', true) },
    { type: 'service/ready', at: T0 + 50, key: key('db'), outputs: {} },
    { type: 'service/starting', at: T0 + 50, key: key('migrate') },
    { type: 'service/started', at: T0 + 60, key: key('migrate'), instance: instance('migrate', false) },
    { type: 'service/completed', at: T0 + 300, key: key('migrate'), outputs: {} },
    { type: 'service/fell-back', at: T0 + 300, key: key('api'), reason: 'Docker is not running' },
    { type: 'service/starting', at: T0 + 300, key: key('api') },
    { type: 'service/started', at: T0 + 310, key: key('api'), instance: instance('api', false, 'process') },
    { type: 'service/ready', at: T0 + 1500, key: key('api'), outputs: {} },
  ]
}

/** Everything this session started stops, as `hearth ci` leaves nothing running. */
function environmentDown(): Action[] {
  return ['api', 'migrate', 'db'].flatMap((name, index): Action[] => [
    { type: 'service/stopping', at: T0 + 9000 + index * 10, key: `backend/${name}` },
    { type: 'service/stopped', at: T0 + 9005 + index * 10, key: `backend/${name}` },
  ])
}

type Step = { file: string } & Partial<Omit<TestFileOutcome, 'file'>>

/** A run through core's actions: the first pass, then the retry of what failed. */
function testRun(
  attempts: ReadonlyArray<readonly Step[]>,
  reasons: Record<string, SelectionReason[]>,
): Action[] {
  const files = Object.keys(reasons).sort()
  const actions: Action[] = [
    {
      type: 'tests/discovered',
      at: T0 + 1500,
      files: files.map((file) => ({
        file: `${ROOT}/${file}`,
        path: file,
        group: file.startsWith('tests/') ? 'api' : 'unit',
        environment: file.startsWith('tests/') ? 'backend' : null,
      })),
    },
    {
      type: 'run/requested',
      at: T0 + 1500,
      trigger: 'since',
      files: Object.fromEntries(files.map((file) => [`${ROOT}/${file}`, reasons[file] ?? []])),
    },
    { type: 'run/started', at: T0 + 1500, id: 1 },
    { type: 'run/phase', at: T0 + 1600, id: 1, phase: 'running' },
  ]
  let at = T0 + 1600
  attempts.forEach((steps, index) => {
    if (index > 0)
      actions.push({
        type: 'run/retrying',
        at,
        id: 1,
        attempt: index + 1,
        files: steps.map((s) => `${ROOT}/${s.file}`),
      })
    for (const step of steps) {
      const file = `${ROOT}/${step.file}`
      actions.push({ type: 'run/file-started', at, id: 1, file })
      at += 100
      actions.push({
        type: 'run/file-finished',
        at,
        id: 1,
        outcome: { state: 'passed', durationMs: 100, errors: [], tests: [], ...step, file },
      })
    }
  })
  return actions
}

const REASONS: Record<string, SelectionReason[]> = {
  'src/money.test.ts': [
    {
      kind: 'import',
      changed: 'src/money.ts',
      chain: ['src/money.test.ts', 'src/money.ts'],
      viaBuildOutput: null,
    },
  ],
  'src/broken.test.ts': [
    {
      kind: 'import',
      changed: 'src/money.ts',
      chain: ['src/broken.test.ts', 'src/money.ts'],
      viaBuildOutput: null,
    },
  ],
  'tests/api/orders.test.ts': [
    { kind: 'rule', rule: 'group', name: 'api', glob: 'db/**/*.sql', changed: 'db/migrations/004.sql' },
    { kind: 'restarted', service: 'api' },
  ],
  'tests/api/invoices.test.ts': [{ kind: 'restarted', service: 'api' }],
}

const MONEY: Step = {
  file: 'src/money.test.ts',
  state: 'failed',
  durationMs: 40,
  tests: [
    { name: 'money > adds', state: 'passed', durationMs: 1, errors: [] },
    {
      name: 'money > rounds, at 50%: <half-even> | "banker\'s"',
      state: 'failed',
      durationMs: 2,
      errors: [
        {
          message: 'expected 0.3 to be 0.30000000000000004\n\n- Expected\n+ Received',
          location: { file: `${ROOT}/src/money.test.ts`, line: 14, column: 10 },
        },
      ],
    },
    {
      name: 'money > formats',
      state: 'failed',
      durationMs: 2,
      errors: [
        {
          message: 'format is not a function',
          location: { file: `${ROOT}/src/format.ts`, line: 3, column: 1 },
        },
      ],
    },
  ],
}
const BROKEN: Step = {
  file: 'src/broken.test.ts',
  state: 'failed',
  durationMs: 3,
  errors: [{ message: 'Cannot find module ./missing.js' }],
}

function session(): { store: HearthStore; actions: Action[] } {
  const store = createHearthStore(initialState(T0 - 100))
  store.dispatch({
    type: 'project/loaded',
    at: T0 - 100,
    project: { name: 'shop', id: 'shop-1a2b3c4d', root: ROOT },
    config: configOf({
      name: 'backend',
      services: {
        db: { kind: 'process', command: 'db' },
        migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
        api: { kind: 'process', command: 'api', dependsOn: ['migrate'] },
      },
    }),
  })
  const actions: Action[] = [
    ...environmentUp(),
    ...testRun(
      [
        [
          BROKEN,
          MONEY,
          {
            file: 'tests/api/invoices.test.ts',
            tests: [{ name: 'invoices > create', state: 'passed', durationMs: 5, errors: [] }],
          },
          {
            file: 'tests/api/orders.test.ts',
            state: 'failed',
            tests: [
              { name: 'orders > list', state: 'failed', durationMs: 5, errors: [{ message: 'HTTP 503' }] },
            ],
          },
        ],
        [
          BROKEN,
          MONEY,
          {
            file: 'tests/api/orders.test.ts',
            tests: [{ name: 'orders > list', state: 'passed', durationMs: 5, errors: [] }],
          },
        ],
      ],
      REASONS,
    ),
    { type: 'run/finished', at: T0 + 4000, id: 1, cancelled: false },
    ...environmentDown(),
  ]
  return { store, actions }
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-github-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the GitHub reporter', () => {
  it('annotates every failure and flaky file, and appends a job summary', async () => {
    const { store, actions } = session()
    const summary = path.join(dir, 'step-summary.md')
    await writeFile(summary, '# earlier step\n\n')
    const lines: string[] = []
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: WORKSPACE }
    const reporter = attachGithubReporter({ store, env, write: (line) => lines.push(line) })
    for (const action of actions) store.dispatch(action)
    await reporter.finish(1)
    await reporter.finish(1)

    expect(lines).toMatchInlineSnapshot(`
      [
        "::error file=shop/src/broken.test.ts,line=1,title=src/broken.test.ts failed to run::Cannot find module ./missing.js",
        "::error file=shop/src/money.test.ts,line=14,col=10,title=money > rounds%2C at 50%25%3A <half-even> | "banker's"::expected 0.3 to be 0.30000000000000004%0A%0A- Expected%0A+ Received",
        "::error file=shop/src/format.ts,line=3,col=1,title=money > formats::format is not a function",
        "::warning file=shop/tests/api/orders.test.ts,line=1,title=flaky test file::tests/api/orders.test.ts failed, then passed on attempt 2",
      ]
    `)
    expect(await readFile(summary, 'utf8')).toMatchInlineSnapshot(`
      "# earlier step

      ## ✗ hearth ci · shop

      Exit code 1: tests failed.

      ### Environments

      | environment | status | ready in | services |
      | --- | --- | --- | --- |
      | backend | ✓ ready | 1.50 s | db 40 ms (attached) · migrate 250 ms · api 1.20 s (fallback: process) |

      ### Tests

      Run 1 (affected by the change set) in 2.50 s:

      | | files | tests |
      | --- | ---: | ---: |
      | passed | 2 | 3 |
      | failed | 2 | 2 |
      | skipped | 0 | 0 |
      | flaky | 1 | |
      | total | 4 | 5 |

      #### Failed

      | file | test | message |
      | --- | --- | --- |
      | \`src/broken.test.ts\` | (file) | Cannot find module ./missing.js |
      | \`src/money.test.ts:14\` | money &gt; rounds, at 50%: &lt;half-even&gt; \\| "banker's" | expected 0.3 to be 0.30000000000000004 |
      | \`src/money.test.ts\` | money &gt; formats | format is not a function |

      #### Flaky

      - \`tests/api/orders.test.ts\`: failed, then passed on attempt 2

      #### Why these files ran

      | reason | files |
      | --- | ---: |
      | it imports a changed file (import) | 2 |
      | a changed file matches a trigger (rule) | 1 |
      | a service it uses was restarted (restarted) | 2 |

      "
    `)
  })

  it('annotates the service that failed (not those it blocked) and says the run did not happen', async () => {
    const store = session().store
    const summary = path.join(dir, 'step-summary.md')
    const lines: string[] = []
    const reporter = attachGithubReporter({
      store,
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
      write: (line) => lines.push(line),
    })
    const key = (name: string) => `backend/${name}` as ServiceKey
    const actions: Action[] = [
      { type: 'environment/up-requested', at: T0, environments: ['backend'] },
      { type: 'service/starting', at: T0 + 10, key: key('db') },
      { type: 'service/started', at: T0 + 20, key: key('db'), instance: instance('db', false) },
      { type: 'service/ready', at: T0 + 50, key: key('db'), outputs: {} },
      { type: 'service/starting', at: T0 + 50, key: key('migrate') },
      {
        type: 'service/failed',
        at: T0 + 400,
        key: key('migrate'),
        failure: {
          cause: 'exited with code 3',
          fix: 'see its output below',
          logTail: ['applying 004.sql', 'ERROR: column "total" does not exist'],
          blockedBy: null,
        },
        exitCode: 3,
      },
      {
        type: 'service/failed',
        at: T0 + 400,
        key: key('api'),
        failure: { cause: 'not started: migrate failed', fix: null, logTail: [], blockedBy: key('migrate') },
      },
      ...testRun([], { 'tests/api/orders.test.ts': [{ kind: 'all' }] }).filter(
        (action) => action.type !== 'run/phase',
      ),
      { type: 'run/blocked', at: T0 + 1500, id: 1, block: { kind: 'environment', name: 'backend' } },
      { type: 'run/finished', at: T0 + 1500, id: 1, cancelled: false },
    ]
    for (const action of actions) store.dispatch(action)
    await reporter.finish(3)

    expect(lines).toMatchInlineSnapshot(`
      [
        "::error title=backend/migrate failed::exited with code 3 (see its output below)%0Alast lines of its output:%0Aapplying 004.sql%0AERROR: column "total" does not exist",
      ]
    `)
    expect(await readFile(summary, 'utf8')).toMatchInlineSnapshot(`
      "## ✗ hearth ci · shop

      Exit code 3: an environment could not be made ready.

      ### Environments

      | environment | status | ready in | services |
      | --- | --- | --- | --- |
      | backend | ✗ failed |  | migrate: exited with code 3 |

      ### Tests

      Run 1 (affected by the change set) did not run its 1 test file: environment backend is not ready.

      #### Why these files ran

      | reason | files |
      | --- | ---: |
      | every test runs (all) | 1 |

      "
    `)
  })

  it('writes no summary without GITHUB_STEP_SUMMARY, and warns when it cannot write one', async () => {
    const { store, actions } = session()
    for (const action of actions) store.dispatch(action)
    const quiet: string[] = []
    await attachGithubReporter({ store, env: {}, write: (line) => quiet.push(line) }).finish(1)
    expect(quiet.every((line) => line.startsWith('::error ') || line.startsWith('::warning '))).toBe(true)

    const lines: string[] = []
    await attachGithubReporter({
      store,
      env: { GITHUB_STEP_SUMMARY: path.join(dir, 'missing', 'summary.md') },
      write: (line) => lines.push(line),
    }).finish(1)
    expect(lines.at(-1)).toMatch(
      /^::warning title=hearth::could not write the job summary to .*summary\.md: ENOENT/,
    )
  })

  it('knows a GitHub Actions runner by GITHUB_ACTIONS', () => {
    expect(isGithubActions({ GITHUB_ACTIONS: 'true' })).toBe(true)
    expect(isGithubActions({ CI: 'true' })).toBe(false)
  })
})

describe('formatAnnotations and formatJobSummary', () => {
  it('use paths relative to the project root without a workspace, and what the state shows', () => {
    const { store, actions } = session()
    for (const action of actions.filter((action) => !action.type.startsWith('service/stop')))
      store.dispatch(action)
    const state = store.getState()
    expect(formatAnnotations(state).slice(0, 2)).toMatchInlineSnapshot(`
      [
        "::error file=src/broken.test.ts,line=1,title=src/broken.test.ts failed to run::Cannot find module ./missing.js",
        "::error file=src/money.test.ts,line=14,col=10,title=money > rounds%2C at 50%25%3A <half-even> | "banker's"::expected 0.3 to be 0.30000000000000004%0A%0A- Expected%0A+ Received",
      ]
    `)
    expect(formatJobSummary(state, { exitCode: 1 }).split('\n').slice(0, 10)).toMatchInlineSnapshot(`
      [
        "## ✗ hearth ci · shop",
        "",
        "Exit code 1: tests failed.",
        "",
        "### Environments",
        "",
        "| environment | status | ready in | services |",
        "| --- | --- | --- | --- |",
        "| backend | ✓ ready | 1.50 s | db 40 ms (attached) · migrate 250 ms · api 1.20 s (fallback: process) |",
        "",
      ]
    `)
  })
})

describe('a run kept from running by a package that does not build', () => {
  it('is an error annotation with the build output, and a summary that shows it', () => {
    const { store } = session()
    const reasons: Record<string, SelectionReason[]> = {
      'src/money.test.ts': [
        {
          kind: 'import',
          changed: 'packages/money/src/round.ts',
          chain: ['src/money.test.ts', 'packages/money/src/round.ts'],
          viaBuildOutput: '@shop/money',
        },
      ],
    }
    const actions: Action[] = [
      ...testRun([], reasons).filter((action) => action.type !== 'run/phase'),
      { type: 'run/phase', at: T0 + 1600, id: 1, phase: 'building' },
      {
        type: 'run/blocked',
        at: T0 + 2000,
        id: 1,
        block: {
          kind: 'build',
          name: '@shop/money',
          output: "src/round.ts(3,1): error TS1005: ';' expected.\n",
        },
      },
      { type: 'run/finished', at: T0 + 2000, id: 1, cancelled: false },
    ]
    for (const action of actions) store.dispatch(action)
    const state = store.getState()
    expect(formatAnnotations(state)).toEqual([
      "::error title=@shop/money does not build::src/round.ts(3,1): error TS1005: ';' expected.",
    ])
    expect(formatJobSummary(state, { exitCode: 1 })).toMatchInlineSnapshot(`
      "## ✗ hearth ci · shop

      Exit code 1: tests failed.

      ### Tests

      Run 1 (affected by the change set) did not run its 1 test file: @shop/money does not build.

      \`\`\`
      src/round.ts(3,1): error TS1005: ';' expected.
      \`\`\`

      #### Why these files ran

      | reason | files |
      | --- | ---: |
      | it imports a changed file (import) | 1 |

      "
    `)
  })
})

describe('workflow command escaping', () => {
  it('escapes %, CR and LF in data, and also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b')
    expect(escapeProperty('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext%3A a%2C b')
  })
})
