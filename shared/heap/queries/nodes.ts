// Per-object facts as plain objects: display names (DevTools' rules for cons strings and plain
// objects), object details, edges and retainers. Everything returned is a small DTO.
import { edgeName } from '../graph/heap-graph'
import { IdIndex } from './id-index'
import { formatPropertyName } from '../analyses/class-names'
import type { HeapSnapshot } from '../snapshot'
import { BASE_SYSTEM_DISTANCE, NO_DISTANCE } from '../analyses/distances'

/** An object as the CLI and UI list it. */
export interface ObjectSummary {
  /** Node ordinal in this snapshot (not stable across snapshots). */
  node: number
  /** V8's @id, stable across snapshots of one process. */
  id: number
  type: string
  name: string
  className: string
  selfSize: number
  retainedSize: number
  /** Distance from GC roots; null when no root reaches the object. */
  distance: number | null
}

export interface ObjectDetails extends ObjectSummary {
  retainerCount: number
  edgeCount: number
  /** The immediate dominator, null for the root. */
  dominator: ObjectSummary | null
  detachedness: 'unknown' | 'attached' | 'detached'
  /** True when only system roots (not user roots) reach the object. */
  isSystemReachable: boolean
}

export interface EdgeSummary {
  type: string
  name: string
  /** Edge ordinal. */
  edge: number
  isWeak: boolean
}

/** One reference: the edge and the object at its other end. */
export interface Reference {
  edge: EdgeSummary
  node: ObjectSummary
}

/** A page of a sorted list. */
export interface Page<T> {
  start: number
  total: number
  items: T[]
}

const MAX_CONS_NAME = 1024

function consStringName(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const { nodeType, nodeName, strings, firstEdge, edgeType, edgeTarget, edgeNameOrIndex } = graph
  const consType = graph.nodeTypeCode.consString
  const internal = graph.edgeTypeCode.internal
  const stack = [node]
  let name = ''
  while (stack.length > 0 && name.length < MAX_CONS_NAME) {
    const current = stack.pop() as number
    if (nodeType[current] !== consType) {
      name += strings[nodeName[current]]
      continue
    }
    let first = 0
    let second = 0
    for (
      let edge = firstEdge[current];
      edge < firstEdge[current + 1] && (!first || !second);
      edge++
    ) {
      if (edgeType[edge] !== internal) continue
      const label = strings[edgeNameOrIndex[edge]]
      if (label === 'first') first = edgeTarget[edge]
      else if (label === 'second') second = edgeTarget[edge]
    }
    stack.push(second, first)
  }
  return name
}

function plainObjectName(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const property = graph.edgeTypeCode.property
  let start = '{'
  let end = '}'
  let fromStart = graph.firstEdge[node]
  let fromEnd = graph.firstEdge[node + 1] - 1
  let takeFromEnd = false
  while (fromStart <= fromEnd) {
    const edge = takeFromEnd ? fromEnd : fromStart
    const name = edgeName(graph, edge)
    if (graph.edgeType[edge] !== property || name === '__proto__') {
      if (takeFromEnd) fromEnd--
      else fromStart++
      continue
    }
    const formatted = formatPropertyName(name)
    if (start.length > 1 && start.length + end.length + formatted.length > 100) break
    if (takeFromEnd) {
      fromEnd--
      if (end.length > 1) end = ', ' + end
      end = formatted + end
    } else {
      fromStart++
      if (start.length > 1) start += ', '
      start += formatted
    }
    takeFromEnd = !takeFromEnd
  }
  if (fromStart <= fromEnd) start += ', …'
  if (end.length > 1) start += ', '
  return start + end
}

/** The name DevTools shows for an object. */
export function displayName(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const type = graph.nodeType[node]
  if (type === graph.nodeTypeCode.consString) return consStringName(snapshot, node)
  const raw = graph.strings[graph.nodeName[node]]
  if (type === graph.nodeTypeCode.object && raw === 'Object') return plainObjectName(snapshot, node)
  return raw
}

/** Distance as users read it: null when unreachable. */
export function publicDistance(snapshot: HeapSnapshot, node: number): number | null {
  const distance = snapshot.distance[node]
  return distance === NO_DISTANCE ? null : distance
}

export function summarizeObject(snapshot: HeapSnapshot, node: number): ObjectSummary {
  const graph = snapshot.graph
  return {
    node,
    id: graph.objectId[node],
    type: graph.nodeTypes[graph.nodeType[node]],
    name: displayName(snapshot, node),
    className: graph.strings[snapshot.className[node]],
    selfSize: snapshot.selfSize[node],
    retainedSize: snapshot.retainedSize[node],
    distance: publicDistance(snapshot, node),
  }
}

export function describeObject(snapshot: HeapSnapshot, node: number): ObjectDetails {
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
  }
}

