// "What frees it": the objects that stop being reachable when one reference is cut, under the
// rules of retained sizes: only essential edges retain, and the roots are the GC root and every
// object without an essential retainer (as in DevTools' dominator tree). A cut frees the whole
// dominator subtree of the reference's target or nothing, so the recount stays inside it, and a
// cut that frees anything frees exactly the target's retained size. A reference is an edge plus
// the copies V8 writes of it in its holder's own stores.
import { BitVector } from '../analyses/bit-vector'
import { dominatedCount } from '../analyses/dominators'
import { edgeName } from '../graph/heap-graph'
import { HeapSnapshotError } from '../errors'
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import { checkNode, summarizeEdge, summarizeObject } from './nodes'
import { pathEdge } from './paths'
import type { CutEdge, CutResult, ObjectSummary, PathStep } from '../../protocol/dto'

/** One reference to cut: `from` and either `edge` or `edgeName`. */
export interface CutSpec {
  /** The object that holds the reference (node ordinal). */
  from: number
  /** The reference as an edge ordinal; it must be one of `from`'s outgoing edges. */
  edge?: number
  /** Or by name as DevTools reports it (property name, or an element's index as digits). */
  edgeName?: string
  /** The object to report on; default: the reference's target. */
  target?: number
  /** How many of the largest freed objects to list (default 5). */
  largestCount?: number
  /**
   * Whether to look for a path that still keeps the target when the cut does not free it
   * (default true; a search that may cross the whole heap).
   */
  findAlivePath?: boolean
  /** Steps of dominator-chain walks before marking the subtree instead (default 4M; tests). */
  dominatorWalkBudget?: number
}

/** An append-only list of ordinals in a typed array that doubles when full. */
class OrdinalList {
  items = new Uint32Array(64)
  length = 0
  push(value: number): void {
    if (this.length === this.items.length) {
      const grown = new Uint32Array(this.items.length * 2)
      grown.set(this.items)
      this.items = grown
    }
    this.items[this.length++] = value
  }
}

/** Whether any essential edge points at `node`: objects without one are roots of their own. */
function hasEssentialRetainer(snapshot: HeapSnapshot, node: number): boolean {
  const { firstRetainer, retainerEdge } = snapshot.graph
  for (let slot = firstRetainer[node]; slot < firstRetainer[node + 1]; slot++) {
    if (snapshot.essentialEdge.get(retainerEdge[slot])) return true
  }
  return false
}

/**
 * Nodes a root reaches over essential edges, or null when that is every node (the usual case:
 * only snapshots with unreachable cycles have nodes outside it). Built once per snapshot.
 */
/**
 * Objects in a node's dominator subtree, by node, as counted so far: a walk of the subtree (tens
 * of ms for millions of objects), asked again each time an object's fix is checked.
 */
const subtreeCounts = perSnapshot(() => new Map<number, number>())

function freedObjectCount(snapshot: HeapSnapshot, head: number): number {
  const counts = subtreeCounts(snapshot)
  let count = counts.get(head)
  if (count === undefined) {
    count = dominatedCount(snapshot, head)
    counts.set(head, count)
  }
  return count
}

const liveNodes = perSnapshot((snapshot: HeapSnapshot): BitVector | null => {
  if (snapshot.unreachableCount === 0) return null
  const { nodeCount, firstEdge, edgeTarget, rootNode } = snapshot.graph
  const live = new BitVector(nodeCount)
  // Each node is pushed once, right after it is marked.
  const stack = new Uint32Array(nodeCount)
  const markFrom = (start: number): void => {
    let top = 0
    live.set(start)
    stack[top++] = start
    while (top > 0) {
      const node = stack[--top]
      for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
        const target = edgeTarget[edge]
        if (live.get(target) || !snapshot.essentialEdge.get(edge)) continue
        live.set(target)
        stack[top++] = target
      }
    }
  }
  markFrom(rootNode)
  for (let node = 0; node < nodeCount; node++) {
    if (!live.get(node) && !hasEssentialRetainer(snapshot, node)) markFrom(node)
  }
  return live
})

function isLive(live: BitVector | null, node: number): boolean {
  return live === null || live.get(node)
}

