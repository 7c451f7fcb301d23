// "What frees it" on a real heap: the map-cache fixture (global.leakCache -> Map -> table ->
// 100 Arrays of 1000 items). Cutting the global frees the Map's retained size (V8's copy of the
// global in its property cell goes with it); cutting one table entry frees that Array.
import { beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getOutgoingEdges } from '../../shared/heap/queries/nodes'
import { cutReference } from '../../shared/heap/queries/cut'
import { fixture } from '../helpers/fixtures'
import type { Reference } from '../../shared/protocol/dto'

function references(snapshot: HeapSnapshot, node: number): Reference[] {
  return getOutgoingEdges(snapshot, node, 0, 100_000).items
}

function globalObject(snapshot: HeapSnapshot): number {
  const { graph } = snapshot
  const root = graph.rootNode
  for (let edge = graph.firstEdge[root]; edge < graph.firstEdge[root + 1]; edge++) {
    if (graph.edgeType[edge] === graph.edgeTypeCode.shortcut) return graph.edgeTarget[edge]
  }
  throw new Error('no user root')
}

describe('cuts on the map-cache fixture', () => {
  let snapshot: HeapSnapshot
  let global: number
  let map: number
  let table: number

  beforeAll(async () => {
    snapshot = await loadSnapshotFile(await fixture('map-cache'))
    global = globalObject(snapshot)
    const cache = references(snapshot, global).find((item) => item.edge.name === 'leakCache')
    map = cache?.node.node ?? -1
    const store = references(snapshot, map).find((item) => item.edge.name === 'table')
    table = store?.node.node ?? -1
  }, 120_000)

  it('frees the Map and all its arrays when global.leakCache is cut', () => {
    const result = cutReference(snapshot, { from: global, edgeName: 'leakCache' })
    expect(result.target.node).toBe(map)
    expect(result.target.className).toBe('Map')
    expect(result.targetFreed).toBe(true)
    expect(result.freedBytes).toBe(snapshot.retainedSize[map])
    expect(result.freedBytes).toBeGreaterThan(100 * 8016)
    // The Map, its table, 100 arrays and their 100 keys at least.
    expect(result.freedCount).toBeGreaterThanOrEqual(202)
    expect(result.alsoCut.map((copy) => copy.from.name)).toEqual(['system / PropertyCell'])
    expect(result.largestFreed.map((object) => object.className)).toEqual(Array(5).fill('Array'))
  })

  it('frees exactly one array when its table entry is cut, and keeps the Map', () => {
    const entries = references(snapshot, table).filter((item) => item.node.className === 'Array')
    expect(entries).toHaveLength(100)
    for (const entry of entries.slice(0, 3)) {
      const result = cutReference(snapshot, { from: table, edge: entry.edge.edge, target: map })
      expect(result.freedBytes).toBe(entry.node.retainedSize)
      expect(result.freedBytes).toBeGreaterThanOrEqual(8016)
      expect(result.largestFreed[0].node).toBe(entry.node.node)
      expect(result.targetFreed).toBe(false)
      const path = result.stillAlivePath ?? []
      expect(path.at(-1)?.node.node).toBe(map)
      expect(result.stillAliveVia).toBe('gc-root')
    }
  })

  it('frees nothing of the Map when only its prototype link is cut', () => {
    const result = cutReference(snapshot, { from: map, edgeName: '__proto__', target: map })
    expect(result.targetFreed).toBe(false)
    expect(result.freedCount).toBe(0)
    expect(result.stillAlivePath?.map((step) => step.edge?.name ?? null)).toContain('leakCache')
  })
})
