import { readFileSync } from 'node:fs'
import {
  createHearthStore,
  createMemoryLocks,
  createMemoryUsageRecords,
  createSession,
  initialState,
  relativePath,
  type SelectionReason,
  type TestFileOutcome,
  type TestRunner,
  type TestRunOptions,
  type TestRunOutcome,
} from '@hearth/core'
import { FakeDriver, FakeRuntime } from '@hearth/driver'
import { type EnvironmentDefinition, ready } from '@hearth/environments'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { configOf } from '../../../../packages/core/src/testing/fixtures.js'
import { hearthEventSchema } from './events-schema.js'
import {
  attachNdjsonReporter,
  formatFailedSession,
  type HearthEvent,
  relativeStack,
  toEvents,
} from './ndjson-reporter.js'

const schema = JSON.parse(
  readFileSync(new URL('../../../../docs/events.schema.json', import.meta.url), 'utf8'),
)
const validate = new Ajv2020({ allErrors: true }).compile(schema)

/**
 * Every line must be one valid event: the schema is the contract, checked line by line, both as
 * published (docs/events.schema.json) and as the zod schemas it is generated from.
 */
function expectValid(lines: readonly string[]): HearthEvent[] {
  return lines.map((line) => {
    const event = JSON.parse(line) as HearthEvent
    if (!validate(event)) {
      throw new Error(`invalid event line:\n${line}\n${JSON.stringify(validate.errors, null, 2)}`)
    }
    const parsed = hearthEventSchema.safeParse(event)
    if (!parsed.success) throw new Error(`invalid event line:\n${line}\n${parsed.error.message}`)
    return event
  })
}

/** One outcome per attempt (the last one repeats); a tiny stand-in for the project's Vitest. */
type Script = ReadonlyArray<Omit<TestFileOutcome, 'file'>>

class ScriptedRunner implements TestRunner {
  private readonly attempts = new Map<string, number>()
  constructor(private readonly scripts: Readonly<Record<string, Script>>) {}

  async listTestFiles(): Promise<string[]> {
    return Object.keys(this.scripts).sort()
  }

  owners() {
    return [{ root: '/project', configFile: null }]
  }

  ownerOf() {
    return this.owners()[0]
  }

  async run(files: readonly string[], options: TestRunOptions): Promise<TestRunOutcome> {
    const outcomes: TestFileOutcome[] = []
    for (const file of files) {
      options.onEvent?.({ type: 'file-started', file })
      const attempt = this.attempts.get(file) ?? 0
      this.attempts.set(file, attempt + 1)
      const script = this.scripts[file] ?? []
      const step = script[Math.min(attempt, script.length - 1)]
      if (step === undefined) throw new Error(`no script for ${file}`)
      const outcome = { file, ...step }
      for (const test of outcome.tests) options.onEvent?.({ type: 'test-finished', file, test })
      outcomes.push(outcome)
    }
    return { files: outcomes, durationMs: 0, cancelled: false }
  }

  invalidate(): void {}
  async close(): Promise<void> {}
}

const ROOT = '/project'
const BACKEND = {
  name: 'backend',
  services: {
    db: {
      kind: 'container',
      image: 'postgres:16-alpine',
      ports: { pg: 5432 },
      outputs: { url: 'postgres://app@{{host}}:{{ports.pg}}/app' },
      reset: { type: 'exec', command: 'reset-db' },
      fallback: {
        kind: 'process',
        command: 'embedded-postgres',
        ports: { pg: { env: 'PGPORT' } },
        outputs: { url: 'postgres://app@{{host}}:{{ports.pg}}/app' },
        reset: { type: 'exec', command: 'reset-db' },
      },
    },
    migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
    api: {
      kind: 'process',
      command: 'api',
      dependsOn: ['migrate'],
      ports: { http: {} },
      readiness: ready.http('http', '/health', { timeoutMs: 200, intervalMs: 50 }),
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    },
  },
} as const satisfies EnvironmentDefinition

const noDocker = {
  code: 'runtime-unavailable' as const,
  message: 'Docker is not running (no /var/run/docker.sock)',
  fix: 'start dockerd',
}

