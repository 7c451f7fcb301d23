// Leak suspects on hand-built heaps: which new objects count (noise, system-only and late objects
// do not), how suspects fold into the suspect that dominates them, how heads cluster by their
// normalized retainer path, and which classes count as growing across three snapshots.
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import {
  classCounts,
  findGrowingClasses,
  findLeaks,
  isNoiseClassName,
  snapshotIds,
  type ClassCount,
  type LeakOptions,
} from '../../shared/heap/queries/leaks'
import { getSummary } from '../../shared/heap/queries/summary'
import { SnapshotBuilder, type NodeHandle, type RootsMode } from '../helpers/snapshot-builder'
import type { LeakReport } from '../../shared/protocol/dto'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

/**
 * A final snapshot where `window` nodes were allocated between baseline and target, `late` ones
 * after the target, and every other node existed at baseline.
 */
class Scenario {
  readonly builder = new SnapshotBuilder()
  readonly global: NodeHandle
  readonly gcRoots: NodeHandle
  private readonly windowNodes: NodeHandle[] = []
  private readonly lateNodes: NodeHandle[] = []

  constructor(mode: RootsMode = 'user-roots') {
    const roots = this.builder.standardRoots(mode)
    this.global = roots.global
    this.gcRoots = roots.gcRoots
  }

  /** An object allocated between baseline and target. */
  fresh(type: Parameters<SnapshotBuilder['node']>[0], name: string, selfSize = 16): NodeHandle {
    const node = this.builder.node(type, name, { selfSize })
    this.windowNodes.push(node)
    return node
  }

  /** An object allocated after the target snapshot. */
  late(name: string, selfSize = 16): NodeHandle {
    const node = this.builder.node('object', name, { selfSize })
    this.lateNodes.push(node)
    return node
  }

  old(name: string, selfSize = 16): NodeHandle {
    return this.builder.node('object', name, { selfSize })
  }

  leaks(options: LeakOptions = {}): { report: LeakReport; snapshot: HeapSnapshot } {
    const snapshot = load(this.builder)
    const idOf = (node: NodeHandle): number => snapshot.graph.objectId[node]
    const fresh = new Set([...this.windowNodes, ...this.lateNodes])
    const baseIds: number[] = []
    for (let node = 0; node < snapshot.graph.nodeCount; node++) {
      if (!fresh.has(node)) baseIds.push(idOf(node))
    }
    const targetIds = [...baseIds, ...this.windowNodes.map(idOf)]
    const sorted = (ids: number[]): Float64Array => Float64Array.from(ids).sort()
    const report = findLeaks(snapshot, sorted(baseIds), sorted(targetIds), [[], [], []], options)
    return { report, snapshot }
  }
}

