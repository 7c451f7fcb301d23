// Dominators: the dominator tree from the root, which DevTools dropped. Each object sits under
// its immediate dominator (the object every path from the roots to it passes through), largest
// retained size first, with its share of the heap: freeing a row frees everything beneath it.
import type { ObjectSummary } from '../../../shared/protocol'
import { ObjectSizeCells } from '../../components/object-cells'
import type { Column } from '../../components/virtual-rows'
import { displayClass } from '../../format'
import { OBJECT_TREE_COLUMNS, TreeTable, type TreeViewProps } from './tree-table'

const COLUMNS: readonly Column[] = [
  ...OBJECT_TREE_COLUMNS,
  { id: 'share', label: '% of heap', numeric: true, width: '6.5rem' },
]

// A node is dominated by one object only: unique among its siblings.
const keyOf = (object: ObjectSummary): string => String(object.node)
const nodeOf = (object: ObjectSummary): number => object.node

/** Retained bytes as a share of the snapshot, one decimal: "12.3%". */
export function formatShare(retainedSize: number, totalSize: number): string {
  if (totalSize <= 0) return '-'
  return `${((100 * retainedSize) / totalSize).toFixed(1)}%`
}

export function DominatorsView({ api, snapshot, onObject }: TreeViewProps): React.JSX.Element {
  const snapshotId = snapshot.snapshotId
  return (
    <section className="tree-view dominators">
      <h1>Dominators</h1>
      <p className="muted tree-intro">
        Each object under its immediate dominator, the one every path from the root to it passes
        through: freeing an object frees everything beneath it. Largest first.
      </p>
      <TreeTable
        key={snapshotId}
        label="Dominators"
        columns={COLUMNS}
        rootNode={snapshot.rootNode}
        fetchChildren={(node, start, count) =>
          api.getDominatedChildren({ snapshotId, node, start, count })
        }
        keyOf={keyOf}
        nodeOf={nodeOf}
        name={(object) => (
          <>
            {object.label} <span className="id">@{object.id}</span>
          </>
        )}
        title={(object) => `${displayClass(object)}: ${object.name} @${object.id}`}
        cells={(object) => (
          <>
            <ObjectSizeCells object={object} />
            <td className="number">{formatShare(object.retainedSize, snapshot.totalSize)}</td>
          </>
        )}
        onObject={onObject}
        empty="The root dominates nothing."
        maxHeight="calc(100vh - 14rem)"
      />
    </section>
  )
}
