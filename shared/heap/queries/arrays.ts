// The arrays catalog: every JS Array, typed array, ArrayBuffer, elements store and ArrayBuffer
// backing store, with its length where the snapshot tells it (exact from element edges, else
// estimated from store bytes and flagged), store bytes and retained size. Built once per
// snapshot and sorted by retained size; other orders, filters and groups by retainer-path
// signature are derived from it on demand and cached (a few per snapshot), so paging is cheap.
import type { HeapSnapshot } from '../snapshot'
import type { StringTable } from '../graph/string-table'
import { summarizeObject } from './nodes'
import { perSnapshot, SavedIndexError, savedFields } from './cache'
import { sortByKeyDescending } from './sort'
import { nearestRetainerPath, readableSignature, signatureParts } from './leaks'
import { readablePath } from './explain/readable'
import { formatBytes } from '../../protocol/units'
import { isPythonHeap, pythonArrayFacts } from './python'
import type {
  ArrayEntry,
  ArrayGroup,
  ArrayHolder,
  ArrayKind,
  ArraySortKey,
  Page,
} from '../../protocol/dto'

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
  /** Rows in other orders and filtered, by query key; the latest few (see VIEW_CACHE). */
  views: Map<string, Uint32Array>
  /**
   * Per node ordinal (length nodeCount, allocated on first use): its signature's position in
   * `signatures`, or -1 until first asked for.
   */
  signatureOf: Int32Array | null
  signatures: SignatureInfo[]
  signatureIds: Map<string, number>
}

/** One retainer-path signature of the catalog, with what filters and groups read of it. */
interface SignatureInfo {
  signature: string
  /** The readable form, as a group shows it. */
  path: string
  /** Both, lower case, for filters. */
  searchText: string
}

/** How many retainer steps an array's signature keeps (as leak clusters'). */
const SIGNATURE_STEPS = 4
/** How many derived row lists (sorted, filtered) the catalog keeps. */
const VIEW_CACHE = 8

/**
 * Slot size and FixedArray header as this V8 build lays them out: pointer-compressed heaps
 * (Chrome) have 4-byte slots, Node's have 8. Judged from the commonest size of hidden-class maps.
 */
