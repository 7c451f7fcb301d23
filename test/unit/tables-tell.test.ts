// The engine side of "tables that tell" on hand-built heaps: Summary members' property previews,
// the arrays catalog's holders, sorts, filters and groups by retainer path, the Diff's hiding of
// classes with no net change, the check that two snapshots look like one process, and leak
// clusters held only by V8's internals left out (and counted) unless asked for.
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { getArrayGroups, getArrays } from '../../shared/heap/queries/arrays'
import { diffBase, interfaceDefinitionsOf } from '../../shared/heap/queries/diff'
import {
  compareSnapshotIds,
  findLeaks,
  heldOnlyByInternals,
  pathSignature,
  readableSignature,
  signatureParts,
} from '../../shared/heap/queries/leaks'
import { findClasses, getClassMembers } from '../../shared/heap/queries/summary'
import { runQuery } from '../../electron/backend/engine/queries'
import { ApiError, parseArgs } from '../../shared/protocol'
import { addFeedbackChain } from '../helpers/feedback-chain'
import { SnapshotBuilder, type NodeHandle } from '../helpers/snapshot-builder'

function load(builder: SnapshotBuilder): HeapSnapshot {
  return initializeSnapshot(parseSnapshotBytes(builder.toBytes()))
}

/** A JS Array with `length` object elements in an elements store, as V8 writes one. */
function jsArray(builder: SnapshotBuilder, length: number, item = 'Item'): NodeHandle {
  const array = builder.node('object', 'Array', { selfSize: 32 })
  // 16-byte header and 8-byte slots (a standardRoots heap has no pointer compression).
  const store = builder.node('array', '(object elements)', { selfSize: 16 + 8 * length })
  builder.edge(array, 'internal', 'elements', store)
  for (let index = 0; index < length; index++) {
    const element = builder.node('object', item, { selfSize: 8 })
    builder.edge(store, 'element', index, element)
    builder.edge(array, 'element', index, element)
  }
  return array
}

describe('summary member previews', () => {
  it('gives each member of a page its own properties in one line, only when asked', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const record = builder.node('object', 'Record', { selfSize: 40 })
    builder.edge(global, 'property', 'record', record)
    builder.edge(record, 'property', 'name', builder.node('string', 'x', { selfSize: 16 }))
    builder.edge(record, 'property', 'items', jsArray(builder, 3))
    const bare = builder.node('object', 'Record', { selfSize: 20 })
    builder.edge(global, 'property', 'bare', bare)
    const snapshot = load(builder)
    const [recordClass] = findClasses(snapshot, 'Record')
    const plain = getClassMembers(snapshot, recordClass.classKey)
    expect(plain.items.every((item) => !('preview' in item))).toBe(true)
    const page = getClassMembers(snapshot, recordClass.classKey, 0, 50, { withPreview: true })
    expect(page.items.map((item) => [item.node, item.preview])).toEqual([
      [record, '{name: "x", items: Array(3)}'],
      // No properties: no preview.
      [bare, undefined],
    ])
    // A page past the first computes only its own members.
    const second = getClassMembers(snapshot, recordClass.classKey, 1, 1, { withPreview: true })
    expect(second.items.map((item) => item.node)).toEqual([bare])
  })

  it('asks for previews through the protocol by default', () => {
    expect(parseArgs('getClassMembers', { snapshotId: 's', classKey: ',Record' })).toMatchObject({
      withPreview: true,
    })
  })
})

/**
 * A heap of arrays: `global.cache` a Map whose table holds three Arrays, `global.list` an Array
 * of two Arrays, `global.buffer` a Float64Array, and a Record whose `.rows` holds a long Array.
 */
