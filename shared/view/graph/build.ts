// The graph model: what is drawn (nodes, edges, their marks) and how it is built from paths,
// expansions and options; the other modules of this folder fold, mark, lay out and export it.
import type {
  EdgeSummary,
  MapSlot,
  ObjectSummary,
  PathEdge,
  PathStepDto,
  Reference,
} from '../../protocol'
import { formatReference, objectLabel } from '../format'
import type { GraphCut } from './cut'

/** How many retainers an expanded node shows before folding the rest into "N more". */
export const MAX_FAN_IN = 8

/** Beyond this many drawn nodes the view stops expanding: layout and drawing stay bounded. */
export const MAX_GRAPH_NODES = 200

export type NodeKind = 'root' | 'target' | 'object' | 'more'

/** Which V8 internal a folded edge stands for. */
export type FoldKind = 'elements' | 'properties' | 'table' | 'context'

export interface GraphNode {
  id: string
  node: number | null
  label: string
  className: string
  /** The object's name as DevTools shows it ('system / PropertyCell', a function's name). */
  name: string
  /** V8's node type ('object', 'array', 'closure', ...); '' for an "N more" node. */
  type: string
  selfSize: number
  retainedSize: number
  kind: NodeKind
  /** Number (1, 2, ...) of the cycle this node shares with another drawn node, else null. */
  cycle: number | null
  /** V8 internals folded into this node, for people: "(array) @12 (its elements)". */
  folded: string[]
  /** Distance from the GC roots (null for an "N more" node or an object no root reaches). */
  distance: number | null
  /** One of the objects the graph was asked to mark as new (GraphOptions.highlight). */
  isNew: boolean
  /** Freed by the cut the graph shows (GraphOptions.cut). */
  isFreed: boolean
  /** On the path that keeps the target alive despite the cut. */
  isOnAlivePath: boolean
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  label: string
  /** V8's edge type and name (of the step that names it, for a folded edge). */
  type: string
  name: string
  /** Set on an unfolded edge that is a slot of a Map's hash table (see MapSlot). */
  mapSlot?: MapSlot
  isWeak: boolean
  /** The V8 internal this edge folds, or null for an edge of the snapshot as it is. */
  via: FoldKind | null
  /**
   * The object whose own reference `name` is: the source, or for a folded Map entry or
   * captured variable the hash table or context it folds; null for an "N more" edge.
   */
  holder: number | null
  /** The edge ordinal of the holder's reference `name`, where known (what a cut takes). */
  ordinal: number | null
  /** The reference cut by GraphOptions.cut (or one of its copies). */
  isCut: boolean
  /** On the path that keeps the target alive despite the cut. */
  isOnAlivePath: boolean
}

export interface Expansion {
  retainers: Reference[]
  total: number
}

/** A known reference between two objects (an array's element edge), used to fold its store. */
export interface Link {
  source: number
  target: number
  /** The source's own reference; `ordinal` is its edge ordinal in the snapshot. */
  edge: { type: string; name: string; ordinal?: number | null }
}

/** A store slot whose owner's own edge to the item is not drawn yet: ask the item's retainers. */
export interface ItemLookup {
  owner: number
  item: number
}

export interface GraphOptions {
  showWeak?: boolean
  /** Draw V8 internals as they are (no folding). */
  showInternals?: boolean
  /** Owners' own element and property edges, looked up to fold store steps (see linksFrom). */
  links?: readonly Link[]
  /** Cycle key per node (see cycleEntries); null when the node is in no cycle. */
  cycles?: ReadonlyMap<number, string | null>
  /** Objects (node ordinals) to mark as new. */
  highlight?: ReadonlySet<number>
  /** A cut to show; its alive path must be among the paths too (see pathsWithCut). */
  cut?: GraphCut | null
}

export interface GraphModel {
  nodes: GraphNode[]
  edges: GraphEdge[]
}

export const nodeId = (node: number): string => `n${node}`

