import { z } from 'zod'

/**
 * The events of `hearth.events/1` (docs/events.md), as zod schemas: the one source of the event
 * types the NDJSON reporter writes (`z.infer`, below) and of docs/events.schema.json, which
 * scripts/generate-event-schema.ts generates from them (`toEventsJsonSchema`).
 *
 * Every object is strict: the published schema is closed (`additionalProperties: false`) so that
 * hearth's own tests catch drift between what is written and what is documented. A field that only
 * some states carry (`outputs`, `failure`, `reason`, `output`) is a variant of a discriminated union,
 * so that both the compiler and the schema refuse it out of place.
 *
 * Runtime code must import only types from here (`import type`): loading zod costs the CLI's
 * start-up, and nothing validates events at run time.
 */

// The shared pieces carry an `id`: they become the document's `$defs` and are referenced from there.

const schema = z.literal('hearth.events/1').meta({ id: 'schema' })

const time = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  .meta({ id: 'time', description: 'ISO 8601 in UTC, with milliseconds: when the change happened.' })

const durationMs = z.number().min(0).meta({ id: 'durationMs', description: 'Milliseconds.' })

const optionalDurationMs = durationMs.nullable().meta({
  id: 'optionalDurationMs',
  description: 'Milliseconds, or null when it does not apply or is not known.',
})

const runId = z.int().min(1).meta({ id: 'runId', description: "The run's id in this session, from 1." })

const count = z.int().min(0).meta({ id: 'count' })

const relativePath = z
  .string()
  .regex(/^[^/]/)
  .meta({ id: 'relativePath', description: 'A path relative to the project root, with / separators.' })

const testState = z.enum(['passed', 'failed', 'skipped']).meta({ id: 'testState' })

/** The fields every line starts with, in this order. */
function event<const T extends string>(type: T) {
  return { schema, type: z.literal(type), time }
}

const sessionStart = z
  .strictObject({
    ...event('session.start'),
    project: z
      .strictObject({
        name: z.string(),
        id: z.string().describe("The name plus a digest of the checkout's path (two worktrees differ)."),
        root: z.string().describe('Absolute: every other path is relative to it.'),
      })
      .nullable()
      .describe('Null when hearth stopped before it could load the project (a configuration error).'),
    command: z.string().describe('The hearth command: ci, dev…'),
    version: z.string().describe("hearth's version."),
    shard: z
      .strictObject({ index: z.int().min(1), total: z.int().min(1) })
      .nullable()
      .describe('The shard of a plan this session runs (`hearth ci --shard 2/4`), or null.'),
  })
  .meta({ id: 'session.start', description: 'The first line.' })

const instance = z
  .strictObject({
    id: z.string().describe("The instance's runtime id."),
    driver: z.string().describe('The driver running it: docker, process.'),
    reused: z.boolean().describe('Found running and attached to, rather than created.'),
    ports: z.record(z.string(), z.int()).describe('Its published ports by name (host ports on 127.0.0.1).'),
  })
  .meta({ id: 'instance' })

const failure = z
  .strictObject({
    cause: z.string(),
    fix: z.string().nullable(),
    logTail: z.array(z.string()).describe('The last lines it printed.'),
    blockedBy: z
      .string()
      .nullable()
      .describe(
        'The `environment/service` whose failure kept this one from starting; null when it failed itself.',
      ),
  })
  .meta({ id: 'failure' })

/** One shape of `service.state` per set of states that carry the same fields. */
function serviceState<const S extends readonly [string, ...string[]], E extends z.ZodRawShape>(
  states: S,
  extra: E,
) {
  return z.strictObject({
    ...event('service.state'),
    environment: z.string(),
    service: z.string().describe("The service's name in its environment."),
    kind: z
      .enum(['container', 'process', 'job'])
      .describe('As defined: a container that fell back to its process keeps `container`.'),
    state: z.enum(states),
    durationMs: optionalDurationMs,
    instance: instance.nullable(),
    ...extra,
  })
}

const serviceStateEvent = z
  .discriminatedUnion('state', [
    serviceState(['starting', 'running', 'stopping', 'stopped', 'reset'], {}),
    serviceState(['ready', 'completed'], {
      outputs: z
        .record(z.string(), z.string())
        .describe("The service's connection information (declared outputs, host, <port>Port)."),
    }),
    serviceState(['failed'], { failure }),
    serviceState(['fell-back'], {
      reason: z.string().describe("Why it runs as its fallback process (the container runtime's problem)."),
    }),
  ])
  .meta({
    id: 'service.state',
    description:
      'A service changed state. `outputs` comes with ready and completed only, `failure` with failed, `reason` with fell-back.',
  })

const why = z.string().describe('The same words the terminal shows.')

