import {
  type Action,
  describeBuildReason,
  describeReason,
  type HearthState,
  type HearthStore,
  type ProjectIdentity,
  relativePath,
  type SelectionReason,
  type ServiceState,
  selectRedactor,
  selectRunCounts,
  selectRunFiles,
  selectStartDuration,
  selectTestCaseCounts,
  type TestCaseOutcome,
  type TestErrorInfo,
  type TestFileState,
  type TestState,
} from '@hearth/core'
// Types only: the event types are inferred from the schemas, and zod stays out of the CLI's start-up.
import type {
  EventError,
  EventInstance,
  EventReason,
  EventTest,
  FileResultEvent,
  HearthEvent,
  ServiceEventState,
  ServiceStateEvent,
  SessionEndEvent,
  SessionStartEvent,
} from './events-schema.js'

export type {
  BuildEndEvent,
  BuildPlanEvent,
  BuildStartEvent,
  EventBuildReason,
  EventError,
  EventFailure,
  EventInstance,
  EventReason,
  EventRunFile,
  EventTest,
  FileResultEvent,
  HearthEvent,
  LogEvent,
  RunBlockedEvent,
  RunEndEvent,
  RunPhaseEvent,
  RunRetryEvent,
  RunStartEvent,
  ServiceEventState,
  ServiceStateEvent,
  SessionEndEvent,
  SessionStartEvent,
  WarningEvent,
} from './events-schema.js'

/**
 * The version of the event stream (docs/events.md). Within `/1` fields and event types are only
 * added; renaming, removing or changing the meaning of one is `/2`. Typed from the schema, so the
 * two cannot part.
 */
export const EVENTS_SCHEMA: HearthEvent['schema'] = 'hearth.events/1'

/** The fields every event starts with. */
interface EventBase<T extends HearthEvent['type']> {
  schema: typeof EVENTS_SCHEMA
  type: T
  /** ISO 8601 (UTC) of the action that caused it. */
  time: string
}

export interface NdjsonReporterOptions {
  store: HearthStore
  /** Receives one line (a JSON object, no newline). Default: stdout. */
  write?: (line: string) => void
  /** The hearth command this session runs (`ci`, `dev`…), for `session.start`. */
  command: string
  /** hearth's version, for `session.start`. */
  version: string
  /** The shard this session runs (`ci --shard 2/4`), for `session.start`. Default null. */
  shard?: { index: number; total: number } | null
  /** For the time of `session.end` (the only event no action carries). Default: Date.now. */
  now?: () => number
  /**
   * Write a `log` event per line the services print (default true): in CI the stream is the record,
   * and a failed test is often explained by what the API or the database printed meanwhile.
   * Consumers that want only the state changes filter on `type`.
   */
  logs?: boolean
}

export interface NdjsonReporter {
  /** Writes `session.end` with the process's exit code, then detaches. Call it once, last. */
  finish(exitCode: number): void
  /** Stops listening without writing `session.end` (the command failed before it had a code). */
  detach(): void
}

/**
 * The machine view: one JSON object a line, in the versioned schema of docs/events.md. Writes
 * `session.start` at once (the session has loaded its project by then), then the events of every
 * action, from the action and the state after it. Listeners run synchronously in dispatch order,
 * so the stream is in the order things happened.
 */
export function attachNdjsonReporter({
  store,
  write = (line) => process.stdout.write(`${line}\n`),
  command,
  version,
  shard = null,
  now = Date.now,
  logs = true,
}: NdjsonReporterOptions): NdjsonReporter {
  // Secrets masked in every event (outputs, log lines, errors), by the redactor of the state now.
  const emit = (event: HearthEvent): void =>
    write(serializeEvent(selectRedactor(store.getState()).value(event)))
  let started = false
  const start = (project: ProjectIdentity | null, at: number): void => {
    started = true
    emit(sessionStartEvent(project, { command, version, shard }, at))
  }
  const initial = store.getState()
  if (initial.project !== null) start(initial.project, initial.session.startedAt)
  const unsubscribe = store.subscribeActions((action, state) => {
    // The session's start, not the load's: `session.end`'s durationMs counts from it too.
    if (!started && action.type === 'project/loaded') start(action.project, state.session.startedAt)
    if (!logs && action.type === 'service/log') return
    for (const event of toEvents(action, state)) emit(event)
  })
  let finished = false
  return {
    finish(exitCode) {
      if (finished) return
      finished = true
      unsubscribe()
      const state = store.getState()
      if (!started) start(state.project, state.session.startedAt)
      emit(sessionEndEvent(state, exitCode, now()))
    },
    detach() {
      finished = true
      unsubscribe()
    },
  }
}

