import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createImportGraph, type ImportGraph } from './import-graph.js'
import { createFixtures, type FixtureFiles, writeFiles } from './test-support.js'

/*
 * Property: on a generated workspace, the graph's answers equal a brute-force reachability computed
 * from the edges the generator meant to write (not from this package's parser or resolver).
 * Each seed makes packages linked in different ways (exports → src, main → dist with or without a
 * tsconfig, found by name), barrels, folder modules, tsconfig path aliases, type-only imports,
 * dynamic imports, require(), re-exports, cycles, imports of missing files and decoys in comments
 * and strings; then edits, deletes and adds files and checks the incremental update against both
 * the brute force and a graph built from scratch.
 */

const fixtures = createFixtures('property')
afterAll(() => fixtures.cleanup())

type Style = 'exports-src' | 'main-dist' | 'main-dist-guess' | 'by-name'

interface Module {
  /** Path relative to the root. */
  file: string
  /** The package folder (relative), or '' for the root's tests and helpers. */
  pkg: string
}

interface Edge {
  to: string
  typeOnly: boolean
  /** The import named the package's build output (main/dist), so its source is reached through it. */
  buildOutput: boolean
}

interface Package {
  dir: string
  name: string
  style: Style
  index: string
  modules: Module[]
}

function random(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  }
}
type Random = ReturnType<typeof random>

class GeneratedWorkspace {
  readonly files: FixtureFiles = {}
  readonly links: Record<string, string> = {}
  readonly packages: Package[] = []
  readonly helpers: Module[] = []
  readonly tests: Module[] = []
  /** What each file imports, as the generator wrote it (relative paths). */
  readonly edges = new Map<string, Edge[]>()
  #counter = 0

  constructor(readonly rng: Random) {
    this.files['package.json'] = { name: 'gen-root', private: true }
    this.files['pnpm-workspace.yaml'] = 'packages:\n  - packages/*\n'
    this.files['tsconfig.json'] = { compilerOptions: { paths: { '@h/*': ['./tests/helpers/*'] } } }
    const styles: Style[] = ['exports-src', 'main-dist', 'main-dist-guess', 'by-name']
    const packageCount = rng.int(2, 4)
    for (let p = 0; p < packageCount; p++) {
      const style = p < styles.length && rng.chance(0.7) ? styles[p]! : rng.pick(styles)
      const dir = `packages/p${p}`
      const name = `@gen/p${p}`
      const pkg: Package = { dir, name, style, index: `${dir}/src/index.ts`, modules: [] }
      const manifest: Record<string, unknown> = { name }
      if (style === 'exports-src' || style === 'by-name') {
        manifest.exports = {
          '.': { source: './src/index.ts', default: './dist/index.js' },
          './*': { types: './dist/*.d.ts', source: './src/*', default: './dist/*.js' },
        }
      } else {
        manifest.main = './dist/index.js'
        if (rng.chance(0.5)) manifest.scripts = { build: 'tsc -p tsconfig.build.json' }
        if (style === 'main-dist') {
          this.files[`${dir}/tsconfig.build.json`] = { compilerOptions: { rootDir: 'src', outDir: 'dist' } }
        }
      }
      this.files[`${dir}/package.json`] = manifest
      if (style !== 'by-name') this.links[`node_modules/${name}`] = `../../${dir}`
      const moduleCount = rng.int(2, 6)
      for (let m = 0; m < moduleCount; m++) pkg.modules.push(this.#newModule(pkg))
      this.packages.push(pkg)
    }
    for (let h = 0, count = rng.int(1, 3); h < count; h++)
      this.helpers.push({ file: `tests/helpers/h${h}.ts`, pkg: '' })
    for (let t = 0, count = rng.int(2, 6); t < count; t++)
      this.tests.push({ file: `tests/t${t}.test.ts`, pkg: '' })
    for (const pkg of this.packages) {
      this.#writeBarrel(pkg)
      for (const module of pkg.modules) this.write(module)
    }
    for (const module of [...this.helpers, ...this.tests]) this.write(module)
  }

  #newModule(pkg: Package): Module {
    const n = this.#counter++
    const shape = this.rng.pick(['flat', 'flat', 'folder', 'tsx'] as const)
    const file =
      shape === 'folder'
        ? `${pkg.dir}/src/m${n}/index.ts`
        : `${pkg.dir}/src/m${n}.${shape === 'tsx' ? 'tsx' : 'ts'}`
    return { file, pkg: pkg.dir }
  }