/** The edge ordinal a spec names; throws a RangeError unless exactly one edge matches. */
function resolveCutEdge(snapshot: HeapSnapshot, spec: CutSpec): number {
  const graph = snapshot.graph
  const first = graph.firstEdge[spec.from]
  const end = graph.firstEdge[spec.from + 1]
  const owner = `@${graph.objectId[spec.from]}`
  if (spec.edge !== undefined) {
    if (!Number.isInteger(spec.edge) || spec.edge < first || spec.edge >= end) {
      throw new RangeError(`edge ${spec.edge} is not a reference of ${owner}`)
    }
    return spec.edge
  }
  if (spec.edgeName === undefined) throw new RangeError('a cut needs an edge or an edge name')
  const matches: number[] = []
  for (let edge = first; edge < end; edge++) {
    if (edgeName(graph, edge) === spec.edgeName) matches.push(edge)
  }
  if (matches.length === 0)
    throw new RangeError(`${owner} has no reference named "${spec.edgeName}"`)
  if (matches.length > 1) {
    throw new HeapSnapshotError(
      'ambiguous',
      `${owner} has ${matches.length} references named "${spec.edgeName}": give the edge ordinal`,
    )
  }
  return matches[0]
}

/** The edges a cut removes: parallel lists of edge ordinals and their holders. */
interface CutEdges {
  edges: number[]
  holders: number[]
}

/** Internal edges by which an object holds its own property and element stores. */
const STORE_EDGE_NAMES: readonly string[] = ['properties', 'elements']
const PROPERTY_CELL_NAME = 'system / PropertyCell'

/**
 * The reference `edge` of `from` with its copies: the edges to the same target from the stores
 * `from` holds by `properties` or `elements`, and for a property the `value` edges of property
 * cells in those stores (global objects keep their properties in cells) named like the edge.
 * Cutting every copy is safe: the object's own edges stand for each of them, so another own
 * edge to the same target still keeps it.
 */
function referenceCopies(snapshot: HeapSnapshot, from: number, edge: number): CutEdges {
  const graph = snapshot.graph
  const { firstEdge, edgeType, edgeTarget } = graph
  const { property, element, internal, weak } = graph.edgeTypeCode
  const type = edgeType[edge]
  if (type !== property && type !== element) return { edges: [edge], holders: [from] }
  const target = edgeTarget[edge]
  const name = edgeName(graph, edge)
  // Edge -> holder, so that a copy reached twice is cut once.
  const copies = new Map<number, number>([[edge, from]])
  const stores = new Set<number>()
  for (let owned = firstEdge[from]; owned < firstEdge[from + 1]; owned++) {
    const store = edgeTarget[owned]
    if (edgeType[owned] !== internal || store === from || store === target) continue
    if (STORE_EDGE_NAMES.includes(edgeName(graph, owned))) stores.add(store)
  }
  for (const store of stores) {
    for (let slot = firstEdge[store]; slot < firstEdge[store + 1]; slot++) {
      const held = edgeTarget[slot]
      if (edgeType[slot] === weak) continue
      if (held === target) {
        copies.set(slot, store)
      } else if (
        type === property &&
        graph.strings.get(graph.nodeName[held]) === PROPERTY_CELL_NAME
      ) {
        for (const value of propertyCellValues(snapshot, held, target, name))
          copies.set(value, held)
      }
    }
  }
  return { edges: [...copies.keys()], holders: [...copies.values()] }
}

/**
 * A property cell's `value` edges to `target`, when the cell is for property `name` (the first
 * string it holds otherwise; a cell without one is taken to match).
 */
function propertyCellValues(
  snapshot: HeapSnapshot,
  cell: number,
  target: number,
  name: string,
): number[] {
  const graph = snapshot.graph
  const { firstEdge, edgeType, edgeTarget, nodeType, nodeName, strings } = graph
  const values: number[] = []
  let cellName: string | null = null
  for (let edge = firstEdge[cell]; edge < firstEdge[cell + 1]; edge++) {
    const held = edgeTarget[edge]
    if (edgeType[edge] === graph.edgeTypeCode.weak) continue
    if (edgeName(graph, edge) === 'value') {
      if (held === target) values.push(edge)
    } else if (cellName === null && nodeType[held] === graph.nodeTypeCode.string) {
      cellName = strings.get(nodeName[held])
    }
  }
  return cellName === null || cellName === name ? values : []
}

/** The nodes of `head`'s dominator subtree, head first, breadth-first. */
function dominatorSubtree(snapshot: HeapSnapshot, head: number): Uint32Array {
  const { firstDominated, dominatedNode } = snapshot
  let nodes = new Uint32Array(256)
  nodes[0] = head
  let length = 1
  for (let position = 0; position < length; position++) {
    const node = nodes[position]
    const end = firstDominated[node + 1]
    const needed = length + end - firstDominated[node]
    if (needed > nodes.length) {
      const grown = new Uint32Array(Math.max(needed, nodes.length * 2))
      grown.set(nodes)
      nodes = grown
    }
    for (let slot = firstDominated[node]; slot < end; slot++) nodes[length++] = dominatedNode[slot]
  }
  return nodes.subarray(0, length)
}

const DEFAULT_DOMINATOR_WALK_BUDGET = 1 << 22

