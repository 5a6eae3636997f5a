import { describe, expect, it } from 'vitest'
import { initialState } from '../../store/state.js'
import { deepFreeze } from '../../testing/states.js'
import { appendLines, logsReducer } from './reducer.js'
import { selectLogLines, selectLogTail } from './selectors.js'
import { EMPTY_LOG, LOG_CAP, type LogEntry, type ServiceLog } from './state.js'

const entries = (from: number, count: number): LogEntry[] =>
  Array.from({ length: count }, (_, index) => ({
    text: `line ${from + index}`,
    stream: 'output' as const,
    at: from + index,
  }))

const texts = (lines: readonly LogEntry[]): string[] => lines.map((line) => line.text)

/** A log as `count` lines appended from empty, in batches of `batch`. */
function logOf(count: number, batch = count, cap = LOG_CAP): ServiceLog {
  let log = EMPTY_LOG
  for (let from = 0; from < count; from += batch)
    log = appendLines(log, entries(from, Math.min(batch, count - from)), cap)
  return log
}

describe('appendLines', () => {
  it('appends under the cap, keeping offsets from 0', () => {
    const log = appendLines(appendLines(EMPTY_LOG, entries(0, 3)), entries(3, 2))
    expect(texts(log.lines)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4'])
    expect({ start: log.start, end: log.end }).toEqual({ start: 0, end: 5 })
  })

  it('keeps exactly `cap` lines, then drops the oldest while `end` keeps counting', () => {
    const full = logOf(LOG_CAP, 500)
    expect({ kept: full.lines.length, start: full.start, end: full.end }).toEqual({
      kept: LOG_CAP,
      start: 0,
      end: LOG_CAP,
    })
    const over = appendLines(full, entries(LOG_CAP, 3))
    expect({ kept: over.lines.length, start: over.start, end: over.end }).toEqual({
      kept: LOG_CAP,
      start: 3,
      end: LOG_CAP + 3,
    })
    expect(over.lines[0]?.text).toBe('line 3')
    expect(over.lines.at(-1)?.text).toBe(`line ${LOG_CAP + 2}`)
  })

  it('keeps the last `cap` lines of a batch bigger than the cap, whatever was there before', () => {
    const log = appendLines(logOf(10, 10, 5), entries(10, 8), 5)
    expect(texts(log.lines)).toEqual(['line 13', 'line 14', 'line 15', 'line 16', 'line 17'])
    expect({ start: log.start, end: log.end }).toEqual({ start: 13, end: 18 })
  })

  it('keeps offsets consistent however the lines were batched: line `start + i` is lines[i]', () => {
    for (const batch of [1, 3, 7, 40]) {
      const log = logOf(53, batch, 10)
      expect({ batch, start: log.start, end: log.end, kept: log.lines.length }).toEqual({
        batch,
        start: 43,
        end: 53,
        kept: 10,
      })
      expect(texts(log.lines)).toEqual(log.lines.map((_, index) => `line ${log.start + index}`))
    }
  })

  it('changes neither the log nor the lines it is given', () => {
    const log = deepFreeze(logOf(5, 5, 5))
    const lines = deepFreeze(entries(5, 2))
    expect(() => appendLines(log, lines, 5)).not.toThrow()
    expect(log.end).toBe(5)
  })
})

describe('logsReducer', () => {
  it('appends to one service without touching the others, and ignores an empty batch', () => {
    const state = deepFreeze(initialState(0))
    const one = logsReducer(state, { type: 'service/log', at: 1, key: 'backend/db', lines: entries(0, 2) })
    const two = logsReducer(one, { type: 'service/log', at: 2, key: 'backend/api', lines: entries(0, 1) })
    expect(texts(two.logs['backend/db']?.lines ?? [])).toEqual(['line 0', 'line 1'])
    expect(two.logs['backend/api']?.end).toBe(1)
    expect(logsReducer(two, { type: 'service/log', at: 3, key: 'backend/db', lines: [] })).toBe(two)
  })
})

describe('selectLogLines and selectLogTail', () => {
  const key = 'backend/db'
  // 2000 kept of 2300: offsets 300…2299.
  const state = { ...initialState(0), logs: { [key]: logOf(LOG_CAP + 300, 500) } }

  it('reads everything kept by default, with the offsets it spans', () => {
    const read = selectLogLines(state, key)
    expect({ count: read.lines.length, start: read.start, end: read.end }).toEqual({
      count: LOG_CAP,
      start: 300,
      end: 2300,
    })
  })

  it('starts a reader from an offset that was dropped at the oldest kept line, and says so', () => {
    const read = selectLogLines(state, key, { from: 10, limit: 3 })
    expect(texts(read.lines)).toEqual(['line 300', 'line 301', 'line 302'])
    expect({ start: read.start, end: read.end }).toEqual({ start: 300, end: 303 })
  })

  it('follows by offset: reading from `end` gives what came since, in pages of `limit`', () => {
    const first = selectLogLines(state, key, { from: 2290, limit: 4 })
    expect(texts(first.lines)).toEqual(['line 2290', 'line 2291', 'line 2292', 'line 2293'])
    const second = selectLogLines(state, key, { from: first.end, limit: 100 })
    expect(texts(second.lines)).toEqual([
      'line 2294',
      'line 2295',
      'line 2296',
      'line 2297',
      'line 2298',
      'line 2299',
    ])
    expect(second.end).toBe(2300)
    const more = { ...state, logs: { [key]: appendLines(state.logs[key] as ServiceLog, entries(2300, 2)) } }
    expect(texts(selectLogLines(more, key, { from: second.end }).lines)).toEqual(['line 2300', 'line 2301'])
  })

  it('reads nothing at or past the end, nor for a service that printed nothing', () => {
    expect(selectLogLines(state, key, { from: 2300 })).toEqual({ lines: [], start: 2300, end: 2300 })
    expect(selectLogLines(state, key, { from: 9999 })).toEqual({ lines: [], start: 2300, end: 2300 })
    expect(selectLogLines(state, key, { limit: 0 }).lines).toEqual([])
    expect(selectLogLines(state, 'backend/api')).toEqual({ lines: [], start: 0, end: 0 })
  })

  it('gives the last lines, oldest first', () => {
    expect(texts(selectLogTail(state, key, 3))).toEqual(['line 2297', 'line 2298', 'line 2299'])
    expect(selectLogTail(state, 'backend/api', 3)).toEqual([])
  })
})
