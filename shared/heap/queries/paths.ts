// Retainer paths from GC roots to an object: a best-first search backwards over retainers,
// ordered by path length plus the retainer's distance (A*), so the first path is the chain of
// nearest retainers that DevTools' Retainers pane expands, and later ones follow by length.
// Like that pane, it follows every strong edge, also the few DevTools' distances skip.
// Weak edges are never used: a weak reference does not explain why an object is alive.
import type { HeapGraph } from '../graph/heap-graph'
import { NO_DISTANCE } from '../analyses/distances'
import type { HeapSnapshot } from '../snapshot'
import { checkNode, orderedRetainerSlots, summarizeEdge, summarizeObject } from './nodes'
import type { PathStep, PathEdge, RetainerPaths } from '../../protocol/dto'

/** The edge ordinal `edge` as a path step names it. */
export function pathEdge(snapshot: HeapSnapshot, edge: number): PathEdge {
  const { type, name, mapSlot } = summarizeEdge(snapshot, edge)
  return mapSlot ? { type, name, ordinal: edge, mapSlot } : { type, name, ordinal: edge }
}

export interface PathOptions {
  /** How many paths (default 1). */
  count?: number
  /** Search budget in expanded partial paths (default 100 000). */
  maxExpansions?: number
}

/** Partial paths of a backward search: per state, its node, the state it grew from, the edge. */
export interface SearchStates {
  stateNode: readonly number[]
  stateParent: readonly number[]
  stateEdge: readonly number[]
}

/** The path a search state stands for, from its node (held by a root) down to the target. */
export function pathOfState(
  snapshot: HeapSnapshot,
  states: SearchStates,
  state: number,
): PathStep[] {
  const { stateNode, stateParent, stateEdge } = states
  const steps: PathStep[] = []
  let edge = -1
  for (let current = state; current !== -1; current = stateParent[current]) {
    steps.push({
      node: summarizeObject(snapshot, stateNode[current]),
      edge: edge === -1 ? null : pathEdge(snapshot, edge),
    })
    edge = stateEdge[current]
  }
  return steps
}

/** A binary min-heap of state ids ordered by (cost, -depth, id). */
export class StateHeap {
  private items: number[] = []
  constructor(
    private readonly cost: number[],
    private readonly depth: number[],
  ) {}
  get size(): number {
    return this.items.length
  }
  private less(a: number, b: number): boolean {
    const { cost, depth } = this
    if (cost[a] !== cost[b]) return cost[a] < cost[b]
    if (depth[a] !== depth[b]) return depth[a] > depth[b]
    return a < b
  }
  push(state: number): void {
    const items = this.items
    let position = items.push(state) - 1
    while (position > 0) {
      const parent = (position - 1) >> 1
      if (!this.less(items[position], items[parent])) break
      ;[items[position], items[parent]] = [items[parent], items[position]]
      position = parent
    }
  }
  pop(): number {
    const items = this.items
    const top = items[0]
    const last = items.pop() as number
    if (items.length > 0) {
      items[0] = last
      let position = 0
      for (;;) {
        const left = position * 2 + 1
        const right = left + 1
        let smallest = position
        if (left < items.length && this.less(items[left], items[smallest])) smallest = left
        if (right < items.length && this.less(items[right], items[smallest])) smallest = right
        if (smallest === position) break
        ;[items[position], items[smallest]] = [items[smallest], items[position]]
        position = smallest
      }
    }
    return top
  }
}

export function isRetainedByRoot(graph: HeapGraph, node: number): boolean {
  const { firstRetainer, retainerNode, retainerEdge, edgeType, rootNode } = graph
  for (let slot = firstRetainer[node]; slot < firstRetainer[node + 1]; slot++) {
    if (retainerNode[slot] === rootNode && edgeType[retainerEdge[slot]] !== graph.edgeTypeCode.weak)
      return true
  }
  return false
}

/** The k shortest retainer paths from GC roots to `target` that use no weak edge. */
export function findRetainerPaths(
  snapshot: HeapSnapshot,
  target: number,
  options: PathOptions = {},
): RetainerPaths {
  checkNode(snapshot, target)
  const graph = snapshot.graph
  const wanted = Math.max(1, Math.floor(options.count ?? 1))
  const maxExpansions = options.maxExpansions ?? 100_000
  // Each expansion keeps only its best few retainers: enough for the wanted paths to differ,
  // bounded so that an object with a million retainers costs no more than one with ten.
  const fanOut = Math.max(8, wanted * 2)
  const { distance } = snapshot
  if (target === graph.rootNode) {
    return {
      paths: [[{ node: summarizeObject(snapshot, target), edge: null }]],
      reachable: true,
      truncated: false,
    }
  }
  if (distance[target] === NO_DISTANCE) return { paths: [], reachable: false, truncated: false }
  // Partial paths, growing backwards from the target: state -> (node, previous state, edge).
  const stateNode: number[] = []
  const stateParent: number[] = []
  const stateEdge: number[] = []
  const depth: number[] = []
  const cost: number[] = []
  const heap = new StateHeap(cost, depth)
  const addState = (node: number, parent: number, edge: number, steps: number): void => {
    stateNode.push(node)
    stateParent.push(parent)
    stateEdge.push(edge)
    depth.push(steps)
    cost.push(steps + distance[node])
    heap.push(stateNode.length - 1)
  }
  const onPath = (state: number, node: number): boolean => {
    for (let current = state; current !== -1; current = stateParent[current]) {
      if (stateNode[current] === node) return true
    }
    return false
  }
  addState(target, -1, -1, 0)
  const paths: PathStep[][] = []
  let truncated = false
  let expansions = 0
  while (heap.size > 0 && paths.length < wanted) {
    if (expansions++ >= maxExpansions) {
      truncated = true
      break
    }
    const state = heap.pop()
    const node = stateNode[state]
    if (isRetainedByRoot(graph, node)) {
      paths.push(pathOfState(snapshot, { stateNode, stateParent, stateEdge }, state))
      continue
    }
    const usable = (slot: number): boolean => {
      const retainer = graph.retainerNode[slot]
      return (
        graph.edgeType[graph.retainerEdge[slot]] !== graph.edgeTypeCode.weak &&
        retainer !== graph.rootNode &&
        distance[retainer] !== NO_DISTANCE &&
        !onPath(state, retainer)
      )
    }
    // Order only as long a prefix of the retainers as the best `fanOut` usable ones need.
    const total = graph.firstRetainer[node + 1] - graph.firstRetainer[node]
    for (let needed = Math.min(total, fanOut * 2); ; needed = Math.min(total, needed * 4)) {
      const slots = orderedRetainerSlots(snapshot, node, needed)
      const chosen: number[] = []
      for (let position = 0; position < needed && chosen.length < fanOut; position++) {
        if (usable(slots[position])) chosen.push(slots[position])
      }
      if (chosen.length === fanOut || needed >= total) {
        for (const slot of chosen) {
          addState(graph.retainerNode[slot], state, graph.retainerEdge[slot], depth[state] + 1)
        }
        break
      }
    }
  }
  return { paths, reachable: true, truncated }
}
