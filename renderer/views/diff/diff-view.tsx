// Diff: this snapshot against an older one of the same process, per class as DevTools'
// Comparison view counts it (new, deleted, count change, allocated, freed, size change) plus the
// change in retained size; classes with no net change (objects only replaced one for one) are
// hidden unless asked for. Selecting a class lists its new objects (paged), each one a click
// away from "Why alive?", and its deleted ones, and can draw the first new ones in one retainer
// graph. Every list has column headers.
import { useState } from 'react'
import type { ClassDiff, HeapgraphApi, SnapshotInfo } from '../../../shared/protocol'
import { MoreRow } from '../../components/more-row'
import { ObjectCells } from '../../components/object-cells'
import { usePages } from '../../components/use-pages'
import { useQuery } from '../../components/use-query'
import {
  useActiveRow,
  VirtualTable,
  type Column,
  type RowView,
} from '../../components/virtual-rows'
import { fileName, formatBytes } from '../../format'
import { MERGED_GRAPH_OBJECTS, MergedGraphView } from '../graph/merged-graph-view'
import '../tables.css'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  /** Every open snapshot: the candidates for the base. */
  snapshots: SnapshotInfo[]
  /** The base to start with (e.g. the previous capture of the same target). */
  initialBase?: string
  onObject: (node: number) => void
}

/** The columns of the new objects' list (ObjectCells). */
const OBJECT_COLUMNS = ['Object', 'Distance', 'Self', 'Retained'] as const

const COLUMNS: readonly Column[] = [
  { id: 'class', label: 'Class' },
  { id: 'new', label: '# New', numeric: true, width: '6rem' },
  { id: 'deleted', label: '# Deleted', numeric: true, width: '6rem' },
  { id: 'delta', label: '# Delta', numeric: true, width: '6rem' },
  { id: 'allocated', label: 'Alloc. size', numeric: true, width: '7rem' },
  { id: 'freed', label: 'Freed size', numeric: true, width: '7rem' },
  { id: 'size', label: 'Size delta', numeric: true, width: '7rem' },
  { id: 'retained', label: 'Retained delta', numeric: true, width: '9rem' },
]

function signedCount(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(value).toLocaleString('en-US')}`
}

function signedBytes(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${formatBytes(Math.abs(value))}`
}

function DiffCells({ entry }: { entry: ClassDiff }): React.JSX.Element {
  return (
    <>
      <td className="name" title={entry.classKey}>
        {entry.className}
      </td>
      <td className="number">{entry.addedCount.toLocaleString('en-US')}</td>
      <td className="number">{entry.removedCount.toLocaleString('en-US')}</td>
      <td className="number">{signedCount(entry.countDelta)}</td>
      <td className="number">{formatBytes(entry.addedSize)}</td>
      <td className="number">{formatBytes(entry.removedSize)}</td>
      <td className="number">{signedBytes(entry.sizeDelta)}</td>
      <td className="number">{signedBytes(entry.retainedSizeDelta)}</td>
    </>
  )
}

