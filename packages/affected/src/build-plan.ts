import { statSync } from 'node:fs'
import path from 'node:path'
import type { ImportEdge, ImportGraph } from './import-graph.js'
import type { BuildOutputPackage } from './resolver.js'

/** Why a package is rebuilt before tests run. Paths are absolute. */
export type BuildReason =
  /** An output file the tests' imports name does not exist (never built, or cleaned). */
  | { kind: 'missing'; output: string }
  /** `output` (the oldest of those named) is older than `newer`, its newest source or config file. */
  | { kind: 'stale'; output: string; newer: string }

/** One package to rebuild, in a {@link planBuilds} plan. */
export interface PackageBuild {
  package: BuildOutputPackage
  reason: BuildReason
  /** The given tests that reach it through its build output (directly or through another package's sources), sorted. */
  tests: string[]
  /** The output files the imports name (those checked), sorted. */
  outputs: string[]
  /**
   * Set when the package is in a dependency cycle with others the tests reach through build output:
   * their names, sorted. The cycle is broken deterministically: within it, package.json
   * dependencies are set aside and imports alone order the packages; where imports too go round,
   * names do.
   */
  cycle?: string[]
}

/** A file's modification time, or undefined when it does not exist. */
export type StatFile = (file: string) => { mtimeMs: number } | undefined

export interface PlanBuildsOptions {
  /** How file times are read (default `fs.statSync`); tests inject one to avoid sleeping. */
  stat?: StatFile
  /**
   * Whether a package the tests reach only through type-only imports counts (`'include'`) or not
   * (`'exclude'`, the default, as in `selectTests`): Vitest never loads what `import type` names.
   */
  typeOnly?: 'exclude' | 'include'
}

const defaultStat: StatFile = (file) => statSync(file, { throwIfNoEntry: false })

/**
 * The workspace packages that must be rebuilt before `tests` run, dependencies first: those the
 * tests reach through build output — directly, or through the sources of another package (a test →
 * `@x/adapter`'s dist → its src → `@x/core`'s dist) — whose output is missing or older than their
 * inputs. Up-to-date packages are left out, and so are dependents of a rebuilt package: tsdown,
 * tsup, unbuild and tsc leave workspace dependencies external (an import of the dependency's
 * dist), so a dependent's output does not change when its dependency's does. A package that
 * bundles a workspace dependency (tsdown `noExternal`) is not seen as stale by that.
 *
 * A package's inputs are the files of its folder that the graph holds and its entries reach
 * (what its build compiles), plus its package.json, tsconfig*.json and build config; an output is
 * stale when the oldest of the outputs the imports name is older than the newest input.
 *
 * Order: a package comes after every package it depends on, by import (its sources, or the sources
 * they reach, import that package's build output) or by package.json; ties by name, then folder.
 * Cycles are broken as {@link PackageBuild.cycle} says, never looping.
 *
 * Reads only file times (through `options.stat`); the graph is read as of its last update.
 */
