// Per-object facts as plain objects: display names (DevTools' rules for cons strings and plain
// objects), object details, edges and retainers. Everything returned is a small DTO.
import { edgeName } from '../graph/heap-graph'
import { IdIndex } from './id-index'
import { perSnapshot, savedFields } from './cache'
import { sortByKeyDescending } from './sort'
import { displayName } from './names'
import { mapSlotOf } from './map-entries'
import { objectLabelOf, sourceLocation } from './labels'
import { objectValue, SHOWN_TEXT } from './values'
import type { HeapSnapshot } from '../snapshot'
import { BASE_SYSTEM_DISTANCE, NO_DISTANCE } from '../analyses/distances'
import type { ObjectSummary, ObjectDetails, EdgeSummary, Reference, Page } from '../../protocol/dto'

/** Distance as users read it: null when unreachable. */
export function publicDistance(snapshot: HeapSnapshot, node: number): number | null {
  const distance = snapshot.distance[node]
  return distance === NO_DISTANCE ? null : distance
}

/** An object's facts without its label: for bulk listings (every node of an export). */
export function objectFacts(snapshot: HeapSnapshot, node: number): Omit<ObjectSummary, 'label'> {
  checkNode(snapshot, node)
  const graph = snapshot.graph
  return {
    node,
    id: graph.objectId[node],
    type: graph.nodeTypes[graph.nodeType[node]],
    name: displayName(snapshot, node),
    className: graph.strings.get(snapshot.className[node]),
    selfSize: snapshot.selfSize[node],
    retainedSize: snapshot.retainedSize[node],
    distance: publicDistance(snapshot, node),
  }
}

/** An object as lists show it: its facts, and its label (computed now, for this object). */
export function summarizeObject(snapshot: HeapSnapshot, node: number): ObjectSummary {
  const facts = objectFacts(snapshot, node)
  const location = sourceLocation(snapshot, node)
  return {
    ...facts,
    label: objectLabelOf(snapshot, node),
    ...(location && { location }),
  }
}

export function describeObject(
  snapshot: HeapSnapshot,
  node: number,
  textLimit = SHOWN_TEXT,
): ObjectDetails {
  checkNode(snapshot, node)
  const graph = snapshot.graph
  const dominator = snapshot.dominator[node]
  const state = graph.detachedness[node]
  return {
    ...summarizeObject(snapshot, node),
    retainerCount: graph.firstRetainer[node + 1] - graph.firstRetainer[node],
    edgeCount: graph.firstEdge[node + 1] - graph.firstEdge[node],
    dominator: node === graph.rootNode ? null : summarizeObject(snapshot, dominator),
    detachedness: state === 1 ? 'attached' : state === 2 ? 'detached' : 'unknown',
    isSystemReachable: snapshot.hasUserRoots && snapshot.distance[node] >= BASE_SYSTEM_DISTANCE,
    value: objectValue(snapshot, node, textLimit),
  }
}

export function summarizeEdge(snapshot: HeapSnapshot, edge: number): EdgeSummary {
  const graph = snapshot.graph
  const type = graph.edgeTypes[graph.edgeType[edge]]
  const mapSlot = mapSlotOf(snapshot, edge)
  return {
    edge,
    type,
    name: edgeName(graph, edge),
    isWeak: graph.edgeType[edge] === graph.edgeTypeCode.weak,
    ...(mapSlot && { mapSlot }),
  }
}

/** A page's [from, to) within `total`: start and count floored, negative or NaN taken as 0. */
export function clampRange(total: number, start: number, count: number): [number, number] {
  const whole = (value: number): number =>
    Number.isFinite(value) && value > 0 ? Math.floor(value) : 0
  const from = Math.min(whole(start), total)
  return [from, Math.min(total, from + whole(count))]
}

/** Throws unless `node` is an ordinal of this snapshot. */
export function checkNode(snapshot: HeapSnapshot, node: number): void {
  if (!Number.isInteger(node) || node < 0 || node >= snapshot.graph.nodeCount) {
    throw new RangeError(
      `node ${node} is not in this snapshot (0..${snapshot.graph.nodeCount - 1})`,
    )
  }
}