const reason = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('import'),
      changed: z.string(),
      chain: z.array(z.string()).min(1).describe('From the test file to `changed`.'),
      viaBuildOutput: z
        .string()
        .nullable()
        .describe('A package it reaches through its build output (rebuilt first), or null.'),
      why,
    }),
    z.strictObject({
      kind: z.literal('rule'),
      rule: z.enum(['group', 'service', 'config', 'global']),
      name: z.string().describe('The group, service or config file.'),
      glob: z.string(),
      changed: z.string(),
      why,
    }),
    z.strictObject({ kind: z.literal('all'), why }),
    z.strictObject({ kind: z.literal('restarted'), service: z.string(), why }),
    z.strictObject({ kind: z.literal('retry'), attempt: z.int().min(2), why }),
  ])
  .meta({ id: 'reason', description: 'Why a test file runs.' })

const runStart = z
  .strictObject({
    ...event('run.start'),
    run: runId,
    trigger: z.enum(['all', 'since', 'change']),
    files: z
      .array(
        z.strictObject({
          path: relativePath,
          group: z.string().nullable(),
          environment: z.string().nullable().describe('The environment its group needs, or null for none.'),
          reasons: z.array(reason),
        }),
      )
      .describe('In path order.'),
  })
  .meta({ id: 'run.start', description: 'A test run starts: every file it will run, and why.' })

const runPhase = z
  .strictObject({
    ...event('run.phase'),
    run: runId,
    phase: z.enum(['resetting', 'building', 'running']),
  })
  .meta({ id: 'run.phase' })

const runRetry = z
  .strictObject({
    ...event('run.retry'),
    run: runId,
    attempt: z.int().min(2).describe('2 for the first retry.'),
    files: z.array(relativePath).min(1).describe('The files that run again.'),
  })
  .meta({ id: 'run.retry', description: 'Failed files run again (--retry).' })

const error = z
  .strictObject({
    message: z.string(),
    stack: z.string().optional().describe('Its frames relative to the project root.'),
    location: z
      .strictObject({
        path: z.string().describe('Relative to the project root; absolute for a file outside it.'),
        line: z.int().min(1),
        column: z.int().min(0),
      })
      .optional(),
  })
  .meta({ id: 'error' })

const test = z
  .strictObject({
    name: z.string().describe('Describe blocks and the test, joined with ` > `.'),
    state: testState,
    durationMs,
    errors: z.array(error),
  })
  .meta({ id: 'test' })

const fileResult = z
  .strictObject({
    ...event('file.result'),
    run: runId,
    path: relativePath,
    state: testState,
    durationMs: optionalDurationMs,
    attempt: z.int().min(1).describe('1 for the first pass.'),
    flaky: z.boolean().describe('It failed, then passed on this attempt.'),
    reasons: z.array(reason).describe('As in run.start; a retry adds a retry reason.'),
    tests: z.array(test),
    errors: z.array(error).describe('Errors of the file itself: it did not load, a hook failed.'),
  })
  .meta({
    id: 'file.result',
    description: 'A test file finished; one per attempt, the last one for a path is its result.',
  })

const runBlocked = z
  .discriminatedUnion('kind', [
    z.strictObject({
      ...event('run.blocked'),
      run: runId,
      kind: z.literal('environment'),
      name: z.string().describe('The environment that could not be made ready.'),
    }),
    z.strictObject({
      ...event('run.blocked'),
      run: runId,
      kind: z.literal('build'),
      name: z.string().describe('The package that did not build.'),
      output: z.string().describe("The build's output."),
    }),
  ])
  .meta({ id: 'run.blocked', description: 'The run could not run its tests; run.end follows.' })

const buildReason = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('missing'), output: z.string(), why }),
    z.strictObject({
      kind: z.literal('stale'),
      output: z.string(),
      newer: z.string().describe('The newest source, newer than `output`.'),
      why,
    }),
  ])
  .meta({ id: 'buildReason' })

const buildPlan = z
  .strictObject({
    ...event('build.plan'),
    run: runId,
    skipped: z.boolean().describe('--no-build: these packages are not rebuilt, so results may be stale.'),
    packages: z
      .array(
        z.strictObject({
          name: z.string(),
          dir: z.string().describe('Relative to the project root.'),
          reason: buildReason,
        }),
      )
      .describe('In build order.'),
  })
  .meta({
    id: 'build.plan',
    description:
      'The packages the run uses through their build output whose output is missing or older than their sources.',
  })

const buildStart = z
  .strictObject({
    ...event('build.start'),
    run: runId,
    name: z.string().describe('The package.'),
    command: z.string().describe('What runs, e.g. `pnpm run build (in packages/core)`.'),
  })
  .meta({ id: 'build.start' })

const buildEnd = z
  .discriminatedUnion('ok', [
    z.strictObject({
      ...event('build.end'),
      run: runId,
      name: z.string(),
      ok: z.literal(true),
      durationMs,
    }),
    z.strictObject({
      ...event('build.end'),
      run: runId,
      name: z.string(),
      ok: z.literal(false),
      durationMs,
      output: z.string().describe("The tail of the build's output."),
    }),
  ])
  .meta({ id: 'build.end', description: "One package's build ended; a failed one carries its output." })

const warning = z
  .strictObject({
    ...event('warning'),
    code: z.enum(['empty-group', 'ungrouped-files', 'stale-build', 'reset-failed']),
    message: z.string().describe('As the terminal shows it.'),
    fix: z.string().nullable(),
  })
  .meta({ id: 'warning', description: 'Something that does not stop the session but that you should know.' })