function arraysHeap() {
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots('user-roots')
  const map = builder.node('object', 'Map', { selfSize: 32 })
  builder.edge(global, 'property', 'cache', map)
  const table = builder.node('array', '(object elements)', { selfSize: 200 })
  builder.edge(map, 'internal', 'table', table)
  const cached = [4, 5, 6].map((length) => jsArray(builder, length))
  cached.forEach((array, position) => builder.edge(table, 'internal', String(3 + position), array))
  const list = jsArray(builder, 0)
  builder.edge(global, 'property', 'list', list)
  const listStore = builder.node('array', '(object elements)', { selfSize: 32 })
  builder.edge(list, 'internal', 'elements', listStore)
  const inner = [1, 2].map((length) => jsArray(builder, length))
  inner.forEach((array, position) => {
    builder.edge(listStore, 'element', position, array)
    builder.edge(list, 'element', position, array)
  })
  const floats = builder.node('object', 'Float64Array', { selfSize: 96 })
  const buffer = builder.node('object', 'ArrayBuffer', { selfSize: 88 })
  const backing = builder.node('native', 'system / JSArrayBufferData', { selfSize: 8000 })
  builder.edge(global, 'property', 'buffer', floats)
  builder.edge(floats, 'internal', 'buffer', buffer)
  builder.edge(buffer, 'internal', 'backing_store', backing)
  const record = builder.node('object', 'Record', { selfSize: 24 })
  builder.edge(global, 'property', 'record', record)
  const rows = jsArray(builder, 20)
  builder.edge(record, 'property', 'rows', rows)
  const lost = jsArray(builder, 7)
  return { snapshot: load(builder), map, cached, list, inner, floats, record, rows, lost }
}

