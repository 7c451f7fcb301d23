// The arrays catalog: every JS Array, typed array, ArrayBuffer, elements store and ArrayBuffer
// backing store, with its length where the snapshot tells it (exact from element edges, else
// estimated from store bytes and flagged), store bytes and retained size. Built once per
// snapshot and sorted by retained size.
import type { HeapSnapshot } from '../snapshot'
import type { Page } from './nodes'
import { summarizeObject, type ObjectSummary } from './nodes'

export type ArrayKind = 'array' | 'typed-array' | 'array-buffer' | 'backing-store' | 'elements'

export interface ArrayEntry extends ObjectSummary {
  kind: ArrayKind
  /** Element count (bytes for buffers and stores); null when the snapshot does not tell. */
  length: number | null
  /** True when `length` is derived from store bytes (a capacity) rather than counted. */
  lengthIsEstimate: boolean
  /** Bytes of the elements store or backing store as V8 reported them. */
  storeSize: number
}

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

interface CatalogRow {
  node: number
  kind: ArrayKind
  length: number | null
  lengthIsEstimate: boolean
  storeSize: number
}

const catalogs = new WeakMap<HeapSnapshot, CatalogRow[]>()

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

function buildCatalog(snapshot: HeapSnapshot): CatalogRow[] {
  const graph = snapshot.graph
  const {
    nodeCount,
    nodeType,
    nodeName,
    strings,
    firstEdge,
    edgeType,
    edgeTarget,
    edgeNameOrIndex,
    rawSelfSize,
  } = graph
  const { object, native, array } = graph.nodeTypeCode
  const { internal, element } = graph.edgeTypeCode
  const { slotSize, headerSize } = slotLayout(snapshot)
  const internalTarget = (node: number, name: string): number => {
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      if (edgeType[edge] === internal && strings[edgeNameOrIndex[edge]] === name)
        return edgeTarget[edge]
    }
    return -1
  }
  const backingStoreBytes = (buffer: number): number => {
    const store = internalTarget(buffer, 'backing_store')
    return store === -1 ? 0 : rawSelfSize[store]
  }
  const rows: CatalogRow[] = []
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node]
    const name = strings[nodeName[node]]
    if (type === object && name === 'Array') {
      const store = internalTarget(node, 'elements')
      if (store === -1) continue
      let maxIndex = -1
      for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
        if (edgeType[edge] === element && edgeNameOrIndex[edge] > maxIndex)
          maxIndex = edgeNameOrIndex[edge]
      }
      const storeSize = rawSelfSize[store]
      const counted = maxIndex >= 0
      rows.push({
        node,
        kind: 'array',
        length: counted
          ? maxIndex + 1
          : Math.max(0, Math.floor((storeSize - headerSize) / slotSize)),
        lengthIsEstimate: !counted,
        storeSize,
      })
    } else if (type === object && name in BYTES_PER_ELEMENT) {
      const buffer = internalTarget(node, 'buffer')
      if (buffer === -1) continue
      const offHeap = backingStoreBytes(buffer)
      const storeSize = offHeap > 0 ? offHeap : Math.max(0, rawSelfSize[node] - 2 * headerSize)
      rows.push({
        node,
        kind: 'typed-array',
        length: Math.floor(storeSize / BYTES_PER_ELEMENT[name]),
        lengthIsEstimate: true,
        storeSize,
      })
    } else if (type === object && (name === 'ArrayBuffer' || name === 'SharedArrayBuffer')) {
      const store = internalTarget(node, 'backing_store')
      if (store === -1) continue
      rows.push({
        node,
        kind: 'array-buffer',
        length: rawSelfSize[store],
        lengthIsEstimate: false,
        storeSize: rawSelfSize[store],
      })
    } else if (type === native && name === 'system / JSArrayBufferData') {
      rows.push({
        node,
        kind: 'backing-store',
        length: rawSelfSize[node],
        lengthIsEstimate: false,
        storeSize: rawSelfSize[node],
      })
    } else if (type === array && ELEMENT_STORE_NAMES.has(name)) {
      const edges = firstEdge[node + 1] - firstEdge[node]
      rows.push({
        node,
        kind: 'elements',
        length: Math.max(edges, Math.floor((rawSelfSize[node] - headerSize) / slotSize)),
        lengthIsEstimate: true,
        storeSize: rawSelfSize[node],
      })
    }
  }
  const retained = snapshot.retainedSize
  rows.sort(
    (a, b) => retained[b.node] - retained[a.node] || b.storeSize - a.storeSize || a.node - b.node,
  )
  return rows
}

function catalog(snapshot: HeapSnapshot): CatalogRow[] {
  let rows = catalogs.get(snapshot)
  if (!rows) {
    rows = buildCatalog(snapshot)
    catalogs.set(snapshot, rows)
  }
  return rows
}

export interface ArraysQuery {
  start?: number
  count?: number
  /** Only these kinds (all when absent). */
  kinds?: ArrayKind[]
}

/** A page of the arrays catalog, largest retained size first. */
export function getArrays(snapshot: HeapSnapshot, query: ArraysQuery = {}): Page<ArrayEntry> {
  const kinds = query.kinds ? new Set(query.kinds) : null
  const rows = kinds ? catalog(snapshot).filter((row) => kinds.has(row.kind)) : catalog(snapshot)
  const start = Math.max(0, Math.min(query.start ?? 0, rows.length))
  const end = Math.min(rows.length, start + (query.count ?? 50))
  return {
    start,
    total: rows.length,
    items: rows.slice(start, end).map((row) => ({
      ...summarizeObject(snapshot, row.node),
      kind: row.kind,
      length: row.length,
      lengthIsEstimate: row.lengthIsEstimate,
      storeSize: row.storeSize,
    })),
  }
}

/** The catalog entry for one node, or null when it is not an array-like object. */
export function getArrayEntry(snapshot: HeapSnapshot, node: number): ArrayEntry | null {
  const row = catalog(snapshot).find((candidate) => candidate.node === node)
  if (!row) return null
  return {
    ...summarizeObject(snapshot, row.node),
    kind: row.kind,
    length: row.length,
    lengthIsEstimate: row.lengthIsEstimate,
    storeSize: row.storeSize,
  }
}
