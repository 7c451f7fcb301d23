// Dispatches the protocol's query methods to the engine for one loaded snapshot. Runs inside an
// engine host (its own process); arguments arrive validated. Comparisons read the older
// snapshot's condensed form (DiffBase), which the backend hands the host beforehand.
import type { ApiResults, ClassDiff, Page, ParsedArgs } from '../../../shared/protocol'
import { ApiError } from '../../../shared/protocol'
import type { HeapSnapshot } from '../../../shared/heap/snapshot'
import { getAllocationStack } from '../../../shared/heap/queries/allocations'
import { getAllocationTimeline } from '../../../shared/heap/queries/allocation-filters'
import { getArrayGroups, getArrays } from '../../../shared/heap/queries/arrays'
import { getCycle } from '../../../shared/heap/queries/cycles'
import {
  deletedObjectsOfClass,
  diffSnapshots,
  newObjectsOfClass,
  type DiffBase,
} from '../../../shared/heap/queries/diff'
import {
  clampRange,
  describeObject,
  findNodeById,
  getDominatedChildren,
  getOutgoingEdges,
  getRetainers,
  summarizeObject,
} from '../../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../../shared/heap/queries/paths'
import { explainRetention } from '../../../shared/heap/queries/explain'
import { cutReference } from '../../../shared/heap/queries/cut'
import { searchObjects } from '../../../shared/heap/queries/search'
import { getClassMembers, getSummary } from '../../../shared/heap/queries/summary'
import { compareSnapshotIds } from '../../../shared/heap/queries/leaks'
import { getDuplicateStrings } from '../../../shared/heap/queries/strings'
import { getDetachedTrees } from '../../../shared/heap/queries/detached'
import { getClosureLeaks } from '../../../shared/heap/queries/closures'
import { getRetainedBy } from '../../../shared/heap/queries/retained-by'

export type QueryMethod =
  | 'getSummary'
  | 'getClassMembers'
  | 'findObject'
  | 'getObject'
  | 'getEdges'
  | 'getRetainers'
  | 'findRetainerPaths'
  | 'explainRetention'
  | 'getDominatedChildren'
  | 'getArrays'
  | 'getArrayGroups'
  | 'getCycle'
  | 'search'
  | 'getAllocationStack'
  | 'getAllocationTimeline'
  | 'diffSnapshots'
  | 'compareSnapshotIds'
  | 'getNewObjects'
  | 'getDeletedObjects'
  | 'cutReference'
  | 'getDuplicateStrings'
  | 'getDetachedTrees'
  | 'getClosureLeaks'
  | 'getRetainedBy'

export const QUERY_METHODS: readonly QueryMethod[] = [
  'getSummary',
  'getClassMembers',
  'findObject',
  'getObject',
  'getEdges',
  'getRetainers',
  'findRetainerPaths',
  'explainRetention',
  'getDominatedChildren',
  'getArrays',
  'getArrayGroups',
  'getCycle',
  'search',
  'getAllocationStack',
  'getAllocationTimeline',
  'diffSnapshots',
  'compareSnapshotIds',
  'getNewObjects',
  'getDeletedObjects',
  'cutReference',
  'getDuplicateStrings',
  'getDetachedTrees',
  'getClosureLeaks',
  'getRetainedBy',
]

/** What a query may need besides its snapshot. */
export interface QueryContext {
  /** The condensed older snapshot of a comparison, by its snapshot id. */
  diffBase(baseSnapshotId: string): DiffBase
}

function checkNode(snapshot: HeapSnapshot, node: number): number {
  if (node >= snapshot.graph.nodeCount) {
    throw new ApiError('no-object', `there is no node ${node} in this snapshot`)
  }
  return node
}

/** Entries whose class name contains `filter`, ignoring case (all without one). */
function byClassName<T extends { className: string }>(entries: T[], filter?: string): T[] {
  const needle = filter?.toLowerCase()
  return needle
    ? entries.filter((entry) => entry.className.toLowerCase().includes(needle))
    : entries
}

/** A class with no net change: as many new objects as deleted, of the same sizes. */
function isUnchanged(entry: ClassDiff): boolean {
  return entry.countDelta === 0 && entry.sizeDelta === 0 && entry.retainedSizeDelta === 0
}

