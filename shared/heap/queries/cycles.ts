// Cycles as objgraph shows them: strongly connected components over user-level references only
// (properties, elements, captured variables, and the items of arrays, stores and tables), so
// V8's structural back-links (maps, prototypes, constructors, contexts to the global) do not
// merge the whole heap into one component. Computed once per snapshot by an iterative Tarjan.
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot, savedFields } from './cache'
import { sortByKeyDescending } from './sort'
import { checkNode, summarizeObject } from './nodes'
import type { Cycle } from '../../protocol/dto'

interface Components {
  /** Per node: component number. */
  component: Int32Array
  /** Per component: member count. */
  size: Int32Array
  /** Members grouped by component (CSR over `firstMember`), built on first use. */
  firstMember: Uint32Array | null
  member: Uint32Array | null
}

/** Per edge kind: whether a reference counts for cycles (see the module comment). */
const cycleEdgeFilter = perSnapshot(buildCycleEdgeFilter)

function buildCycleEdgeFilter(snapshot: HeapSnapshot): (node: number, edge: number) => boolean {
  const { graph } = snapshot
  const { property, element, context, internal, hidden } = graph.edgeTypeCode
  const arrayType = graph.nodeTypeCode.array
  const structural = new Uint8Array(graph.strings.length)
  for (const ids of graph.strings.indexesOfAny(['__proto__', 'constructor', 'prototype']).values())
    for (const id of ids) structural[id] = 1
  const { edgeType, edgeNameOrIndex, nodeType } = graph
  return (node, edge) => {
    const type = edgeType[edge]
    if (type === property) return structural[edgeNameOrIndex[edge]] === 0
    if (type === element || type === context) return true
    return (type === internal || type === hidden) && nodeType[node] === arrayType
  }
}

function computeComponents(snapshot: HeapSnapshot): Components {
  const { nodeCount, firstEdge, edgeTarget } = snapshot.graph
  const isCycleEdge = cycleEdgeFilter(snapshot)
  const order = new Int32Array(nodeCount).fill(-1) // discovery number
  const low = new Int32Array(nodeCount)
  const component = new Int32Array(nodeCount).fill(-1)
  const callNode = new Int32Array(nodeCount) // DFS call stack: node
  const callEdge = new Uint32Array(nodeCount) // next edge to look at
  const tarjanStack = new Int32Array(nodeCount)
  let stackTop = 0
  let counter = 0
  let componentCount = 0
  const sizes: number[] = []
  for (let start = 0; start < nodeCount; start++) {
    if (order[start] !== -1) continue
    let depth = 0
    callNode[0] = start
    callEdge[0] = firstEdge[start]
    order[start] = low[start] = counter++
    tarjanStack[stackTop++] = start
    while (depth >= 0) {
      const node = callNode[depth]
      const edge = callEdge[depth]
      if (edge < firstEdge[node + 1]) {
        callEdge[depth] = edge + 1
        if (!isCycleEdge(node, edge)) continue
        const next = edgeTarget[edge]
        if (order[next] === -1) {
          order[next] = low[next] = counter++
          tarjanStack[stackTop++] = next
          depth++
          callNode[depth] = next
          callEdge[depth] = firstEdge[next]
        } else if (component[next] === -1 && order[next] < low[node]) {
          low[node] = order[next]
        }
        continue
      }
      if (low[node] === order[node]) {
        let count = 0
        let member: number
        do {
          member = tarjanStack[--stackTop]
          component[member] = componentCount
          count++
        } while (member !== node)
        sizes.push(count)
        componentCount++
      }
      depth--
      if (depth >= 0) {
        const parent = callNode[depth]
        if (low[node] < low[parent]) low[parent] = low[node]
      }
    }
  }
  return { component, size: Int32Array.from(sizes), firstMember: null, member: null }
}

const components = perSnapshot(computeComponents, {
  name: 'cycles/components@1',
  save: ({ component, size }) => ({ component, size }),
  load: (saved, snapshot) => {
    const field = savedFields(saved, 'cycles')
    return {
      component: field('component', Int32Array, snapshot.graph.nodeCount),
      size: field('size', Int32Array),
      firstMember: null,
      member: null,
    }
  },
})

function hasSelfEdge(snapshot: HeapSnapshot, node: number): boolean {
  const { firstEdge, edgeTarget } = snapshot.graph
  const isCycleEdge = cycleEdgeFilter(snapshot)
  for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
    if (edgeTarget[edge] === node && isCycleEdge(node, edge)) return true
  }
  return false
}

/** The cycle a node is part of (empty when it is in none). */
export function getCycle(snapshot: HeapSnapshot, node: number, limit = 200): Cycle {
  checkNode(snapshot, node)
  const data = components(snapshot)
  const id = data.component[node]
  const total = data.size[id]
  if (total === 1 && !hasSelfEdge(snapshot, node)) return { members: [], total: 0 }
  if (!data.firstMember || !data.member) {
    // Group nodes by component with a counting sort, once.
    const { component, size } = data
    const firstMember = new Uint32Array(size.length + 1)
    for (let index = 0; index < size.length; index++) {
      firstMember[index + 1] = firstMember[index] + size[index]
    }
    const next = firstMember.slice(0, size.length)
    const member = new Uint32Array(component.length)
    for (let other = 0; other < component.length; other++) member[next[component[other]]++] = other
    data.firstMember = firstMember
    data.member = member
  }
  const members = sortByKeyDescending(
    data.member.subarray(data.firstMember[id], data.firstMember[id + 1]),
    snapshot.retainedSize,
  )
  return {
    members: Array.from(members.subarray(0, limit), (member) => summarizeObject(snapshot, member)),
    total,
  }
}

/** Component number of every node (for views that mark cycle members). */
export function componentOf(
  snapshot: HeapSnapshot,
  node: number,
): { component: number; size: number } {
  const data = components(snapshot)
  return { component: data.component[node], size: data.size[data.component[node]] }
}
