// cutReference against a brute-force oracle: reachability recomputed from scratch with plain
// sets after deleting the reference (the edge and V8's copies of it in its holder's stores),
// over the engine's essential edges (the edge rules are the analyses' business and tested
// there), with the GC root and every object without an essential retainer as roots. Then
// hand-checked heaps: diamond, chain, weak edges, unreachable cycles, objects kept only by
// unretained holders, the page-object rule, copies, and the agreement with retained sizes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { edgeName } from '../../shared/heap/graph/heap-graph'
import { cutReference } from '../../shared/heap/queries/cut'
import { SnapshotBuilder, type NodeType } from '../helpers/snapshot-builder'
import type { CutResult } from '../../shared/protocol/dto'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

type EdgeKind = 'property' | 'element' | 'internal' | 'weak' | 'shortcut'

interface RandomHeap {
  nodeTypes: NodeType[]
  selfSize: number[]
  edges: Array<{ from: number; to: number; kind: EdgeKind; nameSeed: number }>
}

const EDGE_KINDS: EdgeKind[] = ['property', 'property', 'property', 'element', 'internal', 'weak']
/** Few names, so that property cells and stores match the properties they copy. */
const PROPERTY_NAMES = ['a', 'b', 'c']
const INTERNAL_NAMES = ['properties', 'elements', 'value', 'slot']

/**
 * Small heaps of every flavour: a random forest hung off the root (some links missing, so that
 * some objects are held only weakly, by cycles, or by nothing), then random extra edges of any
 * kind, shortcuts included. Object, synthetic, array, hidden and string nodes mix, so user
 * roots, page objects and size redistribution all come into play, and internal edges named
 * `properties`, `elements` and `value` (some hidden nodes are property cells) make copies of
 * references.
 */
const randomHeap = fc
  .integer({ min: 2, max: 16 })
  .chain((nodeCount) =>
    fc.record({
      nodeTypes: fc.array(
        fc.constantFrom<NodeType>('object', 'synthetic', 'array', 'hidden', 'string'),
        { minLength: nodeCount, maxLength: nodeCount },
      ),
      selfSize: fc.array(fc.integer({ min: 0, max: 500 }), {
        minLength: nodeCount,
        maxLength: nodeCount,
      }),
      links: fc.array(fc.option(fc.nat(), { freq: 4 }), {
        minLength: nodeCount - 1,
        maxLength: nodeCount - 1,
      }),
      extra: fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat(),
          fc.constantFrom<EdgeKind>(...EDGE_KINDS, 'shortcut'),
          fc.nat(),
        ),
        { maxLength: nodeCount * 2 },
      ),
      copies: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.option(fc.nat())), {
        maxLength: 3,
      }),
    }),
  )
  .map(({ nodeTypes, selfSize, links, extra, copies }): RandomHeap => {
    const nodeCount = nodeTypes.length
    const edges: RandomHeap['edges'] = []
    links.forEach((parent, offset) => {
      const node = offset + 1
      if (parent !== null) {
        edges.push({ from: parent % node, to: node, kind: 'property', nameSeed: node })
      }
    })
    for (const [from, to, kind, nameSeed] of extra) {
      edges.push({ from: from % nodeCount, to: to % nodeCount, kind, nameSeed })
    }
    for (const [pick, store, cell, name] of copies) {
      addCopy(edges, nodeTypes, pick, store % nodeCount, cell, name)
    }
    nodeTypes[0] = 'synthetic'
    return { nodeTypes, selfSize, edges }
  })

/**
 * Copies one of the heap's edges the way V8 does: its holder gets a `properties` or `elements`
 * store that holds the same target, directly or through a property cell (an even hidden node,
 * which may name a property through a string node).
 */
