// The class index as queries read it: the snapshot's own (built during the load, see
// analyses/class-index.ts), and the same classes counted over a subset of the nodes (a filtered
// Summary).
import { buildClassIndex, classRetainedSizes, type ClassIndex } from '../analyses/class-index'
import type { HeapSnapshot } from '../snapshot'

export { buildClassIndex, type ClassIndex }

/** The snapshot's own class index. */
export function classIndexOf(snapshot: HeapSnapshot): ClassIndex {
  return snapshot.classIndex
}

/**
 * The class index restricted to the nodes `keep` marks (DevTools' filtered Summary: objects
 * allocated in an interval, say): the same classes, counted over those nodes only; a class's
 * retained size counts a kept member when no kept dominator ancestor of its class is counted.
 */
export function filteredClassIndex(snapshot: HeapSnapshot, keep: Uint8Array): ClassIndex {
  const full = classIndexOf(snapshot)
  const classCount = full.classKey.length
  const nodeClass = new Int32Array(full.nodeClass.length).fill(-1)
  const count = new Uint32Array(classCount)
  const selfSize = new Float64Array(classCount)
  const distance = new Int32Array(classCount)
  for (let node = 0; node < nodeClass.length; node++) {
    const position = full.nodeClass[node]
    if (position === -1 || !keep[node]) continue
    nodeClass[node] = position
    if (count[position]++ === 0 || snapshot.distance[node] < distance[position]) {
      distance[position] = snapshot.distance[node]
    }
    selfSize[position] += snapshot.selfSize[node]
  }
  return {
    ...full,
    count,
    selfSize,
    distance,
    retainedSize: classRetainedSizes(snapshot, nodeClass, classCount),
    nodeClass,
  }
}
