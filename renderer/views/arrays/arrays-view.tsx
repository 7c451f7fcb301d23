// Arrays: every JS Array, typed array and ArrayBuffer with what holds it, sortable by retained
// or self size, length or store bytes and filtered by label or retainer path, all in the engine;
// or grouped by retainer path (as memlab clusters leaks). A virtualized table loaded a page at a
// time; each row asks "Why alive?" (its button, or Enter on the row; arrow keys move).
import { useEffect, useState } from 'react'
import type { ArrayKind, ArraySortKey, HeapgraphApi, SnapshotInfo } from '../../../shared/protocol'
import {
  useActiveRow,
  VirtualTable,
  type RowView,
  type SortState,
} from '../../components/virtual-rows'
import { MoreRow } from '../../components/more-row'
import { usePages } from '../../components/use-pages'
import { ARRAY_COLUMNS, ArrayCells } from './array-cells'
import { GroupedArrays } from './array-groups'
import '../tables.css'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onWhy: (node: number) => void
}

const PAGE = 200
const KINDS: ArrayKind[] = ['array', 'typed-array', 'array-buffer']
const DEFAULT_SORT: SortState = { column: 'retainedSize', direction: 'descending' }
/** How long typing pauses before the filter goes to the engine. */
const FILTER_DELAY_MS = 250

/** The same column again flips the order; another starts biggest first. */
function nextSort(current: SortState, column: string): SortState {
  if (current.column !== column) return { column, direction: 'descending' }
  return {
    column,
    direction: current.direction === 'descending' ? 'ascending' : 'descending',
  }
}

/** `value`, once it has stayed the same for `delayMs`. */
function useSettled(value: string, delayMs: number): string {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs)
    return () => clearTimeout(timer)
  }, [value, delayMs])
  return settled
}

function FlatArrays({
  api,
  snapshotId,
  filter,
  sort,
  onSort,
  onWhy,
}: {
  api: HeapgraphApi
  snapshotId: string
  filter: string
  sort: SortState
  onSort: (column: string) => void
  onWhy: (node: number) => void
}): React.JSX.Element {
  const by = sort.column as ArraySortKey
  const pages = usePages(
    (start, count) =>
      api.getArrays({
        snapshotId,
        start,
        count,
        kinds: KINDS,
        sort: by,
        order: sort.direction,
        filter: filter || undefined,
        withHolders: true,
      }),
    PAGE,
    [snapshotId, by, sort.direction, filter],
  )
  const { items, error } = pages
  const [active, setActive] = useActiveRow(items.length)
  const describe = (row: number): RowView => ({
    key: String(items[row].node),
    cells: <ArrayCells entry={items[row]} onWhy={onWhy} />,
  })
  return (
    <>
      <p className="muted" aria-live="polite">
        {pages.total === null
          ? error
            ? ''
            : 'Loading arrays…'
          : `${pages.total.toLocaleString('en-US')} ${pages.total === 1 ? 'array' : 'arrays'}${filter ? ` matching “${filter}”` : ''}. “Held by” is the object that holds each one on a shortest retainer path, as “Why alive?” reads it.`}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <VirtualTable
        label="Arrays"
        columns={ARRAY_COLUMNS}
        rowCount={items.length}
        row={describe}
        active={active}
        onActiveChange={setActive}
        onActivate={(row) => onWhy(items[row].node)}
        sort={sort}
        onSort={(column) => {
          onSort(column)
          setActive(0)
        }}
        scrollResetKey={`${by} ${sort.direction} ${filter}`}
        maxHeight="calc(100vh - 17rem)"
        empty={
          pages.total !== null && (
            <p className="muted">{filter ? `No array matches “${filter}”.` : 'No arrays.'}</p>
          )
        }
      />
      <MoreRow pages={pages} />
    </>
  )
}

function ArraysTable({ api, snapshot, onWhy }: Props): React.JSX.Element {
  const [text, setText] = useState('')
  const filter = useSettled(text.trim(), FILTER_DELAY_MS)
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT)
  const [grouped, setGrouped] = useState(false)
  const onSort = (column: string): void => setSort((current) => nextSort(current, column))
  const shared = { api, snapshotId: snapshot.snapshotId, filter, sort, onSort, onWhy }
  return (
    <section className="arrays">
      <h1>Arrays</h1>
      <div className="table-tools">
        <input
          type="search"
          aria-label="Filter arrays"
          placeholder="Filter: label, class, property"
          title="Arrays whose label, or the classes and references of their four nearest retainers, contain this text"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <label>
          <input
            type="checkbox"
            checked={grouped}
            onChange={(event) => setGrouped(event.target.checked)}
          />{' '}
          Group by retainer path
        </label>
      </div>
      {grouped ? (
        <GroupedArrays
          key={`${sort.column} ${sort.direction} ${filter}`}
          {...shared}
          kinds={KINDS}
          columns={ARRAY_COLUMNS}
        />
      ) : (
        <FlatArrays {...shared} />
      )}
    </section>
  )
}

/** One table per snapshot. */
export function ArraysView(props: Props): React.JSX.Element {
  return <ArraysTable key={props.snapshot.snapshotId} {...props} />
}