describe('arrays catalog', () => {
  it('names each array’s holder as code reads it, with a shortest path each', () => {
    const heap = arraysHeap()
    const page = getArrays(heap.snapshot, { kinds: ['array'], count: 100, withHolders: true })
    const byNode = new Map(page.items.map((entry) => [entry.node, entry.heldBy]))
    expect(byNode.get(heap.rows)?.object.node).toBe(heap.record)
    expect(byNode.get(heap.rows)?.via).toMatchObject({ kind: 'property', text: '.rows' })
    expect(byNode.get(heap.inner[1])?.object.node).toBe(heap.list)
    expect(byNode.get(heap.inner[1])?.via).toMatchObject({ kind: 'element', text: '[1]' })
    // The Map's table is folded into the Map (a slot of its hash table: an entry or a key).
    expect(byNode.get(heap.cached[0])?.object.node).toBe(heap.map)
    expect(byNode.get(heap.cached[0])?.via?.kind).toMatch(/^(entry|key)$/)
    expect(byNode.get(heap.list)?.object.label).toBe('global')
    // Nothing reaches it: no holder.
    expect(byNode.get(heap.lost)).toBeNull()
    // Without asking, no holder at all (the CLI and the catalog stay cheap).
    expect(getArrays(heap.snapshot, { count: 1 }).items[0]).not.toHaveProperty('heldBy')
  })

  it('sorts by retained, self, length or store, either way, unknown lengths last', () => {
    const { snapshot } = arraysHeap()
    const kinds = ['array', 'typed-array'] as const
    const all = getArrays(snapshot, { kinds: [...kinds], count: 100 }).items
    const keyed = (sort: 'retainedSize' | 'selfSize' | 'length' | 'storeSize') =>
      getArrays(snapshot, { kinds: [...kinds], count: 100, sort }).items
    for (const [sort, key] of [
      ['selfSize', (entry: (typeof all)[number]) => entry.selfSize],
      ['storeSize', (entry: (typeof all)[number]) => entry.storeSize],
      ['retainedSize', (entry: (typeof all)[number]) => entry.retainedSize],
    ] as const) {
      const values = keyed(sort).map(key)
      expect(values).toEqual([...values].sort((a, b) => b - a))
      const ascending = getArrays(snapshot, {
        kinds: [...kinds],
        count: 100,
        sort,
        order: 'ascending',
      }).items.map(key)
      expect(ascending).toEqual([...values].reverse())
    }
    const lengths = keyed('length').map((entry) => entry.length)
    expect(lengths.slice(0, 3)).toEqual([1000, 20, 7])
    const ascending = getArrays(snapshot, {
      kinds: [...kinds],
      count: 100,
      sort: 'length',
      order: 'ascending',
    }).items.map((entry) => entry.length)
    const known = ascending.filter((length) => length !== null)
    expect(known).toEqual([...known].sort((a, b) => (a ?? 0) - (b ?? 0)))
    expect(ascending.slice(known.length).every((length) => length === null)).toBe(true)
    expect(ascending).toHaveLength(all.length)
  })

  it('filters by label, @id or retainer-path text, ignoring case, and pages the result', () => {
    const heap = arraysHeap()
    const nodes = (filter: string, count = 100, start = 0) =>
      getArrays(heap.snapshot, { kinds: ['array', 'typed-array'], filter, count, start })
    expect(
      nodes('CACHE')
        .items.map((entry) => entry.node)
        .sort(),
    ).toEqual([...heap.cached].sort())
    expect(nodes('.rows').items.map((entry) => entry.node)).toEqual([heap.rows])
    expect(nodes('float64').items.map((entry) => entry.node)).toEqual([heap.floats])
    expect(nodes('Array(20)').items.map((entry) => entry.node)).toEqual([heap.rows])
    const id = heap.snapshot.graph.objectId[heap.lost]
    expect(nodes(`@${id}`).items.map((entry) => entry.node)).toEqual([heap.lost])
    expect(nodes('no such thing').total).toBe(0)
    const first = nodes('cache', 2)
    expect(first.total).toBe(3)
    expect([...first.items, ...nodes('cache', 2, 2).items]).toHaveLength(3)
  })

  it('groups arrays by retainer-path signature with sums, and lists a group by its signature', () => {
    const heap = arraysHeap()
    const groups = getArrayGroups(heap.snapshot, { kinds: ['array'], count: 100 })
    const cache = groups.items.find((group) => group.count === 3)
    expect(cache).toBeDefined()
    if (!cache) return
    expect(cache.path).toBe('global.cache → Map entries → Array')
    expect(cache.signature).toBe(pathSignature(heap.snapshot, heap.cached[0]))
    const retained = heap.cached.reduce((sum, node) => sum + heap.snapshot.retainedSize[node], 0)
    expect(cache.retainedSize).toBe(retained)
    expect(cache.length).toBe(4 + 5 + 6)
    const members = getArrays(heap.snapshot, {
      kinds: ['array'],
      signature: cache.signature,
      count: 100,
    })
    expect(members.items.map((entry) => entry.node).sort()).toEqual([...heap.cached].sort())
    // Largest sum first; every array in exactly one group.
    const sums = groups.items.map((group) => group.retainedSize)
    expect(sums).toEqual([...sums].sort((a, b) => b - a))
    const total = getArrays(heap.snapshot, { kinds: ['array'], count: 0 }).total
    expect(groups.items.reduce((sum, group) => sum + group.count, 0)).toBe(total)
    const byCount = getArrayGroups(heap.snapshot, { kinds: ['array'], sort: 'length' })
    expect(byCount.items[0].length).toBeGreaterThanOrEqual(byCount.items[1].length)
    // A filter groups only the arrays it keeps.
    const filtered = getArrayGroups(heap.snapshot, { kinds: ['array'], filter: 'record' })
    expect(filtered.items.map((group) => group.path)).toEqual([
      'global.record → Record.rows → Array',
    ])
  })

  it('reads a signature from the root side, folding stores and scopes', () => {
    expect(
      readableSignature(['Array', '<[]', '(array)', '<{table}', 'Map', '<.leakCache', 'global']),
    ).toBe('global.leakCache → Map entries → Array')
    expect(
      readableSignature([
        'Array',
        '<->items',
        'system / Context',
        '<{context}',
        'Function',
        '<.handler',
        'Emitter',
        '<.bus',
        'App',
      ]),
    ).toBe('… App.bus → Emitter.handler → Function captures items → Array')
    expect(readableSignature(['Array'])).toBe('Array')
    const heap = arraysHeap()
    expect(signatureParts(heap.snapshot, heap.rows)).toEqual([
      'Array',
      '<.rows',
      'Record',
      '<.record',
      'global',
    ])
  })

  it('validates sort, order and filter in the protocol, with defaults', () => {
    expect(parseArgs('getArrays', { snapshotId: 's' })).toMatchObject({
      sort: 'retainedSize',
      order: 'descending',
      withHolders: false,
    })
    expect(() => parseArgs('getArrays', { snapshotId: 's', sort: 'name' })).toThrow(ApiError)
    expect(() => parseArgs('getArrays', { snapshotId: 's', order: 'up' })).toThrow(ApiError)
    expect(() => parseArgs('getArrays', { snapshotId: 's', filter: 'x'.repeat(201) })).toThrow(
      ApiError,
    )
    expect(() => parseArgs('getArrayGroups', { snapshotId: 's', sort: 'count' })).toThrow(ApiError)
  })
})

