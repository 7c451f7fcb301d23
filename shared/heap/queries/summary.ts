// Summary by class, computed as DevTools' Summary view does: objects with a non-zero (shown)
// self size, grouped by class key (location-qualified for `object` nodes with a location), and
// a class's retained size counting each member only when no dominator ancestor of the same
// class is counted already. Built once per snapshot.
import type { HeapSnapshot } from '../snapshot'
import { NO_DISTANCE } from '../analyses/distances'
import { summarizeObject } from './nodes'
import { perSnapshot } from './cache'
import { sortByKeyDescending } from './sort'
import type { ClassSummary, ObjectSummary, Page } from '../../protocol/dto'

interface SummaryData {
  classes: ClassSummary[]
  /** Per node: position in `classes`, or -1 (zero self size, or a class DevTools drops). */
  nodeClass: Int32Array
  byKey: Map<string, number>
  /** Member lists sorted by retained size, built on demand. */
  members: Map<number, Uint32Array>
}

function locationField(fields: readonly string[], name: string, fallback: number): number {
  const position = fields.indexOf(name)
  return position === -1 ? fallback : position
}

function internalKey(snapshot: HeapSnapshot, node: number): string | number {
  const graph = snapshot.graph
  const classId = snapshot.className[node]
  const record = snapshot.nodeLocation[node]
  if (graph.nodeType[node] !== graph.nodeTypeCode.object || record === -1) return classId
  const fields = graph.layout.locationFields
  const { locations } = graph
  const scriptId = locations[record + locationField(fields, 'script_id', 1)]
  const line = locations[record + locationField(fields, 'line', 2)]
  const column = locations[record + locationField(fields, 'column', 3)]
  return `${scriptId},${line},${column},${graph.strings[classId]}`
}

/** The public class key of a node: `,<className>` or `<scriptId>,<line>,<column>,<className>`. */
export function classKeyOf(snapshot: HeapSnapshot, node: number): string {
  const key = internalKey(snapshot, node)
  return typeof key === 'number' ? ',' + snapshot.graph.strings[key] : key
}

