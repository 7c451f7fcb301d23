// SnapshotBuilder: tiny named heaps in V8's raw .heapsnapshot JSON, for parser and graph tests.
// Invariants: node 0 is the synthetic root; ids are unique (odd by default, as V8 gives heap
// objects); edges are emitted grouped by owner in node order, to_node as a node field offset.
// Mirrors the raw format, so V8's snake_case names appear here (see RawHeapSnapshot).

/** V8's node types, in meta order (Node 20 / V8 11.3; Chrome 156 drops 'wasm object'). */
export const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
  'wasm object',
] as const
export type NodeType = (typeof NODE_TYPES)[number]

/** V8's edge types, in meta order. */
export const EDGE_TYPES = [
  'context',
  'element',
  'property',
  'internal',
  'hidden',
  'shortcut',
  'weak',
] as const
export type EdgeType = (typeof EDGE_TYPES)[number]
/** Edge types whose name_or_index is a number; all others index the string table. */
export type IndexedEdgeType = 'element' | 'hidden'
export type NamedEdgeType = Exclude<EdgeType, IndexedEdgeType>

/** 0 unknown, 1 attached, 2 detached (DOM nodes in Chrome; always 0 in Node). */
export type Detachedness = 0 | 1 | 2

/**
 * 'node': as Node 20's V8 writes it (7 node fields with trace_node_id, one row per line).
 * 'chrome': as Chrome 156 sends it (6 node fields, no 'wasm object', 5 location fields,
 * scope sections, extra_native_bytes, each section on one line).
 */
export type SnapshotLayout = 'node' | 'chrome'

/**
 * 'user-roots': as v8.writeHeapSnapshot (and CDP without exposeInternals, in Node): the root has
 * a shortcut edge to the global object. 'expose-internals': as CDP with exposeInternals (and
 * Chrome pages): no shortcut, the global hangs only off the GC roots through the native context.
 */
export type RootsMode = 'user-roots' | 'expose-internals'

/** A node ordinal (0..N-1) returned by SnapshotBuilder.node(). */
export type NodeHandle = number

export interface NodeOptions {
  /** Bytes. Default 0. */
  selfSize?: number
  /** V8's object id, unique in the snapshot. Default: the next free odd number. */
  id?: number
  detachedness?: Detachedness
  /** Ignored by the 'chrome' layout, which has no trace_node_id field. */
  traceNodeId?: number
}

export interface StandardRoots {
  gcRoots: NodeHandle
  strongRoots: NodeHandle
  handleScope: NodeHandle
  globalHandles: NodeHandle
  nativeContext: NodeHandle
  /** The JSGlobalObject: 'global' in Node ('Window' in Chrome). */
  global: NodeHandle
}

/** The raw JSON value of a snapshot: V8's field names, flat number arrays. */
export interface RawHeapSnapshot {
  snapshot: {
    meta: RawMeta
    node_count: number
    edge_count: number
    trace_function_count: number
    extra_native_bytes?: number
  }
  nodes: number[]
  edges: number[]
  trace_function_infos: number[]
  trace_tree: number[]
  samples: number[]
  locations: number[]
  scopes?: number[]
  scope_context_vars?: number[]
  scope_uses?: number[]
  strings: string[]
}

export interface RawMeta {
  node_fields: string[]
  node_types: [string[], ...string[]]
  edge_fields: string[]
  edge_types: [string[], ...string[]]
  trace_function_info_fields: string[]
  trace_node_fields: string[]
  sample_fields: string[]
  location_fields: string[]
  [extra: string]: unknown
}

interface LayoutSpec {
  nodeFields: readonly string[]
  nodeTypes: readonly string[]
  locationFields: readonly string[]
  hasScopes: boolean
  rowPerLine: boolean
}

const LAYOUTS: Record<SnapshotLayout, LayoutSpec> = {
  node: {
    nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    nodeTypes: NODE_TYPES,
    locationFields: ['object_index', 'script_id', 'line', 'column'],
    hasScopes: false,
    rowPerLine: true,
  },
  chrome: {
    nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'detachedness'],
    nodeTypes: NODE_TYPES.filter((type) => type !== 'wasm object'),
    locationFields: ['object_index', 'script_id', 'script_object_index', 'line', 'column'],
    hasScopes: true,
    rowPerLine: false,
  },
}

