// Analyses against brute-force oracles on random graphs (retained size = bytes that become
// unreachable when the node is deleted; dominators by definition; distances by BFS), and on
// hand-checked graphs for DevTools' special cases (redistribution, weak edges, orphans, cliques,
// WeakMap ephemerons, page objects).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import {
  initializeSnapshot,
  initializeSnapshotWith,
  type Elsewhere,
  type HeapSnapshot,
} from '../../shared/heap/snapshot'
import { redistributeSizes } from '../../shared/heap/analyses/shallow-sizes'
import {
  BASE_SYSTEM_DISTANCE,
  computeDistances,
  distanceQueueLength,
  distanceSearch,
  NO_DISTANCE,
  searchDistances,
} from '../../shared/heap/analyses/distances'
import { isUserRoot } from '../../shared/heap/analyses/roots'
import { WeakMapEdgeNames } from '../../shared/heap/analyses/weak-map-edges'
import { edgeName } from '../../shared/heap/graph/heap-graph'
import { computeDominators, dominatedCount } from '../../shared/heap/analyses/dominators'
import { SnapshotBuilder, type NodeHandle, type NodeType } from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder, chunkSize = 1 << 16): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes(), chunkSize))
}

interface RandomGraph {
  nodeCount: number
  selfSize: number[]
  /** [from, to, isWeak] */
  edges: Array<[number, number, boolean]>
}

/**
 * Random heaps in exposeInternals style (every root child synthetic, so no redistribution and
 * no page-object rule): a random spanning tree of strong edges from the root, then extra edges.
 */
const randomGraph = fc
  .integer({ min: 2, max: 24 })
  .chain((nodeCount) =>
    fc.record({
      nodeCount: fc.constant(nodeCount),
      parents: fc.array(fc.nat(), { minLength: nodeCount - 1, maxLength: nodeCount - 1 }),
      selfSize: fc.array(fc.integer({ min: 0, max: 1000 }), {
        minLength: nodeCount,
        maxLength: nodeCount,
      }),
      extra: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: nodeCount * 3 }),
      // Some tree edges are left out, so some nodes hang only off weak edges or nothing.
      dropped: fc.array(fc.boolean(), { minLength: nodeCount - 1, maxLength: nodeCount - 1 }),
    }),
  )
  .map(({ nodeCount, parents, selfSize, extra, dropped }): RandomGraph => {
    const edges: Array<[number, number, boolean]> = []
    for (let node = 1; node < nodeCount; node++) {
      if (!dropped[node - 1] || node === 1) edges.push([parents[node - 1] % node, node, false])
    }
    for (const [a, b, weak] of extra) edges.push([a % nodeCount, b % nodeCount, weak])
    selfSize[0] = 0
    return { nodeCount, selfSize, edges }
  })

function buildRandom(graph: RandomGraph): SnapshotBuilder {
  const builder = new SnapshotBuilder()
  const nodes: NodeHandle[] = [builder.root]
  const rootChildren = new Set(graph.edges.filter(([from]) => from === 0).map(([, to]) => to))
  for (let node = 1; node < graph.nodeCount; node++) {
    const type = rootChildren.has(node) ? 'synthetic' : 'object'
    nodes.push(builder.node(type, `N${node}`, { selfSize: graph.selfSize[node] }))
  }
  graph.edges.forEach(([from, to, weak], position) => {
    if (weak) builder.edge(nodes[from], 'weak', `w${position}`, nodes[to])
    else builder.edge(nodes[from], 'property', `p${position}`, nodes[to])
  })
  return builder
}

/**
 * DevTools' view of reachability: nodes without strong retainers (other than themselves) hang
 * under the root. Returns the edges with those virtual root edges added.
 */
function withOrphansUnderRoot(graph: RandomGraph): RandomGraph {
  const retained = new Array<boolean>(graph.nodeCount).fill(false)
  for (const [from, to, weak] of graph.edges) if (!weak && from !== to) retained[to] = true
  const edges = [...graph.edges]
  for (let node = 1; node < graph.nodeCount; node++) {
    if (!retained[node]) edges.push([0, node, false])
  }
  return { ...graph, edges }
}