const passed = (name: string, durationMs = 5) => ({ name, state: 'passed' as const, durationMs, errors: [] })

const SCRIPTS: Record<string, Script> = {
  [`${ROOT}/tests/api/invoices.test.ts`]: [
    {
      state: 'passed',
      durationMs: 40,
      errors: [],
      tests: [
        passed('invoices > creates one'),
        { name: 'invoices > totals <b> & "tax"', state: 'skipped', durationMs: 0, errors: [] },
      ],
    },
  ],
  [`${ROOT}/tests/api/orders.test.ts`]: [
    {
      state: 'failed',
      durationMs: 30,
      errors: [],
      tests: [
        {
          name: 'orders > lists them',
          state: 'failed',
          durationMs: 12,
          errors: [
            {
              message: 'expected 200, got 503',
              stack: `Error: expected 200, got 503\n    at file://${ROOT}/tests/api/orders.test.ts:9:5`,
              location: { file: `${ROOT}/tests/api/orders.test.ts`, line: 9, column: 5 },
            },
          ],
        },
      ],
    },
    { state: 'passed', durationMs: 25, errors: [], tests: [passed('orders > lists them', 11)] },
  ],
  [`${ROOT}/src/money.test.ts`]: [
    {
      state: 'failed',
      durationMs: 8,
      errors: [],
      tests: [
        passed('money > adds', 1),
        {
          name: 'money > rounds',
          state: 'failed',
          durationMs: 2,
          errors: [
            {
              message: 'expected 0.3 to be 0.30000000000000004',
              location: { file: `${ROOT}/src/money.ts`, line: 14, column: 10 },
            },
          ],
        },
      ],
    },
  ],
  [`${ROOT}/src/broken.test.ts`]: [
    {
      state: 'failed',
      durationMs: 3,
      errors: [
        {
          message: 'Cannot find module ./missing.js',
          stack: `Error: Cannot find module\n    at ${ROOT}/src/broken.test.ts:1:1`,
        },
      ],
      tests: [],
    },
  ],
}

const REASONS: Record<string, SelectionReason[]> = {
  [`${ROOT}/tests/api/invoices.test.ts`]: [
    {
      kind: 'import',
      changed: 'packages/billing/src/invoice.ts',
      chain: ['tests/api/invoices.test.ts', 'apps/api/src/routes.ts', 'packages/billing/src/invoice.ts'],
      viaBuildOutput: null,
    },
  ],
  [`${ROOT}/tests/api/orders.test.ts`]: [
    { kind: 'rule', rule: 'group', name: 'api', glob: 'db/**/*.sql', changed: 'db/migrations/004.sql' },
  ],
  [`${ROOT}/src/money.test.ts`]: [
    {
      kind: 'import',
      changed: 'packages/money/src/round.ts',
      chain: ['src/money.test.ts', 'packages/money/src/round.ts'],
      viaBuildOutput: '@demo/money',
    },
  ],
  [`${ROOT}/src/broken.test.ts`]: [{ kind: 'all' }],
}

function openSession(driverBehaviour?: (processes: FakeDriver) => void) {
  const runtime = new FakeRuntime()
  const isContainer = (service: { kind: string }) => service.kind === 'container'
  const docker = new FakeDriver({ runtime, name: 'docker', supports: isContainer, checkError: noDocker })
  const processes = new FakeDriver({ runtime, name: 'process', supports: (service) => !isContainer(service) })
  driverBehaviour?.(processes)
  const base = configOf(BACKEND)
  const config = {
    ...base,
    tests: [
      { name: 'api', include: ['tests/api/**'], exclude: [], environment: 'backend', triggers: [] },
      { name: 'unit', include: ['src/**'], exclude: [], environment: null, triggers: [] },
    ],
  }
  return createSession({
    config,
    drivers: [docker, processes],
    version: 'test',
    usage: createMemoryUsageRecords(),
    locks: createMemoryLocks(),
    tests: {
      runner: new ScriptedRunner(SCRIPTS),
      retries: 1,
      builder: {
        plan: async () => [
          {
            name: '@demo/format',
            dir: '/project/packages/format',
            hasBuildScript: true,
            outputs: [],
            reason: {
              kind: 'stale',
              output: 'packages/format/dist/index.mjs',
              newer: 'packages/format/src/money.ts',
            },
          },
        ],
        command: async () => 'pnpm run build (in packages/format)',
        build: async () => ({ ok: true, output: '' }),
      },
    },
  })
}

