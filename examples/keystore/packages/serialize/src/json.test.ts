import { describe, expect, it } from 'vitest'
import { json, parse, stringify } from './json.js'

describe('tagged JSON', () => {
  it('keeps dates, bigints, maps, sets and bytes', () => {
    const value = {
      at: new Date('2024-02-29T12:00:00.000Z'),
      big: 2n ** 70n,
      tags: new Set(['a', 'b']),
      counts: new Map([['x', 1]]),
      bytes: new Uint8Array([0, 1, 255]),
      nested: [{ at: new Date(0) }],
    }
    expect(parse(stringify(value))).toEqual(value)
  })

  it('writes tags a plain JSON reader can still read', () => {
    expect(json.stringify({ at: new Date(0) })).toBe('{"at":{"$date":"1970-01-01T00:00:00.000Z"}}')
  })

  it('leaves objects with more keys than a tag alone', () => {
    expect(parse('{"$date":"2024-01-01","note":"not a tag"}')).toEqual({
      $date: '2024-01-01',
      note: 'not a tag',
    })
  })
})