const fileCounts = z
  .strictObject({ total: count, passed: count, failed: count, skipped: count, flaky: count })
  .meta({ id: 'fileCounts' })

const testCounts = z
  .strictObject({ total: count, passed: count, failed: count, skipped: count })
  .meta({ id: 'testCounts' })

const runEnd = z
  .strictObject({
    ...event('run.end'),
    run: runId,
    cancelled: z.boolean().describe('Ctrl-C, or (while watching) superseded by a newer change.'),
    durationMs: durationMs.describe('From run.start.'),
    files: fileCounts.describe('Test files, after retries; total counts those that did not run too.'),
    tests: testCounts.describe('Test cases, after retries.'),
    errors: z
      .array(error)
      .min(1)
      .optional()
      .describe(
        'Errors of the run no test file could be blamed for (they fail it); only when there are some.',
      ),
  })
  .meta({ id: 'run.end' })

const sessionEnd = z
  .strictObject({
    ...event('session.end'),
    exitCode: z.int().min(0).max(255).describe("hearth's exit code."),
    durationMs: optionalDurationMs.describe('Since session.start.'),
    interrupted: z.string().nullable().describe('The signal that interrupted the session, if one did.'),
    error: z
      .strictObject({ cause: z.string(), fix: z.string().nullable() })
      .nullable()
      .describe("hearth's own failure (usage, configuration, no runtime), with its fix."),
  })
  .meta({ id: 'session.end', description: 'The last line.' })

const log = z
  .strictObject({
    ...event('log'),
    environment: z.string(),
    service: z.string(),
    stream: z
      .enum(['stdout', 'stderr', 'output'])
      .describe(
        '`output` when the runtime does not tell stdout and stderr apart, and for the restart marker.',
      ),
    line: z.string().max(4000),
  })
  .meta({
    id: 'log',
    description:
      'A line a service printed (one event per line), control sequences stripped, cut at 4000 characters. `time` is when hearth read it.',
  })

/** One line of the stream. */
export const hearthEventSchema = z.discriminatedUnion('type', [
  sessionStart,
  serviceStateEvent,
  runStart,
  runPhase,
  runRetry,
  fileResult,
  runBlocked,
  runEnd,
  sessionEnd,
  buildPlan,
  buildStart,
  buildEnd,
  warning,
  log,
])

export type HearthEvent = z.infer<typeof hearthEventSchema>
export type SessionStartEvent = z.infer<typeof sessionStart>
export type ServiceStateEvent = z.infer<typeof serviceStateEvent>
export type ServiceEventState = ServiceStateEvent['state']
export type EventInstance = z.infer<typeof instance>
export type EventFailure = z.infer<typeof failure>
/** A SelectionReason as data, with `why`: the same words the terminal shows. */
export type EventReason = z.infer<typeof reason>
export type RunStartEvent = z.infer<typeof runStart>
export type EventRunFile = RunStartEvent['files'][number]
export type RunPhaseEvent = z.infer<typeof runPhase>
export type RunRetryEvent = z.infer<typeof runRetry>
export type EventError = z.infer<typeof error>
export type EventTest = z.infer<typeof test>
export type FileResultEvent = z.infer<typeof fileResult>
export type RunBlockedEvent = z.infer<typeof runBlocked>
export type EventBuildReason = z.infer<typeof buildReason>
export type BuildPlanEvent = z.infer<typeof buildPlan>
export type BuildStartEvent = z.infer<typeof buildStart>
export type BuildEndEvent = z.infer<typeof buildEnd>
export type WarningEvent = z.infer<typeof warning>
export type RunEndEvent = z.infer<typeof runEnd>
export type SessionEndEvent = z.infer<typeof sessionEnd>
export type LogEvent = z.infer<typeof log>

/**
 * docs/events.schema.json: JSON Schema draft 2020-12 of one line, closed. Its header (`$id`,
 * `title`, `description`) is set here rather than as zod metadata, so that it leads the document.
 */
export function toEventsJsonSchema(): Record<string, unknown> {
  const { $schema, ...generated } = z.toJSONSchema(hearthEventSchema, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'throw',
    cycles: 'throw',
    // Two bits of zod's output that say nothing to a reader of the document: an integer's bounds
    // when they are JavaScript's safe-integer range, and record keys being strings (every JSON key is).
    override: ({ jsonSchema }) => {
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum
      const keys = jsonSchema.propertyNames
      if (typeof keys === 'object' && Object.keys(keys).length === 1 && keys.type === 'string') {
        delete jsonSchema.propertyNames
      }
    },
  })
  return {
    $schema,
    $id: 'urn:hearth:events:1',
    title: 'hearth.events/1',
    description:
      "One line of hearth's NDJSON event stream (docs/events.md). Closed (additionalProperties: false) so that hearth's own tests catch drift; a consumer should ignore fields and event types it does not know, since /1 only ever adds them.",
    ...generated,
  }
}