/**
 * The event as its line, with what varies from run to run (times, durations, ports, instance
 * ids) replaced by placeholders; `JSON.stringify` keeps the field order, which is part of the
 * contract. Indented when `pretty`, for the long ones.
 */
function normalize(event: HearthEvent, pretty = false): string {
  return JSON.stringify(
    event,
    (key, value) => {
      if (key === 'time') return '<time>'
      if (key === 'durationMs' && typeof value === 'number') return '<ms>'
      if (key === 'id' && typeof value === 'string') return '<id>'
      if (/^(pg|http)$|Port$/.test(key)) return '<port>'
      if (typeof value === 'string') return value.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
      return value
    },
    pretty ? 2 : undefined,
  )
}

describe('the NDJSON reporter', () => {
  it('streams a whole ci session as valid hearth.events/1 lines', async () => {
    const session = openSession()
    const lines: string[] = []
    const reporter = attachNdjsonReporter({
      store: session.store,
      write: (line) => lines.push(line),
      command: 'ci',
      version: '0.1.0',
    })
    await session.discoverTests()
    await session.runTests('since', REASONS)
    await session.down(undefined, { only: 'started' })
    await session.close()
    reporter.finish(session.exitCode())

    // Services' output comes in batches (its place among the other events depends on timing):
    // its own tests are below.
    const events: HearthEvent[] = expectValid(lines).filter((event) => event.type !== 'log')
    expect(lines.every((line) => !line.includes('\n'))).toBe(true)
    expect(
      events.map((event) => {
        if (event.type === 'service.state') return `${event.type} ${event.service} ${event.state}`
        if (event.type === 'file.result') return `${event.type} ${event.path} ${event.state}`
        if (event.type === 'run.phase') return `${event.type} ${event.phase}`
        return event.type
      }),
    ).toMatchInlineSnapshot(`
      [
        "session.start",
        "run.start",
        "build.plan",
        "run.phase building",
        "build.start",
        "build.end",
        "service.state db starting",
        "service.state db fell-back",
        "service.state db running",
        "service.state db ready",
        "service.state migrate starting",
        "service.state migrate running",
        "service.state migrate completed",
        "service.state api starting",
        "service.state api running",
        "service.state api ready",
        "run.phase resetting",
        "service.state db reset",
        "run.phase running",
        "file.result src/broken.test.ts failed",
        "file.result src/money.test.ts failed",
        "file.result tests/api/invoices.test.ts passed",
        "file.result tests/api/orders.test.ts failed",
        "run.retry",
        "file.result src/broken.test.ts failed",
        "file.result src/money.test.ts failed",
        "file.result tests/api/orders.test.ts passed",
        "run.end",
        "service.state api stopping",
        "service.state api stopped",
        "service.state migrate stopping",
        "service.state migrate stopped",
        "service.state db stopping",
        "service.state db stopped",
        "session.end",
      ]
    `)

    // Every line carries the version and a time that comes from the action.
    for (const event of events) {
      expect(event.schema).toBe('hearth.events/1')
      expect(Number.isNaN(Date.parse(event.time))).toBe(false)
    }
    const byType = <T extends HearthEvent['type']>(type: T) =>
      events.filter((event): event is Extract<HearthEvent, { type: T }> => event.type === type)

    expect(normalize(byType('session.start')[0]!)).toMatchInlineSnapshot(
      `"{"schema":"hearth.events/1","type":"session.start","time":"<time>","project":{"name":"demo","id":"<id>","root":"/project"},"command":"ci","version":"0.1.0","shard":null}"`,
    )
    const db = byType('service.state').filter((event) => event.service === 'db')
    expect(normalize(db.find((event) => event.state === 'ready')!)).toMatchInlineSnapshot(
      `"{"schema":"hearth.events/1","type":"service.state","time":"<time>","environment":"backend","service":"db","kind":"container","state":"ready","durationMs":"<ms>","instance":{"id":"<id>","driver":"process","reused":false,"ports":{"pg":"<port>"}},"outputs":{"host":"127.0.0.1","pgPort":"<port>","url":"postgres://app@127.0.0.1:<port>/app"}}"`,
    )
    expect(normalize(db.find((event) => event.state === 'fell-back')!)).toMatchInlineSnapshot(
      `"{"schema":"hearth.events/1","type":"service.state","time":"<time>","environment":"backend","service":"db","kind":"container","state":"fell-back","durationMs":null,"instance":null,"reason":"Docker is not running (no /var/run/docker.sock)"}"`,
    )
    expect(normalize(byType('run.start')[0]!, true)).toMatchInlineSnapshot(`
      "{
        "schema": "hearth.events/1",
        "type": "run.start",
        "time": "<time>",
        "run": 1,
        "trigger": "since",
        "files": [
          {
            "path": "src/broken.test.ts",
            "group": "unit",
            "environment": null,
            "reasons": [
              {
                "kind": "all",
                "why": "every test runs"
              }
            ]
          },
          {
            "path": "src/money.test.ts",
            "group": "unit",
            "environment": null,
            "reasons": [
              {
                "kind": "import",
                "changed": "packages/money/src/round.ts",
                "chain": [
                  "src/money.test.ts",
                  "packages/money/src/round.ts"
                ],
                "viaBuildOutput": "@demo/money",
                "why": "it imports packages/money/src/round.ts (@demo/money is used through its build output)"
              }
            ]
          },
          {
            "path": "tests/api/invoices.test.ts",
            "group": "api",
            "environment": "backend",
            "reasons": [
              {
                "kind": "import",
                "changed": "packages/billing/src/invoice.ts",
                "chain": [
                  "tests/api/invoices.test.ts",
                  "apps/api/src/routes.ts",
                  "packages/billing/src/invoice.ts"
                ],
                "viaBuildOutput": null,
                "why": "it imports packages/billing/src/invoice.ts via apps/api/src/routes.ts"
              }
            ]
          },
          {
            "path": "tests/api/orders.test.ts",
            "group": "api",
            "environment": "backend",
            "reasons": [
              {
                "kind": "rule",
                "rule": "group",
                "name": "api",
                "glob": "db/**/*.sql",
                "changed": "db/migrations/004.sql",
                "why": "db/migrations/004.sql matches db/**/*.sql (group api)"
              }
            ]
          }
        ]
      }"
    `)
    const orders = byType('file.result').filter((event) => event.path === 'tests/api/orders.test.ts')
    expect(normalize(orders[0]!, true)).toMatchInlineSnapshot(`
      "{
        "schema": "hearth.events/1",
        "type": "file.result",
        "time": "<time>",
        "run": 1,
        "path": "tests/api/orders.test.ts",
        "state": "failed",
        "durationMs": "<ms>",
        "attempt": 1,
        "flaky": false,
        "reasons": [
          {
            "kind": "rule",
            "rule": "group",
            "name": "api",
            "glob": "db/**/*.sql",
            "changed": "db/migrations/004.sql",
            "why": "db/migrations/004.sql matches db/**/*.sql (group api)"
          }
        ],
        "tests": [
          {
            "name": "orders > lists them",
            "state": "failed",
            "durationMs": "<ms>",
            "errors": [
              {
                "message": "expected 200, got 503",
                "stack": "Error: expected 200, got 503\\n    at tests/api/orders.test.ts:9:5",
                "location": {
                  "path": "tests/api/orders.test.ts",
                  "line": 9,
                  "column": 5
                }
              }
            ]
          }
        ],
        "errors": []
      }"
    `)
    expect(orders[1]).toMatchObject({ state: 'passed', attempt: 2, flaky: true })
    expect(normalize(byType('run.end')[0]!)).toMatchInlineSnapshot(
      `"{"schema":"hearth.events/1","type":"run.end","time":"<time>","run":1,"cancelled":false,"durationMs":"<ms>","files":{"total":4,"passed":2,"failed":2,"skipped":0,"flaky":1},"tests":{"total":5,"passed":3,"failed":1,"skipped":1}}"`,
    )
    expect(normalize(byType('session.end')[0]!)).toMatchInlineSnapshot(
      `"{"schema":"hearth.events/1","type":"session.end","time":"<time>","exitCode":1,"durationMs":"<ms>","interrupted":null,"error":null}"`,
    )
  })

  it('reports a failed environment, the services it blocked, and the run it kept from running', async () => {
    const session = openSession((processes) =>
      processes.behave('migrate', {
        exitCode: 3,
        logs: ['applying 004.sql', 'ERROR: column "total" does not exist'],
      }),
    )
    const lines: string[] = []
    const reporter = attachNdjsonReporter({
      store: session.store,
      write: (line) => lines.push(line),
      command: 'ci',
      version: '0.1.0',
    })
    await session.discoverTests()
    await session.runTests('all', { [`${ROOT}/tests/api/invoices.test.ts`]: [{ kind: 'all' }] })
    await session.close()
    reporter.finish(session.exitCode())

    // The failed job's output, as the log follower read it, one event a line.
    expect(
      expectValid(lines).flatMap((event) =>
        event.type === 'log' ? [`${event.service}: ${event.line}`] : [],
      ),
    ).toEqual(['migrate: applying 004.sql', 'migrate: ERROR: column "total" does not exist'])
    const events: HearthEvent[] = expectValid(lines).filter((event) => event.type !== 'log')
    const tail = events.slice(
      events.findIndex((event) => event.type === 'service.state' && event.state === 'failed'),
    )
    expect(tail.map((event) => normalize(event))).toMatchInlineSnapshot(`
      [
        "{"schema":"hearth.events/1","type":"service.state","time":"<time>","environment":"backend","service":"migrate","kind":"job","state":"failed","durationMs":"<ms>","instance":{"id":"<id>","driver":"process","reused":false,"ports":{}},"failure":{"cause":"exited with code 3","fix":"see its output below","logTail":["applying 004.sql","ERROR: column \\"total\\" does not exist"],"blockedBy":null}}",
        "{"schema":"hearth.events/1","type":"service.state","time":"<time>","environment":"backend","service":"api","kind":"process","state":"failed","durationMs":null,"instance":null,"failure":{"cause":"not started: migrate failed","fix":null,"logTail":[],"blockedBy":"backend/migrate"}}",
        "{"schema":"hearth.events/1","type":"run.blocked","time":"<time>","run":1,"kind":"environment","name":"backend"}",
        "{"schema":"hearth.events/1","type":"run.end","time":"<time>","run":1,"cancelled":false,"durationMs":"<ms>","files":{"total":1,"passed":0,"failed":0,"skipped":0,"flaky":0},"tests":{"total":0,"passed":0,"failed":0,"skipped":0}}",
        "{"schema":"hearth.events/1","type":"session.end","time":"<time>","exitCode":3,"durationMs":"<ms>","interrupted":null,"error":null}",
      ]
    `)
  })

  it('writes session.start once the project loads when attached before it, and finish only once', () => {
    const store = createHearthStore(initialState(Date.UTC(2025, 0, 2, 3, 4, 4, 900)))
    const lines: string[] = []
    const reporter = attachNdjsonReporter({
      store,
      write: (line) => lines.push(line),
      command: 'dev',
      version: '0.1.0',
      now: () => Date.UTC(2025, 0, 2, 3, 4, 5, 600),
    })
    expect(lines).toEqual([])
    store.dispatch({
      type: 'project/loaded',
      at: Date.UTC(2025, 0, 2, 3, 4, 5, 0),
      project: { name: 'shop', id: 'shop-1a2b3c4d', root: '/shop' },
      config: configOf(BACKEND),
    })
    store.dispatch({ type: 'session/interrupted', at: Date.UTC(2025, 0, 2, 3, 4, 5, 500), signal: 'SIGINT' })
    reporter.finish(130)
    reporter.finish(130)
    expect(expectValid(lines)).toHaveLength(2)
    expect(lines.join('\n')).toMatchInlineSnapshot(`
      "{"schema":"hearth.events/1","type":"session.start","time":"2025-01-02T03:04:04.900Z","project":{"name":"shop","id":"shop-1a2b3c4d","root":"/shop"},"command":"dev","version":"0.1.0","shard":null}
      {"schema":"hearth.events/1","type":"session.end","time":"2025-01-02T03:04:05.600Z","exitCode":130,"durationMs":700,"interrupted":"SIGINT","error":null}"
    `)
  })

  it('describes a session that failed before it had a project', () => {
    const lines = formatFailedSession({
      command: 'ci',
      version: '0.1.0',
      exitCode: 2,
      cause: 'hearth.config.ts: environments[0].services.db.image: expected a string',
      fix: 'give db an image, or a build context',
      at: Date.UTC(2025, 0, 2, 3, 4, 5, 0),
    })
    expect(expectValid(lines)).toHaveLength(2)
    expect(lines.join('\n')).toMatchInlineSnapshot(`
      "{"schema":"hearth.events/1","type":"session.start","time":"2025-01-02T03:04:05.000Z","project":null,"command":"ci","version":"0.1.0","shard":null}
      {"schema":"hearth.events/1","type":"session.end","time":"2025-01-02T03:04:05.000Z","exitCode":2,"durationMs":0,"interrupted":null,"error":{"cause":"hearth.config.ts: environments[0].services.db.image: expected a string","fix":"give db an image, or a build context"}}"
    `)
  })

  it('writes a log event per line a service printed, at the time hearth read it', () => {
    const store = createHearthStore(initialState(Date.UTC(2025, 0, 2, 3, 4, 4, 900)))
    const lines: string[] = []
    attachNdjsonReporter({ store, write: (line) => lines.push(line), command: 'ci', version: '0.1.0' })
    store.dispatch({
      type: 'project/loaded',
      at: Date.UTC(2025, 0, 2, 3, 4, 5, 0),
      project: { name: 'shop', id: 'shop-1a2b3c4d', root: '/shop' },
      config: configOf(BACKEND),
    })
    store.dispatch({
      type: 'service/log',
      at: Date.UTC(2025, 0, 2, 3, 4, 6, 500),
      key: 'backend/migrate',
      lines: [
        { text: 'applying 004.sql', stream: 'stdout', at: Date.UTC(2025, 0, 2, 3, 4, 6, 452) },
        {
          text: 'ERROR: column "total" does not exist',
          stream: 'stderr',
          at: Date.UTC(2025, 0, 2, 3, 4, 6, 470),
        },
        { text: '── restarted (instance 4140) ──', stream: 'output', at: Date.UTC(2025, 0, 2, 3, 4, 6, 480) },
      ],
    })
    store.dispatch({
      type: 'service/log',
      at: Date.UTC(2025, 0, 2, 3, 4, 6, 500),
      key: 'backend/db',
      lines: [],
    })
    expect(expectValid(lines).map((event) => event.type)).toEqual(['session.start', 'log', 'log', 'log'])
    expect(lines.slice(1).join('\n')).toMatchInlineSnapshot(`
      "{"schema":"hearth.events/1","type":"log","time":"2025-01-02T03:04:06.452Z","environment":"backend","service":"migrate","stream":"stdout","line":"applying 004.sql"}
      {"schema":"hearth.events/1","type":"log","time":"2025-01-02T03:04:06.470Z","environment":"backend","service":"migrate","stream":"stderr","line":"ERROR: column \\"total\\" does not exist"}
      {"schema":"hearth.events/1","type":"log","time":"2025-01-02T03:04:06.480Z","environment":"backend","service":"migrate","stream":"output","line":"── restarted (instance 4140) ──"}"
    `)
  })

  it('leaves services’ output out when asked to', () => {
    const store = createHearthStore(initialState(0))
    const lines: string[] = []
    attachNdjsonReporter({
      store,
      write: (line) => lines.push(line),
      command: 'ci',
      version: '0.1.0',
      logs: false,
    })
    store.dispatch({
      type: 'project/loaded',
      at: 0,
      project: { name: 'shop', id: 'shop-1a2b3c4d', root: '/shop' },
      config: configOf(BACKEND),
    })
    store.dispatch({
      type: 'service/log',
      at: 1,
      key: 'backend/db',
      lines: [{ text: 'database system is ready', stream: 'output', at: 1 }],
    })
    expect(expectValid(lines).map((event) => event.type)).toEqual(['session.start'])
  })

  it('adds no event for the actions a consumer does not need', () => {
    const store = createHearthStore()
    const state = store.getState()
    expect(toEvents({ type: 'environment/lock-acquired', at: 0, environment: 'backend' }, state)).toEqual([])
    expect(
      toEvents(
        { type: 'service/still-probing', at: 0, key: 'backend/api', attempts: 3, detail: 'HTTP 503' },
        state,
      ),
    ).toEqual([])
  })
})

