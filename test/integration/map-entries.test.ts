// A Map's hash-table slots named by their entry's key, on a real Node heap: string, object,
// heap-number and small-integer keys, keys whose values are small integers, deleted entries,
// a table rebuilt as it grew, a subclass of Map; and no such names for a Set's or a WeakMap's
// table.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { snapshotOfScript } from '../helpers/fixtures'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getOutgoingEdges, getRetainers } from '../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../shared/heap/queries/paths'
import { chromiumUnavailableReason, takeChromeSnapshot } from '../helpers/chrome-snapshot'
import type { Reference } from '../../shared/protocol/dto'

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

interface TableReferences {
  /** Per Val or Key instance (`Class:tag`): the strong references to it from an array. */
  fromTable: Map<string, Reference[]>
  /** Per Val or Key instance (`Class:tag`): its node ordinal. */
  instances: Map<string, number>
}

/** The Val and Key instances of a snapshot, by their tag, and the tables that hold them. */
function tableReferences(snapshot: HeapSnapshot): TableReferences {
  const { graph } = snapshot
  const found: TableReferences = { fromTable: new Map(), instances: new Map() }
  for (let node = 0; node < graph.nodeCount; node++) {
    const className = graph.strings.get(snapshot.className[node])
    if (className !== 'Val' && className !== 'Key') continue
    const tag = getOutgoingEdges(snapshot, node, 0, 100).items.find(
      (reference) => reference.edge.name === 'tag',
    )
    if (!tag) continue
    const key = `${className}:${tag.node.name}`
    found.instances.set(key, node)
    const retainers = getRetainers(snapshot, node, 0, 100).items
    found.fromTable.set(
      key,
      // Strong references only: a WeakMap's table holds its keys weakly.
      retainers.filter((reference) => reference.node.type === 'array' && !reference.edge.isWeak),
    )
  }
  return found
}

/** The one reference to the instance `key` from a hash table. */
function slotIn({ fromTable }: TableReferences, key: string): Reference {
  const references = fromTable.get(key)
  expect(references, key).toHaveLength(1)
  return (references as Reference[])[0]
}

describe('Map entries by key', () => {
  let scratch: string
  let snapshot: HeapSnapshot
  let found: TableReferences = { fromTable: new Map(), instances: new Map() }
  const slotOf = (key: string): Reference => slotIn(found, key)

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'heapgraph-map-entries-'))
    const file = join(scratch, 'map-entries.heapsnapshot')
    await snapshotOfScript(PROGRAM, file)
    snapshot = await loadSnapshotFile(file)
    found = tableReferences(snapshot)
  }, 60_000)

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  it('names a value by its string key, quoted and clipped', () => {
    expect(slotOf('Val:alpha').edge.mapSlot).toEqual({ role: 'value', key: '"alpha"' })
    expect(slotOf('Val:long-key').edge.mapSlot).toEqual({
      role: 'value',
      key: JSON.stringify('x'.repeat(39)) + '…',
    })
    for (let i = 0; i < BULK; i++) {
      if (i % 7 === 0) {
        expect(found.fromTable.has(`Val:bulk${i}`), `bulk${i} was deleted`).toBe(false)
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
      key: `Key @${snapshot.graph.objectId[found.instances.get('Key:object-key') as number]}`,
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
    expect(found.fromTable.get('Val:weak-value')?.length).toBeGreaterThan(0)
    for (const reference of found.fromTable.get('Val:weak-value') ?? []) {
      expect(reference.edge.mapSlot).toBeUndefined()
    }
  })

  it('carries the key on the retainer path', () => {
    const { paths } = findRetainerPaths(snapshot, found.instances.get('Val:alpha') as number)
    const names = paths[0].map((step) => step.edge?.name ?? null)
    expect(names.slice(1, 3)).toEqual(['leakMap', 'table'])
    expect(paths[0].at(-1)?.edge?.mapSlot).toEqual({ role: 'value', key: '"alpha"' })
  })
})

/** A page whose Maps are named the same way in Chrome, where V8 compresses pointers. */
const CHROME_PAGE = `data:text/html,${encodeURIComponent(`<script>
class Val { constructor(tag) { this.tag = tag } }
class Key { constructor(tag) { this.tag = tag } }
window.leakMap = new Map([['alpha', new Val('alpha')], [7, new Val('smi-key')]])
window.leakCounts = new Map([[new Key('count-a'), 1], [new Key('count-b'), 2]])
</script>`)}`

const chromiumMissing = chromiumUnavailableReason()
if (chromiumMissing) console.warn(`Map entries in Chrome: SKIPPED: ${chromiumMissing}`)

describe.skipIf(chromiumMissing !== undefined)('Map entries by key in a Chrome page', () => {
  let scratch: string
  let found: TableReferences = { fromTable: new Map(), instances: new Map() }

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'heapgraph-map-entries-chrome-'))
    const file = join(scratch, 'chrome-maps.heapsnapshot')
    await takeChromeSnapshot(file, { page: CHROME_PAGE })
    found = tableReferences(await loadSnapshotFile(file))
  }, 120_000)

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  it('names values by key and tells keys from values, from the compressed layout', () => {
    expect(slotIn(found, 'Val:alpha').edge.mapSlot).toEqual({ role: 'value', key: '"alpha"' })
    expect(slotIn(found, 'Val:smi-key').edge.mapSlot).toEqual({ role: 'value', key: null })
    for (const tag of ['count-a', 'count-b']) {
      expect(slotIn(found, `Key:${tag}`).edge.mapSlot, tag).toEqual({ role: 'key', key: null })
    }
  })
})
