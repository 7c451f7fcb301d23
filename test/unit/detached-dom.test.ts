// Detached DOM trees on hand-built Chrome-like heaps and against a brute-force oracle: detached
// nodes joined by the references between them, their sizes, the nodes held from outside and
// what holds them; Node.js heaps (whose own native objects V8 calls detached) have no DOM.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { getDetachedTrees } from '../../shared/heap/queries/detached'
import { getRetainedBy } from '../../shared/heap/queries/retained-by'
import { SnapshotBuilder, type Detachedness, type NodeHandle } from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

/** A page: the Window, an attached document, and helpers for DOM nodes and JS holders. */
function page() {
  const b = new SnapshotBuilder({ layout: 'chrome' })
  const { global, gcRoots } = b.standardRoots('expose-internals')
  const domTrees = b.node('synthetic', '(Document DOM trees)')
  b.edge(b.root, 'element', 2, domTrees)
  const document = b.node('native', 'HTMLDocument', { selfSize: 200, detachedness: 1 })
  b.edge(domTrees, 'element', 1, document)
  const body = b.node('native', '<body>', { selfSize: 100 })
  b.edge(document, 'element', 1, body)
  const dom = (name: string, selfSize: number, detachedness: Detachedness = 2): NodeHandle =>
    b.node('native', name, { selfSize, detachedness })
  let held = 0
  const holdOnGlobal = (className: string, type: 'property' | 'element', value: NodeHandle) => {
    const holder = b.node('object', className, { selfSize: 16 })
    b.edge(global, 'property', `h${held++}`, holder)
    if (type === 'element') b.edge(holder, 'element', 0, value)
    else b.edge(holder, 'property', 'node', value)
    return holder
  }
  return { b, global, gcRoots, body, dom, holdOnGlobal }
}