  /** Adds a module to a package (not yet imported by anything). */
  addModule(): Module {
    const pkg = this.rng.pick(this.packages)
    const module = this.#newModule(pkg)
    pkg.modules.push(module)
    this.write(module)
    return module
  }

  removeModule(module: Module): void {
    const pkg = this.packages.find((p) => p.dir === module.pkg)!
    pkg.modules = pkg.modules.filter((m) => m !== module)
    delete this.files[module.file]
    this.edges.delete(module.file)
    for (const [from, edges] of this.edges)
      this.edges.set(
        from,
        edges.filter((e) => e.to !== module.file),
      )
  }

  all(): Module[] {
    return [
      ...this.packages.flatMap((p) => [{ file: p.index, pkg: p.dir }, ...p.modules]),
      ...this.helpers,
      ...this.tests,
    ]
  }

  #writeBarrel(pkg: Package): void {
    const lines: string[] = []
    const edges: Edge[] = []
    for (const module of pkg.modules) {
      if (!this.rng.chance(0.6)) continue
      const typeOnly = this.rng.chance(0.2)
      const specifier = this.#relative(pkg.index, module)
      lines.push(typeOnly ? `export type * from '${specifier}'` : `export * from '${specifier}'`)
      edges.push({ to: module.file, typeOnly, buildOutput: false })
    }
    lines.push('export const index = 1')
    this.files[pkg.index] = lines.join('\n')
    this.edges.set(pkg.index, edges)
  }

  /** (Re)writes a module with fresh random imports. */
  write(module: Module): void {
    const rng = this.rng
    const lines: string[] = []
    const edges: Edge[] = []
    const candidates = [
      ...this.packages.flatMap((p) => [{ file: p.index, pkg: p.dir }, ...p.modules]),
      ...this.helpers,
    ].filter((m) => m.file !== module.file)
    for (let i = 0, count = rng.int(0, 3); i < count; i++) {
      const target = rng.pick(candidates)
      const { specifier, buildOutput } = this.#specifier(module, target)
      const typeOnly = rng.chance(0.2)
      const form = typeOnly ? 'type' : rng.pick(['named', 'side', 'reexport', 'dynamic', 'require'] as const)
      switch (form) {
        case 'type':
          lines.push(`import type { T${i} } from '${specifier}'`)
          break
        case 'named':
          lines.push(`import { v as v${i} } from '${specifier}'`)
          break
        case 'side':
          lines.push(`import '${specifier}'`)
          break
        case 'reexport':
          lines.push(`export { v as r${i} } from '${specifier}'`)
          break
        case 'dynamic':
          lines.push(`export const lazy${i} = () => import('${specifier}')`)
          break
        case 'require':
          lines.push(`const req${i} = require('${specifier}')`)
          break
      }
      edges.push({ to: target.file, typeOnly, buildOutput })
    }
    if (rng.chance(0.3)) lines.push(`// import '${this.#specifier(module, rng.pick(candidates)).specifier}'`)
    if (rng.chance(0.3))
      lines.push(`const s = "import '${this.#specifier(module, rng.pick(candidates)).specifier}'"`)
    if (rng.chance(0.1)) lines.push("import './does-not-exist.js'")
    lines.push('export const v = 1')
    this.files[module.file] = lines.join('\n')
    this.edges.set(module.file, edges)
  }

  /** How `from` names `to`: relative, through the package name or a subpath, or a tsconfig alias. */
  #specifier(from: Module, to: Module): { specifier: string; buildOutput: boolean } {
    const rng = this.rng
    if (to.pkg === '') {
      return rng.chance(0.5) || from.pkg !== ''
        ? { specifier: `@h/${path.basename(to.file, '.ts')}`, buildOutput: false }
        : { specifier: this.#relative(from.file, to), buildOutput: false }
    }
    const pkg = this.packages.find((p) => p.dir === to.pkg)!
    if (from.pkg === to.pkg || rng.chance(0.15))
      return { specifier: this.#relative(from.file, to), buildOutput: false }
    const viaDist = pkg.style === 'main-dist' || pkg.style === 'main-dist-guess'
    if (to.file === pkg.index) return { specifier: pkg.name, buildOutput: viaDist }
    const inSrc = path.relative(`${pkg.dir}/src`, to.file).replace(/\.tsx?$/, '')
    if (viaDist) return { specifier: `${pkg.name}/dist/${inSrc}.js`, buildOutput: true }
    return { specifier: `${pkg.name}/${inSrc.replace(/\/index$/, '')}`, buildOutput: false }
  }

  #relative(fromFile: string, to: Module): string {
    let specifier = path.relative(path.dirname(fromFile), to.file).split(path.sep).join('/')
    if (!specifier.startsWith('.')) specifier = `./${specifier}`
    const folder = specifier.endsWith('/index.ts')
    switch (this.rng.int(0, 2)) {
      case 0:
        return specifier.replace(/\.tsx?$/, '.js')
      case 1:
        return folder ? specifier.replace(/\/index\.ts$/, '') : specifier.replace(/\.tsx?$/, '')
      default:
        return specifier.replace(/\.tsx?$/, '')
    }
  }
}