function addCopy(
  edges: RandomHeap['edges'],
  nodeTypes: NodeType[],
  pick: number,
  store: number,
  cellSeed: number,
  nameNode: number | null,
): void {
  const original = edges.at(pick % Math.max(1, edges.length))
  if (!original) return
  edges.push({ from: original.from, to: store, kind: 'internal', nameSeed: pick % 2 })
  const cell = 2 * (cellSeed % Math.max(1, Math.floor(nodeTypes.length / 2)))
  if (cell === 0 || pick % 3 === 0) {
    edges.push({ from: store, to: original.to, kind: 'internal', nameSeed: 3 })
    return
  }
  nodeTypes[cell] = 'hidden'
  edges.push({ from: store, to: cell, kind: 'internal', nameSeed: 3 })
  edges.push({ from: cell, to: original.to, kind: 'internal', nameSeed: 2 })
  const named = (nameNode ?? 0) % nodeTypes.length
  if (named !== 0 && named !== cell) {
    nodeTypes[named] = 'string'
    edges.push({ from: cell, to: named, kind: 'property', nameSeed: 0 })
  }
}

function nodeName(type: NodeType, node: number): string {
  if (type === 'string') return PROPERTY_NAMES[node % PROPERTY_NAMES.length]
  if (type === 'hidden' && node % 2 === 0) return 'system / PropertyCell'
  return `N${node}`
}

function buildHeap(heap: RandomHeap): SnapshotBuilder {
  const builder = new SnapshotBuilder()
  for (let node = 1; node < heap.nodeTypes.length; node++) {
    const type = heap.nodeTypes[node]
    builder.node(type, nodeName(type, node), { selfSize: heap.selfSize[node] })
  }
  for (const { from, to, kind, nameSeed } of heap.edges) {
    if (kind === 'element') builder.edge(from, 'element', nameSeed % 3, to)
    else if (kind === 'internal') builder.edge(from, kind, INTERNAL_NAMES[nameSeed % 4], to)
    else builder.edge(from, kind, PROPERTY_NAMES[nameSeed % 3], to)
  }
  return builder
}

interface OracleEdge {
  from: number
  to: number
  type: string
  name: string
  isEssential: boolean
}

function oracleEdges(snapshot: HeapSnapshot): OracleEdge[] {
  const { graph } = snapshot
  const edges: OracleEdge[] = []
  for (let from = 0; from < graph.nodeCount; from++) {
    for (let edge = graph.firstEdge[from]; edge < graph.firstEdge[from + 1]; edge++) {
      edges.push({
        from,
        to: graph.edgeTarget[edge],
        type: graph.edgeTypes[graph.edgeType[edge]],
        name: edgeName(graph, edge),
        isEssential: snapshot.essentialEdge.get(edge),
      })
    }
  }
  return edges
}

/**
 * The edges cutting reference `ordinal` removes: the edge itself and, for a property or an
 * element, the edges to the same target from the holder's `properties`/`elements` stores, and
 * the `value` edges of property cells in those stores that name the property (or nothing).
 */
function oracleCut(snapshot: HeapSnapshot, edges: OracleEdge[], ordinal: number): Set<number> {
  const { graph } = snapshot
  const cut = new Set([ordinal])
  const { from, to, type, name } = edges[ordinal]
  if (type !== 'property' && type !== 'element') return cut
  const stores = edges
    .filter((edge) => edge.from === from && edge.type === 'internal')
    .filter((edge) => ['properties', 'elements'].includes(edge.name))
    .map((edge) => edge.to)
    .filter((store) => store !== from && store !== to)
  const isCell = (node: number): boolean =>
    graph.strings.get(graph.nodeName[node]) === 'system / PropertyCell'
  const cellName = (cell: number): string | undefined => {
    const named = edges.find(
      (edge) =>
        edge.from === cell &&
        edge.type !== 'weak' &&
        edge.name !== 'value' &&
        graph.nodeTypes[graph.nodeType[edge.to]] === 'string',
    )
    return named && graph.strings.get(graph.nodeName[named.to])
  }
  edges.forEach((edge, copy) => {
    if (!stores.includes(edge.from) || edge.type === 'weak') return
    if (edge.to === to) {
      cut.add(copy)
      return
    }
    if (type !== 'property' || !isCell(edge.to)) return
    const cell = edge.to
    if (cellName(cell) !== undefined && cellName(cell) !== name) return
    edges.forEach((value, valueOrdinal) => {
      if (value.from === cell && value.to === to && value.name === 'value' && value.type !== 'weak')
        cut.add(valueOrdinal)
    })
  })
  return cut
}

