// Dispatches the protocol's query methods to the engine for one loaded snapshot. Runs inside an
// engine host (a worker thread here, a utilityProcess in the app); arguments arrive validated.
import type { ApiResults, ParsedArgs } from '../../shared/protocol'
import { ApiError } from '../../shared/protocol'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getAllocationStack } from '../../shared/heap/queries/allocations'
import { getArrays } from '../../shared/heap/queries/arrays'
import { getCycle } from '../../shared/heap/queries/cycles'
import {
  describeObject,
  findNodeById,
  getDominatedChildren,
  getOutgoingEdges,
  getRetainers,
  summarizeObject,
} from '../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../shared/heap/queries/paths'
import { searchObjects } from '../../shared/heap/queries/search'
import { getClassMembers, getSummary } from '../../shared/heap/queries/summary'

export type QueryMethod =
  | 'getSummary'
  | 'getClassMembers'
  | 'findObject'
  | 'getObject'
  | 'getEdges'
  | 'getRetainers'
  | 'findRetainerPaths'
  | 'getDominatedChildren'
  | 'getArrays'
  | 'getCycle'
  | 'search'
  | 'getAllocationStack'

export const QUERY_METHODS: readonly QueryMethod[] = [
  'getSummary',
  'getClassMembers',
  'findObject',
  'getObject',
  'getEdges',
  'getRetainers',
  'findRetainerPaths',
  'getDominatedChildren',
  'getArrays',
  'getCycle',
  'search',
  'getAllocationStack',
]

function checkNode(snapshot: HeapSnapshot, node: number): number {
  if (node >= snapshot.graph.nodeCount) {
    throw new ApiError('no-object', `there is no node ${node} in this snapshot`)
  }
  return node
}

/** Runs one query against a snapshot. */
export function runQuery<M extends QueryMethod>(
  snapshot: HeapSnapshot,
  method: M,
  args: ParsedArgs<M>,
): ApiResults[M] {
  const run = (): unknown => {
    switch (method) {
      case 'getSummary': {
        const { start, count, filter } = args as ParsedArgs<'getSummary'>
        const needle = filter?.toLowerCase()
        const classes = getSummary(snapshot).filter(
          (entry) => !needle || entry.className.toLowerCase().includes(needle),
        )
        return {
          start: Math.min(start, classes.length),
          total: classes.length,
          items: classes.slice(start, start + count),
        }
      }
      case 'getClassMembers': {
        const { classKey, start, count } = args as ParsedArgs<'getClassMembers'>
        return getClassMembers(snapshot, classKey, start, count)
      }
      case 'findObject': {
        const found = findNodeById(snapshot, (args as ParsedArgs<'findObject'>).objectId)
        return found === null ? null : summarizeObject(snapshot, found)
      }
      case 'getObject':
        return describeObject(snapshot, checkNode(snapshot, (args as ParsedArgs<'getObject'>).node))
      case 'getEdges': {
        const { node, start, count } = args as ParsedArgs<'getEdges'>
        return getOutgoingEdges(snapshot, checkNode(snapshot, node), start, count)
      }
      case 'getRetainers': {
        const { node, start, count } = args as ParsedArgs<'getRetainers'>
        return getRetainers(snapshot, checkNode(snapshot, node), start, count)
      }
      case 'findRetainerPaths': {
        const { node, count } = args as ParsedArgs<'findRetainerPaths'>
        return findRetainerPaths(snapshot, checkNode(snapshot, node), { count })
      }
      case 'getDominatedChildren': {
        const { node, start, count } = args as ParsedArgs<'getDominatedChildren'>
        return getDominatedChildren(snapshot, checkNode(snapshot, node), start, count)
      }
      case 'getArrays': {
        const { start, count, kinds } = args as ParsedArgs<'getArrays'>
        return getArrays(snapshot, { start, count, kinds })
      }
      case 'getCycle':
        return getCycle(snapshot, checkNode(snapshot, (args as ParsedArgs<'getCycle'>).node))
      case 'search': {
        const { text, start, count } = args as ParsedArgs<'search'>
        return searchObjects(snapshot, { text, start, count })
      }
      case 'getAllocationStack':
        return getAllocationStack(
          snapshot,
          checkNode(snapshot, (args as ParsedArgs<'getAllocationStack'>).node),
        )
    }
  }
  return run() as ApiResults[M]
}