function buildSummary(snapshot: HeapSnapshot): SummaryData {
  const { graph, selfSize, retainedSize, distance } = snapshot
  const nodeCount = graph.nodeCount
  // Aggregate by DevTools' internal keys first: a class-name string index for most nodes (looked
  // up in a typed array), a location string for `object` nodes with a location (in a Map)...
  const byClassId = new Int32Array(graph.strings.length).fill(-1)
  const byLocationKey = new Map<string, number>()
  const internalKeys: Array<string | number> = []
  const counts: number[] = []
  const selfSums: number[] = []
  const retainedSums: number[] = []
  const minDistance: number[] = []
  const sampleNode: number[] = []
  const nodeInternal = new Int32Array(nodeCount).fill(-1)
  const { className, nodeLocation } = snapshot
  const objectType = graph.nodeTypeCode.object
  const nodeType = graph.nodeType
  for (let node = 0; node < nodeCount; node++) {
    if (!selfSize[node]) continue
    let position: number | undefined
    let key: string | number
    if (nodeType[node] === objectType && nodeLocation[node] !== -1) {
      key = internalKey(snapshot, node)
      position = byLocationKey.get(key as string)
    } else {
      key = className[node]
      position = byClassId[key]
      if (position === -1) position = undefined
    }
    if (position === undefined) {
      position = internalKeys.length
      if (typeof key === 'number') byClassId[key] = position
      else byLocationKey.set(key, position)
      internalKeys.push(key)
      counts.push(0)
      selfSums.push(0)
      retainedSums.push(0)
      minDistance.push(distance[node])
      sampleNode.push(node)
    }
    nodeInternal[node] = position
    counts[position]++
    selfSums[position] += selfSize[node]
    if (distance[node] < minDistance[position]) minDistance[position] = distance[node]
  }
  // ...then retained sizes over the dominator tree, with a per-class count of counted ancestors.
  const active = new Int32Array(internalKeys.length)
  const { firstDominated, dominatedNode } = snapshot
  const stack = new Uint32Array(nodeCount)
  const exiting = new Uint8Array(nodeCount)
  let top = 0
  stack[top++] = graph.rootNode
  while (top > 0) {
    const node = stack[top - 1]
    const position = nodeInternal[node]
    if (exiting[node]) {
      top--
      if (exiting[node] === 2) active[position]--
      continue
    }
    exiting[node] = 1
    if (position !== -1 && active[position] === 0) {
      retainedSums[position] += retainedSize[node]
      active[position]++
      exiting[node] = 2
    }
    for (let slot = firstDominated[node]; slot < firstDominated[node + 1]; slot++) {
      stack[top++] = dominatedNode[slot]
    }
  }
  // Public keys, as DevTools converts them: a later internal key with the same public key wins.
  const byKey = new Map<string, number>()
  const publicOf = internalKeys.map((key) =>
    typeof key === 'number' ? ',' + graph.strings[key] : key,
  )
  publicOf.forEach((key, position) => byKey.set(key, position))
  const kept = [...byKey.values()]
  const classes: ClassSummary[] = kept.map((position) => {
    const key = internalKeys[position]
    return {
      classKey: publicOf[position],
      className:
        graph.strings[typeof key === 'number' ? key : snapshot.className[sampleNode[position]]],
      count: counts[position],
      selfSize: selfSums[position],
      retainedSize: retainedSums[position],
      distance: minDistance[position] === NO_DISTANCE ? null : minDistance[position],
    }
  })
  const order = classes.map((_, index) => index)
  order.sort(
    (a, b) =>
      classes[b].retainedSize - classes[a].retainedSize ||
      (classes[a].classKey < classes[b].classKey
        ? -1
        : classes[a].classKey > classes[b].classKey
          ? 1
          : 0),
  )
  const sortedClasses = order.map((index) => classes[index])
  const finalPosition = new Int32Array(internalKeys.length).fill(-1)
  order.forEach((index, rank) => {
    finalPosition[kept[index]] = rank
  })
  const nodeClass = nodeInternal
  for (let node = 0; node < nodeCount; node++) {
    if (nodeClass[node] !== -1) nodeClass[node] = finalPosition[nodeClass[node]]
  }
  const sortedByKey = new Map(sortedClasses.map((entry, rank) => [entry.classKey, rank]))
  return { classes: sortedClasses, nodeClass, byKey: sortedByKey, members: new Map() }
}

const summaryData = perSnapshot(buildSummary)

/** Every class, largest retained size first. */
export function getSummary(snapshot: HeapSnapshot): ClassSummary[] {
  return summaryData(snapshot).classes
}

/** Finds classes by key or by class name (a name may match several location-qualified keys). */
export function findClasses(snapshot: HeapSnapshot, keyOrName: string): ClassSummary[] {
  const data = summaryData(snapshot)
  const exact = data.byKey.get(keyOrName)
  if (exact !== undefined) return [data.classes[exact]]
  return data.classes.filter((entry) => entry.className === keyOrName)
}

/** Members of a class, largest retained size first. */
export function getClassMembers(
  snapshot: HeapSnapshot,
  classKey: string,
  start = 0,
  count = 50,
): Page<ObjectSummary> {
  const data = summaryData(snapshot)
  const position = data.byKey.get(classKey)
  if (position === undefined) return { start: 0, total: 0, items: [] }
  let members = data.members.get(position)
  if (!members) {
    const { nodeClass } = data
    const list = new Uint32Array(data.classes[position].count)
    let filled = 0
    for (let node = 0; node < nodeClass.length; node++) {
      if (nodeClass[node] === position) list[filled++] = node
    }
    members = sortByKeyDescending(list.subarray(0, filled), snapshot.retainedSize)
    data.members.set(position, members)
  }
  const from = Math.max(0, Math.min(start, members.length))
  const to = Math.min(members.length, from + Math.max(0, count))
  return {
    start: from,
    total: members.length,
    items: Array.from(members.subarray(from, to), (node) => summarizeObject(snapshot, node)),
  }
}