/** Two snapshots of "one process": `before` and `after` share ids for the objects they share. */
function pair(build: (builder: SnapshotBuilder, step: 0 | 1) => void): {
  before: HeapSnapshot
  after: HeapSnapshot
} {
  const made = ([0, 1] as const).map((step) => {
    const builder = new SnapshotBuilder()
    build(builder, step)
    return load(builder)
  })
  return { before: made[0], after: made[1] }
}

function baseOf(before: HeapSnapshot, after: HeapSnapshot) {
  return diffBase(before, interfaceDefinitionsOf(after))
}

describe('diff list', () => {
  it('hides classes with no net change when asked to', () => {
    const { before, after } = pair((builder, step) => {
      const { global } = builder.standardRoots('user-roots')
      // Churn: one Token replaced by another of the same size (new and deleted, no net change).
      builder.edge(
        global,
        'property',
        'token',
        builder.node('object', 'Token', { selfSize: 16, id: 1001 + 2 * step }),
      )
      // Growth: one Widget more.
      builder.edge(
        global,
        'property',
        'a',
        builder.node('object', 'Widget', { selfSize: 16, id: 2001 }),
      )
      if (step === 1)
        builder.edge(
          global,
          'property',
          'b',
          builder.node('object', 'Widget', { selfSize: 16, id: 2003 }),
        )
    })
    const base = baseOf(before, after)
    const classes = (hideUnchanged: boolean) =>
      runQuery(
        after,
        'diffSnapshots',
        parseArgs('diffSnapshots', {
          snapshotId: 'a',
          baseSnapshotId: 'b',
          hideUnchanged,
          count: 100,
        }),
        { diffBase: () => base },
      ).items.map((entry) => entry.className)
    expect(classes(true)).toContain('Widget')
    expect(classes(true)).not.toContain('Token')
    // By default the protocol lists what the engine does: DevTools' list.
    expect(classes(false)).toEqual(expect.arrayContaining(['Widget', 'Token']))
  })
})

describe('compareSnapshotIds', () => {
  const world = (builder: SnapshotBuilder, names: string[], firstId: number) => {
    const { global } = builder.standardRoots('user-roots')
    names.forEach((name, position) =>
      builder.edge(
        global,
        'property',
        `p${position}`,
        builder.node('object', name, { selfSize: 16, id: firstId + 2 * position }),
      ),
    )
  }

  it('finds two snapshots of one process alike', () => {
    const names = Array.from({ length: 20 }, (_, position) => `Thing${position % 4}`)
    const { before, after } = pair((builder, step) =>
      world(builder, step === 0 ? names : [...names, 'Later'], 5001),
    )
    const comparison = compareSnapshotIds(after, baseOf(before, after))
    expect(comparison.mismatch).toBeNull()
    expect(comparison.commonCount).toBeGreaterThan(0)
  })

  it('tells snapshots of two processes: shared ids of other classes, or no id in common', () => {
    const names = Array.from({ length: 20 }, (_, position) => `Thing${position % 4}`)
    const shuffled = pair((builder, step) =>
      world(builder, step === 0 ? names : names.map((_, position) => `Other${position % 5}`), 5001),
    )
    const differ = compareSnapshotIds(shuffled.after, baseOf(shuffled.before, shuffled.after))
    expect(differ.mismatch).toBe('classes-differ')
    const empty = pair((builder, step) => {
      builder.node('object', 'Lonely', { selfSize: 16, id: step === 0 ? 11 : 13 })
    })
    expect(compareSnapshotIds(empty.after, baseOf(empty.before, empty.after)).mismatch).toBe(
      'no-common-ids',
    )
  })
})

