// Strongly connected components over strong (non-weak) edges: the cycles objgraph shows.
// Computed once per snapshot by an iterative Tarjan; a node's cycle is its component when
// that has more than one member (or a self edge).
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import { summarizeObject, type ObjectSummary } from './nodes'

interface Components {
  /** Per node: component number. */
  component: Int32Array
  /** Per component: member count. */
  size: Int32Array
  /** Members grouped by component (CSR over `firstMember`), built on first use. */
  firstMember: Uint32Array | null
  member: Uint32Array | null
}

function computeComponents(snapshot: HeapSnapshot): Components {
  const { nodeCount, firstEdge, edgeTarget, edgeType } = snapshot.graph
  const weak = snapshot.graph.edgeTypeCode.weak
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
        if (edgeType[edge] === weak) continue
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

const components = perSnapshot(computeComponents)

function hasSelfEdge(snapshot: HeapSnapshot, node: number): boolean {
  const { firstEdge, edgeTarget, edgeType } = snapshot.graph
  for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
    if (edgeTarget[edge] === node && edgeType[edge] !== snapshot.graph.edgeTypeCode.weak)
      return true
  }
  return false
}

export interface Cycle {
  /** Members of the node's strongly connected component, largest retained size first. */
  members: ObjectSummary[]
  total: number
}

/** The cycle a node is part of (empty when it is in none). */
export function getCycle(snapshot: HeapSnapshot, node: number, limit = 200): Cycle {
  const data = components(snapshot)
  const id = data.component[node]
  const total = data.size[id]
  if (total === 1 && !hasSelfEdge(snapshot, node)) return { members: [], total: 0 }
  const members: number[] = []
  const { component } = data
  for (let other = 0; other < component.length; other++)
    if (component[other] === id) members.push(other)
  members.sort((a, b) => snapshot.retainedSize[b] - snapshot.retainedSize[a] || a - b)
  return {
    members: members.slice(0, limit).map((member) => summarizeObject(snapshot, member)),
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