interface BuiltNode {
  type: NodeType
  nameId: number
  id: number
  selfSize: number
  traceNodeId: number
  detachedness: Detachedness
}

interface BuiltEdge {
  type: EdgeType
  /** A number for element/hidden edges, else a string-table index. */
  nameOrIndex: number
  to: NodeHandle
}

/** One scope of the 'chrome' layout's scope sections. */
export interface ScopeSpec {
  /** The `system / Script` node it belongs to, or -1. */
  script: NodeHandle | -1
  /** V8's scope id (unique within its script; -2 for a script's outermost scope). */
  scopeId: number
  /** Nesting depth within its script: scopes are listed in preorder, each after its parent. */
  depth: number
  /** The variables it keeps in its context, in slot order. */
  variables?: readonly string[]
  /** The variables it uses from enclosing scopes: [declaring scope id, slot]. */
  uses?: ReadonlyArray<readonly [number, number]>
}

interface BuiltLocation {
  node: NodeHandle
  scriptId: number
  line: number
  column: number
  scriptNode: NodeHandle | undefined
}

export interface SnapshotBuilderOptions {
  layout?: SnapshotLayout
}

export class SnapshotBuilder {
  /** The synthetic root, always node 0. */
  readonly root: NodeHandle = 0
  readonly layout: SnapshotLayout
  private readonly nodes: BuiltNode[] = []
  /** Outgoing edges per node, in insertion order. */
  private readonly edgesByNode: BuiltEdge[][] = []
  private readonly locations: BuiltLocation[] = []
  private readonly scopeSpecs: ScopeSpec[] = []
  private readonly strings: string[] = []
  private readonly stringIds = new Map<string, number>()
  private readonly usedIds = new Set<number>()
  private nextOddId = 1

  constructor(options: SnapshotBuilderOptions = {}) {
    this.layout = options.layout ?? 'node'
    this.nameId('<dummy>') // V8's string table starts with a placeholder.
    this.node('synthetic', '')
  }

  /** Adds a node and returns its ordinal. */
  node(type: NodeType, name: string, options: NodeOptions = {}): NodeHandle {
    if (!LAYOUTS[this.layout].nodeTypes.includes(type)) {
      throw new Error(`node type '${type}' does not exist in the '${this.layout}' layout`)
    }
    const id = options.id ?? this.freeOddId()
    if (!Number.isSafeInteger(id) || id < 0) throw new Error(`bad node id ${id}`)
    if (this.usedIds.has(id)) throw new Error(`duplicate node id ${id}`)
    this.usedIds.add(id)
    this.nodes.push({
      type,
      nameId: this.nameId(name),
      id,
      selfSize: options.selfSize ?? 0,
      traceNodeId: options.traceNodeId ?? 0,
      detachedness: options.detachedness ?? 0,
    })
    this.edgesByNode.push([])
    return this.nodes.length - 1
  }

  /** Adds an edge from `from` to `to`; element and hidden edges take an index, others a name. */
  edge(from: NodeHandle, type: IndexedEdgeType, index: number, to: NodeHandle): this
  edge(from: NodeHandle, type: NamedEdgeType, name: string, to: NodeHandle): this
  edge(from: NodeHandle, type: EdgeType, nameOrIndex: string | number, to: NodeHandle): this {
    this.checkNode(from)
    this.checkNode(to)
    const indexed = type === 'element' || type === 'hidden'
    if (indexed !== (typeof nameOrIndex === 'number')) {
      throw new Error(`${type} edges take ${indexed ? 'a numeric index' : 'a string name'}`)
    }
    const value = typeof nameOrIndex === 'number' ? nameOrIndex : this.nameId(nameOrIndex)
    this.edgesByNode[from].push({ type, nameOrIndex: value, to })
    return this
  }

  /** Records where `node` (a closure, usually) was defined; `scriptNode` only in 'chrome'. */
  location(
    node: NodeHandle,
    scriptId: number,
    line: number,
    column: number,
    scriptNode?: NodeHandle,
  ): this {
    this.checkNode(node)
    if (scriptNode !== undefined) this.checkNode(scriptNode)
    this.locations.push({ node, scriptId, line, column, scriptNode })
    return this
  }