describe('detached DOM trees', () => {
  it('joins linked detached nodes into a tree, rooted at the node the others refer to most', () => {
    const { b, dom, holdOnGlobal } = page()
    const div = dom('<div>', 100)
    const first = dom('<span>', 60)
    const second = dom('<span>', 50)
    const text = dom('Text', 40)
    for (const child of [first, second]) {
      b.edge(div, 'element', 1, child)
      b.edge(child, 'element', 2, div)
    }
    b.edge(first, 'element', 1, text)
    b.edge(text, 'element', 2, first)
    b.edge(text, 'element', 3, div)
    const array = holdOnGlobal('Array', 'element', div)
    const holder = holdOnGlobal('Holder', 'property', first)
    const lone = dom('<p>', 30)
    holdOnGlobal('Keeper', 'property', lone)
    dom('<i>', 500) // detached but unreachable: not alive
    const snapshot = load(b)
    const report = getDetachedTrees(snapshot)
    expect(report.hasDom).toBe(true)
    expect(report.total).toBe(2)
    expect(report.detachedNodeCount).toBe(5)
    const [tree, small] = report.items
    expect(tree.root.node).toBe(div)
    expect(tree.nodeCount).toBe(4)
    expect(tree.selfSize).toBe(250)
    expect(tree.retainedSize).toBe(250)
    expect(tree.entryCount).toBe(2)
    expect(
      tree.heldBy.map((entry) => [
        entry.node.node,
        entry.holder.object.node,
        entry.holder.via?.text,
      ]),
    ).toEqual([
      [div, array, '[0]'],
      [first, holder, '.node'],
    ])
    expect(small.root.node).toBe(lone)
    expect(report.retainedSize).toBe(280)
    // DevTools' filter: what only detached nodes keep alive is the detached nodes themselves.
    const retained = getRetainedBy(snapshot, { kind: 'detached-dom' })
    expect(retained.items.map((item) => item.node).sort()).toEqual(
      [div, first, second, text, lone].sort(),
    )
    expect(retained.retainerCount).toBe(6)
  })

  it('counts what a tree holds alone in its retained size, once', () => {
    const { b, dom, holdOnGlobal } = page()
    const div = dom('<div>', 100)
    const span = dom('<span>', 50)
    b.edge(div, 'element', 1, span)
    b.edge(span, 'element', 2, div)
    const listener = b.node('closure', 'onClick', { selfSize: 32 })
    b.edge(span, 'element', 3, listener)
    holdOnGlobal('Array', 'element', div)
    const [tree] = getDetachedTrees(load(b)).items
    expect(tree.nodeCount).toBe(2)
    expect(tree.selfSize).toBe(150)
    expect(tree.retainedSize).toBe(182)
  })

  it('says a Node.js heap has no DOM, though Node calls its own native objects detached', () => {
    const b = new SnapshotBuilder()
    const { global } = b.standardRoots('user-roots')
    const binding = b.node('native', 'Node / BindingData', { selfSize: 40, detachedness: 2 })
    b.edge(global, 'property', 'binding', binding)
    const snapshot = load(b)
    const report = getDetachedTrees(snapshot)
    expect(report).toMatchObject({ hasDom: false, total: 0, detachedNodeCount: 0, items: [] })
    expect(getRetainedBy(snapshot, { kind: 'detached-dom' }).total).toBe(0)
  })

  it('finds the same trees as a brute-force walk over the detached nodes', () => {
    const heap = fc.record({
      nodes: fc.array(
        fc.record({ detached: fc.boolean(), selfSize: fc.integer({ min: 1, max: 100 }) }),
        { minLength: 1, maxLength: 14 },
      ),
      links: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 30 }),
      held: fc.array(fc.nat(), { maxLength: 5 }),
    })
    fc.assert(
      fc.property(heap, ({ nodes, links, held }) => {
        const { b, dom, holdOnGlobal } = page()
        const handles = nodes.map((spec, position) =>
          dom(`<n${position}>`, spec.selfSize, spec.detached ? 2 : 0),
        )
        const pick = (seed: number): NodeHandle => handles[seed % handles.length]
        for (const [from, to, weak] of links) {
          if (weak) b.edge(pick(from), 'weak', 'w', pick(to))
          else b.edge(pick(from), 'element', 1, pick(to))
        }
        for (const seed of held) holdOnGlobal('Holder', 'property', pick(seed))
        const snapshot = load(b)
        const { graph } = snapshot
        // The oracle: reachable detached nodes, grouped by an undirected walk over strong links.
        const strong: Array<[number, number]> = []
        for (let node = 0; node < graph.nodeCount; node++) {
          for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
            if (graph.edgeType[edge] !== graph.edgeTypeCode.weak)
              strong.push([node, graph.edgeTarget[edge]])
          }
        }
        const live = new Set([graph.rootNode])
        for (let grew = true; grew;) {
          grew = false
          for (const [from, to] of strong) {
            if (live.has(from) && !live.has(to)) {
              live.add(to)
              grew = true
            }
          }
        }
        const members = handles.filter((node) => graph.detachedness[node] === 2 && live.has(node))
        const memberSet = new Set(members)
        const treeOf = new Map<number, number>()
        for (const start of members) {
          if (treeOf.has(start)) continue
          const stack = [start]
          treeOf.set(start, start)
          while (stack.length > 0) {
            const node = stack.pop() as number
            for (const [from, to] of strong) {
              const other = from === node ? to : to === node ? from : -1
              if (other === -1 || !memberSet.has(other) || treeOf.has(other)) continue
              treeOf.set(other, start)
              stack.push(other)
            }
          }
        }
        const expected = new Map<number, { nodes: number[]; entries: number; retained: number }>()
        for (const node of members) {
          const tree = treeOf.get(node) as number
          const entry = expected.get(tree) ?? { nodes: [], entries: 0, retained: 0 }
          entry.nodes.push(node)
          if (strong.some(([from, to]) => to === node && !memberSet.has(from) && live.has(from)))
            entry.entries++
          if (treeOf.get(snapshot.dominator[node]) !== tree)
            entry.retained += snapshot.retainedSize[node]
          expected.set(tree, entry)
        }
        const report = getDetachedTrees(snapshot, { count: 100 })
        expect(report.detachedNodeCount).toBe(members.length)
        expect(report.total).toBe(expected.size)
        for (const tree of report.items) {
          const entry = expected.get(treeOf.get(tree.root.node) ?? -1)
          expect(entry).toBeDefined()
          expect(tree.nodeCount).toBe(entry?.nodes.length)
          expect(tree.selfSize).toBe(
            entry?.nodes.reduce((sum, node) => sum + snapshot.selfSize[node], 0),
          )
          expect(tree.entryCount).toBe(entry?.entries)
          expect(tree.retainedSize).toBe(entry?.retained)
        }
        const sizes = report.items.map((tree) => tree.retainedSize)
        expect(sizes).toEqual([...sizes].sort((x, y) => y - x))
      }),
      { numRuns: 150 },
    )
  })
})
