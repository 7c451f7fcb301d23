// A tree of engine state (plain objects and arrays, numbers, strings, typed arrays, bit vectors,
// the snapshot's StringTable and large arrays of strings) split into a JSON skeleton and binary
// sections, and put back together. Typed arrays become sections of their own bytes (a
// Float64Array of unsigned 32-bit whole numbers as Uint32s); an all-zero typed array costs
// nothing; a StringTable is stored as its parts (its UTF-8 bytes and starts as they are, and its
// strings kept as text); an array of many strings becomes its UTF-16 lengths plus the joined
// text in chunks, latin1 where every character fits and UTF-16 otherwise, so that lone
// surrogates survive. Anything else (a Map, another class's instance, a function) is refused, so
// nothing is lost silently.
import { BitVector } from '../../../shared/heap/analyses/bit-vector'
import { StringTable, type StringTableParts } from '../../../shared/heap/graph/string-table'

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array

const TYPED_ARRAYS = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const
type TypedArrayName = keyof typeof TYPED_ARRAYS

/** One binary section: its bytes and how to read them back. */
export interface Section {
  type: TypedArrayName | 'latin1' | 'utf16le'
  bytes: Uint8Array
  /**
   * A narrowed section read into the upper half of a region twice its size (a reader's choice):
   * it is widened in place into the whole region instead of into a new buffer.
   */
  widenInPlace?: boolean
}

export interface EncodedTree {
  skeleton: unknown
  sections: Section[]
}

/** Arrays of at least this many strings are encoded as string tables. */
const STRING_TABLE_MIN = 64
/** Characters per chunk of a string table's text (well under V8's longest string). */
const STRING_CHUNK_CHARS = 1 << 26

function typedArrayName(value: unknown): TypedArrayName | null {
  for (const [name, type] of Object.entries(TYPED_ARRAYS)) {
    if (value instanceof type) return name as TypedArrayName
  }
  return null
}

function isZero(array: TypedArray): boolean {
  const words =
    array.byteOffset % 4 === 0 && array.byteLength % 4 === 0
      ? new Uint32Array(array.buffer, array.byteOffset, array.byteLength / 4)
      : new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
  for (let index = 0; index < words.length; index++) if (words[index] !== 0) return false
  return true
}

/** The array as Uint32s when every value is a whole number from 0 to 2^32 - 1; else null. */
function asUint32(array: Float64Array): Uint32Array | null {
  const narrow = new Uint32Array(array.length)
  for (let index = 0; index < array.length; index++) {
    const value = array[index]
    narrow[index] = value
    // Also refuses NaN, -0 and fractions: the narrowed value must read back the same.
    if (narrow[index] !== value || Object.is(value, -0)) return null
  }
  return narrow
}

function bytesOf(array: TypedArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
}

function isStringTable(value: unknown[]): value is string[] {
  if (value.length < STRING_TABLE_MIN) return false
  for (const item of value) if (typeof item !== 'string') return false
  return true
}

/**
 * Splits `value` into a JSON skeleton and binary sections (`chunkChars`: the most characters a
 * string table's text chunk holds; tests make it small).
 */
export function encodeTree(value: unknown, chunkChars = STRING_CHUNK_CHARS): EncodedTree {
  const sections: Section[] = []
  const add = (section: Section): number => sections.push(section) - 1
  const encode = (item: unknown, where: string): unknown => {
    if (item === null || typeof item === 'boolean' || typeof item === 'string') return item
    if (typeof item === 'number') {
      // JSON has no NaN, infinities or -0.
      if (Object.is(item, -0)) return { $number: '-0' }
      return Number.isFinite(item) ? item : { $number: String(item) }
    }
    const typed = typedArrayName(item)
    if (typed) {
      const array = item as TypedArray
      if (isZero(array)) return { $zero: typed, length: array.length }
      // Sizes are whole numbers: most Float64Arrays hold only unsigned 32-bit ones.
      const narrow = array instanceof Float64Array ? asUint32(array) : null
      if (narrow) return { $widen: add({ type: 'Uint32Array', bytes: bytesOf(narrow) }) }
      return { $typed: add({ type: typed, bytes: bytesOf(array) }) }
    }
    if (item instanceof BitVector)
      return { $bits: item.size, words: encode(item.words, `${where}.words`) }
    if (item instanceof StringTable) {
      const parts: Record<string, unknown> = { ...item.toParts() }
      return { $stringTable: encode(parts, `${where}.parts`) }
    }
    if (Array.isArray(item)) {
      if (isStringTable(item)) return encodeStrings(item, add, chunkChars)
      return item.map((element, index) => encode(element, `${where}[${index}]`))
    }
    const prototype: unknown = typeof item === 'object' ? Object.getPrototypeOf(item) : undefined
    if (prototype === Object.prototype || prototype === null) {
      // fromEntries: a key named __proto__ stays a key.
      const fields = Object.entries(item as object).filter(([, field]) => field !== undefined)
      return {
        $object: Object.fromEntries(
          fields.map(([key, field]) => [key, encode(field, `${where}.${key}`)]),
        ),
      }
    }
    throw new TypeError(`cannot persist ${where}: ${Object.prototype.toString.call(item)}`)
  }
  return { skeleton: encode(value, 'state'), sections }
}

