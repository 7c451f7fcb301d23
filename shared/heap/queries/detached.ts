// Detached DOM trees (DevTools' "Detached elements", memlab's detached DOM): live nodes whose
// DOM state is detached (V8 marks Blink's nodes; propagateDomState spreads it; Node.js marks
// its own native `Node / …` objects detached too, which are no DOM and left out), joined into
// trees by the strong references between them (a removed subtree's elements, text nodes and
// their data refer to each other), each with what holds it from outside: the references from
// objects that are not detached DOM nodes. Built once per snapshot in a pass over the detached
// nodes' edges; holders are read as code for the page asked for only.
import { NO_DISTANCE } from '../analyses/distances'
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import { clampRange, summarizeObject } from './nodes'
import { holderThrough } from './holders'
import type { DetachedDomReport, DetachedTree } from '../../protocol/dto'

const DETACHED = 2
/** How many outside holders a tree lists. */
const LISTED_ENTRIES = 5

/** A tree as the index keeps it. */
interface TreeDraft {
  root: number
  nodeCount: number
  selfSize: number
  retainedSize: number
  /** Members held from outside, largest retained size first, with the retainer slot. */
  entries: Array<{ node: number; slot: number }>
}

interface DetachedIndex {
  hasDom: boolean
  detachedNodeCount: number
  trees: TreeDraft[]
}

/** Node.js names its native objects `Node / …`: DOM state there says nothing of a DOM. */
const NODE_EMBEDDER_PREFIXES = ['Node / ', 'Detached Node / ']

/** Per string id: 1 for names of Node.js's native objects (which are no DOM nodes). */
const embedderNames = perSnapshot((snapshot: HeapSnapshot): Uint8Array => {
  const { strings } = snapshot.graph
  const embedder = new Uint8Array(strings.length)
  for (const prefix of NODE_EMBEDDER_PREFIXES)
    for (const id of strings.indexesStartingWith(prefix)) embedder[id] = 1
  return embedder
})

/** Whether a node is a detached DOM node: detached, and not one of Node.js's own objects. */
export function isDetachedDomNode(snapshot: HeapSnapshot, node: number): boolean {
  const graph = snapshot.graph
  return (
    graph.detachedness[node] === DETACHED && embedderNames(snapshot)[graph.nodeName[node]] === 0
  )
}

/** Whether the snapshot has a DOM: a DOM node with a known state, or Blink's DOM trees root. */
function hasDom(snapshot: HeapSnapshot): boolean {
  const { graph } = snapshot
  const embedder = embedderNames(snapshot)
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.detachedness[node] !== 0 && embedder[graph.nodeName[node]] === 0) return true
  }
  const root = graph.rootNode
  for (let edge = graph.firstEdge[root]; edge < graph.firstEdge[root + 1]; edge++) {
    const target = graph.edgeTarget[edge]
    if (graph.strings.get(graph.nodeName[target]) === '(Document DOM trees)') return true
  }
  return false
}

