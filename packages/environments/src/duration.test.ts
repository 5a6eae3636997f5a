import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration.js'

describe('parseDuration', () => {
  const valid: [string | number, number][] = [
    ['250ms', 250],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5h', 5_400_000],
    [' 4 h ', 14_400_000],
    ['0.5ms', 1],
    [1500, 1500],
    [1500.4, 1500],
    [0.5, 1],
  ]
  it.each(valid)('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  const invalid: (string | number)[] = [
    '',
    '2',
    '5000',
    '2 hours',
    '2H',
    '-1h',
    '1h30m',
    '.5h',
    '0s',
    '0.1ms',
    0,
    0.4,
    -5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ]
  it.each(invalid)('%j is not a duration', (input) => {
    expect(parseDuration(input)).toBeNull()
  })
})

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0 ms'],
    [850, '850 ms'],
    [999.4, '999 ms'],
    [999.6, '1.00 s'],
    [1000, '1.00 s'],
    [1240, '1.24 s'],
    [59_990, '59.99 s'],
    [59_996, '1m 00s'],
    [60_000, '1m 00s'],
    [125_000, '2m 05s'],
    [3_599_000, '59m 59s'],
    [3_599_600, '1h 00m'],
    [11_400_000, '3h 10m'],
    [86_399_000, '23h 59m'],
    [86_400_000, '1d 0h'],
    [90_000_000, '1d 1h'],
  ]
  it.each(cases)('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
