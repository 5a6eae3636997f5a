import { readFileSync } from 'node:fs'
import type {
  BuildReason,
  LogEntry,
  RunBlock,
  RunState,
  SelectionReason,
  TestState,
  WarningCode,
} from '@hearth/core'
import type { ServiceKind } from '@hearth/environments'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { EVENTS_SCHEMA_FILE, renderEventsJsonSchema } from '../../../../scripts/generate-event-schema.js'
import {
  type BuildEndEvent,
  type EventBuildReason,
  type EventReason,
  type FileResultEvent,
  type HearthEvent,
  hearthEventSchema,
  type LogEvent,
  type RunBlockedEvent,
  type RunPhaseEvent,
  type RunStartEvent,
  type ServiceStateEvent,
  type WarningEvent,
} from './events-schema.js'

describe('docs/events.schema.json', () => {
  it('is what scripts/generate-event-schema.ts generates from the zod schemas', () => {
    expect(
      readFileSync(EVENTS_SCHEMA_FILE, 'utf8'),
      'docs/events.schema.json is not what the zod schemas in apps/hearth/src/reporters/events-schema.ts ' +
        'generate: regenerate it with `pnpm exec tsx scripts/generate-event-schema.ts` (and do not edit it by hand)',
    ).toBe(renderEventsJsonSchema())
  })
})

describe('the event schemas', () => {
  const validate = new Ajv2020({ allErrors: true }).compile(
    JSON.parse(readFileSync(EVENTS_SCHEMA_FILE, 'utf8')),
  )
  const head = { schema: 'hearth.events/1', time: '2025-01-02T03:04:05.000Z' } as const
  const ready = {
    ...head,
    type: 'service.state',
    environment: 'backend',
    service: 'db',
    kind: 'container',
    state: 'ready',
    durationMs: 12,
    instance: { id: '4121', driver: 'process', reused: false, ports: { pg: 41000 } },
    outputs: { host: '127.0.0.1' },
  } satisfies HearthEvent
  const failedBuild = {
    ...head,
    type: 'build.end',
    run: 1,
    name: '@demo/format',
    ok: false,
    durationMs: 800,
    output: "error TS2304: Cannot find name 'x'.",
  } satisfies HearthEvent
  const blocked = {
    ...head,
    type: 'run.blocked',
    run: 1,
    kind: 'environment',
    name: 'backend',
  } satisfies HearthEvent

  // What zod accepts, the generated JSON Schema accepts, and the other way round: the conversion
  // kept every constraint, the state-specific fields included.
  it.each([
    ['a ready service', ready, true],
    ['outputs out of place', { ...ready, state: 'stopping' }, false],
    ['a ready service without its outputs', { ...ready, outputs: undefined }, false],
    ['a reason where only fell-back has one', { ...ready, reason: 'no Docker' }, false],
    ['a failure where only failed has one', { ...ready, failure: { cause: 'x', fix: null } }, false],
    [
      'a port that is not an integer',
      { ...ready, instance: { ...ready.instance, ports: { pg: 1.5 } } },
      false,
    ],
    ['an unknown field', { ...ready, extra: true }, false],
    ['another version', { ...ready, schema: 'hearth.events/2' }, false],
    ['a time without milliseconds', { ...ready, time: '2025-01-02T03:04:05Z' }, false],
    ['an unknown type', { ...ready, type: 'service.changed' }, false],
    ['a failed build', failedBuild, true],
    ['a failed build without its output', { ...failedBuild, output: undefined }, false],
    ['a build that passed, with an output', { ...failedBuild, ok: true }, false],
    ['an environment that blocks a run', blocked, true],
    ['a blocked environment with a build output', { ...blocked, output: 'x' }, false],
    ['a run id of 0', { ...blocked, run: 0 }, false],
  ])('%s', (_, line, valid) => {
    expect(hearthEventSchema.safeParse(line).success).toBe(valid)
    expect(validate(line)).toBe(valid)
  })

  // The values hearth's state can hold are the values the schema documents: adding one to either
  // side is a change of the stream (docs/events.md, Versioning), and fails to compile until both agree.
  it('names the same values as the state it is written from', () => {
    expectTypeOf<ServiceStateEvent['kind']>().toEqualTypeOf<ServiceKind>()
    expectTypeOf<RunStartEvent['trigger']>().toEqualTypeOf<RunState['trigger']>()
    expectTypeOf<RunPhaseEvent['phase']>().toEqualTypeOf<'resetting' | 'building' | 'running'>()
    expectTypeOf<FileResultEvent['state']>().toEqualTypeOf<TestState>()
    expectTypeOf<WarningEvent['code']>().toEqualTypeOf<WarningCode>()
    expectTypeOf<LogEvent['stream']>().toEqualTypeOf<LogEntry['stream']>()
    expectTypeOf<EventReason['kind']>().toEqualTypeOf<SelectionReason['kind']>()
    expectTypeOf<Extract<EventReason, { kind: 'rule' }>['rule']>().toEqualTypeOf<
      Extract<SelectionReason, { kind: 'rule' }>['rule']
    >()
    expectTypeOf<EventBuildReason['kind']>().toEqualTypeOf<BuildReason['kind']>()
    expectTypeOf<RunBlockedEvent['kind']>().toEqualTypeOf<RunBlock['kind']>()
    expectTypeOf<BuildEndEvent['ok']>().toEqualTypeOf<boolean>()
  })
})
