// The heap graph: node and edge arrays indexed by ordinal (0..N-1, 0..E-1), CSR outgoing edges
// and a reverse CSR of retainers. Node names and the string table may be extended by analyses
// (DevTools renames detached DOM nodes and adds class names); nothing else here is mutated.
import type { ParsedSnapshot, ScopeTable, SizeArray, TraceTree } from '../parse/snapshot-parser'
import type { SnapshotLayout } from '../format'
import type { StringTable } from './string-table'

/** Node type numbers resolved from the header (-1 when a type is not declared). */
export interface NodeTypeCodes {
  hidden: number
  array: number
  string: number
  object: number
  code: number
  closure: number
  regexp: number
  number: number
  native: number
  synthetic: number
  consString: number
  slicedString: number
  symbol: number
  bigint: number
  objectShape: number
}

/** Edge type numbers resolved from the header (-1 when a type is not declared). */
export interface EdgeTypeCodes {
  context: number
  element: number
  property: number
  internal: number
  hidden: number
  shortcut: number
  weak: number
}

export interface HeapGraph {
  readonly layout: SnapshotLayout
  readonly nodeCount: number
  readonly edgeCount: number
  /** Ordinal of the synthetic root (0 in every V8 snapshot). */
  readonly rootNode: number
  readonly nodeTypes: readonly string[]
  readonly edgeTypes: readonly string[]
  readonly nodeTypeCode: NodeTypeCodes
  readonly edgeTypeCode: EdgeTypeCodes
  /** Per node: index into nodeTypes. */
  readonly nodeType: Uint8Array
  /** Per node: index into strings; DevTools' "Detached " renaming is applied in place. */
  readonly nodeName: Uint32Array
  /** Per node: V8's object id, stable across snapshots of one process. */
  readonly objectId: Uint32Array
  /** Per node: self size in bytes as V8 wrote it (before any redistribution). */
  readonly rawSelfSize: SizeArray
  readonly traceNodeId: Uint32Array
  /** Per node: DOM link state (0 unknown, 1 attached, 2 detached), propagated in place. */
  readonly detachedness: Uint8Array
  /** CSR offsets, length N+1. */
  readonly firstEdge: Uint32Array
  /** Per edge: index into edgeTypes. */
  readonly edgeType: Uint8Array
  /** Per edge: string index (named edges) or the number (element and hidden edges). */
  readonly edgeNameOrIndex: Uint32Array
  /** Per edge: target node ordinal. */
  readonly edgeTarget: Uint32Array
  /** Reverse CSR offsets, length N+1: retainers of n are firstRetainer[n]..firstRetainer[n+1]-1. */
  readonly firstRetainer: Uint32Array
  /** Per retainer slot: the retaining edge ordinal. */
  readonly retainerEdge: Uint32Array
  /** Per retainer slot: the retaining node ordinal. */
  readonly retainerNode: Uint32Array
  /** The string table (read a string with strings.get(index)); analyses may append. */
  readonly strings: StringTable
  /**
   * Location records (layout.locationFields each), one per node that has one, in node order:
   * the later of two records for one node wins, as in DevTools' location map (nodeLocationOf).
   */
  readonly locations: Uint32Array
  readonly traceFunctionInfos: Uint32Array
  readonly traceTree: TraceTree | null
  readonly samples: Float64Array
  /** Chrome's scope sections (which closure uses which captured variable); null when absent. */
  readonly scopes: ScopeTable | null
}

/** The graph's arrays a worker thread's job reads (shared memory in a parallel load). */
export type GraphArrays = Pick<
  HeapGraph,
  'nodeCount' | 'rootNode' | 'nodeType' | 'nodeName' | 'firstEdge' | 'edgeType' | 'edgeTarget'
>

function codes<T extends string>(
  types: readonly string[],
  names: Record<T, string>,
): Record<T, number> {
  const result = {} as Record<T, number>
  for (const key of Object.keys(names) as T[]) result[key] = types.indexOf(names[key])
  return result
}

/**
 * Builds retainers by counting sort. Like DevTools' buildRetainers, the retainers of each node
 * end up in descending edge order, so tie-breaking sorts list them as DevTools does.
 */
export function buildRetainers(
  nodeCount: number,
  firstEdge: Uint32Array,
  edgeTarget: Uint32Array,
): { firstRetainer: Uint32Array; retainerEdge: Uint32Array; retainerNode: Uint32Array } {
  const edgeCount = edgeTarget.length
  const firstRetainer = new Uint32Array(nodeCount + 1)
  const retainerEdge = new Uint32Array(edgeCount)
  const retainerNode = new Uint32Array(edgeCount)
  for (let edge = 0; edge < edgeCount; edge++) firstRetainer[edgeTarget[edge] + 1]++
  for (let node = 0; node < nodeCount; node++) firstRetainer[node + 1] += firstRetainer[node]
  // Fill each node's slots from the back while walking edges forward.
  const nextSlot = firstRetainer.slice(1)
  for (let node = 0; node < nodeCount; node++) {
    const end = firstEdge[node + 1]
    for (let edge = firstEdge[node]; edge < end; edge++) {
      const slot = --nextSlot[edgeTarget[edge]]
      retainerEdge[slot] = edge
      retainerNode[slot] = node
    }
  }
  return { firstRetainer, retainerEdge, retainerNode }
}

export type Retainers = ReturnType<typeof buildRetainers>

/**
 * Wraps parsed arrays into a graph and builds the reverse CSR (unless given retainers that a
 * caller built while the rest of the input was still arriving).
 */
