// Distances from GC roots, as DevTools computes them: BFS from user roots first (distance 1),
// then from the synthetic root for everything else, starting at 100000000 when user roots exist
// (system distances). Weak edges are never followed; DevTools' JS filter skips descriptor-array
// links, the NativeContext's sloppy_function_map, and the first of each WeakMap edge pair.
//
// The search stands alone (searchDistances) and reads no string, so that a parse worker can run
// it beside the main thread's next stages (see the loader): what it needs of the strings is
// read here first (distanceSearch), as a byte of flags per string and a pair per ephemeron name.
import { hasStringName, type GraphArrays, type HeapGraph } from '../graph/heap-graph'
import { isUserRoot } from './roots'
import type { WeakMapEdgeNames } from './weak-map-edges'
import { WorkArrays } from './work-arrays'

/** Distance of nodes no BFS reached. */
export const NO_DISTANCE = -5
/** Distance assigned to the root when user roots exist; system objects count from here. */
export const BASE_SYSTEM_DISTANCE = 100_000_000

/** DistanceSearch.nameFlags: a hidden node's name `system / NativeContext`. */
const NATIVE_CONTEXT = 1
/** An array node's name `(map descriptors)`. */
const MAP_DESCRIPTORS = 2
/** An edge's name `sloppy_function_map`. */
const SLOPPY_FUNCTION_MAP = 4
/** An edge name of a descriptor array that the search does not follow (see distanceSearch). */
const SKIPPED_DESCRIPTOR = 8
/** An ephemeron edge's name: `12 / part of key (K @1) -> value (V @2) pair in WeakMap (…)`. */
const EPHEMERON = 16
/** A descriptor array's edge name read already (distanceSearch; the search does not test it). */
const DESCRIPTOR_READ = 32

/** The names the search tests, for StringTable.indexesOfAny (distanceSearch's `named`). */
export const DISTANCE_NAMES = [
  'system / NativeContext',
  '(map descriptors)',
  'sloppy_function_map',
] as const

/** What the search reads: the graph's arrays and codes, and what it needs of the strings. */
export interface DistanceSearch extends GraphArrays {
  edgeNameOrIndex: Uint32Array
  /** Node type codes. */
  hiddenNode: number
  arrayNode: number
  /** Edge type codes: the weak edge's, the internal edge's, and the two whose name is a number. */
  weak: number
  internal: number
  element: number
  hiddenEdge: number
  /** The root's edges' targets that are user roots, in edge order (repeats kept). */
  userRoots: Uint32Array
  /** Per string: which of the names the search tests it is (the flags above). */
  nameFlags: Uint8Array
  /** The ephemeron names, ascending, and the WeakMap pair each names an edge of. */
  ephemeronNames: Uint32Array
  ephemeronPairs: Uint32Array
  pairCount: number
}

/**
 * The search's inputs from a graph. `weakMapNames` reads the ephemeron names (finding essential
 * edges has read most of them already); `named`: the indexes of DISTANCE_NAMES (and maybe
 * others), when already looked up.
 */
export function distanceSearch(
  graph: HeapGraph,
  weakMapNames: WeakMapEdgeNames,
  named: Map<string, number[]> = graph.strings.indexesOfAny(DISTANCE_NAMES),
): DistanceSearch {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeTarget, edgeNameOrIndex, strings } = graph
  const { rootNode } = graph
  const nameFlags = new Uint8Array(strings.length)
  for (const [text, flag] of [
    ['system / NativeContext', NATIVE_CONTEXT],
    ['(map descriptors)', MAP_DESCRIPTORS],
    ['sloppy_function_map', SLOPPY_FUNCTION_MAP],
  ] as const) {
    for (const index of named.get(text) as number[]) nameFlags[index] |= flag
  }
  // DevTools reads a descriptor array's edge name as a number (parseInt) and skips positions
  // 4, 7, 10…: an edge named by a number is tested as that number in the search; one named by
  // a string (V8 names them "0", "1"…), here, once per name.
  const arrayNode = graph.nodeTypeCode.array
  if ((named.get('(map descriptors)') as number[]).length > 0) {
    for (let node = 0; node < nodeCount; node++) {
      if (nodeType[node] !== arrayNode || !(nameFlags[nodeName[node]] & MAP_DESCRIPTORS)) continue
      for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
        const name = edgeNameOrIndex[edge]
        if (!hasStringName(graph, edge) || nameFlags[name] & DESCRIPTOR_READ) continue
        nameFlags[name] |= DESCRIPTOR_READ
        const position = parseInt(strings.get(name), 10)
        if (position >= 2 && position % 3 === 1) nameFlags[name] |= SKIPPED_DESCRIPTOR
      }
    }
  }
  // Every ephemeron name starts with a number and ` / part of key (`: only those are read.
  const ephemeronNames: number[] = []
  const ephemeronPairs: number[] = []
  const pairs = new Map<string, number>()
  for (const index of strings.indexesOfDigitsThen(' / part of key (')) {
    const ephemeron = weakMapNames.parse(index)
    if (ephemeron === null) continue
    let pair = pairs.get(ephemeron.duplicatedPart)
    if (pair === undefined) {
      pair = pairs.size
      pairs.set(ephemeron.duplicatedPart, pair)
    }
    nameFlags[index] |= EPHEMERON
    ephemeronNames.push(index)
    ephemeronPairs.push(pair)
  }
  const userRoots: number[] = []
  for (let edge = firstEdge[rootNode]; edge < firstEdge[rootNode + 1]; edge++) {
    if (isUserRoot(graph, edgeTarget[edge])) userRoots.push(edgeTarget[edge])
  }
  return {
    nodeCount,
    rootNode,
    nodeType,
    nodeName,
    firstEdge,
    edgeType: graph.edgeType,
    edgeTarget,
    edgeNameOrIndex,
    hiddenNode: graph.nodeTypeCode.hidden,
    arrayNode,
    weak: graph.edgeTypeCode.weak,
    internal: graph.edgeTypeCode.internal,
    element: graph.edgeTypeCode.element,
    hiddenEdge: graph.edgeTypeCode.hidden,
    userRoots: Uint32Array.from(userRoots),
    nameFlags,
    ephemeronNames: Uint32Array.from(ephemeronNames),
    ephemeronPairs: Uint32Array.from(ephemeronPairs),
    pairCount: pairs.size,
  }
}

