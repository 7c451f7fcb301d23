// V8's raw .heapsnapshot format: the snake_case header lives in this file and nowhere else.
// resolveLayout() turns a parsed `snapshot` header into field positions the parser can use,
// and rejects headers whose field lists lack what the engine needs.
import { HeapSnapshotError } from './errors'

// Field names mirror V8's JSON (snake_case) on purpose.
/** The `snapshot.meta` object as V8 writes it. */
export interface RawSnapshotMeta {
  node_fields: string[]
  node_types: Array<string[] | string>
  edge_fields: string[]
  edge_types: Array<string[] | string>
  trace_function_info_fields?: string[]
  trace_node_fields?: string[]
  sample_fields?: string[]
  location_fields?: string[]
  scope_fields?: string[]
  scope_context_var_fields?: string[]
  scope_use_fields?: string[]
}

/** The `snapshot` object at the head of the file. */
export interface RawSnapshotHeader {
  meta: RawSnapshotMeta
  node_count?: number
  edge_count?: number
  trace_function_count?: number
  root_index?: number
  extra_native_bytes?: number
}

/** Field positions resolved from the header; -1 marks an optional field that is absent. */
export interface SnapshotLayout {
  nodeFieldCount: number
  nodeTypeField: number
  nodeNameField: number
  nodeIdField: number
  nodeSelfSizeField: number
  nodeEdgeCountField: number
  nodeTraceNodeIdField: number
  nodeDetachednessField: number
  nodeTypes: string[]
  edgeFieldCount: number
  edgeTypeField: number
  edgeNameField: number
  edgeToNodeField: number
  edgeTypes: string[]
  traceFunctionInfoFields: string[]
  traceNodeFields: string[]
  sampleFields: string[]
  locationFields: string[]
  /**
   * Fields of the scope sections Chrome writes (`scopes`, `scope_context_vars`, `scope_uses`):
   * which variables each scope of a script keeps in a context, and which scopes use them.
   * Empty when the snapshot has none (Node's, older Chrome's).
   */
  scopeFields: string[]
  scopeContextVarFields: string[]
  scopeUseFields: string[]
  /** Declared counts; null when the header omits them (the parser then grows its arrays). */
  declaredNodeCount: number | null
  declaredEdgeCount: number | null
  /** Root node as a field offset, as V8 writes it (`root_index`), default 0. */
  rootIndex: number
  extraNativeBytes: number
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

function requireField(fields: string[], name: string, list: string, offset: number): number {
  const position = fields.indexOf(name)
  if (position === -1) {
    throw new HeapSnapshotError(
      'format',
      `snapshot.meta.${list} has no "${name}" field (found: ${fields.join(', ')})`,
      offset,
    )
  }
  return position
}

function optionalCount(value: unknown, name: string, offset: number): number | null {
  if (value === undefined) return null
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new HeapSnapshotError('format', `snapshot.${name} is not a non-negative integer`, offset)
  }
  return value
}

/**
 * Validates a parsed `snapshot` header and resolves field positions.
 * @param header the value of the top-level `snapshot` key
 * @param offset byte offset of that value, for error messages
 */
export function resolveLayout(header: unknown, offset: number): SnapshotLayout {
  if (typeof header !== 'object' || header === null || !('meta' in header)) {
    throw new HeapSnapshotError('format', 'the "snapshot" header has no "meta" object', offset)
  }
  const raw = header as Partial<RawSnapshotHeader> & Record<string, unknown>
  const meta = raw.meta as unknown as Record<string, unknown>
  if (typeof meta !== 'object' || meta === null) {
    throw new HeapSnapshotError('format', 'snapshot.meta is not an object', offset)
  }
  const fieldList = (name: string, required: boolean): string[] => {
    const value = meta[name]
    if (value === undefined && !required) return []
    if (!isStringArray(value) || (required && value.length === 0)) {
      throw new HeapSnapshotError('format', `snapshot.meta.${name} is not a list of names`, offset)
    }
    return value
  }
  const nodeFields = fieldList('node_fields', true)
  const edgeFields = fieldList('edge_fields', true)
  const nodeTypeField = requireField(nodeFields, 'type', 'node_fields', offset)
  const edgeTypeField = requireField(edgeFields, 'type', 'edge_fields', offset)
  const enumAt = (listName: string, position: number): string[] => {
    const list = meta[listName]
    const value = Array.isArray(list) ? (list as unknown[])[position] : undefined
    if (!isStringArray(value) || value.length === 0 || value.length > 256) {
      throw new HeapSnapshotError(
        'format',
        `snapshot.meta.${listName}[${position}] is not a list of 1 to 256 type names`,
        offset,
      )
    }
    return value
  }
  const layout: SnapshotLayout = {
    nodeFieldCount: nodeFields.length,
    nodeTypeField,
    nodeNameField: requireField(nodeFields, 'name', 'node_fields', offset),
    nodeIdField: requireField(nodeFields, 'id', 'node_fields', offset),
    nodeSelfSizeField: requireField(nodeFields, 'self_size', 'node_fields', offset),
    nodeEdgeCountField: requireField(nodeFields, 'edge_count', 'node_fields', offset),
    nodeTraceNodeIdField: nodeFields.indexOf('trace_node_id'),
    nodeDetachednessField: nodeFields.indexOf('detachedness'),
    nodeTypes: enumAt('node_types', nodeTypeField),
    edgeFieldCount: edgeFields.length,
    edgeTypeField,
    edgeNameField: requireField(edgeFields, 'name_or_index', 'edge_fields', offset),
    edgeToNodeField: requireField(edgeFields, 'to_node', 'edge_fields', offset),
    edgeTypes: enumAt('edge_types', edgeTypeField),
    traceFunctionInfoFields: fieldList('trace_function_info_fields', false),
    traceNodeFields: fieldList('trace_node_fields', false),
    sampleFields: fieldList('sample_fields', false),
    locationFields: fieldList('location_fields', false),
    scopeFields: fieldList('scope_fields', false),
    scopeContextVarFields: fieldList('scope_context_var_fields', false),
    scopeUseFields: fieldList('scope_use_fields', false),
    declaredNodeCount: optionalCount(raw.node_count, 'node_count', offset),
    declaredEdgeCount: optionalCount(raw.edge_count, 'edge_count', offset),
    rootIndex: optionalCount(raw.root_index, 'root_index', offset) ?? 0,
    extraNativeBytes: optionalCount(raw.extra_native_bytes, 'extra_native_bytes', offset) ?? 0,
  }
  if (layout.rootIndex % layout.nodeFieldCount !== 0) {
    throw new HeapSnapshotError(
      'format',
      `snapshot.root_index ${layout.rootIndex} is not a multiple of the ${layout.nodeFieldCount} node fields`,
      offset,
    )
  }
  const traceFields = layout.traceNodeFields
  if (traceFields.length > 0 && traceFields[traceFields.length - 1] !== 'children') {
    throw new HeapSnapshotError(
      'format',
      'snapshot.meta.trace_node_fields must end with "children"',
      offset,
    )
  }
  return layout
}
