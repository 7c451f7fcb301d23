// What holds an object, read as code, for the analyses that list many objects (duplicated
// strings, detached DOM trees, closure leaks): the nearest strong retainers are climbed through
// V8's stores (elements, property stores, hash tables, contexts, `(system)` objects) to the first
// object a program made, and the few references between are folded as readablePath folds them.
// A climb is bounded (MAX_HOPS), so each costs a few retainer scans, not a path search.
import { NO_DISTANCE } from '../analyses/distances'
import type { HeapSnapshot } from '../snapshot'
import { nearestRetainerPath, nearestRetainerSlot, STORE_CLASSES } from './leaks'
import { summarizeObject } from './nodes'
import { pathEdge } from './paths'
import { readablePath } from './explain/readable'
import type { ArrayHolder, PathStep } from '../../protocol/dto'

/** How many references a climb follows through stores before it names what it reached. */
const MAX_HOPS = 6

/** A climb from an object to its nearest holder: the nodes and the edges between, holder first. */
export interface Holding {
  /** Node ordinals from the holder down to the object. */
  nodes: number[]
  /** Edge ordinals: edges[i] goes from nodes[i] to nodes[i + 1]. */
  edges: number[]
}

/** Whether a node is one of V8's stores or links, which the climb goes past. */
function isStore(snapshot: HeapSnapshot, node: number): boolean {
  const { graph } = snapshot
  const className = graph.strings.get(snapshot.className[node])
  if (STORE_CLASSES.has(className) || className.startsWith('system / Context')) return true
  return graph.nodeType[node] === graph.nodeTypeCode.hidden && className === '(system)'
}

/**
 * The nearest holder of `node` that is not a store: nearest strong retainers (each closer to a
 * GC root) climbed through stores, at most MAX_HOPS of them. Null when a GC root holds it
 * directly or nothing reaches it.
 */
export function nearestHolding(snapshot: HeapSnapshot, node: number): Holding | null {
  if (snapshot.distance[node] === NO_DISTANCE) return null
  const graph = snapshot.graph
  const nodes = [node]
  const edges: number[] = []
  let current = node
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const slot = nearestRetainerSlot(snapshot, current)
    if (slot === -1) break
    current = graph.retainerNode[slot]
    nodes.unshift(current)
    edges.unshift(graph.retainerEdge[slot])
    if (!isStore(snapshot, current)) break
  }
  return edges.length === 0 ? null : { nodes, edges }
}

/**
 * A key that two holdings share when they hold their objects the same way: the holder's class
 * and each reference, indices collapsed (`User .status`, `Array []`).
 */
export function holdingKey(snapshot: HeapSnapshot, holding: Holding): string {
  const { graph } = snapshot
  const { element, hidden } = graph.edgeTypeCode
  let key = String(snapshot.className[holding.nodes[0]])
  for (const edge of holding.edges) {
    const type = graph.edgeType[edge]
    const named = type !== element && type !== hidden
    const name = named ? graph.strings.get(graph.edgeNameOrIndex[edge]) : ''
    key += named && !/^\d+$/.test(name) ? `|${type}:${name}` : '|[]'
  }
  return key
}

/** A holding read as code: the holder and how it holds the object (`.items`, `[3]`, `entry`). */
export function describeHolding(snapshot: HeapSnapshot, holding: Holding): ArrayHolder {
  const steps: PathStep[] = holding.nodes.map((node, position) => ({
    node: summarizeObject(snapshot, node),
    edge: position === 0 ? null : pathEdge(snapshot, holding.edges[position - 1]),
  }))
  const readable = readablePath(snapshot, steps)
  const last = readable[readable.length - 1]
  return {
    object: readable.length > 1 ? readable[readable.length - 2].node : steps[0].node,
    via: last.via,
  }
}

/**
 * What holds `node` through one given reference (`edge` from `holder`), as the verdict would
 * name it: a shortest path to the holder, the reference, read as code.
 */
export function holderThrough(
  snapshot: HeapSnapshot,
  holder: number,
  edge: number,
  node: number,
): ArrayHolder {
  const path = nearestRetainerPath(snapshot, holder)
  path.push({ node: summarizeObject(snapshot, node), edge: pathEdge(snapshot, edge) })
  const readable = readablePath(snapshot, path)
  if (readable.length < 2) return { object: summarizeObject(snapshot, holder), via: null }
  return { object: readable[readable.length - 2].node, via: readable[readable.length - 1].via }
}
