// Leak suspects on a real three-snapshot sequence of one Node process (see the header of
// test/fixtures/programs/sequence.cjs): the leaked records form one cluster under
// global.sequenceStore, transient and freed objects are nowhere, and the late leak shows up only
// among the growing classes. Each snapshot is condensed as if in its own process.
import { beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { findNodeById } from '../../shared/heap/queries/nodes'
import {
  classCounts,
  findLeaks,
  isNoiseClassName,
  snapshotIds,
  type ClassCount,
} from '../../shared/heap/queries/leaks'
import { snapshotSequence } from '../helpers/fixtures'
import type { LeakReport } from '../../shared/protocol/dto'

let final: HeapSnapshot
let report: LeakReport

beforeAll(async () => {
  const files = await snapshotSequence()
  const ids: Float64Array[] = []
  const counts: ClassCount[][] = []
  for (const file of files) {
    const snapshot = await loadSnapshotFile(file)
    // What would be posted from each snapshot's process.
    ids.push(structuredClone(snapshotIds(snapshot)))
    counts.push(structuredClone(classCounts(snapshot)))
    final = snapshot
  }
  report = findLeaks(final, ids[0], ids[1], [counts[0], counts[1], counts[2]])
})

function classOf(id: number): string {
  const node = findNodeById(final, id)
  if (node === null) throw new Error(`no @${id} in the final snapshot`)
  return final.graph.strings.get(final.className[node])
}

describe('leaks on the three-snapshot sequence', () => {
  it('ranks first one cluster of the 40 leaked records, each folding its array', () => {
    const [top] = report.clusters
    expect(top.className).toBe('SequenceLeakedRecord')
    expect(top.count).toBe(40)
    expect(top.suspectCount).toBe(80)
    // Each record holds a 2,000-item array: 8 bytes a slot at least.
    expect(top.retainedSize).toBeGreaterThan(40 * 2000 * 8)
    expect(top.objectIds).toHaveLength(40)
    expect(new Set(top.objectIds.map(classOf))).toEqual(new Set(['SequenceLeakedRecord']))
    expect(report.clusters.filter((cluster) => cluster.className === top.className)).toHaveLength(1)
  })

  it('gives the cluster a path from global.sequenceStore like why does', () => {
    const { path } = report.clusters[0]
    expect(path[0].edge).toBeNull()
    expect(path[0].node.className).toBe('global')
    expect(path[1].edge?.name).toBe('sequenceStore')
    expect(path[1].node.className).toBe('Map')
    expect(path.at(-1)?.node.className).toBe('SequenceLeakedRecord')
    expect(path.at(-1)?.node.id).toBe(report.clusters[0].objectIds[0])
    expect(report.clusters[0].signature).toContain('<.sequenceStore global')
  })

  it('lists neither transient, late nor freed objects among the suspects', () => {
    const classes = new Set(report.clusters.flatMap((cluster) => cluster.objectIds.map(classOf)))
    for (const absent of ['SequenceTransientJob', 'SequenceLateLeak', 'SequenceFreedItem']) {
      expect(classes.has(absent)).toBe(false)
    }
    for (const cluster of report.clusters) {
      expect(isNoiseClassName(cluster.className)).toBe(false)
      expect(cluster.className).not.toBe('(string)')
    }
  })

  it('also reports the growing items the action made and kept, as a small cluster', () => {
    const items = report.clusters.find((cluster) => cluster.className === 'SequenceGrowingItem')
    expect(items?.count).toBe(10)
    expect(items?.signature).toContain('<.sequenceGrowing global')
    expect(report.clusterCount).toBe(report.clusters.length)
    expect(report.retainedSize).toBe(
      report.clusters.reduce((sum, cluster) => sum + cluster.retainedSize, 0),
    )
  })

  it('finds the late leak and the steady growth among the growing classes', () => {
    const byName = new Map(report.growing.map((entry) => [entry.className, entry]))
    expect(byName.get('SequenceLateLeak')?.counts).toEqual([0, 0, 30])
    expect(byName.get('SequenceGrowingItem')?.counts).toEqual([10, 20, 30])
    expect(byName.get('SequenceLeakedRecord')?.counts).toEqual([0, 40, 40])
    expect(byName.has('SequenceTransientJob')).toBe(false)
    expect(byName.has('SequenceFreedItem')).toBe(false)
    for (const entry of report.growing) expect(isNoiseClassName(entry.className)).toBe(false)
  })
})
