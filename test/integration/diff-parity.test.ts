// Snapshot diff: per class, the numbers of Chrome DevTools' Comparison view computed by its own
// engine on the same pairs (one process's sequence both ways, and two unrelated processes), the
// known changes of the sequence fixture, and edge cases on hand-built heaps.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import {
  compareObjectIds,
  deletedObjectsOfClass,
  diffBase,
  diffSnapshots,
  interfaceDefinitionsOf,
  newObjectsOfClass,
  type DiffBase,
} from '../../shared/heap/queries/diff'
import { getSummary } from '../../shared/heap/queries/summary'
import {
  devtoolsSnapshotDiff,
  loadDevtoolsSnapshot,
  type DevtoolsClassDiff,
} from '../helpers/devtools-engine'
import { fixture, snapshotSequence } from '../helpers/fixtures'
import { SnapshotBuilder, type NodeHandle } from '../helpers/snapshot-builder'
import type { ClassDiff } from '../../shared/protocol/dto'

/** The base half as the backend posts it between processes. */
function baseFor(before: HeapSnapshot, after: HeapSnapshot): DiffBase {
  return structuredClone(diffBase(before, interfaceDefinitionsOf(after)))
}

function diff(before: HeapSnapshot, after: HeapSnapshot): ClassDiff[] {
  return diffSnapshots(after, baseFor(before, after))
}

function devtoolsView(entry: ClassDiff): DevtoolsClassDiff {
  const { className, addedCount, removedCount, countDelta, addedSize, removedSize, sizeDelta } =
    entry
  return { className, addedCount, removedCount, countDelta, addedSize, removedSize, sizeDelta }
}

async function quietly<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn
  console.warn = () => {} // DevTools reports unreachable nodes on every Node heap
  try {
    return await load()
  } finally {
    console.warn = warn
  }
}

/** Loads files with both engines. */
async function loadBoth(files: string[]): Promise<{ ours: HeapSnapshot[]; theirs: unknown[] }> {
  const theirs: unknown[] = []
  const ours: HeapSnapshot[] = []
  for (const file of files) {
    theirs.push((await quietly(() => loadDevtoolsSnapshot(file))).snapshot)
    ours.push(await loadSnapshotFile(file))
  }
  return { ours, theirs }
}

function expectDevtoolsNumbers(ours: ClassDiff[], theirs: Record<string, DevtoolsClassDiff>): void {
  const actual = Object.fromEntries(ours.map((entry) => [entry.classKey, devtoolsView(entry)]))
  expect(Object.keys(actual).sort()).toEqual(Object.keys(theirs).sort())
  expect(actual).toEqual(theirs)
}

function byName(entries: ClassDiff[], className: string): ClassDiff | undefined {
  return entries.find((entry) => entry.className === className)
}