/** One event as its line: JSON, fields in the order the event was built (stable by construction). */
export function serializeEvent(event: HearthEvent): string {
  return JSON.stringify(event)
}

/**
 * The whole stream of a session that failed before it had a store (a usage or configuration
 * error): `session.start` without a project, and `session.end` with the cause and the fix.
 */
export function formatFailedSession(options: {
  command: string
  version: string
  exitCode: number
  cause: string
  fix: string | null
  at: number
}): string[] {
  const { command, version, exitCode, cause, fix, at } = options
  return [
    serializeEvent(sessionStartEvent(null, { command, version }, at)),
    serializeEvent({
      ...base('session.end', at),
      exitCode,
      durationMs: 0,
      interrupted: null,
      error: { cause, fix },
    }),
  ]
}

export function sessionStartEvent(
  project: ProjectIdentity | null,
  {
    command,
    version,
    shard = null,
  }: { command: string; version: string; shard?: { index: number; total: number } | null },
  at: number,
): SessionStartEvent {
  return {
    ...base('session.start', at),
    project: project === null ? null : { name: project.name, id: project.id, root: project.root },
    command,
    version,
    shard: shard === null ? null : { index: shard.index, total: shard.total },
  }
}

export function sessionEndEvent(state: HearthState, exitCode: number, at: number): SessionEndEvent {
  const { fatal, interrupted, startedAt } = state.session
  return {
    ...base('session.end', at),
    exitCode,
    durationMs: at >= startedAt ? at - startedAt : null,
    interrupted: interrupted?.signal ?? null,
    error: fatal === null ? null : { cause: fatal.cause, fix: fatal.fix },
  }
}

/**
 * The events one action adds to the stream, from the action and the state it produced; pure.
 * Actions that change nothing a consumer of the stream needs (locks, probes, pulls, requests)
 * add none.
 */
