/** Dependency graphs of services: cycles and a stable start order. Pure. */

export type DependencyGraph = ReadonlyMap<string, readonly string[]>

/**
 * The cycles a depth-first search meets, each once, as a closed path (`['api', 'worker', 'api']`),
 * rotated to start at its smallest name. Every group of nodes that depend on each other in a circle
 * yields at least one cycle, which is all validation needs to point at; it is not every elementary
 * cycle (that can be exponentially many). Nodes and edges are visited in name order, so the result
 * depends only on the graph, not on the order its edges were written in.
 * Edges to unknown nodes are ignored (validation reports those separately).
 */
export function findCycles(graph: DependencyGraph): string[][] {
  const cycles = new Map<string, string[]>()
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []

  const visit = (node: string): void => {
    state.set(node, 'visiting')
    stack.push(node)
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!graph.has(next)) continue
      const seen = state.get(next)
      if (seen === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next))
        const rotated = rotateToSmallest(cycle)
        cycles.set(rotated.join('\0'), [...rotated, rotated[0] as string])
      } else if (seen === undefined) {
        visit(next)
      }
    }
    stack.pop()
    state.set(node, 'done')
  }

  for (const node of [...graph.keys()].sort()) {
    if (!state.has(node)) visit(node)
  }
  // Code-unit order, not localeCompare: the same on every machine whatever its locale.
  return [...cycles.values()].sort((a, b) => compareArrays(a, b))
}

function compareArrays(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string
    const y = b[i] as string
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length - b.length
}

function rotateToSmallest(cycle: string[]): string[] {
  let best = 0
  for (let i = 1; i < cycle.length; i++) {
    if ((cycle[i] as string) < (cycle[best] as string)) best = i
  }
  return [...cycle.slice(best), ...cycle.slice(0, best)]
}

/**
 * A start order: every node after its dependencies, ties broken by name (Kahn's algorithm with a
 * sorted ready set), so the order is the same on every machine. Nodes on a cycle, and nodes that
 * depend on one, are left out.
 */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const remaining = new Map<string, number>()
  const dependents = new Map<string, string[]>()
  for (const [node, deps] of graph) {
    const known = deps.filter((dep) => graph.has(dep))
    remaining.set(node, new Set(known).size)
    for (const dep of new Set(known)) {
      dependents.set(dep, [...(dependents.get(dep) ?? []), node])
    }
  }
  const ready = [...remaining].filter(([, count]) => count === 0).map(([node]) => node)
  const order: string[] = []
  while (ready.length > 0) {
    ready.sort()
    const node = ready.shift() as string
    order.push(node)
    for (const dependent of dependents.get(node) ?? []) {
      const left = (remaining.get(dependent) ?? 0) - 1
      remaining.set(dependent, left)
      if (left === 0) ready.push(dependent)
    }
  }
  return order
}