describe('diff parity with Chrome DevTools Comparison view', () => {
  describe('a sequence of one process', () => {
    let ours: HeapSnapshot[]
    let theirs: unknown[]
    beforeAll(async () => {
      ;({ ours, theirs } = await loadBoth(await snapshotSequence()))
    }, 300_000)

    for (const [from, to] of [
      [0, 1],
      [1, 2],
      [0, 2],
      [2, 0],
      [1, 0],
    ] as const) {
      it(`matches DevTools on every class from snapshot ${from} to ${to}`, () => {
        const expected = devtoolsSnapshotDiff(theirs[from], theirs[to])
        expect(Object.keys(expected).length).toBeGreaterThan(10)
        expectDevtoolsNumbers(diff(ours[from], ours[to]), expected)
      })
    }

    it('finds the sequence program’s known changes', () => {
      const first = diff(ours[0], ours[1])
      const second = diff(ours[1], ours[2])
      const whole = diff(ours[0], ours[2])
      expect(byName(first, 'SequenceFreedItem')).toMatchObject({
        addedCount: 0,
        removedCount: 25,
        countDelta: -25,
        countBefore: 25,
        countAfter: 0,
      })
      expect(byName(first, 'SequenceLeakedRecord')).toMatchObject({
        addedCount: 40,
        removedCount: 0,
        countAfter: 40,
      })
      expect(byName(first, 'SequenceTransientJob')).toMatchObject({
        addedCount: 60,
        countDelta: 60,
      })
      expect(byName(second, 'SequenceTransientJob')).toMatchObject({
        removedCount: 60,
        countDelta: -60,
      })
      expect(byName(whole, 'SequenceTransientJob')).toBeUndefined()
      expect(byName(second, 'SequenceLateLeak')).toMatchObject({ addedCount: 30, removedCount: 0 })
      for (const step of [first, second]) {
        expect(byName(step, 'SequenceGrowingItem')).toMatchObject({
          addedCount: 10,
          removedCount: 0,
        })
      }
      expect(byName(whole, 'SequenceGrowingItem')).toMatchObject({
        countBefore: 10,
        countAfter: 30,
      })
    })

    it('gives each class its Summary retained sizes before and after', () => {
      const summaries = ours.map(
        (snapshot) => new Map(getSummary(snapshot).map((row) => [row.classKey, row.retainedSize])),
      )
      const leaked = byName(diff(ours[0], ours[1]), 'SequenceLeakedRecord')
      expect(leaked?.retainedSizeBefore).toBe(0)
      expect(leaked?.retainedSizeAfter).toBe(summaries[1].get(leaked?.classKey ?? ''))
      // 40 records each holding a 2,000-item array of small integers: at least 40 × 16 kB.
      expect(leaked?.retainedSizeDelta).toBeGreaterThan(40 * 16_000)
      const freed = byName(diff(ours[0], ours[1]), 'SequenceFreedItem')
      expect(freed?.retainedSizeBefore).toBe(summaries[0].get(freed?.classKey ?? ''))
      expect(freed?.retainedSizeAfter).toBe(0)
    })

    it('lists the new objects of a class, largest retained size first', () => {
      const leaked = byName(diff(ours[0], ours[1]), 'SequenceLeakedRecord')
      const base = baseFor(ours[0], ours[1])
      const page = newObjectsOfClass(ours[1], base, leaked?.classKey ?? '', 0, 100)
      expect(page.total).toBe(40)
      expect(page.items.map((item) => item.className)).toEqual(
        new Array(40).fill('SequenceLeakedRecord'),
      )
      const sizes = page.items.map((item) => item.retainedSize)
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
      const rest = newObjectsOfClass(ours[1], base, leaked?.classKey ?? '', 30, 100)
      expect(rest.items.map((item) => item.id)).toEqual(page.items.slice(30).map((item) => item.id))
    })

    it('lists the deleted objects of a class with their ids and self sizes', () => {
      const freed = byName(diff(ours[0], ours[1]), 'SequenceFreedItem')
      const page = deletedObjectsOfClass(ours[1], baseFor(ours[0], ours[1]), freed?.classKey ?? '')
      expect(page.total).toBe(25)
      expect(page.items.reduce((sum, item) => sum + item.selfSize, 0)).toBe(freed?.removedSize)
      expect(page.items.every((item) => item.id > 0)).toBe(true)
    })

    it('sees that snapshots of one process share their ids and classes', () => {
      const overlap = compareObjectIds(ours[1], baseFor(ours[0], ours[1]))
      expect(overlap.commonCount).toBeGreaterThan(overlap.baseCount * 0.9)
      expect(overlap.sameClassCount).toBeGreaterThan(overlap.commonCount * 0.99)
    })
  })

  describe('two unrelated processes', () => {
    let ours: HeapSnapshot[]
    let theirs: unknown[]
    beforeAll(async () => {
      ;({ ours, theirs } = await loadBoth([
        await fixture('kitchen-sink'),
        await fixture('map-cache'),
      ]))
    }, 300_000)

    it('matches DevTools on every class both ways', () => {
      expectDevtoolsNumbers(diff(ours[0], ours[1]), devtoolsSnapshotDiff(theirs[0], theirs[1]))
      expectDevtoolsNumbers(diff(ours[1], ours[0]), devtoolsSnapshotDiff(theirs[1], theirs[0]))
    })

    it('reports how many shared ids keep their class', () => {
      const overlap = compareObjectIds(ours[1], baseFor(ours[0], ours[1]))
      expect(overlap.commonCount).toBeGreaterThan(0)
      expect(overlap.sameClassCount).toBeLessThanOrEqual(overlap.commonCount)
    })
  })
})