export function toEvents(action: Action, state: HearthState): HearthEvent[] {
  const root = state.project?.root ?? ''
  switch (action.type) {
    case 'service/starting':
    case 'service/started':
    case 'service/ready':
    case 'service/completed':
    case 'service/failed':
    case 'service/stopping':
    case 'service/stopped':
    case 'service/aborted':
    case 'service/reset':
    case 'service/fell-back': {
      const event = serviceEvent(action, state)
      return event === null ? [] : [event]
    }
    case 'run/started': {
      const run = state.tests.run
      if (run === null || run.id !== action.id) return []
      return [
        {
          ...base('run.start', action.at),
          run: run.id,
          trigger: run.trigger,
          files: selectRunFiles(state).map((file) => ({
            path: file.path,
            group: file.group,
            environment: file.environment,
            reasons: file.reasons.map(toEventReason),
          })),
        },
      ]
    }
    case 'run/phase':
      return [{ ...base('run.phase', action.at), run: action.id, phase: action.phase }]
    case 'build/planned':
      return [
        {
          ...base('build.plan', action.at),
          run: action.id,
          skipped: action.skipped,
          packages: action.packages.map((pkg) => ({
            name: pkg.name,
            dir: pkg.dir,
            reason: { ...pkg.reason, why: describeBuildReason(pkg.reason) },
          })),
        },
      ]
    case 'build/started':
      return [
        { ...base('build.start', action.at), run: action.id, name: action.name, command: action.command },
      ]
    case 'build/finished': {
      const head = { ...base('build.end', action.at), run: action.id, name: action.name }
      return [
        action.ok
          ? { ...head, ok: true, durationMs: action.durationMs }
          : { ...head, ok: false, durationMs: action.durationMs, output: action.output },
      ]
    }
    case 'session/warning':
      return [{ ...base('warning', action.at), code: action.code, message: action.message, fix: action.fix }]
    case 'service/log': {
      const service = state.services[action.key]
      // Keys are `environment/service`, and environment names hold no `/`.
      const slash = action.key.indexOf('/')
      const environment = service?.environment ?? action.key.slice(0, slash)
      const name = service?.name ?? action.key.slice(slash + 1)
      return action.lines.map((entry) => ({
        ...base('log', entry.at),
        environment,
        service: name,
        stream: entry.stream,
        line: entry.text,
      }))
    }
    case 'run/retrying':
      return [
        {
          ...base('run.retry', action.at),
          run: action.id,
          attempt: action.attempt,
          files: action.files.map((file) => state.tests.files[file]?.path ?? relativePath(root, file)).sort(),
        },
      ]
    case 'run/file-finished': {
      const file = state.tests.files[action.outcome.file]
      if (file === undefined) return []
      return [{ ...base('file.result', action.at), run: action.id, ...fileResult(file, root) }]
    }
    case 'run/blocked': {
      const { block } = action
      return [
        block.kind === 'environment'
          ? { ...base('run.blocked', action.at), run: action.id, kind: 'environment', name: block.name }
          : {
              ...base('run.blocked', action.at),
              run: action.id,
              kind: 'build',
              name: block.name,
              output: block.output,
            },
      ]
    }
    case 'run/finished': {
      const run = state.tests.run
      if (run === null || run.id !== action.id) return []
      const counts = selectRunCounts(state)
      const cases = selectTestCaseCounts(state)
      return [
        {
          ...base('run.end', action.at),
          run: run.id,
          cancelled: action.cancelled,
          durationMs: Math.max(0, action.at - (run.startedAt ?? run.requestedAt)),
          files: { total: run.files.length, ...counts },
          tests: { total: cases.passed + cases.failed + cases.skipped, ...cases },
          ...(run.errors.length === 0
            ? {}
            : { errors: run.errors.map((error) => toEventError(error, root)) }),
        },
      ]
    }
    default:
      return []
  }
}

type ServiceEventAction = Extract<
  Action,
  {
    type:
      | 'service/starting'
      | 'service/started'
      | 'service/ready'
      | 'service/completed'
      | 'service/failed'
      | 'service/stopping'
      | 'service/stopped'
      | 'service/aborted'
      | 'service/reset'
      | 'service/fell-back'
  }
>

function serviceEvent(action: ServiceEventAction, state: HearthState): ServiceStateEvent | null {
  const service = state.services[action.key]
  if (service === undefined) return null
  // Generic in the state, so that the fields only some states carry (outputs, failure, reason)
  // are checked against the schema's variant of that state.
  const event = <S extends ServiceEventState>(
    eventState: S,
    durationMs: number | null,
    instance: EventInstance | null,
  ) => ({
    ...base('service.state', action.at),
    environment: service.environment,
    service: service.name,
    kind: service.kind,
    state: eventState,
    durationMs,
    instance,
  })
  const instance = toEventInstance(service)
  switch (action.type) {
    case 'service/starting':
      return event('starting', null, null)
    case 'service/started':
      return event('running', since(action.at, service.startingAt), instance)
    case 'service/ready':
    case 'service/completed':
      return {
        ...event(
          action.type === 'service/ready' ? 'ready' : 'completed',
          selectStartDuration(service),
          instance,
        ),
        outputs: { ...action.outputs },
      }
    case 'service/failed': {
      const { failure } = action
      return {
        ...event('failed', failure.blockedBy === null ? failedAfter(service, action.at) : null, instance),
        failure: {
          cause: failure.cause,
          fix: failure.fix,
          logTail: [...failure.logTail],
          blockedBy: failure.blockedBy,
        },
      }
    }
    case 'service/stopping':
      return event('stopping', null, instance)
    case 'service/stopped':
      return event('stopped', since(action.at, service.stoppingAt), null)
    // A start called off before it created anything: for a consumer, it is not running.
    case 'service/aborted':
      return event('stopped', null, null)
    case 'service/reset':
      return event('reset', action.durationMs, instance)
    case 'service/fell-back':
      return { ...event('fell-back', null, null), reason: action.reason }
  }
}