describe('leaks', () => {
  it('lists snapshot ids ascending and class counts by the summary rule', () => {
    const scenario = new Scenario()
    for (let index = 0; index < 3; index++) {
      scenario.builder.edge(scenario.global, 'element', index, scenario.old('Thing', 20))
    }
    const snapshot = load(scenario.builder)
    const ids = snapshotIds(snapshot)
    expect(ids.length).toBe(snapshot.graph.nodeCount)
    expect([...ids]).toEqual([...snapshot.graph.objectId].sort((a, b) => a - b))
    const counts = classCounts(snapshot)
    expect(counts).toEqual(
      getSummary(snapshot).map(({ classKey, className, count, retainedSize }) => ({
        classKey,
        className,
        count,
        retainedSize,
      })),
    )
    expect(counts.find((entry) => entry.className === 'Thing')?.count).toBe(3)
  })

  it('keeps only objects allocated between baseline and target that user roots reach', () => {
    const scenario = new Scenario()
    const { builder, global } = scenario
    builder.edge(global, 'property', 'kept', scenario.fresh('object', 'Kept'))
    builder.edge(global, 'property', 'older', scenario.old('Older'))
    builder.edge(global, 'property', 'later', scenario.late('Later'))
    // Only a GC root (not the global) reaches this one: V8's own, at a system distance.
    builder.edge(scenario.gcRoots, 'element', 9, scenario.fresh('object', 'SystemOnly'))
    // Nothing reaches this one.
    scenario.fresh('object', 'Garbage')
    const { report } = scenario.leaks()
    expect(report.clusters.map((cluster) => cluster.className)).toEqual(['Kept'])
    expect(report.suspectCount).toBe(1)
  })

  it('never makes V8 internals or strings suspects unless strings are asked for', () => {
    const scenario = new Scenario()
    const { builder, global } = scenario
    const noise: Array<[Parameters<SnapshotBuilder['node']>[0], string]> = [
      ['hidden', 'system / PropertyCell'],
      ['code', 'system / FeedbackVector'],
      ['code', 'system / BytecodeArray'],
      ['object shape', 'system / Map'],
      ['array', '(object elements)'],
      ['number', 'heap number'],
      ['object', 'system / Context'],
      ['string', 'a leaked string'],
      ['concatenated string', 'a cons string'],
      ['sliced string', 'a sliced string'],
    ]
    noise.forEach(([type, name], position) => {
      builder.edge(global, 'property', `noise${position}`, scenario.fresh(type, name))
    })
    expect(scenario.leaks().report.clusters).toEqual([])
    const withStrings = scenario.leaks({ includeStrings: true }).report
    expect(withStrings.clusters.map((cluster) => cluster.className).sort()).toEqual([
      '(concatenated string)',
      '(sliced string)',
      '(string)',
    ])
  })

  it('folds a suspect into the suspect that dominates it, even through older objects', () => {
    const scenario = new Scenario()
    const { builder, global } = scenario
    const record = scenario.fresh('object', 'Record', 24)
    const items = scenario.fresh('object', 'Array', 32)
    const store = scenario.fresh('array', '(object elements)', 8000)
    const adopted = scenario.old('Adopted')
    const inner = scenario.fresh('object', 'Inner')
    builder.edge(global, 'property', 'record', record)
    builder.edge(record, 'property', 'items', items)
    builder.edge(items, 'internal', 'elements', store)
    builder.edge(record, 'property', 'adopted', adopted)
    builder.edge(adopted, 'property', 'inner', inner)
    const { report, snapshot } = scenario.leaks()
    expect(report.clusters).toHaveLength(1)
    const [cluster] = report.clusters
    expect(cluster.className).toBe('Record')
    expect(cluster.count).toBe(1)
    expect(cluster.suspectCount).toBe(3) // the record, its array, the inner object
    expect(cluster.retainedSize).toBe(snapshot.retainedSize[record])
    expect(report.retainedSize).toBe(snapshot.retainedSize[record])
    expect(cluster.objectIds).toEqual([snapshot.graph.objectId[record]])
  })

  it('makes heads of suspects under new V8 storage, which is noise and folds nothing', () => {
    // A Map that existed at baseline grew, so its hash table is new: its entries stay heads.
    const scenario = new Scenario()
    const { builder, global } = scenario
    const map = scenario.old('Map', 32)
    const table = scenario.fresh('array', '(table)', 200)
    builder.edge(global, 'property', 'store', map)
    builder.edge(map, 'internal', 'table', table)
    const records = [0, 1, 2].map((position) => {
      const record = scenario.fresh('object', 'Record', 24 + position)
      builder.edge(table, 'internal', String(3 + position * 2), record)
      return record
    })
    const { report, snapshot } = scenario.leaks()
    expect(report.clusters).toHaveLength(1)
    const [cluster] = report.clusters
    expect(cluster.count).toBe(3)
    expect(cluster.signature).toBe('Record <[] (array) <{table} Map <.store global')
    // Largest first; the path leads to the largest.
    expect(cluster.objectIds).toEqual([2, 1, 0].map((at) => snapshot.graph.objectId[records[at]]))
    expect(cluster.path.map((step) => step.node.className)).toEqual([
      'global',
      'Map',
      '(array)',
      'Record',
    ])
    expect(cluster.path[0].edge).toBeNull()
    expect(cluster.path.at(-1)?.node.id).toBe(cluster.objectIds[0])
  })

  it('clusters by path signature with indices collapsed and ranks by retained size', () => {
    const scenario = new Scenario()
    const { builder, global } = scenario
    const listeners = scenario.old('Array', 32)
    const cache = scenario.old('Array', 32)
    builder.edge(global, 'property', 'listeners', listeners)
    builder.edge(global, 'property', 'cache', cache)
    for (let position = 0; position < 5; position++) {
      builder.edge(listeners, 'element', position, scenario.fresh('object', 'Listener', 100))
    }
    for (let position = 0; position < 2; position++) {
      builder.edge(cache, 'element', position, scenario.fresh('object', 'Entry', 1000))
    }
    // The same class under another property is another cluster.
    builder.edge(global, 'property', 'spare', scenario.fresh('object', 'Listener', 100))
    const { report } = scenario.leaks({ maxObjectIds: 3 })
    expect(
      report.clusters.map((cluster) => [cluster.className, cluster.count, cluster.signature]),
    ).toEqual([
      ['Entry', 2, 'Entry <[] Array <.cache global'],
      ['Listener', 5, 'Listener <[] Array <.listeners global'],
      ['Listener', 1, 'Listener <.spare global'],
    ])
    expect(report.clusters[1].objectIds).toHaveLength(3)
    expect(report.clusterCount).toBe(3)
    expect(report.suspectCount).toBe(8)
    expect(report.retainedSize).toBe(
      report.clusters.reduce((sum, cluster) => sum + cluster.retainedSize, 0),
    )
    const top = scenario.leaks({ maxClusters: 1 }).report
    expect(top.clusters).toHaveLength(1)
    expect(top.clusterCount).toBe(3)
    expect(top.retainedSize).toBe(report.retainedSize)
  })

  it('keeps only the last steps of a path in the signature', () => {
    const scenario = new Scenario()
    const { builder, global } = scenario
    for (const owner of ['first', 'second']) {
      const holder = scenario.old('Holder')
      builder.edge(global, 'property', owner, holder)
      builder.edge(holder, 'property', 'item', scenario.fresh('object', 'Item'))
    }
    expect(scenario.leaks().report.clusters).toHaveLength(2)
    const [cluster] = scenario.leaks({ signatureSteps: 1 }).report.clusters
    expect(cluster.count).toBe(2)
    expect(cluster.signature).toBe('Item <.item Holder')
  })

  it('leaves out what an excluded class dominates', () => {
    const scenario = new Scenario()
    const { builder, global } = scenario
    const holder = scenario.fresh('object', 'OwnHolder')
    builder.edge(global, 'property', 'holder', holder)
    builder.edge(holder, 'property', 'data', scenario.fresh('object', 'Data', 5000))
    builder.edge(global, 'property', 'user', scenario.fresh('object', 'UserThing'))
    const { report } = scenario.leaks({ excludeDominatedBy: ['OwnHolder'] })
    expect(report.clusters.map((cluster) => cluster.className)).toEqual(['UserThing'])
  })

  it('finds suspects in snapshots without user roots (exposeInternals)', () => {
    const scenario = new Scenario('expose-internals')
    scenario.builder.edge(scenario.global, 'property', 'kept', scenario.fresh('object', 'Kept'))
    const { report, snapshot } = scenario.leaks()
    expect(snapshot.hasUserRoots).toBe(false)
    expect(report.clusters.map((cluster) => cluster.className)).toEqual(['Kept'])
    expect(report.clusters[0].path.map((step) => step.node.name)[0]).toBe('(GC roots)')
  })
})

