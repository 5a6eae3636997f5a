import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { CachedFileSystem } from './file-system.js'
import { ImportCache } from './import-cache.js'
import { createImportGraph } from './import-graph.js'
import { createFixtures, type FixtureFiles } from './test-support.js'

const fixtures = createFixtures('cache')
afterAll(() => fixtures.cleanup())

const FILES: FixtureFiles = {
  'package.json': { name: 'cached', private: true },
  'node_modules/.keep': '',
  'src/a.ts': "import { b } from './b.js'\nexport const a = b\n",
  'src/b.ts': "export * from './c.js'\nexport const b = 1\n",
  'src/c.ts': "export const c = () => import('./d.js')\n",
  'src/d.ts': 'export const d = 1\n',
  'test/a.test.ts': "import { a } from '../src/a.js'\n",
}
const CODE = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts', 'test/a.test.ts']

/** A workspace whose files were last written an hour ago (long before any cache of them). */
function workspace(): string {
  const root = fixtures.write(FILES)
  for (const file of CODE) age(path.join(root, file))
  return root
}

function age(file: string, seconds = 3600): void {
  const then = new Date(Date.now() - seconds * 1000)
  utimesSync(file, then, then)
}

/** Reads every code file through a new cache (as a new hearth process would), then saves it. */
function run(root: string): { counts: ImportCache['counts']; imports: Record<string, string[]> } {
  const cache = new ImportCache(root, new CachedFileSystem())
  const imports: Record<string, string[]> = {}
  for (const file of CODE) {
    imports[file] = cache.imports(path.join(root, file)).imports.map((ref) => `${ref.kind} ${ref.specifier}`)
  }
  cache.save(CODE.map((file) => path.join(root, file)))
  return { counts: { ...cache.counts }, imports }
}

const cacheFile = (root: string) => path.join(root, 'node_modules/.cache/hearth/imports.json')

describe('ImportCache', () => {
  it('reads nothing the second time, and only what changed the third', () => {
    const root = workspace()
    const first = run(root)
    expect(first.counts).toEqual({ read: 5, parsed: 5 })
    expect(existsSync(cacheFile(root))).toBe(true)
    expect(run(root)).toEqual({ counts: { read: 0, parsed: 0 }, imports: first.imports })

    // b.ts changes; d.ts is written again with the same content (read and hashed, not parsed).
    writeFileSync(path.join(root, 'src/b.ts'), "export * from './d.js'\nexport const b = 2\n")
    age(path.join(root, 'src/b.ts'), 60)
    age(path.join(root, 'src/d.ts'), 60)
    const third = run(root)
    expect(third.counts).toEqual({ read: 2, parsed: 1 })
    expect(third.imports['src/b.ts']).toEqual(['re-export ./d.js'])
    expect(run(root).counts).toEqual({ read: 0, parsed: 0 })
  })

  it('does not trust a time and size that an edit in the same clock tick could leave alike', () => {
    const root = workspace()
    const file = path.join(root, 'src/d.ts')
    writeFileSync(file, "import './a.js'\n")
    const { mtime } = statSync(file)
    run(root)
    // Same size, same time, other content: written just before the cache was, so it is hashed.
    writeFileSync(file, "import './b.js'\n")
    utimesSync(file, mtime, mtime)
    const second = run(root)
    expect(second.imports['src/d.ts']).toEqual(['side-effect ./b.js'])
    expect(second.counts).toEqual({ read: 1, parsed: 1 })
  })

  it.each([
    ['not JSON', '{"format": 1, "files": {'],
    ['another format', JSON.stringify({ format: 0, parser: 'x', writtenAt: Date.now(), files: {} })],
    ['null', 'null'],
  ])('ignores a cache file that is %s, and writes a good one', (_, content) => {
    const root = workspace()
    const expected = run(root).imports
    writeFileSync(cacheFile(root), content)
    expect(run(root)).toEqual({ counts: { read: 5, parsed: 5 }, imports: expected })
    expect(run(root).counts).toEqual({ read: 0, parsed: 0 })
  })

  it('ignores entries that are not well formed, and keeps the others', () => {
    const root = workspace()
    const expected = run(root).imports
    const cache = JSON.parse(readFileSync(cacheFile(root), 'utf8'))
    cache.files['src/a.ts'] = ['x']
    cache.files['src/b.ts'][5] = ['./c.js', 99, 0]
    writeFileSync(cacheFile(root), JSON.stringify(cache))
    expect(run(root)).toEqual({ counts: { read: 2, parsed: 2 }, imports: expected })
  })

  it('keeps nothing where there is no node_modules folder', () => {
    const root = fixtures.write({ 'src/a.ts': "import './b.js'\n" })
    const cache = new ImportCache(root, new CachedFileSystem())
    cache.imports(path.join(root, 'src/a.ts'))
    cache.save([path.join(root, 'src/a.ts')])
    expect(existsSync(path.join(root, 'node_modules'))).toBe(false)
  })
})

describe('the graph on a cache', () => {
  it('is the graph built without one, after edits between runs too', async () => {
    const root = workspace()
    const describeGraph = async (cache: boolean) => {
      const graph = await createImportGraph({ root, testFiles: ['test/a.test.ts'], cache })
      return graph.reach('test/a.test.ts').map((reached) => reached.chain.map((f) => path.relative(root, f)))
    }
    const uncached = await describeGraph(false)
    expect(existsSync(cacheFile(root))).toBe(false)
    expect(await describeGraph(true)).toEqual(uncached)
    expect(await describeGraph(true)).toEqual(uncached)
    writeFileSync(path.join(root, 'src/b.ts'), 'export const b = 1\n')
    const edited = await describeGraph(false)
    expect(edited).not.toEqual(uncached)
    expect(await describeGraph(true)).toEqual(edited)
  })
  it('saves what an update read once updates pause, not on the way to the test run', async () => {
    const root = workspace()
    const graph = await createImportGraph({ root, testFiles: ['test/a.test.ts'] })
    const saved = () => Object.keys(JSON.parse(readFileSync(cacheFile(root), 'utf8')).files).sort()
    expect(saved()).toEqual(CODE)
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    try {
      writeFileSync(path.join(root, 'src/b.ts'), 'export const b = 1\n')
      await graph.update([path.join(root, 'src/b.ts')])
      expect(saved()).toEqual(CODE)
      await vi.advanceTimersByTimeAsync(5_000)
      await graph.update([]) // queued after the save
      expect(saved()).toEqual(['src/a.ts', 'src/b.ts', 'test/a.test.ts'])
    } finally {
      vi.useRealTimers()
    }
  })
})
