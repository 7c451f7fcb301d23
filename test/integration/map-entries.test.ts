// A Map's hash-table slots named by their entry's key, on a real Node heap: string, object,
// heap-number and small-integer keys, keys whose values are small integers, deleted entries,
// a table rebuilt as it grew, a subclass of Map; and no such names for a Set's or a WeakMap's
// table.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getOutgoingEdges, getRetainers, type Reference } from '../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../shared/heap/queries/paths'

const BULK = 200

const PROGRAM = `
class Val { constructor(tag) { this.tag = tag } }
class Key { constructor(tag) { this.tag = tag } }
const map = new Map()
map.set('alpha', new Val('alpha'))
map.set(7, new Val('smi-key'))
const objectKey = new Key('object-key')
map.set(objectKey, new Val('object-key'))
map.set(new Key('smi-value'), 5)
map.set(1.5, new Val('number-key'))
map.set('x'.repeat(100), new Val('long-key'))
for (let i = 0; i < ${BULK}; i++) map.set('bulk' + i, new Val('bulk' + i))
for (let i = 0; i < ${BULK}; i += 7) map.delete('bulk' + i)
globalThis.leakMap = map
// Every value a small integer, and every key a small integer: no key/value pair is drawn.
globalThis.leakCounts = new Map([[new Key('count-a'), 1], [new Key('count-b'), 2]])
globalThis.leakById = new Map([[1, new Val('id-1')], [2, new Val('id-2')]])
class LRU extends Map {}
globalThis.leakLru = new LRU([['lru-key', new Val('lru-value')]])
globalThis.leakSet = new Set([new Val('set-member')])
globalThis.leakWeakMap = new WeakMap([[objectKey, new Val('weak-value')]])
setImmediate(() => { globalThis.gc(); require('node:v8').writeHeapSnapshot(process.argv[1]) })
`

describe('Map entries by key', () => {
  let scratch: string
  let snapshot: HeapSnapshot
  /** Per Val or Key instance (by its tag): the references to it from a hash table. */
  const fromTable = new Map<string, Reference[]>()
  /** Per Val or Key instance (by its tag): its node ordinal. */
  const instances = new Map<string, number>()

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'heapgraph-map-entries-'))
    const file = join(scratch, 'map-entries.heapsnapshot')
    await promisify(execFile)(process.execPath, ['--expose-gc', '-e', PROGRAM, file])
    snapshot = await loadSnapshotFile(file)
    const { graph } = snapshot
    for (let node = 0; node < graph.nodeCount; node++) {
      const className = graph.strings[snapshot.className[node]]
      if (className !== 'Val' && className !== 'Key') continue
      const tag = getOutgoingEdges(snapshot, node, 0, 100).items.find(
        (reference) => reference.edge.name === 'tag',
      )
      if (!tag) continue
      const key = `${className}:${tag.node.name}`
      instances.set(key, node)
      const retainers = getRetainers(snapshot, node, 0, 100).items
      fromTable.set(
        key,
        // Strong references only: a WeakMap's table holds its keys weakly.
        retainers.filter((reference) => reference.node.type === 'array' && !reference.edge.isWeak),
      )
    }
  }, 60_000)

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  /** The one reference to the instance from a hash table. */
  function slotOf(key: string): Reference {
    const references = fromTable.get(key)
    expect(references, key).toHaveLength(1)
    return (references as Reference[])[0]
  }

  it('names a value by its string key, quoted and clipped', () => {
    expect(slotOf('Val:alpha').edge.mapSlot).toEqual({ role: 'value', key: '"alpha"' })
    expect(slotOf('Val:long-key').edge.mapSlot).toEqual({
      role: 'value',
      key: JSON.stringify('x'.repeat(39) + '…'),
    })
    for (let i = 0; i < BULK; i++) {
      if (i % 7 === 0) {
        expect(fromTable.has(`Val:bulk${i}`), `bulk${i} was deleted`).toBe(false)
        continue
      }
      expect(slotOf(`Val:bulk${i}`).edge.mapSlot, `bulk${i}`).toEqual({
        role: 'value',
        key: `"bulk${i}"`,
      })
    }
  })

  it('names a value by an object or heap-number key as its class and @id', () => {
    const objectKey = slotOf('Key:object-key')
    expect(objectKey.edge.mapSlot).toEqual({ role: 'key', key: null })
    expect(slotOf('Val:object-key').edge.mapSlot).toEqual({
      role: 'value',
      key: `Key @${snapshot.graph.objectId[instances.get('Key:object-key') as number]}`,
    })
    expect(slotOf('Val:number-key').edge.mapSlot).toMatchObject({
      role: 'value',
      key: expect.stringMatching(/ @\d+$/),
    })
  })

  it('tells a value from a key where the other half is a small integer', () => {
    // The key 7 and the value 5 are Smis, which the snapshot does not draw.
    expect(slotOf('Val:smi-key').edge.mapSlot).toEqual({ role: 'value', key: null })
    expect(slotOf('Key:smi-value').edge.mapSlot).toEqual({ role: 'key', key: null })
    // Also in Maps where no key and its value are drawn side by side.
    for (const tag of ['count-a', 'count-b']) {
      expect(slotOf(`Key:${tag}`).edge.mapSlot, tag).toEqual({ role: 'key', key: null })
    }
    for (const tag of ['id-1', 'id-2']) {
      expect(slotOf(`Val:${tag}`).edge.mapSlot, tag).toEqual({ role: 'value', key: null })
    }
  })

  it('names the entries of a subclass of Map', () => {
    expect(slotOf('Val:lru-value').edge.mapSlot).toEqual({ role: 'value', key: '"lru-key"' })
  })

  it("leaves a Set's and a WeakMap's table slots unnamed", () => {
    expect(slotOf('Val:set-member').edge.mapSlot).toBeUndefined()
    // A WeakMap's value is held by its table and by the key/value pair V8 notes beside it.
    expect(fromTable.get('Val:weak-value')?.length).toBeGreaterThan(0)
    for (const reference of fromTable.get('Val:weak-value') ?? []) {
      expect(reference.edge.mapSlot).toBeUndefined()
    }
  })

  it('carries the key on the retainer path', () => {
    const { paths } = findRetainerPaths(snapshot, instances.get('Val:alpha') as number)
    const names = paths[0].map((step) => step.edge?.name ?? null)
    expect(names.slice(1, 3)).toEqual(['leakMap', 'table'])
    expect(paths[0].at(-1)?.edge?.mapSlot).toEqual({ role: 'value', key: '"alpha"' })
  })
})