export function planBuilds(
  graph: ImportGraph,
  tests: readonly string[],
  options: PlanBuildsOptions = {},
): PackageBuild[] {
  const stat = options.stat ?? defaultStat
  const runtimeOnly = options.typeOnly !== 'include'
  const edgesCache = new Map<string, ImportEdge[]>()
  const edgesOf = (file: string): ImportEdge[] => {
    let edges = edgesCache.get(file)
    if (!edges) {
      edges = graph.dependenciesOf(file)
      edgesCache.set(file, edges)
    }
    return edges
  }
  // The graph names files by their real paths; its edges say how it names a test given another way
  // (relative, or under a symlinked root). A test with no imports needs no build.
  const known = new Set(graph.tests())
  const starts = [
    ...new Set(tests.map((test) => graph.dependenciesOf(test)[0]?.from ?? path.resolve(graph.root, test))),
  ]
    .filter((test) => known.has(test))
    .sort()

  // What the tests reach at run time, and the reverse edges within it (to say which tests need what).
  const reached = new Set<string>(starts)
  const reverse = new Map<string, string[]>()
  const uses = new Map<string, PackageUse>()
  for (let frontier = starts; frontier.length > 0; ) {
    const next: string[] = []
    for (const file of frontier) {
      for (const edge of edgesOf(file)) {
        if (runtimeOnly && edge.typeOnly) continue
        if (edge.buildOutput) {
          const { package: pkg, output } = edge.buildOutput
          let use = uses.get(pkg.dir)
          if (!use) {
            use = { pkg, outputs: new Set(), entries: new Set(), importers: new Set() }
            uses.set(pkg.dir, use)
          }
          use.outputs.add(output)
          use.entries.add(edge.to)
          use.importers.add(edge.from)
        }
        const into = reverse.get(edge.to)
        if (into) into.push(file)
        else reverse.set(edge.to, [file])
        if (reached.has(edge.to)) continue
        reached.add(edge.to)
        next.push(edge.to)
      }
    }
    frontier = next
  }

  const startSet = new Set(starts)
  const testsOf = (importers: Iterable<string>): string[] => {
    const seen = new Set<string>()
    const stack = [...importers]
    while (stack.length > 0) {
      const file = stack.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      stack.push(...(reverse.get(file) ?? []))
    }
    return [...seen].filter((file) => startSet.has(file)).sort()
  }

  // Per package: its own files (for staleness) and the packages its build reaches through build output.
  const inputs = new Map<string, string[]>()
  const importDeps = new Map<string, Set<string>>()
  for (const use of uses.values()) {
    const own: string[] = []
    const deps = new Set<string>()
    const seen = new Set<string>()
    const stack = [...use.entries]
    while (stack.length > 0) {
      const file = stack.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      if (isOwnFile(file, use.pkg.dir)) own.push(file)
      // Type-only imports count here: a tsc build reads the declarations they name.
      for (const edge of edgesOf(file)) {
        const target = edge.buildOutput?.package
        if (target && target.dir !== use.pkg.dir) {
          deps.add(target.dir)
          continue // that package's own inputs are its own business
        }
        stack.push(edge.to)
      }
    }
    inputs.set(use.pkg.dir, own.sort())
    importDeps.set(use.pkg.dir, deps)
  }

  const byName = new Map([...uses.values()].map((use) => [use.pkg.name, use.pkg.dir]))
  const order = orderPackages(
    [...uses.values()].map((use) => use.pkg),
    (dir) => [...(importDeps.get(dir) ?? [])].filter((dep) => uses.has(dep)),
    (dir) =>
      uses
        .get(dir)!
        .pkg.dependencies.map((name) => byName.get(name))
        .filter((dep): dep is string => dep !== undefined && dep !== dir),
  )

  const plan: PackageBuild[] = []
  for (const { dir, cycle } of order) {
    const use = uses.get(dir)!
    const outputs = [...use.outputs].sort()
    const reason = buildReason(outputs, [...inputs.get(dir)!, ...use.pkg.configFiles], stat)
    if (!reason) continue
    const build: PackageBuild = { package: use.pkg, reason, tests: testsOf(use.importers), outputs }
    if (cycle) build.cycle = cycle
    plan.push(build)
  }
  return plan
}

interface PackageUse {
  pkg: BuildOutputPackage
  /** Output files the imports named. */
  outputs: Set<string>
  /** The sources those outputs map to: where its build starts. */
  entries: Set<string>
  /** The files whose imports lead into its build output. */
  importers: Set<string>
}

/** In the package's folder and not a dependency's (node_modules). */
function isOwnFile(file: string, dir: string): boolean {
  const relative = path.relative(dir, file)
  return (
    relative !== '' &&
    !relative.startsWith('..') &&
    !path.isAbsolute(relative) &&
    !relative.split(path.sep).includes('node_modules')
  )
}

/** Missing when an output does not exist; stale when the oldest output is older than the newest input. */
export function buildReason(
  outputs: readonly string[],
  inputs: readonly string[],
  stat: StatFile,
): BuildReason | undefined {
  let oldest: { file: string; time: number } | undefined
  for (const output of outputs) {
    const time = stat(output)?.mtimeMs
    if (time === undefined) return { kind: 'missing', output }
    if (!oldest || time < oldest.time) oldest = { file: output, time }
  }
  if (!oldest) return undefined
  let newest: { file: string; time: number } | undefined
  for (const input of [...new Set(inputs)].sort()) {
    const time = stat(input)?.mtimeMs
    if (time !== undefined && (!newest || time > newest.time)) newest = { file: input, time }
  }
  return newest && newest.time > oldest.time
    ? { kind: 'stale', output: oldest.file, newer: newest.file }
    : undefined
}