function pageOf<T>(items: T[], start: number, count: number): Page<T> {
  const [from, to] = clampRange(items.length, start, count)
  return { start: from, total: items.length, items: items.slice(from, to) }
}

/** Runs one query against a snapshot. */
export function runQuery<M extends QueryMethod>(
  snapshot: HeapSnapshot,
  method: M,
  args: ParsedArgs<M>,
  context: QueryContext,
): ApiResults[M] {
  const run = (): unknown => {
    switch (method) {
      case 'getSummary': {
        const { start, count, filter, only } = args as ParsedArgs<'getSummary'>
        return pageOf(byClassName(getSummary(snapshot, only), filter), start, count)
      }
      case 'getClassMembers': {
        const { classKey, start, count, withPreview, only } = args as ParsedArgs<'getClassMembers'>
        return getClassMembers(snapshot, classKey, start, count, { withPreview, filter: only })
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
      case 'explainRetention': {
        const { node, count, internals, withFix } = args as ParsedArgs<'explainRetention'>
        return explainRetention(snapshot, checkNode(snapshot, node), { count, internals, withFix })
      }
      case 'getDominatedChildren': {
        const { node, start, count } = args as ParsedArgs<'getDominatedChildren'>
        return getDominatedChildren(snapshot, checkNode(snapshot, node), start, count)
      }
      case 'getArrays': {
        const query = args as ParsedArgs<'getArrays'>
        return getArrays(snapshot, query)
      }
      case 'getArrayGroups':
        return getArrayGroups(snapshot, args as ParsedArgs<'getArrayGroups'>)
      case 'getCycle':
        return getCycle(snapshot, checkNode(snapshot, (args as ParsedArgs<'getCycle'>).node))
      case 'search': {
        const { text, start, count } = args as ParsedArgs<'search'>
        return searchObjects(snapshot, { text, start, count })
      }
      case 'getAllocationTimeline':
        return getAllocationTimeline(snapshot)
      case 'getAllocationStack':
        return getAllocationStack(
          snapshot,
          checkNode(snapshot, (args as ParsedArgs<'getAllocationStack'>).node),
        )
      case 'diffSnapshots': {
        const { baseSnapshotId, start, count, filter, hideUnchanged } =
          args as ParsedArgs<'diffSnapshots'>
        const classes = diffSnapshots(snapshot, context.diffBase(baseSnapshotId))
        // If asked, not the classes whose objects were only replaced one for one.
        const shown = hideUnchanged ? classes.filter((entry) => !isUnchanged(entry)) : classes
        return pageOf(byClassName(shown, filter), start, count)
      }
      case 'compareSnapshotIds': {
        const { baseSnapshotId } = args as ParsedArgs<'compareSnapshotIds'>
        return compareSnapshotIds(snapshot, context.diffBase(baseSnapshotId))
      }
      case 'cutReference': {
        const { from, edge, edgeName, target } = args as ParsedArgs<'cutReference'>
        checkNode(snapshot, from)
        if (target !== undefined) checkNode(snapshot, target)
        return cutReference(snapshot, { from, edge, edgeName, target })
      }
      case 'getNewObjects': {
        const { baseSnapshotId, classKey, start, count } = args as ParsedArgs<'getNewObjects'>
        return newObjectsOfClass(snapshot, context.diffBase(baseSnapshotId), classKey, start, count)
      }
      case 'getDeletedObjects': {
        const { baseSnapshotId, classKey, start, count } = args as ParsedArgs<'getDeletedObjects'>
        return deletedObjectsOfClass(
          snapshot,
          context.diffBase(baseSnapshotId),
          classKey,
          start,
          count,
        )
      }
      case 'getDuplicateStrings':
        return getDuplicateStrings(snapshot, args as ParsedArgs<'getDuplicateStrings'>)
      case 'getDetachedTrees':
        return getDetachedTrees(snapshot, args as ParsedArgs<'getDetachedTrees'>)
      case 'getClosureLeaks':
        return getClosureLeaks(snapshot, args as ParsedArgs<'getClosureLeaks'>)
      case 'getRetainedBy':
        return getRetainedBy(snapshot, args as ParsedArgs<'getRetainedBy'>)
    }
  }
  return run() as ApiResults[M]
}