/**
 * Slots of the search's queue: every node once, and a user root once more for each time the
 * root lists it again (it enters the queue as often as listed). Usually the node count.
 */
export function distanceQueueLength(input: DistanceSearch): number {
  const { userRoots } = input
  return Math.max(1, input.nodeCount + userRoots.length - new Set(userRoots).size)
}

/**
 * Fills `distance` (nodeCount slots) with each node's distance; `queue` (distanceQueueLength
 * slots) is its work, whose contents do not matter.
 *
 * It stands alone (no imports, no module-level names, no inner functions): the parse workers
 * run its source text. Its constants are the literals of the names above.
 */
export function searchDistances(
  input: DistanceSearch,
  distance: Int32Array,
  queue: Uint32Array,
): void {
  const { nodeCount, rootNode, nodeType, nodeName, firstEdge, edgeType, edgeTarget } = input
  const { edgeNameOrIndex, hiddenNode, arrayNode, weak, internal, element, hiddenEdge } = input
  const { userRoots, nameFlags, ephemeronNames, ephemeronPairs } = input
  // NO_DISTANCE, BASE_SYSTEM_DISTANCE; the flags NATIVE_CONTEXT, MAP_DESCRIPTORS,
  // SLOPPY_FUNCTION_MAP, SKIPPED_DESCRIPTOR and EPHEMERON.
  const none = -5
  const baseSystem = 100000000
  // Per WeakMap pair: whether one of its two edges was met (and skipped) and not the other.
  const pending = new Uint8Array(input.pairCount)
  distance.fill(none, 0, nodeCount)
  let length = 0
  for (let at = 0; at < userRoots.length; at++) {
    distance[userRoots[at]] = 1
    queue[length++] = userRoots[at]
  }
  // From the user roots, then from the root for what they did not reach.
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 1) {
      distance[rootNode] = length > 0 ? baseSystem : 0
      queue[0] = rootNode
      length = 1
    }
    for (let head = 0; head < length; head++) {
      const node = queue[head]
      const next = distance[node] + 1
      const type = nodeType[node]
      const flags = nameFlags[nodeName[node]]
      const nativeContext = type === hiddenNode && (flags & 1) !== 0
      const descriptors = type === arrayNode && (flags & 2) !== 0
      const end = firstEdge[node + 1]
      for (let edge = firstEdge[node]; edge < end; edge++) {
        const edgeKind = edgeType[edge]
        if (edgeKind === weak) continue
        const target = edgeTarget[edge]
        if (distance[target] !== none) continue
        const name = edgeNameOrIndex[edge]
        const byNumber = edgeKind === element || edgeKind === hiddenEdge
        if (descriptors) {
          // A descriptor array's edge is followed or not by its position alone.
          if (byNumber ? name >= 2 && name % 3 === 1 : (nameFlags[name] & 8) !== 0) continue
        } else {
          if (nativeContext && !byNumber && (nameFlags[name] & 4) !== 0) continue
          if (edgeKind === internal && (nameFlags[name] & 16) !== 0) {
            // Skip the first edge of the (table, key) pair so the value's distance comes from
            // the second, which is the larger of the two (crbug.com/1290800).
            let low = 0
            let high = ephemeronNames.length - 1
            while (low < high) {
              const middle = (low + high) >>> 1
              if (ephemeronNames[middle] < name) low = middle + 1
              else high = middle
            }
            const pair = ephemeronPairs[low]
            if (pending[pair] === 0) {
              pending[pair] = 1
              continue
            }
            pending[pair] = 0
          }
        }
        distance[target] = next
        queue[length++] = target
      }
    }
  }
}

export function computeDistances(
  graph: HeapGraph,
  weakMapNames: WeakMapEdgeNames,
  work = new WorkArrays(),
  /** The indexes of DISTANCE_NAMES, when already looked up (see distanceSearch). */
  named?: Map<string, number[]>,
): Int32Array {
  const input = distanceSearch(graph, weakMapNames, named)
  const distance = new Int32Array(work.buffer(4 * graph.nodeCount), 0, graph.nodeCount)
  const queue = work.scratch32(distanceQueueLength(input), null)
  searchDistances(input, distance, queue)
  work.give(queue)
  return distance
}
