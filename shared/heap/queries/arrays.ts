// The arrays catalog: every JS Array, typed array, ArrayBuffer, elements store and ArrayBuffer
// backing store, with its length where the snapshot tells it (exact from element edges, else
// estimated from store bytes and flagged), store bytes and retained size. Built once per
// snapshot and sorted by retained size.
import type { HeapSnapshot } from '../snapshot'
import { summarizeObject } from './nodes'
import { perSnapshot } from './cache'
import { sortByKeyDescending } from './sort'
import type { ArrayEntry, ArrayKind, Page } from '../../protocol/dto'

const BYTES_PER_ELEMENT: Record<string, number> = {
  Int8Array: 1,
  Uint8Array: 1,
  Uint8ClampedArray: 1,
  Int16Array: 2,
  Uint16Array: 2,
  Float16Array: 2,
  Int32Array: 4,
  Uint32Array: 4,
  Float32Array: 4,
  Float64Array: 8,
  BigInt64Array: 8,
  BigUint64Array: 8,
}

const ELEMENT_STORE_NAMES = new Set(['(object elements)', '(array elements)', '(double elements)'])

const KINDS: ArrayKind[] = ['array', 'typed-array', 'array-buffer', 'backing-store', 'elements']

/** The catalog as typed arrays indexed by node ordinal, plus the rows in display order. */
interface Catalog {
  /** Row nodes, largest retained size first. */
  rows: Uint32Array
  /** Per node: index into KINDS + 1, or 0 when the node is not in the catalog. */
  kind: Uint8Array
  /** Per node: element count (bytes for buffers), meaningful for catalog nodes. */
  length: Float64Array
  lengthIsEstimate: Uint8Array
  storeSize: Float64Array
  /** Rows per kind, in display order, built on first filtered query. */
  byKinds: Map<string, Uint32Array>
}

/**
 * Slot size and FixedArray header as this V8 build lays them out: pointer-compressed heaps
 * (Chrome) have 4-byte slots, Node's have 8. Judged from the commonest size of hidden-class maps.
 */
function slotLayout(snapshot: HeapSnapshot): { slotSize: number; headerSize: number } {
  const graph = snapshot.graph
  const counts = new Map<number, number>()
  for (let node = 0; node < graph.nodeCount && counts.size < 64; node++) {
    if (graph.strings[graph.nodeName[node]] === 'system / Map') {
      const size = graph.rawSelfSize[node]
      counts.set(size, (counts.get(size) ?? 0) + 1)
    }
  }
  let common = 80
  let best = 0
  for (const [size, count] of counts) if (count > best) [common, best] = [size, count]
  return common >= 64 ? { slotSize: 8, headerSize: 16 } : { slotSize: 4, headerSize: 8 }
}

// Name categories, looked up per string index so the scan over nodes compares numbers.
// Category 0: any other name.
const NAME_ARRAY = 1
const NAME_TYPED_ARRAY = 2
const NAME_ARRAY_BUFFER = 3
const NAME_BACKING_STORE = 4
const NAME_ELEMENTS = 5

function nameCategories(strings: readonly string[]): Uint8Array {
  const category = new Uint8Array(strings.length)
  for (let id = 0; id < strings.length; id++) {
    const name = strings[id]
    if (name === 'Array') category[id] = NAME_ARRAY
    else if (Object.hasOwn(BYTES_PER_ELEMENT, name)) category[id] = NAME_TYPED_ARRAY
    else if (name === 'ArrayBuffer' || name === 'SharedArrayBuffer')
      category[id] = NAME_ARRAY_BUFFER
    else if (name === 'system / JSArrayBufferData') category[id] = NAME_BACKING_STORE
    else if (ELEMENT_STORE_NAMES.has(name)) category[id] = NAME_ELEMENTS
  }
  return category
}

/** One array-like object's facts, as the catalog and labels give them. */
export interface ArrayFacts {
  kind: ArrayKind
  /** Element count (bytes for buffers and stores); NaN when the snapshot does not tell. */
  length: number
  lengthIsEstimate: boolean
  storeSize: number
}

/** What telling array-like objects apart needs, built once per snapshot (no pass over nodes). */
interface ArrayContext {
  snapshot: HeapSnapshot
  slotSize: number
  headerSize: number
  category: Uint8Array
  elementsName: Set<number>
  bufferName: Set<number>
  backingStoreName: Set<number>
}