/** A heap with `counts[name]` objects of each class (16 bytes each), with given or fresh ids. */
function heapOf(classes: Record<string, number[]>): HeapSnapshot {
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots('user-roots')
  for (const [name, ids] of Object.entries(classes)) {
    ids.forEach((id, position) => {
      const node: NodeHandle = builder.node('object', name, { selfSize: 16 + position, id })
      builder.edge(global, 'property', `${name}${position}`, node)
    })
  }
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

const range = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_, k) => from + 2 * k)

/**
 * A pair that exercises DevTools' quirks: the base's plain objects are classified with the newer
 * snapshot's interfaces (`{a, b}`, defined there by location-keyed objects), yet a base-only
 * class is named after its last object under the base's own interfaces (`{a, b, c}`); and
 * `Function` is two class keys with one text (closures, an object named so), the later winning.
 */
function quirkPair(): [SnapshotBuilder, SnapshotBuilder] {
  const make = (properties: string[], withLocation: boolean, firstId: number): SnapshotBuilder => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const named = builder.node('object', 'Function', { selfSize: 24, id: firstId + 100 })
    builder.edge(global, 'property', 'named', named)
    const closure = builder.node('closure', 'run', { selfSize: 32, id: firstId + 102 })
    builder.edge(global, 'property', 'run', closure)
    for (let k = 0; k < 3; k++) {
      const object = builder.node('object', 'Object', { selfSize: 20, id: firstId + 2 * k })
      builder.edge(global, 'property', `o${k}`, object)
      for (const property of properties) {
        const value = builder.node('number', 'heap number', { selfSize: 16 })
        builder.edge(object, 'property', property, value)
      }
      if (withLocation) builder.location(object, 7, 10 + k, 2)
    }
    return builder
  }
  return [make(['a', 'b', 'c'], false, 5001), make(['a', 'b'], true, 7001)]
}

describe('diff parity on a hand-built pair with DevTools quirks', () => {
  let ours: HeapSnapshot[]
  let theirs: unknown[]
  let folder: string
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'heapgraph-diff-'))
    const files = await Promise.all(
      quirkPair().map(async (builder, position) => {
        const file = join(folder, `quirk-${position}.heapsnapshot`)
        await writeFile(file, builder.toText())
        return file
      }),
    )
    ;({ ours, theirs } = await loadBoth(files))
  })
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true })
  })

  it('matches DevTools both ways', () => {
    const forward = devtoolsSnapshotDiff(theirs[0], theirs[1])
    expect(forward[',{a, b}']?.className).toBe('{a, b, c}')
    expectDevtoolsNumbers(diff(ours[0], ours[1]), forward)
    expectDevtoolsNumbers(diff(ours[1], ours[0]), devtoolsSnapshotDiff(theirs[1], theirs[0]))
  })
})

