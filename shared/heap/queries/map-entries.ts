// A Map's entries by key. V8 keeps a Map's entries in a hash table (an OrderedHashMap: a
// FixedArray of header and bucket numbers, then one [key, value, chain] triple per entry) that
// the Map reaches through its internal edge "table". The snapshot draws each slot holding a heap
// object as an internal edge named by its index, and nothing for a slot holding a small integer
// (a Smi): bucket numbers, chain links, and keys or values such as 1 or 42. So a value at slot s
// has its key at slot s - 1 when that key is a heap object, and a slot's role (key or value)
// follows from any key/value pair seen next to each other in the table, as entries are three
// slots apart.
import { edgeName } from '../graph/heap-graph'
import type { HeapSnapshot } from '../snapshot'
import { displayName } from './names'

/** What a slot of a Map's hash table holds. */
export interface MapSlot {
  /** An entry's key or its value. */
  role: 'key' | 'value'
  /**
   * For a value: its entry's key as text (a string key quoted, any other key as its class and
   * @id), or null when the key is a small integer, which the snapshot does not record.
   */
  key: string | null
}

/** Entries are [key, value, chain]. */
const ENTRY_SIZE = 3
/** How many slot edges either side of a slot are read to find a key/value pair. */
const PHASE_SEARCH = 48
const MAX_KEY_TEXT = 40
/** Retainers of a table read to find its Map. */
const MAX_OWNERS = 64

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string'])

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
 * True when `table` is an array that a Map holds through its internal edge "table". A table has
 * few retainers (its Map, an iterator, the table that replaced it), so only the first few are
 * read: an internal array shared by thousands of objects costs no more than one that is not.
 */
function isMapTable(snapshot: HeapSnapshot, table: number): boolean {
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
      graph.strings[snapshot.className[owner]] === 'Map'
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
  if (STRING_TYPES.has(graph.nodeTypes[graph.nodeType[key]])) {
    const text = displayName(snapshot, key)
    return JSON.stringify(text.length > MAX_KEY_TEXT ? text.slice(0, MAX_KEY_TEXT - 1) + '…' : text)
  }
  return `${graph.strings[snapshot.className[key]]} @${graph.objectId[key]}`
}

/**
 * What the slot `edge` leads to, when `edge` is a slot of a Map's hash table whose role can be
 * told; null for any other edge.
 */
export function mapSlotOf(snapshot: HeapSnapshot, edge: number): MapSlot | null {
  const slot = slotIndex(snapshot, edge)
  if (slot === -1) return null
  const table = edgeSource(snapshot, edge)
  if (!isMapTable(snapshot, table)) return null
  const { firstEdge, edgeTarget } = snapshot.graph
  if (edge > firstEdge[table] && slotIndex(snapshot, edge - 1) === slot - 1) {
    return { role: 'value', key: keyText(snapshot, edgeTarget[edge - 1]) }
  }
  if (edge + 1 < firstEdge[table + 1] && slotIndex(snapshot, edge + 1) === slot + 1) {
    return { role: 'key', key: null }
  }
  // A key with a small-integer value, or a value with a small-integer key: the phase tells.
  const phase = keyPhase(snapshot, table, edge)
  if (phase === null) return null
  const offset = (((slot - phase) % ENTRY_SIZE) + ENTRY_SIZE) % ENTRY_SIZE
  if (offset === 0) return { role: 'key', key: null }
  return offset === 1 ? { role: 'value', key: null } : null
}