describe('leak clusters held only by V8 internals', () => {
  /**
   * A final snapshot where `fresh` objects are new between baseline and target: a boilerplate
   * object only an allocation site holds (through a closure's feedback cell), a Record held by
   * global.records' elements, and an object a closure captures.
   */
  function scenario() {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const fresh: NodeHandle[] = []
    const freshNode = (type: 'object' | 'closure', name: string, selfSize = 64) => {
      const node = builder.node(type, name, { selfSize })
      fresh.push(node)
      return node
    }
    // global.render -> closure -{feedback_cell}-> FeedbackCell -{value}-> FeedbackVector
    //   -[0]-> AllocationSite -{transition_info}-> boilerplate
    const site = addFeedbackChain(builder, global)
    const boilerplate = freshNode('object', 'Boilerplate', 5000)
    builder.edge(site, 'internal', 'transition_info', boilerplate)
    // global.records: an Array whose elements hold a fresh Record.
    const records = builder.node('object', 'Array', { selfSize: 32 })
    builder.edge(global, 'property', 'records', records)
    const store = builder.node('array', '(object elements)', { selfSize: 24 })
    builder.edge(records, 'internal', 'elements', store)
    const record = freshNode('object', 'Record', 100)
    builder.edge(store, 'element', 0, record)
    // A closure's context captures a fresh Payload.
    const handler = builder.node('closure', 'handler', { selfSize: 32 })
    builder.edge(global, 'property', 'handler', handler)
    const context = builder.node('object', 'system / Context', { selfSize: 40 })
    builder.edge(handler, 'internal', 'context', context)
    const payload = freshNode('object', 'Payload', 200)
    builder.edge(context, 'context', 'payload', payload)
    const snapshot = load(builder)
    const idOf = (node: NodeHandle) => snapshot.graph.objectId[node]
    const freshIds = new Set(fresh.map(idOf))
    const baseIds: number[] = []
    for (let node = 0; node < snapshot.graph.nodeCount; node++) {
      if (!freshIds.has(idOf(node))) baseIds.push(idOf(node))
    }
    const sorted = (ids: number[]) => Float64Array.from(ids).sort()
    const leaks = (includeInternalOnly?: boolean) =>
      findLeaks(snapshot, sorted(baseIds), sorted([...baseIds, ...freshIds]), [[], [], []], {
        includeInternalOnly,
      })
    return { snapshot, boilerplate, record, payload, leaks }
  }

  it('tells a feedback-cell hold from a program’s element, and a closure variable', () => {
    const { snapshot, boilerplate, record, payload } = scenario()
    expect(heldOnlyByInternals(snapshot, boilerplate)).toBe(true)
    expect(heldOnlyByInternals(snapshot, record)).toBe(false)
    expect(heldOnlyByInternals(snapshot, payload)).toBe(false)
  })

  it('leaves those clusters out of the report by default and counts them', () => {
    const { leaks } = scenario()
    const report = leaks()
    expect(report.clusters.map((cluster) => cluster.className).sort()).toEqual([
      'Payload',
      'Record',
    ])
    expect(report.clusters.every((cluster) => !cluster.heldByInternals)).toBe(true)
    expect(report.clusterCount).toBe(2)
    expect(report.retainedSize).toBe(300)
    expect(report.internalOnly).toMatchObject({
      clusterCount: 1,
      suspectCount: 1,
      retainedSize: 5000,
    })
    expect(report.internalOnly.clusters.map((cluster) => cluster.className)).toEqual([
      'Boilerplate',
    ])
    expect(report.internalOnly.clusters[0].heldByInternals).toBe(true)
    expect(report.internalOnly.clusters[0].path.length).toBeGreaterThan(1)
  })

  it('keeps them among the clusters and counts when asked to', () => {
    const report = scenario().leaks(true)
    expect(report.clusters.map((cluster) => cluster.className)).toEqual([
      'Boilerplate',
      'Payload',
      'Record',
    ])
    expect(report.clusters[0].heldByInternals).toBe(true)
    expect(report.clusterCount).toBe(3)
    expect(report.retainedSize).toBe(5300)
    expect(report.internalOnly).toEqual({
      clusterCount: 0,
      suspectCount: 0,
      retainedSize: 0,
      clusters: [],
    })
  })

  it('keeps an object the program also holds, even where V8 holds it nearer', () => {
    const builder = new SnapshotBuilder()
    const { global } = builder.standardRoots('user-roots')
    const site = builder.node('hidden', 'system / AllocationSite', { selfSize: 32 })
    builder.edge(global, 'internal', 'allocation_site', site)
    const shared = builder.node('object', 'Shared', { selfSize: 64 })
    builder.edge(site, 'internal', 'transition_info', shared)
    const holder = builder.node('object', 'Holder', { selfSize: 16 })
    builder.edge(global, 'property', 'holder', holder)
    builder.edge(holder, 'property', 'shared', shared)
    const snapshot = load(builder)
    expect(heldOnlyByInternals(snapshot, shared)).toBe(false)
  })
})
