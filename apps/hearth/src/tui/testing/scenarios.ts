import {
  type ConsoleEntry,
  createHearthStore,
  type HearthStore,
  initialState,
  type SelectionReason,
  type ServiceKey,
  type TestCaseOutcome,
  type TestErrorInfo,
  type TestFileOutcome,
} from '@hearth/core'
import { type EnvironmentDefinition, ready } from '@hearth/environments'
import { validateConfig } from '@hearth/environments/validate'

/**
 * Seeds for the terminal UI's tests: a store with a project loaded, driven through situations by
 * dispatching core's real actions (so the reducers, not the tests, say what the state looks like).
 * Test helper.
 */

export const ROOT = '/work/shop'
/** The instant the seeded situations happen at; the UI's clock is pinned to {@link NOW}. */
export const T0 = 1_700_000_000_000
export const NOW = T0 + 5 * 60_000

/** A database, a cache, a migration job and an API that needs all three (as most projects have). */
export const BACKEND = {
  name: 'backend',
  services: {
    db: {
      kind: 'process',
      command: 'db',
      ports: { pg: {} },
      outputs: { url: 'postgres://{{host}}:{{ports.pg}}/shop' },
    },
    cache: { kind: 'process', command: 'cache', ports: { redis: {} } },
    migrate: { kind: 'job', command: 'migrate', dependsOn: ['db'] },
    api: {
      kind: 'process',
      command: 'api',
      dependsOn: ['db', 'migrate', 'cache'],
      ports: { http: {} },
      readiness: ready.http('http', '/health'),
      outputs: { url: 'http://{{host}}:{{ports.http}}' },
    },
  },
} as const satisfies EnvironmentDefinition

export const SEARCH = {
  name: 'search',
  services: { index: { kind: 'process', command: 'index', ports: { http: {} } } },
} as const satisfies EnvironmentDefinition

export const FILES = [
  'packages/billing/src/invoice.test.ts',
  'packages/billing/src/money.test.ts',
  'tests/api/invoices.test.ts',
  'tests/api/customers.test.ts',
] as const

/** `/work/shop/<path>`. */
export function abs(path: string): string {
  return `${ROOT}/${path}`
}

/** A store with the project loaded and its test files discovered. */
export function createScenarioStore(
  options: { environments?: EnvironmentDefinition[]; files?: readonly string[] } = {},
): HearthStore {
  const result = validateConfig(
    { project: 'shop', environments: options.environments ?? [BACKEND] },
    { root: ROOT, file: 'hearth.config.ts', defaultProject: 'shop' },
  )
  if (!result.ok) throw new Error(`invalid test config:\n${JSON.stringify(result.issues, null, 2)}`)
  const store = createHearthStore(initialState(T0))
  store.dispatch({
    type: 'project/loaded',
    at: T0,
    project: { name: 'shop', id: 'shop-00000000', root: ROOT },
    config: result.config,
  })
  const files = options.files ?? FILES
  store.dispatch({
    type: 'tests/discovered',
    at: T0,
    files: files.map((path) => ({
      file: abs(path),
      path,
      group: path.startsWith('tests/') ? 'api' : 'unit',
      environment: path.startsWith('tests/') ? 'backend' : null,
    })),
  })
  return store
}

let instances = 0

/** Starts a service through its real actions: starting, started (an instance), ready (or completed). */
export function startService(
  store: HearthStore,
  key: ServiceKey,
  options: {
    at?: number
    readyAfterMs?: number
    port?: number
    reused?: boolean
    driver?: string
    ready?: boolean
  } = {},
): void {
  const at = options.at ?? T0
  const service = store.getState().services[key]
  if (service === undefined) throw new Error(`no service ${key}`)
  const port = options.port ?? 40_000 + instances
  store.dispatch({ type: 'service/starting', at, key })
  store.dispatch({
    type: 'service/started',
    at: at + 10,
    key,
    instance: {
      id: `instance-${++instances}-${service.name}`,
      driver: options.driver ?? 'process',
      host: '127.0.0.1',
      ports: service.kind === 'job' ? {} : { main: port },
      specHash: 'hash',
      createdAt: at + 10,
      reused: options.reused ?? false,
    },
  })
  if (options.ready === false) return
  const readyAt = at + (options.readyAfterMs ?? 450)
  const outputs: Record<string, string> =
    service.name === 'db'
      ? { host: '127.0.0.1', pgPort: String(port), url: `postgres://127.0.0.1:${port}/shop` }
      : service.name === 'api'
        ? { host: '127.0.0.1', httpPort: String(port), url: `http://127.0.0.1:${port}` }
        : service.kind === 'job'
          ? {}
          : { host: '127.0.0.1', mainPort: String(port) }
  store.dispatch(
    service.kind === 'job'
      ? { type: 'service/completed', at: readyAt, key, outputs }
      : { type: 'service/ready', at: readyAt, key, outputs },
  )
}

