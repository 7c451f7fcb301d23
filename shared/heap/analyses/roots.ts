// Root-level facts DevTools derives before dominators: which root children are user roots
// (snapshots from v8.writeHeapSnapshot have them; exposeInternals snapshots do not), and which
// nodes are "page objects" (reachable from user roots or Document DOM trees by strong edges).
import { WorkArrays } from './work-arrays'
import type { HeapGraph } from '../graph/heap-graph'
import { BitVector } from './bit-vector'

/** A root child that DevTools treats as a user root: not synthetic, or the DOM trees root. */
export function isUserRoot(graph: HeapGraph, node: number): boolean {
  return (
    graph.nodeType[node] !== graph.nodeTypeCode.synthetic || isDocumentDomTreesRoot(graph, node)
  )
}

export function isDocumentDomTreesRoot(graph: HeapGraph, node: number): boolean {
  return (
    graph.nodeType[node] === graph.nodeTypeCode.synthetic &&
    graph.strings.get(graph.nodeName[node]) === '(Document DOM trees)'
  )
}

/**
 * Whether the root has user roots. Without them the snapshot was taken with `exposeInternals`,
 * and DevTools neither redistributes shallow sizes nor starts distances at user roots.
 */
export function hasUserRoots(graph: HeapGraph): boolean {
  const root = graph.rootNode
  for (let edge = graph.firstEdge[root]; edge < graph.firstEdge[root + 1]; edge++) {
    if (isUserRoot(graph, graph.edgeTarget[edge])) return true
  }
  return false
}

/**
 * Page-owned nodes: everything reachable by non-weak edges from the root's shortcut targets
 * (the global objects) and from the Document DOM trees root.
 */
export function markPageObjects(graph: HeapGraph, work = new WorkArrays()): BitVector {
  const { nodeCount, firstEdge, edgeType, edgeTarget, rootNode } = graph
  const { element, shortcut, weak } = graph.edgeTypeCode
  const page = new BitVector(nodeCount)
  // Each node is pushed once after being marked; root edges may repeat a target.
  const stack = work.scratch32(nodeCount + firstEdge[rootNode + 1] - firstEdge[rootNode], null)
  let top = 0
  for (let edge = firstEdge[rootNode]; edge < firstEdge[rootNode + 1]; edge++) {
    const type = edgeType[edge]
    const target = edgeTarget[edge]
    if (type === element) {
      if (!isDocumentDomTreesRoot(graph, target)) continue
    } else if (type !== shortcut) {
      continue
    }
    stack[top++] = target
    page.set(target)
  }
  while (top > 0) {
    const node = stack[--top]
    const end = firstEdge[node + 1]
    for (let edge = firstEdge[node]; edge < end; edge++) {
      const target = edgeTarget[edge]
      if (page.get(target) || edgeType[edge] === weak) continue
      page.set(target)
      stack[top++] = target
    }
  }
  work.give(stack)
  return page
}