  /** Adds a scope to the scope sections ('chrome' layout only), after those added before it. */
  scope(spec: ScopeSpec): this {
    if (this.layout !== 'chrome') throw new Error("scopes exist only in the 'chrome' layout")
    if (spec.script !== -1) this.checkNode(spec.script)
    for (const name of spec.variables ?? []) this.nameId(name)
    this.scopeSpecs.push(spec)
    return this
  }

  /**
   * Adds the usual root structure (GC roots and its subroots, a native context and the global
   * object), wired as V8 does for `mode`. Call it once, before hanging user objects off `global`.
   */
  standardRoots(mode: RootsMode): StandardRoots {
    const gcRoots = this.node('synthetic', '(GC roots)')
    this.edge(this.root, 'element', 1, gcRoots)
    const global = this.node('object', this.layout === 'chrome' ? 'Window' : 'global', {
      selfSize: 40,
    })
    // V8 names the user-root shortcut by its 1-based position among the root's edges.
    if (mode === 'user-roots') this.edge(this.root, 'shortcut', '2', global)
    const strongRoots = this.node('synthetic', '(Strong roots)')
    const handleScope = this.node('synthetic', '(Handle scope)')
    const globalHandles = this.node('synthetic', '(Global handles)')
    this.edge(gcRoots, 'element', 1, strongRoots)
    this.edge(gcRoots, 'element', 2, handleScope)
    this.edge(gcRoots, 'element', 3, globalHandles)
    const nativeContext = this.node('hidden', 'system / NativeContext', { selfSize: 2264 })
    this.edge(handleScope, 'internal', '0', nativeContext)
    this.edge(nativeContext, 'internal', 'extension', global)
    this.edge(global, 'internal', 'native_context', nativeContext)
    return { gcRoots, strongRoots, handleScope, globalHandles, nativeContext, global }
  }

  get nodeCount(): number {
    return this.nodes.length
  }

  get edgeCount(): number {
    return this.edgesByNode.reduce((sum, edges) => sum + edges.length, 0)
  }

  /** A fresh copy of the snapshot's JSON value (safe to mutate, e.g. with corrupt()). */
  toObject(): RawHeapSnapshot {
    const spec = LAYOUTS[this.layout]
    const nodeFieldCount = spec.nodeFields.length
    const nodes: number[] = []
    const edges: number[] = []
    for (const [node, built] of this.nodes.entries()) {
      const outgoing = this.edgesByNode[node]
      nodes.push(
        spec.nodeTypes.indexOf(built.type),
        built.nameId,
        built.id,
        built.selfSize,
        outgoing.length,
      )
      if (this.layout === 'node') nodes.push(built.traceNodeId)
      nodes.push(built.detachedness)
      for (const edge of outgoing) {
        edges.push(EDGE_TYPES.indexOf(edge.type), edge.nameOrIndex, edge.to * nodeFieldCount)
      }
    }
    const locations: number[] = []
    for (const location of this.locations) {
      locations.push(location.node * nodeFieldCount, location.scriptId)
      if (this.layout === 'chrome') {
        locations.push(
          location.scriptNode === undefined ? -1 : location.scriptNode * nodeFieldCount,
        )
      }
      locations.push(location.line, location.column)
    }
    const raw: RawHeapSnapshot = {
      snapshot: {
        meta: {
          node_fields: [...spec.nodeFields],
          node_types: [
            [...spec.nodeTypes],
            'string',
            'number',
            'number',
            'number',
            'number',
            ...(this.layout === 'node' ? ['number'] : []),
          ],
          edge_fields: ['type', 'name_or_index', 'to_node'],
          edge_types: [[...EDGE_TYPES], 'string_or_number', 'node'],
          trace_function_info_fields: [
            'function_id',
            'name',
            'script_name',
            'script_id',
            'line',
            'column',
          ],
          trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
          sample_fields: ['timestamp_us', 'last_assigned_id'],
          location_fields: [...spec.locationFields],
        },
        node_count: this.nodes.length,
        edge_count: edges.length / 3,
        trace_function_count: 0,
      },
      nodes,
      edges,
      trace_function_infos: [],
      trace_tree: [],
      samples: [],
      locations,
      strings: [...this.strings],
    }
    if (spec.hasScopes) {
      Object.assign(raw.snapshot.meta, {
        scope_fields: [
          'script_node_index',
          'scope_id',
          'depth',
          'scope_context_vars_count',
          'scope_uses_count',
        ],
        scope_context_var_fields: ['name'],
        scope_use_fields: ['declaring_scope_id', 'slot_index'],
      })
      raw.snapshot.extra_native_bytes = 0
      raw.scopes = []
      raw.scope_context_vars = []
      raw.scope_uses = []
      for (const scope of this.scopeSpecs) {
        const variables = scope.variables ?? []
        const uses = scope.uses ?? []
        raw.scopes.push(
          scope.script === -1 ? -1 : scope.script * nodeFieldCount,
          scope.scopeId,
          scope.depth,
          variables.length,
          uses.length,
        )
        for (const name of variables) raw.scope_context_vars.push(this.nameId(name))
        for (const [declaring, slot] of uses) raw.scope_uses.push(declaring, slot)
      }
    }
    return raw
  }

