// The allocation timeline and the Summary's allocation filters, on hand-built snapshots with
// samples and allocation stacks: intervals against a per-node count, and filtered class counts,
// sizes and retained sizes against a brute-force walk of each kept member's dominator chain.
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import {
  filterNodes,
  getAllocationTimeline,
  scriptKey,
} from '../../shared/heap/queries/allocation-filters'
import { classKeyOf, getClassMembers, getSummary } from '../../shared/heap/queries/summary'
import { getAllocationStack } from '../../shared/heap/queries/allocations'
import type { SummaryFilter } from '../../shared/protocol/dto'
import { serializeSnapshot, SnapshotBuilder } from '../helpers/snapshot-builder'

/** A small deterministic random number generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FUNCTIONS = [
  { name: 'makeRows', script: '/app/src/rows.js', line: 12 },
  { name: 'makeCache', script: '/app/src/cache.js', line: 3 },
  { name: 'main', script: '/app/index.js', line: 1 },
]

/**
 * A random heap of `size` objects of four classes under global, allocated over time (ids rise
 * with the ordinal) by the three functions (trace tree: main -> makeRows, main -> makeCache),
 * with samples every 10 ids.
 */
function randomSnapshot(seed: number, size: number): HeapSnapshot {
  const next = random(seed)
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots('user-roots')
  const classes = ['Row', 'Cache', 'Entry', 'Array']
  const made: number[] = []
  for (let k = 0; k < size; k++) {
    const traceNodeId = 2 + Math.floor(next() * 3) // 2 main, 3 makeRows, 4 makeCache
    const node = builder.node('object', classes[Math.floor(next() * classes.length)], {
      selfSize: 8 + Math.floor(next() * 64),
      id: 1001 + 2 * k,
      traceNodeId,
    })
    const holders = [global, ...made]
    builder.edge(holders[Math.floor(next() * holders.length)], 'property', `p${k}`, node)
    if (made.length > 0 && next() < 0.4) {
      builder.edge(made[Math.floor(next() * made.length)], 'property', `q${k}`, node)
    }
    made.push(node)
  }
  const raw = builder.toObject()
  const stringId = (text: string): number => {
    raw.strings.push(text)
    return raw.strings.length - 1
  }
  // function_id, name, script_name, script_id, line, column
  raw.trace_function_infos = FUNCTIONS.flatMap((fn, k) => [
    k + 1,
    stringId(fn.name),
    stringId(fn.script),
    7 + k,
    fn.line,
    5,
  ])
  raw.snapshot.trace_function_count = FUNCTIONS.length
  const samples: number[] = []
  for (let k = 10; k < size; k += 10) samples.push(k * 1000, 1001 + 2 * (k - 1))
  raw.samples = samples
  // The trace tree is nested (id, function_info_index, count, size, children): main at the
  // top, makeRows and makeCache under it. The builder writes flat sections; this one is put in.
  const tree = [2, 2, 0, 0, [3, 0, 0, 0, [], 4, 1, 0, 0, []]]
  const text = serializeSnapshot(raw, 'node').replace(
    '"trace_tree":[]',
    `"trace_tree":${JSON.stringify(tree)}`,
  )
  return initializeSnapshot(parseSnapshotBytes(new TextEncoder().encode(text)))
}

/** Brute force: per class, the kept members' count, self sizes, and retained sizes of those
 * with no kept dominator ancestor of the same class. */
function oracle(snapshot: HeapSnapshot, keep: (node: number) => boolean) {
  const out = new Map<string, { count: number; selfSize: number; retainedSize: number }>()
  for (let node = 0; node < snapshot.graph.nodeCount; node++) {
    if (!snapshot.selfSize[node] || !keep(node)) continue
    const key = classKeyOf(snapshot, node)
    const entry = out.get(key) ?? { count: 0, selfSize: 0, retainedSize: 0 }
    entry.count++
    entry.selfSize += snapshot.selfSize[node]
    let covered = false
    for (let up = snapshot.dominator[node]; ; up = snapshot.dominator[up]) {
      if (snapshot.selfSize[up] && keep(up) && classKeyOf(snapshot, up) === key) covered = true
      if (up === snapshot.graph.rootNode) break
    }
    if (!covered) entry.retainedSize += snapshot.retainedSize[node]
    out.set(key, entry)
  }
  return out
}

function expectSummary(
  snapshot: HeapSnapshot,
  filter: SummaryFilter,
  keep: (n: number) => boolean,
) {
  const expected = oracle(snapshot, keep)
  const got = getSummary(snapshot, filter)
  expect(got.map((entry) => entry.classKey).sort()).toEqual([...expected.keys()].sort())
  for (const entry of got) {
    const want = expected.get(entry.classKey)
    expect(entry.count, entry.classKey).toBe(want?.count)
    expect(entry.selfSize, entry.classKey).toBe(want?.selfSize)
    expect(entry.retainedSize, entry.classKey).toBeCloseTo(want?.retainedSize ?? NaN, 6)
    // Members: exactly the kept ones of the class.
    const members = getClassMembers(snapshot, entry.classKey, 0, 10_000, { filter })
    expect(members.total).toBe(want?.count)
    for (const member of members.items) expect(keep(member.node)).toBe(true)
  }
}