/** Outgoing references in snapshot order. */
export function getOutgoingEdges(
  snapshot: HeapSnapshot,
  node: number,
  start = 0,
  count = 50,
): Page<Reference> {
  checkNode(snapshot, node)
  const graph = snapshot.graph
  const first = graph.firstEdge[node]
  const total = graph.firstEdge[node + 1] - first
  const [from, to] = clampRange(total, start, count)
  const items: Reference[] = []
  for (let position = from; position < to; position++) {
    const edge = first + position
    items.push({
      edge: summarizeEdge(snapshot, edge),
      node: summarizeObject(snapshot, graph.edgeTarget[edge]),
    })
  }
  return { start: from, total, items }
}

/** Sort key for a retainer: its distance, unreachable and weak ones last. */
function retainerRank(snapshot: HeapSnapshot, slot: number): number {
  const graph = snapshot.graph
  const retainer = graph.retainerNode[slot]
  const distance = snapshot.distance[retainer]
  let rank = distance === NO_DISTANCE ? 2 * BASE_SYSTEM_DISTANCE : distance
  if (graph.edgeType[graph.retainerEdge[slot]] === graph.edgeTypeCode.weak)
    rank += 4 * BASE_SYSTEM_DISTANCE
  return rank
}

/**
 * The first `needed` retainer slots of a node in DevTools' Retainers order: the retainer's
 * distance, then its name, then slot order (which lists later edges first); weak retainers come
 * last. Ranks are radix-sorted (no comparator over millions of retainers) and names are computed
 * only for the tie groups that reach into the first `needed` places.
 */
export function orderedRetainerSlots(
  snapshot: HeapSnapshot,
  node: number,
  needed = Infinity,
): Uint32Array {
  const graph = snapshot.graph
  const first = graph.firstRetainer[node]
  const count = graph.firstRetainer[node + 1] - first
  const offsets = new Uint32Array(count)
  for (let offset = 0; offset < count; offset++) offsets[offset] = offset
  if (count < 2) return offsets.map((offset) => first + offset)
  // Ascending rank via the descending radix sort over (maximum - rank); stable, so ties keep
  // slot order.
  const inverted = new Float64Array(count)
  let maximum = 0
  for (let offset = 0; offset < count; offset++) {
    inverted[offset] = retainerRank(snapshot, first + offset)
    if (inverted[offset] > maximum) maximum = inverted[offset]
  }
  for (let offset = 0; offset < count; offset++) inverted[offset] = maximum - inverted[offset]
  const byRank = sortByKeyDescending(offsets, inverted)
  for (let position = 0; position < count; position++) byRank[position] += first
  // byRank now holds slots; their ranks are inverted[slot - first].
  const limit = Math.min(count, needed)
  for (let groupStart = 0; groupStart < limit;) {
    const rank = inverted[byRank[groupStart] - first]
    let groupEnd = groupStart + 1
    while (groupEnd < count && inverted[byRank[groupEnd] - first] === rank) groupEnd++
    if (groupEnd - groupStart > 1) sortGroupByName(snapshot, byRank, groupStart, groupEnd, limit)
    groupStart = groupEnd
  }
  return byRank
}

/**
 * Orders byRank[from, to) by retainer name, then slot, as far as position `limit` needs: a full
 * sort for small groups, a selection of the first few for huge ones.
 */
