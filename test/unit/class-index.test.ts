// The class index (summary, diff and leaks share it) against a brute-force oracle on random
// graphs: per class the member count, self size, smallest distance, and the retained size that
// counts a member only when no dominator ancestor of the same class is counted (walked up the
// engine's dominator tree, which analyses.test.ts checks against its definition).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, nodeLocationOf } from '../../shared/heap/snapshot'
import { buildClassIndex, classIndexOf } from '../../shared/heap/queries/class-index'
import { addString, locationOffsets } from '../../shared/heap/graph/heap-graph'
import { diffBase, interfaceDefinitionsOf } from '../../shared/heap/queries/diff'
import { classCounts } from '../../shared/heap/queries/leaks'
import { getSummary } from '../../shared/heap/queries/summary'
import { SnapshotBuilder, type NodeHandle } from '../helpers/snapshot-builder'

const CLASSES = ['Alpha', 'Beta', 'Gamma'] as const

const randomHeap = fc.integer({ min: 2, max: 30 }).chain((nodeCount) =>
  fc.record({
    parents: fc.array(fc.nat(), { minLength: nodeCount - 1, maxLength: nodeCount - 1 }),
    classes: fc.array(fc.constantFrom(...CLASSES), { minLength: nodeCount, maxLength: nodeCount }),
    selfSize: fc.array(fc.integer({ min: 0, max: 500 }), {
      minLength: nodeCount,
      maxLength: nodeCount,
    }),
    extra: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: nodeCount * 2 }),
  }),
)

