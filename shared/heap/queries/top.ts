// The objects with the largest retained size (`heapgraph top`), V8's synthetic roots left out.
import type { HeapSnapshot } from '../snapshot'
import { summarizeObject } from './nodes'
import { sortByKeyDescending } from './sort'
import type { ObjectSummary } from '../../protocol/dto'

/** The `count` objects with the largest retained size, synthetic roots left out. */
export function topObjects(snapshot: HeapSnapshot, count: number): ObjectSummary[] {
  const { graph, retainedSize } = snapshot
  const synthetic = graph.nodeTypeCode.synthetic
  const candidates = new Uint32Array(graph.nodeCount)
  let filled = 0
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.nodeType[node] !== synthetic) candidates[filled++] = node
  }
  const sorted = sortByKeyDescending(candidates.subarray(0, filled), retainedSize)
  return Array.from(sorted.subarray(0, count), (node) => summarizeObject(snapshot, node))
}