describe('docs/events.md', () => {
  it('shows examples that are valid lines of the schema', () => {
    const doc = readFileSync(new URL('../../../../docs/events.md', import.meta.url), 'utf8')
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
    // Lines shortened with … (or wrapped for reading) are prose; every complete event must be valid.
    const complete = blocks
      .flatMap((block) => block.split('\n'))
      .filter((line) => line.startsWith('{"schema"') && !line.includes('…') && line.endsWith('}'))
    expect(complete.length).toBeGreaterThan(15)
    expectValid(complete)
  })
})

describe('docs/events.schema.json', () => {
  const line = {
    schema: 'hearth.events/1',
    type: 'run.phase',
    time: '2025-01-02T03:04:05.000Z',
    run: 1,
    phase: 'running',
  }

  it('describes log lines: one line of one stream, no longer than hearth cuts them', () => {
    const log = {
      schema: 'hearth.events/1',
      type: 'log',
      time: '2025-01-02T03:04:05.000Z',
      environment: 'backend',
      service: 'db',
      stream: 'stderr',
      line: 'FATAL: no space left',
    }
    expect(validate(log)).toBe(true)
    expect(validate({ ...log, stream: 'console' })).toBe(false)
    expect(validate({ ...log, line: undefined, text: 'FATAL' })).toBe(false)
    expect(validate({ ...log, line: 'x'.repeat(4001) })).toBe(false)
  })

  it('catches drift: an unknown field, a missing one, a wrong version, a state-specific field out of place', () => {
    expect(validate(line)).toBe(true)
    expect(validate({ ...line, extra: true })).toBe(false)
    expect(validate({ ...line, phase: undefined })).toBe(false)
    expect(validate({ ...line, schema: 'hearth.events/2' })).toBe(false)
    expect(validate({ ...line, time: '2025-01-02 03:04:05' })).toBe(false)
    const ready = {
      schema: 'hearth.events/1',
      type: 'service.state',
      time: '2025-01-02T03:04:05.000Z',
      environment: 'backend',
      service: 'db',
      kind: 'process',
      state: 'ready',
      durationMs: 12,
      instance: null,
      outputs: { host: '127.0.0.1' },
    }
    expect(validate(ready)).toBe(true)
    expect(validate({ ...ready, outputs: undefined })).toBe(false)
    expect(validate({ ...ready, state: 'stopping' })).toBe(false)
    expect(validate({ ...ready, reason: 'no Docker' })).toBe(false)
  })
})

describe('relativePath and relativeStack', () => {
  it('makes paths relative to the project root, keeping those outside it absolute', () => {
    expect(relativePath('/project', '/project/src/a.ts')).toBe('src/a.ts')
    expect(relativePath('/project', '/usr/lib/node/x.js')).toBe('/usr/lib/node/x.js')
    expect(relativePath('/project', '/project-two/a.ts')).toBe('/project-two/a.ts')
    expect(relativePath('/project', 'src/a.ts')).toBe('src/a.ts')
  })

  it('takes the root out of stack frames, file URLs included', () => {
    expect(
      relativeStack(
        'Error: x\n    at file:///project/src/a.ts:1:2\n    at /project/src/b.ts:3:4\n    at /projectx/c.ts:1:1',
        '/project',
      ),
    ).toBe('Error: x\n    at src/a.ts:1:2\n    at src/b.ts:3:4\n    at /projectx/c.ts:1:1')
  })
})