describe('the class index', () => {
  it('groups and sums as the oracle does, and the summary, diff and leaks read it', () => {
    fc.assert(
      fc.property(randomHeap, ({ parents, classes, selfSize, extra }) => {
        const builder = new SnapshotBuilder()
        const nodes: NodeHandle[] = [builder.root]
        for (let node = 1; node < classes.length; node++) {
          nodes.push(builder.node('object', classes[node], { selfSize: selfSize[node] }))
        }
        for (let node = 1; node < classes.length; node++) {
          builder.edge(nodes[parents[node - 1] % node], 'property', `p${node}`, nodes[node])
        }
        extra.forEach(([from, to], position) => {
          builder.edge(
            nodes[from % nodes.length],
            'property',
            `x${position}`,
            nodes[to % nodes.length],
          )
        })
        const snapshot = initializeSnapshot(parseSnapshotBytes(builder.toBytes(), 1 << 16))
        const index = classIndexOf(snapshot)
        const { graph } = snapshot

        const expected = new Map<string, { count: number; self: number; retained: number }>()
        for (let node = 0; node < graph.nodeCount; node++) {
          if (node === graph.rootNode || snapshot.selfSize[node] === 0) continue
          const name = classes[node]
          const entry = expected.get(name) ?? { count: 0, self: 0, retained: 0 }
          entry.count++
          entry.self += snapshot.selfSize[node]
          let ancestor = snapshot.dominator[node]
          let nested = false
          while (ancestor !== graph.rootNode) {
            if (snapshot.selfSize[ancestor] > 0 && classes[ancestor] === name) nested = true
            ancestor = snapshot.dominator[ancestor]
          }
          if (!nested) entry.retained += snapshot.retainedSize[node]
          expected.set(name, entry)
        }
        const actual = new Map(
          index.classKey.map((key, position) => [
            index.className[position],
            {
              count: index.count[position],
              self: index.selfSize[position],
              retained: index.retainedSize[position],
            },
          ]),
        )
        expect(actual).toEqual(expected)
        for (let node = 1; node < graph.nodeCount; node++) {
          const position = index.nodeClass[node]
          if (snapshot.selfSize[node] === 0) expect(position).toBe(-1)
          else expect(index.className[position]).toBe(classes[node])
        }

        // The summary, the leak report's counts and a diff's base are the same classes.
        const summary = getSummary(snapshot)
        expect(new Map(summary.map((entry) => [entry.className, entry.count]))).toEqual(
          new Map([...expected].map(([name, entry]) => [name, entry.count])),
        )
        expect(classCounts(snapshot).map((entry) => entry.retainedSize)).toEqual(
          summary.map((entry) => entry.retainedSize),
        )
        const base = diffBase(snapshot, interfaceDefinitionsOf(snapshot))
        expect([...base.classKey].sort()).toEqual(summary.map((entry) => entry.classKey).sort())
        expect(Array.from(base.retainedSize).sort()).toEqual(
          summary.map((entry) => entry.retainedSize).sort(),
        )
      }),
      { numRuns: 200 },
    )
  })

  it('keeps one location record per node, the later one, in node order, as an oracle does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70_000 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 9 }), fc.nat({ max: 99 })), {
          maxLength: 60,
        }),
        (extraNodes, records) => {
          // Past 65,536 nodes the sort takes its second pass's digit into account.
          const builder = new SnapshotBuilder()
          let last = builder.root
          for (let node = 0; node < extraNodes; node++) last = builder.node('hidden', 'h')
          const nodeCount = last + 1
          const expected = new Map<number, [number, number]>()
          for (const [node, line, column] of records) {
            builder.location(node % nodeCount, 7, line, column)
            expected.set(node % nodeCount, [line, column])
          }
          const { graph } = initializeSnapshot(parseSnapshotBytes(builder.toBytes(), 1 << 20))
          const nodes = [...expected.keys()].sort((a, b) => a - b)
          expect(nodes.map((node) => nodeLocationOf(graph, node) !== -1)).toEqual(
            nodes.map(() => true),
          )
          const fields = graph.locations.length / nodes.length
          const { line, column } = locationOffsets(graph)
          nodes.forEach((node, position) => {
            const at = nodeLocationOf(graph, node)
            expect(at).toBe(position * fields)
            expect([graph.locations[at + line], graph.locations[at + column]]).toEqual(
              expected.get(node),
            )
          })
        },
      ),
      { numRuns: 60 },
    )
  })

  it('keys objects by location, and lets the later of two groups with one key win', () => {
    const builder = new SnapshotBuilder()
    const nodes: NodeHandle[] = []
    for (let node = 0; node < 6; node++) {
      nodes.push(builder.node('object', 'Alpha', { selfSize: 10 + node }))
      builder.edge(builder.root, 'property', `a${node}`, nodes[node])
    }
    // Two of them were made at one place in a script: a class of their own. The records come
    // out of node order, and the later of two records for one node wins.
    builder.location(nodes[2], 7, 9, 9).location(nodes[1], 7, 3, 5).location(nodes[2], 7, 3, 5)
    const snapshot = initializeSnapshot(parseSnapshotBytes(builder.toBytes(), 1 << 16))
    expect(nodes.map((node) => nodeLocationOf(snapshot.graph, node))).toEqual([
      -1, 0, 4, -1, -1, -1,
    ])
    const own = classIndexOf(snapshot)
    const summary = (index: typeof own) =>
      index.classKey.map((key, position) => ({ key, count: index.count[position] }))
    expect(summary(own)).toEqual([
      { key: ',Alpha', count: 4 },
      { key: '7,3,5,Alpha', count: 2 },
    ])
    expect(Array.from(nodes, (node) => own.nodeClass[node])).toEqual([0, 1, 1, 0, 0, 0])

    // Another string-table entry with the text Alpha names the last three: the same public key
    // as the first group's, and the later group wins; the earlier one's members take no part.
    const { graph } = snapshot
    const again = addString(graph, 'Alpha')
    const renamed = Uint32Array.from(snapshot.className)
    for (const node of nodes.slice(3)) renamed[node] = again
    const index = buildClassIndex(snapshot, renamed)
    expect(summary(index)).toEqual([
      { key: ',Alpha', count: 3 },
      { key: '7,3,5,Alpha', count: 2 },
    ])
    expect(Array.from(nodes, (node) => index.nodeClass[node])).toEqual([-1, 1, 1, 0, 0, 0])
    expect(index.selfSize[0]).toBe(13 + 14 + 15)
    expect(index.firstNode[0]).toBe(nodes[3])
    expect(index.retainedSize[0]).toBe(13 + 14 + 15)
  })
})
