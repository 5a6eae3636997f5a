import { describe, expect, it } from 'vitest'
import {
  fitAddress,
  fitMiddle,
  formatAge,
  homeRelative,
  nextAgeChange,
  sanitizeLine,
  truncateEnd,
  truncateMiddle,
  truncateStart,
  wrapLine,
} from './text.js'

describe('fitting text into columns', () => {
  it('cuts a path from the middle, keeping more of its end (the file name)', () => {
    expect(truncateMiddle('packages/billing/src/invoice.test.ts', 20)).toBe('packages/…ce.test.ts')
    expect(truncateMiddle('packages/billing/src/invoice.test.ts', 20)).toHaveLength(20)
    expect(truncateMiddle('short.ts', 20)).toBe('short.ts')
    expect(truncateMiddle('abc', 1)).toBe('…')
    expect(truncateMiddle('abc', 0)).toBe('')
  })

  it('cuts at the end, or at the start keeping the end', () => {
    expect(truncateEnd('connection refused', 10)).toBe('connectio…')
    expect(truncateStart('/work/main/examples/demo', 15)).toBe('…/examples/demo')
  })

  it('pads to an exact width', () => {
    expect(fitMiddle('db', 5)).toBe('db   ')
    expect(fitMiddle('a-very-long-name', 5)).toBe('a-…me')
  })

  it('wraps long lines into rows of the width, at a space near the end of a row, else hard', () => {
    expect(wrapLine('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij'])
    expect(wrapLine('why: it imports src/money.ts', 12)).toEqual(['why: it', 'imports', 'src/money.ts'])
    expect(wrapLine('', 4)).toEqual([''])
  })

  it("makes a process's line safe for one row", () => {
    expect(sanitizeLine('\u001b[31mERROR\u001b[39m\tdisk full\r')).toBe('ERROR  disk full')
    expect(sanitizeLine('\u001b]0;title\u0007bell\u0007')).toBe('bell')
  })

  it('shows folders under the home folder with ~', () => {
    expect(homeRelative('/home/ada/shop', '/home/ada')).toBe('~/shop')
    expect(homeRelative('/home/adam/shop', '/home/ada')).toBe('/home/adam/shop')
    expect(homeRelative('/work/shop', undefined)).toBe('/work/shop')
  })
})

describe('coarse ages', () => {
  it('change once a minute at most', () => {
    expect(formatAge(59_999)).toBe('<1m')
    expect(formatAge(60_000)).toBe('1m')
    expect(formatAge(65 * 60_000)).toBe('1h05m')
    expect(formatAge(50 * 3_600_000)).toBe('2d2h')
  })

  it('say when the first of them shows something new, so no timer runs before', () => {
    expect(nextAgeChange(10_000, [0])).toBe(60_000)
    expect(nextAgeChange(70_000, [0, 30_000])).toBe(90_000)
    expect(nextAgeChange(10_000, [])).toBeNull()
  })

  it('fits an address by dropping credentials, scheme and path before cutting anything', () => {
    const url = 'postgres://app:secret@127.0.0.1:41371/invoices'
    expect(fitAddress(url, 60)).toBe(url.padEnd(60))
    expect(fitAddress(url, 36)).toBe('postgres://127.0.0.1:41371/invoices ')
    expect(fitAddress(url, 24)).toBe('127.0.0.1:41371/invoices')
    expect(fitAddress(url, 16)).toBe('127.0.0.1:41371 ')
    expect(fitAddress(url, 10)).toBe('127.…41371')
    expect(fitAddress('redis://127.0.0.1:42553', 16)).toBe('127.0.0.1:42553 ')
    expect(fitAddress('127.0.0.1:5432 127.0.0.1:5433', 16)).toBe('127.0.0…0.1:5433')
  })
})
