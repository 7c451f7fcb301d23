// Folding V8 internals into readable steps (see the section comment below).
import type { Reference } from '../../protocol'
import { formatCapture, formatEdge, formatMapSlot } from '../format'
import {
  type FoldKind,
  type GraphEdge,
  type GraphModel,
  type GraphNode,
  type ItemLookup,
  type Link,
  nodeId,
  unmarkedEdge,
} from './build'

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

export const isFoldable = (node: GraphNode): boolean => node.kind === 'object' && node.node !== null

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
