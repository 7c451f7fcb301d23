// Shared by the renderer and its tests: a pure model of the retainer graph view.
// The bounded neighbourhood drawn for an object: its retainer paths from the GC roots plus the
// retainers the user expanded, merged by node. Never the heap: fan-ins fold into an "N more"
// node, weak references are left out unless asked for, and V8 internals whose meaning is clear
// (an array's elements store, a Map's table, a closure's context) fold into readable steps.
// One graph may be about several objects at once (their paths merged, shared prefixes drawn
// once) and mark some as new. A cut reference ("what frees it") marks the cut edge, the drawn
// objects it frees and the path that keeps the target alive; without the cut the model is the
// same as before it. Also here: cycle marks, size by retained size, a layered layout (dagre),
// DOT and SVG export.
import dagre, {
  type EdgeLabel,
  type GraphLabel,
  type NodeLabel,
  type OrderConstraint,
} from '@dagrejs/dagre'
import type {
  CutResult,
  Cycle,
  EdgeSummary,
  MapSlot,
  ObjectSummary,
  PathEdge,
  PathStepDto,
  Reference,
} from '../protocol'
import { formatCapture, formatEdge, formatMapSlot, formatReference, objectLabel } from './format'

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

const nodeId = (node: number): string => `n${node}`

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