/** Files reachable from `start` over the generator's edges (runtime edges only if asked). */
function reachable(edges: Map<string, Edge[]>, start: string, runtimeOnly: boolean): Map<string, number> {
  const distance = new Map([[start, 0]])
  const queue = [start]
  while (queue.length > 0) {
    const file = queue.shift()!
    for (const edge of edges.get(file) ?? []) {
      if ((runtimeOnly && edge.typeOnly) || distance.has(edge.to)) continue
      distance.set(edge.to, distance.get(file)! + 1)
      queue.push(edge.to)
    }
  }
  return distance
}

/** The brute force: every (test, changed) pair, whether only types lead there, and through whose build output. */
function expectedSelections(ws: GeneratedWorkspace, changed: readonly string[]) {
  const result: string[] = []
  const buildEdges = [...ws.edges].flatMap(([from, edges]) =>
    edges.filter((e) => e.buildOutput).map((e) => ({ from, ...e })),
  )
  const packageOf = (file: string) => ws.packages.find((p) => file.startsWith(`${p.dir}/`))
  for (const test of ws.tests) {
    const all = reachable(ws.edges, test.file, false)
    const runtime = reachable(ws.edges, test.file, true)
    for (const file of [...new Set(changed)].sort()) {
      if (!all.has(file)) continue
      const pkg = packageOf(file)
      const viaBuild =
        pkg !== undefined &&
        buildEdges.some(
          (e) => packageOf(e.to) === pkg && all.has(e.from) && reachable(ws.edges, e.to, false).has(file),
        )
      result.push(
        `${test.file} ${file}${runtime.has(file) ? '' : ' type-only'}${viaBuild ? ` build:${pkg.name}` : ''}`,
      )
    }
  }
  return result.sort()
}

function actualSelections(root: string, graph: ImportGraph, changed: readonly string[]) {
  return graph
    .testsReaching(changed.map((file) => path.join(root, file)))
    .map(
      (s) =>
        `${path.relative(root, s.test)} ${path.relative(root, s.changed)}${s.typeOnly ? ' type-only' : ''}${
          s.viaBuildOutput ? ` build:${s.viaBuildOutput.name}` : ''
        }`,
    )
    .sort()
}