function encodeStrings(
  strings: string[],
  add: (section: Section) => number,
  chunkChars: number,
): unknown {
  const lengths = new Uint32Array(strings.length)
  const chunks: number[] = []
  let start = 0
  let chars = 0
  const flush = (end: number): void => {
    if (end === start) return
    const text = strings.slice(start, end).join('')
    // Latin1 keeps one byte a character when it can; UTF-16 keeps every code unit otherwise.
    const latin1 = !/[\u0100-\uffff]/.test(text)
    const type = latin1 ? 'latin1' : 'utf16le'
    chunks.push(add({ type, bytes: Buffer.from(text, type) }), end - start)
    start = end
    chars = 0
  }
  for (let index = 0; index < strings.length; index++) {
    const length = strings[index].length
    if (chars + length > chunkChars) flush(index)
    lengths[index] = length
    chars += length
  }
  flush(strings.length)
  return { $strings: add({ type: 'Uint32Array', bytes: bytesOf(lengths) }), chunks }
}

/**
 * The sections a decoded tree does not keep (string tables' text and lengths), which a reader
 * may put in buffers of their own, freed after, and the narrowed ones, which it may read into
 * the upper half of a region twice their size to be widened in place (`widenInPlace`).
 */
export function transientSections(skeleton: unknown): {
  transient: Set<number>
  widened: Set<number>
} {
  const transient = new Set<number>()
  const widened = new Set<number>()
  const visit = (item: unknown): void => {
    if (item === null || typeof item !== 'object') return
    if (Array.isArray(item)) {
      item.forEach(visit)
      return
    }
    const record = item as Record<string, unknown>
    if (typeof record.$widen === 'number') widened.add(record.$widen)
    if (typeof record.$strings === 'number') {
      transient.add(record.$strings)
      const chunks = Array.isArray(record.chunks) ? record.chunks : []
      for (let chunk = 0; chunk < chunks.length; chunk += 2)
        if (typeof chunks[chunk] === 'number') transient.add(chunks[chunk] as number)
    }
    Object.values(record).forEach(visit)
  }
  visit(skeleton)
  return { transient, widened }
}

/** A skeleton or section that does not decode: a damaged or foreign cache. */
export class TreeDecodeError extends Error {}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TreeDecodeError(`${what} is not an object`)
  return value as Record<string, unknown>
}

function sectionIndex(value: unknown, sections: readonly Section[]): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value >= sections.length
  )
    throw new TreeDecodeError(`no section ${String(value)}`)
  return value
}

/** Reads a section as the typed array it was written from (the bytes must be aligned). */
function typedSection(section: Section): TypedArray {
  if (section.type === 'latin1' || section.type === 'utf16le')
    throw new TreeDecodeError(`a ${section.type} section where numbers were expected`)
  const type = TYPED_ARRAYS[section.type]
  const { bytes } = section
  if (
    bytes.byteLength % type.BYTES_PER_ELEMENT !== 0 ||
    bytes.byteOffset % type.BYTES_PER_ELEMENT !== 0
  )
    throw new TreeDecodeError(`a ${section.type} section of ${bytes.byteLength} bytes`)
  return new type(
    bytes.buffer as ArrayBuffer,
    bytes.byteOffset,
    bytes.byteLength / type.BYTES_PER_ELEMENT,
  )
}

