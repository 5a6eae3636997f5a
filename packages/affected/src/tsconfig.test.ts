import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { isInside, parseJsonWithComments } from './tsconfig.js'

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

describe('isInside', () => {
  /** The rule the string comparison stands in for. */
  const general = (file: string, dir: string) => {
    const relative = path.relative(dir, file)
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
  }
  it.each([
    ['/repo/a/x.ts', '/repo/a', true],
    ['/repo/a', '/repo/a', true],
    ['/repo/a', '/repo/a/', true],
    ['/repo/a/x.ts', '/repo/a/', true],
    ['/repo/ab/x.ts', '/repo/a', false],
    ['/repo', '/repo/a', false],
    ['/repo/a/x.ts', '/', true],
    ['/repo/a/../b/x.ts', '/repo/a', false],
    ['/repo/b/../a/x.ts', '/repo/a', true],
    ['/repo/a/.hidden/x.ts', '/repo/a', true],
    ['/repo//a/x.ts', '/repo/a', true],
    ['/repo/a/./x.ts', '/repo/a/.', true],
    ['a/x.ts', process.cwd(), true],
  ] as const)('%s in %s: %s', (file, dir, inside) => {
    expect(isInside(file, dir)).toBe(inside)
    expect(general(file, dir)).toBe(inside)
  })
})