/**
 * Whether a live object outside `head`'s dominator subtree holds it by an essential edge other
 * than the cut one. Each holder's dominator chain is walked up to `head` or the root; null when
 * the walks exceed their budget (long chains, many holders).
 */
function heldFromOutside(
  snapshot: HeapSnapshot,
  head: number,
  cut: CutEdges,
  live: BitVector | null,
  budget: number,
): boolean | null {
  const { firstRetainer, retainerEdge, retainerNode, rootNode } = snapshot.graph
  const { dominator, essentialEdge } = snapshot
  let steps = 0
  for (let slot = firstRetainer[head]; slot < firstRetainer[head + 1]; slot++) {
    const edge = retainerEdge[slot]
    const holder = retainerNode[slot]
    if (cut.edges.includes(edge) || !essentialEdge.get(edge) || !isLive(live, holder)) continue
    let node = holder
    while (node !== head && node !== rootNode) {
      node = dominator[node]
      if (++steps > budget) return null
    }
    if (node !== head) return true
  }
  return false
}

/** heldFromOutside by marking the subtree: for when the chain walks are too long. */
function heldFromOutsideSubtree(
  snapshot: HeapSnapshot,
  head: number,
  cut: CutEdges,
  live: BitVector | null,
  subtree: Uint32Array,
): boolean {
  const { firstRetainer, retainerEdge, retainerNode } = snapshot.graph
  const inSubtree = new BitVector(snapshot.graph.nodeCount)
  for (let position = 0; position < subtree.length; position++) inSubtree.set(subtree[position])
  for (let slot = firstRetainer[head]; slot < firstRetainer[head + 1]; slot++) {
    const edge = retainerEdge[slot]
    const holder = retainerNode[slot]
    if (cut.edges.includes(edge) || !snapshot.essentialEdge.get(edge) || !isLive(live, holder))
      continue
    if (!inSubtree.get(holder)) return true
  }
  return false
}

/**
 * The head of what a cut frees, or null when it frees nothing. Every path from a root into the
 * dominator subtree of the edge's target (the head) enters through the head, and the head reaches
 * all of its subtree without re-entering itself, so there are two cases: a live holder outside
 * the subtree keeps the head, and nothing is freed; or none does, and the whole subtree is freed
 * (its retained size and count, which the dominator tree already holds).
 */
function freedHead(
  snapshot: HeapSnapshot,
  cut: CutEdges,
  live: BitVector | null,
  walkBudget: number,
): number | null {
  const graph = snapshot.graph
  // Every edge of the cut points at the same head.
  const head = graph.edgeTarget[cut.edges[0]]
  if (!cutsLiveEdge(snapshot, cut, live) || head === graph.rootNode) return null
  const held = heldFromOutside(snapshot, head, cut, live, walkBudget)
  if (held === true) return null
  if (
    held === null &&
    heldFromOutsideSubtree(snapshot, head, cut, live, dominatorSubtree(snapshot, head))
  )
    return null
  return head
}

/** Whether `node` is in `head`'s dominator subtree: its dominator chain passes `head`. */
function isDominatedBy(snapshot: HeapSnapshot, node: number, head: number): boolean {
  const { dominator } = snapshot
  const root = snapshot.graph.rootNode
  for (let at = node; ; at = dominator[at]) {
    if (at === head) return true
    if (at === root) return false
  }
}

/** Whether the cut removes any essential edge from a live holder (if not, nothing changes). */
function cutsLiveEdge(snapshot: HeapSnapshot, cut: CutEdges, live: BitVector | null): boolean {
  return cut.edges.some(
    (edge, position) => snapshot.essentialEdge.get(edge) && isLive(live, cut.holders[position]),
  )
}

interface AlivePath {
  steps: PathStep[]
  via: 'gc-root' | 'unretained-object'
}

/**
 * A shortest path from a root to `target` over essential edges that avoids the cut: a BFS
 * backwards over retainers until an object the GC root holds, or one nothing retains.
 */