/** Nodes reachable from the root over strong edges, optionally with one node deleted. */
function reachable(graph: RandomGraph, deleted = -1): boolean[] {
  const seen = new Array<boolean>(graph.nodeCount).fill(false)
  if (deleted === 0) return seen
  const stack = [0]
  seen[0] = true
  while (stack.length > 0) {
    const node = stack.pop() as number
    for (const [from, to, weak] of graph.edges) {
      if (from === node && !weak && to !== deleted && !seen[to]) {
        seen[to] = true
        stack.push(to)
      }
    }
  }
  return seen
}

/** Nodes that are live but become unreachable when `deleted` is deleted (itself included). */
function freedBy(graph: RandomGraph, live: boolean[], deleted: number): number[] {
  const after = reachable(graph, deleted)
  return live.flatMap((isLive, node) => (isLive && !after[node] ? [node] : []))
}

function bfsDistances(graph: RandomGraph): number[] {
  const distance = new Array<number>(graph.nodeCount).fill(NO_DISTANCE)
  distance[0] = 0
  const queue = [0]
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]
    for (const [from, to, weak] of graph.edges) {
      if (from === node && !weak && distance[to] === NO_DISTANCE) {
        distance[to] = distance[node] + 1
        queue.push(to)
      }
    }
  }
  return distance
}

/** An `Array` the global holds as `list`, with its elements store of 8,016 bytes. */
function heldArray(
  builder: SnapshotBuilder,
  global: NodeHandle,
): { array: NodeHandle; elements: NodeHandle } {
  const array = builder.node('object', 'Array', { selfSize: 32 })
  builder.edge(global, 'property', 'list', array)
  const elements = builder.node('array', '(object elements)', { selfSize: 8016 })
  builder.edge(array, 'internal', 'elements', elements)
  return { array, elements }
}

/**
 * Distances by DevTools' rule as its code reads it (HeapSnapshot's BFS with its JS filter): the
 * strings of node and edge names read per edge, and a set of pending ephemeron pairs by text.
 */
function stringRuleDistances(snapshot: HeapSnapshot): number[] {
  const { graph } = snapshot
  const { nodeCount, nodeType, nodeName, strings, firstEdge, edgeType, edgeTarget } = graph
  const codes = graph.nodeTypeCode
  const names = new WeakMapEdgeNames(graph)
  const pending = new Set<string>()
  const follow = (node: number, edge: number): boolean => {
    const name = strings.get(nodeName[node])
    if (nodeType[node] === codes.hidden) {
      if (name === 'system / NativeContext' && edgeName(graph, edge) === 'sloppy_function_map') {
        return false
      }
    } else if (nodeType[node] === codes.array && name === '(map descriptors)') {
      const position = parseInt(edgeName(graph, edge), 10)
      return position < 2 || position % 3 !== 1
    }
    if (edgeType[edge] === graph.edgeTypeCode.internal) {
      const ephemeron = names.parse(graph.edgeNameOrIndex[edge])
      if (ephemeron !== null && !pending.delete(ephemeron.duplicatedPart)) {
        pending.add(ephemeron.duplicatedPart)
        return false
      }
    }
    return true
  }
  const distance = new Array<number>(nodeCount).fill(NO_DISTANCE)
  const bfs = (queue: number[]): void => {
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]
      for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
        const target = edgeTarget[edge]
        if (edgeType[edge] === graph.edgeTypeCode.weak || distance[target] !== NO_DISTANCE) continue
        if (!follow(node, edge)) continue
        distance[target] = distance[node] + 1
        queue.push(target)
      }
    }
  }
  const userRoots: number[] = []
  for (let edge = firstEdge[graph.rootNode]; edge < firstEdge[graph.rootNode + 1]; edge++) {
    if (isUserRoot(graph, edgeTarget[edge])) {
      distance[edgeTarget[edge]] = 1
      userRoots.push(edgeTarget[edge])
    }
  }
  bfs(userRoots)
  distance[graph.rootNode] = userRoots.length > 0 ? BASE_SYSTEM_DISTANCE : 0
  bfs([graph.rootNode])
  return distance
}

