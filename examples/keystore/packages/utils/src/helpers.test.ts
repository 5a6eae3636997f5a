import { describe, expect, it } from 'vitest'
import { chunk } from './chunk.js'
import { escapeGlob } from './glob.js'

describe('escapeGlob', () => {
  it('escapes every glob character and nothing else', () => {
    expect(escapeGlob('users:[admin]*?\\x')).toBe('users:\\[admin\\]\\*\\?\\\\x')
    expect(escapeGlob('plain:key')).toBe('plain:key')
  })
})

describe('chunk', () => {
  it('slices a list, the last slice shorter', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(chunk([], 3)).toEqual([])
  })
})