function buildIndex(snapshot: HeapSnapshot): DetachedIndex {
  const { graph, distance, dominator, retainedSize, selfSize } = snapshot
  const { nodeCount, firstEdge, edgeType, edgeTarget } = graph
  const { firstRetainer, retainerNode, retainerEdge } = graph
  const weak = graph.edgeTypeCode.weak
  const members: number[] = []
  for (let node = 0; node < nodeCount; node++) {
    if (isDetachedDomNode(snapshot, node) && distance[node] !== NO_DISTANCE) members.push(node)
  }
  if (members.length === 0) return { hasDom: hasDom(snapshot), detachedNodeCount: 0, trees: [] }
  /** Per node: its position among the members, or -1 (allocated only when there are members). */
  const memberOf = new Int32Array(nodeCount).fill(-1)
  members.forEach((node, position) => (memberOf[node] = position))
  // Union-find over members: strong references between detached nodes join their trees.
  const parent = Int32Array.from(members, (_, position) => position)
  const find = (position: number): number => {
    while (parent[position] !== position) {
      parent[position] = parent[parent[position]]
      position = parent[position]
    }
    return position
  }
  for (const node of members) {
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      const other = memberOf[edgeTarget[edge]]
      if (other === -1 || edgeType[edge] === weak) continue
      const a = find(memberOf[node])
      const b = find(other)
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
    }
  }
  const treeOf = new Map<number, TreeDraft>()
  /** Per member: references from other members of its tree (a DOM root has the most). */
  const inner = new Uint32Array(members.length)
  for (const [position, node] of members.entries()) {
    const tree = find(position)
    let draft = treeOf.get(tree)
    if (!draft) {
      draft = { root: node, nodeCount: 0, selfSize: 0, retainedSize: 0, entries: [] }
      treeOf.set(tree, draft)
    }
    draft.nodeCount++
    draft.selfSize += selfSize[node]
    // Counted once: a member another member of the tree dominates is in that one's size.
    const owner = memberOf[dominator[node]]
    if (owner === -1 || find(owner) !== tree) draft.retainedSize += retainedSize[node]
    let outside = -1
    for (let slot = firstRetainer[node]; slot < firstRetainer[node + 1]; slot++) {
      if (edgeType[retainerEdge[slot]] === weak) continue
      const holder = retainerNode[slot]
      if (memberOf[holder] !== -1) {
        if (find(memberOf[holder]) === tree && holder !== node) inner[position]++
        continue
      }
      if (distance[holder] === NO_DISTANCE) continue
      // The nearest outside holder names the entry.
      if (outside === -1 || distance[holder] < distance[retainerNode[outside]]) outside = slot
    }
    if (outside !== -1) draft.entries.push({ node, slot: outside })
  }
  for (const draft of treeOf.values()) {
    draft.entries.sort((a, b) => retainedSize[b.node] - retainedSize[a.node] || a.node - b.node)
  }
  for (const [position, node] of members.entries()) {
    const draft = treeOf.get(find(position)) as TreeDraft
    const best = memberOf[draft.root]
    if (
      inner[position] > inner[best] ||
      (inner[position] === inner[best] && retainedSize[node] > retainedSize[draft.root])
    )
      draft.root = node
  }
  const trees = [...treeOf.values()].sort(
    (a, b) => b.retainedSize - a.retainedSize || b.nodeCount - a.nodeCount || a.root - b.root,
  )
  return { hasDom: true, detachedNodeCount: members.length, trees }
}

const detachedIndex = perSnapshot(buildIndex)

function treeOf(snapshot: HeapSnapshot, draft: TreeDraft): DetachedTree {
  const graph = snapshot.graph
  return {
    root: summarizeObject(snapshot, draft.root),
    nodeCount: draft.nodeCount,
    selfSize: draft.selfSize,
    retainedSize: draft.retainedSize,
    heldBy: draft.entries.slice(0, LISTED_ENTRIES).map(({ node, slot }) => ({
      node: summarizeObject(snapshot, node),
      holder: holderThrough(snapshot, graph.retainerNode[slot], graph.retainerEdge[slot], node),
    })),
    entryCount: draft.entries.length,
  }
}

/**
 * Detached DOM trees, largest retained size first, each with its size and what holds it. Empty
 * for snapshots without a DOM (`hasDom` false).
 */
export function getDetachedTrees(
  snapshot: HeapSnapshot,
  query: { start?: number; count?: number } = {},
): DetachedDomReport {
  const index = detachedIndex(snapshot)
  const [from, to] = clampRange(index.trees.length, query.start ?? 0, query.count ?? 50)
  return {
    start: from,
    total: index.trees.length,
    items: index.trees.slice(from, to).map((draft) => treeOf(snapshot, draft)),
    hasDom: index.hasDom,
    detachedNodeCount: index.detachedNodeCount,
    retainedSize: index.trees.reduce((sum, tree) => sum + tree.retainedSize, 0),
  }
}
