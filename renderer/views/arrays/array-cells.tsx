// The cells of one array row: the object, what holds it, its retained size, length, store bytes
// and its "Why alive?" button, in the Arrays table's column order (ARRAY_COLUMNS). Distance,
// self size and kind are the details pane's (the label already says Array, Float64Array or
// ArrayBuffer): without them the table fits its pane at 1280 px without scrolling sideways.
import type { ArrayEntry } from '../../../shared/protocol'
import { HolderCell, ObjectNameCell } from '../../components/object-cells'
import type { Column } from '../../components/virtual-rows'
import { formatBytes } from '../../format'

/** Column ids of the sortable columns are the engine's sort keys. */
export const ARRAY_COLUMNS: readonly Column[] = [
  { id: 'object', label: 'Object' },
  { id: 'heldBy', label: 'Held by' },
  { id: 'retainedSize', label: 'Retained', numeric: true, sortable: true, width: '5.75rem' },
  { id: 'length', label: 'Length', numeric: true, sortable: true, width: '5rem' },
  { id: 'storeSize', label: 'Store', numeric: true, sortable: true, width: '5rem' },
  { id: 'why', label: '', width: '6.75rem' },
]

export function ArrayCells({
  entry,
  onWhy,
  nameClass = 'name',
}: {
  entry: ArrayEntry
  onWhy: (node: number) => void
  nameClass?: string
}): React.JSX.Element {
  return (
    <>
      <ObjectNameCell object={entry} className={nameClass} />
      <HolderCell holder={entry.heldBy} object={entry} />
      <td className="number">{formatBytes(entry.retainedSize)}</td>
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
