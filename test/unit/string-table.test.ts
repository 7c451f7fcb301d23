import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StringTable } from '../../shared/heap/graph/string-table'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { encodeTree, decodeTree } from '../../electron/backend/index-cache/tree-codec'
import { SnapshotBuilder } from '../helpers/snapshot-builder'

const encoder = new TextEncoder()

/** A table of `strings` as the parser makes it: runs of raw bytes in chunks of `chunkSize`. */
function parsedTable(strings: string[], chunkSize: number): StringTable {
  const raw = new SnapshotBuilder().toObject()
  const [before, after] = JSON.stringify({ ...raw, strings: [] }).split('"strings":[]')
  // V8's separator, which the parser's fast path looks for first.
  const body = [...raw.strings, ...strings].map((text) => JSON.stringify(text)).join(',\n')
  const text = `${before}"strings":[${body}]${after}`
  return parseSnapshotBytes(encoder.encode(text), chunkSize).strings
}

/** Strings with what a raw string can hold and what it cannot (escapes, lone surrogates). */
const anyString = fc.oneof(
  { arbitrary: fc.constantFrom('', 'a', 'ab', 'Array', 'Node / x', 'Node / ', 'x'), weight: 4 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 4 }), weight: 1 },
  {
    arbitrary: fc.constantFrom('a"b', 'a\\b', 'line\nnext', '\ud800', 'x\udc00y', 'é\ufffd'),
    weight: 1,
  },
)

describe('StringTable', () => {
  it('reads back what JSON.parse reads, whatever the chunks, and after being stored', () => {
    fc.assert(
      fc.property(
        fc.array(anyString, { maxLength: 40 }),
        fc.integer({ min: 1, max: 300 }),
        (strings, chunkSize) => {
          const table = parsedTable(strings, chunkSize)
          const expected = [...new SnapshotBuilder().toObject().strings, ...strings]
          expect(table.toArray()).toEqual(expected)
          const stored = StringTable.fromParts(table.toParts())
          expect(stored.toArray()).toEqual(expected)
          // The index cache's codec gives the same table back.
          const { skeleton, sections } = encodeTree({ table })
          const decoded = decodeTree(skeleton, sections) as { table: StringTable }
          expect(decoded.table.toArray()).toEqual(expected)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('finds strings and prefixes as a filter over every string does', () => {
    fc.assert(
      fc.property(
        fc.array(anyString, { maxLength: 40 }),
        fc.array(anyString, { maxLength: 4 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        (strings, extra, chunkSize, readFirst) => {
          const table = parsedTable(strings, chunkSize)
          for (const text of extra) table.push(text)
          const all = table.toArray()
          // Made strings must not change the answers: read them all first half the time.
          const fresh = readFirst ? table : parsedTable(strings, chunkSize)
          if (!readFirst) for (const text of extra) fresh.push(text)
          const targets = [...new Set([...strings.slice(0, 3), ...extra, 'a', '', 'Node / '])]
          const indexes = (keep: (text: string) => boolean): number[] =>
            all.flatMap((text, index) => (keep(text) ? [index] : []))
          const found = fresh.indexesOfAny(targets)
          for (const target of targets) {
            expect(found.get(target), JSON.stringify(target)).toEqual(
              indexes((text) => text === target),
            )
            expect(fresh.indexesOf(target)).toEqual(indexes((text) => text === target))
            expect(fresh.indexesStartingWith(target)).toEqual(
              indexes((text) => text.startsWith(target)),
            )
          }
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('finds numbered names (digits, then an infix) as a filter over every string does', () => {
    const numbered = fc.oneof(
      anyString,
      fc
        .tuple(
          fc.constantFrom('', '7', '12', '0x', '٣'),
          fc.constantFrom(' / part', ' / part of', ' / par', '/ part', ' / part\n', ''),
          anyString,
        )
        .map(([digits, infix, rest]) => digits + infix + rest),
    )
    fc.assert(
      fc.property(
        fc.array(numbered, { maxLength: 40 }),
        fc.array(numbered, { maxLength: 4 }),
        fc.integer({ min: 1, max: 300 }),
        (strings, extra, chunkSize) => {
          const table = parsedTable(strings, chunkSize)
          for (const text of extra) table.push(text)
          const expected = table
            .toArray()
            .flatMap((text, index) => (/^[0-9]+ \/ part/.test(text) ? [index] : []))
          expect(parsedTable(strings, chunkSize).indexesOfDigitsThen(' / part').length).toBe(
            expected.filter((index) => index < table.length - extra.length).length,
          )
          expect(table.indexesOfDigitsThen(' / part')).toEqual(expected)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('keeps strings added later, past the first page, and reads nothing past the end', () => {
    const strings = Array.from({ length: 9000 }, (_, index) => `s${index}`)
    const table = parsedTable(strings, 1 << 16)
    const first = table.length - strings.length
    // Read late pages before early ones.
    expect(table.get(first + 8999)).toBe('s8999')
    expect(table.get(first + 4096)).toBe('s4096')
    expect(table.get(first)).toBe('s0')
    const added = table.push('(system)')
    expect(added).toBe(table.length - 1)
    expect(table.get(added)).toBe('(system)')
    expect(table.get(table.length)).toBeUndefined()
    expect(table.get(-1)).toBeUndefined()
    expect(table.indexesOf('(system)')).toEqual([added])
    expect(table.indexesOf('s4096')).toEqual([first + 4096])
  })

  it('finds a prefix that ends in half of a pair the string holds whole', () => {
    const table = parsedTable(['😀 smile', 'plain', '\ud83d'], 1 << 16)
    const first = table.length - 3
    // The raw string's bytes hold the pair; the text kept for the lone half compares as text.
    expect(table.indexesStartingWith('\ud83d')).toEqual([first, first + 2])
    expect(table.indexesOf('\ud83d')).toEqual([first + 2])
    expect(table.indexesStartingWith('😀')).toEqual([first])
  })

  it('reads nothing at an index that is not a whole number, as an array does', () => {
    const table = parsedTable(['zero', 'one'], 1 << 16)
    const first = table.length - 2
    for (const index of [first + 0.5, Number.NaN, -0.5, 2 ** 32, Infinity])
      expect(table.get(index), String(index)).toBeUndefined()
    expect(table.get(first + 1)).toBe('one')
  })

  it('refuses stored parts that do not fit together', () => {
    const table = parsedTable(['alpha', 'beta', 'line\nbreak'], 1 << 16)
    const parts = table.toParts()
    expect(() => StringTable.fromParts(parts)).not.toThrow()
    expect(() =>
      StringTable.fromParts({ ...parts, bytes: parts.bytes.subarray(0, parts.bytes.length - 1) }),
    ).toThrow(/do not end/)
    const past = parts.starts.slice()
    past[past.length - 2] = parts.bytes.length
    expect(() => StringTable.fromParts({ ...parts, starts: past })).toThrow(/past the bytes/)
    expect(() => StringTable.fromParts({ ...parts, texts: [] })).toThrow(/differ in number/)
    expect(() => StringTable.fromParts({ ...parts, textIndexes: new Uint32Array([0]) })).toThrow(
      /not one kept as text/,
    )
    expect(() =>
      StringTable.fromParts({ ...parts, textIndexes: new Uint32Array(0), texts: [] }),
    ).toThrow(/kept as text but not given/)
  })
})
