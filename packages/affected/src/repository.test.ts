import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createImportGraph } from './import-graph.js'
import { parseImports } from './parse-imports.js'

// This repository is a real pnpm workspace: packages linked through the `@hearth/source` condition,
// `.js` specifiers naming `.ts` files, barrels, dynamic imports. Its graph must resolve every import.
const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '')

function testFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', '.hearth'].includes(entry.name)) continue
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) found.push(...testFiles(file))
    else if (/\.test\.tsx?$/.test(entry.name)) found.push(file)
  }
  return found
}

describe('the graph of this repository', () => {
  // Reads and parses the whole repository: seconds beside busy neighbours, whence the timeout. Its
  // speed is judged against itself (an update against a full build), never against the wall clock.
  it('resolves every import, and builds and updates quickly', { timeout: 120_000 }, async () => {
    const tests = testFiles(REPO)
    const started = performance.now()
    const graph = await createImportGraph({ root: REPO, testFiles: tests })
    const buildMs = performance.now() - started
    expect(graph.stats().files).toBeGreaterThan(tests.length)
    expect(graph.unresolved().filter((u) => u.kind !== 'non-literal')).toEqual([])

    const duration = path.join(REPO, 'packages/environments/src/duration.ts')
    const durations: number[] = []
    for (let i = 0; i < 5; i++) {
      const update = await graph.update([duration])
      durations.push(update.durationMs)
      expect(update.reparsed).toEqual([duration])
    }
    // Incremental: one file's update costs a small part of the full build (measured: ~1 ms against
    // ~200 ms). A ratio, not a bound in ms: a loaded machine slows both alike.
    expect(Math.min(...durations)).toBeLessThan(buildMs / 10)

    // A change in @hearth/environments reaches tests of the packages that import it by name.
    const selections = graph.testsReaching([duration])
    const elsewhere = selections.filter((s) => !s.test.startsWith(path.join(REPO, 'packages/environments/')))
    expect(elsewhere.length).toBeGreaterThan(0)
    // Through one of its entries: the package itself, or its `./validate` export.
    const entries = ['index.ts', 'validate.ts'].map((name) =>
      path.join(REPO, 'packages/environments/src', name),
    )
    for (const selection of elsewhere) {
      expect(
        selection.chain.some((file) => entries.includes(file)),
        selection.chain.join(' <- '),
      ).toBe(true)
    }
    // Every test that imports the package reaches its entry (its source, through the condition).
    for (const test of tests) {
      const { imports } = parseImports(readFileSync(test, 'utf8'), test)
      if (!imports.some((ref) => ref.specifier === '@hearth/environments')) continue
      expect(graph.reach(test).map((r) => r.file)).toContain(
        path.join(REPO, 'packages/environments/src/index.ts'),
      )
    }
  })
})
