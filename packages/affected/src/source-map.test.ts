import { describe, expect, it } from 'vitest'
import { pickEntrySource, readSourceMapSources, sourceMapFiles } from './source-map.js'

describe('readSourceMapSources', () => {
  it.each([
    [
      'tsc',
      '{"version":3,"file":"index.js","sourceRoot":"","sources":["../src/index.ts"],"names":[],"mappings":"AAAA"}',
      { sources: ['../src/index.ts'] },
    ],
    [
      'with a sourceRoot',
      '{"version":3,"sourceRoot":"../src/","sources":["a.ts","b.ts"],"mappings":""}',
      { sources: ['a.ts', 'b.ts'], sourceRoot: '../src/' },
    ],
    // sourcesContent is not parsed: brackets, escaped quotes and a "sources": inside it change nothing.
    [
      'a bundle with sourcesContent',
      `{"version":3,"sources":["../src/keys.ts","../src/index.ts"],"sourcesContent":["const a = [1, \\"sources\\": ]\\n","export * from './keys'"],"mappings":";;"}`,
      { sources: ['../src/keys.ts', '../src/index.ts'] },
    ],
    [
      'a source name with ] and "',
      '{"sources":["../src/a]b.ts","../src/q\\"x.ts"]}',
      { sources: ['../src/a]b.ts', '../src/q"x.ts'] },
    ],
    [
      'an index map',
      '{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"sources":["a.ts"],"sourceRoot":"src"}},{"offset":{"line":9,"column":0},"map":{"sources":["b.ts"]}}]}',
      { sources: ['a.ts', 'b.ts'], sourceRoot: 'src' },
    ],
    ['not JSON', 'export {}', undefined],
    ['no sources', '{"version":3}', undefined],
  ])('%s', (_, text, expected) => {
    expect(readSourceMapSources(text)).toEqual(expected)
  })
})

describe('sourceMapFiles', () => {
  it('resolves sources against sourceRoot and the map folder; file: URLs are paths, other URLs are left out', () => {
    expect(
      sourceMapFiles(
        { sources: ['../src/index.ts', 'file:///repo/pkg/src/x.ts', 'webpack://pkg/./src/y.ts'] },
        '/repo/pkg/dist/index.mjs.map',
      ),
    ).toEqual(['/repo/pkg/src/index.ts', '/repo/pkg/src/x.ts'])
    expect(
      sourceMapFiles({ sources: ['a.ts'], sourceRoot: '../src' }, '/repo/pkg/dist/index.js.map'),
    ).toEqual(['/repo/pkg/src/a.ts'])
  })
})

describe('pickEntrySource', () => {
  const SRC = '/p/src'
  it.each([
    ['one source', ['/p/src/main.ts'], '/p/dist/index.mjs', '/p/src/main.ts'],
    [
      'the one named like the output',
      ['/p/src/keys.ts', '/p/src/index.ts', '/p/src/util.ts'],
      '/p/dist/index.mjs',
      '/p/src/index.ts',
    ],
    [
      'of two named like it, the shallowest',
      ['/p/src/index.ts', '/p/src/a/index.ts'],
      '/p/dist/index.d.mts',
      '/p/src/index.ts',
    ],
    [
      'named like a declaration output',
      ['/p/src/x.ts', '/p/src/json.ts'],
      '/p/dist/json.d.cts',
      '/p/src/json.ts',
    ],
    // Bundlers emit dependencies first: the entry is the last module.
    [
      'else the last one in src',
      ['/p/src/keys.ts', '/p/src/main.ts', '/p/gen/table.ts'],
      '/p/dist/index.mjs',
      '/p/src/main.ts',
    ],
    ['else the last one', ['/p/lib/a.ts', '/p/lib/b.ts'], '/p/dist/index.mjs', '/p/lib/b.ts'],
    ['none', [], '/p/dist/index.mjs', undefined],
  ])('%s', (_, candidates, output, expected) => {
    expect(pickEntrySource(candidates, output, SRC)).toBe(expected)
  })

  it('takes an entry the build config names when no source is named like the output', () => {
    expect(
      pickEntrySource(
        ['/p/src/main.ts', '/p/src/keys.ts'],
        '/p/dist/index.mjs',
        SRC,
        new Set(['/p/src/main.ts']),
      ),
    ).toBe('/p/src/main.ts')
  })
})