/** The roots before any cut: the GC root and every node no essential edge points at. */
function oracleRoots(nodeCount: number, edges: OracleEdge[]): Set<number> {
  const roots = new Set<number>()
  for (let node = 0; node < nodeCount; node++) roots.add(node)
  for (const edge of edges) if (edge.isEssential && edge.to !== 0) roots.delete(edge.to)
  return roots
}

/** Nodes the roots reach over essential edges, the `cut` edges deleted. */
function reachable(
  edges: OracleEdge[],
  roots: Set<number>,
  cut: Set<number> = new Set(),
): Set<number> {
  const seen = new Set(roots)
  const stack = [...roots]
  while (stack.length > 0) {
    const node = stack.pop() as number
    edges.forEach((edge, ordinal) => {
      if (edge.from === node && edge.isEssential && !cut.has(ordinal) && !seen.has(edge.to)) {
        seen.add(edge.to)
        stack.push(edge.to)
      }
    })
  }
  return seen
}

/**
 * Steps of a shortest path to `target` after the cut: a path starts at the root, at an object
 * the root holds, or at a root of its own, and counts one step per object.
 */
function shortestSteps(
  edges: OracleEdge[],
  roots: Set<number>,
  cut: Set<number>,
  target: number,
): number | null {
  const level = new Map<number, number>()
  for (const node of roots) level.set(node, 1)
  edges.forEach((edge, ordinal) => {
    if (edge.from === 0 && edge.isEssential && !cut.has(ordinal)) level.set(edge.to, 1)
  })
  const queue = [...level.keys()]
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]
    edges.forEach((edge, ordinal) => {
      if (edge.from !== node || !edge.isEssential || cut.has(ordinal) || level.has(edge.to)) return
      level.set(edge.to, (level.get(node) as number) + 1)
      queue.push(edge.to)
    })
  }
  return level.get(target) ?? null
}

/** Checks that a surviving path is made of essential edges other than the cut one. */
function expectValidPath(snapshot: HeapSnapshot, result: CutResult, cut: Set<number>): void {
  const { graph } = snapshot
  const path = result.stillAlivePath ?? []
  expect(path.at(-1)?.node.node).toBe(result.target.node)
  const first = path[0].node.node
  const heldByRoot = (node: number): boolean => {
    for (let slot = graph.firstRetainer[node]; slot < graph.firstRetainer[node + 1]; slot++) {
      const edge = graph.retainerEdge[slot]
      if (graph.retainerNode[slot] === 0 && !cut.has(edge) && snapshot.essentialEdge.get(edge))
        return true
    }
    return false
  }
  if (result.stillAliveVia === 'gc-root') expect(first === 0 || heldByRoot(first)).toBe(true)
  for (let position = 1; position < path.length; position++) {
    const from = path[position - 1].node.node
    const to = path[position].node.node
    let found = false
    for (let edge = graph.firstEdge[from]; edge < graph.firstEdge[from + 1]; edge++) {
      found ||=
        !cut.has(edge) &&
        snapshot.essentialEdge.get(edge) &&
        graph.edgeTarget[edge] === to &&
        edgeName(graph, edge) === path[position].edge?.name &&
        graph.edgeTypes[graph.edgeType[edge]] === path[position].edge?.type
    }
    expect(found, `step ${position} of the path`).toBe(true)
  }
}

/** A heap with V8's usual roots; user objects hang off `global`. */
function userHeap(): { builder: SnapshotBuilder; global: number } {
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots('user-roots')
  return { builder, global }
}

/** global.owner.item, and the same item held by a cache that only a weak edge holds. */
function weaklyCachedItem(mode: 'user-roots' | 'expose-internals'): {
  snapshot: HeapSnapshot
  nodes: Record<'global' | 'owner' | 'item' | 'cache', number>
} {
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots(mode)
  const owner = builder.node('object', 'Owner', { selfSize: 16 })
  const item = builder.node('object', 'Item', { selfSize: 400 })
  const cache = builder.node('object', 'WeakCache', { selfSize: 32 })
  builder.edge(global, 'property', 'owner', owner)
  builder.edge(owner, 'property', 'item', item)
  builder.edge(global, 'weak', 'cache', cache)
  builder.edge(cache, 'property', 'item', item)
  return { snapshot: load(builder), nodes: { global, owner, item, cache } }
}