function sortGroupByName(
  snapshot: HeapSnapshot,
  byRank: Uint32Array,
  from: number,
  to: number,
  limit: number,
): void {
  const { retainerNode } = snapshot.graph
  const group = Array.from(byRank.subarray(from, to), (slot) => ({
    slot,
    name: displayName(snapshot, retainerNode[slot]),
  }))
  const compare = (a: { slot: number; name: string }, b: { slot: number; name: string }): number =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.slot - b.slot
  const wanted = limit - from
  if (group.length <= 4096 || wanted >= group.length / 4) {
    group.sort(compare)
  } else {
    // Selection of the first `wanted`, then the rest in rank (slot) order after them.
    const chosen: typeof group = []
    for (const entry of group) {
      if (chosen.length < wanted || compare(entry, chosen[chosen.length - 1]) < 0) {
        let position = chosen.length
        while (position > 0 && compare(entry, chosen[position - 1]) < 0) position--
        chosen.splice(position, 0, entry)
        if (chosen.length > wanted) chosen.pop()
      }
    }
    // The chosen ones first, then the rest in slot order (no spread: groups can be huge).
    const taken = new Set(chosen.map((entry) => entry.slot))
    let position = from
    for (const entry of chosen) byRank[position++] = entry.slot
    for (const entry of group) if (!taken.has(entry.slot)) byRank[position++] = entry.slot
    return
  }
  group.forEach((entry, offset) => {
    byRank[from + offset] = entry.slot
  })
}

/** Retainers, nearest to the GC roots first. The reference's `node` is the retaining object. */
export function getRetainers(
  snapshot: HeapSnapshot,
  node: number,
  start = 0,
  count = 50,
): Page<Reference> {
  checkNode(snapshot, node)
  const graph = snapshot.graph
  const [from, to] = clampRange(
    graph.firstRetainer[node + 1] - graph.firstRetainer[node],
    start,
    count,
  )
  const slots = orderedRetainerSlots(snapshot, node, to)
  const items = Array.from(slots.subarray(from, to), (slot) => ({
    edge: summarizeEdge(snapshot, graph.retainerEdge[slot]),
    node: summarizeObject(snapshot, graph.retainerNode[slot]),
  }))
  return { start: from, total: slots.length, items }
}

/** Children in the dominator tree, by retained size (what freeing this node would free). */
export function getDominatedChildren(
  snapshot: HeapSnapshot,
  node: number,
  start = 0,
  count = 50,
): Page<ObjectSummary> {
  checkNode(snapshot, node)
  const children = sortByKeyDescending(
    snapshot.dominatedNode.subarray(
      snapshot.firstDominated[node],
      snapshot.firstDominated[node + 1],
    ),
    snapshot.retainedSize,
  )
  const [from, to] = clampRange(children.length, start, count)
  return {
    start: from,
    total: children.length,
    items: Array.from(children.subarray(from, to), (child) => summarizeObject(snapshot, child)),
  }
}

/** The chain of dominators from the node up to the root (node first). */
export function getDominatorChain(snapshot: HeapSnapshot, node: number): ObjectSummary[] {
  checkNode(snapshot, node)
  const chain = [summarizeObject(snapshot, node)]
  const root = snapshot.graph.rootNode
  let current = node
  while (current !== root && chain.length < 100_000) {
    current = snapshot.dominator[current]
    chain.push(summarizeObject(snapshot, current))
  }
  return chain
}

const idIndex = perSnapshot((snapshot) => new IdIndex(snapshot.graph.objectId), {
  name: 'id-index@1',
  save: (index) => ({ order: index.order }),
  load: (saved, snapshot) =>
    IdIndex.fromOrder(
      snapshot.graph.objectId,
      savedFields(saved, 'id index')('order', Uint32Array, snapshot.graph.nodeCount),
    ),
})
/** Snapshots whose one lookup so far scanned instead of building the index. */
const scannedOnce = new WeakSet<HeapSnapshot>()

/** Builds the sorted id index now (the engine host does this right after loading). */
export function buildIdIndex(snapshot: HeapSnapshot): void {
  idIndex(snapshot)
}

/**
 * Finds a node by @id, or null. Without the index, the first lookup scans (a few ms even on
 * ten million nodes) and a second one builds the index, which answers later ones in O(log N).
 */
export function findNodeById(snapshot: HeapSnapshot, id: number): number | null {
  const index = idIndex.peek(snapshot)
  if (index) return index.find(id)
  if (!scannedOnce.has(snapshot)) {
    scannedOnce.add(snapshot)
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) return null
    const position = snapshot.graph.objectId.indexOf(id)
    return position === -1 ? null : position
  }
  return idIndex(snapshot).find(id)
}