function slotLayout(snapshot: HeapSnapshot): { slotSize: number; headerSize: number } {
  const graph = snapshot.graph
  const counts = new Map<number, number>()
  for (let node = 0; node < graph.nodeCount && counts.size < 64; node++) {
    if (graph.strings.get(graph.nodeName[node]) === 'system / Map') {
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

function nameCategories(strings: StringTable): Uint8Array {
  const categories = new Map<string, number>([
    ['Array', NAME_ARRAY],
    ...Object.keys(BYTES_PER_ELEMENT).map((name) => [name, NAME_TYPED_ARRAY] as const),
    ['ArrayBuffer', NAME_ARRAY_BUFFER],
    ['SharedArrayBuffer', NAME_ARRAY_BUFFER],
    ['system / JSArrayBufferData', NAME_BACKING_STORE],
    ...[...ELEMENT_STORE_NAMES].map((name) => [name, NAME_ELEMENTS] as const),
  ])
  const category = new Uint8Array(strings.length)
  for (const [name, ids] of strings.indexesOfAny([...categories.keys()])) {
    for (const id of ids) category[id] = categories.get(name) as number
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
  /** A Python heap (heapgraph_py): its lists, arrays and data blocks by its own rules. */
  python: boolean
}

/** This V8 build's slot size and FixedArray header (pointer-compressed or not). */
export const pointerLayout = perSnapshot(slotLayout)

const arrayContext = perSnapshot((snapshot: HeapSnapshot): ArrayContext => {
  const { strings } = snapshot.graph
  // One pass over the string table for the three edge names.
  const edgeNameIds = strings.indexesOfAny(['elements', 'buffer', 'backing_store'])
  return {
    snapshot,
    ...pointerLayout(snapshot),
    category: nameCategories(strings),
    elementsName: new Set(edgeNameIds.get('elements')),
    bufferName: new Set(edgeNameIds.get('buffer')),
    backingStoreName: new Set(edgeNameIds.get('backing_store')),
    python: isPythonHeap(snapshot),
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
  if (context.python) return pythonArrayFacts(context.snapshot, node)
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
    const name = strings.get(nodeName[node])
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
    ...emptyViews(),
  }
}

/** The catalog's lazily filled parts, empty. */
function emptyViews(): Pick<
  Catalog,
  'byKinds' | 'views' | 'signatureOf' | 'signatures' | 'signatureIds'
> {
  return {
    byKinds: new Map(),
    views: new Map(),
    signatureOf: null,
    signatures: [],
    signatureIds: new Map(),
  }
}

const catalog = perSnapshot(buildCatalog, {
  name: 'arrays/catalog@2',
  // Per row, not per node: a tenth or so of the nodes are rows.
  save: ({ rows, kind, length, lengthIsEstimate, storeSize }) => ({
    rows,
    kind: Uint8Array.from(rows, (node) => kind[node]),
    length: Float64Array.from(rows, (node) => length[node]),
    lengthIsEstimate: Uint8Array.from(rows, (node) => lengthIsEstimate[node]),
    storeSize: Float64Array.from(rows, (node) => storeSize[node]),
  }),
  load: (saved, snapshot): Catalog => {
    const field = savedFields(saved, 'arrays catalog')
    const nodes = snapshot.graph.nodeCount
    const rows = field('rows', Uint32Array)
    const kind = new Uint8Array(nodes)
    const length = new Float64Array(nodes)
    const lengthIsEstimate = new Uint8Array(nodes)
    const storeSize = new Float64Array(nodes)
    const rowKind = field('kind', Uint8Array, rows.length)
    const rowLength = field('length', Float64Array, rows.length)
    const rowEstimate = field('lengthIsEstimate', Uint8Array, rows.length)
    const rowStore = field('storeSize', Float64Array, rows.length)
    for (let row = 0; row < rows.length; row++) {
      const node = rows[row]
      if (node >= nodes) throw new SavedIndexError(`saved arrays catalog row ${node} is no node`)
      kind[node] = rowKind[row]
      length[node] = rowLength[row]
      lengthIsEstimate[node] = rowEstimate[row]
      storeSize[node] = rowStore[row]
    }
    return { ...emptyViews(), rows, kind, length, lengthIsEstimate, storeSize }
  },
})

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
  /** What to sort by (default retained size). Unknown lengths come last either way. */
  sort?: ArraySortKey
  /** Default descending; equal keys keep the catalog's order (ascending: reversed). */
  order?: 'ascending' | 'descending'
  /**
   * Only arrays whose label (`Array(1000)`, `@123`) or retainer-path signature (the classes
   * and references of its four nearest retainers) contains this text, ignoring case.
   */
  filter?: string
  /** Only arrays with this retainer-path signature (one group of getArrayGroups). */
  signature?: string
  /** Set each entry's `heldBy` (a shortest retainer path per entry). */
  withHolders?: boolean
}

/** The signature of a catalog node, computed on first use and kept. */
function signatureId(snapshot: HeapSnapshot, data: Catalog, node: number): number {
  data.signatureOf ??= new Int32Array(snapshot.graph.nodeCount).fill(-1)
  const known = data.signatureOf[node]
  if (known !== -1) return known
  const parts = signatureParts(snapshot, node, SIGNATURE_STEPS)
  const signature = parts.join(' ')
  let id = data.signatureIds.get(signature)
  if (id === undefined) {
    id = data.signatures.length
    const path = readableSignature(parts, SIGNATURE_STEPS)
    data.signatures.push({ signature, path, searchText: `${signature}\n${path}`.toLowerCase() })
    data.signatureIds.set(signature, id)
  }
  data.signatureOf[node] = id
  return id
}

/** The label an entry gets (labels.ts' arrayLabel), built from the catalog without a lookup. */
function labelText(snapshot: HeapSnapshot, data: Catalog, node: number): string {
  const className = snapshot.graph.strings.get(snapshot.className[node])
  const length = data.length[node]
  const shown = Number.isNaN(length) ? '?' : (data.lengthIsEstimate[node] === 1 ? '~' : '') + length
  switch (KINDS[data.kind[node] - 1]) {
    case 'array':
      return `${className}(${shown})`
    case 'typed-array':
      return `${className}(${shown}, ${formatBytes(data.storeSize[node])})`
    case 'array-buffer':
      return `${className}(${formatBytes(data.storeSize[node])})`
    default:
      return className
  }
}

function rowsOfKinds(data: Catalog, kinds: ArrayKind[] | undefined): Uint32Array {
  if (!kinds) return data.rows
  const wanted = new Set(kinds.map((kind) => KINDS.indexOf(kind) + 1))
  const key = [...wanted].sort().join(',')
  let filtered = data.byKinds.get(key)
  if (!filtered) {
    filtered = data.rows.filter((node) => wanted.has(data.kind[node]))
    data.byKinds.set(key, filtered)
  }
  return filtered
}

/** Per node, the sort key: sizes as they are, an unknown length as -1 (below every length). */
function sortKeys(
  snapshot: HeapSnapshot,
  data: Catalog,
  sort: ArraySortKey,
): Float64Array | Uint32Array {
  if (sort === 'retainedSize') return snapshot.retainedSize
  if (sort === 'selfSize') return snapshot.selfSize
  if (sort === 'storeSize') return data.storeSize
  // The radix sort takes non-negative keys: shift by one so that unknown (NaN) sorts last.
  const keys = new Float64Array(data.length.length)
  for (let node = 0; node < keys.length; node++) {
    keys[node] = Number.isNaN(data.length[node]) ? 0 : data.length[node] + 1
  }
  return keys
}

/** A derived row list, built once per key and kept among the latest VIEW_CACHE. */
function cachedView(data: Catalog, key: string, build: () => Uint32Array): Uint32Array {
  let rows = data.views.get(key)
  if (rows) {
    // Most recently used last.
    data.views.delete(key)
  } else {
    rows = build()
    if (data.views.size >= VIEW_CACHE) data.views.delete(data.views.keys().next().value as string)
  }
  data.views.set(key, rows)
  return rows
}

/** The catalog rows a query selects, in its order. */
function selectRows(snapshot: HeapSnapshot, data: Catalog, query: ArraysQuery): Uint32Array {
  const kinds = rowsOfKinds(data, query.kinds)
  const kindsKey = query.kinds ? [...new Set(query.kinds)].sort().join(',') : '*'
  const sort = query.sort ?? 'retainedSize'
  const sorted =
    sort === 'retainedSize'
      ? kinds
      : cachedView(data, `${kindsKey}|${sort}`, () =>
          sortByKeyDescending(kinds, sortKeys(snapshot, data, sort)),
        )
  const needle = query.filter?.trim().toLowerCase() ?? ''
  const signature = query.signature
  const filtered =
    needle === '' && signature === undefined
      ? sorted
      : cachedView(data, `${kindsKey}|${sort}|${needle}|${signature ?? ''}`, () =>
          filterRows(snapshot, data, sorted, needle, signature),
        )
  if (query.order !== 'ascending') return filtered
  const key = `${kindsKey}|${sort}|${needle}|${signature ?? ''}|ascending`
  return cachedView(data, key, () => {
    const reversed = filtered.slice().reverse()
    if (sort !== 'length') return reversed
    // Unknown lengths stay last, ascending too.
    const unknown = reversed.filter((node) => Number.isNaN(data.length[node]))
    const known = reversed.filter((node) => !Number.isNaN(data.length[node]))
    const ordered = new Uint32Array(reversed.length)
    ordered.set(known)
    ordered.set(unknown, known.length)
    return ordered
  })
}

function filterRows(
  snapshot: HeapSnapshot,
  data: Catalog,
  rows: Uint32Array,
  needle: string,
  signature: string | undefined,
): Uint32Array {
  // Per signature id: whether it passes (the signature asked for, and its text has the needle).
  const signaturePasses: boolean[] = []
  const signatureHasNeedle: boolean[] = []
  const classHasNeedle = new Map<number, boolean>()
  const matchesText = (node: number, id: number): boolean => {
    signatureHasNeedle[id] ??= data.signatures[id].searchText.includes(needle)
    if (signatureHasNeedle[id]) return true
    const classId = snapshot.className[node]
    let byClass = classHasNeedle.get(classId)
    if (byClass === undefined) {
      byClass = snapshot.graph.strings.get(classId).toLowerCase().includes(needle)
      classHasNeedle.set(classId, byClass)
    }
    return (
      byClass ||
      labelText(snapshot, data, node).toLowerCase().includes(needle) ||
      `@${snapshot.graph.objectId[node]}`.includes(needle)
    )
  }
  const kept: number[] = []
  for (const node of rows) {
    const id = signatureId(snapshot, data, node)
    signaturePasses[id] ??= signature === undefined || data.signatures[id].signature === signature
    if (!signaturePasses[id]) continue
    if (needle !== '' && !matchesText(node, id)) continue
    kept.push(node)
  }
  return Uint32Array.from(kept)
}

/**
 * What holds an array, as "Why alive?"'s verdict names it: the holder on a shortest retainer
 * path, read as code (V8's stores folded). Not the verdict's own cost-weighted route search,
 * which costs a table of the snapshot's strings per call: on the 400 MB benchmark a page of 200
 * took 2.2 s that way against a few hundred ms this way; the two name the same holder but for
 * ties (another closure of the same scope, say).
 */
export function arrayHolder(snapshot: HeapSnapshot, node: number): ArrayHolder | null {
  const path = nearestRetainerPath(snapshot, node)
  if (path.length < 2) return null
  const readable = readablePath(snapshot, path)
  if (readable.length < 2) return null
  return { object: readable[readable.length - 2].node, via: readable[readable.length - 1].via }
}

/** A page of the arrays catalog, largest retained size first unless sorted otherwise. */
export function getArrays(snapshot: HeapSnapshot, query: ArraysQuery = {}): Page<ArrayEntry> {
  const data = catalog(snapshot)
  const rows = selectRows(snapshot, data, query)
  const start = Math.max(0, Math.min(query.start ?? 0, rows.length))
  const end = Math.min(rows.length, start + Math.max(0, query.count ?? 50))
  return {
    start,
    total: rows.length,
    items: Array.from(rows.subarray(start, end), (node) => {
      const item = entry(snapshot, data, node)
      return query.withHolders ? { ...item, heldBy: arrayHolder(snapshot, node) } : item
    }),
  }
}

export interface ArrayGroupsQuery {
  start?: number
  count?: number
  kinds?: ArrayKind[]
  /** Groups by their sums (default retained size); `length` sums the lengths known. */
  sort?: ArraySortKey
  order?: 'ascending' | 'descending'
  /** As getArrays' filter: only matching arrays are grouped. */
  filter?: string
}

/**
 * The arrays grouped by retainer-path signature (as memlab clusters leaks: the array's class and
 * its four nearest retainers' references and classes), largest sum first. The arrays of a group
 * are getArrays with its `signature`.
 */
export function getArrayGroups(
  snapshot: HeapSnapshot,
  query: ArrayGroupsQuery = {},
): Page<ArrayGroup> {
  const data = catalog(snapshot)
  const rows = selectRows(snapshot, data, { kinds: query.kinds, filter: query.filter })
  const groups = new Map<number, ArrayGroup>()
  for (const node of rows) {
    const id = signatureId(snapshot, data, node)
    let group = groups.get(id)
    if (!group) {
      const { signature, path } = data.signatures[id]
      group = { signature, path, count: 0, selfSize: 0, retainedSize: 0, storeSize: 0, length: 0 }
      groups.set(id, group)
    }
    group.count++
    group.selfSize += snapshot.selfSize[node]
    group.retainedSize += snapshot.retainedSize[node]
    group.storeSize += data.storeSize[node]
    if (!Number.isNaN(data.length[node])) group.length += data.length[node]
  }
  const sort = query.sort ?? 'retainedSize'
  const sign = query.order === 'ascending' ? -1 : 1
  const list = [...groups.values()].sort(
    (a, b) =>
      sign * (b[sort] - a[sort]) ||
      b.count - a.count ||
      (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0),
  )
  const start = Math.max(0, Math.min(query.start ?? 0, list.length))
  const end = Math.min(list.length, start + Math.max(0, query.count ?? 50))
  return { start, total: list.length, items: list.slice(start, end) }
}

/** The catalog entry for one node, or null when it is not an array-like object. */
export function getArrayEntry(snapshot: HeapSnapshot, node: number): ArrayEntry | null {
  const data = catalog(snapshot)
  return data.kind[node] === 0 ? null : entry(snapshot, data, node)
}