function edgeOf(snapshot: HeapSnapshot, from: number, name: string): number {
  const { graph } = snapshot
  for (let edge = graph.firstEdge[from]; edge < graph.firstEdge[from + 1]; edge++) {
    if (edgeName(graph, edge) === name) return edge
  }
  throw new Error(`no edge ${name}`)
}

describe('cutReference', () => {
  it('frees exactly what a from-scratch reachability recount says, for every edge', () => {
    fc.assert(
      fc.property(randomHeap, fc.nat(), (heap, targetSeed) => {
        const snapshot = load(buildHeap(heap))
        const nodeCount = snapshot.graph.nodeCount
        const edges = oracleEdges(snapshot)
        const roots = oracleRoots(nodeCount, edges)
        const before = reachable(edges, roots)
        edges.forEach((edge, ordinal) => {
          const cut = oracleCut(snapshot, edges, ordinal)
          const after = reachable(edges, roots, cut)
          const freed = [...before].filter((node) => !after.has(node))
          const bytes = freed.reduce((sum, node) => sum + snapshot.selfSize[node], 0)
          for (const target of [edge.to, (targetSeed + ordinal) % nodeCount]) {
            const result = cutReference(snapshot, { from: edge.from, edge: ordinal, target })
            const label = `edge ${ordinal} (${edge.from} -> ${edge.to}), target ${target}`
            const cutEdges = [result.edge, ...result.alsoCut.map((copy) => copy.edge)]
            expect(new Set(cutEdges.map((summary) => summary.edge)), label).toEqual(cut)
            expect(result.freedBytes, label).toBe(bytes)
            expect(result.freedCount, label).toBe(freed.length)
            // Whatever a cut frees is the dominator subtree of the reference's target.
            if (freed.length > 0) expect(bytes, label).toBe(snapshot.retainedSize[edge.to])
            expect(result.targetFreed, label).toBe(freed.includes(target))
            expect(result.targetWasReachable, label).toBe(before.has(target))
            expect(result.isRetaining, label).toBe([...cut].some((e) => edges[e].isEssential))
            const steps = after.has(target) ? shortestSteps(edges, roots, cut, target) : null
            expect(result.stillAlivePath?.length ?? null, label).toBe(steps)
            if (result.stillAlivePath) expectValidPath(snapshot, result, cut)
            // With no budget for dominator-chain walks, the subtree is marked instead.
            const marked = cutReference(snapshot, {
              from: edge.from,
              edge: ordinal,
              target,
              dominatorWalkBudget: 0,
            })
            expect(marked.freedBytes, label).toBe(bytes)
            expect(marked.targetFreed, label).toBe(result.targetFreed)
            // A fix's check: no list of the largest, no search for what still holds the target.
            const quick = cutReference(snapshot, {
              from: edge.from,
              edge: ordinal,
              target,
              largestCount: 0,
              findAlivePath: false,
            })
            expect(quick.freedCount, label).toBe(freed.length)
            expect(quick.targetFreed, label).toBe(result.targetFreed)
            expect([quick.largestFreed, quick.stillAlivePath], label).toEqual([[], null])
          }
        })
      }),
      { numRuns: 300 },
    )
  })

  it('frees the retained size when the only retaining reference comes from the dominator', () => {
    fc.assert(
      fc.property(randomHeap, (heap) => {
        const snapshot = load(buildHeap(heap))
        const { graph } = snapshot
        const edges = oracleEdges(snapshot)
        const live = reachable(edges, oracleRoots(graph.nodeCount, edges))
        for (let node = 1; node < graph.nodeCount; node++) {
          const holding = edges.flatMap((edge, ordinal) =>
            edge.to === node && edge.isEssential ? [ordinal] : [],
          )
          if (!live.has(node) || holding.length !== 1) continue
          const cut = holding[0]
          if (edges[cut].from !== snapshot.dominator[node]) continue
          const result = cutReference(snapshot, { from: edges[cut].from, edge: cut })
          expect(result.freedBytes, `node ${node}`).toBe(snapshot.retainedSize[node])
          expect(result.targetFreed).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('keeps a diamond alive through its other side and shows that path', () => {
    const { builder, global } = userHeap()
    const left = builder.node('object', 'Left', { selfSize: 16 })
    const right = builder.node('object', 'Right', { selfSize: 16 })
    const shared = builder.node('object', 'Shared', { selfSize: 100 })
    const payload = builder.node('object', 'Payload', { selfSize: 1000 })
    builder.edge(global, 'property', 'left', left)
    builder.edge(global, 'property', 'right', right)
    builder.edge(left, 'property', 'shared', shared)
    builder.edge(right, 'property', 'shared', shared)
    builder.edge(shared, 'property', 'payload', payload)
    const snapshot = load(builder)
    const cut = edgeOf(snapshot, left, 'shared')
    const result = cutReference(snapshot, { from: left, edgeName: 'shared' })
    expect(result.edge.edge).toBe(cut)
    expect(result.freedBytes).toBe(0)
    expect(result.freedCount).toBe(0)
    expect(result.targetFreed).toBe(false)
    expect(result.stillAliveVia).toBe('gc-root')
    const path = result.stillAlivePath ?? []
    expect(path.map((step) => step.node.node)).toEqual([global, right, shared])
    expect(path.map((step) => step.edge?.name ?? null)).toEqual([null, 'right', 'shared'])
    // The retained size of the shared object would have claimed 1100 bytes.
    expect(snapshot.retainedSize[shared]).toBe(1100)
    // Cutting the left holder itself frees it alone.
    const leftCut = cutReference(snapshot, { from: global, edgeName: 'left', target: shared })
    expect(leftCut.freedBytes).toBe(16)
    expect(leftCut.largestFreed.map((object) => object.node)).toEqual([left])
    expect(leftCut.stillAlivePath?.map((step) => step.node.node)).toEqual([global, right, shared])
  })

  it('frees the whole tail of a chain, largest objects listed first', () => {
    const { builder, global } = userHeap()
    const sizes = [10, 20, 300, 40]
    const chain = sizes.map((selfSize, position) =>
      builder.node('object', `Link${position}`, { selfSize }),
    )
    builder.edge(global, 'property', 'head', chain[0])
    for (let position = 1; position < chain.length; position++) {
      builder.edge(chain[position - 1], 'property', 'next', chain[position])
    }
    const snapshot = load(builder)
    const result = cutReference(snapshot, {
      from: chain[0],
      edgeName: 'next',
      target: chain[3],
      largestCount: 2,
    })
    expect(result.freedBytes).toBe(20 + 300 + 40)
    expect(result.freedCount).toBe(3)
    expect(result.targetFreed).toBe(true)
    expect(result.stillAlivePath).toBeNull()
    expect(result.largestFreed.map((object) => object.node)).toEqual([chain[2], chain[3]])
    // A target outside the freed part stays, through the path that never needed the edge.
    const head = cutReference(snapshot, { from: chain[0], edgeName: 'next', target: chain[0] })
    expect(head.targetFreed).toBe(false)
    expect(head.stillAlivePath?.map((step) => step.node.node)).toEqual([global, chain[0]])
  })

  it('never counts weak references as keeping anything alive', () => {
    const { builder, global } = userHeap()
    const holder = builder.node('object', 'Holder', { selfSize: 16 })
    const watcher = builder.node('object', 'Watcher', { selfSize: 16 })
    const data = builder.node('object', 'Data', { selfSize: 500 })
    builder.edge(global, 'property', 'holder', holder)
    builder.edge(global, 'property', 'watcher', watcher)
    builder.edge(holder, 'property', 'data', data)
    builder.edge(watcher, 'weak', 'ref', data)
    const snapshot = load(builder)
    const weakCut = cutReference(snapshot, { from: watcher, edgeName: 'ref' })
    expect(weakCut.isRetaining).toBe(false)
    expect(weakCut.freedBytes).toBe(0)
    expect(weakCut.targetFreed).toBe(false)
    expect(weakCut.stillAlivePath?.map((step) => step.edge?.name ?? null)).toEqual([
      null,
      'holder',
      'data',
    ])
    // The weak reference does not save the data once its strong one is cut.
    const strongCut = cutReference(snapshot, { from: holder, edgeName: 'data' })
    expect(strongCut.freedBytes).toBe(500)
    expect(strongCut.targetFreed).toBe(true)
  })

  it('frees nothing when the edge points into an unreachable cycle', () => {
    const { builder, global } = userHeap()
    const kept = builder.node('object', 'Kept', { selfSize: 8 })
    builder.edge(global, 'property', 'kept', kept)
    const cycleA = builder.node('object', 'CycleA', { selfSize: 50 })
    const cycleB = builder.node('object', 'CycleB', { selfSize: 60 })
    const tail = builder.node('object', 'Tail', { selfSize: 70 })
    builder.edge(cycleA, 'property', 'b', cycleB)
    builder.edge(cycleB, 'property', 'a', cycleA)
    builder.edge(cycleB, 'property', 'tail', tail)
    const snapshot = load(builder)
    for (const [from, name] of [
      [cycleB, 'tail'],
      [cycleA, 'b'],
    ] as const) {
      const result = cutReference(snapshot, { from, edgeName: name })
      expect(result.isRetaining).toBe(true)
      expect(result.freedBytes).toBe(0)
      expect(result.freedCount).toBe(0)
      expect(result.targetWasReachable).toBe(false)
      expect(result.targetFreed).toBe(false)
      expect(result.stillAlivePath).toBeNull()
    }
  })

  it('counts objects without retaining holders as roots, as retained sizes do', () => {
    const { snapshot, nodes } = weaklyCachedItem('expose-internals')
    const result = cutReference(snapshot, { from: nodes.owner, edgeName: 'item' })
    expect(result.freedBytes).toBe(0)
    expect(result.stillAliveVia).toBe('unretained-object')
    expect(result.stillAlivePath?.map((step) => step.node.node)).toEqual([nodes.cache, nodes.item])
    expect(result.stillAlivePath?.[1].edge?.name).toBe('item')
    // Either holder alone keeps the item: cutting the other frees nothing of it.
    expect(cutReference(snapshot, { from: nodes.cache, edgeName: 'item' }).freedBytes).toBe(0)
    const ownerCut = cutReference(snapshot, {
      from: nodes.global,
      edgeName: 'owner',
      target: nodes.item,
    })
    expect(ownerCut.freedBytes).toBe(16)
    expect(ownerCut.targetFreed).toBe(false)
  })

  it('ignores references from outside the page into it, as retained sizes do', () => {
    // With user roots the weakly held cache is not a page object, so its reference to the page's
    // item does not retain (DevTools' rule for debugger-held references).
    const { snapshot, nodes } = weaklyCachedItem('user-roots')
    const result = cutReference(snapshot, { from: nodes.owner, edgeName: 'item' })
    expect(result.freedBytes).toBe(400)
    expect(result.targetFreed).toBe(true)
    const ownerCut = cutReference(snapshot, { from: nodes.global, edgeName: 'owner' })
    expect(ownerCut.freedBytes).toBe(snapshot.retainedSize[nodes.owner])
    expect(ownerCut.freedBytes).toBe(416)
  })

  it('agrees with the retained size on a singly held subtree and not on a shared one', () => {
    const { builder, global } = userHeap()
    const map = builder.node('object', 'Map', { selfSize: 32 })
    const table = builder.node('object', 'Table', { selfSize: 64 })
    const arrays = [1, 2, 3].map((position) =>
      builder.node('object', 'Array', { selfSize: 1000 * position }),
    )
    builder.edge(global, 'property', 'cache', map)
    builder.edge(map, 'internal', 'table', table)
    arrays.forEach((array, position) => builder.edge(table, 'element', position, array))
    builder.edge(global, 'property', 'alsoFirst', arrays[0])
    const snapshot = load(builder)
    const cacheCut = cutReference(snapshot, { from: global, edgeName: 'cache' })
    expect(cacheCut.freedBytes).toBe(snapshot.retainedSize[map])
    expect(cacheCut.freedBytes).toBe(32 + 64 + 2000 + 3000)
    expect(cacheCut.freedCount).toBe(4)
    const secondCut = cutReference(snapshot, { from: table, edgeName: '1' })
    expect(secondCut.freedBytes).toBe(snapshot.retainedSize[arrays[1]])
    const firstCut = cutReference(snapshot, { from: table, edgeName: '0' })
    expect(firstCut.freedBytes).toBe(0)
    expect(firstCut.stillAlivePath?.map((step) => step.edge?.name ?? null)).toEqual([
      null,
      'alsoFirst',
    ])
  })

  it("cuts V8's copies of a reference in its holder's stores with it", () => {
    const { builder, global } = userHeap()
    // A global variable: global.cache, and the same value in the global's property cell.
    const cache = builder.node('object', 'Cache', { selfSize: 300 })
    const dictionary = builder.node('array', '(object properties)', { selfSize: 64 })
    const cell = builder.node('hidden', 'system / PropertyCell', { selfSize: 32 })
    const cellName = builder.node('string', 'cache', { selfSize: 16 })
    builder.edge(global, 'property', 'cache', cache)
    builder.edge(global, 'internal', 'properties', dictionary)
    builder.edge(dictionary, 'internal', '7', cell)
    builder.edge(cell, 'internal', 'value', cache)
    builder.edge(cell, 'hidden', 1, cellName)
    // An array's element, and the same item in its elements store.
    const list = builder.node('object', 'Array', { selfSize: 32 })
    const store = builder.node('array', '(object elements)', { selfSize: 48 })
    const item = builder.node('object', 'Item', { selfSize: 200 })
    const other = builder.node('object', 'Item', { selfSize: 100 })
    builder.edge(global, 'property', 'list', list)
    builder.edge(list, 'element', 0, item)
    builder.edge(list, 'element', 1, other)
    builder.edge(list, 'internal', 'elements', store)
    builder.edge(store, 'internal', '0', item)
    builder.edge(store, 'internal', '1', other)
    const snapshot = load(builder)
    const cacheCut = cutReference(snapshot, { from: global, edgeName: 'cache' })
    expect(cacheCut.alsoCut.map((copy) => [copy.from.node, copy.edge.name])).toEqual([
      [cell, 'value'],
    ])
    expect(cacheCut.freedBytes).toBe(300)
    expect(cacheCut.targetFreed).toBe(true)
    const itemCut = cutReference(snapshot, { from: list, edgeName: '0' })
    expect(itemCut.alsoCut.map((copy) => [copy.from.node, copy.edge.name])).toEqual([[store, '0']])
    expect(itemCut.freedBytes).toBe(200)
    // The store's own edge alone is not the reference: the array still holds the item.
    const storeCut = cutReference(snapshot, { from: store, edgeName: '0' })
    expect(storeCut.alsoCut).toEqual([])
    expect(storeCut.freedBytes).toBe(0)
    expect(storeCut.stillAlivePath?.map((step) => step.edge?.name ?? null)).toEqual([
      null,
      'list',
      '0',
    ])
  })

  it('names the reference by edge ordinal or by name, and rejects the wrong ones', () => {
    const { builder, global } = userHeap()
    const a = builder.node('object', 'A', { selfSize: 8 })
    const b = builder.node('object', 'B', { selfSize: 8 })
    builder.edge(global, 'property', 'same', a)
    builder.edge(global, 'internal', 'same', b)
    builder.edge(global, 'property', 'a', a)
    const snapshot = load(builder)
    expect(() => cutReference(snapshot, { from: global, edgeName: 'same' })).toThrow(
      /2 references named "same"/,
    )
    // An ambiguous name is an error code callers can branch on, not a message to match.
    expect(() => cutReference(snapshot, { from: global, edgeName: 'same' })).toThrow(
      expect.objectContaining({ code: 'ambiguous' }),
    )
    expect(() => cutReference(snapshot, { from: global, edgeName: 'nothing' })).toThrow(
      /no reference named "nothing"/,
    )
    expect(() => cutReference(snapshot, { from: a, edge: edgeOf(snapshot, global, 'a') })).toThrow(
      RangeError,
    )
    expect(() => cutReference(snapshot, { from: snapshot.graph.nodeCount, edgeName: 'a' })).toThrow(
      RangeError,
    )
    const byOrdinal = cutReference(snapshot, { from: global, edge: edgeOf(snapshot, global, 'a') })
    expect(byOrdinal.edge.name).toBe('a')
    expect(byOrdinal.target.node).toBe(a)
  })
})
