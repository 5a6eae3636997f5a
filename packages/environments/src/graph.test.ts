import { describe, expect, it } from 'vitest'
import { type DependencyGraph, findCycles, topologicalOrder } from './graph.js'

const graph = (edges: Record<string, string[]>): DependencyGraph => new Map(Object.entries(edges))

describe('findCycles', () => {
  const shapes: { name: string; edges: Record<string, string[]>; cycles: string[][] }[] = [
    { name: 'no edges', edges: { a: [], b: [] }, cycles: [] },
    { name: 'a chain', edges: { a: ['b'], b: ['c'], c: [] }, cycles: [] },
    { name: 'a diamond', edges: { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, cycles: [] },
    { name: 'a self-loop', edges: { a: ['a'] }, cycles: [['a', 'a']] },
    { name: 'two nodes', edges: { b: ['a'], a: ['b'] }, cycles: [['a', 'b', 'a']] },
    {
      name: 'three nodes, rotated to start at the smallest name',
      edges: { worker: ['api'], db: ['worker'], api: ['db'] },
      cycles: [['api', 'db', 'worker', 'api']],
    },
    {
      name: 'two disjoint cycles, sorted',
      edges: { y: ['x'], x: ['y'], c: ['a'], a: ['b'], b: ['c'], free: ['a'] },
      cycles: [
        ['a', 'b', 'c', 'a'],
        ['x', 'y', 'x'],
      ],
    },
    {
      name: 'a cycle reached only through a node outside it',
      edges: { a: ['b'], b: ['c'], c: ['b'] },
      cycles: [['b', 'c', 'b']],
    },
    {
      name: 'two cycles through one node',
      edges: { a: ['b', 'c'], b: ['a'], c: ['a'] },
      cycles: [
        ['a', 'b', 'a'],
        ['a', 'c', 'a'],
      ],
    },
    { name: 'edges to unknown nodes are ignored', edges: { a: ['ghost'], b: ['a', 'nope'] }, cycles: [] },
  ]
  it.each(shapes)('$name', ({ edges, cycles }) => {
    expect(findCycles(graph(edges))).toEqual(cycles)
  })

  it('gives the same cycles whatever order the nodes and edges were written in', () => {
    // Two cycles share a → b; one search meets only the first, whichever order the edges are in.
    const written = { a: ['b', 'c'], b: ['a'], c: ['b'] }
    const reversed = { c: ['b'], b: ['a'], a: ['c', 'b'] }
    expect(findCycles(graph(written))).toEqual([['a', 'b', 'a']])
    expect(findCycles(graph(reversed))).toEqual(findCycles(graph(written)))
  })

  it('orders names by code unit, not by locale', () => {
    expect(findCycles(graph({ b: ['B'], B: ['b'], a: ['a'] }))).toEqual([
      ['B', 'b', 'B'],
      ['a', 'a'],
    ])
  })
})

describe('topologicalOrder', () => {
  it('puts dependencies first and breaks ties by name', () => {
    const edges = { web: ['api'], api: ['db', 'cache'], worker: ['db'], db: [], cache: [], admin: [] }
    expect(topologicalOrder(graph(edges))).toEqual(['admin', 'cache', 'db', 'api', 'web', 'worker'])
  })

  it('is the same whatever order the graph was built in', () => {
    const edges = { d: ['b', 'c'], c: ['a'], b: ['a'], a: [], e: [] }
    const forwards = topologicalOrder(graph(edges))
    const backwards = topologicalOrder(
      new Map([...graph(edges)].reverse().map(([k, v]) => [k, [...v].reverse()])),
    )
    expect(forwards).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(backwards).toEqual(forwards)
  })

  it('counts a repeated dependency once and ignores unknown ones', () => {
    expect(topologicalOrder(graph({ api: ['db', 'db', 'ghost'], db: [] }))).toEqual(['db', 'api'])
  })

  it('leaves out nodes on a cycle and nodes that depend on one', () => {
    expect(topologicalOrder(graph({ a: ['b'], b: ['a'], c: ['a'], d: [] }))).toEqual(['d'])
  })

  it('gives nothing for an empty graph', () => {
    expect(topologicalOrder(new Map())).toEqual([])
  })
})