function pathAvoiding(
  snapshot: HeapSnapshot,
  target: number,
  cut: CutEdges,
  live: BitVector | null,
): AlivePath | null {
  const graph = snapshot.graph
  const { firstRetainer, retainerEdge, retainerNode, rootNode } = graph
  const visited = new BitVector(graph.nodeCount)
  // Per queue position: the node, the position of the node it leads to, and the edge used.
  const queue = new OrdinalList()
  const towards: number[] = []
  const viaEdge: number[] = []
  const found = (position: number, via: AlivePath['via']): AlivePath => ({
    steps: pathSteps(snapshot, queue, towards, viaEdge, position),
    via,
  })
  visited.set(target)
  queue.push(target)
  towards.push(-1)
  viaEdge.push(-1)
  for (let position = 0; position < queue.length; position++) {
    const node = queue.items[position]
    if (node === rootNode) return found(position, 'gc-root')
    // One pass over the retainers: a path starts here if the root holds the node, or if no
    // essential edge does (the cut ones count: roots are fixed before the cut).
    let isRetained = false
    for (let slot = firstRetainer[node]; slot < firstRetainer[node + 1]; slot++) {
      const edge = retainerEdge[slot]
      if (!snapshot.essentialEdge.get(edge)) continue
      isRetained = true
      const retainer = retainerNode[slot]
      if (cut.edges.includes(edge)) continue
      if (retainer === rootNode) return found(position, 'gc-root')
      if (visited.get(retainer) || !isLive(live, retainer)) continue
      visited.set(retainer)
      queue.push(retainer)
      towards.push(position)
      viaEdge.push(edge)
    }
    if (!isRetained) return found(position, 'unretained-object')
  }
  return null
}

function pathSteps(
  snapshot: HeapSnapshot,
  queue: OrdinalList,
  towards: number[],
  viaEdge: number[],
  startPosition: number,
): PathStep[] {
  const steps: PathStep[] = []
  let edge = -1
  for (let position = startPosition; position !== -1; position = towards[position]) {
    steps.push({
      node: summarizeObject(snapshot, queue.items[position]),
      edge: edge === -1 ? null : pathEdge(snapshot, edge),
    })
    edge = viaEdge[position]
  }
  return steps
}

/** The `count` freed nodes with the largest self sizes (ties: larger retained, lower ordinal). */
function largest(snapshot: HeapSnapshot, freed: Uint32Array, count: number): ObjectSummary[] {
  if (count === 0) return []
  const { selfSize, retainedSize } = snapshot
  const before = (a: number, b: number): boolean =>
    selfSize[a] !== selfSize[b]
      ? selfSize[a] > selfSize[b]
      : retainedSize[a] !== retainedSize[b]
        ? retainedSize[a] > retainedSize[b]
        : a < b
  const chosen: number[] = []
  // The self size of the last chosen node once the list is full: most nodes fail this check.
  let threshold = -Infinity
  for (let position = 0; position < freed.length; position++) {
    const node = freed[position]
    if (selfSize[node] < threshold || (chosen.length === count && !before(node, chosen[count - 1])))
      continue
    let slot = chosen.length
    while (slot > 0 && before(node, chosen[slot - 1])) slot--
    chosen.splice(slot, 0, node)
    if (chosen.length > count) chosen.pop()
    if (chosen.length === count) threshold = selfSize[chosen[count - 1]]
  }
  return chosen.map((node) => summarizeObject(snapshot, node))
}

/**
 * What cutting one reference would free: the bytes and objects that no root would reach any
 * more, whether `target` is among them, and if not, a path that keeps it alive.
 */
export function cutReference(snapshot: HeapSnapshot, spec: CutSpec): CutResult {
  checkNode(snapshot, spec.from)
  const cut = referenceCopies(snapshot, spec.from, resolveCutEdge(snapshot, spec))
  const graph = snapshot.graph
  const target = spec.target ?? graph.edgeTarget[cut.edges[0]]
  checkNode(snapshot, target)
  const live = liveNodes(snapshot)
  const walkBudget = spec.dominatorWalkBudget ?? DEFAULT_DOMINATOR_WALK_BUDGET
  const head = freedHead(snapshot, cut, live, walkBudget)
  const freedBytes = head === null ? 0 : snapshot.retainedSize[head]
  const freedCount = head === null ? 0 : freedObjectCount(snapshot, head)
  const targetFreed = head !== null && isDominatedBy(snapshot, target, head)
  const targetWasReachable = isLive(live, target)
  const path =
    targetWasReachable && !targetFreed && spec.findAlivePath !== false
      ? pathAvoiding(snapshot, target, cut, live)
      : null
  const largestCount = Math.max(0, Math.floor(spec.largestCount ?? 5))
  const cutEdge = (position: number): CutEdge => ({
    from: summarizeObject(snapshot, cut.holders[position]),
    edge: summarizeEdge(snapshot, cut.edges[position]),
  })
  return {
    ...cutEdge(0),
    alsoCut: cut.edges.slice(1).map((_edge, position) => cutEdge(position + 1)),
    isRetaining: cut.edges.some((edge) => snapshot.essentialEdge.get(edge)),
    freedBytes,
    freedCount,
    target: summarizeObject(snapshot, target),
    targetWasReachable,
    targetFreed,
    stillAlivePath: path?.steps ?? null,
    stillAliveVia: path?.via ?? null,
    largestFreed:
      head === null || largestCount === 0
        ? []
        : largest(snapshot, dominatorSubtree(snapshot, head), largestCount),
  }
}