function NewObjects({
  api,
  snapshotId,
  baseSnapshotId,
  entry,
  onObject,
}: {
  api: HeapgraphApi
  snapshotId: string
  baseSnapshotId: string
  entry: ClassDiff
  onObject: (node: number) => void
}): React.JSX.Element {
  const pages = usePages(
    (start, count) =>
      api.getNewObjects({ snapshotId, baseSnapshotId, classKey: entry.classKey, start, count }),
    50,
    [snapshotId, baseSnapshotId, entry.classKey],
  )
  const [showGraph, setShowGraph] = useState(false)
  const graphIds = pages.items.slice(0, MERGED_GRAPH_OBJECTS).map((object) => object.id)
  return (
    <section aria-label={`New ${entry.className} objects`}>
      <h2>
        New {entry.className} objects{' '}
        {pages.total !== null && `(${pages.total.toLocaleString('en-US')})`}{' '}
        <button
          aria-pressed={showGraph}
          disabled={pages.items.length === 0}
          onClick={() => setShowGraph(!showGraph)}
        >
          Graph of new objects
        </button>
      </h2>
      {showGraph && graphIds.length > 0 && (
        <MergedGraphView
          api={api}
          snapshotId={snapshotId}
          objectIds={graphIds}
          title={`${graphIds.length} new ${entry.className} objects`}
          onObject={onObject}
        />
      )}
      {pages.error && (
        <p role="alert" className="error">
          {pages.error}
        </p>
      )}
      <table className="object-list" aria-label={`New ${entry.className} objects, one per row`}>
        <colgroup>
          <col />
          <col className="size-column" />
          <col className="size-column" />
          <col className="size-column" />
        </colgroup>
        <thead>
          <tr>
            {OBJECT_COLUMNS.map((label, position) => (
              <th key={label} scope="col" className={position > 0 ? 'number' : undefined}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {pages.items.map((object) => (
            <tr key={object.node} className="member" onClick={() => onObject(object.node)}>
              <ObjectCells object={object} />
            </tr>
          ))}
        </tbody>
      </table>
      <MoreRow pages={pages} />
    </section>
  )
}

function DeletedObjects({
  api,
  snapshotId,
  baseSnapshotId,
  entry,
}: {
  api: HeapgraphApi
  snapshotId: string
  baseSnapshotId: string
  entry: ClassDiff
}): React.JSX.Element {
  const pages = usePages(
    (start, count) =>
      api.getDeletedObjects({
        snapshotId,
        baseSnapshotId,
        classKey: entry.classKey,
        start,
        count,
      }),
    50,
    [snapshotId, baseSnapshotId, entry.classKey],
  )
  return (
    <section aria-label={`Deleted ${entry.className} objects`}>
      <h2>
        Deleted {entry.className} objects{' '}
        {pages.total !== null && `(${pages.total.toLocaleString('en-US')})`}
      </h2>
      <p className="muted">
        Objects of the base that this snapshot no longer has: only their ids and sizes remain.
      </p>
      {pages.error && (
        <p role="alert" className="error">
          {pages.error}
        </p>
      )}
      <table className="object-list deleted-list" aria-label={`Deleted ${entry.className}`}>
        <colgroup>
          <col />
          <col className="size-column" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Object</th>
            <th scope="col" className="number">
              Self (in the base)
            </th>
          </tr>
        </thead>
        <tbody>
          {pages.items.map((object) => (
            <tr key={object.id} className="member">
              <td className="name">
                {entry.className} <span className="id">@{object.id}</span>
              </td>
              <td className="number">{formatBytes(object.selfSize)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreRow pages={pages} />
    </section>
  )
}

export function DiffView({
  api,
  snapshot,
  snapshots,
  initialBase,
  onObject,
}: Props): React.JSX.Element {
  const candidates = snapshots.filter((info) => info.snapshotId !== snapshot.snapshotId)
  // By default the snapshot opened just before this one: the older of the two.
  const position = snapshots.findIndex((info) => info.snapshotId === snapshot.snapshotId)
  const fallback =
    snapshots.slice(0, Math.max(0, position)).at(-1)?.snapshotId ?? candidates[0]?.snapshotId ?? ''
  const [chosen, setBaseId] = useState(initialBase ?? fallback)
  // A base that has gone (closed, its engine died) gives way to the fallback.
  const baseId = candidates.some((info) => info.snapshotId === chosen) ? chosen : fallback
  const [filter, setFilter] = useState('')
  const [showUnchanged, setShowUnchanged] = useState(false)
  const [selected, setSelected] = useState<ClassDiff | null>(null)
  const pages = usePages(
    (start, count) =>
      api.diffSnapshots({
        snapshotId: snapshot.snapshotId,
        baseSnapshotId: baseId,
        start,
        count,
        filter: filter || undefined,
        hideUnchanged: !showUnchanged,
      }),
    500,
    [snapshot.snapshotId, baseId, filter, showUnchanged],
  )
  // How many classes the list leaves out: every class listed with them, minus those shown.
  const everyClass = useQuery(
    () =>
      baseId
        ? api
            .diffSnapshots({
              snapshotId: snapshot.snapshotId,
              baseSnapshotId: baseId,
              count: 0,
              filter: filter || undefined,
            })
            .then((page) => page.total)
        : Promise.resolve(0),
    [snapshot.snapshotId, baseId, filter],
  )
  const hiddenCount =
    showUnchanged || everyClass.data === null || pages.total === null
      ? 0
      : Math.max(0, everyClass.data - pages.total)
  const [active, setActive] = useActiveRow(pages.items.length)
  const describe = (row: number): RowView => ({
    key: pages.items[row].classKey,
    cells: <DiffCells entry={pages.items[row]} />,
    className: pages.items[row] === selected ? 'selected' : undefined,
  })
  const choose = (row: number): void => setSelected(pages.items[row])
  return (
    <section className="diff">
      <h1>Diff</h1>
      {candidates.length === 0 ? (
        <p>Open or take another snapshot of the same process to diff this one against.</p>
      ) : (
        <>
          <div className="row">
            <label>
              Base snapshot{' '}
              <select
                value={baseId}
                onChange={(event) => {
                  setBaseId(event.target.value)
                  setSelected(null)
                }}
              >
                {candidates.map((info) => (
                  <option key={info.snapshotId} value={info.snapshotId}>
                    {fileName(info.file)} ({info.nodeCount.toLocaleString('en-US')} objects)
                  </option>
                ))}
              </select>
            </label>
            <label>
              Class filter{' '}
              <input value={filter} onChange={(event) => setFilter(event.target.value)} />
            </label>
            <label>
              <input
                type="checkbox"
                checked={showUnchanged}
                onChange={(event) => setShowUnchanged(event.target.checked)}
              />{' '}
              Show unchanged classes
            </label>
          </div>
          <p className="muted">
            Objects are matched by their V8 ids, which are stable across snapshots of one process:
            diff snapshots of the same process only.
          </p>
          {pages.error && (
            <p role="alert" className="error">
              {pages.error}
            </p>
          )}
          <VirtualTable
            label="Diff"
            columns={COLUMNS}
            rowCount={pages.items.length}
            row={describe}
            active={active}
            onActiveChange={setActive}
            onActivate={choose}
            onRowClick={choose}
            maxHeight="calc(50vh)"
            empty={pages.total !== null && <p className="muted">No class changed.</p>}
          />
          <MoreRow pages={pages} />
          <p className="muted" aria-live="polite">
            {pages.total !== null &&
              `${pages.total.toLocaleString('en-US')} ${pages.total === 1 ? 'class' : 'classes'} with new or deleted objects${
                hiddenCount > 0
                  ? `; ${hiddenCount.toLocaleString('en-US')} more only replaced objects one for one (same count, self and retained size) and are hidden: “Show unchanged classes” lists them.`
                  : '.'
              }`}
          </p>
          {selected && (
            <>
              <NewObjects
                key={selected.classKey}
                api={api}
                snapshotId={snapshot.snapshotId}
                baseSnapshotId={baseId}
                entry={selected}
                onObject={onObject}
              />
              {selected.removedCount > 0 && (
                <DeletedObjects
                  key={`deleted ${selected.classKey}`}
                  api={api}
                  snapshotId={snapshot.snapshotId}
                  baseSnapshotId={baseId}
                  entry={selected}
                />
              )}
            </>
          )}
        </>
      )}
    </section>
  )
}
