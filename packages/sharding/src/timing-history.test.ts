import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  emptyTimingHistory,
  parseTimingHistory,
  recordEnvironmentStartups,
  recordRunOverhead,
  recordTimings,
  serializeTimingHistory,
  type TimingHistory,
} from './timing-history.js'

// The same cases on every run, so CI never meets a new one by chance; FC_SEED=<n> explores others
// (a failure prints its seed and the shrunk case).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) })

const at = new Date('2026-11-24T10:00:00.000Z')

describe('timing history', () => {
  it('starts a file at its first duration and smooths later ones (30% newest)', () => {
    const first = recordTimings(
      emptyTimingHistory(),
      [{ path: 'tests/a.test.ts', durationMs: 1000, state: 'passed' }],
      at,
    )
    expect(first.files['tests/a.test.ts']).toEqual({
      estimateMs: 1000,
      lastMs: 1000,
      samples: 1,
      updatedAt: at.toISOString(),
    })
    const second = recordTimings(first, [{ path: 'tests/a.test.ts', durationMs: 2000, state: 'failed' }], at)
    expect(second.files['tests/a.test.ts']).toEqual({
      estimateMs: 1300,
      lastMs: 2000,
      samples: 2,
      updatedAt: at.toISOString(),
    })
  })

  it('leaves skipped files and nonsense durations out, and keeps other files', () => {
    const base = recordTimings(emptyTimingHistory(), [{ path: 'b', durationMs: 5, state: 'passed' }], at)
    const next = recordTimings(
      base,
      [
        { path: 'a', durationMs: 10, state: 'skipped' },
        { path: 'c', durationMs: Number.NaN, state: 'passed' },
        { path: 'd', durationMs: -1, state: 'passed' },
      ],
      at,
    )
    expect(Object.keys(next.files)).toEqual(['b'])
  })

  it('serializes with sorted paths and reads its own output back', () => {
    const history = recordTimings(
      emptyTimingHistory(),
      [
        { path: 'z.test.ts', durationMs: 1.234, state: 'passed' },
        { path: 'a.test.ts', durationMs: 2, state: 'passed' },
      ],
      at,
    )
    const text = serializeTimingHistory(history)
    expect(Object.keys(JSON.parse(text).files)).toEqual(['a.test.ts', 'z.test.ts'])
    expect(parseTimingHistory(text)).toEqual(history)
    expect(history.files['z.test.ts']?.estimateMs).toBe(1.2)
  })

  it('reads anything broken, missing or of another format as an empty history', () => {
    for (const text of [null, '', '{', '[]', '{"format":2,"files":{}}', '{"format":1}']) {
      expect(parseTimingHistory(text)).toEqual(emptyTimingHistory())
    }
    expect(
      parseTimingHistory(
        '{"format":1,"files":{"a":{"estimateMs":"x"},"b":{"estimateMs":1,"lastMs":1,"samples":1,"updatedAt":"t"}}}',
      ).files,
    ).toEqual({
      b: { estimateMs: 1, lastMs: 1, samples: 1, updatedAt: 't' },
    })
  })

  it('drops entries with negative or non-finite numbers, and reads a non-object as empty', () => {
    const timing = { estimateMs: 1, lastMs: 1, samples: 1, updatedAt: 't' }
    const entries = [
      `"ok":${JSON.stringify(timing)}`,
      '"negative":{"estimateMs":-1,"lastMs":1,"samples":1,"updatedAt":"t"}',
      '"infinite":{"estimateMs":1,"lastMs":1e999,"samples":1,"updatedAt":"t"}',
      '"samples":{"estimateMs":1,"lastMs":1,"samples":-2,"updatedAt":"t"}',
      '"missing":{"estimateMs":1}',
      '"list":[1,2]',
      '"nothing":null',
    ]
    expect(parseTimingHistory(`{"format":1,"files":{${entries.join(',')}}}`).files).toEqual({ ok: timing })
    for (const text of [
      '1',
      '"x"',
      'null',
      'true',
      '[{"format":1}]',
      '{"format":1,"files":[]}',
      '{"format":1,"files":7}',
    ]) {
      expect(parseTimingHistory(text)).toEqual(emptyTimingHistory())
    }
  })

  it('keeps a path named like an Object.prototype property as a plain key', () => {
    const timing = { estimateMs: 5, lastMs: 5, samples: 1, updatedAt: 't' }
    const parsed = parseTimingHistory(`{"format":1,"files":{"__proto__":${JSON.stringify(timing)}}}`)
    expect(Object.getPrototypeOf(parsed.files)).toBe(Object.prototype)
    expect(Object.hasOwn(parsed.files, '__proto__')).toBe(true)
    const recorded = recordTimings(
      emptyTimingHistory(),
      [{ path: '__proto__', durationMs: 5, state: 'passed' }],
      at,
    )
    expect(Object.keys(recorded.files)).toEqual(['__proto__'])
  })

  it('never throws on junk, and what it reads is a format-1 history of valid timings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc
            .record({
              format: fc.oneof(fc.constant(1), fc.jsonValue()),
              files: fc.jsonValue(),
              environments: fc.jsonValue(),
            })
            .map((value) => JSON.stringify(value)),
          fc
            .dictionary(
              fc.string(),
              fc.record(
                {
                  estimateMs: fc.jsonValue(),
                  lastMs: fc.double(),
                  samples: fc.integer(),
                  updatedAt: fc.jsonValue(),
                },
                { requiredKeys: [] },
              ),
            )
            .map((files) => JSON.stringify({ format: 1, files, environments: files })),
        ),
        (text) => {
          const history = parseTimingHistory(text)
          expect(history.format).toBe(1)
          for (const timing of [
            ...Object.values(history.files),
            ...Object.values(history.environments ?? {}),
          ]) {
            for (const value of [timing.estimateMs, timing.lastMs, timing.samples]) {
              expect(Number.isFinite(value) && value >= 0).toBe(true)
            }
            expect(typeof timing.updatedAt).toBe('string')
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('environment start-ups', () => {
  it('smooths cold start-ups like file times, skipping nonsense, and keeps the files', () => {
    const withFiles = recordTimings(
      emptyTimingHistory(),
      [{ path: 'a.test.ts', durationMs: 10, state: 'passed' }],
      at,
    )
    const first = recordEnvironmentStartups(withFiles, [{ name: 'db', durationMs: 20_000 }], at)
    const second = recordEnvironmentStartups(
      first,
      [
        { name: 'db', durationMs: 10_000 },
        { name: 'queue', durationMs: Number.POSITIVE_INFINITY },
        { name: 'cache', durationMs: -5 },
      ],
      at,
    )
    expect(second).toEqual({
      format: 1,
      files: withFiles.files,
      environments: { db: { estimateMs: 17_000, lastMs: 10_000, samples: 2, updatedAt: at.toISOString() } },
    })
    // Recording file times keeps what is known of environments.
    expect(recordTimings(second, [], at).environments).toEqual(second.environments)
  })

  it('writes environments sorted beside files and reads them back; an old file has none', () => {
    const history = recordEnvironmentStartups(
      emptyTimingHistory(),
      [
        { name: 'web', durationMs: 3000 },
        { name: 'api', durationMs: 4000 },
      ],
      at,
    )
    const text = serializeTimingHistory(history)
    expect(Object.keys(JSON.parse(text).environments)).toEqual(['api', 'web'])
    expect(parseTimingHistory(text)).toEqual(history)
    expect(parseTimingHistory('{"format":1,"files":{}}')).not.toHaveProperty('environments')
    const broken: TimingHistory = parseTimingHistory(
      '{"format":1,"files":{},"environments":{"db":{"estimateMs":"slow"},"api":{"estimateMs":1,"lastMs":1,"samples":1,"updatedAt":"t"}}}',
    )
    expect(broken.environments).toEqual({ api: { estimateMs: 1, lastMs: 1, samples: 1, updatedAt: 't' } })
    expect(parseTimingHistory('{"format":1,"files":{},"environments":[1]}')).toEqual(emptyTimingHistory())
  })
})

describe("a run's fixed cost", () => {
  it('smooths it like file times, writes it beside files and reads it back; nonsense is dropped', () => {
    const first = recordRunOverhead(emptyTimingHistory(), 3000, new Date(0))
    const second = recordRunOverhead(first, 2000, new Date(1000))
    expect(second.overhead).toEqual({
      estimateMs: 2700,
      lastMs: 2000,
      samples: 2,
      updatedAt: '1970-01-01T00:00:01.000Z',
    })
    expect(parseTimingHistory(serializeTimingHistory(second))).toEqual(second)
    expect(recordRunOverhead(second, Number.NaN, new Date(2000))).toEqual(second)
    expect(parseTimingHistory('{"format":1,"files":{},"overhead":{"estimateMs":-1}}')).toEqual(
      emptyTimingHistory(),
    )
    expect(parseTimingHistory('{"format":1,"files":{},"overhead":"fast"}')).toEqual(emptyTimingHistory())
  })
})
