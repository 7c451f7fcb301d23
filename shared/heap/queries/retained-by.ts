// DevTools' named filters of the Summary, with DevTools' definitions (HeapSnapshot.ts,
// createNamedFilter): the objects that a kind of retainer alone keeps alive are the live objects
// that a walk from the root over strong references no longer reaches once those retainers are
// left out.
// - 'console': references from a synthetic root named `… / DevTools console` (the handles the
//   inspector keeps for objects logged or inspected in the console);
// - 'event-handlers': the functions of Blink's event listeners (a `V8EventListener` node's
//   reference `1` when it has code, else the first of its references that has code, else that
//   reference's target), which are themselves in the set;
// - 'detached-dom': detached DOM nodes (in the set too; Node.js's own native objects, which it
//   marks detached, are no DOM and left out, unlike DevTools).
// One BFS per kind, kept per snapshot.
import { NO_DISTANCE } from '../analyses/distances'
import { BitVector } from '../analyses/bit-vector'
import { edgeName, hasStringName } from '../graph/heap-graph'
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import { isDetachedDomNode } from './detached'
import { clampRange, summarizeObject } from './nodes'
import { sortByKeyDescending } from './sort'
import type { RetainedByReport, RetainerKind } from '../../protocol/dto'

interface RetainedSet {
  /** Members, largest retained size first. */
  nodes: Uint32Array
  selfSize: number
  retainerCount: number
}

/** The target of `node`'s reference named `name` (an element's index counts as its name). */
function edgeTargetNamed(snapshot: HeapSnapshot, node: number, name: string): number {
  const graph = snapshot.graph
  for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
    if (edgeName(graph, edge) === name) return graph.edgeTarget[edge]
  }
  return -1
}

/** The functions of Blink's event listeners, as DevTools finds them. */
function eventHandlers(snapshot: HeapSnapshot): BitVector {
  const graph = snapshot.graph
  const handlers = new BitVector(graph.nodeCount)
  const listenerNames = new Set(graph.strings.indexesOf('V8EventListener'))
  if (listenerNames.size === 0) return handlers
  for (let node = 0; node < graph.nodeCount; node++) {
    if (!listenerNames.has(graph.nodeName[node])) continue
    const callback = edgeTargetNamed(snapshot, node, '1')
    if (callback === -1) continue
    if (edgeTargetNamed(snapshot, callback, 'code') !== -1) {
      handlers.set(callback)
      continue
    }
    let found = false
    for (let edge = graph.firstEdge[callback]; edge < graph.firstEdge[callback + 1]; edge++) {
      const child = graph.edgeTarget[edge]
      if (edgeTargetNamed(snapshot, child, 'code') !== -1) {
        handlers.set(child)
        found = true
        break
      }
    }
    if (!found) handlers.set(callback)
  }
  return handlers
}

/** Whether a reference is the DevTools console's handle on an object. */
function isConsoleEdge(snapshot: HeapSnapshot, from: number, edge: number): boolean {
  const graph = snapshot.graph
  return (
    graph.nodeType[from] === graph.nodeTypeCode.synthetic &&
    hasStringName(graph, edge) &&
    graph.strings.get(graph.edgeNameOrIndex[edge]).endsWith(' / DevTools console')
  )
}

function buildSet(snapshot: HeapSnapshot, kind: RetainerKind): RetainedSet {
  const { graph, distance } = snapshot
  const { nodeCount, firstEdge, edgeType, edgeTarget, rootNode } = graph
  const weak = graph.edgeTypeCode.weak
  const handlers = kind === 'event-handlers' ? eventHandlers(snapshot) : null
  let retainerCount = 0
  if (kind === 'detached-dom') {
    for (let node = 0; node < nodeCount; node++)
      if (isDetachedDomNode(snapshot, node)) retainerCount++
  } else if (handlers) {
    for (const word of handlers.words) {
      for (let bits = word; bits !== 0; bits &= bits - 1) retainerCount++
    }
  } else {
    const synthetic = graph.nodeTypeCode.synthetic
    for (let node = 0; node < nodeCount; node++) {
      if (graph.nodeType[node] !== synthetic) continue
      for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
        if (isConsoleEdge(snapshot, node, edge)) retainerCount++
      }
    }
  }
  const skip = (from: number, edge: number): boolean => {
    const target = edgeTarget[edge]
    if (kind === 'detached-dom') return isDetachedDomNode(snapshot, target)
    if (handlers) return handlers.get(target)
    return isConsoleEdge(snapshot, from, edge)
  }
  const reached = new BitVector(nodeCount)
  const queue = new Uint32Array(nodeCount)
  let length = 0
  queue[length++] = rootNode
  reached.set(rootNode)
  for (let head = 0; head < length; head++) {
    const node = queue[head]
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      const target = edgeTarget[edge]
      if (reached.get(target) || edgeType[edge] === weak || skip(node, edge)) continue
      reached.set(target)
      queue[length++] = target
    }
  }
  const members: number[] = []
  let selfSize = 0
  for (let node = 0; node < nodeCount; node++) {
    if (reached.get(node) || distance[node] === NO_DISTANCE) continue
    members.push(node)
    selfSize += snapshot.selfSize[node]
  }
  return {
    nodes: sortByKeyDescending(Uint32Array.from(members), snapshot.retainedSize),
    selfSize,
    retainerCount,
  }
}

const retainedSets = perSnapshot(() => new Map<RetainerKind, RetainedSet>())

/**
 * The objects that only the DevTools console, only event handlers, or only detached DOM nodes
 * keep alive (DevTools' named filters), largest retained size first.
 */
export function getRetainedBy(
  snapshot: HeapSnapshot,
  query: { kind: RetainerKind; start?: number; count?: number },
): RetainedByReport {
  const sets = retainedSets(snapshot)
  let set = sets.get(query.kind)
  if (!set) {
    set = buildSet(snapshot, query.kind)
    sets.set(query.kind, set)
  }
  const [from, to] = clampRange(set.nodes.length, query.start ?? 0, query.count ?? 50)
  return {
    kind: query.kind,
    start: from,
    total: set.nodes.length,
    items: Array.from(set.nodes.subarray(from, to), (node) => summarizeObject(snapshot, node)),
    selfSize: set.selfSize,
    retainerCount: set.retainerCount,
  }
}
