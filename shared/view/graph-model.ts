// Shared by the renderer and its tests: a pure model of the retainer graph view.
// The bounded neighbourhood drawn for an object: its retainer paths from the GC roots plus the
// retainers the user expanded, merged by node. Never the heap: fan-ins fold into an "N more"
// node, weak references are left out unless asked for, and V8 internals whose meaning is clear
// (an array's elements store, a Map's table, a closure's context) fold into readable steps.
// Also here: cycle marks, size by retained size, a layered layout (dagre), DOT and SVG export.
import dagre, {
  type EdgeLabel,
  type GraphLabel,
  type NodeLabel,
  type OrderConstraint,
} from '@dagrejs/dagre'
import type { Cycle, ObjectSummary, PathStepDto, Reference } from '../protocol'
import { formatCapture, formatEdge } from './format'

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
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  label: string
  /** V8's edge type and name (of the step that names it, for a folded edge). */
  type: string
  name: string
  isWeak: boolean
  /** The V8 internal this edge folds, or null for an edge of the snapshot as it is. */
  via: FoldKind | null
}

export interface Expansion {
  retainers: Reference[]
  total: number
}

/** A known reference between two objects (an array's element edge), used to fold its store. */
export interface Link {
  source: number
  target: number
  edge: { type: string; name: string }
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
}

export interface GraphModel {
  nodes: GraphNode[]
  edges: GraphEdge[]
}

const nodeId = (node: number): string => `n${node}`

function label(object: ObjectSummary): string {
  return `${object.className} @${object.id}`
}

function objectNode(object: ObjectSummary, kind: NodeKind): GraphNode {
  return {
    id: nodeId(object.node),
    node: object.node,
    label: label(object),
    className: object.className,
    name: object.name,
    type: object.type,
    selfSize: object.selfSize,
    retainedSize: object.retainedSize,
    kind,
    cycle: null,
    folded: [],
  }
}

function rawEdge(
  source: string,
  target: string,
  edge: { type: string; name: string },
  isWeak: boolean,
): GraphEdge {
  return {
    id: `${source}>${target}:${edge.type}:${edge.name}`,
    source,
    target,
    label: formatEdge(edge.type, edge.name),
    type: edge.type,
    name: edge.name,
    isWeak,
    via: null,
  }
}