describe('growing classes', () => {
  const entry = (className: string, count: number, retainedSize = count * 10): ClassCount => ({
    classKey: ',' + className,
    className,
    count,
    retainedSize,
  })
  const steps = (
    rows: Array<[string, number, number, number]>,
  ): [ClassCount[], ClassCount[], ClassCount[]] =>
    [0, 1, 2].map((step) =>
      rows.flatMap(([name, ...counts]) => (counts[step] > 0 ? [entry(name, counts[step])] : [])),
    ) as [ClassCount[], ClassCount[], ClassCount[]]

  it('reports counts that never shrink and grow enough, late growth included', () => {
    const growing = findGrowingClasses(
      steps([
        ['Steady', 10, 20, 30],
        ['Late', 0, 0, 30],
        ['Transient', 0, 60, 0],
        ['Freed', 25, 0, 0],
        ['Dip', 10, 5, 40],
        ['Small', 1, 2, 3],
        ['Flat', 50, 50, 50],
      ]),
    )
    expect(growing.map((row) => [row.className, row.counts])).toEqual([
      ['Late', [0, 0, 30]],
      ['Steady', [10, 20, 30]],
    ])
  })

  it('needs growth relative to the baseline and leaves out V8 noise classes', () => {
    const growing = findGrowingClasses(
      steps([
        ['(string)', 10_000, 10_020, 10_040],
        ['(compiled code)', 0, 100, 200],
        ['system / Context', 0, 100, 200],
        ['(string) ', 100, 150, 200],
      ]),
    )
    expect(growing.map((row) => row.className)).toEqual(['(string) '])
    expect(isNoiseClassName('(object shape)')).toBe(true)
    expect(isNoiseClassName('Function')).toBe(false)
  })

  it('reports a retained size that grows while the count stays', () => {
    const growing = findGrowingClasses([
      [entry('Map', 19, 300_000)],
      [entry('Map', 19, 900_000)],
      [entry('Map', 19, 900_000)],
    ])
    expect(growing).toEqual([
      {
        classKey: ',Map',
        className: 'Map',
        counts: [19, 19, 19],
        retainedSizes: [300_000, 900_000, 900_000],
      },
    ])
    expect(findGrowingClasses([[entry('Map', 19, 300_000)], [], []])).toEqual([])
  })
})
