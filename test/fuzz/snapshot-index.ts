// Byte positions of a seed snapshot's parts (sections, number tokens, string literals, header
// fields), found once per seed so that mutators can aim at them. The scanner never throws: on
// bytes that are not JSON it still returns spans, just meaningless ones.

/** A byte range [start, end). */
export interface Span {
  start: number
  end: number
}

/** One top-level `"key": value` of the snapshot object. */
export interface SectionSpan {
  key: string
  /** Offset of the key's opening quote. */
  keyStart: number
  /** The value, from its '[' or '{' to just after its closing bracket. */
  value: Span
}

/** What a seed's header says, as far as the mutators need it. */
export interface SeedMeta {
  nodeFields: string[]
  edgeFields: string[]
  locationFields: string[]
  nodeTypeCount: number
  edgeTypeCount: number
  nodeCount: number
  edgeCount: number
  stringCount: number
}

export interface SnapshotIndex {
  length: number
  /** Top-level sections in file order (the header included, as "snapshot"). */
  sections: SectionSpan[]
  /** Number tokens per section key: [start0, end0, start1, end1, ...] in file order. */
  numbers: Map<string, Int32Array>
  /** String literals of the "strings" array: [openQuote0, afterCloseQuote0, ...]. */
  strings: Int32Array
  meta: SeedMeta
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65
}

/** Collects int pairs without knowing their count up front. */
class PairList {
  private data = new Int32Array(64)
  private length = 0

  push(a: number, b: number): void {
    if (this.length + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = a
    this.data[this.length++] = b
  }

  done(): Int32Array {
    return this.data.slice(0, this.length)
  }
}

interface ScanState {
  sections: SectionSpan[]
  numbers: Map<string, PairList>
  strings: PairList
  key: string
  keyStart: number
  valueStart: number
}

function numberList(state: ScanState): PairList {
  let list = state.numbers.get(state.key)
  if (!list) {
    list = new PairList()
    state.numbers.set(state.key, list)
  }
  return list
}

/** Scans `bytes` (a snapshot's text) for its sections, numbers and strings. */
export function indexSnapshot(bytes: Uint8Array): SnapshotIndex {
  const state: ScanState = {
    sections: [],
    numbers: new Map(),
    strings: new PairList(),
    key: '',
    keyStart: -1,
    valueStart: -1,
  }
  let depth = 0
  for (let at = 0; at < bytes.length; at++) {
    const c = bytes[at]
    if (c === QUOTE) {
      let end = at + 1
      while (end < bytes.length && bytes[end] !== QUOTE) end += bytes[end] === BACKSLASH ? 2 : 1
      end = Math.min(end + 1, bytes.length)
      if (depth === 1) {
        state.key = String.fromCharCode(...bytes.subarray(at + 1, end - 1))
        state.keyStart = at
      } else if (depth === 2 && state.key === 'strings') {
        state.strings.push(at, end)
      }
      at = end - 1
    } else if (c === 0x5b || c === 0x7b) {
      if (depth === 1) state.valueStart = at
      depth++
    } else if (c === 0x5d || c === 0x7d) {
      depth--
      if (depth === 1 && state.valueStart >= 0) {
        state.sections.push({
          key: state.key,
          keyStart: state.keyStart,
          value: { start: state.valueStart, end: at + 1 },
        })
        state.valueStart = -1
      }
    } else if (depth >= 2 && ((c >= 0x30 && c <= 0x39) || c === 0x2d)) {
      let end = at + 1
      while (end < bytes.length && isNumberByte(bytes[end])) end++
      numberList(state).push(at, end)
      at = end - 1
    }
  }
  const numbers = new Map<string, Int32Array>()
  for (const [key, list] of state.numbers) numbers.set(key, list.done())
  const strings = state.strings.done()
  return {
    length: bytes.length,
    sections: state.sections,
    numbers,
    strings,
    meta: readMeta(bytes, state.sections, strings.length / 2),
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : []
}

function firstListLength(value: unknown): number {
  return Array.isArray(value) && Array.isArray(value[0]) ? value[0].length : 0
}

function readMeta(bytes: Uint8Array, sections: SectionSpan[], stringCount: number): SeedMeta {
  const header = sections.find((section) => section.key === 'snapshot')
  let raw: Record<string, unknown> = {}
  if (header) {
    try {
      const text = new TextDecoder().decode(bytes.subarray(header.value.start, header.value.end))
      raw = JSON.parse(text) as Record<string, unknown>
    } catch {
      raw = {}
    }
  }
  const meta = (raw.meta ?? {}) as Record<string, unknown>
  return {
    nodeFields: stringList(meta.node_fields),
    edgeFields: stringList(meta.edge_fields),
    locationFields: stringList(meta.location_fields),
    nodeTypeCount: firstListLength(meta.node_types),
    edgeTypeCount: firstListLength(meta.edge_types),
    nodeCount: typeof raw.node_count === 'number' ? raw.node_count : 0,
    edgeCount: typeof raw.edge_count === 'number' ? raw.edge_count : 0,
    stringCount,
  }
}

/** The section named `key`, if the seed has it. */
export function findSection(index: SnapshotIndex, key: string): SectionSpan | undefined {
  return index.sections.find((section) => section.key === key)
}

/**
 * Every byte offset where a cut ends the text at a section boundary: the opening quote of each
 * key, each value's brackets, its first and last items, and the end of the text.
 */
export function sectionBoundaries(index: SnapshotIndex): number[] {
  const points = new Set<number>([0, 1, index.length])
  for (const section of index.sections) {
    const { start, end } = section.value
    points.add(section.keyStart)
    points.add(start)
    points.add(end - 1)
    points.add(end)
    const items = section.key === 'strings' ? index.strings : index.numbers.get(section.key)
    if (items && items.length >= 2 && section.key !== 'snapshot') {
      points.add(items[0])
      points.add(items[1])
      points.add(items[items.length - 2])
      points.add(items[items.length - 1])
    }
  }
  return [...points].sort((a, b) => a - b)
}
