// Containment: the heap from the root down, as DevTools' Containment view shows it. Each row is a
// reference and the object it reaches; expanding an object lists its own references, a page at
// a time. Weak references are dimmed. Selecting a row shows the object in the details pane.
import type { Reference } from '../../../shared/protocol'
import { ObjectSizeCells } from '../../components/object-cells'
import { formatReference } from '../../format'
import { OBJECT_TREE_COLUMNS, TreeTable, type TreeViewProps } from './tree-table'

const COLUMNS = OBJECT_TREE_COLUMNS

// An edge ordinal is unique among its object's references.
const keyOf = (reference: Reference): string => String(reference.edge.edge)
const nodeOf = (reference: Reference): number => reference.node.node

function ReferenceName({ reference }: { reference: Reference }): React.JSX.Element {
  const { edge, node } = reference
  return (
    <>
      <span className="tree-edge">{formatReference(edge)}</span>
      <span className="tree-separator"> :: </span>
      {node.label} <span className="id">@{node.id}</span>
      {edge.isWeak && <span className="tree-weak">weak</span>}
    </>
  )
}

const title = ({ edge, node }: Reference): string =>
  `${formatReference(edge)}${edge.isWeak ? ' (weak)' : ''} :: ${node.label} @${node.id}`

export function ContainmentView({ api, snapshot, onObject }: TreeViewProps): React.JSX.Element {
  const snapshotId = snapshot.snapshotId
  return (
    <section className="tree-view containment">
      <h1>Containment</h1>
      <p className="muted tree-intro">
        What each object refers to, from the snapshot’s root down. An object reached by several
        references appears under each of them.
      </p>
      <TreeTable
        key={snapshotId}
        label="Containment"
        columns={COLUMNS}
        rootNode={snapshot.rootNode}
        fetchChildren={(node, start, count) => api.getEdges({ snapshotId, node, start, count })}
        keyOf={keyOf}
        nodeOf={nodeOf}
        name={(reference) => <ReferenceName reference={reference} />}
        title={title}
        cells={(reference) => <ObjectSizeCells object={reference.node} />}
        rowClassName={(reference) => (reference.edge.isWeak ? 'weak' : undefined)}
        onObject={onObject}
        empty="The root refers to nothing."
        maxHeight="calc(100vh - 14rem)"
      />
    </section>
  )
}
