// A snapshot read back from the index cache is checked before use: every per-node and per-edge
// array has the length and type the counts say, and the CSR offsets end where they must. A
// checksum already guards the bytes; this guards against a file from a build whose state had
// another shape under the same format number.
import { BitVector } from '../../../shared/heap/analyses/bit-vector'
import { StringTable } from '../../../shared/heap/graph/string-table'
import { savedFields } from '../../../shared/heap/queries/cache'
import type { HeapSnapshot } from '../../../shared/heap/snapshot'

export class RestoreError extends Error {}

type ArrayType = { new (length: number): unknown; readonly name: string }

function expectBits(owner: Record<string, unknown>, key: string, size: number): void {
  const value = owner[key]
  if (!(value instanceof BitVector) || value.size !== size)
    throw new RestoreError(`${key} is not a bit vector of ${size}`)
}

/** `state` as a HeapSnapshot, or an error naming what does not fit. */
export function checkRestoredSnapshot(state: unknown): HeapSnapshot {
  if (typeof state !== 'object' || state === null) throw new RestoreError('no snapshot')
  const snapshot = state as Record<string, unknown>
  const graph = snapshot.graph as Record<string, unknown> | undefined
  if (typeof graph !== 'object' || graph === null) throw new RestoreError('no graph')
  const nodes = graph.nodeCount
  const edges = graph.edgeCount
  if (typeof nodes !== 'number' || typeof edges !== 'number' || nodes < 1)
    throw new RestoreError('no node or edge count')
  const inGraph = savedFields(graph, 'graph')
  const inSnapshot = savedFields(snapshot, 'snapshot')
  // Each array with its owner, type and length (undefined: any length).
  const arrays: Array<[typeof inGraph, string, ArrayType, number | undefined]> = [
    [inGraph, 'nodeType', Uint8Array, nodes],
    [inGraph, 'nodeName', Uint32Array, nodes],
    [inGraph, 'objectId', Uint32Array, nodes],
    [inGraph, 'traceNodeId', Uint32Array, nodes],
    [inGraph, 'detachedness', Uint8Array, nodes],
    [inGraph, 'firstEdge', Uint32Array, nodes + 1],
    [inGraph, 'firstRetainer', Uint32Array, nodes + 1],
    [inGraph, 'edgeNameOrIndex', Uint32Array, edges],
    [inGraph, 'edgeTarget', Uint32Array, edges],
    [inGraph, 'retainerEdge', Uint32Array, edges],
    [inGraph, 'retainerNode', Uint32Array, edges],
    [inGraph, 'edgeType', Uint8Array, edges],
    [inGraph, 'samples', Float64Array, undefined],
    [inGraph, 'strings', StringTable, undefined],
    [inSnapshot, 'retainedSize', Float64Array, nodes],
    [inSnapshot, 'dominator', Uint32Array, nodes],
    [inSnapshot, 'distance', Int32Array, nodes],
    [inSnapshot, 'className', Uint32Array, nodes],
    [inGraph, 'locations', Uint32Array, undefined],
    [inSnapshot, 'firstDominated', Uint32Array, nodes + 1],
    [inSnapshot, 'dominatedNode', Uint32Array, nodes - 1],
  ]
  for (const [field, key, type, length] of arrays) field(key, type, length)
  // Sizes are in 32 bits where every one fits (SizeArray), else in 64.
  for (const [owner, key] of [
    [graph, 'rawSelfSize'],
    [snapshot, 'selfSize'],
  ] as const) {
    const sizes = owner[key]
    const typed = sizes instanceof Uint32Array || sizes instanceof Float64Array
    if (!typed || sizes.length !== nodes)
      throw new RestoreError(`${key} is not a size array of ${nodes}`)
  }
  const firstEdge = graph.firstEdge as Uint32Array
  const firstRetainer = graph.firstRetainer as Uint32Array
  if (firstEdge[nodes] !== edges || firstRetainer[nodes] !== edges)
    throw new RestoreError('edge offsets do not end at the edge count')
  const classIndex = snapshot.classIndex
  if (typeof classIndex !== 'object' || classIndex === null)
    throw new RestoreError('no class index')
  const inIndex = savedFields(classIndex as Record<string, unknown>, 'class index')
  const classes = inIndex('classKey', Array<string>).length
  const indexArrays: Array<[string, ArrayType, number]> = [
    ['className', Array<string>, classes],
    ['firstNode', Uint32Array, classes],
    ['count', Uint32Array, classes],
    ['selfSize', Float64Array, classes],
    ['retainedSize', Float64Array, classes],
    ['distance', Int32Array, classes],
    ['nodeClass', Int32Array, nodes],
  ]
  for (const [key, type, length] of indexArrays) inIndex(key, type, length)
  expectBits(snapshot, 'essentialEdge', edges)
  expectBits(snapshot, 'pageObject', nodes)
  for (const key of ['unreachableCount', 'totalSize'])
    if (typeof snapshot[key] !== 'number') throw new RestoreError(`no ${key}`)
  return state as HeapSnapshot
}