/** The snapshot's own subgraph: paths merged by node, expansions with their "N more". */
function collectGraph(
  target: ObjectSummary,
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
  addNode(target, 'target')
  for (const path of paths) {
    path.forEach((step, position) => {
      const kind = position === 0 ? 'root' : step.node.node === target.node ? 'target' : 'object'
      const id = addNode(step.node, kind)
      if (position > 0 && step.edge) {
        addEdge(rawEdge(nodeId(path[position - 1].node.node), id, step.edge, false))
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
    const source = addNode(reference.node, 'object')
    addEdge(rawEdge(source, retained, reference.edge, reference.edge.isWeak))
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

function foldedEdge(owner: GraphNode, item: string, kind: FoldKind, edge: EdgeName, text: string) {
  const folded: GraphEdge = {
    id: `${owner.id}>${item}:${kind}:${text}`,
    source: owner.id,
    target: item,
    label: text,
    type: edge.type,
    name: edge.name,
    isWeak: false,
    via: kind,
  }
  return folded
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
    plan.edges.push(foldedEdge(owner, step.item, kind, own, formatEdge(own.type, own.name)))
  }
  return plan
}

function planTable(graph: Adjacency, table: GraphNode): FoldPlan | null {
  const owner = soleOwner(graph, table, 'table')
  const slots = slotEdges(graph, table)
  if (!owner || !slots || (owner.className !== 'Map' && owner.className !== 'Set')) return null
  const text = owner.className === 'Map' ? 'entry' : 'member'
  const edges = slots.map((edge) => foldedEdge(owner, edge.target, 'table', edge, text))
  return { kind: 'table', folded: [table], owners: [owner], edges }
}

function planContext(graph: Adjacency, context: GraphNode): FoldPlan | null {
  const into = graph.into.get(context.id) ?? []
  const out = graph.out.get(context.id) ?? []
  if (into.length === 0 || out.length === 0) return null
  const owners: GraphNode[] = []
  for (const edge of into) {
    const owner = graph.byId.get(edge.source)
    if (edge.isWeak || edge.type !== 'internal' || edge.name !== 'context') return null
    if (!owner || owner.type !== 'closure') return null
    owners.push(owner)
  }
  if (!out.every((edge) => !edge.isWeak && edge.type === 'context')) return null
  const edges = owners.flatMap((owner) =>
    out.map((edge) => foldedEdge(owner, edge.target, 'context', edge, formatCapture(edge.name))),
  )
  return { kind: 'context', folded: [context], owners, edges }
}

function planFold(graph: Adjacency, node: GraphNode, known: KnownEdges): FoldPlan | null {
  if (!isFoldable(node)) return null
  if (node.className === 'system / Context') return planContext(graph, node)
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
    const note = `${plan.folded[0].label} (${FOLD_NOTE[plan.kind]})`
    for (const owner of plan.owners) notes.set(owner.id, [...(notes.get(owner.id) ?? []), note])
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
  const plans = compatiblePlans(
    model.nodes
      .map((node) => planFold(graph, node, known))
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
      edge: { type: reference.edge.type, name: reference.edge.name },
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

export function buildGraphModel(
  target: ObjectSummary,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  options: GraphOptions = {},
): GraphModel {
  const raw = collectGraph(target, paths, expansions, options.showWeak ?? false)
  const model = options.showInternals ? raw : foldInternals(raw, options.links)
  return { nodes: markCycles(model.nodes, options.cycles ?? new Map()), edges: model.edges }
}

/** The nodes the folded model still needs looked up (see itemLookups), from the raw graph. */
export function pendingItemLookups(
  target: ObjectSummary,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  showWeak: boolean,
): ItemLookup[] {
  return itemLookups(collectGraph(target, paths, expansions, showWeak))
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

const LIGHT = [0xd0, 0xd7, 0xde]
const DARK = [0x0a, 0x30, 0x69]

/** The fill for a shade: light grey for small retained sizes to dark blue for the largest. */
export function shadeColor(shade: number): string {
  const mix = (from: number, to: number): string =>
    Math.round(from + (to - from) * Math.min(1, Math.max(0, shade)))
      .toString(16)
      .padStart(2, '0')
  return `#${LIGHT.map((from, channel) => mix(from, DARK[channel])).join('')}`
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
 * The drawn edges that close a cycle, seen from the target: a depth-first walk up the
 * retainers from the target, and each edge out of a node still on the walk's stack. Turning
 * these round leaves no cycle, and every node keeps its way down to the target.
 */
export function cycleEdges(model: GraphModel): Set<string> {
  const into = new Map<string, GraphEdge[]>()
  for (const edge of model.edges) into.set(edge.target, [...(into.get(edge.target) ?? []), edge])
  const back = new Set<string>()
  const target = model.nodes.find((node) => node.kind === 'target')
  if (!target) return back
  const onStack = new Set([target.id])
  const visited = new Set([target.id])
  const stack = [{ id: target.id, next: 0 }]
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
  return back
}

/**
 * The edges dagre ranks: each drawn edge, turned round when it closes a cycle (see cycleEdges)
 * so the target is the one sink and lies below everything; plus heavy edges from TOP that hold
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
      node.kind === 'target' ? ', style=bold' : node.kind === 'more' ? ', style=dashed' : ''
    const cycle = node.cycle === null ? '' : ', color=orange'
    lines.push(`  ${quote(node.id)} [label=${quote(node.label)}${style}${cycle}];`)
  }
  for (const edge of model.edges) {
    lines.push(
      `  ${quote(edge.source)} -> ${quote(edge.target)} [label=${quote(edge.label)}${edge.isWeak ? ', style=dashed' : ''}];`,
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

/** A white outline behind text, so labels stay readable where lines cross them. */
const HALO = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'

const round = (value: number): string => String(Math.round(value * 10) / 10)

function svgNode(node: GraphNode, at: Point, largest: number): string {
  const { diameter, shade } = nodeScale(node.retainedSize, largest)
  const radius = diameter / 2
  const fill = NODE_COLORS[node.kind] ?? shadeColor(shade)
  const stroke =
    node.cycle !== null
      ? ` stroke="${CYCLE_COLOR}" stroke-width="3"`
      : node.kind === 'target'
        ? ' stroke="#82071e" stroke-width="3"'
        : ''
  const dashed = node.kind === 'more' ? ' stroke="#8c959f" stroke-dasharray="3 2"' : ''
  const shape =
    node.kind === 'root' || node.kind === 'more'
      ? `<rect x="${round(at.x - radius)}" y="${round(at.y - radius)}" width="${round(diameter)}" height="${round(diameter)}" rx="4" fill="${fill}"${stroke}${dashed}/>`
      : `<circle cx="${round(at.x)}" cy="${round(at.y)}" r="${round(radius)}" fill="${fill}"${stroke}/>`
  const cycle = node.cycle === null ? '' : ` (in cycle ${node.cycle})`
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
  const dash = edge.isWeak ? ' stroke-dasharray="5 3"' : ''
  const line = `<line x1="${round(from.x)}" y1="${round(from.y)}" x2="${round(end.x)}" y2="${round(end.y)}" stroke="${EDGE_COLOR}" stroke-width="1.5" marker-end="url(#arrow)"${dash}/>`
  const text = edge.label
    ? `<text x="${round((from.x + to.x) / 2)}" y="${round((from.y + to.y) / 2)}" text-anchor="middle" font-size="9" fill="#24292f"${HALO}>${escapeXml(edge.label)}</text>`
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
