// Distances from GC roots, as DevTools computes them: BFS from user roots first (distance 1),
// then from the synthetic root for everything else, starting at 100000000 when user roots exist
// (system distances). Weak edges are never followed; DevTools' JS filter skips descriptor-array
// links, the NativeContext's sloppy_function_map, and the first of each WeakMap edge pair.
import { edgeName, type HeapGraph } from '../graph/heap-graph'
import { isUserRoot } from './roots'
import type { WeakMapEdgeNames } from './weak-map-edges'
import { WorkArrays } from './work-arrays'

/** Distance of nodes no BFS reached. */
export const NO_DISTANCE = -5
/** Distance assigned to the root when user roots exist; system objects count from here. */
export const BASE_SYSTEM_DISTANCE = 100_000_000

export function computeDistances(
  graph: HeapGraph,
  weakMapNames: WeakMapEdgeNames,
  work = new WorkArrays(),
): Int32Array {
  const { nodeCount, nodeType, nodeName, strings, firstEdge, edgeType, edgeTarget, rootNode } =
    graph
  const { hidden: hiddenNode, array: arrayNode } = graph.nodeTypeCode
  const { weak, internal } = graph.edgeTypeCode
  const distance = new Int32Array(work.buffer(4 * nodeCount), 0, nodeCount).fill(NO_DISTANCE)
  const pendingEphemerons = new Set<string>()

  const follow = (node: number, edge: number): boolean => {
    const type = nodeType[node]
    if (type === hiddenNode) {
      if (
        strings.get(nodeName[node]) === 'system / NativeContext' &&
        edgeName(graph, edge) === 'sloppy_function_map'
      ) {
        return false
      }
    } else if (type === arrayNode && strings.get(nodeName[node]) === '(map descriptors)') {
      // Descriptor arrays may be shared between maps; DevTools skips their descriptor links.
      const position = parseInt(edgeName(graph, edge), 10)
      return position < 2 || position % 3 !== 1
    }
    if (edgeType[edge] === internal) {
      const ephemeron = weakMapNames.parse(graph.edgeNameOrIndex[edge])
      if (ephemeron !== null && !pendingEphemerons.delete(ephemeron.duplicatedPart)) {
        // Skip the first edge of the (table, key) pair so the value's distance comes from the
        // second, which is the larger of the two (crbug.com/1290800).
        pendingEphemerons.add(ephemeron.duplicatedPart)
        return false
      }
    }
    return true
  }

  const queue = work.scratch32(nodeCount + firstEdge[rootNode + 1] - firstEdge[rootNode], null)
  const bfs = (length: number): number => {
    for (let head = 0; head < length; head++) {
      const node = queue[head]
      const next = distance[node] + 1
      const end = firstEdge[node + 1]
      for (let edge = firstEdge[node]; edge < end; edge++) {
        if (edgeType[edge] === weak) continue
        const target = edgeTarget[edge]
        if (distance[target] !== NO_DISTANCE) continue
        if (!follow(node, edge)) continue
        distance[target] = next
        queue[length++] = target
      }
    }
    return length
  }

  let length = 0
  for (let edge = firstEdge[rootNode]; edge < firstEdge[rootNode + 1]; edge++) {
    const target = edgeTarget[edge]
    if (isUserRoot(graph, target)) {
      distance[target] = 1
      queue[length++] = target
    }
  }
  length = bfs(length)
  distance[rootNode] = length > 0 ? BASE_SYSTEM_DISTANCE : 0
  queue[0] = rootNode
  bfs(1)
  work.give(queue)
  return distance
}