function decodeStrings(record: Record<string, unknown>, sections: readonly Section[]): string[] {
  const lengths = typedSection(sections[sectionIndex(record.$strings, sections)])
  const chunks = record.chunks
  if (!(lengths instanceof Uint32Array) || !Array.isArray(chunks) || chunks.length % 2 !== 0)
    throw new TreeDecodeError('a string table without its lengths')
  const strings = new Array<string>(lengths.length)
  let index = 0
  for (let chunk = 0; chunk < chunks.length; chunk += 2) {
    const section = sections[sectionIndex(chunks[chunk], sections)]
    const count = chunks[chunk + 1] as number
    if (section.type !== 'latin1' && section.type !== 'utf16le')
      throw new TreeDecodeError('a string table chunk that is not text')
    const { bytes } = section
    const text = Buffer.from(
      bytes.buffer as ArrayBuffer,
      bytes.byteOffset,
      bytes.byteLength,
    ).toString(section.type)
    let at = 0
    for (let end = index + count; index < end; index++) {
      if (index >= lengths.length) throw new TreeDecodeError('a string table too long')
      strings[index] = text.slice(at, at + lengths[index])
      at += lengths[index]
    }
    if (at !== text.length) throw new TreeDecodeError('a string table chunk of the wrong length')
  }
  if (index !== lengths.length) throw new TreeDecodeError('a string table too short')
  return strings
}

function decodeStringTable(value: unknown): StringTable {
  const parts = asRecord(value, 'a string table')
  const { bytes, starts, textIndexes, texts } = parts
  if (
    !(bytes instanceof Uint8Array) ||
    !(starts instanceof Uint32Array) ||
    !(textIndexes instanceof Uint32Array) ||
    !Array.isArray(texts)
  )
    throw new TreeDecodeError('a string table without its parts')
  try {
    return StringTable.fromParts({ bytes, starts, textIndexes, texts } as StringTableParts)
  } catch (error) {
    throw new TreeDecodeError(`a string table that does not fit together: ${String(error)}`)
  }
}

/** Puts a tree back together from its skeleton and sections; throws TreeDecodeError. */
export function decodeTree(skeleton: unknown, sections: readonly Section[]): unknown {
  const decode = (item: unknown): unknown => {
    if (item === null || typeof item !== 'object') return item
    if (Array.isArray(item)) return item.map(decode)
    const record = item as Record<string, unknown>
    if ('$object' in record) {
      const fields = Object.entries(asRecord(record.$object, 'an object'))
      return Object.fromEntries(fields.map(([key, field]) => [key, decode(field)]))
    }
    if ('$typed' in record) return typedSection(sections[sectionIndex(record.$typed, sections)])
    if ('$widen' in record) {
      const section = sections[sectionIndex(record.$widen, sections)]
      const narrow = typedSection(section)
      if (!(narrow instanceof Uint32Array))
        throw new TreeDecodeError('a widened section not Uint32')
      if (!section.widenInPlace) return new Float64Array(narrow)
      // Forwards is safe: wide[i] ends at byte 8i + 8, at or before narrow[i + 1]'s start.
      const length = narrow.length
      const start = narrow.byteOffset - 4 * length
      if (start < 0 || start % 8 !== 0) throw new TreeDecodeError('no room to widen in place')
      const wide = new Float64Array(narrow.buffer as ArrayBuffer, start, length)
      for (let index = 0; index < length; index++) wide[index] = narrow[index]
      return wide
    }
    if ('$zero' in record) {
      const type = TYPED_ARRAYS[record.$zero as TypedArrayName]
      const length = record.length
      if (!type || typeof length !== 'number' || !Number.isInteger(length) || length < 0)
        throw new TreeDecodeError('a zero array without its type or length')
      return new type(length)
    }
    if ('$bits' in record) {
      const words = decode(record.words)
      const size = record.$bits
      if (!(words instanceof Uint32Array) || typeof size !== 'number')
        throw new TreeDecodeError('a bit vector without its words')
      return BitVector.fromWords(size, words)
    }
    if ('$strings' in record) return decodeStrings(record, sections)
    if ('$stringTable' in record) return decodeStringTable(decode(record.$stringTable))
    if ('$number' in record) return Number(record.$number)
    throw new TreeDecodeError(`an unknown node ${Object.keys(record).join(',')}`)
  }
  return decode(skeleton)
}
