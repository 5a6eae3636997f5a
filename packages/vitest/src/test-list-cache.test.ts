import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestListCache } from './test-list-cache.js'

let root: string
let owner: { root: string; configFile: string }
const globs = [{ dir: '/w/a', include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**'] }]
const hourAgo = () => new Date(Date.now() - 3_600_000)
const cacheFile = () => path.join(root, 'node_modules/.cache/hearth/tests.json')

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'hearth-list-cache-'))
  mkdirSync(path.join(root, 'node_modules'))
  owner = { root: path.join(root, 'a'), configFile: path.join(root, 'a/vitest.config.ts') }
  mkdirSync(owner.root)
  writeFileSync(owner.configFile, 'export default {}\n')
  utimesSync(owner.configFile, hourAgo(), hourAgo())
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

/** Keeps `globs` for the owner as loaded now, saves, and reads the cache back in a new instance. */
function keepAndReload(options: { loadStartedAt?: number; testGlobs?: typeof globs | null } = {}) {
  const cache = new TestListCache(root, true)
  cache.set(
    owner,
    '4.1.0',
    [owner.configFile],
    options.testGlobs === undefined ? globs : options.testGlobs,
    options.loadStartedAt ?? Date.now(),
  )
  cache.save()
  return new TestListCache(root, true)
}

describe('TestListCache', () => {
  it('gives back what was kept while the config is unchanged, across instances', () => {
    expect(keepAndReload().get(owner, '4.1.0')).toEqual({
      configDependencies: [owner.configFile],
      testGlobs: globs,
      projects: null,
    })
  })

  it('keeps the projects a started config said, across a listing that does not say them', () => {
    const projects = [{ root: path.join(root, 'a/packages/x'), configFile: null }]
    const cache = new TestListCache(root, true)
    cache.set(owner, '4.1.0', [owner.configFile], globs, Date.now(), projects)
    // Listed again (the lister does not say projects), the config unchanged: they stay.
    cache.set(owner, '4.1.0', [owner.configFile], globs, Date.now())
    cache.save()
    expect(new TestListCache(root, true).get(owner, '4.1.0')?.projects).toEqual(projects)
    // Once the config changed, what it said before is not carried over.
    writeFileSync(owner.configFile, 'export default { test: {} }\n')
    utimesSync(owner.configFile, hourAgo(), hourAgo())
    cache.set(owner, '4.1.0', [owner.configFile], globs, Date.now())
    expect(cache.get(owner, '4.1.0')?.projects).toBeNull()
  })

  it('misses when the config content, the Vitest version or a config variable changed', () => {
    expect(keepAndReload().get(owner, '4.2.0')).toBeUndefined()

    const previous = process.env.VITEST_HEARTH_CASE
    process.env.VITEST_HEARTH_CASE = 'on'
    try {
      expect(keepAndReload().get(owner, '4.1.0')).toBeDefined()
      process.env.VITEST_HEARTH_CASE = 'off'
      expect(new TestListCache(root, true).get(owner, '4.1.0')).toBeUndefined()
    } finally {
      if (previous === undefined) delete process.env.VITEST_HEARTH_CASE
      else process.env.VITEST_HEARTH_CASE = previous
    }

    const cache = keepAndReload()
    // Same size, same time, other content: the content decides.
    writeFileSync(owner.configFile, 'export default {}\r')
    utimesSync(owner.configFile, hourAgo(), hourAgo())
    expect(cache.get(owner, '4.1.0')).toBeUndefined()
    rmSync(owner.configFile)
    expect(cache.get(owner, '4.1.0')).toBeUndefined()
  })

  it('keeps nothing for a config changed while Vitest loaded it, or for globs content decides', () => {
    expect(keepAndReload({ loadStartedAt: Date.now() - 3_600_000 }).get(owner, '4.1.0')).toBeUndefined()
    const kept = keepAndReload()
    expect(kept.get(owner, '4.1.0')).toBeDefined()
    // includeSource came in: what was kept goes.
    expect(keepAndReload({ testGlobs: null }).get(owner, '4.1.0')).toBeUndefined()
  })

  it('ignores a corrupt or foreign cache file, and keeps nothing when told not to or without node_modules', () => {
    mkdirSync(path.dirname(cacheFile()), { recursive: true })
    for (const text of ['{', '[]', '{"format":1,"owners":{"x":{"vitest":1}}}', '{"format":99,"owners":{}}']) {
      writeFileSync(cacheFile(), text)
      expect(new TestListCache(root, true).get(owner, '4.1.0')).toBeUndefined()
    }
    rmSync(cacheFile())
    const off = new TestListCache(root, false)
    off.set(owner, '4.1.0', [owner.configFile], globs, Date.now())
    off.save()
    expect(() => readFileSync(cacheFile())).toThrow()
    rmSync(path.join(root, 'node_modules'), { recursive: true })
    const none = new TestListCache(root, true)
    none.set(owner, '4.1.0', [owner.configFile], globs, Date.now())
    none.save()
    expect(() => readFileSync(cacheFile())).toThrow()
  })
})