describe('diff on hand-built heaps', () => {
  it('lists nothing when a snapshot is compared with itself', () => {
    const heap = heapOf({ Foo: range(1001, 3), Bar: range(2001, 2) })
    expect(diff(heap, heap)).toEqual([])
    const all = diffSnapshots(heap, baseFor(heap, heap), { includeRetainedOnly: true })
    expect(all).toEqual([])
  })

  it('counts a class present only after as all new, and one present only before as all deleted', () => {
    const before = heapOf({ Gone: range(1001, 2), Kept: range(2001, 1) })
    const after = heapOf({ Born: range(3001, 3), Kept: range(2001, 1) })
    const result = diff(before, after)
    expect(result.map((entry) => [entry.className, entry.countDelta, entry.sizeDelta])).toEqual([
      ['Born', 3, 16 + 17 + 18],
      ['Gone', -2, -(16 + 17)],
    ])
    expect(byName(result, 'Gone')).toMatchObject({
      classKey: ',Gone',
      addedCount: 0,
      removedCount: 2,
      removedSize: 33,
      countBefore: 2,
      countAfter: 0,
      retainedSizeBefore: 33,
      retainedSizeAfter: 0,
      retainedSizeDelta: -33,
    })
  })

  it('matches objects by id within a class, not by count', () => {
    // Same count, but one Foo replaced by another: one new, one deleted, sizes per object.
    const before = heapOf({ Foo: [1001, 1003, 1005] })
    const after = heapOf({ Foo: [1001, 1003, 1007] })
    expect(diff(before, after)).toEqual([
      expect.objectContaining({
        className: 'Foo',
        addedCount: 1,
        removedCount: 1,
        countDelta: 0,
        addedSize: 18,
        removedSize: 18,
        sizeDelta: 0,
      }),
    ])
    const base = baseFor(before, after)
    expect(newObjectsOfClass(after, base, ',Foo').items.map((item) => item.id)).toEqual([1007])
    expect(deletedObjectsOfClass(after, base, ',Foo').items).toEqual([{ id: 1005, selfSize: 18 }])
    expect(newObjectsOfClass(after, base, ',Missing')).toEqual({ start: 0, total: 0, items: [] })
  })

  it('sorts by size change, then count change, then class key', () => {
    const before = heapOf({ A: range(1001, 1), B: range(2001, 4) })
    const after = heapOf({ A: range(1001, 2), B: range(2001, 1), C: range(3001, 1) })
    // A: +1 object of 17 bytes; B: -3 objects (17 + 18 + 19); C: +1 of 16.
    expect(diff(before, after).map((entry) => [entry.className, entry.sizeDelta])).toEqual([
      ['B', -54],
      ['A', 17],
      ['C', 16],
    ])
  })

  it('keeps classes whose only change is their retained size when asked', () => {
    const build = (extra: number): HeapSnapshot => {
      const builder = new SnapshotBuilder()
      const { global } = builder.standardRoots('user-roots')
      const cache = builder.node('object', 'Cache', { selfSize: 32, id: 5001 })
      builder.edge(global, 'property', 'cache', cache)
      const store = builder.node('array', '(object elements)', {
        selfSize: 100 + extra,
        id: 5003,
      })
      builder.edge(cache, 'internal', 'elements', store)
      return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
    }
    const before = build(0)
    const after = build(400)
    expect(diff(before, after)).toEqual([])
    const base = baseFor(before, after)
    const withRetained = diffSnapshots(after, base, { includeRetainedOnly: true })
    expect(byName(withRetained, 'Cache')).toMatchObject({
      addedCount: 0,
      removedCount: 0,
      retainedSizeDelta: 400,
    })
  })

  it('posts the base as typed arrays and plain strings', () => {
    const heap = heapOf({ Foo: range(1001, 3) })
    const base = diffBase(heap, interfaceDefinitionsOf(heap))
    expect(base.objectId).toBeInstanceOf(Uint32Array)
    expect(base.selfSize).toBeInstanceOf(Float64Array)
    expect(base.firstObject.length).toBe(base.classKey.length + 1)
    const foo = base.classKey.indexOf(',Foo')
    expect(
      Array.from(base.objectId.subarray(base.firstObject[foo], base.firstObject[foo + 1])),
    ).toEqual([1001, 1003, 1005])
  })
})