function toEventInstance(service: ServiceState): EventInstance | null {
  const { instance } = service
  if (instance === null) return null
  return { id: instance.id, driver: instance.driver, reused: instance.reused, ports: { ...instance.ports } }
}

/** How long after it began starting (or stopping) a service failed. */
function failedAfter(service: ServiceState, at: number): number | null {
  const { startingAt, stoppingAt, requestedAt } = service
  if (stoppingAt !== null && (startingAt === null || stoppingAt >= startingAt)) return since(at, stoppingAt)
  // A start of an earlier request does not count: it never began this time.
  if (startingAt === null || (requestedAt !== null && startingAt < requestedAt)) return null
  return since(at, startingAt)
}

function since(at: number, from: number | null): number | null {
  return from === null || from > at ? null : at - from
}

/** A file's result as `file.result` carries it, without the envelope and the run. */
export function fileResult(
  file: TestFileState,
  root: string,
): Omit<FileResultEvent, 'schema' | 'type' | 'time' | 'run'> {
  return {
    path: file.path,
    state: isTestState(file.status) ? file.status : 'skipped',
    durationMs: file.durationMs,
    attempt: file.attempts,
    flaky: file.flaky,
    reasons: file.reasons.map(toEventReason),
    tests: file.tests.map((test) => toEventTest(test, root)),
    errors: file.errors.map((error) => toEventError(error, root)),
  }
}

function isTestState(status: TestFileState['status']): status is TestState {
  return status === 'passed' || status === 'failed' || status === 'skipped'
}

function toEventTest(test: TestCaseOutcome, root: string): EventTest {
  return {
    name: test.name,
    state: test.state,
    durationMs: test.durationMs,
    errors: test.errors.map((error) => toEventError(error, root)),
  }
}

/** An error with its paths relative to the project root (the stack's too). */
export function toEventError(error: TestErrorInfo, root: string): EventError {
  const event: EventError = { message: error.message }
  if (error.stack !== undefined) event.stack = relativeStack(error.stack, root)
  if (error.location !== undefined) {
    event.location = {
      path: relativePath(root, error.location.file),
      line: error.location.line,
      column: error.location.column,
    }
  }
  return event
}

/** Field by field, so the order is fixed and nothing but the documented fields gets through. */
export function toEventReason(reason: SelectionReason): EventReason {
  const why = describeReason(reason)
  switch (reason.kind) {
    case 'import':
      return {
        kind: 'import',
        changed: reason.changed,
        chain: [...reason.chain],
        viaBuildOutput: reason.viaBuildOutput,
        why,
      }
    case 'rule':
      return {
        kind: 'rule',
        rule: reason.rule,
        name: reason.name,
        glob: reason.glob,
        changed: reason.changed,
        why,
      }
    case 'all':
      return { kind: 'all', why }
    case 'restarted':
      return { kind: 'restarted', service: reason.service, why }
    case 'retry':
      return { kind: 'retry', attempt: reason.attempt, why }
  }
}

/** A stack with the project root taken out of its frames (`file:///root/x.ts` and `/root/x.ts`). */
export function relativeStack(stack: string, root: string): string {
  if (root === '') return stack
  const prefix = root.endsWith('/') ? root : `${root}/`
  return stack.split(`file://${prefix}`).join('').split(prefix).join('')
}

function base<T extends HearthEvent['type']>(type: T, at: number): EventBase<T> {
  return { schema: EVENTS_SCHEMA, type, time: new Date(at).toISOString() }
}