  /** The snapshot text, laid out as this builder's layout does. */
  toText(): string {
    return serializeSnapshot(this.toObject(), this.layout)
  }

  /** The snapshot text as UTF-8 bytes (what a file or CDP chunks carry). */
  toBytes(): Uint8Array {
    return new TextEncoder().encode(this.toText())
  }

  private nameId(name: string): number {
    let nameId = this.stringIds.get(name)
    if (nameId === undefined) {
      nameId = this.strings.length
      this.strings.push(name)
      this.stringIds.set(name, nameId)
    }
    return nameId
  }

  private freeOddId(): number {
    while (this.usedIds.has(this.nextOddId)) this.nextOddId += 2
    return this.nextOddId
  }

  private checkNode(node: NodeHandle): void {
    if (!Number.isInteger(node) || node < 0 || node >= this.nodes.length) {
      throw new Error(`no node ${node} (have ${this.nodes.length})`)
    }
  }
}

/** V8 writes non-ASCII string characters as \uXXXX escapes; JSON.stringify keeps them raw. */
function quoteAsV8(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'),
  )
}

function numberSection(values: readonly number[], rowLength: number, rowPerLine: boolean): string {
  if (!rowPerLine) return values.join(',')
  const rows: string[] = []
  for (let start = 0; start < values.length; start += rowLength) {
    rows.push(values.slice(start, start + rowLength).join(','))
  }
  return rows.join('\n,')
}

/**
 * Writes a raw snapshot as text: 'node' puts each node, edge, location and string on its own
 * line as Node's V8 does; 'chrome' puts each section on one line as Chrome 156 does. Row lengths
 * come from the meta when it has them, so a corrupted meta still serializes.
 */
export function serializeSnapshot(raw: RawHeapSnapshot, layout: SnapshotLayout = 'node'): string {
  const spec = LAYOUTS[layout]
  const rowPerLine = spec.rowPerLine
  const meta: Partial<RawMeta> = raw.snapshot.meta
  const rowLength = (fields: unknown, fallback: number): number =>
    Array.isArray(fields) && fields.length > 0 ? fields.length : fallback
  const rowLengths: Record<string, number> = {
    nodes: rowLength(meta.node_fields, spec.nodeFields.length),
    edges: rowLength(meta.edge_fields, 3),
    locations: rowLength(meta.location_fields, spec.locationFields.length),
  }
  // A section may be missing only after corrupt({ kind: 'drop-section' }).
  const sectionsPresent: Partial<RawHeapSnapshot> = raw
  const sections: string[] = [`{"snapshot":${JSON.stringify(raw.snapshot)}`]
  for (const key of NUMBER_SECTIONS) {
    const values = sectionsPresent[key]
    if (values)
      sections.push(`"${key}":[${numberSection(values, rowLengths[key] ?? 1, rowPerLine)}]`)
  }
  if (sectionsPresent.strings) {
    sections.push(`"strings":[${raw.strings.map(quoteAsV8).join(rowPerLine ? ',\n' : ',')}]`)
  }
  return sections.join(',\n') + '}'
}

/** The number sections in V8's order (the scope ones only in the 'chrome' layout). */
const NUMBER_SECTIONS = [
  'nodes',
  'edges',
  'trace_function_infos',
  'trace_tree',
  'samples',
  'locations',
  'scopes',
  'scope_context_vars',
  'scope_uses',
] as const