/** Every service of the environment up and ready, in start order. */
export function bringUp(store: HearthStore, environment = 'backend', at = T0): void {
  store.dispatch({ type: 'environment/up-requested', at, environments: [environment] })
  const keys = store.getState().environments[environment]?.services ?? []
  keys.forEach((key, index) => {
    startService(store, key, { at: at + index * 1000, port: 41_000 + index })
  })
}

export function passedTest(name: string, durationMs = 12, console: ConsoleEntry[] = []): TestCaseOutcome {
  return { name, state: 'passed', durationMs, errors: [], console }
}

export function failedTest(
  name: string,
  error: TestErrorInfo,
  console: ConsoleEntry[] = [],
): TestCaseOutcome {
  return { name, state: 'failed', durationMs: 8, errors: [error], console }
}

export function fileOutcome(path: string, tests: TestCaseOutcome[], durationMs = 1234): TestFileOutcome {
  return {
    file: abs(path),
    state: tests.some((test) => test.state === 'failed')
      ? 'failed'
      : tests.length === 0
        ? 'skipped'
        : 'passed',
    durationMs,
    errors: [],
    tests,
  }
}

/** Asks for a run of these files (for these reasons) and starts it; returns its id. */
export function startRun(
  store: HearthStore,
  files: Readonly<Record<string, readonly SelectionReason[]>>,
  options: { id?: number; at?: number; trigger?: 'all' | 'change' } = {},
): number {
  const id = options.id ?? (store.getState().tests.run?.id ?? 0) + 1
  const at = options.at ?? T0 + 60_000
  store.dispatch({ type: 'run/requested', at, trigger: options.trigger ?? 'change', files })
  store.dispatch({ type: 'run/started', at, id })
  store.dispatch({ type: 'run/phase', at, id, phase: 'running' })
  return id
}

/** A whole run: each outcome's file started and finished, then the run finished. */
export function completeRun(
  store: HearthStore,
  outcomes: readonly TestFileOutcome[],
  options: {
    id?: number
    at?: number
    reasons?: Record<string, readonly SelectionReason[]>
    finish?: boolean
  } = {},
): number {
  const files: Record<string, readonly SelectionReason[]> = {}
  for (const outcome of outcomes) files[outcome.file] = options.reasons?.[outcome.file] ?? [{ kind: 'all' }]
  const at = options.at ?? T0 + 60_000
  const id = startRun(store, files, {
    ...options,
    at,
    trigger: options.reasons === undefined ? 'all' : 'change',
  })
  for (const outcome of outcomes) {
    store.dispatch({ type: 'run/file-started', at, id, file: outcome.file })
    store.dispatch({ type: 'run/file-finished', at: at + outcome.durationMs, id, outcome })
  }
  if (options.finish !== false) store.dispatch({ type: 'run/finished', at: at + 3_000, id, cancelled: false })
  return id
}

/** An assertion error as Vitest reports it: a message, a diff, where. */
export function assertionError(file: string, line: number, column = 5): TestErrorInfo {
  return {
    name: 'AssertionError',
    message: 'expected 1150 to be 1200 // Object.is equality',
    diff: '- Expected\n+ Received\n\n- 1200\n+ 1150',
    location: { file: abs(file), line, column },
  }
}

/** The import reason `describeReasonShort` renders as `imports <changed>` (or `reaches`, longer chains). */
export function importReason(test: string, changed: string, via: string[] = []): SelectionReason {
  return { kind: 'import', changed, chain: [test, ...via, changed], viaBuildOutput: null }
}
