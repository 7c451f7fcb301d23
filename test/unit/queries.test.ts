// Queries on hand-built heaps with known answers, and cycles against a brute-force oracle
// (two nodes share a cycle exactly when each reaches the other over strong edges).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { getArrays, getArrayEntry } from '../../shared/heap/queries/arrays'
import { getCycle } from '../../shared/heap/queries/cycles'
import {
  describeObject,
  findNodeById,
  getDominatedChildren,
  getDominatorChain,
  getOutgoingEdges,
  getRetainers,
} from '../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../shared/heap/queries/paths'
import { searchObjects } from '../../shared/heap/queries/search'
import { findClasses, getClassMembers, getSummary } from '../../shared/heap/queries/summary'
import { sortByKeyDescending } from '../../shared/heap/queries/sort'
import { SnapshotBuilder } from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

/** global.cache -> Map -> table -> Array(big); global.a -> A -> b -> B -> Array(big) too. */
function leakHeap(): { builder: SnapshotBuilder; ids: Record<string, number> } {
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots('user-roots')
  const map = builder.node('object', 'Map', { selfSize: 32 })
  const table = builder.node('array', '(table)', { selfSize: 64 })
  const big = builder.node('object', 'Array', { selfSize: 32 })
  const store = builder.node('array', '(object elements)', { selfSize: 8016 })
  const holderA = builder.node('object', 'Holder', { selfSize: 24 })
  const holderB = builder.node('object', 'Holder', { selfSize: 24 })
  const weakHolder = builder.node('object', 'WeakHolder', { selfSize: 16 })
  builder.edge(global, 'property', 'cache', map)
  builder.edge(map, 'internal', 'table', table)
  builder.edge(table, 'internal', '3', big)
  builder.edge(big, 'internal', 'elements', store)
  builder.edge(global, 'property', 'a', holderA)
  builder.edge(holderA, 'property', 'b', holderB)
  builder.edge(holderB, 'property', 'list', big)
  builder.edge(global, 'property', 'w', weakHolder)
  builder.edge(weakHolder, 'weak', 'target', big)
  return {
    builder,
    ids: Object.fromEntries(
      Object.entries({ global, map, table, big, store, holderA, holderB, weakHolder }).map(
        ([name, node]) => [name, node],
      ),
    ),
  }
}

