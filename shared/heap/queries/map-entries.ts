// A Map's entries by key. V8 keeps a Map's entries in a hash table (an OrderedHashMap: a
// FixedArray of 3 header slots, one slot per bucket, then two entries per bucket, each a
// [key, value, chain] triple) that the Map reaches through its internal edge "table". The
// snapshot draws each slot holding a heap object as an internal edge named by its index, and
// nothing for the values it leaves out: small integers (bucket numbers, chain links, and keys or
// values such as 7), undefined, null, true and false. So a slot's role comes from the table's
// layout: its size gives the bucket count, hence where the entries start. A value at slot s has
// its key at slot s - 1 when the key is drawn. Where the size does not tell (a layout this code
// does not know), a key/value pair drawn side by side gives the entries' phase instead.
import { edgeName } from '../graph/heap-graph'
import type { HeapSnapshot } from '../snapshot'
import { isString, objectLabelOf, quoteText, stringValue } from './labels'
import type { MapSlot } from '../../protocol/dto'

/** Entries are [key, value, chain]. */
const ENTRY_SIZE = 3
/** Slots before the buckets: element count, deleted count, bucket count. */
const HEADER_SLOTS = 3
/** FixedArray [header bytes, slot bytes]: 64-bit slots, or 32-bit under pointer compression. */
const ARRAY_LAYOUTS = [
  [16, 8],
  [8, 4],
] as const
/** How many slot edges either side of a slot are read to find a key/value pair. */
const PHASE_SEARCH = 48
const MAX_KEY_TEXT = 40
/** Retainers of a table read to find its Map. */
const MAX_OWNERS = 64

/** The slot index of an internal edge named by a number, or -1. */
function slotIndex(snapshot: HeapSnapshot, edge: number): number {
  const graph = snapshot.graph
  if (graph.edgeType[edge] !== graph.edgeTypeCode.internal) return -1
  const name = edgeName(graph, edge)
  return /^\d{1,9}$/.test(name) ? Number(name) : -1
}

/** The node whose edge list holds `edge` (binary search over the edge offsets). */
function edgeSource(snapshot: HeapSnapshot, edge: number): number {
  const { firstEdge, nodeCount } = snapshot.graph
  let low = 0
  let high = nodeCount - 1
  while (low < high) {
    const middle = (low + high + 1) >>> 1
    if (firstEdge[middle] <= edge) low = middle
    else high = middle - 1
  }
  return low
}

/**
 * The slot of a hash table's first entry, from the table's size (3 + (1 + 2 × entrySize) ×
 * buckets slots, buckets a power of two), or null when neither array layout gives such a count.
 * A Map's entries are 3 slots (its table 3 + 7 × buckets), a Set's 2 (3 + 5 × buckets); a Set's
 * table never fits a Map's count, nor a WeakMap's (3 + 2 × capacity).
 */
export function firstEntrySlot(
  snapshot: HeapSnapshot,
  table: number,
  entrySize = ENTRY_SIZE,
): number | null {
  const size = snapshot.graph.rawSelfSize[table]
  const found: number[] = []
  // Each bucket: its own slot and two entries.
  const slotsPerBucket = 1 + 2 * entrySize
  for (const [header, slotBytes] of ARRAY_LAYOUTS) {
    const buckets = ((size - header) / slotBytes - HEADER_SLOTS) / slotsPerBucket
    if (Number.isInteger(buckets) && buckets >= 1 && (buckets & (buckets - 1)) === 0) {
      found.push(HEADER_SLOTS + buckets)
    }
  }
  return found.length === 1 ? found[0] : null
}

/**
 * True when `table` is an array that an object holds through its internal edge "table", and
 * that object is a Map or the table is laid out as a Map's (a subclass of Map, say). A table has
 * few retainers (its Map, an iterator), so only the first few are read: an internal array shared
 * by thousands of objects costs no more than one that is not.
 */
function isMapTable(snapshot: HeapSnapshot, table: number, start: number | null): boolean {
  const graph = snapshot.graph
  if (graph.nodeType[table] !== graph.nodeTypeCode.array) return false
  const end = Math.min(graph.firstRetainer[table + 1], graph.firstRetainer[table] + MAX_OWNERS)
  for (let slot = graph.firstRetainer[table]; slot < end; slot++) {
    const edge = graph.retainerEdge[slot]
    const owner = graph.retainerNode[slot]
    if (
      graph.edgeType[edge] === graph.edgeTypeCode.internal &&
      edgeName(graph, edge) === 'table' &&
      graph.nodeType[owner] === graph.nodeTypeCode.object &&
      (start !== null || graph.strings.get(snapshot.className[owner]) === 'Map')
    ) {
      return true
    }
  }
  return false
}

/** A slot index known to hold a key: the first of two adjacent slot edges near `edge`. */
function keyPhase(snapshot: HeapSnapshot, table: number, edge: number): number | null {
  const { firstEdge } = snapshot.graph
  const from = Math.max(firstEdge[table], edge - PHASE_SEARCH)
  const to = Math.min(firstEdge[table + 1] - 1, edge + PHASE_SEARCH)
  for (let position = from; position < to; position++) {
    const slot = slotIndex(snapshot, position)
    if (slot !== -1 && slotIndex(snapshot, position + 1) === slot + 1) return slot
  }
  return null
}

function keyText(snapshot: HeapSnapshot, key: number): string {
  const graph = snapshot.graph
  if (isString(snapshot, key)) {
    // A string's text (a sliced string's as `part of "…"`: snapshots record no offset).
    const text = stringValue(snapshot, key, MAX_KEY_TEXT + 1)
    return text ? quoteText(text.text, text.complete, MAX_KEY_TEXT) : objectLabelOf(snapshot, key)
  }
  return `${graph.strings.get(snapshot.className[key])} @${graph.objectId[key]}`
}

/** The role of `slot` in entries whose keys sit at slots ≡ `phase` (mod 3); null for a chain. */
function roleAt(slot: number, phase: number): MapSlot['role'] | null {
  const offset = (((slot - phase) % ENTRY_SIZE) + ENTRY_SIZE) % ENTRY_SIZE
  return offset === 0 ? 'key' : offset === 1 ? 'value' : null
}

/**
 * What the slot `edge` leads to, when `edge` is a slot of a Map's hash table whose role can be
 * told; null for any other edge.
 */
export function mapSlotOf(snapshot: HeapSnapshot, edge: number): MapSlot | null {
  const slot = slotIndex(snapshot, edge)
  if (slot === -1) return null
  const table = edgeSource(snapshot, edge)
  const start = firstEntrySlot(snapshot, table)
  if (!isMapTable(snapshot, table, start)) return null
  const { firstEdge, edgeTarget } = snapshot.graph
  const keyDrawn = edge > firstEdge[table] && slotIndex(snapshot, edge - 1) === slot - 1
  let role: MapSlot['role'] | null
  if (start !== null) {
    role = slot < start ? null : roleAt(slot, start)
  } else if (keyDrawn) {
    role = 'value'
  } else if (edge + 1 < firstEdge[table + 1] && slotIndex(snapshot, edge + 1) === slot + 1) {
    role = 'key'
  } else {
    const phase = keyPhase(snapshot, table, edge)
    role = phase === null ? null : roleAt(slot, phase)
  }
  if (role === null) return null
  if (role === 'key') return { role, key: null }
  return { role, key: keyDrawn ? keyText(snapshot, edgeTarget[edge - 1]) : null }
}