/** Every chain starts at its test, ends at the changed file, and follows edges the generator wrote. */
function checkChains(root: string, ws: GeneratedWorkspace, graph: ImportGraph, changed: readonly string[]) {
  for (const selection of graph.testsReaching(changed.map((file) => path.join(root, file)))) {
    const chain = selection.chain.map((file) => path.relative(root, file))
    expect(chain[0]).toBe(path.relative(root, selection.test))
    expect(chain.at(-1)).toBe(path.relative(root, selection.changed))
    for (let i = 1; i < chain.length; i++) {
      const edges = ws.edges.get(chain[i - 1]!) ?? []
      expect(edges.some((e) => e.to === chain[i] && (selection.typeOnly || !e.typeOnly))).toBe(true)
    }
    if (!selection.typeOnly) {
      // Shortest among runtime chains.
      expect(chain.length - 1).toBe(reachable(ws.edges, chain[0]!, true).get(chain.at(-1)!))
    }
  }
}

const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i * 7919)

describe('testsReaching equals a brute-force reachability', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    const rng = random(seed)
    const ws = new GeneratedWorkspace(rng)
    const root = fixtures.write(ws.files, ws.links)
    const testFiles = ws.tests.map((t) => t.file)
    const graph = await createImportGraph({ root, testFiles })

    const check = async (label: string) => {
      const files = ws.all().map((m) => m.file)
      for (const test of ws.tests) {
        const expected = [...reachable(ws.edges, test.file, false).keys()].sort()
        const actual = graph.reach(path.join(root, test.file)).map((r) => path.relative(root, r.file))
        expect({ label, test: test.file, reach: actual }).toEqual({ label, test: test.file, reach: expected })
      }
      // Each file alone, a few random sets, and everything at once.
      const sets: string[][] = [...files.map((f) => [f]), files]
      for (let i = 0; i < 5; i++) sets.push(files.filter(() => rng.chance(0.3)))
      for (const changed of sets) {
        expect({ label, changed, selections: actualSelections(root, graph, changed) }).toEqual({
          label,
          changed,
          selections: expectedSelections(ws, changed),
        })
      }
      checkChains(root, ws, graph, files)
    }
    await check('initial')

    // Incremental: rewrite some files' imports, delete one module, add one and import it.
    for (let round = 0; round < 3; round++) {
      const changed = new Set<string>()
      const all = ws.all().filter((m) => !m.file.endsWith('/src/index.ts'))
      for (const module of all) {
        if (rng.chance(0.25)) {
          ws.write(module)
          writeFileSync(path.join(root, module.file), ws.files[module.file] as string)
          changed.add(module.file)
        }
      }
      const removable = ws.packages.flatMap((p) => (p.modules.length > 1 ? p.modules : []))
      if (removable.length > 0 && rng.chance(0.7)) {
        const victim = rng.pick(removable)
        ws.removeModule(victim)
        rmSync(path.join(root, victim.file))
        changed.add(victim.file)
      }
      const added = ws.addModule()
      writeFiles(root, { [added.file]: ws.files[added.file] as string })
      changed.add(added.file)
      const importer = rng.pick(ws.tests)
      const previous = ws.edges.get(importer.file)!
      const specifier = path.relative(path.dirname(importer.file), added.file).replace(/\.tsx?$/, '.js')
      ws.files[importer.file] = `${ws.files[importer.file] as string}\nimport '${specifier}'`
      ws.edges.set(importer.file, [...previous, { to: added.file, typeOnly: false, buildOutput: false }])
      writeFileSync(path.join(root, importer.file), ws.files[importer.file] as string)
      changed.add(importer.file)

      await graph.update([...changed])
      await check(`after update ${round}`)
      const fresh = await createImportGraph({ root, testFiles })
      const files = ws.all().map((m) => m.file)
      expect(actualSelections(root, graph, files)).toEqual(actualSelections(root, fresh, files))
      expect(graph.files()).toEqual(fresh.files())
    }
  })
})
