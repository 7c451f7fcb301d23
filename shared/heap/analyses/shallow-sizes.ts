// Self sizes as DevTools shows them: hidden nodes, arrays and `system / ExternalStringData`
// owned by exactly one other object fold their size into that owner (an Array's elements
// store counts as the Array's own bytes). Only for snapshots with user roots; exposeInternals
// snapshots show raw allocations. The redistribution stands alone (redistributeSizes), so that a
// parse worker can run it beside the main thread's next stages (see the loader).
import { WorkArrays } from './work-arrays'
import type { GraphArrays, HeapGraph } from '../graph/heap-graph'
import { narrowSizes, type SizeArray } from '../parse/snapshot-parser'

/** The name of the nodes of external strings' data. */
export const EXTERNAL_STRING_DATA = 'system / ExternalStringData'

/** What the redistribution reads: the graph's arrays and codes, no strings. */
export interface SizeRedistribution extends GraphArrays {
  /** Node type codes, and the weak edge's type. */
  hidden: number
  array: number
  native: number
  synthetic: number
  weak: number
  /** The string indexes of `system / ExternalStringData` (there is usually one). */
  externalNames: Uint32Array
}

/**
 * The redistribution's inputs from a graph; `externalNames`: the indexes of
 * `system / ExternalStringData`, when already looked up.
 */
export function sizeRedistribution(
  graph: HeapGraph,
  externalNames: readonly number[] = graph.strings.indexesOf(EXTERNAL_STRING_DATA),
): SizeRedistribution {
  const { hidden, array, native, synthetic } = graph.nodeTypeCode
  return {
    nodeCount: graph.nodeCount,
    rootNode: graph.rootNode,
    nodeType: graph.nodeType,
    nodeName: graph.nodeName,
    firstEdge: graph.firstEdge,
    edgeType: graph.edgeType,
    edgeTarget: graph.edgeTarget,
    hidden,
    array,
    native,
    synthetic,
    weak: graph.edgeTypeCode.weak,
    externalNames: Uint32Array.from(externalNames),
  }
}

/**
 * The raw sizes `rawSelfSize` into `sizeWork.selfSize`, with the sizes of owned hidden nodes,
 * arrays and external string data moved into their owners. The work's `owner` holds nodeCount
 * slots and its `worklist` 2 * (nodeCount + 1); their contents do not matter.
 *
 * It stands alone (no imports, no module-level names, no inner functions): the parse workers
 * run its source text.
 */
export function redistributeSizes(
  input: SizeRedistribution,
  rawSelfSize: SizeArray,
  sizeWork: SizeWork,
): void {
  const { selfSize, owner, worklist } = sizeWork
  selfSize.set(rawSelfSize)
  const { nodeCount, rootNode, nodeType, nodeName, firstEdge, edgeType, edgeTarget } = input
  const { hidden, array, native, synthetic, weak, externalNames } = input
  // owner[node]: the owning node, UNVISITED, or MULTIPLE_OWNERS. A lattice that only rises,
  // so the fixpoint does not depend on visiting order. A stack of nodes to visit: each node
  // enters at most twice (when it gets an owner, and when that becomes "multiple owners").
  const UNVISITED = 0xffffffff
  const MULTIPLE_OWNERS = 0xfffffffe
  let top = 0
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node]
    let owned = type === hidden || type === array
    if (!owned && type === native) {
      for (let at = 0; at < externalNames.length; at++) {
        if (externalNames[at] === nodeName[node]) owned = true
      }
    }
    if (owned) {
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
}

/** The arrays the redistribution works in (see redistributeSizes). */
export interface SizeWork {
  selfSize: Float64Array
  owner: Uint32Array
  worklist: Uint32Array
}

/**
 * The redistribution's arrays, from `work`: in shared memory when a worker thread fills them.
 * One slot more than the nodes for the sizes: the buffer is the size the dominator tree's work
 * takes next.
 */
export function takeSizeWork(nodeCount: number, work: WorkArrays, shared: boolean): SizeWork {
  return {
    selfSize: new Float64Array(work.buffer(8 * (nodeCount + 1), false, shared), 0, nodeCount),
    owner: work.scratch32(nodeCount, null, shared),
    worklist: work.scratch32(2 * (nodeCount + 1), null, shared),
  }
}

/** The sizes the redistribution left in `sizeWork`, whose arrays go back to `work`. */
export function finishSizes(sizeWork: SizeWork, work: WorkArrays): SizeArray {
  work.give(sizeWork.owner, sizeWork.worklist)
  // A new array: the buffers given back are the sizes the stages after ask for.
  const narrow = narrowSizes(sizeWork.selfSize)
  if (narrow !== sizeWork.selfSize) work.give(sizeWork.selfSize)
  return narrow
}

/**
 * Returns per-node self sizes after redistribution (a new array, in 32 bits where every size
 * fits; rawSelfSize is untouched).
 */
export function computeShallowSizes(
  graph: HeapGraph,
  userRoots: boolean,
  work = new WorkArrays(),
  /** The indexes of EXTERNAL_STRING_DATA, when already looked up. */
  externalNames?: readonly number[],
): SizeArray {
  if (!userRoots) return graph.rawSelfSize.slice()
  const sizeWork = takeSizeWork(graph.nodeCount, work, false)
  redistributeSizes(sizeRedistribution(graph, externalNames), graph.rawSelfSize, sizeWork)
  return finishSizes(sizeWork, work)
}
