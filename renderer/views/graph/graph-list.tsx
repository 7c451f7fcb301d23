// Beside the canvas: the drawn objects as an accessible list (what holds each one and how, its
// cycle, the V8 internals folded into it, Expand and Open), and the legend of sizes and marks.
import type { GraphEdge, GraphModel, GraphNode } from '../../../shared/view/graph-model'
import { formatBytes } from '../../format'

/** How many of a node's holders the list names before "and N more". */
const HOLDERS_SHOWN = 3

interface ListProps {
  model: GraphModel
  expanded: ReadonlySet<number>
  canExpand: boolean
  onExpand: (node: number) => void
  onOpen: (node: number) => void
}

function heldBy(edges: GraphEdge[], labelOf: (id: string) => string): string {
  const named = edges
    .slice(0, HOLDERS_SHOWN)
    .map((edge) => (edge.label ? `${labelOf(edge.source)} as ${edge.label}` : labelOf(edge.source)))
  const rest = edges.length - named.length
  return `held by ${named.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`
}

function NodeItem({
  node,
  into,
  labelOf,
  props,
}: {
  node: GraphNode
  into: GraphEdge[]
  labelOf: (id: string) => string
  props: ListProps
}): React.JSX.Element {
  const object = node.node
  return (
    <li data-node-id={node.id} data-kind={node.kind} data-cycle={node.cycle ?? undefined}>
      <span className="graph-node-label">{node.label}</span>{' '}
      {node.kind !== 'more' && <span className="id">{formatBytes(node.retainedSize)}</span>}{' '}
      {node.cycle !== null && <span className="cycle-badge">in a cycle ↻{node.cycle}</span>}
      {into.length > 0 && <div className="held-by">{heldBy(into, labelOf)}</div>}
      {node.folded.length > 0 && (
        <div className="folded-note">folds in {node.folded.join(', ')}</div>
      )}
      {object !== null && !props.expanded.has(object) && (
        <button
          onClick={() => props.onExpand(object)}
          disabled={!props.canExpand}
          aria-label={`Expand retainers of ${node.label}`}
        >
          Expand
        </button>
      )}{' '}
      {object !== null && node.kind !== 'target' && (
        <button className="link" onClick={() => props.onOpen(object)}>
          Open
        </button>
      )}
    </li>
  )
}

export function GraphNodeList(props: ListProps): React.JSX.Element {
  const { model } = props
  const labels = new Map(model.nodes.map((node) => [node.id, node.label]))
  const labelOf = (id: string): string => labels.get(id) ?? id
  const into = new Map<string, GraphEdge[]>()
  for (const edge of model.edges) into.set(edge.target, [...(into.get(edge.target) ?? []), edge])
  return (
    <ul className="graph-nodes" aria-label="Objects in the graph">
      {model.nodes.map((node) => (
        <NodeItem
          key={node.id}
          node={node}
          into={into.get(node.id) ?? []}
          labelOf={labelOf}
          props={props}
        />
      ))}
    </ul>
  )
}

export function GraphLegend({ largest }: { largest: number }): React.JSX.Element {
  return (
    <ul className="graph-legend" aria-label="Legend">
      <li>
        <span className="swatch swatch-small" aria-hidden="true" />
        <span className="swatch swatch-large" aria-hidden="true" /> size and shade: retained size
        (log scale, largest {formatBytes(largest)})
      </li>
      <li>
        <span className="swatch swatch-root" aria-hidden="true" /> GC root
      </li>
      <li>
        <span className="swatch swatch-target" aria-hidden="true" /> the object asked about
      </li>
      <li>
        <span className="swatch swatch-cycle" aria-hidden="true" /> in a cycle with another drawn
        object
      </li>
      <li>
        <span className="swatch swatch-weak" aria-hidden="true" /> weak reference
      </li>
    </ul>
  )
}