/** A deliberately broken snapshot for bad-input tests. */
export type Corruption =
  /** snapshot.node_count / edge_count set to `value` (the arrays are left as they are). */
  | { kind: 'node-count'; value: number }
  | { kind: 'edge-count'; value: number }
  /** Edge `edge` (default: the last) points past the last node. */
  | { kind: 'edge-target-out-of-range'; edge?: number }
  /** Edge `edge` (default: the last) points inside a node row instead of at its start. */
  | { kind: 'edge-target-misaligned'; edge?: number }
  /** Node `node` (default: the last) claims `extra` (default 1) more edges than exist. */
  | { kind: 'edge-count-sum-mismatch'; node?: number; extra?: number }
  /** Node `node` (default: the last) has a name index past the string table. */
  | { kind: 'name-out-of-range'; node?: number }
  /** Node `node` (default: the last) has a type index past meta.node_types[0]. */
  | { kind: 'unknown-node-type'; node?: number }
  /** A key of snapshot.meta is removed (e.g. 'node_fields'). */
  | { kind: 'drop-meta-field'; field: string }
  /** The nodes array loses its last `count` (default 1) numbers: not a whole number of rows. */
  | { kind: 'ragged-nodes'; count?: number }
  /** A section (e.g. 'strings') is removed from the document. */
  | { kind: 'drop-section'; section: 'nodes' | 'edges' | 'strings' | 'locations' }
  /** The text is cut after `bytes` UTF-8 bytes (default: half of it). */
  | { kind: 'truncate'; bytes?: number }

/**
 * Returns the text of `source` broken as `corruption` says. Structural corruptions edit a copy
 * of the raw value and serialize it in the builder's layout; 'truncate' cuts the final bytes.
 */
export function corrupt(source: SnapshotBuilder, corruption: Corruption): string {
  const raw = source.toObject()
  const nodeFieldCount = raw.snapshot.meta.node_fields.length
  const edgeFieldCount = raw.snapshot.meta.edge_fields.length
  const lastNode = raw.nodes.length / nodeFieldCount - 1
  const lastEdge = raw.edges.length / edgeFieldCount - 1
  const nodeField = (node: number | undefined, field: string): number => {
    const ordinal = node ?? lastNode
    if (ordinal < 0 || ordinal > lastNode) throw new Error(`no node ${ordinal} to corrupt`)
    return ordinal * nodeFieldCount + raw.snapshot.meta.node_fields.indexOf(field)
  }
  const toNodeField = (edge: number | undefined): number => {
    const ordinal = edge ?? lastEdge
    if (ordinal < 0 || ordinal > lastEdge) throw new Error(`no edge ${ordinal} to corrupt`)
    return ordinal * edgeFieldCount + 2
  }
  switch (corruption.kind) {
    case 'node-count':
      raw.snapshot.node_count = corruption.value
      break
    case 'edge-count':
      raw.snapshot.edge_count = corruption.value
      break
    case 'edge-target-out-of-range':
      raw.edges[toNodeField(corruption.edge)] = raw.nodes.length
      break
    case 'edge-target-misaligned':
      raw.edges[toNodeField(corruption.edge)] += 1
      break
    case 'edge-count-sum-mismatch':
      raw.nodes[nodeField(corruption.node, 'edge_count')] += corruption.extra ?? 1
      break
    case 'name-out-of-range':
      raw.nodes[nodeField(corruption.node, 'name')] = raw.strings.length
      break
    case 'unknown-node-type':
      raw.nodes[nodeField(corruption.node, 'type')] = raw.snapshot.meta.node_types[0].length
      break
    case 'drop-meta-field':
      delete raw.snapshot.meta[corruption.field]
      break
    case 'ragged-nodes':
      raw.nodes.length -= corruption.count ?? 1
      break
    case 'drop-section': {
      const sections: Partial<RawHeapSnapshot> = raw
      delete sections[corruption.section]
      break
    }
    case 'truncate': {
      const bytes = new TextEncoder().encode(serializeSnapshot(raw, source.layout))
      const cut = corruption.bytes ?? Math.floor(bytes.length / 2)
      return new TextDecoder().decode(bytes.subarray(0, cut))
    }
  }
  return serializeSnapshot(raw, source.layout)
}