describe('allocation timeline', () => {
  it('counts every object in the interval its id falls in', () => {
    for (const seed of [1, 2, 3]) {
      const snapshot = randomSnapshot(seed, 95)
      const timeline = getAllocationTimeline(snapshot)
      const { graph } = snapshot
      // 9 samples: 9 intervals up to the last one, and the objects after it.
      expect(timeline.map((interval) => interval.index)).toEqual([...Array(10).keys()])
      expect(timeline[0]).toMatchObject({
        beforeRecording: true,
        startMs: 0,
        endMs: 10,
        afterId: 0,
        upToId: 1019,
      })
      expect(timeline.slice(1).every((interval) => !interval.beforeRecording)).toBe(true)
      expect(timeline.at(-1)).toMatchObject({ endMs: null, upToId: null, afterId: 1001 + 2 * 89 })
      for (const interval of timeline) {
        let count = 0
        let size = 0
        for (let node = 0; node < graph.nodeCount; node++) {
          const id = graph.objectId[node]
          const inside =
            id > interval.afterId && (interval.upToId === null || id <= interval.upToId)
          if (snapshot.selfSize[node] && inside) {
            count++
            size += snapshot.selfSize[node]
          }
        }
        expect(interval.count, `interval ${interval.index}`).toBe(count)
        expect(interval.size).toBe(size)
      }
    }
  })

  it('has no intervals without samples', () => {
    const builder = new SnapshotBuilder()
    builder.standardRoots('user-roots')
    const snapshot = initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
    expect(getAllocationTimeline(snapshot)).toEqual([])
  })
})

describe('the Summary of objects allocated between two samples, or at a site', () => {
  it('counts and sizes classes over the kept objects only (brute-force oracle)', () => {
    for (const seed of [4, 5, 6, 7]) {
      const snapshot = randomSnapshot(seed, 120)
      const { objectId } = snapshot.graph
      const between = { afterId: 1019, upToId: 1079 }
      expectSummary(snapshot, { allocatedBetween: between }, (node) => {
        return objectId[node] > between.afterId && objectId[node] <= between.upToId
      })
      const open = { afterId: 1101, upToId: null }
      expectSummary(snapshot, { allocatedBetween: open }, (node) => objectId[node] > 1101)
    }
  })

  it('keeps the objects whose allocation stack starts in the site’s function', () => {
    for (const seed of [8, 9]) {
      const snapshot = randomSnapshot(seed, 80)
      const inMakeRows = (node: number): boolean =>
        getAllocationStack(snapshot, node)?.[0]?.functionName === 'makeRows'
      const site = { functionName: 'makeRows', url: 'file:///app/src/rows.js', line: 12 }
      expectSummary(snapshot, { allocatedAt: site }, inMakeRows)
      // Any line matches a null one; a wrong line, script or name matches nothing.
      expectSummary(snapshot, { allocatedAt: { ...site, line: null } }, inMakeRows)
      expect(getSummary(snapshot, { allocatedAt: { ...site, line: 13 } })).toEqual([])
      expect(getSummary(snapshot, { allocatedAt: { ...site, url: '/app/x.js' } })).toEqual([])
      // Both filters together: the intersection.
      const both = { allocatedAt: site, allocatedBetween: { afterId: 0, upToId: 1041 } }
      expectSummary(
        snapshot,
        both,
        (node) => inMakeRows(node) && snapshot.graph.objectId[node] <= 1041,
      )
    }
  })

  it('cannot filter by site without allocation stacks, and says so by keeping nothing', () => {
    const builder = new SnapshotBuilder()
    builder.standardRoots('user-roots')
    const snapshot = initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
    const site = { functionName: 'f', url: '/a.js', line: 1 }
    expect(filterNodes(snapshot, { allocatedAt: site })).toBeNull()
    expect(getSummary(snapshot, { allocatedAt: site })).toEqual([])
    // Without a filter, the full summary.
    expect(getSummary(snapshot, {}).length).toBeGreaterThan(0)
  })

  it('matches file URLs and paths as the same script', () => {
    expect(scriptKey('file:///app/src/rows.js')).toBe('/app/src/rows.js')
    expect(scriptKey('file:///C:/work/a%20b.js')).toBe('/C:/work/a b.js')
    expect(scriptKey('/app/src/rows.js')).toBe('/app/src/rows.js')
    expect(scriptKey('node:internal/fs')).toBe('node:internal/fs')
  })
})