const unmarkedEdge = { isCut: false, isOnAlivePath: false } as const

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
function collectGraph(
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

function addExpansion(
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

// ---------------------------------------------------------------------------------------------
// Folding V8 internals. A node folds only when every drawn edge at it fits one of these shapes,
// so that the folded step says exactly what the unfolded ones did:
//   object --internal "elements"--> (array) store --slot--> X      =>  object --[i]--> X
//   object --internal "properties"--> (array) store --slot--> [PropertyCell --value-->] X
//                                                                   =>  object --.name--> X
//   Map | Set --internal "table"--> (array) table --slot--> X       =>  Map --entry--> X
//   closure(s) --internal "context"--> system / Context --context v--> X
//                                                                   =>  closure --captures v--> X
//   closure --internal "context"--> Context --internal "previous"--> (outer) Context --context v--> X
//                                                                   =>  closure --captures v--> X
// A store's slot number is not the index or the name (dictionary stores number their own
// slots), so a store step folds only into the owner's own element or property edge to X, drawn
// or looked up (see itemLookups); without it the store stays drawn as it is.

interface Adjacency {
  byId: Map<string, GraphNode>
  into: Map<string, GraphEdge[]>
  out: Map<string, GraphEdge[]>
}

function adjacency(model: GraphModel): Adjacency {
  const byId = new Map(model.nodes.map((node) => [node.id, node]))
  const into = new Map<string, GraphEdge[]>()
  const out = new Map<string, GraphEdge[]>()
  for (const edge of model.edges) {
    into.set(edge.target, [...(into.get(edge.target) ?? []), edge])
    out.set(edge.source, [...(out.get(edge.source) ?? []), edge])
  }
  return { byId, into, out }
}

interface FoldPlan {
  kind: FoldKind
  /** The internal nodes that disappear. */
  folded: GraphNode[]
  owners: GraphNode[]
  /** Edges that replace the folded nodes' own. */
  edges: GraphEdge[]
}

/** What a store step must fold into: the owner's own edge of this type to the same object. */
const STORE_EDGE: Partial<Record<FoldKind, string>> = {
  elements: 'element',
  properties: 'property',
}

type EdgeName = Link['edge']

/** The owners' own element and property edges, by `${owner}>${item}:${type}`. */
type KnownEdges = ReadonlyMap<string, EdgeName>

const isSlot = (edge: GraphEdge): boolean =>
  (edge.type === 'internal' || edge.type === 'hidden' || edge.type === 'element') &&
  /^\d+$/.test(edge.name)

const isFoldable = (node: GraphNode): boolean => node.kind === 'object' && node.node !== null

const isPropertyCell = (node: GraphNode): boolean =>
  isFoldable(node) && node.name.endsWith('PropertyCell')

/** A folded edge; `holder` is the object whose own edge `edge` is (see GraphEdge.holder). */
function foldedEdge(
  owner: GraphNode,
  item: string,
  kind: FoldKind,
  edge: EdgeName,
  text: string,
  holder: GraphNode,
): GraphEdge {
  return {
    id: `${owner.id}>${item}:${kind}:${text}`,
    source: owner.id,
    target: item,
    label: text,
    type: edge.type,
    name: edge.name,
    isWeak: false,
    via: kind,
    holder: holder.node,
    ordinal: edge.ordinal ?? null,
    ...unmarkedEdge,
  }
}

/** The owner of a store, when its one drawn edge in is the owner's strong `edgeName`. */
function soleOwner(graph: Adjacency, store: GraphNode, edgeName: string): GraphNode | null {
  const into = graph.into.get(store.id) ?? []
  if (into.length !== 1) return null
  const [edge] = into
  if (edge.isWeak || edge.type !== 'internal' || edge.name !== edgeName) return null
  const owner = graph.byId.get(edge.source)
  return owner && owner.type === 'object' && owner.node !== null ? owner : null
}

/** A store's drawn slot edges, or null when any edge out of it is something else. */
function slotEdges(graph: Adjacency, store: GraphNode): GraphEdge[] | null {
  const out = graph.out.get(store.id) ?? []
  return out.length > 0 && out.every((edge) => !edge.isWeak && isSlot(edge)) ? out : null
}

/** The value a property cell holds, when the cell is drawn only between a store and it. */
function cellValue(graph: Adjacency, cell: GraphNode): string | null {
  const into = graph.into.get(cell.id) ?? []
  const out = graph.out.get(cell.id) ?? []
  if (into.length !== 1 || out.length !== 1) return null
  const [edge] = out
  return !edge.isWeak && edge.type === 'internal' && edge.name === 'value' ? edge.target : null
}

/** Where a store slot leads once folded: the object, through a property cell if there is one. */
function slotTarget(graph: Adjacency, kind: FoldKind, edge: GraphEdge) {
  const item = graph.byId.get(edge.target)
  if (kind !== 'properties' || !item || !isPropertyCell(item))
    return { item: edge.target, cell: null }
  const value = cellValue(graph, item)
  return value === null ? null : { item: value, cell: item }
}

/** An object's elements or properties store folded into the object's own edges. */
function planStore(
  graph: Adjacency,
  store: GraphNode,
  kind: 'elements' | 'properties',
  known: KnownEdges,
): FoldPlan | null {
  const owner = soleOwner(graph, store, kind)
  const slots = slotEdges(graph, store)
  if (!owner || !slots) return null
  const plan: FoldPlan = { kind, folded: [store], owners: [owner], edges: [] }
  for (const edge of slots) {
    const step = slotTarget(graph, kind, edge)
    const own =
      edge.type === 'element' && kind === 'elements'
        ? { type: 'element', name: edge.name }
        : step && known.get(`${owner.id}>${step.item}:${STORE_EDGE[kind]}`)
    if (!step || !own) return null
    if (step.cell) plan.folded.push(step.cell)
    plan.edges.push(foldedEdge(owner, step.item, kind, own, formatEdge(own.type, own.name), owner))
  }
  return plan
}

function planTable(graph: Adjacency, table: GraphNode): FoldPlan | null {
  const owner = soleOwner(graph, table, 'table')
  const slots = slotEdges(graph, table)
  if (!owner || !slots) return null
  // The engine names a Map's slots, also a subclass's (known by its table's layout).
  const isMap = owner.className === 'Map' || slots.some((edge) => edge.mapSlot !== undefined)
  if (!isMap && owner.className !== 'Set') return null
  const text = (edge: GraphEdge): string => {
    if (!isMap) return 'member'
    return edge.mapSlot ? formatMapSlot(edge.mapSlot) : 'entry'
  }
  const edges = slots.map((edge) =>
    foldedEdge(owner, edge.target, 'table', edge, text(edge), table),
  )
  return { kind: 'table', folded: [table], owners: [owner], edges }
}

const CONTEXT_CLASS = 'system / Context'

/** A closure's own reference to its context. */
const isClosureLink = (graph: Adjacency, edge: GraphEdge): boolean =>
  !edge.isWeak &&
  edge.type === 'internal' &&
  edge.name === 'context' &&
  graph.byId.get(edge.source)?.type === 'closure'

/** A context's reference to the context of the scope around it. */
const isOuterLink = (edge: GraphEdge): boolean =>
  !edge.isWeak && edge.type === 'internal' && edge.name === 'previous'

/**
 * The contexts that fold: each held only by closures (as their context) or by folding inner
 * contexts (as their outer scope), and holding only captured variables or a folding outer
 * context. Found by removing what breaks the rule until nothing does. Each folds with the
 * closures that reach it (planContext); a context has one outer context, so every one left is
 * reached from a closure, or in a ring of outer links that nothing else holds.
 */
function foldingContexts(graph: Adjacency): Set<string> {
  const folding = new Set(
    [...graph.byId.values()]
      .filter((node) => isFoldable(node) && node.className === CONTEXT_CLASS)
      .map((node) => node.id),
  )
  const fits = (id: string): boolean => {
    const into = graph.into.get(id) ?? []
    const out = graph.out.get(id) ?? []
    return (
      into.length > 0 &&
      out.length > 0 &&
      into.every(
        (edge) => isClosureLink(graph, edge) || (isOuterLink(edge) && folding.has(edge.source)),
      ) &&
      out.every(
        (edge) =>
          (!edge.isWeak && edge.type === 'context') ||
          (isOuterLink(edge) && folding.has(edge.target)),
      )
    )
  }
  for (let changed = true; changed;) {
    changed = false
    for (const id of folding) {
      if (!fits(id)) {
        folding.delete(id)
        changed = true
      }
    }
  }
  return folding
}

/** A context held by closures, folded with its outer contexts into the variables they capture. */
function planContext(graph: Adjacency, context: GraphNode, folding: Set<string>): FoldPlan | null {
  if (!folding.has(context.id)) return null
  const owners = (graph.into.get(context.id) ?? [])
    .filter((edge) => isClosureLink(graph, edge))
    .map((edge) => graph.byId.get(edge.source) as GraphNode)
  // An outer context with no closure of its own folds with the inner contexts' closures.
  if (owners.length === 0) return null
  const chain: GraphNode[] = []
  const queue = [context]
  for (let node = queue.pop(); node; node = queue.pop()) {
    if (chain.includes(node)) continue
    chain.push(node)
    for (const edge of graph.out.get(node.id) ?? []) {
      if (isOuterLink(edge)) queue.push(graph.byId.get(edge.target) as GraphNode)
    }
  }
  const edges = owners.flatMap((owner) =>
    chain.flatMap((scope) =>
      (graph.out.get(scope.id) ?? [])
        .filter((edge) => edge.type === 'context')
        .map((edge) =>
          foldedEdge(owner, edge.target, 'context', edge, formatCapture(edge.name), scope),
        ),
    ),
  )
  return { kind: 'context', folded: chain, owners, edges }
}

function planFold(
  graph: Adjacency,
  node: GraphNode,
  known: KnownEdges,
  contexts: Set<string>,
): FoldPlan | null {
  if (!isFoldable(node)) return null
  if (node.className === CONTEXT_CLASS) return planContext(graph, node, contexts)
  if (node.type !== 'array') return null
  return (
    planStore(graph, node, 'elements', known) ??
    planStore(graph, node, 'properties', known) ??
    planTable(graph, node)
  )
}

const FOLD_NOTE: Record<FoldKind, string> = {
  elements: 'its elements',
  properties: 'its properties',
  table: 'its hash table',
  context: 'its context',
}

/** Drawn and looked-up element and property edges, by `${owner}>${item}:${type}`. */
function knownEdges(model: GraphModel, links: readonly Link[]): Map<string, EdgeName> {
  const known = new Map<string, EdgeName>()
  const add = (source: string, target: string, edge: EdgeName): void => {
    if (edge.type === 'element' || edge.type === 'property') {
      known.set(`${source}>${target}:${edge.type}`, edge)
    }
  }
  for (const link of links) add(nodeId(link.source), nodeId(link.target), link.edge)
  for (const edge of model.edges) {
    if (!edge.isWeak && edge.via === null) add(edge.source, edge.target, edge)
  }
  return known
}

/** Plans that do not fold each other's owners or items (those would point at nothing). */
function compatiblePlans(plans: FoldPlan[]): FoldPlan[] {
  const folded = new Set(plans.flatMap((plan) => plan.folded.map((node) => node.id)))
  return plans.filter(
    (plan) =>
      plan.owners.every((owner) => !folded.has(owner.id)) &&
      plan.edges.every((edge) => !folded.has(edge.target)),
  )
}

function withNotes(nodes: GraphNode[], plans: FoldPlan[], gone: Set<string>): GraphNode[] {
  const notes = new Map<string, string[]>()
  for (const plan of plans) {
    // A context plan also folds the contexts of the scopes around it.
    const outer = plan.kind === 'context' ? plan.folded.slice(1) : []
    const added = [
      `${plan.folded[0].label} (${FOLD_NOTE[plan.kind]})`,
      ...outer.map((scope) => `${scope.label} (an outer scope's context)`),
    ]
    for (const owner of plan.owners) notes.set(owner.id, [...(notes.get(owner.id) ?? []), ...added])
  }
  return nodes
    .filter((node) => !gone.has(node.id))
    .map((node) => {
      const added = notes.get(node.id)
      return added ? { ...node, folded: [...node.folded, ...added] } : node
    })
}

/** The model with V8 internals folded where their meaning is clear (see above). */
export function foldInternals(model: GraphModel, links: readonly Link[] = []): GraphModel {
  const graph = adjacency(model)
  const known = knownEdges(model, links)
  const contexts = foldingContexts(graph)
  const plans = compatiblePlans(
    model.nodes
      .map((node) => planFold(graph, node, known, contexts))
      .filter((plan): plan is FoldPlan => plan !== null),
  )
  const gone = new Set(plans.flatMap((plan) => plan.folded.map((node) => node.id)))
  const edges = new Map<string, GraphEdge>()
  for (const edge of model.edges) {
    if (!gone.has(edge.source) && !gone.has(edge.target)) edges.set(edge.id, edge)
  }
  for (const edge of plans.flatMap((plan) => plan.edges)) {
    // A store step that repeats the owner's own drawn edge adds nothing.
    const own = `${edge.source}>${edge.target}:${edge.type}:${edge.name}`
    if (!edges.has(own)) edges.set(edge.id, edge)
  }
  return { nodes: withNotes(model.nodes, plans, gone), edges: [...edges.values()] }
}

/** Store slots that would fold once the owner's own edge to their object is known. */
export function itemLookups(model: GraphModel): ItemLookup[] {
  const graph = adjacency(model)
  const known = knownEdges(model, [])
  const lookups = new Map<string, ItemLookup>()
  for (const store of model.nodes) {
    if (!isFoldable(store) || store.type !== 'array') continue
    for (const kind of ['elements', 'properties'] as const) {
      const owner = soleOwner(graph, store, kind)
      for (const edge of owner ? (graph.out.get(store.id) ?? []) : []) {
        const step =
          owner && edge.type !== 'element' && isSlot(edge) ? slotTarget(graph, kind, edge) : null
        const item = step && graph.byId.get(step.item)
        if (!owner || !item || item.node === null) continue
        if (known.has(`${owner.id}>${item.id}:${STORE_EDGE[kind]}`)) continue
        lookups.set(`${owner.id}>${item.id}`, { owner: owner.node as number, item: item.node })
      }
    }
  }
  return [...lookups.values()]
}

/** The owner's element and property edges among the retainers of a looked-up item. */
export function linksFrom(lookup: ItemLookup, retainers: readonly Reference[]): Link[] {
  return retainers
    .filter(
      (reference) =>
        reference.node.node === lookup.owner &&
        (reference.edge.type === 'element' || reference.edge.type === 'property'),
    )
    .map((reference) => ({
      source: lookup.owner,
      target: lookup.item,
      edge: { type: reference.edge.type, name: reference.edge.name, ordinal: reference.edge.edge },
    }))
}

// ---------------------------------------------------------------------------------------------
// Cycles: getCycle answers with the members of a node's strongly connected component, largest
// retained size first; the first member and the size name the component, the same for each.

/** Cycle keys learnt from one getCycle answer: the asked node and every member listed. */
export function cycleEntries(node: number, cycle: Cycle): Array<[number, string | null]> {
  if (cycle.total === 0 || cycle.members.length === 0) return [[node, null]]
  const key = `${cycle.members[0].node}/${cycle.total}`
  return [[node, key], ...cycle.members.map((member): [number, string] => [member.node, key])]
}

/** Numbers the cycles that hold two or more drawn nodes, in drawing order; others get null. */
export function markCycles(
  nodes: readonly GraphNode[],
  cycles: ReadonlyMap<number, string | null>,
): GraphNode[] {
  const keyOf = (node: GraphNode): string | null =>
    node.node === null ? null : (cycles.get(node.node) ?? null)
  const counts = new Map<string, number>()
  for (const node of nodes) {
    const key = keyOf(node)
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const numbers = new Map<string, number>()
  return nodes.map((node) => {
    const key = keyOf(node)
    if (key === null || (counts.get(key) ?? 0) < 2)
      return node.cycle === null ? node : { ...node, cycle: null }
    if (!numbers.has(key)) numbers.set(key, numbers.size + 1)
    return { ...node, cycle: numbers.get(key) ?? null }
  })
}

/** Marks the objects in `highlight` as new. */
function markNew(nodes: GraphNode[], highlight: ReadonlySet<number>): GraphNode[] {
  if (highlight.size === 0) return nodes
  return nodes.map((node) =>
    node.node !== null && highlight.has(node.node) ? { ...node, isNew: true } : node,
  )
}

/**
 * The drawn graph of one object (or several: their paths merge by node, so shared prefixes are
 * drawn once): paths, expansions, internals folded unless asked for, cycles, new objects, and
 * the cut when there is one.
 */
export function buildGraphModel(
  targets: Targets,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  options: GraphOptions = {},
): GraphModel {
  const raw = collectGraph(targets, paths, expansions, options.showWeak ?? false)
  const model = options.showInternals ? raw : foldInternals(raw, options.links)
  const nodes = markNew(
    markCycles(model.nodes, options.cycles ?? new Map()),
    options.highlight ?? new Set(),
  )
  const marked = { nodes, edges: model.edges }
  return options.cut ? applyCut(marked, options.cut) : marked
}

/** The nodes the folded model still needs looked up (see itemLookups), from the raw graph. */
export function pendingItemLookups(
  targets: Targets,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  showWeak: boolean,
): ItemLookup[] {
  return itemLookups(collectGraph(targets, paths, expansions, showWeak))
}

// ---------------------------------------------------------------------------------------------
// What frees it: one reference cut (the engine's cutReference), shown on the drawn graph. A
// drawn edge names its reference by its holder and V8 edge name (a folded Map entry is the
// hash table's slot, a captured variable the context's); the engine cuts the copies V8 keeps
// in the holder's own stores with it. A cut frees the dominator subtree of the reference's
// target or nothing, so a drawn object is freed when that target dominates it.

/**
 * One reference as cutReference takes it: the holder (node ordinal) and the edge ordinal, or
 * V8's edge name where the ordinal is not known (an element folded from its store: the holder
 * has one element of that index).
 */
export interface CutReference {
  from: number
  edge: number | null
  edgeName: string
}

/** A cut shown on the graph (see applyCut). */
export interface GraphCut {
  /** The drawn edge the user cut. */
  edgeId: string
  /** Every reference the engine cut: the one asked for and its copies in stores. */
  references: CutReference[]
  /** Id of the drawn object the reference points at. */
  head: string
  /** Drawn objects (node ordinals) the cut frees. */
  freed: ReadonlySet<number>
  /** A path from a root to the target that avoids the cut, when the target stays alive. */
  alivePath: PathStepDto[] | null
}

/** The reference a drawn edge stands for, or null for an "N more" edge (several references). */
export function cutReferenceOf(edge: GraphEdge): CutReference | null {
  return edge.holder === null
    ? null
    : { from: edge.holder, edge: edge.ordinal, edgeName: edge.name }
}

/** The cut to show for the engine's answer about cutting `edge`. */
export function graphCutOf(
  edge: GraphEdge,
  result: Pick<CutResult, 'from' | 'edge' | 'alsoCut' | 'stillAlivePath'>,
  freed: ReadonlySet<number>,
): GraphCut {
  const references = [result, ...result.alsoCut].map((copy) => ({
    from: copy.from.node,
    edge: copy.edge.edge,
    edgeName: copy.edge.name,
  }))
  return {
    edgeId: edge.id,
    references,
    head: edge.target,
    freed,
    alivePath: result.stillAlivePath,
  }
}

/** The paths to draw while `cut` is shown: the path that keeps the target alive added. */
export function pathsWithCut(paths: PathStepDto[][], cut: GraphCut | null): PathStepDto[][] {
  return cut?.alivePath ? [...paths, cut.alivePath] : paths
}

/** The alive path's drawn nodes, and its steps between drawn nodes (folded internals skipped). */
function alivePathMarks(model: GraphModel, path: PathStepDto[] | null) {
  const drawn = new Set(model.nodes.map((node) => node.id))
  const ids = (path ?? []).map((step) => nodeId(step.node.node)).filter((id) => drawn.has(id))
  const steps = new Set(ids.slice(1).map((id, position) => `${ids[position]}>${id}`))
  return { nodes: new Set(ids), steps }
}

/** The model with the cut edge (and its drawn copies), the freed objects and the alive path. */
export function applyCut(model: GraphModel, cut: GraphCut): GraphModel {
  const references = new Set(cut.references.map((item) => `${item.from}:${item.edge}`))
  const names = new Set(cut.references.map((item) => `${item.from}:${item.edgeName}`))
  // A drawn edge is cut when it is one of the references cut: by ordinal, or by name where the
  // drawn edge does not know its ordinal.
  const isCut = (edge: GraphEdge): boolean =>
    edge.id === cut.edgeId ||
    (edge.target === cut.head &&
      (edge.ordinal === null
        ? names.has(`${edge.holder}:${edge.name}`)
        : references.has(`${edge.holder}:${edge.ordinal}`)))
  const alive = alivePathMarks(model, cut.alivePath)
  const nodes = model.nodes.map((node) => ({
    ...node,
    isFreed: node.node !== null && cut.freed.has(node.node),
    isOnAlivePath: alive.nodes.has(node.id),
  }))
  const edges = model.edges.map((edge) => {
    const cutHere = isCut(edge)
    return {
      ...edge,
      isCut: cutHere,
      isOnAlivePath: !cutHere && alive.steps.has(`${edge.source}>${edge.target}`),
    }
  })
  return { nodes, edges }
}

/**
 * The object a cut of `edge` is asked about: the graph's target, or in a merged graph the
 * first target found below the edge (else the object the edge points at).
 */
export function cutTargetOf(model: GraphModel, edge: GraphEdge): number | null {
  const byId = new Map(model.nodes.map((node) => [node.id, node]))
  const out = new Map<string, string[]>()
  for (const each of model.edges)
    out.set(each.source, [...(out.get(each.source) ?? []), each.target])
  const seen = new Set([edge.target])
  const queue = [edge.target]
  for (let next = 0; next < queue.length; next++) {
    const node = byId.get(queue[next])
    if (node?.kind === 'target') return node.node
    for (const below of out.get(queue[next]) ?? []) {
      if (seen.has(below)) continue
      seen.add(below)
      queue.push(below)
    }
  }
  return byId.get(edge.target)?.node ?? null
}

/** Most dominator steps walked up from one drawn object before giving up on it. */
const MAX_DOMINATOR_STEPS = 64

/** An object's immediate dominator, with its distance (getObject's `dominator`). */
export type DominatorLookup = (
  node: number,
) => Promise<Pick<ObjectSummary, 'node' | 'distance'> | null>

/**
 * The drawn objects a cut frees, when it frees anything: those `head` dominates. Each drawn
 * object farther from the roots than the head walks up its dominator chain until the head, or
 * until a node no farther than the head (a dominator is nearer the roots than what it
 * dominates). Lookups are shared between walks.
 */
export async function freedDrawnNodes(
  model: GraphModel,
  head: number,
  dominatorOf: DominatorLookup,
): Promise<Set<number>> {
  const headNode = model.nodes.find((node) => node.node === head)
  const headDistance = headNode?.distance ?? null
  const asked = new Map<number, ReturnType<DominatorLookup>>()
  const lookup = (node: number): ReturnType<DominatorLookup> => {
    const known = asked.get(node) ?? dominatorOf(node)
    asked.set(node, known)
    return known
  }
  const isFreed = async (node: number, distance: number | null): Promise<boolean> => {
    let current: Pick<ObjectSummary, 'node' | 'distance'> | null = { node, distance }
    for (let steps = 0; current && steps <= MAX_DOMINATOR_STEPS; steps++) {
      if (current.node === head) return true
      if (headDistance === null || current.distance === null) return false
      if (current.distance <= headDistance) return false
      current = await lookup(current.node)
    }
    return false
  }
  const drawn = model.nodes.filter((node) => node.node !== null && node.kind !== 'root')
  const answers = await Promise.all(
    drawn.map(async (node) =>
      (await isFreed(node.node as number, node.distance)) ? node.node : null,
    ),
  )
  return new Set(answers.filter((node): node is number => node !== null))
}

// ---------------------------------------------------------------------------------------------
// Size and shade by retained size, on a log scale so small objects stay visible.

export const MIN_DIAMETER = 16
export const MAX_DIAMETER = 52

/** Diameter in px and shade in 0..1 (0 lightest) of a node for its retained size. */
export function nodeScale(
  retainedSize: number,
  largest: number,
): { diameter: number; shade: number } {
  const top = Math.log1p(Math.max(0, largest))
  const shade = top > 0 ? Math.min(1, Math.log1p(Math.max(0, retainedSize)) / top) : 0
  return { diameter: MIN_DIAMETER + (MAX_DIAMETER - MIN_DIAMETER) * shade, shade }
}

/** Which page the graph is drawn on: the OS's light or dark theme. */
export type ColorScheme = 'light' | 'dark'

/** Fill ends per scheme: small retained sizes blend into the page, the largest stand out. */
const SHADE_ENDS: Record<ColorScheme, readonly [number[], number[]]> = {
  light: [
    [0xd0, 0xd7, 0xde],
    [0x0a, 0x30, 0x69],
  ],
  dark: [
    [0x30, 0x36, 0x3d],
    [0x79, 0xc0, 0xff],
  ],
}

/**
 * The fill for a shade: on a light page light grey for small retained sizes to dark blue for
 * the largest; on a dark page dark grey to bright blue.
 */
export function shadeColor(shade: number, scheme: ColorScheme = 'light'): string {
  const [low, high] = SHADE_ENDS[scheme]
  const mix = (from: number, to: number): string =>
    Math.round(from + (to - from) * Math.min(1, Math.max(0, shade)))
      .toString(16)
      .padStart(2, '0')
  return `#${low.map((from, channel) => mix(from, high[channel])).join('')}`
}

/** The largest retained size among the drawn objects (at least 1). */
export function largestRetained(model: GraphModel): number {
  return Math.max(1, ...model.nodes.map((node) => node.retainedSize))
}

// ---------------------------------------------------------------------------------------------
// Layered layout (dagre's Sugiyama): roots on the top rank, the target at the bottom.

export interface Point {
  x: number
  y: number
}

export interface LayoutResult {
  /** Centre of each drawn node's shape, in graph coordinates (y grows downwards). */
  positions: Map<string, Point>
  /** Layer of each drawn node, 0 at the top (dagre's ranks, where edge labels have layers too). */
  ranks: Map<string, number>
  width: number
  height: number
}

/** Width in px of a label in the 10px sans-serif the graph uses (an estimate, for spacing). */
export const textWidth = (text: string, fontSize = 10): number => text.length * fontSize * 0.6

/** An invisible node above every root: its heavy edges pull all roots up to one top rank. */
const TOP = '\u0000top'
const LABEL_HEIGHT = 14

/**
 * A layered layout of one drawn graph. Keep one instance per graph while it grows: each run
 * keeps the previous run's left-to-right order of the nodes still in one rank (dagre order
 * constraints), so the nodes an expansion adds do not shuffle the others.
 */
export class LayeredLayout {
  private readonly graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({
    multigraph: true,
  })

  constructor() {
    this.graph.setGraph({
      rankdir: 'TB',
      nodesep: 24,
      edgesep: 12,
      ranksep: 36,
      rankalign: 'top',
      marginx: 8,
      marginy: 8,
    })
  }

  run(model: GraphModel): LayoutResult {
    this.place(model)
    // A node that leads only down to the target (a cycle's member turned round, say) may rise
    // above the roots: tie it under TOP too, weightless, and lay out once more. Retainers of a
    // root are above it by right, and stay.
    const risen = this.risen(model)
    if (risen.length > 0) {
      for (const id of risen) this.lifted.add(id)
      this.place(model)
    }
    return this.result(model)
  }

  /** Sources of the ranked graph above the roots that do not lead up to a root. */
  private risen(model: GraphModel): string[] {
    const roots = model.nodes.filter((node) => node.kind === 'root').map((node) => node.id)
    const rootRank = Math.min(...roots.map((id) => this.rank(id)))
    const aboveRoots = new Set(roots)
    const queue = [...roots]
    for (let next = 0; next < queue.length; next++) {
      for (const edge of this.graph.inEdges(queue[next]) ?? []) {
        if (edge.v === TOP || aboveRoots.has(edge.v)) continue
        aboveRoots.add(edge.v)
        queue.push(edge.v)
      }
    }
    return model.nodes
      .map((node) => node.id)
      .filter(
        (id) =>
          !this.lifted.has(id) &&
          !aboveRoots.has(id) &&
          this.rank(id) < rootRank &&
          (this.graph.inEdges(id) ?? []).every((edge) => edge.v === TOP),
      )
  }

  private readonly lifted = new Set<string>()

  /** Takes `result` (an earlier run's) as the last run: the next keeps its order. */
  remember(result: LayoutResult): void {
    this.previous = result
  }

  private rank(id: string): number {
    return this.graph.node(id)?.rank ?? 0
  }

  private place(model: GraphModel): void {
    this.sync(model)
    // Stability comes from the constraints; dagre's own dynamic mode costs O(N) per comparison.
    dagre.layout(this.graph, { useDynamic: false, constraints: this.constraints(model) })
  }

  /** Positions of the last run, whose left-to-right order in each rank the next one keeps. */
  private previous: LayoutResult = { positions: new Map(), ranks: new Map(), width: 0, height: 0 }

  /** Left-of constraints between neighbours of the last run's ranks that are still drawn. */
  private constraints(model: GraphModel): OrderConstraint[] {
    const { positions, ranks } = this.previous
    const rows = new Map<number, string[]>()
    for (const node of model.nodes) {
      const rank = ranks.get(node.id)
      if (rank !== undefined) rows.set(rank, [...(rows.get(rank) ?? []), node.id])
    }
    const out: OrderConstraint[] = []
    for (const row of rows.values()) {
      row.sort((a, b) => (positions.get(a)?.x ?? 0) - (positions.get(b)?.x ?? 0))
      for (let k = 1; k < row.length; k++) out.push({ left: row[k - 1], right: row[k] })
    }
    return out
  }

  /** Node centres: each shape sits at the top of its box, its label in the rest below it. */
  private result(model: GraphModel): LayoutResult {
    const positions = new Map<string, Point>()
    const ranks = new Map<string, number>()
    const largest = largestRetained(model)
    const top = Math.min(...model.nodes.map((node) => this.graph.node(node.id).rank ?? 0))
    let width = 0
    let height = 0
    for (const node of model.nodes) {
      const box = this.graph.node(node.id)
      const { diameter } = nodeScale(node.retainedSize, largest)
      const at = { x: box.x ?? 0, y: (box.y ?? 0) - (box.height - diameter) / 2 }
      positions.set(node.id, at)
      ranks.set(node.id, (box.rank ?? 0) - top)
      width = Math.max(width, (box.x ?? 0) + box.width / 2)
      height = Math.max(height, (box.y ?? 0) + box.height / 2)
    }
    this.previous = { positions, ranks, width, height }
    return this.previous
  }

  /** Makes the dagre graph the model's: same nodes and edges, sizes from the labels. */
  private sync(model: GraphModel): void {
    const graph = this.graph
    const largest = largestRetained(model)
    const edges = layoutEdges(model, this.lifted)
    const wantedNodes = new Set([TOP, ...model.nodes.map((node) => node.id)])
    const wantedEdges = new Set(edges.map((edge) => `${edge.v}>${edge.w}:${edge.name}`))
    for (const id of graph.nodes()) if (!wantedNodes.has(id)) graph.removeNode(id)
    for (const edge of graph.edges()) {
      if (!wantedEdges.has(`${edge.v}>${edge.w}:${edge.name}`)) graph.removeEdge(edge)
    }
    graph.setNode(TOP, { width: 0, height: 0 })
    for (const node of model.nodes) {
      const { diameter } = nodeScale(node.retainedSize, largest)
      const width = Math.max(diameter, textWidth(node.label))
      const lines = node.cycle === null ? 1 : 2 // a cycle member's label has "↻ cycle N" below
      graph.setNode(node.id, { width, height: diameter + LABEL_HEIGHT * lines })
    }
    for (const edge of edges) graph.setEdge(edge.v, edge.w, edge.label, edge.name)
  }
}

interface LayoutEdge {
  v: string
  w: string
  name: string
  label: EdgeLabel
}

/**
 * The drawn edges that close a cycle, seen from the targets: depth-first walks up the
 * retainers from each target, and each edge out of a node still on a walk's stack. Turning
 * these round leaves no cycle, and every node keeps its way down to the target.
 */
export function cycleEdges(model: GraphModel): Set<string> {
  const into = new Map<string, GraphEdge[]>()
  for (const edge of model.edges) into.set(edge.target, [...(into.get(edge.target) ?? []), edge])
  const back = new Set<string>()
  const visited = new Set<string>()
  for (const target of model.nodes.filter((node) => node.kind === 'target')) {
    if (!visited.has(target.id)) walkUp(target.id, into, visited, back)
  }
  return back
}

/** One depth-first walk of cycleEdges from a target, adding the edges that close a cycle. */
function walkUp(
  start: string,
  into: ReadonlyMap<string, GraphEdge[]>,
  visited: Set<string>,
  back: Set<string>,
): void {
  const onStack = new Set([start])
  visited.add(start)
  const stack = [{ id: start, next: 0 }]
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]
    const edge = (into.get(frame.id) ?? [])[frame.next++]
    if (!edge) {
      onStack.delete(frame.id)
      stack.pop()
    } else if (onStack.has(edge.source)) {
      back.add(edge.id)
    } else if (!visited.has(edge.source)) {
      visited.add(edge.source)
      onStack.add(edge.source)
      stack.push({ id: edge.source, next: 0 })
    }
  }
}

/**
 * The edges dagre ranks: each drawn edge, turned round when it closes a cycle (see cycleEdges)
 * so the targets are the only sinks and lie below what retains them; plus heavy edges from TOP that hold
 * every root on the top rank, and weightless ones that keep the lifted nodes (see
 * LayeredLayout.run) from rising above it.
 */
function layoutEdges(model: GraphModel, lifted: ReadonlySet<string>): LayoutEdge[] {
  const back = cycleEdges(model)
  const edges = model.edges.map((edge): LayoutEdge => {
    const label: EdgeLabel = {
      width: edge.label ? textWidth(edge.label, 9) : 0,
      height: edge.label ? 12 : 0,
      labelpos: 'c',
      minlen: 1,
      weight: 1,
    }
    return back.has(edge.id)
      ? { v: edge.target, w: edge.source, name: edge.id, label }
      : { v: edge.source, w: edge.target, name: edge.id, label }
  })
  for (const node of model.nodes) {
    if (node.kind === 'root') {
      edges.push({ v: TOP, w: node.id, name: `top>${node.id}`, label: { minlen: 1, weight: 100 } })
    } else if (lifted.has(node.id)) {
      edges.push({ v: TOP, w: node.id, name: `top>${node.id}`, label: { minlen: 1, weight: 0 } })
    }
  }
  return edges
}

// ---------------------------------------------------------------------------------------------
// Exports: DOT and SVG.

/** New objects, a cut reference, the path that keeps the target alive (as on the canvas). */
export const NEW_COLOR = '#8250df'
export const CUT_COLOR = '#cf222e'
export const ALIVE_COLOR = '#1a7f37'

/** An edge's text: its label, with scissors when it is cut. */
export const edgeText = (edge: GraphEdge): string =>
  edge.isCut ? `✂ ${edge.label}`.trim() : edge.label

/** A node's label with its marks in words, for exports without colour. */
const dotNodeLabel = (node: GraphNode): string =>
  [node.label, node.isNew ? '(new)' : '', node.isFreed ? '(freed)' : ''].filter(Boolean).join(' ')

/** The subgraph in Graphviz DOT, for people who lay it out elsewhere. */
export function toDot(model: GraphModel): string {
  const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  const lines = [
    'digraph retainers {',
    '  rankdir=TB;',
    '  node [shape=box, fontname="sans-serif"];',
  ]
  for (const node of model.nodes) {
    const style =
      node.kind === 'target'
        ? ', style=bold'
        : node.kind === 'more' || node.isFreed
          ? ', style=dashed'
          : ''
    const color =
      node.cycle !== null ? ', color=orange' : node.isNew ? `, color=${quote(NEW_COLOR)}` : ''
    const freed = node.isFreed ? ', fontcolor=gray' : ''
    lines.push(`  ${quote(node.id)} [label=${quote(dotNodeLabel(node))}${style}${color}${freed}];`)
  }
  for (const edge of model.edges) {
    const marks = edge.isCut
      ? `, style=dashed, color=${quote(CUT_COLOR)}`
      : `${edge.isWeak ? ', style=dashed' : ''}${edge.isOnAlivePath ? `, color=${quote(ALIVE_COLOR)}, penwidth=2` : ''}`
    lines.push(
      `  ${quote(edge.source)} -> ${quote(edge.target)} [label=${quote(edgeText(edge))}${marks}];`,
    )
  }
  lines.push('}')
  return lines.join('\n')
}

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

const NODE_COLORS: Record<NodeKind, string | null> = {
  root: '#1a7f37',
  target: '#cf222e',
  more: '#eaeef2',
  object: null,
}

const CYCLE_COLOR = '#bf8700'
const EDGE_COLOR = '#8c959f'
const FREED_COLOR = '#eaeef2'

/** A white outline behind text, so labels stay readable where lines cross them. */
const HALO = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'

const round = (value: number): string => String(Math.round(value * 10) / 10)

/** One stroke for a node's shape: cycle ring, new-object ring, target ring, dashes. */
function svgStroke(node: GraphNode): string {
  const dash = node.kind === 'more' || node.isFreed ? ' stroke-dasharray="3 2"' : ''
  if (node.cycle !== null) return ` stroke="${CYCLE_COLOR}" stroke-width="3"${dash}`
  if (node.isNew) return ` stroke="#512a97" stroke-width="3"${dash}`
  if (node.kind === 'target') return ` stroke="#82071e" stroke-width="3"${dash}`
  return dash ? ` stroke="#8c959f"${dash}` : ''
}

function svgNode(node: GraphNode, at: Point, largest: number): string {
  const { diameter, shade } = nodeScale(node.retainedSize, largest)
  const radius = diameter / 2
  const fill = node.isFreed
    ? FREED_COLOR
    : node.isNew
      ? NEW_COLOR
      : (NODE_COLORS[node.kind] ?? shadeColor(shade))
  const stroke = svgStroke(node)
  const shape =
    node.kind === 'root' || node.kind === 'more'
      ? `<rect x="${round(at.x - radius)}" y="${round(at.y - radius)}" width="${round(diameter)}" height="${round(diameter)}" rx="4" fill="${fill}"${stroke}/>`
      : `<circle cx="${round(at.x)}" cy="${round(at.y)}" r="${round(radius)}" fill="${fill}"${stroke}/>`
  const cycle =
    (node.cycle === null ? '' : ` (in cycle ${node.cycle})`) +
    (node.isNew ? ' (new)' : '') +
    (node.isFreed ? ' (freed by the cut)' : '')
  const text = (line: string, dy: number): string =>
    `<text x="${round(at.x)}" y="${round(at.y + radius + dy)}" text-anchor="middle" fill="#424a53"${HALO}>${escapeXml(line)}</text>`
  return [
    `<g class="node ${node.kind}" data-id="${escapeXml(node.id)}">`,
    `<title>${escapeXml(node.label + cycle)}</title>`,
    shape,
    text(node.label, 12),
    node.cycle === null ? '' : text(`↻ cycle ${node.cycle}`, 24),
    '</g>',
  ].join('')
}

function svgEdge(edge: GraphEdge, from: Point, to: Point, targetRadius: number): string {
  const dx = to.x - from.x
  const dy = to.y - from.y
  const length = Math.hypot(dx, dy) || 1
  // Stop at the target's rim so the arrow head shows.
  const end = {
    x: to.x - (dx / length) * (targetRadius + 2),
    y: to.y - (dy / length) * (targetRadius + 2),
  }
  const dash = edge.isWeak || edge.isCut ? ' stroke-dasharray="5 3"' : ''
  const color = edge.isCut ? CUT_COLOR : edge.isOnAlivePath ? ALIVE_COLOR : EDGE_COLOR
  const width = edge.isCut || edge.isOnAlivePath ? 3 : 1.5
  const line = `<line x1="${round(from.x)}" y1="${round(from.y)}" x2="${round(end.x)}" y2="${round(end.y)}" stroke="${color}" stroke-width="${width}" marker-end="url(#arrow)"${dash}/>`
  const label = edgeText(edge)
  const text = label
    ? `<text x="${round((from.x + to.x) / 2)}" y="${round((from.y + to.y) / 2)}" text-anchor="middle" font-size="9" fill="#24292f"${HALO}>${escapeXml(label)}</text>`
    : ''
  return `<g class="edge">${line}${text}</g>`
}

function bounds(model: GraphModel, positions: ReadonlyMap<string, Point>, largest: number) {
  let left = Infinity
  let top = Infinity
  let right = -Infinity
  let bottom = -Infinity
  for (const node of model.nodes) {
    const at = positions.get(node.id)
    if (!at) continue
    const radius = nodeScale(node.retainedSize, largest).diameter / 2
    const half = Math.max(radius, textWidth(node.label) / 2)
    left = Math.min(left, at.x - half)
    right = Math.max(right, at.x + half)
    top = Math.min(top, at.y - radius)
    bottom = Math.max(bottom, at.y + radius + (node.cycle === null ? 16 : 28))
  }
  return Number.isFinite(left)
    ? { left, top, right, bottom }
    : { left: 0, top: 0, right: 0, bottom: 0 }
}

/** The drawn graph as a standalone SVG document, from node positions (graph coordinates). */
export function toSvg(
  model: GraphModel,
  positions: ReadonlyMap<string, Point>,
  title = 'Retainer graph',
): string {
  const largest = largestRetained(model)
  const margin = 20
  const box = bounds(model, positions, largest)
  const width = box.right - box.left + 2 * margin
  const height = box.bottom - box.top + 2 * margin
  const byId = new Map(model.nodes.map((node) => [node.id, node]))
  const edges = model.edges.flatMap((edge) => {
    const from = positions.get(edge.source)
    const to = positions.get(edge.target)
    const target = byId.get(edge.target)
    if (!from || !to || !target) return []
    return [svgEdge(edge, from, to, nodeScale(target.retainedSize, largest).diameter / 2)]
  })
  const nodes = model.nodes.flatMap((node) => {
    const at = positions.get(node.id)
    return at ? [svgNode(node, at, largest)] : []
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${round(box.left - margin)} ${round(box.top - margin)} ${round(width)} ${round(height)}" width="${Math.ceil(width)}" height="${Math.ceil(height)}" font-family="sans-serif" font-size="10">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${EDGE_COLOR}"/></marker></defs>`,
    `<rect x="${round(box.left - margin)}" y="${round(box.top - margin)}" width="${round(width)}" height="${round(height)}" fill="#ffffff"/>`,
    `<g class="edges">${edges.join('')}</g>`,
    `<g class="nodes">${nodes.join('')}</g>`,
    '</svg>',
  ].join('\n')
}
