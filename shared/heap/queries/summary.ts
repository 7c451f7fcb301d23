// Summary by class, as DevTools' Summary view shows it: the class index's classes (class-index.ts:
// objects with a non-zero self size by class key, retained sizes without double counting),
// largest retained size first, with their members on demand (each page of members with its
// objects' property previews, if asked for: never the whole class's).
import { locationOffsets, nodeLocationOf, type HeapSnapshot } from '../snapshot'
import { NO_DISTANCE } from '../analyses/distances'
import { summarizeObject } from './nodes'
import { perSnapshot } from './cache'
import { classIndexOf, filteredClassIndex, type ClassIndex } from './class-index'
import { filterKey, filterNodes } from './allocation-filters'
import { sortByKeyDescending } from './sort'
import { objectValue } from './values'
import type { ClassSummary, MemberSummary, Page, SummaryFilter } from '../../protocol/dto'

interface SummaryData {
  classes: ClassSummary[]
  /** Per rank in `classes`: the class's position in the class index. */
  indexPosition: Uint32Array
  byKey: Map<string, number>
  /** Member lists sorted by retained size, built on demand. */
  members: Map<number, Uint32Array>
  /** The class index counted (the snapshot's, or a filtered one). */
  index: ClassIndex
}

/** The public class key of a node: `,<className>` or `<scriptId>,<line>,<column>,<className>`. */
export function classKeyOf(snapshot: HeapSnapshot, node: number): string {
  const { graph } = snapshot
  const classId = snapshot.className[node]
  const record = nodeLocationOf(snapshot.graph, node)
  if (graph.nodeType[node] !== graph.nodeTypeCode.object || record === -1) {
    return ',' + graph.strings.get(classId)
  }
  const offsets = locationOffsets(graph)
  const at = (offset: number): number => graph.locations[record + offset]
  return `${at(offsets.scriptId)},${at(offsets.line)},${at(offsets.column)},${graph.strings.get(classId)}`
}

/** The class index's classes, largest retained size first (ties by class key). */
function buildSummary(index: ClassIndex): SummaryData {
  const classes: ClassSummary[] = index.classKey.map((classKey, position) => ({
    classKey,
    className: index.className[position],
    count: index.count[position],
    selfSize: index.selfSize[position],
    retainedSize: index.retainedSize[position],
    distance: index.distance[position] === NO_DISTANCE ? null : index.distance[position],
  }))
  // A filtered index keeps every class; those with no member in the filter are left out.
  const order = classes
    .map((_, position) => position)
    .filter((position) => index.count[position] > 0)
  order.sort(
    (a, b) =>
      classes[b].retainedSize - classes[a].retainedSize ||
      (classes[a].classKey < classes[b].classKey
        ? -1
        : classes[a].classKey > classes[b].classKey
          ? 1
          : 0),
  )
  const sorted = order.map((position) => classes[position])
  return {
    classes: sorted,
    indexPosition: Uint32Array.from(order),
    byKey: new Map(sorted.map((entry, rank) => [entry.classKey, rank])),
    members: new Map(),
    index,
  }
}

const fullSummary = perSnapshot((snapshot) => buildSummary(classIndexOf(snapshot)))

/** Filtered summaries of a snapshot, most recent last; a few are kept. */
const filteredSummaries = perSnapshot(() => new Map<string, SummaryData>())
const FILTERED_KEPT = 4

/**
 * The summary of the objects a filter keeps (every object without one). A filter the snapshot
 * cannot answer (allocation intervals without samples, sites without allocation stacks) keeps
 * nothing.
 */
function summaryData(snapshot: HeapSnapshot, filter?: SummaryFilter): SummaryData {
  if (!filter || (!filter.allocatedAt && !filter.allocatedBetween)) return fullSummary(snapshot)
  const cache = filteredSummaries(snapshot)
  const key = filterKey(filter)
  let data = cache.get(key)
  if (data) {
    cache.delete(key)
  } else {
    const keep = filterNodes(snapshot, filter) ?? new Uint8Array(snapshot.graph.nodeCount)
    data = buildSummary(filteredClassIndex(snapshot, keep))
  }
  cache.set(key, data)
  if (cache.size > FILTERED_KEPT) cache.delete(cache.keys().next().value ?? '')
  return data
}

/** Every class (of the objects `filter` keeps), largest retained size first. */
export function getSummary(snapshot: HeapSnapshot, filter?: SummaryFilter): ClassSummary[] {
  return summaryData(snapshot, filter).classes
}

/** Finds classes by key or by class name (a name may match several location-qualified keys). */
export function findClasses(snapshot: HeapSnapshot, keyOrName: string): ClassSummary[] {
  const data = summaryData(snapshot)
  const exact = data.byKey.get(keyOrName)
  if (exact !== undefined) return [data.classes[exact]]
  return data.classes.filter((entry) => entry.className === keyOrName)
}

/** A member as the Summary lists it; `withPreview` adds an object's own properties in one line. */
function member(snapshot: HeapSnapshot, node: number, withPreview: boolean): MemberSummary {
  const summary = summarizeObject(snapshot, node)
  const { graph } = snapshot
  // Only objects have properties to preview (a string's label shows its text already).
  if (!withPreview || graph.nodeType[node] !== graph.nodeTypeCode.object) return summary
  const { preview } = objectValue(snapshot, node)
  return preview === undefined ? summary : { ...summary, preview }
}

/**
 * Members of a class (those `filter` keeps), largest retained size first; with `withPreview`,
 * each with its preview.
 */
export function getClassMembers(
  snapshot: HeapSnapshot,
  classKey: string,
  start = 0,
  count = 50,
  { withPreview = false, filter }: { withPreview?: boolean; filter?: SummaryFilter } = {},
): Page<MemberSummary> {
  const data = summaryData(snapshot, filter)
  const position = data.byKey.get(classKey)
  if (position === undefined) return { start: 0, total: 0, items: [] }
  let members = data.members.get(position)
  if (!members) {
    const { nodeClass } = data.index
    const wanted = data.indexPosition[position]
    const list = new Uint32Array(data.classes[position].count)
    let filled = 0
    for (let node = 0; node < nodeClass.length; node++) {
      if (nodeClass[node] === wanted) list[filled++] = node
    }
    members = sortByKeyDescending(list.subarray(0, filled), snapshot.retainedSize)
    data.members.set(position, members)
  }
  const from = Math.max(0, Math.min(start, members.length))
  const to = Math.min(members.length, from + Math.max(0, count))
  return {
    start: from,
    total: members.length,
    items: Array.from(members.subarray(from, to), (node) => member(snapshot, node, withPreview)),
  }
}
