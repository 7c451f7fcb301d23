// The index cache's tree codec against the trees it is given: whatever goes in comes back equal
// (typed arrays of each kind, bit vectors, string tables with any UTF-16 text, numbers JSON
// cannot hold), and what it cannot keep is refused by name.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BitVector } from '../../shared/heap/analyses/bit-vector'
import {
  decodeTree,
  encodeTree,
  TreeDecodeError,
  type Section,
} from '../../electron/backend/index-cache/tree-codec'

/** Sections as a file gives them back: each in a buffer of its own (8-byte aligned). */
function reread(sections: readonly Section[]): Section[] {
  return sections.map((section) => ({ type: section.type, bytes: new Uint8Array(section.bytes) }))
}

function roundTrip(value: unknown, chunkChars?: number): unknown {
  const { skeleton, sections } = encodeTree(value, chunkChars)
  return decodeTree(JSON.parse(JSON.stringify(skeleton)), reread(sections))
}

const anyText = fc.string({ unit: 'binary', maxLength: 12 })
const typedArrays = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 255 })).map((v) => Uint8Array.from(v)),
  fc.array(fc.integer({ min: -128, max: 127 })).map((v) => Int8Array.from(v)),
  fc.array(fc.integer({ min: 0, max: 65535 })).map((v) => Uint16Array.from(v)),
  fc.array(fc.integer({ min: 0, max: 0xffffffff })).map((v) => Uint32Array.from(v)),
  fc.array(fc.integer()).map((v) => Int32Array.from(v)),
  fc.array(fc.double()).map((v) => Float64Array.from(v)),
  fc.array(fc.nat(0xffffffff)).map((v) => Float64Array.from(v)),
  fc.nat(100).map((n) => new Uint32Array(n)),
)
const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    anyText,
    typedArrays,
    fc.array(anyText, { minLength: 60, maxLength: 200 }),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }),
  ),
}))

describe('the index cache tree codec', () => {
  it('gives back what it was given', () => {
    fc.assert(
      fc.property(tree.node, fc.integer({ min: 1, max: 40 }), (value, chunkChars) => {
        expect(roundTrip(value, chunkChars)).toEqual(value)
      }),
      { numRuns: 300 },
    )
  })

  it('keeps lone surrogates, non-Latin text and big tables split into chunks', () => {
    const strings = Array.from({ length: 500 }, (_, i) =>
      i % 3 === 0 ? `\ud800${i}` : i % 3 === 1 ? `ключ ${i} 🔑` : `key ${i}`,
    )
    expect(roundTrip({ strings }, 64)).toEqual({ strings })
    const latin = Array.from({ length: 100 }, (_, i) => `caf\u00e9 ${i}`)
    const encoded = encodeTree(latin)
    expect(encoded.sections.map((section) => section.type)).toEqual(['latin1', 'Uint32Array'])
    expect(roundTrip(latin)).toEqual(latin)
  })

  it('stores zero arrays as nothing and whole-number Float64Arrays as 32-bit', () => {
    const { sections } = encodeTree({
      zero: new Float64Array(1000),
      sizes: Float64Array.from([1, 2, 4294967295]),
      fractions: Float64Array.from([1.5]),
      negativeZero: Float64Array.from([-0, 1]),
    })
    expect(sections.map((section) => [section.type, section.bytes.length])).toEqual([
      ['Uint32Array', 12],
      ['Float64Array', 8],
      ['Float64Array', 16],
    ])
    const back = roundTrip({ negativeZero: Float64Array.from([-0, 1]) }) as {
      negativeZero: Float64Array
    }
    expect(Object.is(back.negativeZero[0], -0)).toBe(true)
  })

  it('widens a narrowed array in place, read into the upper half of its room', () => {
    for (const length of [1, 2, 7, 1000]) {
      const sizes = Float64Array.from({ length }, (_, i) => ((i + 1) * 2654435761) % 4294967296)
      const { skeleton, sections } = encodeTree({ sizes })
      const [narrow] = sections
      const room = new ArrayBuffer(narrow.bytes.length * 2)
      const upper = new Uint8Array(room, narrow.bytes.length, narrow.bytes.length)
      upper.set(narrow.bytes)
      const back = decodeTree(skeleton, [{ ...narrow, bytes: upper, widenInPlace: true }]) as {
        sizes: Float64Array
      }
      expect(back.sizes).toEqual(sizes)
      expect(back.sizes.buffer).toBe(room)
    }
  })

  it('gives back bit vectors and the numbers JSON cannot hold', () => {
    const bits = new BitVector(70)
    bits.set(0)
    bits.set(69)
    const back = roundTrip({ bits, numbers: [NaN, Infinity, -Infinity] }) as {
      bits: BitVector
      numbers: number[]
    }
    expect(back.bits).toBeInstanceOf(BitVector)
    expect([back.bits.get(0), back.bits.get(1), back.bits.get(69), back.bits.size]).toEqual([
      true,
      false,
      true,
      70,
    ])
    expect(back.numbers).toEqual([NaN, Infinity, -Infinity])
  })

  it('refuses what it cannot keep, by where it is', () => {
    expect(() => encodeTree({ index: { byKey: new Map() } })).toThrow(
      'cannot persist state.index.byKey: [object Map]',
    )
    expect(() => encodeTree([() => 1])).toThrow('cannot persist state[0]')
  })

  it('refuses a skeleton or sections that do not fit together', () => {
    const { skeleton, sections } = encodeTree({ a: Uint32Array.from([1, 2, 3]) })
    expect(() => decodeTree(skeleton, [])).toThrow(TreeDecodeError)
    expect(() => decodeTree(skeleton, [{ type: 'Uint32Array', bytes: new Uint8Array(7) }])).toThrow(
      TreeDecodeError,
    )
    expect(() => decodeTree({ $what: 1 }, sections)).toThrow(TreeDecodeError)
  })
})
