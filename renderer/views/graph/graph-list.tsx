// Beside the canvas: the drawn objects as an accessible list (what holds each one and how, with
// a Cut button per reference; its cycle; new, freed by the cut, or keeping the target alive;
// the V8 internals folded into it; Expand and Open), and the legend of sizes and marks.
import { useState } from 'react'
import {
  cutReferenceOf,
  type GraphEdge,
  type GraphModel,
  type GraphNode,
} from '../../../shared/view/graph-model'
import { formatBytes } from '../../format'

/** How many of a node's holders the list names before "and N more". */
const HOLDERS_SHOWN = 3

interface ListProps {
  model: GraphModel
  expanded: ReadonlySet<number>
  canExpand: boolean
  onExpand: (node: number) => void
  onOpen: (node: number) => void
  /** Cuts one reference ("what frees it"); absent where the graph offers no cut. */
  onCut?: (edge: GraphEdge) => void
  /** A cut is being computed: the Cut buttons wait. */
  isCutting?: boolean
}

type LabelOf = (id: string) => string

/** "Map @12 → entry", the words for one reference. */
export function referenceText(edge: GraphEdge, labelOf: LabelOf): string {
  return edge.label ? `${labelOf(edge.source)} → ${edge.label}` : labelOf(edge.source)
}

function Holder({
  edge,
  labelOf,
  props,
}: {
  edge: GraphEdge
  labelOf: LabelOf
  props: ListProps
}): React.JSX.Element {
  const named = edge.label ? `${labelOf(edge.source)} as ${edge.label}` : labelOf(edge.source)
  const { onCut } = props
  return (
    <span className="holder">
      {named}
      {edge.isCut && <span className="cut-badge"> (cut)</span>}
      {onCut && cutReferenceOf(edge) && !edge.isCut && (
        <>
          {' '}
          <button
            className="cut"
            disabled={props.isCutting}
            onClick={() => onCut(edge)}
            aria-label={`Cut ${referenceText(edge, labelOf)} (to ${labelOf(edge.target)})`}
          >
            Cut
          </button>
        </>
      )}
    </span>
  )
}

function HeldBy({
  edges,
  labelOf,
  props,
}: {
  edges: GraphEdge[]
  labelOf: LabelOf
  props: ListProps
}): React.JSX.Element {
  const [showAll, setShowAll] = useState(false)
  const shown = showAll ? edges : edges.slice(0, HOLDERS_SHOWN)
  const rest = edges.length - shown.length
  return (
    <div className="held-by">
      held by{' '}
      {shown.map((edge, position) => (
        <span key={edge.id}>
          {position > 0 && ', '}
          <Holder edge={edge} labelOf={labelOf} props={props} />
        </span>
      ))}
      {rest > 0 && (
        <>
          {' '}
          and {rest} more{' '}
          <button className="link" onClick={() => setShowAll(true)}>
            show all
          </button>
        </>
      )}
    </div>
  )
}

function Badges({ node }: { node: GraphNode }): React.JSX.Element {
  return (
    <>
      {node.isNew && <span className="new-badge">new</span>}{' '}
      {node.cycle !== null && <span className="cycle-badge">in a cycle ↻{node.cycle}</span>}{' '}
      {node.isFreed && <span className="freed-badge">freed by the cut</span>}{' '}
      {node.isOnAlivePath && <span className="alive-badge">keeps it alive</span>}
    </>
  )
}

function NodeItem({
  node,
  into,
  labelOf,
  props,
}: {
  node: GraphNode
  into: GraphEdge[]
  labelOf: LabelOf
  props: ListProps
}): React.JSX.Element {
  const object = node.node
  return (
    <li
      data-node-id={node.id}
      data-kind={node.kind}
      data-cycle={node.cycle ?? undefined}
      data-new={node.isNew || undefined}
      data-freed={node.isFreed || undefined}
      data-retained-size={node.kind === 'more' ? undefined : node.retainedSize}
    >
      <span className="graph-node-label">{node.label}</span>{' '}
      {node.kind !== 'more' && <span className="id">{formatBytes(node.retainedSize)}</span>}{' '}
      <Badges node={node} />
      {into.length > 0 && <HeldBy edges={into} labelOf={labelOf} props={props} />}
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

/** Legend entries for the marks the graph shows now. */
function MarkEntries({ model }: { model: GraphModel }): React.JSX.Element {
  const hasNew = model.nodes.some((node) => node.isNew)
  const hasCut = model.edges.some((edge) => edge.isCut)
  const hasFreed = model.nodes.some((node) => node.isFreed)
  const hasAlive = model.edges.some((edge) => edge.isOnAlivePath)
  return (
    <>
      {hasNew && (
        <li>
          <span className="swatch swatch-new" aria-hidden="true" /> new object
        </li>
      )}
      {hasCut && (
        <li>
          <span className="swatch swatch-cut" aria-hidden="true" /> ✂ cut reference
        </li>
      )}
      {hasFreed && (
        <li>
          <span className="swatch swatch-freed" aria-hidden="true" /> freed by the cut
        </li>
      )}
      {hasAlive && (
        <li>
          <span className="swatch swatch-alive" aria-hidden="true" /> path that keeps it alive
        </li>
      )}
    </>
  )
}

export function GraphLegend({
  largest,
  model,
}: {
  largest: number
  model: GraphModel
}): React.JSX.Element {
  const targets = model.nodes.filter((node) => node.kind === 'target')
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
      {targets.some((node) => !node.isNew) && (
        <li>
          <span className="swatch swatch-target" aria-hidden="true" /> the{' '}
          {targets.length > 1 ? 'objects' : 'object'} asked about
        </li>
      )}
      <li>
        <span className="swatch swatch-cycle" aria-hidden="true" /> in a cycle with another drawn
        object
      </li>
      <li>
        <span className="swatch swatch-weak" aria-hidden="true" /> weak reference
      </li>
      <MarkEntries model={model} />
    </ul>
  )
}
