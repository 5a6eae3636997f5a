import { describe, expect, it } from 'vitest'
import { parseJsonWithComments } from './tsconfig.js'

describe('parseJsonWithComments', () => {
  it.each([
    ['{ "a": 1, }', { a: 1 }],
    ['{\n  // a line\n  "a": [1, 2, ], /* a block\n over lines */ "b": {},\n}', { a: [1, 2], b: {} }],
    // Comment and comma look-alikes inside strings are text.
    [
      '{ "paths": { "@x/*": ["./src/*"] }, "u": "http://x", "c": ",}" }',
      { paths: { '@x/*': ['./src/*'] }, u: 'http://x', c: ',}' },
    ],
    ['{ "q": "a \\" // b" }', { q: 'a " // b' }],
    ['{ "a": ', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(parseJsonWithComments(text)).toEqual(expected)
  })
})
