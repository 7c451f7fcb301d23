// A snapshot read back from the index cache is checked before use: every per-node and per-edge
// array has the length and type the counts say, and the CSR offsets end where they must. A
// checksum already guards the bytes; this guards against a file from a build whose state had
// another shape under the same format number.
import { BitVector } from '../../../shared/heap/analyses/bit-vector'
import type { HeapSnapshot } from '../../../shared/heap/snapshot'

export class RestoreError extends Error {}

type ArrayType = { new (length: number): unknown; readonly name: string }

function expectArray(
  owner: Record<string, unknown>,
  key: string,
  type: ArrayType,
  length: number | null,
): void {
  const value = owner[key]
  if (!(value instanceof type)) throw new RestoreError(`${key} is not a ${type.name}`)
  const actual = (value as { length: number }).length
  if (length !== null && actual !== length)
    throw new RestoreError(`${key} has ${actual} items, not ${length}`)
}

function expectBits(owner: Record<string, unknown>, key: string, size: number): void {
  const value = owner[key]
  if (!(value instanceof BitVector) || value.size !== size)
    throw new RestoreError(`${key} is not a bit vector of ${size}`)
}

/** `state` as a HeapSnapshot, or a RestoreError naming what does not fit. */
export function checkRestoredSnapshot(state: unknown): HeapSnapshot {
  if (typeof state !== 'object' || state === null) throw new RestoreError('no snapshot')
  const snapshot = state as Record<string, unknown>
  const graph = snapshot.graph as Record<string, unknown> | undefined
  if (typeof graph !== 'object' || graph === null) throw new RestoreError('no graph')
  const nodes = graph.nodeCount
  const edges = graph.edgeCount
  if (typeof nodes !== 'number' || typeof edges !== 'number' || nodes < 1)
    throw new RestoreError('no node or edge count')
  const perNode: Array<[string, ArrayType]> = [
    ['nodeType', Uint8Array],
    ['nodeName', Uint32Array],
    ['objectId', Uint32Array],
    ['rawSelfSize', Float64Array],
    ['traceNodeId', Uint32Array],
    ['detachedness', Uint8Array],
  ]
  for (const [key, type] of perNode) expectArray(graph, key, type, nodes)
  expectArray(graph, 'firstEdge', Uint32Array, nodes + 1)
  expectArray(graph, 'firstRetainer', Uint32Array, nodes + 1)
  for (const key of ['edgeNameOrIndex', 'edgeTarget', 'retainerEdge', 'retainerNode'])
    expectArray(graph, key, Uint32Array, edges)
  expectArray(graph, 'edgeType', Uint8Array, edges)
  expectArray(graph, 'samples', Float64Array, null)
  if (!Array.isArray(graph.strings)) throw new RestoreError('no string table')
  const firstEdge = graph.firstEdge as Uint32Array
  const firstRetainer = graph.firstRetainer as Uint32Array
  if (firstEdge[nodes] !== edges || firstRetainer[nodes] !== edges)
    throw new RestoreError('edge offsets do not end at the edge count')
  const analyses: Array<[string, ArrayType]> = [
    ['selfSize', Float64Array],
    ['retainedSize', Float64Array],
    ['retainedCount', Uint32Array],
    ['dominator', Uint32Array],
    ['distance', Int32Array],
    ['className', Uint32Array],
    ['nodeLocation', Int32Array],
  ]
  for (const [key, type] of analyses) expectArray(snapshot, key, type, nodes)
  expectArray(snapshot, 'firstDominated', Uint32Array, nodes + 1)
  expectArray(snapshot, 'dominatedNode', Uint32Array, nodes - 1)
  expectBits(snapshot, 'essentialEdge', edges)
  expectBits(snapshot, 'pageObject', nodes)
  for (const key of ['unreachableCount', 'totalSize'])
    if (typeof snapshot[key] !== 'number') throw new RestoreError(`no ${key}`)
  return state as HeapSnapshot
}
