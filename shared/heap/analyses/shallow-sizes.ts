// Self sizes as DevTools shows them: hidden nodes, arrays and `system / ExternalStringData`
// owned by exactly one other object fold their size into that owner (an Array's elements
// store counts as the Array's own bytes). Only for snapshots with user roots; exposeInternals
// snapshots show raw allocations.
import { WorkArrays } from './work-arrays'
import type { HeapGraph } from '../graph/heap-graph'
import { narrowSizes, type SizeArray } from '../parse/snapshot-parser'

const UNVISITED = 0xffffffff
const MULTIPLE_OWNERS = 0xfffffffe

/**
 * Returns per-node self sizes after redistribution (a new array, in 32 bits where every size
 * fits; rawSelfSize is untouched).
 */
export function computeShallowSizes(
  graph: HeapGraph,
  userRoots: boolean,
  work = new WorkArrays(),
): SizeArray {
  if (!userRoots) return graph.rawSelfSize.slice()
  // One slot more than the nodes: the buffer is the size the dominator tree's work takes next.
  const selfSize = new Float64Array(work.buffer(8 * (graph.nodeCount + 1)), 0, graph.nodeCount)
  selfSize.set(graph.rawSelfSize)
  const { nodeCount, nodeType, nodeName, strings, firstEdge, edgeType, edgeTarget, rootNode } =
    graph
  const { hidden, array, native, synthetic } = graph.nodeTypeCode
  const weak = graph.edgeTypeCode.weak
  // owner[node]: the owning node, UNVISITED, or MULTIPLE_OWNERS. A lattice that only rises,
  // so the fixpoint does not depend on visiting order.
  const owner = work.scratch32(nodeCount)
  // A stack of nodes to visit: each node enters at most twice (when it gets an owner, and when
  // that becomes "multiple owners"), so 2N slots suffice.
  const worklist = work.scratch32(2 * (nodeCount + 1), null)
  let top = 0
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node]
    if (
      type === hidden ||
      type === array ||
      (type === native && strings.get(nodeName[node]) === 'system / ExternalStringData')
    ) {
      owner[node] = UNVISITED
    } else {
      owner[node] = node
      worklist[top++] = node
    }
  }
  while (top > 0) {
    const node = worklist[--top]
    const nodeOwner = owner[node]
    const end = firstEdge[node + 1]
    for (let edge = firstEdge[node]; edge < end; edge++) {
      if (edgeType[edge] === weak) continue
      const target = edgeTarget[edge]
      const targetOwner = owner[target]
      if (targetOwner === UNVISITED) {
        owner[target] = nodeOwner
        worklist[top++] = target
      } else if (
        targetOwner !== target &&
        targetOwner !== nodeOwner &&
        targetOwner !== MULTIPLE_OWNERS
      ) {
        owner[target] = MULTIPLE_OWNERS
        worklist[top++] = target
      }
    }
  }
  for (let node = 0; node < nodeCount; node++) {
    const nodeOwner = owner[node]
    if (nodeOwner === UNVISITED || nodeOwner === MULTIPLE_OWNERS || nodeOwner === node) continue
    if (nodeType[nodeOwner] === synthetic || nodeOwner === rootNode) continue
    selfSize[nodeOwner] += selfSize[node]
    selfSize[node] = 0
  }
  work.give(owner, worklist)
  // A new array: the buffers given back are the sizes the stages after ask for.
  const narrow = narrowSizes(selfSize)
  if (narrow !== selfSize) work.give(selfSize)
  return narrow
}
