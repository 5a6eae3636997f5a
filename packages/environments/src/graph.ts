/** Dependency graphs of services: cycles and a stable start order. Pure. */

export type DependencyGraph = ReadonlyMap<string, readonly string[]>

/**
 * Every elementary cycle reachable in the graph, each once, as a closed path
 * (`['api', 'worker', 'api']`), rotated to start at its smallest name so output is stable.
 * Edges to unknown nodes are ignored (validation reports those separately).
 */
export function findCycles(graph: DependencyGraph): string[][] {
  const cycles = new Map<string, string[]>()
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []

  const visit = (node: string): void => {
    state.set(node, 'visiting')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
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
  return [...cycles.values()].sort((a, b) => a.join(' ').localeCompare(b.join(' ')))
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
 * sorted ready set), so the order is the same on every machine. Nodes on a cycle are left out.
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
