// Seeded mutators over real and hand-built heap snapshots, for the parser fuzzer. Each mutator is
// deterministic given (rng seed, seed snapshot): it returns byte edits aimed at the parts the
// snapshot index found, applied at once, so that mutators combine without re-scanning.
import { gzipSync } from 'node:zlib'
import {
  findSection,
  indexSnapshot,
  sectionBoundaries,
  type SectionSpan,
  type SnapshotIndex,
  type Span,
} from './snapshot-index'

/** mulberry32: a small, fast, seedable PRNG (32-bit state). */
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A uniform uint32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 2 ** 32
  }

  /** Uniform integer in [0, count); 0 when count <= 0. */
  below(count: number): number {
    return count <= 0 ? 0 : Math.floor(this.float() * count)
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1)
  }

  chance(probability: number): boolean {
    return this.float() < probability
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0)
    let roll = this.float() * total
    for (const [item, weight] of entries) {
      roll -= weight
      if (roll < 0) return item
    }
    return entries[entries.length - 1][0]
  }
}

/** The seed of case `caseIndex` of a run with `baseSeed` (a splitmix32-style hash). */
export function caseSeed(baseSeed: number, caseIndex: number): number {
  let h = (baseSeed ^ Math.imul(caseIndex + 1, 0x9e3779b9)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** A valid snapshot the mutators start from. */
export interface Seed {
  name: string
  bytes: Uint8Array
  index: SnapshotIndex
  /** Cut offsets at section boundaries (see sectionBoundaries). */
  boundaries: number[]
}

export function makeSeed(name: string, bytes: Uint8Array): Seed {
  const index = indexSnapshot(bytes)
  return { name, bytes, index, boundaries: sectionBoundaries(index) }
}

/** Replace bytes [start, end) with `insert`. */
export interface Edit {
  start: number
  end: number
  insert: Uint8Array
}

/** Edits plus what they mean, for the report. */
interface Damage {
  edits: Edit[]
  notes: string[]
}

/** What one case feeds the loader. */
export interface Mutation {
  /** The loader's input: snapshot text, or a gzip stream when `compressed`. */
  input: Uint8Array
  compressed: boolean
  /** Set when the only damage is a cut of the valid seed at this byte. */
  cutAt: number | null
  notes: string[]
}

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

function text(value: string): Uint8Array {
  return encoder.encode(value)
}

function replaceSpan(span: Span, insert: Uint8Array | string): Edit {
  return { ...span, insert: typeof insert === 'string' ? text(insert) : insert }
}

function insertAt(at: number, insert: Uint8Array | string): Edit {
  return replaceSpan({ start: at, end: at }, insert)
}

/** Applies edits in offset order; an edit overlapping an earlier one is dropped. */
export function applyEdits(bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  const sorted = [...edits].sort((a, b) => a.start - b.start)
  const kept: Edit[] = []
  let lastEnd = 0
  for (const edit of sorted) {
    if (edit.start < lastEnd) continue
    kept.push(edit)
    lastEnd = edit.end
  }
  let length = bytes.length
  for (const edit of kept) length += edit.insert.length - (edit.end - edit.start)
  const out = new Uint8Array(length)
  let from = 0
  let to = 0
  for (const edit of kept) {
    out.set(bytes.subarray(from, edit.start), to)
    to += edit.start - from
    out.set(edit.insert, to)
    to += edit.insert.length
    from = edit.end
  }
  out.set(bytes.subarray(from), to)
  return out
}

// ---------------------------------------------------------------------------------------------
// Truncation

function cut(seed: Seed, at: number): Damage {
  const position = Math.max(0, Math.min(seed.bytes.length, at))
  return {
    edits: [{ start: position, end: seed.bytes.length, insert: EMPTY }],
    notes: [`cut at byte ${position} of ${seed.bytes.length}`],
  }
}

/** The seed cut at `at` (the boundary sweep uses this directly). */
export function cutSeed(seed: Seed, at: number): Mutation {
  const damage = cut(seed, at)
  return {
    input: applyEdits(seed.bytes, damage.edits),
    compressed: false,
    cutAt: Math.min(at, seed.bytes.length),
    notes: damage.notes,
  }
}

function truncateBoundary(rng: Rng, seed: Seed): Damage {
  return cut(seed, rng.pick(seed.boundaries) + rng.between(-1, 1))
}

function randomSection(rng: Rng, seed: Seed): SectionSpan {
  return rng.pick(seed.index.sections)
}

function truncateRandom(rng: Rng, seed: Seed): Damage {
  const strings = findSection(seed.index, 'strings')
  if (strings && rng.chance(0.3)) {
    const { start, end } = strings.value
    return cut(seed, start + rng.below(end - start))
  }
  if (rng.chance(0.2)) {
    const { start, end } = randomSection(rng, seed).value
    return cut(seed, start + rng.below(end - start))
  }
  return cut(seed, rng.below(seed.bytes.length))
}

// ---------------------------------------------------------------------------------------------
// Byte flips

const STRUCTURAL = text('{}[],:"\\-0123456789 \n.eE+')

function flipByte(rng: Rng, old: number): [number, string] {
  const variant = rng.below(3)
  if (variant === 0) {
    const bit = rng.below(8)
    return [old ^ (1 << bit), `xor bit ${bit}`]
  }
  if (variant === 1) {
    const value = rng.below(256)
    return [value, `set 0x${value.toString(16)}`]
  }
  const value = rng.pick([...STRUCTURAL])
  return [value, `set '${String.fromCharCode(value)}'`]
}

function byteFlips(rng: Rng, seed: Seed): Damage {
  const count = 1 + Math.floor(63 * rng.float() ** 3)
  const region = rng.chance(0.5)
    ? { start: 0, end: seed.bytes.length }
    : randomSection(rng, seed).value
  const edits: Edit[] = []
  const notes: string[] = []
  for (let flip = 0; flip < count; flip++) {
    const at = region.start + rng.below(region.end - region.start)
    const [value, how] = flipByte(rng, seed.bytes[at])
    edits.push(replaceSpan({ start: at, end: at + 1 }, Uint8Array.of(value)))
    if (notes.length < 8) notes.push(`byte ${at}: ${how}`)
  }
  notes.unshift(`${count} byte flips in [${region.start}, ${region.end})`)
  return { edits, notes }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** Replacements for a digit run: huge, negative, empty or not JSON integers at all. */
export const WEIRD_NUMBERS = [
  '99999999999999999999',
  '9007199254740993',
  '9007199254740992',
  '18446744073709551616',
  '4294967296',
  '4294967295',
  '2147483648',
  '999999999999999',
  '1000000000000000',
  '1e400',
  '-1e400',
  '1E5',
  '-1',
  '-0',
  '-99999999999999999999',
  '',
  '0',
  '00',
  '007',
  '1.5',
  '-',
  '--1',
  '0x10',
  'NaN',
  'Infinity',
  '1'.repeat(400),
] as const

/** Number token spans of section `key` (pairs), or an empty array. */
function numbersOf(seed: Seed, key: string): Int32Array {
  return seed.index.numbers.get(key) ?? new Int32Array(0)
}

function digitRuns(rng: Rng, seed: Seed): Damage {
  const keys = [...seed.index.numbers.keys()]
  const edits: Edit[] = []
  const notes: string[] = []
  for (let count = rng.between(1, 4); count > 0; count--) {
    const key = rng.pick(keys)
    const runs = numbersOf(seed, key)
    const run = rng.below(runs.length / 2)
    const replacement = rng.pick(WEIRD_NUMBERS)
    edits.push(replaceSpan({ start: runs[2 * run], end: runs[2 * run + 1] }, replacement))
    notes.push(`"${key}" number #${run} at byte ${runs[2 * run]} -> '${replacement.slice(0, 24)}'`)
  }
  return { edits, notes }
}

// ---------------------------------------------------------------------------------------------
// Header counts

const HEADER_KEYS = [
  'node_count',
  'edge_count',
  'trace_function_count',
  'root_index',
  'extra_native_bytes',
] as const

function headerLie(rng: Rng, actual: number): string {
  return String(
    rng.pick([
      actual + 1,
      actual - 1,
      actual * 2,
      Math.floor(actual / 2),
      0,
      -1,
      4294967295,
      4294967296,
      1e9,
      '9007199254740993',
      '1.5',
      '"9"',
      'null',
      'true',
      '[]',
      '{}',
      '1e3',
      '-0',
      '99999999999999999999',
    ]),
  )
}

function headerCounts(rng: Rng, seed: Seed): Damage {
  const header = findSection(seed.index, 'snapshot')
  if (!header) return byteFlips(rng, seed)
  const headerText = new TextDecoder().decode(
    seed.bytes.subarray(header.value.start, header.value.end),
  )
  const edits: Edit[] = []
  const notes: string[] = []
  const meta = seed.index.meta
  const actual: Record<string, number> = {
    node_count: meta.nodeCount,
    edge_count: meta.edgeCount,
    root_index: 0,
  }
  for (let count = rng.between(1, 2); count > 0; count--) {
    const key = rng.pick(HEADER_KEYS)
    const found = new RegExp(`"${key}":(-?[0-9.eE+]+|"[^"]*"|null|true|false)`).exec(headerText)
    const fieldCount = meta.nodeFields.length
    // A root_index at another node (a multiple of the node fields) is valid, but unusual.
    const lie =
      key === 'root_index' && rng.chance(0.4)
        ? String(fieldCount * rng.below(meta.nodeCount + 1))
        : headerLie(rng, actual[key] ?? 0)
    if (!found) {
      edits.push(insertAt(header.value.start + 1, `"${key}":${lie},`))
      notes.push(`header ${key} added as ${lie}`)
      continue
    }
    const start = header.value.start + found.index
    if (rng.chance(0.15)) {
      const comma = headerText[found.index + found[0].length] === ','
      edits.push(replaceSpan({ start, end: start + found[0].length + (comma ? 1 : 0) }, ''))
      notes.push(`header ${key} removed`)
    } else {
      const valueStart = start + key.length + 3
      edits.push(replaceSpan({ start: valueStart, end: start + found[0].length }, lie))
      notes.push(`header ${key} ${found[1]} -> ${lie}`)
    }
  }
  return { edits, notes }
}

// ---------------------------------------------------------------------------------------------
// Values pointing outside their tables

interface FieldTarget {
  section: 'nodes' | 'edges' | 'locations'
  field: string
  values: (old: number) => (number | string)[]
}

function fieldTargets(seed: Seed): FieldTarget[] {
  const meta = seed.index.meta
  const fieldCount = meta.nodeFields.length
  const past = meta.nodeCount * fieldCount
  const strings = meta.stringCount
  return [
    {
      section: 'edges',
      field: 'to_node',
      values: (old) => [
        past,
        past + fieldCount,
        old + 1,
        old + fieldCount - 1,
        past - 1,
        -fieldCount,
        '-0',
        4294967296 * fieldCount,
        4294967295,
        0,
      ],
    },
    {
      section: 'edges',
      field: 'type',
      values: () => [meta.edgeTypeCount, meta.edgeTypeCount + 1, 255, 256, -1],
    },
    {
      section: 'edges',
      field: 'name_or_index',
      values: () => [strings, strings + 1000, 4294967295, 4294967296, -1, 0],
    },
    { section: 'nodes', field: 'type', values: () => [meta.nodeTypeCount, 255, 256, -1] },
    { section: 'nodes', field: 'name', values: () => [strings, 4294967295, 4294967296, -1] },
    {
      section: 'nodes',
      field: 'edge_count',
      values: (old) => [old + 1, old + 1000, 0, 4294967295, 4294967296, -1],
    },
    { section: 'nodes', field: 'detachedness', values: () => [3, 255, 256, -1] },
    { section: 'nodes', field: 'id', values: () => [4294967296, 0, -1] },
    { section: 'nodes', field: 'trace_node_id', values: () => [4294967296, 12345, -1] },
    {
      section: 'locations',
      field: 'object_index',
      values: (old) => [past, old + 1, -1, 4294967296],
    },
  ]
}

function fieldsOf(seed: Seed, section: FieldTarget['section']): string[] {
  const meta = seed.index.meta
  if (section === 'nodes') return meta.nodeFields
  if (section === 'edges') return meta.edgeFields
  return meta.locationFields
}

/** A field of one record of a number section: its token span and value, or null if absent. */
interface FieldValue {
  span: Span
  old: number
  record: number
}

function fieldValue(
  seed: Seed,
  section: FieldTarget['section'],
  field: string,
  record: number,
): FieldValue | null {
  const fields = fieldsOf(seed, section)
  const position = fields.indexOf(field)
  const runs = numbersOf(seed, section)
  const run = record * fields.length + position
  if (position === -1 || 2 * run + 1 >= runs.length) return null
  const span = { start: runs[2 * run], end: runs[2 * run + 1] }
  const old = Number(new TextDecoder().decode(seed.bytes.subarray(span.start, span.end)))
  return { span, old, record }
}

function recordCount(seed: Seed, section: FieldTarget['section']): number {
  const fields = fieldsOf(seed, section).length
  return Math.floor(numbersOf(seed, section).length / 2 / Math.max(1, fields))
}

function outOfRange(rng: Rng, seed: Seed): Damage {
  const edits: Edit[] = []
  const notes: string[] = []
  const targets = fieldTargets(seed)
  for (let count = rng.between(1, 3); count > 0; count--) {
    const target = rng.pick(targets)
    const record = rng.below(recordCount(seed, target.section))
    const found = fieldValue(seed, target.section, target.field, record)
    if (!found) continue
    const value = String(rng.pick(target.values(found.old)))
    edits.push(replaceSpan(found.span, value))
    notes.push(`${target.section} #${record} ${target.field} ${found.old} -> ${value}`)
  }
  return edits.length > 0 ? { edits, notes } : digitRuns(rng, seed)
}

// ---------------------------------------------------------------------------------------------
// Valid but strange graphs: values inside their tables, so the damage reaches the analyses

type Rewire = (rng: Rng, seed: Seed, edits: Edit[]) => string | null

function setField(
  rng: Rng,
  seed: Seed,
  edits: Edit[],
  section: 'nodes' | 'edges',
  field: string,
  value: (old: number) => number,
): string | null {
  const found = fieldValue(seed, section, field, rng.below(recordCount(seed, section)))
  if (!found) return null
  const next = value(found.old)
  edits.push(replaceSpan(found.span, String(next)))
  return `${section} #${found.record} ${field} ${found.old} -> ${next}`
}

const REWIRES: readonly Rewire[] = [
  (rng, seed, edits) => {
    const { nodeCount, nodeFields } = seed.index.meta
    return setField(rng, seed, edits, 'edges', 'to_node', () => {
      return nodeFields.length * rng.pick([0, rng.below(nodeCount), nodeCount - 1])
    })
  },
  (rng, seed, edits) =>
    setField(rng, seed, edits, 'edges', 'type', () => rng.below(seed.index.meta.edgeTypeCount)),
  (rng, seed, edits) =>
    setField(rng, seed, edits, 'nodes', 'type', () => rng.below(seed.index.meta.nodeTypeCount)),
  (rng, seed, edits) =>
    setField(rng, seed, edits, 'nodes', 'self_size', () =>
      rng.pick([0, 1, 999999999999999, 4294967296]),
    ),
  (rng, seed, edits) => setField(rng, seed, edits, 'nodes', 'detachedness', () => rng.below(3)),
  (rng, seed, edits) => {
    // Moves edges from one node to the next: the total stays, the owners change.
    const nodes = recordCount(seed, 'nodes')
    const first = fieldValue(seed, 'nodes', 'edge_count', rng.below(Math.max(1, nodes - 1)))
    const second = first && fieldValue(seed, 'nodes', 'edge_count', first.record + 1)
    if (!first || !second || first.old === 0) return null
    const moved = rng.between(1, first.old)
    edits.push(replaceSpan(first.span, String(first.old - moved)))
    edits.push(replaceSpan(second.span, String(second.old + moved)))
    return `${moved} edges of node #${first.record} moved to the next node`
  },
]

function rewire(rng: Rng, seed: Seed): Damage {
  const edits: Edit[] = []
  const notes: string[] = []
  for (let count = rng.between(1, 24); count > 0; count--) {
    const note = rng.pick(REWIRES)(rng, seed, edits)
    if (note && notes.length < 8) notes.push(note)
  }
  return { edits, notes }
}

// ---------------------------------------------------------------------------------------------
// Wrong meta field lists

type Json = Record<string, unknown>
type MetaDamage = (rng: Rng, meta: Json, header: Json) => string

function listOf(meta: Json, key: string): unknown[] {
  const value = meta[key]
  return Array.isArray(value) ? value : []
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.below(i + 1)
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

const FIELD_LISTS = ['node_fields', 'edge_fields', 'location_fields', 'trace_node_fields']
const TYPE_LISTS = ['node_types', 'edge_types']

const META_DAMAGE: readonly MetaDamage[] = [
  (rng, meta) => {
    const key = rng.pick(FIELD_LISTS)
    const list = listOf(meta, key)
    const removed = list.splice(rng.below(list.length), 1)
    return `${key} lost ${JSON.stringify(removed)}`
  },
  (rng, meta) => {
    const key = rng.pick(FIELD_LISTS)
    const list = listOf(meta, key)
    list.splice(rng.below(list.length + 1), 0, 'extra_field')
    return `${key} gained "extra_field"`
  },
  (rng, meta) => {
    const key = rng.pick(FIELD_LISTS)
    shuffle(rng, listOf(meta, key))
    return `${key} reordered`
  },
  (rng, meta) => {
    const key = rng.pick(FIELD_LISTS)
    const list = listOf(meta, key)
    if (list.length > 1) list[rng.below(list.length)] = list[rng.below(list.length)]
    return `${key} has a duplicate name`
  },
  (rng, meta) => {
    const key = rng.pick(FIELD_LISTS)
    const list = listOf(meta, key)
    list[rng.below(list.length)] = rng.pick(['Type', 'nodes', '', 'to_node', 'id'])
    return `${key} has a renamed field`
  },
  (rng, meta) => {
    const key = rng.pick([...FIELD_LISTS, ...TYPE_LISTS])
    const value = rng.pick<unknown>(['type', 7, null, {}, [1, 2], [['type']], [], true])
    meta[key] = value
    return `${key} = ${JSON.stringify(value)}`
  },
  (rng, meta) => {
    const key = rng.pick(TYPE_LISTS)
    const list = listOf(meta, key)
    const value = rng.pick<unknown>(['hidden', 5, null, {}, [], [1, 2], ['a', 3]])
    list[0] = value
    return `${key}[0] = ${JSON.stringify(value)}`
  },
  (rng, meta) => {
    const key = rng.pick(TYPE_LISTS)
    const first = listOf(meta, key)[0]
    if (!Array.isArray(first)) return `${key}[0] left alone`
    const length = rng.pick([1, 2, 3, first.length - 1, 257, 300])
    const names = Array.from({ length }, (_, at) => String(first[at] ?? `extra ${at}`))
    listOf(meta, key)[0] = names
    return `${key}[0] has ${length} names`
  },
  (rng, meta) => {
    const key = rng.pick([...FIELD_LISTS, ...TYPE_LISTS, 'sample_fields'])
    delete meta[key]
    return `${key} removed`
  },
  (rng, meta) => {
    const fields = listOf(meta, 'trace_node_fields')
    fields.splice(fields.indexOf('children'), 1)
    if (rng.chance(0.5)) fields.unshift('children')
    return 'trace_node_fields without "children" last'
  },
  (rng, meta) => {
    const key = rng.pick(['sample_fields', 'location_fields', 'trace_function_info_fields'])
    listOf(meta, key).push('extra')
    return `${key} one field longer`
  },
  (rng, _meta, header) => {
    const value = rng.pick<unknown>([[], 'meta', null, 3, { node_fields: [] }])
    header.meta = value
    return `meta = ${JSON.stringify(value)}`
  },
]

function metaFields(rng: Rng, seed: Seed): Damage {
  const section = findSection(seed.index, 'snapshot')
  if (!section) return byteFlips(rng, seed)
  const decoded = new TextDecoder().decode(
    seed.bytes.subarray(section.value.start, section.value.end),
  )
  const header = JSON.parse(decoded) as Json
  const meta = header.meta as Json
  const notes: string[] = []
  for (let count = rng.between(1, 2); count > 0; count--) {
    notes.push(`meta: ${rng.pick(META_DAMAGE)(rng, meta, header)}`)
  }
  let replacement = JSON.stringify(header)
  if (rng.chance(0.05)) {
    replacement = rng.pick(['[]', 'null', '7', '{}', '"snapshot"', '{"meta":{}}'])
    notes.push(`header = ${replacement}`)
  }
  return { edits: [replaceSpan(section.value, replacement)], notes }
}

// ---------------------------------------------------------------------------------------------
// Strings: invalid UTF-8, bad escapes, control characters

const BAD_STRING_BYTES: readonly (readonly [string, readonly number[]])[] = [
  ['lone continuation', [0x80]],
  ['lone continuation 0xbf', [0xbf]],
  ['overlong 2-byte /', [0xc0, 0xaf]],
  ['overlong 2-byte 0xc1', [0xc1, 0xbf]],
  ['overlong 3-byte', [0xe0, 0x80, 0xaf]],
  ['overlong 4-byte', [0xf0, 0x80, 0x80, 0xaf]],
  ['UTF-8 surrogate', [0xed, 0xa0, 0x80]],
  ['UTF-8 low surrogate', [0xed, 0xbf, 0xbf]],
  ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['byte 0xf5', [0xf5]],
  ['5-byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ['byte 0xfe', [0xfe]],
  ['byte 0xff', [0xff]],
  ['cut 2-byte', [0xc2]],
  ['cut 3-byte', [0xe2, 0x82]],
  ['cut 4-byte', [0xf0, 0x9f, 0x98]],
  ['valid emoji', [0xf0, 0x9f, 0x98, 0x80]],
  ['NUL', [0x00]],
  ['newline', [0x0a]],
  ['tab', [0x09]],
  ['0x1f', [0x1f]],
  ['DEL', [0x7f]],
  ['quote', [0x22]],
]

const BAD_ESCAPES = [
  '\\ud800',
  '\\udc00',
  '\\ud800\\u0041',
  '\\udbff\\udfff',
  '\\u12',
  '\\u',
  '\\u12G4',
  '\\x41',
  "\\'",
  '\\0',
  '\\a',
  '\\U0041',
  '\\',
  '\\\\',
  '\\/',
  '\\u00e9',
  '\\uFFFF',
  '\\uD83D\\uDE00',
] as const

/** String literal spans to damage: from "strings" mostly, else header strings and keys. */
function stringTarget(rng: Rng, seed: Seed): Span {
  const strings = seed.index.strings
  const roll = rng.float()
  if (roll < 0.8 && strings.length > 0) {
    const pick = rng.below(strings.length / 2)
    return { start: strings[2 * pick], end: strings[2 * pick + 1] }
  }
  if (roll < 0.9) {
    const section = randomSection(rng, seed)
    return { start: section.keyStart, end: section.keyStart + section.key.length + 2 }
  }
  const header = findSection(seed.index, 'snapshot')
  if (!header) return { start: 0, end: 1 }
  const headerText = new TextDecoder().decode(
    seed.bytes.subarray(header.value.start, header.value.end),
  )
  const literals = [...headerText.matchAll(/"[^"]*"/g)]
  const literal = rng.pick(literals)
  const start = header.value.start + literal.index
  return { start, end: start + literal[0].length }
}

function badSequence(rng: Rng): [Uint8Array, string] {
  if (rng.chance(0.55)) {
    const [name, bytes] = rng.pick(BAD_STRING_BYTES)
    return [Uint8Array.from(bytes), name]
  }
  const escape = rng.pick(BAD_ESCAPES)
  return [text(escape), `escape ${escape}`]
}

function badStrings(rng: Rng, seed: Seed): Damage {
  const edits: Edit[] = []
  const notes: string[] = []
  for (let count = rng.between(1, 3); count > 0; count--) {
    const literal = stringTarget(rng, seed)
    const variant = rng.below(10)
    if (variant === 0) {
      edits.push(replaceSpan({ start: literal.end - 1, end: literal.end }, ''))
      notes.push(`string at ${literal.start} lost its closing quote`)
      continue
    }
    const [bad, name] = badSequence(rng)
    if (variant === 1) {
      // A long string (64+ units takes the parser's long-string path) holding the damage.
      const filler = 'x'.repeat(rng.between(64, 5000))
      const split = rng.below(filler.length)
      const body = new Uint8Array([
        ...text(`"${filler.slice(0, split)}`),
        ...bad,
        ...text(`${filler.slice(split)}"`),
      ])
      edits.push(replaceSpan(literal, body))
      notes.push(`string at ${literal.start} replaced by ${filler.length} chars with ${name}`)
      continue
    }
    const inner = Math.max(0, literal.end - literal.start - 2)
    const at = variant === 2 ? literal.end - 1 : literal.start + 1 + rng.below(inner + 1)
    edits.push(insertAt(at, bad))
    notes.push(`${name} inserted at byte ${at}`)
  }
  return { edits, notes }
}

// ---------------------------------------------------------------------------------------------
// Section structure

/** The span of `section` with one adjoining comma, so that removing it leaves valid JSON. */
function withComma(seed: Seed, section: SectionSpan): Span {
  const bytes = seed.bytes
  let start = section.keyStart
  let end = section.value.end
  let before = start - 1
  while (before > 0 && bytes[before] <= 0x20) before--
  if (bytes[before] === 0x2c) return { start: before, end }
  while (end < bytes.length && bytes[end] <= 0x20) end++
  if (bytes[end] === 0x2c) end++
  start = before + 1
  return { start, end }
}

function sectionText(seed: Seed, section: SectionSpan): Uint8Array {
  return seed.bytes.subarray(section.keyStart, section.value.end)
}

const UNKNOWN_VALUES = [
  '[]',
  '{}',
  '[1,{"a":[true,false,null]}]',
  'hello',
  '"caf\\u00e9"',
  '['.repeat(5000) + ']'.repeat(5000),
  '['.repeat(3000),
  '[1}',
  '-',
  '1e999',
  '"unterminated',
  '{"a":}',
  '[1,,2]',
]

type SectionDamage = (rng: Rng, seed: Seed) => Damage

const SECTION_DAMAGE: readonly SectionDamage[] = [
  (rng, seed) => {
    const section = randomSection(rng, seed)
    return {
      edits: [replaceSpan(withComma(seed, section), '')],
      notes: [`"${section.key}" dropped`],
    }
  },
  (rng, seed) => {
    const section = randomSection(rng, seed)
    const copy = new Uint8Array([0x2c, ...sectionText(seed, section)])
    return { edits: [insertAt(section.value.end, copy)], notes: [`"${section.key}" duplicated`] }
  },
  (rng, seed) => {
    const [a, b] = shuffle(rng, [...seed.index.sections]).slice(0, 2)
    if (!b) return { edits: [], notes: ['nothing to swap'] }
    const spanOf = (s: SectionSpan): Span => ({ start: s.keyStart, end: s.value.end })
    return {
      edits: [
        replaceSpan(spanOf(a), sectionText(seed, b)),
        replaceSpan(spanOf(b), sectionText(seed, a)),
      ],
      notes: [`"${a.key}" and "${b.key}" swapped`],
    }
  },
  (rng, seed) => {
    const value = rng.pick(UNKNOWN_VALUES)
    const section = randomSection(rng, seed)
    return {
      edits: [insertAt(section.value.end, `,"future":${value}`)],
      notes: [`unknown section after "${section.key}": ${value.slice(0, 40)}`],
    }
  },
  (rng) => {
    const bom = rng.pick([
      [0xef, 0xbb, 0xbf],
      [0xef, 0xbb],
      [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf],
    ])
    return { edits: [insertAt(0, Uint8Array.from(bom))], notes: [`${bom.length}-byte BOM prefix`] }
  },
  (rng, seed) => {
    const at = rng.pick(seed.boundaries)
    const space = rng.pick([' ', '\n', '\r\n', '\t', '\u000b', '\u00a0', '\f'])
    const count = rng.pick([1, 10, 100_000])
    return {
      edits: [insertAt(at, space.repeat(count))],
      notes: [`${count} x ${JSON.stringify(space)} at byte ${at}`],
    }
  },
  (rng, seed) => {
    const tail = rng.pick(['garbage', '}', ',', '{}', '\n\u0000', ' \n', ']'])
    return {
      edits: [insertAt(seed.bytes.length, tail)],
      notes: [`trailing ${JSON.stringify(tail)}`],
    }
  },
  (rng, seed) => {
    const whole = rng.pick(['', '{}', '{"snapshot":{}}', '[', 'null', '{"snapshot":{"meta":{}}}'])
    return {
      edits: [replaceSpan({ start: 0, end: seed.bytes.length }, whole)],
      notes: [`whole input = ${JSON.stringify(whole)}`],
    }
  },
]

function sections(rng: Rng, seed: Seed): Damage {
  return rng.pick(SECTION_DAMAGE)(rng, seed)
}

// ---------------------------------------------------------------------------------------------
// gzip

type GzipDamage = (rng: Rng, gz: Uint8Array, plain: Uint8Array) => [Uint8Array, string]

function flipped(rng: Rng, gz: Uint8Array, from: number, to: number, count: number): Uint8Array {
  const out = gz.slice()
  for (let flip = 0; flip < count; flip++) {
    const at = Math.min(out.length - 1, from + rng.below(Math.max(1, to - from)))
    out[at] ^= 1 << rng.below(8)
  }
  return out
}

const GZIP_DAMAGE: readonly GzipDamage[] = [
  (_rng, gz) => [gz, 'intact gzip'],
  (rng, gz) => {
    const at = rng.below(gz.length)
    return [gz.subarray(0, at), `gzip cut at ${at} of ${gz.length}`]
  },
  (rng, gz) => {
    const at = rng.below(10)
    return [gz.subarray(0, at), `gzip cut in its header at ${at}`]
  },
  (rng, gz) => {
    const at = gz.length - 1 - rng.below(8)
    return [gz.subarray(0, at), `gzip cut in its trailer at ${at} of ${gz.length}`]
  },
  (rng, gz) => {
    const count = rng.between(1, 8)
    return [flipped(rng, gz, 10, gz.length - 8, count), `${count} bits flipped in the deflate body`]
  },
  (rng, gz) => [flipped(rng, gz, 2, 10, 1), 'a bit flipped in the gzip header'],
  (rng, gz) => [flipped(rng, gz, gz.length - 8, gz.length, 1), 'a bit flipped in the trailer'],
  (rng, gz) => {
    const garbage = Uint8Array.from({ length: rng.between(1, 64) }, () => rng.below(256))
    return [new Uint8Array([...gz, ...garbage]), `${garbage.length} garbage bytes after the gzip`]
  },
  (rng, gz, plain) => {
    const second = rng.chance(0.5) ? gzipSync(plain) : gzipSync(text('{}'))
    return [new Uint8Array([...gz, ...second]), 'a second gzip member']
  },
  () => [Uint8Array.of(0x1f, 0x8b), 'only the gzip magic'],
]

function gzipWith(rng: Rng, plain: Uint8Array, damage: GzipDamage): [Uint8Array, string] {
  const level = plain.length > 1 << 20 ? 1 : rng.pick([1, 6, 9])
  return damage(rng, new Uint8Array(gzipSync(plain, { level })), plain)
}

// ---------------------------------------------------------------------------------------------
// Registry

const EDIT_MUTATORS = {
  'truncate-boundary': truncateBoundary,
  'truncate-random': truncateRandom,
  'byte-flips': byteFlips,
  'digit-runs': digitRuns,
  'header-counts': headerCounts,
  'out-of-range': outOfRange,
  rewire,
  'meta-fields': metaFields,
  'bad-strings': badStrings,
  sections,
} as const satisfies Record<string, (rng: Rng, seed: Seed) => Damage>

type EditMutatorName = keyof typeof EDIT_MUTATORS

export const MUTATOR_NAMES = [
  ...(Object.keys(EDIT_MUTATORS) as EditMutatorName[]),
  'gzip',
  'combo',
] as const
export type MutatorName = EditMutatorName | 'gzip' | 'combo'

/** Edit mutators a combination draws from (a boundary cut is the same as a random one). */
const COMBINABLE = (Object.keys(EDIT_MUTATORS) as EditMutatorName[]).filter(
  (name) => name !== 'truncate-boundary',
)

function plainMutation(seed: Seed, damage: Damage, onlyCut: boolean): Mutation {
  const input = applyEdits(seed.bytes, damage.edits)
  const cutEdit = damage.edits[0]
  const cutAt = onlyCut && damage.edits.length === 1 ? cutEdit.start : null
  return { input, compressed: false, cutAt, notes: damage.notes }
}

function gzipMutation(rng: Rng, seed: Seed): Mutation {
  const notes: string[] = []
  let plain = seed.bytes
  if (rng.chance(0.5)) {
    const name = rng.pick(COMBINABLE)
    const damage = EDIT_MUTATORS[name](rng, seed)
    plain = applyEdits(seed.bytes, damage.edits)
    notes.push(`${name}: ${damage.notes.join('; ')}`)
  }
  const [input, how] = gzipWith(rng, plain, rng.pick(GZIP_DAMAGE))
  notes.push(how)
  return { input, compressed: true, cutAt: null, notes }
}

function comboMutation(rng: Rng, seed: Seed): Mutation {
  const edits: Edit[] = []
  const notes: string[] = []
  for (let count = rng.between(2, 4); count > 0; count--) {
    const name = rng.pick(COMBINABLE)
    const damage = EDIT_MUTATORS[name](rng, seed)
    edits.push(...damage.edits)
    notes.push(`${name}: ${damage.notes.join('; ')}`)
  }
  const mutation = plainMutation(seed, { edits, notes }, false)
  if (!rng.chance(0.15)) return mutation
  const [input, how] = gzipWith(rng, mutation.input, rng.pick(GZIP_DAMAGE))
  return { input, compressed: true, cutAt: null, notes: [...notes, how] }
}

/** Runs mutator `name` on `seed` with `rng`; the same (seed, rng state) gives the same bytes. */
export function mutate(name: MutatorName, rng: Rng, seed: Seed): Mutation {
  if (name === 'gzip') return gzipMutation(rng, seed)
  if (name === 'combo') return comboMutation(rng, seed)
  const isCut = name === 'truncate-boundary' || name === 'truncate-random'
  return plainMutation(seed, EDIT_MUTATORS[name](rng, seed), isCut)
}
