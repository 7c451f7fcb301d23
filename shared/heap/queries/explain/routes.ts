// The routes a programmer would draw: retainer paths from a GC root to an object, found by a
// best-first search backwards like findRetainerPaths, but where each reference costs by how
// much it says about the code: a property, an element or a closure variable costs 1; V8's
// copies and internals (property stores, symbol-keyed slots, accessors, hidden links) cost more.
// A route may be at most ROUTE_SLACK references longer than DevTools' distance, so every answer
// stays close to the shortest one, and it never uses a weak reference.
import type { HeapGraph } from '../../graph/heap-graph'
import { edgeName } from '../../graph/heap-graph'
import { BASE_SYSTEM_DISTANCE, NO_DISTANCE } from '../../analyses/distances'
import type { HeapSnapshot } from '../../snapshot'
import { perSnapshot } from '../cache'
import { isRetainedByRoot, pathOfState, StateHeap } from '../paths'
import { summarizeObject } from '../nodes'
import type { PathStep } from '../../../protocol/dto'

/** How many references longer than DevTools' distance a route may be. */
export const ROUTE_SLACK = 3

/** Internal links that are how code's own structures hold things: cheap as a property. */
const STRUCTURAL_INTERNALS = new Set([
  'context',
  'previous',
  'elements',
  'table',
  'reactions_or_result',
  'fulfill_handler',
  'reject_handler',
  'promise_or_capability',
  'bound_function',
  'bound_this',
  'bound_arguments',
  'value',
  'global_proxy_object',
  'global',
])

/** Edge names that exist twice for one reference, where the other copy reads better. */
const SECOND_COPIES = new Set(['_idlePrev'])

/** Per snapshot: what the cost function looks up by string index. */
interface CostTables {
  graph: HeapGraph
  moduleClass: Set<number>
}

/** Built once per snapshot: a scan of the string table costs ~10 ms on a large snapshot. */
const costTables = perSnapshot((snapshot): CostTables => {
  const moduleClass = new Set(snapshot.graph.strings.indexesOf('Module'))
  return { graph: snapshot.graph, moduleClass }
})

/** What following `edge` from `retainer` costs; Infinity for a reference that never explains. */
function referenceCost(
  snapshot: HeapSnapshot,
  tables: CostTables,
  retainer: number,
  edge: number,
): number {
  const graph = tables.graph
  const type = graph.edgeType[edge]
  const codes = graph.edgeTypeCode
  if (type === codes.weak) return Infinity
  if (type === codes.element || type === codes.context) return 1
  const name = edgeName(graph, edge)
  if (type === codes.property || type === codes.shortcut) {
    if (name.startsWith('<symbol')) return 4
    if (name.startsWith('get ') || name.startsWith('set ')) return 4
    if (name === '__proto__' || name === 'constructor') return 3
    if (name === 'children' && tables.moduleClass.has(snapshot.className[retainer])) return 4
    if (SECOND_COPIES.has(name)) return 2
    return 1
  }
  if (type === codes.internal) {
    if (/^\d+$/.test(name)) {
      // A slot of a store: cheap when it is an array's elements, a Map's table or a reaction
      // list; a property store is a copy of a named property, which reads better.
      const store = graph.strings.get(graph.nodeName[retainer])
      return store === '(object properties)' ? 3 : 1
    }
    return STRUCTURAL_INTERNALS.has(name) ? 1 : 3
  }
  return 4
}

/** Distance without the offset DevTools gives to objects only system roots reach. */
function reach(distance: number): number {
  return distance >= BASE_SYSTEM_DISTANCE ? distance - BASE_SYSTEM_DISTANCE : distance
}

/** An object's distance as routes count it (system roots' offset taken off). */
export function routeReach(snapshot: HeapSnapshot, node: number): number {
  return reach(snapshot.distance[node])
}

export interface RouteSearch {
  /** Routes, cheapest first; each runs from an object the root holds to the target. */
  paths: PathStep[][]
  reachable: boolean
  truncated: boolean
}

/**
 * Up to `count` routes to `target`, cheapest first (ties: shorter first). Each node is expanded
 * at most `perNode` times, so later routes are the next cheapest ways round, not the same route
 * with one more detour.
 */
export function findRoutes(
  snapshot: HeapSnapshot,
  target: number,
  count: number,
  { perNode = 4, maxExpansions = 200_000, slack = ROUTE_SLACK } = {},
): RouteSearch {
  const graph = snapshot.graph
  const { distance } = snapshot
  const summary = (node: number) => summarizeObject(snapshot, node)
  if (target === graph.rootNode)
    return { paths: [[{ node: summary(target), edge: null }]], reachable: true, truncated: false }
  if (distance[target] === NO_DISTANCE) return { paths: [], reachable: false, truncated: false }
  const tables = costTables(snapshot)
  const limit = reach(distance[target]) + slack
  const stateNode: number[] = []
  const stateParent: number[] = []
  const stateEdge: number[] = []
  const depth: number[] = []
  const priority: number[] = []
  const spent: number[] = []
  const finished: number[] = []
  const heap = new StateHeap(priority, depth)
  const expanded = new Map<number, number>()
  const add = (
    node: number,
    parent: number,
    edge: number,
    steps: number,
    cost: number,
    done = false,
  ) => {
    stateNode.push(node)
    stateParent.push(parent)
    stateEdge.push(edge)
    depth.push(steps)
    spent.push(cost)
    finished.push(done ? 1 : 0)
    // Admissible: each reference costs at least 1, and a node at distance d needs d - 1 more.
    priority.push(done ? cost : cost + Math.max(0, reach(distance[node]) - 1))
    heap.push(stateNode.length - 1)
  }
  const onPath = (state: number, node: number): boolean => {
    for (let current = state; current !== -1; current = stateParent[current]) {
      if (stateNode[current] === node) return true
    }
    return false
  }
  add(target, -1, -1, 0, 0)
  const paths: PathStep[][] = []
  let expansions = 0
  let truncated = false
  // Routes from V8's system roots (the stack, handles) cost more than one from the global
  // object, so that one comes first where it is at most a few references longer.
  const systemStart = snapshot.hasUserRoots ? 6 : 0
  while (heap.size > 0 && paths.length < count) {
    if (expansions++ >= maxExpansions) {
      truncated = true
      break
    }
    const state = heap.pop()
    const node = stateNode[state]
    if (finished[state] === 1) {
      paths.push(pathOfState(snapshot, { stateNode, stateParent, stateEdge }, state))
      continue
    }
    const times = expanded.get(node) ?? 0
    if (times >= perNode) continue
    expanded.set(node, times + 1)
    if (isRetainedByRoot(graph, node)) {
      // The route ends here. One that starts at a system root (the stack, handles) costs a
      // little more than one from the global object, so the global one comes first.
      const penalty = graph.nodeType[node] === graph.nodeTypeCode.synthetic ? systemStart : 0
      add(node, stateParent[state], stateEdge[state], depth[state], spent[state] + penalty, true)
      continue
    }
    const steps = depth[state] + 1
    for (let slot = graph.firstRetainer[node]; slot < graph.firstRetainer[node + 1]; slot++) {
      const retainer = graph.retainerNode[slot]
      if (retainer === graph.rootNode || distance[retainer] === NO_DISTANCE) continue
      if (steps + reach(distance[retainer]) > limit) continue
      const edge = graph.retainerEdge[slot]
      const cost = referenceCost(snapshot, tables, retainer, edge)
      if (cost === Infinity || onPath(state, retainer)) continue
      add(retainer, state, edge, steps, spent[state] + cost)
    }
  }
  return { paths, reachable: true, truncated }
}
