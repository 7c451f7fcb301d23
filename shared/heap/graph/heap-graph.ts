// The heap graph: node and edge arrays indexed by ordinal (0..N-1, 0..E-1), CSR outgoing edges
// and a reverse CSR of retainers. Node names and the string table may be extended by analyses
// (DevTools renames detached DOM nodes and adds class names); nothing else here is mutated.
import type { ParsedSnapshot, ScopeTable, SizeArray, TraceTree } from '../parse/snapshot-parser'
import type { SnapshotLayout } from '../format'

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
  /** The string table; analyses may append. */
  readonly strings: string[]
  readonly locations: Uint32Array
  readonly traceFunctionInfos: Uint32Array
  readonly traceTree: TraceTree | null
  readonly samples: Float64Array
  /** Chrome's scope sections (which closure uses which captured variable); null when absent. */
  readonly scopes: ScopeTable | null
}

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
  return hasStringName(graph, edge) ? graph.strings[value] : String(value)
}

/** Appends a string to the table and returns its index. */
export function addString(graph: HeapGraph, text: string): number {
  graph.strings.push(text)
  return graph.strings.length - 1
}
