// The retainer graph of several objects at once (a leak cluster's heads, a class's new objects):
// each object's first retainer path, merged by node so that the shared prefix is drawn once and
// a cluster reads as one subgraph, the objects themselves marked new. At most
// MERGED_GRAPH_OBJECTS objects, so the graph stays small (and under MAX_GRAPH_NODES).
import { useMemo } from 'react'
import type { HeapgraphApi, ObjectSummary, PathStepDto } from '../../../shared/protocol'
import { useQuery } from '../../components/use-query'
import { RetainerGraph } from './graph-view'

/** How many objects one merged graph draws. */
export const MERGED_GRAPH_OBJECTS = 8

interface Merged {
  targets: ObjectSummary[]
  paths: PathStepDto[][]
  /** Ids not found in this snapshot. */
  missing: number[]
  /** Objects no GC root reaches (drawn alone). */
  unreachable: number
}

/** Finds each object by its V8 id and asks for its first retainer path. */
async function loadMerged(
  api: HeapgraphApi,
  snapshotId: string,
  objectIds: readonly number[],
): Promise<Merged> {
  const found = await Promise.all(
    objectIds.slice(0, MERGED_GRAPH_OBJECTS).map(async (objectId) => {
      const object = await api.findObject({ snapshotId, objectId })
      if (!object) return { objectId, object: null, paths: [] }
      const answer = await api.findRetainerPaths({ snapshotId, node: object.node, count: 1 })
      return { objectId, object, paths: answer.paths }
    }),
  )
  const targets = found.flatMap((entry) => (entry.object ? [entry.object] : []))
  return {
    targets,
    paths: found.flatMap((entry) => entry.paths),
    missing: found.filter((entry) => !entry.object).map((entry) => entry.objectId),
    unreachable: found.filter((entry) => entry.object && entry.paths.length === 0).length,
  }
}

export function MergedGraphView({
  api,
  snapshotId,
  objectIds,
  title,
  onObject,
}: {
  api: HeapgraphApi
  snapshotId: string
  /** V8 ids of the objects to draw (the first MERGED_GRAPH_OBJECTS), all marked new. */
  objectIds: readonly number[]
  /** What the objects are, for people and exports: "8 new SequenceLeakedRecord objects". */
  title: string
  onObject: (node: number) => void
}): React.JSX.Element {
  const wanted = objectIds.slice(0, MERGED_GRAPH_OBJECTS).join(',')
  const merged = useQuery(() => loadMerged(api, snapshotId, objectIds), [api, snapshotId, wanted])
  const highlight = useMemo(
    () => new Set(merged.data?.targets.map((target) => target.node) ?? []),
    [merged.data],
  )
  if (merged.error) {
    return (
      <p role="alert" className="error">
        {merged.error}
      </p>
    )
  }
  if (!merged.data) return <p className="muted">Finding the retainer paths of {title}…</p>
  const { targets, paths, missing, unreachable } = merged.data
  return (
    <div className="merged-graph">
      <p className="muted">
        First retainer path of each of {title}, merged where they share references.
        {missing.length > 0 && ` Not in this snapshot: ${missing.map((id) => `@${id}`).join(' ')}.`}
        {unreachable > 0 && ` ${unreachable} of them no GC root reaches: drawn alone.`}
      </p>
      {targets.length > 0 && (
        <RetainerGraph
          api={api}
          snapshotId={snapshotId}
          targets={targets}
          paths={paths}
          onObject={onObject}
          highlight={highlight}
          title={`Retainers of ${title}`}
          fileName={`heapgraph-merged-${targets[0].id}`}
        />
      )}
    </div>
  )
}