describe('queries', () => {
  it('finds the shortest retainer paths first and never through weak edges', () => {
    const { builder, ids } = leakHeap()
    const snapshot = load(builder)
    const result = findRetainerPaths(snapshot, ids.big, { count: 5 })
    expect(result.reachable).toBe(true)
    const names = result.paths.map((path) =>
      path.map((step) => (step.edge ? `${step.edge.name}>${step.node.name}` : step.node.name)),
    )
    expect(names).toEqual([
      ['global', 'cache>Map', 'table>(table)', '3>Array'],
      ['global', 'a>Holder', 'b>Holder', 'list>Array'],
    ])
    for (const path of result.paths) {
      expect(path[0].edge).toBeNull()
      expect(path.at(-1)?.node.node).toBe(ids.big)
      expect(path.every((step) => step.edge?.type !== 'weak')).toBe(true)
    }
  })

  it('says when no GC root reaches an object', () => {
    const builder = new SnapshotBuilder()
    builder.standardRoots('user-roots')
    const lost = builder.node('object', 'Lost', { selfSize: 10 })
    const result = findRetainerPaths(load(builder), lost)
    expect(result).toEqual({ paths: [], reachable: false, truncated: false })
  })

  it('lists retainers nearest to the roots first with weak ones last and flagged', () => {
    const { builder, ids } = leakHeap()
    const snapshot = load(builder)
    const retainers = getRetainers(snapshot, ids.big)
    expect(retainers.total).toBe(3)
    expect(retainers.items.map((item) => [item.edge.name, item.edge.isWeak])).toEqual([
      ['3', false],
      ['list', false],
      ['target', true],
    ])
    const page = getRetainers(snapshot, ids.big, 1, 1)
    expect(page.start).toBe(1)
    expect(page.items.map((item) => item.edge.name)).toEqual(['list'])
    const edges = getOutgoingEdges(snapshot, ids.global)
    expect(edges.items.map((item) => item.edge.name)).toContain('cache')
  })

  it('describes an object with its dominator and the dominator tree around it', () => {
    const { builder, ids } = leakHeap()
    const snapshot = load(builder)
    const details = describeObject(snapshot, ids.big)
    // Two strong paths meet only at the global: it dominates the array.
    expect(details.dominator?.node).toBe(ids.global)
    expect(details.selfSize).toBe(32 + 8016)
    expect(details.retainerCount).toBe(3)
    const children = getDominatedChildren(snapshot, ids.global)
    expect(children.items[0].node).toBe(ids.big)
    expect(getDominatorChain(snapshot, ids.big).map((step) => step.node)).toEqual([
      ids.big,
      ids.global,
      builder.root,
    ])
    expect(findNodeById(snapshot, snapshot.graph.objectId[ids.holderB])).toBe(ids.holderB)
    expect(findNodeById(snapshot, 999_999)).toBeNull()
  })

  it('catalogs arrays with counted or estimated lengths and their store bytes', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const numbers = builder.node('object', 'Array', { selfSize: 32 })
    builder.edge(global, 'property', 'numbers', numbers)
    builder.edge(
      numbers,
      'internal',
      'elements',
      builder.node('array', '(object elements)', { selfSize: 8016 }),
    )
    const objects = builder.node('object', 'Array', { selfSize: 32 })
    builder.edge(global, 'property', 'objects', objects)
    builder.edge(
      objects,
      'internal',
      'elements',
      builder.node('array', '(object elements)', { selfSize: 40 }),
    )
    for (let index = 0; index < 3; index++) {
      builder.edge(objects, 'element', index, builder.node('object', 'Item', { selfSize: 16 }))
    }
    const floats = builder.node('object', 'Float64Array', { selfSize: 96 })
    const buffer = builder.node('object', 'ArrayBuffer', { selfSize: 88 })
    const backing = builder.node('native', 'system / JSArrayBufferData', {
      selfSize: 64 * 1024 * 1024,
    })
    builder.edge(global, 'property', 'floats', floats)
    builder.edge(floats, 'internal', 'buffer', buffer)
    builder.edge(buffer, 'internal', 'backing_store', backing)
    const snapshot = load(builder)
    const byNode = new Map(
      getArrays(snapshot, { count: 100 }).items.map((entry) => [entry.node, entry]),
    )
    // A standardRoots map is 80 bytes (no pointer compression): 8-byte slots, 16-byte header.
    expect(byNode.get(numbers)).toMatchObject({
      kind: 'array',
      length: 1000,
      lengthIsEstimate: true,
      storeSize: 8016,
    })
    expect(byNode.get(objects)).toMatchObject({
      kind: 'array',
      length: 3,
      lengthIsEstimate: false,
      storeSize: 40,
    })
    expect(byNode.get(floats)).toMatchObject({
      kind: 'typed-array',
      length: 8 * 1024 * 1024,
      storeSize: 64 * 1024 * 1024,
    })
    expect(byNode.get(buffer)).toMatchObject({ kind: 'array-buffer', length: 64 * 1024 * 1024 })
    expect(byNode.get(backing)).toMatchObject({ kind: 'backing-store' })
    const arrays = getArrays(snapshot, { kinds: ['array', 'typed-array'] })
    expect(arrays.items.map((entry) => entry.node)).toEqual([floats, numbers, objects])
    expect(getArrayEntry(snapshot, global)).toBeNull()
  })

  it('counts a class retained size once per dominator subtree, as DevTools does', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const outer = builder.node('object', 'Node', { selfSize: 10 })
    const inner = builder.node('object', 'Node', { selfSize: 20 })
    const other = builder.node('object', 'Node', { selfSize: 40 })
    builder.edge(global, 'property', 'outer', outer)
    builder.edge(outer, 'property', 'inner', inner)
    builder.edge(global, 'property', 'other', other)
    const snapshot = load(builder)
    const [nodeClass] = findClasses(snapshot, 'Node')
    expect(nodeClass).toMatchObject({
      className: 'Node',
      count: 3,
      selfSize: 70,
      retainedSize: 30 + 40,
      distance: 2,
    })
    expect(getSummary(snapshot)[0].retainedSize).toBeGreaterThanOrEqual(nodeClass.retainedSize)
    const members = getClassMembers(snapshot, nodeClass.classKey)
    expect(members.items.map((item) => item.node)).toEqual([other, outer, inner])
    expect(
      getClassMembers(snapshot, nodeClass.classKey, 2, 5).items.map((item) => item.node),
    ).toEqual([inner])
    expect(getClassMembers(snapshot, 'no such class').total).toBe(0)
  })

  it('searches by @id, class name and object name', () => {
    const { builder, ids } = leakHeap()
    const snapshot = load(builder)
    const id = snapshot.graph.objectId[ids.map]
    expect(searchObjects(snapshot, { text: `@${id}` }).items.map((item) => item.node)).toEqual([
      ids.map,
    ])
    expect(
      searchObjects(snapshot, { text: 'holder' })
        .items.map((item) => item.node)
        .sort(),
    ).toEqual([ids.holderA, ids.holderB, ids.weakHolder].sort())
    expect(searchObjects(snapshot, { text: 'nothing like this' }).total).toBe(0)
  })

  it('finds cycles exactly where nodes reach each other (brute-force oracle)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 30 }),
        (count, rawEdges) => {
          const builder = new SnapshotBuilder()
          const nodes = [builder.root]
          for (let index = 1; index < count; index++)
            nodes.push(builder.node('object', `N${index}`, { selfSize: 1 }))
          const edges = rawEdges.map(([a, b, weak]) => [a % count, b % count, weak] as const)
          edges.forEach(([a, b, weak], position) =>
            builder.edge(nodes[a], weak ? 'weak' : 'property', `e${position}`, nodes[b]),
          )
          const snapshot = load(builder)
          const reaches = (from: number, to: number): boolean => {
            const seen = new Set([from])
            const stack = [from]
            while (stack.length) {
              const node = stack.pop() as number
              for (const [a, b, weak] of edges) {
                if (a !== node || weak) continue
                if (b === to) return true
                if (!seen.has(b)) {
                  seen.add(b)
                  stack.push(b)
                }
              }
            }
            return false
          }
          for (let node = 0; node < count; node++) {
            const expected = Array.from({ length: count }, (_, other) => other).filter(
              (other) => reaches(node, other) && reaches(other, node),
            )
            const cycle = getCycle(snapshot, node)
              .members.map((member) => member.node)
              .sort((a, b) => a - b)
            expect(cycle).toEqual(expected.length > 0 ? expected : [])
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('sorts by size descending and keeps ties in input order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 200 }), (sizes) => {
        const keys = Float64Array.from(sizes)
        const items = Uint32Array.from(sizes.map((_, index) => index))
        const expected = [...items].sort((a, b) => keys[b] - keys[a] || a - b)
        expect(Array.from(sortByKeyDescending(items, keys))).toEqual(expected)
      }),
    )
  })
})
