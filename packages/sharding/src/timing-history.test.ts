import { describe, expect, it } from 'vitest'
import {
  emptyTimingHistory,
  parseTimingHistory,
  recordTimings,
  serializeTimingHistory,
} from './timing-history.js'

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
})