/** This V8 build's slot size and FixedArray header (pointer-compressed or not). */
export const pointerLayout = perSnapshot(slotLayout)

const arrayContext = perSnapshot((snapshot: HeapSnapshot): ArrayContext => {
  const { strings } = snapshot.graph
  const edgeNameIds = (name: string): Set<number> => {
    const ids = new Set<number>()
    strings.forEach((text, id) => {
      if (text === name) ids.add(id)
    })
    return ids
  }
  return {
    snapshot,
    ...pointerLayout(snapshot),
    category: nameCategories(strings),
    elementsName: edgeNameIds('elements'),
    bufferName: edgeNameIds('buffer'),
    backingStoreName: edgeNameIds('backing_store'),
  }
})

function internalTarget(context: ArrayContext, node: number, names: Set<number>): number {
  const { firstEdge, edgeType, edgeNameOrIndex, edgeTarget, edgeTypeCode } = context.snapshot.graph
  for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
    if (edgeType[edge] === edgeTypeCode.internal && names.has(edgeNameOrIndex[edge]))
      return edgeTarget[edge]
  }
  return -1
}

/** Typed-array views of a buffer (objects retaining it through a `buffer` edge). */
function viewCount(context: ArrayContext, buffer: number): number {
  const { firstRetainer, retainerEdge, edgeType, edgeNameOrIndex, edgeTypeCode } =
    context.snapshot.graph
  let views = 0
  for (let slot = firstRetainer[buffer]; slot < firstRetainer[buffer + 1]; slot++) {
    const edge = retainerEdge[slot]
    if (edgeType[edge] === edgeTypeCode.internal && context.bufferName.has(edgeNameOrIndex[edge]))
      views++
  }
  return views
}

function classifyArray(context: ArrayContext, node: number): ArrayFacts | null {
  const graph = context.snapshot.graph
  const { nodeType, nodeName, strings, firstEdge, edgeType, edgeNameOrIndex, rawSelfSize } = graph
  const { object, native, array } = graph.nodeTypeCode
  const { slotSize, headerSize, category } = context
  const kind = category[nodeName[node]]
  const type = nodeType[node]
  if (kind === NAME_ARRAY && type === object) {
    const store = internalTarget(context, node, context.elementsName)
    if (store === -1) return null
    let maxIndex = -1
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      if (edgeType[edge] === graph.edgeTypeCode.element && edgeNameOrIndex[edge] > maxIndex) {
        maxIndex = edgeNameOrIndex[edge]
      }
    }
    const storeSize = rawSelfSize[store]
    const capacity = Math.max(0, Math.floor((storeSize - headerSize) / slotSize))
    // Small integers and doubles have no element edges, so the highest element edge is only a
    // lower bound: exact when it fills the store, else the likelier of it and the capacity.
    const counted = maxIndex + 1
    // With 4-byte slots (pointer compression), an array without element edges may hold small
    // integers (4 bytes) or doubles (8 bytes): the snapshot cannot tell, so no length.
    const ambiguous = counted === 0 && slotSize === 4
    const length = ambiguous ? NaN : counted * 2 >= capacity ? counted : capacity
    return {
      kind: 'array',
      length,
      lengthIsEstimate: length !== capacity || counted !== capacity,
      storeSize,
    }
  }
  if (type === object && kind !== NAME_ARRAY_BUFFER) {
    // Typed arrays by shape (an internal `buffer` edge to an ArrayBuffer), so Node's Buffer
    // and subclasses count too.
    const buffer = internalTarget(context, node, context.bufferName)
    if (buffer === -1 || category[nodeName[buffer]] !== NAME_ARRAY_BUFFER) return null
    const offHeapStore = internalTarget(context, buffer, context.backingStoreName)
    const offHeap = offHeapStore === -1 ? 0 : rawSelfSize[offHeapStore]
    const storeSize = offHeap > 0 ? offHeap : Math.max(0, rawSelfSize[node] - 2 * headerSize)
    const name = strings[nodeName[node]]
    const elementSize =
      BYTES_PER_ELEMENT[name] ?? (name === 'Buffer' || name === 'FastBuffer' ? 1 : 0)
    // V8 records no view length: the buffer's size divided by the element size is right only
    // for the one view over a whole buffer; several views or an unknown class give no length.
    const known = elementSize > 0 && (offHeap === 0 || viewCount(context, buffer) === 1)
    return {
      kind: 'typed-array',
      length: known ? Math.floor(storeSize / elementSize) : NaN,
      lengthIsEstimate: true,
      storeSize,
    }
  }
  if (kind === NAME_ARRAY_BUFFER && type === object) {
    const store = internalTarget(context, node, context.backingStoreName)
    if (store === -1) return null
    const bytes = rawSelfSize[store]
    return { kind: 'array-buffer', length: bytes, lengthIsEstimate: false, storeSize: bytes }
  }
  if (kind === NAME_BACKING_STORE && type === native) {
    const bytes = rawSelfSize[node]
    return { kind: 'backing-store', length: bytes, lengthIsEstimate: false, storeSize: bytes }
  }
  if (kind === NAME_ELEMENTS && type === array) {
    const edges = firstEdge[node + 1] - firstEdge[node]
    return {
      kind: 'elements',
      length: Math.max(edges, Math.floor((rawSelfSize[node] - headerSize) / slotSize)),
      lengthIsEstimate: true,
      storeSize: rawSelfSize[node],
    }
  }
  return null
}