export function summarizeEdge(snapshot: HeapSnapshot, edge: number): EdgeSummary {
  const graph = snapshot.graph
  const type = graph.edgeTypes[graph.edgeType[edge]]
  return {
    edge,
    type,
    name: edgeName(graph, edge),
    isWeak: graph.edgeType[edge] === graph.edgeTypeCode.weak,
  }
}

/** An edge as DevTools prints it in paths: `.prop`, `[3]`, `->ctx`, `{internal}`. */
export function formatEdge(type: string, name: string): string {
  switch (type) {
    case 'context':
      return '->' + name
    case 'element':
      return '[' + name + ']'
    case 'weak':
      return '[[' + name + ']]'
    case 'property':
    case 'shortcut':
      return name.includes(' ') ? `["${name}"]` : '.' + name
    default:
      return '{' + name + '}'
  }
}

function clampRange(total: number, start: number, count: number): [number, number] {
  const from = Math.max(0, Math.min(start, total))
  return [from, Math.max(from, Math.min(total, from + Math.max(0, count)))]
}

/** Outgoing references in snapshot order. */
export function getOutgoingEdges(
  snapshot: HeapSnapshot,
  node: number,
  start = 0,
  count = 50,
): Page<Reference> {
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
 * Retainer slots of a node in DevTools' Retainers order: the retainer's distance, then its name,
 * then slot order (which lists later edges first); weak retainers come last and are flagged.
 */
export function sortedRetainerSlots(snapshot: HeapSnapshot, node: number): number[] {
  const graph = snapshot.graph
  const slots: number[] = []
  for (let slot = graph.firstRetainer[node]; slot < graph.firstRetainer[node + 1]; slot++) {
    slots.push(slot)
  }
  if (slots.length < 2) return slots
  const ranks = new Map(slots.map((slot) => [slot, retainerRank(snapshot, slot)]))
  const names = new Map<number, string>()
  const nameOf = (slot: number): string => {
    let name = names.get(slot)
    if (name === undefined) {
      name = displayName(snapshot, graph.retainerNode[slot])
      names.set(slot, name)
    }
    return name
  }
  return slots.sort((a, b) => {
    const byRank = (ranks.get(a) as number) - (ranks.get(b) as number)
    if (byRank !== 0) return byRank
    const nameA = nameOf(a)
    const nameB = nameOf(b)
    if (nameA !== nameB) return nameA < nameB ? -1 : 1
    return a - b
  })
}

/** Retainers, nearest to the GC roots first. The reference's `node` is the retaining object. */
export function getRetainers(
  snapshot: HeapSnapshot,
  node: number,
  start = 0,
  count = 50,
): Page<Reference> {
  const graph = snapshot.graph
  const slots = sortedRetainerSlots(snapshot, node)
  const [from, to] = clampRange(slots.length, start, count)
  const items = slots.slice(from, to).map((slot) => ({
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
  const children = Array.from(
    snapshot.dominatedNode.subarray(
      snapshot.firstDominated[node],
      snapshot.firstDominated[node + 1],
    ),
  )
  children.sort((a, b) => snapshot.retainedSize[b] - snapshot.retainedSize[a] || a - b)
  const [from, to] = clampRange(children.length, start, count)
  return {
    start: from,
    total: children.length,
    items: children.slice(from, to).map((child) => summarizeObject(snapshot, child)),
  }
}

/** The chain of dominators from the node up to the root (node first). */
export function getDominatorChain(snapshot: HeapSnapshot, node: number): ObjectSummary[] {
  const chain = [summarizeObject(snapshot, node)]
  const root = snapshot.graph.rootNode
  let current = node
  while (current !== root && chain.length < 100_000) {
    current = snapshot.dominator[current]
    chain.push(summarizeObject(snapshot, current))
  }
  return chain
}

const idIndexes = new WeakMap<HeapSnapshot, IdIndex | 'scanned-once'>()

/** Builds the sorted id index now (the engine host does this right after loading). */
export function buildIdIndex(snapshot: HeapSnapshot): void {
  if (!(idIndexes.get(snapshot) instanceof IdIndex)) {
    idIndexes.set(snapshot, new IdIndex(snapshot.graph.objectId))
  }
}

/**
 * Finds a node by @id, or null. Without the index, the first lookup scans (a few ms even on
 * ten million nodes) and a second one builds the index, which answers later ones in O(log N).
 */
export function findNodeById(snapshot: HeapSnapshot, id: number): number | null {
  const index = idIndexes.get(snapshot)
  if (index instanceof IdIndex) return index.find(id)
  if (index === undefined) {
    idIndexes.set(snapshot, 'scanned-once')
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) return null
    const position = snapshot.graph.objectId.indexOf(id)
    return position === -1 ? null : position
  }
  buildIdIndex(snapshot)
  return findNodeById(snapshot, id)
}
