// Which edges count for dominators, by DevTools' rules: not weak, not a self edge, not a
// shortcut unless from the root, not the WeakMap table's edge to a value (the key's edge is
// kept), and not from a non-page object into a page object (so debugger-held references do not
// change the dominators of page objects).
import type { HeapGraph } from '../graph/heap-graph'
import { BitVector } from './bit-vector'
import type { WeakMapEdgeNames } from './weak-map-edges'

export function computeEssentialEdges(
  graph: HeapGraph,
  pageObjects: BitVector,
  weakMapNames: WeakMapEdgeNames,
): BitVector {
  const {
    nodeCount,
    edgeCount,
    firstEdge,
    edgeType,
    edgeTarget,
    edgeNameOrIndex,
    objectId,
    rootNode,
  } = graph
  const { internal, weak, shortcut } = graph.edgeTypeCode
  const essential = new BitVector(edgeCount)
  for (let node = 0; node < nodeCount; node++) {
    const end = firstEdge[node + 1]
    const isRoot = node === rootNode
    const nodeIsPage = pageObjects.get(node)
    for (let edge = firstEdge[node]; edge < end; edge++) {
      const type = edgeType[edge]
      if (type === weak) continue
      if (type === internal) {
        const ephemeron = weakMapNames.parse(edgeNameOrIndex[edge])
        if (ephemeron !== null && ephemeron.tableId === objectId[node]) continue
      }
      const target = edgeTarget[edge]
      if (target === node) continue
      if (!isRoot) {
        if (type === shortcut) continue
        if (!nodeIsPage && pageObjects.get(target)) continue
      }
      essential.set(edge)
    }
  }
  return essential
}