function objectNode(object: ObjectSummary, kind: NodeKind): GraphNode {
  return {
    id: nodeId(object.node),
    node: object.node,
    label: objectLabel(object),
    className: object.className,
    name: object.name,
    type: object.type,
    selfSize: object.selfSize,
    retainedSize: object.retainedSize,
    kind,
    cycle: null,
    folded: [],
    distance: object.distance,
    isNew: false,
    isFreed: false,
    isOnAlivePath: false,
  }
}

export const unmarkedEdge = { isCut: false, isOnAlivePath: false } as const

function rawEdge(
  source: number,
  target: number,
  edge: PathEdge | EdgeSummary,
  isWeak: boolean,
): GraphEdge {
  const ordinal = 'ordinal' in edge ? edge.ordinal : 'edge' in edge ? edge.edge : undefined
  return {
    id: `${nodeId(source)}>${nodeId(target)}:${edge.type}:${edge.name}`,
    source: nodeId(source),
    target: nodeId(target),
    label: formatReference(edge),
    type: edge.type,
    name: edge.name,
    ...(edge.mapSlot && { mapSlot: edge.mapSlot }),
    isWeak,
    via: null,
    holder: source,
    ordinal: ordinal ?? null,
    ...unmarkedEdge,
  }
}

/** The objects a graph is about: one, or several for a merged graph. */
export type Targets = ObjectSummary | readonly ObjectSummary[]

const targetList = (targets: Targets): readonly ObjectSummary[] =>
  'node' in targets ? [targets] : targets

/** The snapshot's own subgraph: paths merged by node, expansions with their "N more". */
export function collectGraph(
  targets: Targets,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  showWeak: boolean,
): GraphModel {
  const nodes = new Map<string, GraphNode>()
  const edges = new Map<string, GraphEdge>()
  const addNode = (object: ObjectSummary, kind: NodeKind): string => {
    const id = nodeId(object.node)
    const existing = nodes.get(id)
    if (!existing || (existing.kind === 'object' && kind !== 'object')) {
      nodes.set(id, objectNode(object, kind))
    }
    return id
  }
  const addEdge = (edge: GraphEdge): void => {
    edges.set(edge.id, edge)
  }
  const targetNodes = new Set(targetList(targets).map((target) => target.node))
  for (const target of targetList(targets)) addNode(target, 'target')
  for (const path of paths) {
    path.forEach((step, position) => {
      const kind = position === 0 ? 'root' : targetNodes.has(step.node.node) ? 'target' : 'object'
      addNode(step.node, kind)
      if (position > 0 && step.edge) {
        addEdge(rawEdge(path[position - 1].node.node, step.node.node, step.edge, false))
      }
    })
  }
  for (const [expanded, expansion] of expansions) {
    if (!nodes.has(nodeId(expanded))) continue
    addExpansion(expanded, expansion, showWeak, addNode, addEdge, nodes)
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] }
}

export function addExpansion(
  expanded: number,
  { retainers, total }: Expansion,
  showWeak: boolean,
  addNode: (object: ObjectSummary, kind: NodeKind) => string,
  addEdge: (edge: GraphEdge) => void,
  nodes: Map<string, GraphNode>,
): void {
  const retained = nodeId(expanded)
  let shown = 0
  for (const reference of retainers) {
    if (reference.edge.isWeak && !showWeak) continue
    if (shown === MAX_FAN_IN) break
    addNode(reference.node, 'object')
    addEdge(rawEdge(reference.node.node, expanded, reference.edge, reference.edge.isWeak))
    shown++
  }
  const hidden = total - shown
  if (hidden <= 0) return
  const id = `more-${expanded}`
  nodes.set(id, {
    id,
    node: null,
    label: `${hidden.toLocaleString('en-US')} more`,
    className: '',
    name: '',
    type: '',
    selfSize: 0,
    retainedSize: 0,
    kind: 'more',
    cycle: null,
    folded: [],
    distance: null,
    isNew: false,
    isFreed: false,
    isOnAlivePath: false,
  })
  addEdge({
    id: `${id}>${retained}`,
    source: id,
    target: retained,
    label: '',
    type: '',
    name: '',
    isWeak: false,
    via: null,
    holder: null,
    ordinal: null,
    ...unmarkedEdge,
  })
}
