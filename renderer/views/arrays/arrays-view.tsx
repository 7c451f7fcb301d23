// Arrays: every JS Array, typed array and ArrayBuffer by retained size, with length and store
// bytes, in a virtualized table loaded a page at a time; each row asks "Why alive?" (its button,
// or Enter on the row; arrow keys move between rows).
import type { ArrayEntry, HeapgraphApi, SnapshotInfo } from '../../../shared/protocol'
import { ObjectCells } from '../../components/object-cells'
import {
  useActiveRow,
  VirtualTable,
  type Column,
  type RowView,
} from '../../components/virtual-rows'
import { formatBytes } from '../../format'
import { MoreRow } from '../../components/more-row'
import { usePages } from '../../components/use-pages'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onWhy: (node: number) => void
}

const PAGE = 200

const COLUMNS: readonly Column[] = [
  { id: 'object', label: 'Object' },
  { id: 'distance', label: 'Distance', numeric: true, width: '5rem' },
  { id: 'self', label: 'Self', numeric: true, width: '5.5rem' },
  { id: 'retained', label: 'Retained', numeric: true, width: '5.5rem' },
  { id: 'kind', label: 'Kind', width: '6.5rem' },
  { id: 'length', label: 'Length', numeric: true, width: '5rem' },
  { id: 'store', label: 'Store', numeric: true, width: '5.5rem' },
  { id: 'why', label: '', width: '6.5rem' },
]

function ArrayCells({
  entry,
  onWhy,
}: {
  entry: ArrayEntry
  onWhy: (node: number) => void
}): React.JSX.Element {
  return (
    <>
      <ObjectCells object={entry} />
      <td>{entry.kind}</td>
      <td className="number">
        {entry.length === null
          ? '?'
          : `${entry.lengthIsEstimate ? '~' : ''}${entry.length.toLocaleString('en-US')}`}
      </td>
      <td className="number">{formatBytes(entry.storeSize)}</td>
      <td>
        <button
          tabIndex={-1}
          // A click must not scroll the table sideways to the button: the details pane answers.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onWhy(entry.node)}
        >
          Why alive?
        </button>
      </td>
    </>
  )
}

function ArraysTable({ api, snapshot, onWhy }: Props): React.JSX.Element {
  const pages = usePages(
    (start, count) =>
      api.getArrays({
        snapshotId: snapshot.snapshotId,
        start,
        count,
        kinds: ['array', 'typed-array', 'array-buffer'],
      }),
    PAGE,
    [snapshot.snapshotId],
  )
  const { items, error } = pages
  const [active, setActive] = useActiveRow(items.length)
  const describe = (row: number): RowView => ({
    key: String(items[row].node),
    cells: <ArrayCells entry={items[row]} onWhy={onWhy} />,
  })
  return (
    <section className="arrays">
      <h1>Arrays</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <VirtualTable
        label="Arrays"
        columns={COLUMNS}
        rowCount={items.length}
        row={describe}
        active={active}
        onActiveChange={setActive}
        onActivate={(row) => onWhy(items[row].node)}
        maxHeight="calc(100vh - 15rem)"
        empty={pages.total !== null && <p className="muted">No arrays.</p>}
      />
      <MoreRow pages={pages} />
    </section>
  )
}

/** One table per snapshot. */
export function ArraysView(props: Props): React.JSX.Element {
  return <ArraysTable key={props.snapshot.snapshotId} {...props} />
}
