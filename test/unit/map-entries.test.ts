// A Map's hash-table slots on hand-built heaps: roles from the table's layout (64-bit and
// pointer-compressed sizes), from drawn key/value pairs where the size does not tell, a Map
// subclass known by its table's layout, and the tables that are not a Map's.
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { getOutgoingEdges } from '../../shared/heap/queries/nodes'
import { SnapshotBuilder, type NodeHandle } from '../helpers/snapshot-builder'
import type { MapSlot } from '../../shared/protocol/dto'

/** A table of 2 buckets: 3 header slots, 2 bucket slots, 4 entries of 3 slots = 17 slots. */
const SLOTS = 17
const SIZE_64 = 16 + 8 * SLOTS
const SIZE_COMPRESSED = 8 + 4 * SLOTS

/** global.<name> -> owner --table--> table, with `slots` as [index, what it points at]. */
function heap(
  tables: Array<{ name: string; owner: string; size: number; slots: Array<[number, string]> }>,
): { snapshot: HeapSnapshot; tables: Map<string, NodeHandle> } {
  const builder = new SnapshotBuilder()
  const { global } = builder.standardRoots('user-roots')
  const handles = new Map<string, NodeHandle>()
  for (const { name, owner, size, slots } of tables) {
    const object = builder.node('object', owner, { selfSize: 32 })
    const table = builder.node('array', '', { selfSize: size })
    builder.edge(global, 'property', name, object)
    builder.edge(object, 'internal', 'table', table)
    // V8 writes a FixedArray's slots in index order.
    for (const [index, what] of [...slots].sort((a, b) => a[0] - b[0])) {
      const target = what.startsWith('"')
        ? builder.node('string', JSON.parse(what) as string, { selfSize: 24 })
        : builder.node('object', what, { selfSize: 16 })
      builder.edge(table, 'internal', String(index), target)
    }
    handles.set(name, table)
  }
  return { snapshot: initializeSnapshot(parseSnapshotBytes(builder.toBytes())), tables: handles }
}

/** Per slot name: its MapSlot (undefined when it has none). */
function slotsOf(snapshot: HeapSnapshot, table: NodeHandle): Record<string, MapSlot | undefined> {
  return Object.fromEntries(
    getOutgoingEdges(snapshot, table, 0, 100).items.map((item) => [
      item.edge.name,
      item.edge.mapSlot,
    ]),
  )
}

// Entries start at slot 5: keys at 5, 8, 11, 14; values at 6, 9, 12, 15.
const ENTRIES: Array<[number, string]> = [
  [5, '"alpha"'], // a string key...
  [6, 'Value'], // ...and its value
  [8, 'Key'], // an object key whose value is a small integer (not drawn)
  [12, 'Value'], // a value whose key is a small integer (not drawn)
]

describe('Map hash-table slots', () => {
  it('reads roles from the size of a 64-bit or a pointer-compressed table', () => {
    for (const size of [SIZE_64, SIZE_COMPRESSED]) {
      const { snapshot, tables } = heap([{ name: 'cache', owner: 'Map', size, slots: ENTRIES }])
      expect(slotsOf(snapshot, tables.get('cache') as NodeHandle), `size ${size}`).toEqual({
        5: { role: 'key', key: null },
        6: { role: 'value', key: '"alpha"' },
        8: { role: 'key', key: null },
        12: { role: 'value', key: null },
      })
    }
  })

  it('finds the phase from a drawn key/value pair when the size does not tell', () => {
    const slots: Array<[number, string]> = [...ENTRIES, [9, 'Value'], [14, 'Key'], [15, 'Value']]
    const { snapshot, tables } = heap([{ name: 'cache', owner: 'Map', size: 999, slots }])
    expect(slotsOf(snapshot, tables.get('cache') as NodeHandle)).toEqual({
      5: { role: 'key', key: null },
      6: { role: 'value', key: '"alpha"' },
      // 8 and 9 are a pair too: a key and its value.
      8: { role: 'key', key: null },
      9: { role: 'value', key: expect.stringMatching(/^Key @\d+$/) },
      12: { role: 'value', key: null },
      14: { role: 'key', key: null },
      15: { role: 'value', key: expect.stringMatching(/^Key @\d+$/) },
    })
  })

  it("knows a Map subclass's table by its layout, and leaves other tables alone", () => {
    const { snapshot, tables } = heap([
      { name: 'lru', owner: 'LRU', size: SIZE_64, slots: ENTRIES },
      // Not laid out as a Map's, and not a Map: no names.
      { name: 'other', owner: 'LRU', size: 999, slots: ENTRIES },
      // A Set of 2 buckets: 3 + 2 + 4 entries of 2 slots.
      { name: 'set', owner: 'Set', size: 16 + 8 * 13, slots: [[5, 'Value']] },
      // Slots before the entries (the buckets) never name an entry.
      { name: 'buckets', owner: 'Map', size: SIZE_64, slots: [[3, 'Value']] },
    ])
    expect(slotsOf(snapshot, tables.get('lru') as NodeHandle)[6]).toEqual({
      role: 'value',
      key: '"alpha"',
    })
    for (const name of ['other', 'set', 'buckets']) {
      const slots = slotsOf(snapshot, tables.get(name) as NodeHandle)
      expect(Object.values(slots), name).toEqual(Object.values(slots).map(() => undefined))
      expect(Object.keys(slots).length, name).toBeGreaterThan(0)
    }
  })
})