/**
 * Packages in build order (dependencies first), each with the cycle it is in, if any. Strong
 * edges are imports, weak ones package.json dependencies: a cycle (a strongly connected component)
 * is ordered within by its strong edges alone, and where those too go round, by name. Ties between
 * independent packages go by name, then folder, so the order is the same on every machine.
 */
export function orderPackages(
  packages: readonly { name: string; dir: string }[],
  strong: (dir: string) => readonly string[],
  weak: (dir: string) => readonly string[],
): { dir: string; cycle?: string[] }[] {
  const nameOf = new Map(packages.map((pkg) => [pkg.dir, pkg.name]))
  const byName = (a: string, b: string) => compare(nameOf.get(a)!, nameOf.get(b)!) || compare(a, b)
  const all = (dir: string) => [...new Set([...strong(dir), ...weak(dir)])]
  const result: { dir: string; cycle?: string[] }[] = []
  for (const component of orderComponents([...nameOf.keys()], all, byName)) {
    if (component.length === 1) {
      result.push({ dir: component[0]! })
      continue
    }
    const cycle = component.map((dir) => nameOf.get(dir)!).sort()
    const members = new Set(component)
    const inside = (dir: string) => strong(dir).filter((dep) => members.has(dep))
    for (const sub of orderComponents(component, inside, byName)) {
      for (const dir of [...sub].sort(byName)) result.push({ dir, cycle })
    }
  }
  return result
}

/**
 * The strongly connected components of `nodes` (Tarjan's algorithm, iterative), in dependency
 * order: a component comes after every component it has an edge to; among those ready at once, the
 * one with the smallest member (by `order`) first (Kahn's algorithm on the condensation).
 */
function orderComponents(
  nodes: readonly string[],
  edgesOf: (node: string) => readonly string[],
  order: (a: string, b: string) => number,
): string[][] {
  const members = new Set(nodes)
  const edges = new Map(
    nodes.map((node) => [
      node,
      edgesOf(node)
        .filter((to) => members.has(to))
        .sort(order),
    ]),
  )
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const componentOf = new Map<string, number>()
  const components: string[][] = []
  let counter = 0
  for (const root of [...nodes].sort(order)) {
    if (index.has(root)) continue
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }]
    index.set(root, counter)
    low.set(root, counter++)
    stack.push(root)
    onStack.add(root)
    while (work.length > 0) {
      const frame = work[work.length - 1]!
      const targets = edges.get(frame.node)!
      if (frame.next < targets.length) {
        const to = targets[frame.next++]!
        if (!index.has(to)) {
          index.set(to, counter)
          low.set(to, counter++)
          stack.push(to)
          onStack.add(to)
          work.push({ node: to, next: 0 })
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!))
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = []
        for (;;) {
          const member = stack.pop()!
          onStack.delete(member)
          componentOf.set(member, components.length)
          component.push(member)
          if (member === frame.node) break
        }
        components.push(component.sort(order))
      }
    }
  }
  // Kahn on the condensation: a component is ready once every component it depends on is placed.
  const waitingOn = components.map(() => new Set<number>())
  const dependents = components.map(() => new Set<number>())
  for (const [node, targets] of edges) {
    const from = componentOf.get(node)!
    for (const to of targets) {
      const target = componentOf.get(to)!
      if (target === from) continue
      waitingOn[from]!.add(target)
      dependents[target]!.add(from)
    }
  }
  const first = (component: number) => components[component]![0]!
  const ready = components.map((_, i) => i).filter((i) => waitingOn[i]!.size === 0)
  const ordered: string[][] = []
  while (ready.length > 0) {
    ready.sort((a, b) => order(first(a), first(b)))
    const next = ready.shift()!
    ordered.push(components[next]!)
    for (const dependent of dependents[next]!) {
      waitingOn[dependent]!.delete(next)
      if (waitingOn[dependent]!.size === 0) ready.push(dependent)
    }
  }
  return ordered
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