/** Node and edge names the distance filter tests, and others. */
const SPECIAL_NODE_NAMES = ['system / NativeContext', '(map descriptors)', 'Object', 'Key']
const PAIR = ' / part of key (Key @3) -> value (Value @5) pair in WeakMap (table @7)'
const OTHER_PAIR = ' / part of key (K @9) -> value (V @11) pair in WeakMap (table @13)'
const SPECIAL_EDGE_NAMES = [
  'sloppy_function_map',
  'map',
  '4',
  '10',
  ' 7',
  '+13',
  'NaN',
  '1' + PAIR,
  '2' + PAIR,
  '3' + OTHER_PAIR,
  '12' + OTHER_PAIR,
  '1 / part of key',
]

interface SpecialGraph {
  /** Per node after the root: [node type: hidden, array, object or synthetic, name]. */
  nodes: Array<[number, number]>
  /** [from, to, edge type: internal, element, property, weak or hidden, name, index]. */
  edges: Array<[number, number, number, number, number]>
}

const specialGraph = fc.integer({ min: 2, max: 16 }).chain((nodeCount) =>
  fc.record({
    nodes: fc.array(fc.tuple(fc.nat(3), fc.nat(SPECIAL_NODE_NAMES.length - 1)), {
      minLength: nodeCount - 1,
      maxLength: nodeCount - 1,
    }),
    edges: fc.array(
      fc.tuple(
        fc.nat(nodeCount - 1),
        fc.nat(nodeCount - 1),
        fc.nat(4),
        fc.nat(SPECIAL_EDGE_NAMES.length - 1),
        fc.nat(9),
      ),
      { maxLength: nodeCount * 4 },
    ),
  }),
)

function buildSpecial(graph: SpecialGraph): SnapshotBuilder {
  const builder = new SnapshotBuilder()
  const types = ['hidden', 'array', 'object', 'synthetic'] as const
  const nodes: NodeHandle[] = [builder.root]
  for (const [type, name] of graph.nodes) {
    nodes.push(builder.node(types[type], SPECIAL_NODE_NAMES[name]))
  }
  for (const [from, to, type, name, index] of graph.edges) {
    if (type === 1) builder.edge(nodes[from], 'element', index, nodes[to])
    else if (type === 4) builder.edge(nodes[from], 'hidden', index, nodes[to])
    else {
      const named = (['internal', 'internal', 'property', 'weak'] as const)[type]
      builder.edge(nodes[from], named, SPECIAL_EDGE_NAMES[name], nodes[to])
    }
  }
  return builder
}