export function createHeapGraph(parsed: ParsedSnapshot, prebuilt?: Retainers): HeapGraph {
  const layout = parsed.layout
  const nodeTypes = layout.nodeTypes
  const edgeTypes = layout.edgeTypes
  const retainers =
    prebuilt ?? buildRetainers(parsed.nodeCount, parsed.firstEdge, parsed.edgeTarget)
  // The graph takes the parsed arrays over: the records out of order are dropped at once, not
  // kept alive by the caller's reference to `parsed` for the rest of the load.
  parsed.locations = inNodeOrder(parsed.locations, layout.locationFields, parsed.nodeCount)
  return {
    layout,
    nodeCount: parsed.nodeCount,
    edgeCount: parsed.edgeCount,
    rootNode: layout.rootIndex / layout.nodeFieldCount,
    nodeTypes,
    edgeTypes,
    nodeTypeCode: codes(nodeTypes, {
      hidden: 'hidden',
      array: 'array',
      string: 'string',
      object: 'object',
      code: 'code',
      closure: 'closure',
      regexp: 'regexp',
      number: 'number',
      native: 'native',
      synthetic: 'synthetic',
      consString: 'concatenated string',
      slicedString: 'sliced string',
      symbol: 'symbol',
      bigint: 'bigint',
      objectShape: 'object shape',
    }),
    edgeTypeCode: codes(edgeTypes, {
      context: 'context',
      element: 'element',
      property: 'property',
      internal: 'internal',
      hidden: 'hidden',
      shortcut: 'shortcut',
      weak: 'weak',
    }),
    nodeType: parsed.nodeType,
    nodeName: parsed.nodeName,
    objectId: parsed.nodeId,
    rawSelfSize: parsed.nodeSelfSize,
    traceNodeId: parsed.nodeTraceNodeId,
    detachedness: parsed.nodeDetachedness,
    firstEdge: parsed.firstEdge,
    edgeType: parsed.edgeType,
    edgeNameOrIndex: parsed.edgeNameOrIndex,
    edgeTarget: parsed.edgeTarget,
    ...retainers,
    strings: parsed.strings,
    locations: parsed.locations,
    traceFunctionInfos: parsed.traceFunctionInfos,
    traceTree: parsed.traceTree,
    samples: parsed.samples,
    scopes: parsed.scopes,
  }
}

/** Whether an edge's name is a string-table index (not an element or hidden index). */
export function hasStringName(graph: HeapGraph, edge: number): boolean {
  const type = graph.edgeType[edge]
  return type !== graph.edgeTypeCode.element && type !== graph.edgeTypeCode.hidden
}

/** An edge's name as DevTools shows it: the property name, or the index as a string. */
export function edgeName(graph: HeapGraph, edge: number): string {
  const value = graph.edgeNameOrIndex[edge]
  return hasStringName(graph, edge) ? graph.strings.get(value) : String(value)
}

/** Appends a string to the table and returns its index. */
export function addString(graph: HeapGraph, text: string): number {
  return graph.strings.push(text)
}

/**
 * Where a location record keeps its script id, line and column (V8's location_fields; the usual
 * order where a snapshot does not name them). Lines and columns are 0-based, as V8 writes them.
 */
export function locationOffsets(graph: HeapGraph): {
  scriptId: number
  line: number
  column: number
} {
  const fields = graph.layout.locationFields
  const offset = (name: string, fallback: number): number => {
    const position = fields.indexOf(name)
    return position === -1 ? fallback : position
  }
  return { scriptId: offset('script_id', 1), line: offset('line', 2), column: offset('column', 3) }
}

/** Where a location record keeps its node, and how many fields a record has. */
export function recordShape(locationFields: readonly string[]): {
  fieldCount: number
  nodeField: number
} {
  return {
    fieldCount: locationFields.length || 4,
    nodeField: Math.max(0, locationFields.indexOf('object_index')),
  }
}

/**
 * Location records sorted by node, one per node (the later record wins). V8 writes them in runs
 * of ascending nodes: a file whose records are in order already keeps its array; otherwise each
 * node's record is found in one pass (through a per-node array freed at once) and they are
 * copied out in node order.
 */
function inNodeOrder(
  locations: Uint32Array,
  locationFields: readonly string[],
  nodeCount: number,
): Uint32Array {
  const { fieldCount, nodeField } = recordShape(locationFields)
  const recordCount = Math.floor(locations.length / fieldCount)
  let ordered = true
  for (let at = fieldCount; at < recordCount * fieldCount && ordered; at += fieldCount) {
    ordered = locations[at - fieldCount + nodeField] < locations[at + nodeField]
  }
  if (ordered && recordCount * fieldCount === locations.length) return locations
  const recordOf = new Int32Array(nodeCount).fill(-1)
  let kept = 0
  for (let at = 0; at < recordCount * fieldCount; at += fieldCount) {
    const node = locations[at + nodeField]
    if (node >= nodeCount) continue
    if (recordOf[node] === -1) kept++
    recordOf[node] = at
  }
  const result = new Uint32Array(kept * fieldCount)
  let to = 0
  for (let node = 0; node < nodeCount; node++) {
    const from = recordOf[node]
    if (from === -1) continue
    for (let field = 0; field < fieldCount; field++) result[to++] = locations[from + field]
  }
  return result
}

/** Index of `node`'s location record in graph.locations, or -1 (a binary search). */
export function nodeLocationOf(graph: HeapGraph, node: number): number {
  const { fieldCount, nodeField } = recordShape(graph.layout.locationFields)
  const { locations } = graph
  let low = 0
  let high = Math.floor(locations.length / fieldCount)
  while (low < high) {
    const middle = (low + high) >>> 1
    if (locations[middle * fieldCount + nodeField] < node) low = middle + 1
    else high = middle
  }
  const at = low * fieldCount
  return at < locations.length && locations[at + nodeField] === node ? at : -1
}