/** The facts of one array-like object without building the catalog; null for other objects. */
export function arrayFacts(snapshot: HeapSnapshot, node: number): ArrayFacts | null {
  return classifyArray(arrayContext(snapshot), node)
}

function buildCatalog(snapshot: HeapSnapshot): Catalog {
  const context = arrayContext(snapshot)
  const nodeCount = snapshot.graph.nodeCount
  const kindOf = new Uint8Array(nodeCount)
  const lengthOf = new Float64Array(nodeCount)
  const estimated = new Uint8Array(nodeCount)
  const storeOf = new Float64Array(nodeCount)
  const rows: number[] = []
  for (let node = 0; node < nodeCount; node++) {
    // Only nodes whose name is one the catalog knows, or objects (typed arrays by shape).
    const facts = classifyArray(context, node)
    if (facts === null) continue
    kindOf[node] = KINDS.indexOf(facts.kind) + 1
    lengthOf[node] = facts.length
    estimated[node] = facts.lengthIsEstimate ? 1 : 0
    storeOf[node] = facts.storeSize
    rows.push(node)
  }
  return {
    rows: sortByKeyDescending(Uint32Array.from(rows), snapshot.retainedSize),
    kind: kindOf,
    length: lengthOf,
    lengthIsEstimate: estimated,
    storeSize: storeOf,
    byKinds: new Map(),
  }
}

const catalog = perSnapshot(buildCatalog)

function entry(snapshot: HeapSnapshot, data: Catalog, node: number): ArrayEntry {
  return {
    ...summarizeObject(snapshot, node),
    kind: KINDS[data.kind[node] - 1],
    length: Number.isNaN(data.length[node]) ? null : data.length[node],
    lengthIsEstimate: data.lengthIsEstimate[node] === 1,
    storeSize: data.storeSize[node],
  }
}

export interface ArraysQuery {
  start?: number
  count?: number
  /** Only these kinds (all when absent). */
  kinds?: ArrayKind[]
}

/** A page of the arrays catalog, largest retained size first. */
export function getArrays(snapshot: HeapSnapshot, query: ArraysQuery = {}): Page<ArrayEntry> {
  const data = catalog(snapshot)
  let rows = data.rows
  if (query.kinds) {
    const wanted = new Set(query.kinds.map((kind) => KINDS.indexOf(kind) + 1))
    const key = [...wanted].sort().join(',')
    let filtered = data.byKinds.get(key)
    if (!filtered) {
      filtered = data.rows.filter((node) => wanted.has(data.kind[node]))
      data.byKinds.set(key, filtered)
    }
    rows = filtered
  }
  const start = Math.max(0, Math.min(query.start ?? 0, rows.length))
  const end = Math.min(rows.length, start + Math.max(0, query.count ?? 50))
  return {
    start,
    total: rows.length,
    items: Array.from(rows.subarray(start, end), (node) => entry(snapshot, data, node)),
  }
}

/** The catalog entry for one node, or null when it is not an array-like object. */
export function getArrayEntry(snapshot: HeapSnapshot, node: number): ArrayEntry | null {
  const data = catalog(snapshot)
  return data.kind[node] === 0 ? null : entry(snapshot, data, node)
}