describe('analyses', () => {
  it('computes retained sizes and counts equal to what deleting each node frees', () => {
    fc.assert(
      fc.property(randomGraph, (heap) => {
        const snapshot = load(buildRandom(heap))
        const graph = withOrphansUnderRoot(heap)
        const live = reachable(graph)
        // Unreachable cycles (cliques) follow DevTools' special procedure: a hand-checked test.
        fc.pre(live.every(Boolean))
        for (let node = 1; node < graph.nodeCount; node++) {
          const freed = freedBy(graph, live, node)
          const bytes = freed.reduce((sum, other) => sum + graph.selfSize[other], 0)
          expect(snapshot.retainedSize[node], `node ${node}`).toBe(bytes)
          expect(dominatedCount(snapshot, node), `node ${node}`).toBe(freed.length)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('computes immediate dominators by their definition', () => {
    fc.assert(
      fc.property(randomGraph, (heap) => {
        const snapshot = load(buildRandom(heap))
        const graph = withOrphansUnderRoot(heap)
        const live = reachable(graph)
        fc.pre(live.every(Boolean))
        // dominators[v]: nodes whose deletion makes v unreachable (v itself excluded).
        const dominators: Array<Set<number>> = []
        for (let node = 0; node < graph.nodeCount; node++) dominators.push(new Set([0]))
        for (let candidate = 1; candidate < graph.nodeCount; candidate++) {
          if (!live[candidate]) continue
          for (const node of freedBy(graph, live, candidate)) {
            if (node !== candidate) dominators[node].add(candidate)
          }
        }
        for (let node = 1; node < graph.nodeCount; node++) {
          if (!live[node]) continue
          // The immediate dominator is the strict dominator dominated by all the others.
          const strict = [...dominators[node]]
          const immediate = strict.find((d) =>
            strict.every((other) => other === d || dominators[d].has(other)),
          )
          expect(snapshot.dominator[node], `node ${node}`).toBe(immediate)
        }
        // Lengauer and Tarjan's buckets, which take over from the semi-NCA walk past its
        // budget (-1 here: before its first step), give the same dominators and sizes.
        const buckets = computeDominators(
          snapshot.graph,
          snapshot.essentialEdge,
          snapshot.selfSize,
          undefined,
          -1,
        )
        expect(Array.from(buckets.dominator)).toEqual(Array.from(snapshot.dominator))
        expect(Array.from(buckets.retainedSize)).toEqual(Array.from(snapshot.retainedSize))
      }),
      { numRuns: 300 },
    )
  })

  it('finds the dominators of a deep chain whose last link has many children reached otherwise', () => {
    // The semi-NCA walk climbs the whole chain for each child (3,000 x 3,000 steps, over its
    // budget): the buckets take over, and the answer is the definition's.
    const builder = new SnapshotBuilder()
    const length = 3000
    const chain: NodeHandle[] = []
    for (let link = 0; link < length; link++) {
      chain.push(builder.node('object', 'Link', { selfSize: 1 }))
      builder.edge(link === 0 ? builder.root : chain[link - 1], 'property', 'next', chain[link])
    }
    const fan: NodeHandle[] = []
    for (let child = 0; child < length; child++) {
      fan.push(builder.node('object', 'Child', { selfSize: 2 }))
      builder.edge(chain[length - 1], 'element', child, fan[child])
    }
    // Reached from the root too, after the DFS has gone down the chain first.
    fan.forEach((child, index) => builder.edge(builder.root, 'element', index, child))
    const snapshot = load(builder)
    expect(chain.map((link) => snapshot.dominator[link])).toEqual([
      builder.root,
      ...chain.slice(0, -1),
    ])
    expect(fan.every((child) => snapshot.dominator[child] === builder.root)).toBe(true)
    expect(snapshot.retainedSize[chain[0]]).toBe(length)
    expect(snapshot.retainedSize[builder.root]).toBe(3 * length)
  })

  it('computes distances by BFS over strong edges when there are no user roots', () => {
    fc.assert(
      fc.property(randomGraph, (graph) => {
        const snapshot = load(buildRandom(graph))
        expect(Array.from(snapshot.distance)).toEqual(bfsDistances(graph))
        expect(snapshot.hasUserRoots).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('hangs nodes held only by weak edges, and unreachable cliques, under the root', () => {
    const builder = new SnapshotBuilder()
    const roots = builder.node('synthetic', '(GC roots)')
    builder.edge(builder.root, 'element', 1, roots)
    const held = builder.node('object', 'Held', { selfSize: 10 })
    builder.edge(roots, 'property', 'held', held)
    const weakOnly = builder.node('object', 'WeakOnly', { selfSize: 20 })
    builder.edge(held, 'weak', 'ref', weakOnly)
    const child = builder.node('object', 'ChildOfWeakOnly', { selfSize: 5 })
    builder.edge(weakOnly, 'property', 'child', child)
    const cliqueA = builder.node('object', 'CliqueA', { selfSize: 7 })
    const cliqueB = builder.node('object', 'CliqueB', { selfSize: 9 })
    builder.edge(cliqueA, 'property', 'b', cliqueB)
    builder.edge(cliqueB, 'property', 'a', cliqueA)
    const snapshot = load(builder)
    // The weakly held node and what it holds hang under the root, as in DevTools.
    expect(snapshot.dominator[weakOnly]).toBe(builder.root)
    expect(snapshot.dominator[child]).toBe(weakOnly)
    expect(snapshot.retainedSize[weakOnly]).toBe(25)
    // Each clique member is visited alone from the root: dominated by the root, retaining itself.
    expect(snapshot.dominator[cliqueA]).toBe(builder.root)
    expect(snapshot.dominator[cliqueB]).toBe(builder.root)
    expect(snapshot.retainedSize[cliqueA]).toBe(7)
    expect(snapshot.retainedSize[cliqueB]).toBe(9)
    expect(snapshot.retainedSize[builder.root]).toBe(10 + 20 + 5 + 7 + 9)
    expect(dominatedCount(snapshot, builder.root)).toBe(snapshot.graph.nodeCount)
    expect(snapshot.distance[weakOnly]).toBe(NO_DISTANCE)
    expect(snapshot.distance[held]).toBe(2)
    expect(snapshot.unreachableCount).toBe(4)
  })

  it('folds singly owned arrays and hidden nodes into their owner when there are user roots', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const { array, elements } = heldArray(builder, global)
    const shared = builder.node('array', '(shared store)', { selfSize: 100 })
    const other = builder.node('object', 'Other', { selfSize: 16 })
    builder.edge(global, 'property', 'other', other)
    builder.edge(array, 'internal', 'a', shared)
    builder.edge(other, 'internal', 'b', shared)
    const hiddenChain = builder.node('hidden', 'system / Something', { selfSize: 24 })
    builder.edge(elements, 'internal', 'x', hiddenChain)
    const snapshot = load(builder)
    expect(snapshot.hasUserRoots).toBe(true)
    expect(snapshot.selfSize[array]).toBe(32 + 8016 + 24)
    expect(snapshot.selfSize[elements]).toBe(0)
    expect(snapshot.selfSize[hiddenChain]).toBe(0)
    // Two owners: the shared store keeps its own size.
    expect(snapshot.selfSize[shared]).toBe(100)
    expect(snapshot.graph.rawSelfSize[elements]).toBe(8016)
    // User roots first: the global at 1, system objects from 100000000.
    expect(snapshot.distance[global]).toBe(1)
    expect(snapshot.distance[array]).toBe(2)
    expect(snapshot.distance[builder.root]).toBe(BASE_SYSTEM_DISTANCE)
  })

  it('keeps folded sizes in 32 bits while they fit, and in doubles once one does not', () => {
    const folded = (elementsSize: number): HeapSnapshot => {
      const builder = new SnapshotBuilder()
      const { global } = builder.standardRoots('user-roots')
      const array = builder.node('object', 'Array', { selfSize: 32 })
      builder.edge(global, 'property', 'list', array)
      const elements = builder.node('array', '(object elements)', { selfSize: elementsSize })
      builder.edge(array, 'internal', 'elements', elements)
      return load(builder)
    }
    // 32 + (2^32 - 33) = 2^32 - 1, the largest 32-bit size.
    const fits = folded(2 ** 32 - 33)
    expect(fits.selfSize).toBeInstanceOf(Uint32Array)
    expect(Math.max(...fits.selfSize)).toBe(2 ** 32 - 1)
    const over = folded(2 ** 32 - 32)
    expect(over.selfSize).toBeInstanceOf(Float64Array)
    expect(Math.max(...over.selfSize)).toBe(2 ** 32)
    expect(over.retainedSize[over.graph.rootNode]).toBeGreaterThanOrEqual(2 ** 32)
  })

  it('names classes as DevTools does, each name read once for all nodes that share it', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const made: Array<[NodeHandle, string]> = []
    const add = (type: NodeType, name: string, expected: string): void => {
      for (let copy = 0; copy < 3; copy++) {
        const node = builder.node(type, name, { selfSize: 16 })
        builder.edge(global, 'property', `n${made.length}`, node)
        made.push([node, expected])
      }
    }
    add('object', 'Object', 'Object')
    add('native', 'Object', 'Object')
    add('object', '<div id="a">', '<div>')
    add('native', '<span>', '<span>')
    add('native', 'Detached <div class="x">', 'Detached <div>')
    add('object', 'Detached <p>', 'Detached <p>')
    add('object', 'Session', 'Session')
    add('closure', 'handler', 'Function')
    add('array', '(object elements)', '(array)')
    add('hidden', 'system / Map', '(system)')
    const snapshot = load(builder)
    const { strings } = snapshot.graph
    for (const [node, expected] of made) {
      expect(strings.get(snapshot.className[node]), `node ${node}`).toBe(expected)
    }
    // A derived name is one string, whatever the nodes that gave it.
    const divs = made
      .filter(([, name]) => name === '<div>')
      .map(([node]) => snapshot.className[node])
    expect(new Set(divs).size).toBe(1)
  })

  it('keeps raw sizes for exposeInternals snapshots', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('expose-internals')
    const { array, elements } = heldArray(builder, global)
    const snapshot = load(builder)
    expect(snapshot.hasUserRoots).toBe(false)
    expect(snapshot.selfSize[array]).toBe(32)
    expect(snapshot.selfSize[elements]).toBe(8016)
    expect(snapshot.retainedSize[array]).toBe(32 + 8016)
  })

  it('attributes a WeakMap value to its key, not to the table', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const map = builder.node('object', 'WeakMap', { selfSize: 32 })
    const table = builder.node('array', '(weak map table)', { selfSize: 64, id: 1001 })
    const key = builder.node('object', 'Key', { selfSize: 16, id: 1003 })
    const value = builder.node('object', 'Value', { selfSize: 5000, id: 1005 })
    builder.edge(global, 'property', 'map', map)
    builder.edge(global, 'property', 'key', key)
    builder.edge(map, 'internal', 'table', table)
    const pair = ' / part of key (Key @1003) -> value (Value @1005) pair in WeakMap (table @1001)'
    builder.edge(table, 'internal', '1' + pair, value)
    builder.edge(key, 'internal', '2' + pair, value)
    const snapshot = load(builder)
    // The table's edge is not essential, so the key alone dominates the value.
    expect(snapshot.dominator[value]).toBe(key)
    expect(snapshot.retainedSize[key]).toBe(16 + 5000)
    // Distance comes from the second edge of the pair, so it is max(table, key) + 1 (DevTools'
    // crbug.com/1290800 rule): the table sits at 3, behind the WeakMap.
    expect(snapshot.distance[key]).toBe(2)
    expect(snapshot.distance[table]).toBe(3)
    expect(snapshot.distance[value]).toBe(4)
  })

  it("skips the edges DevTools' distance filter skips, as its string-reading rule does", () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const context = builder.node('hidden', 'system / NativeContext')
    builder.edge(global, 'internal', 'native_context', context)
    const sloppy = builder.node('object', 'SloppyMap')
    const strict = builder.node('object', 'StrictMap')
    builder.edge(context, 'internal', 'sloppy_function_map', sloppy)
    builder.edge(context, 'internal', 'strict_function_map', strict)
    // A descriptor array: positions 4, 7, 10… (parseInt of the name) are not followed, whether
    // the position is an element index or a name that reads as a number.
    const descriptors = builder.node('array', '(map descriptors)')
    builder.edge(global, 'internal', 'descriptors', descriptors)
    const byPosition: NodeHandle[] = []
    for (let position = 0; position < 8; position++) {
      byPosition.push(builder.node('object', `Element${position}`))
      builder.edge(descriptors, 'element', position, byPosition[position])
    }
    const named = ['enum_cache', '10', ' 13', '+16', '11', '-5', '7x'].map((name) => {
      const target = builder.node('object', `Named ${name}`)
      builder.edge(descriptors, 'internal', name, target)
      return target
    })
    // Edges of one WeakMap pair: the first met is skipped, the next followed, and so on.
    const holder = builder.node('object', 'Holder')
    builder.edge(global, 'property', 'holder', holder)
    const pairTargets = [1, 2, 3, 4].map((number) => {
      const target = builder.node('object', `Pair${number}`)
      builder.edge(holder, 'internal', `${number}${PAIR}`, target)
      return target
    })
    const snapshot = load(builder)
    const { distance } = snapshot
    expect(pairTargets.map((node) => distance[node])).toEqual([NO_DISTANCE, 3, NO_DISTANCE, 3])
    expect(distance[context]).toBe(2)
    expect(distance[strict]).toBe(3)
    // Skipped from the context, the sloppy map hangs off nothing else: unreached.
    expect(distance[sloppy]).toBe(NO_DISTANCE)
    const followed = byPosition.map((node) => distance[node] !== NO_DISTANCE)
    expect(followed).toEqual([true, true, true, true, false, true, true, false])
    // enum_cache (NaN), 10 (skipped), ' 13' (13: skipped), '+16' (16: skipped), 11, -5, '7x' (7).
    expect(named.map((node) => distance[node] !== NO_DISTANCE)).toEqual([
      true,
      false,
      false,
      false,
      true,
      true,
      false,
    ])
    expect(Array.from(distance)).toEqual(stringRuleDistances(snapshot))
  })

  it('gives the same analyses when jobs run elsewhere, fail there, or are declined', async () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const { array, elements } = heldArray(builder, global)
    const held = builder.node('object', 'Held', { selfSize: 24 })
    builder.edge(elements, 'element', 0, held)
    const bytes = builder.toBytes()
    const expected = initializeSnapshot(parseSnapshotBytes(bytes, 1 << 16))
    const calls: string[] = []
    // Runs each job at once, as a worker would, and notes the order of the calls.
    const done: Elsewhere = {
      sizes: async (input, raw, work) => {
        calls.push('sizes')
        expect(work.selfSize.buffer).toBeInstanceOf(SharedArrayBuffer)
        redistributeSizes(input, raw, work)
        return true
      },
      distances: async (input, distance, queue) => {
        calls.push('distances')
        expect(distance.buffer).toBeInstanceOf(SharedArrayBuffer)
        expect(queue.buffer).toBeInstanceOf(SharedArrayBuffer)
        searchDistances(input, distance, queue)
        return true
      },
      release: async () => {
        calls.push('release')
      },
    }
    const failing: Elsewhere = {
      sizes: () => Promise.reject(new Error('worker died')),
      distances: () => Promise.reject(new Error('worker died')),
      release: async () => undefined,
    }
    const declining: Elsewhere = {
      sizes: async () => false,
      distances: async () => false,
      release: async () => undefined,
    }
    for (const elsewhere of [done, failing, declining]) {
      const snapshot = await initializeSnapshotWith(
        parseSnapshotBytes(bytes, 1 << 16),
        {},
        elsewhere,
      )
      expect(Array.from(snapshot.selfSize)).toEqual(Array.from(expected.selfSize))
      expect(Array.from(snapshot.retainedSize)).toEqual(Array.from(expected.retainedSize))
      expect(Array.from(snapshot.distance)).toEqual(Array.from(expected.distance))
      expect(snapshot.classIndex).toEqual(expected.classIndex)
    }
    // The threads go before the dominators (the memory peak); the distances come after.
    expect(calls).toEqual(['sizes', 'release', 'distances'])
    expect(expected.selfSize[array]).toBe(32 + 8016)
  })

  it('searches distances as the string-reading rule on random graphs of special names', () => {
    fc.assert(
      fc.property(specialGraph, (graph) => {
        const snapshot = load(buildSpecial(graph))
        const oracle = stringRuleDistances(snapshot)
        expect(Array.from(snapshot.distance)).toEqual(oracle)
        // The search alone, into arrays full of other data (as the work arrays hand them on).
        const input = distanceSearch(snapshot.graph, new WeakMapEdgeNames(snapshot.graph))
        const distance = new Int32Array(snapshot.graph.nodeCount).fill(77)
        // One slot past the queue's length: the search never writes it.
        const queue = new Uint32Array(distanceQueueLength(input) + 1).fill(0xffffffff)
        searchDistances(input, distance, queue)
        expect(Array.from(distance)).toEqual(oracle)
        expect(queue[queue.length - 1]).toBe(0xffffffff)
        expect(
          Array.from(computeDistances(snapshot.graph, new WeakMapEdgeNames(snapshot.graph))),
        ).toEqual(oracle)
      }),
      { numRuns: 300 },
    )
  })

  it('ignores edges from non-page objects into page objects for dominators', () => {
    const builder = new SnapshotBuilder()
    const { global, handleScope } = builder.standardRoots('user-roots')
    const object = builder.node('object', 'PageObject', { selfSize: 50 })
    builder.edge(global, 'property', 'a', object)
    const leaf = builder.node('object', 'Leaf', { selfSize: 70 })
    builder.edge(object, 'property', 'leaf', leaf)
    // A debugger-style handle points at the leaf from outside the page.
    const handle = builder.node('hidden', 'system / Handle', { selfSize: 8 })
    builder.edge(handleScope, 'internal', '1', handle)
    builder.edge(handle, 'internal', 'target', leaf)
    const snapshot = load(builder)
    expect(snapshot.dominator[leaf]).toBe(object)
    expect(snapshot.retainedSize[object]).toBe(120)
  })

  it('gives the same results whatever the chunk size', () => {
    fc.assert(
      fc.property(randomGraph, fc.integer({ min: 1, max: 7 }), (graph, chunkSize) => {
        const builder = buildRandom(graph)
        const whole = load(builder)
        const chunked = load(builder, chunkSize)
        expect(Array.from(chunked.retainedSize)).toEqual(Array.from(whole.retainedSize))
        expect(Array.from(chunked.dominator)).toEqual(Array.from(whole.dominator))
        expect(chunked.graph.strings).toEqual(whole.graph.strings)
      }),
      { numRuns: 100 },
    )
  })
})
