// A snapshot's string table, kept as the file's UTF-8 bytes and made into JS strings only when
// read. A 1 GB snapshot holds millions of strings and the load reads few of them (class names,
// some edge names); making them all up front cost most of the time of the `strings` section and
// most of the load's garbage collection, and kept ~30 bytes of heap per string besides its text.
//
// The parser hands over runs of strings as they stand in the file (quotes and separators
// included): the table keeps a copy of each, or, from a Buffer (a reader's new chunk per
// read), a view of the chunk's memory (see pushRun). A string without escapes is its bytes
// from its start up to the closing quote, decoded as UTF-8 (an ill-formed sequence becomes
// U+FFFD, as the parser's own decoder does), so only its start is kept. Kept as text instead:
// a string with escapes, one the parser met across two chunks or read byte by byte (a long
// one), one past the 4 GB the starts can address, and one added after parsing (class names).
//
// A string once read stays made (in its page) for the table's life, as in a string array.
import { textDecoder } from '../text-decoder'

/** Strings per page of decoded strings: a page is made when one of its strings is first read. */
const PAGE_BITS = 12
const PAGE_SIZE = 1 << PAGE_BITS
/** `start` of a string kept as text. */
const AS_TEXT = 0xffffffff
/** The most bytes the runs hold (starts are 32-bit). */
const MAX_BYTES = 0xfffffffe
/** Up to this many bytes, an ASCII string is made from its bytes directly. */
const SHORT_BYTES = 48
const QUOTE = 0x22

/** The parts a string table is stored as (the index cache writes and reads them). */
export interface StringTableParts {
  /** The runs of strings, back to back: each raw string ends at the first quote after it. */
  bytes: Uint8Array
  /** Per string: where it starts in `bytes`, or 0xffffffff for one kept as text. */
  starts: Uint32Array
  /** Indexes of the strings kept as text, ascending, and their texts. */
  textIndexes: Uint32Array
  texts: string[]
}

export class StringTable {
  /** The runs (see pushRun), and where each starts in the runs put end to end. */
  private runs: Uint8Array[] = []
  private runStarts: number[] = []
  private byteCount = 0
  private starts: Uint32Array
  private count = 0
  private readonly texts = new Map<number, string>()
  private readonly pages: ((string | undefined)[] | undefined)[] = []
  private readonly decoder = textDecoder('utf-8', { ignoreBOM: true })

  constructor(capacity = 1024) {
    this.starts = new Uint32Array(Math.max(16, capacity))
  }

  /** A table from its stored parts; throws RangeError when they do not fit together. */
  static fromParts(parts: StringTableParts): StringTable {
    const { bytes, starts, textIndexes, texts } = parts
    if (textIndexes.length !== texts.length) {
      throw new RangeError('a string table whose texts and their indexes differ in number')
    }
    const table = new StringTable(0)
    if (bytes.length > 0) {
      table.runs.push(bytes)
      table.runStarts.push(0)
    }
    table.byteCount = bytes.length
    table.starts = starts
    table.count = starts.length
    // The runs end with a closing quote, so every start inside them has an end.
    if (bytes.length > 0 && bytes[bytes.length - 1] !== QUOTE) {
      throw new RangeError("a string table whose bytes do not end with a string's end")
    }
    let asText = 0
    for (let index = 0; index < starts.length; index++) {
      const start = starts[index]
      if (start === AS_TEXT) asText++
      else if (start >= bytes.length) throw new RangeError(`string ${index} starts past the bytes`)
    }
    for (let at = 0; at < textIndexes.length; at++) {
      const index = textIndexes[at]
      if (index >= starts.length || starts[index] !== AS_TEXT || typeof texts[at] !== 'string') {
        throw new RangeError(`string ${index} is not one kept as text`)
      }
      table.texts.set(index, texts[at])
    }
    if (table.texts.size !== asText) {
      throw new RangeError('a string table with a string kept as text but not given')
    }
    return table
  }

  get length(): number {
    return this.count
  }

  /** The string at `index` (undefined past the end or for a non-index, as an array's). */
  get(index: number): string {
    if (index !== index >>> 0) return undefined as unknown as string
    const page = this.pages[index >>> PAGE_BITS]
    const text = page === undefined ? undefined : page[index & (PAGE_SIZE - 1)]
    return text ?? this.decode(index)
  }

  /** Appends a string and returns its index. */
  push(text: string): number {
    const index = this.reserve()
    this.starts[index] = AS_TEXT
    this.texts.set(index, text)
    return index
  }

  /**
   * Appends the strings of a run of bytes as the file has them: string k starts at
   * `run[begins[k]]` and ends at the next quote, and none holds an escape. The run is copied,
   * except from a Buffer, whose slice shares its memory: the readers' chunks are new Buffers,
   * so the table keeps each one's run without a copy (a reader that fills one buffer again must
   * hand over plain Uint8Arrays).
   */
  pushRun(run: Uint8Array, begins: Int32Array, count: number): void {
    if (this.byteCount + run.length > MAX_BYTES) {
      for (let k = 0; k < count; k++) {
        const begin = begins[k]
        this.push(this.decoder.decode(run.subarray(begin, run.indexOf(QUOTE, begin))))
      }
      return
    }
    const base = this.byteCount
    this.runs.push(run.slice())
    this.runStarts.push(base)
    this.byteCount = base + run.length
    let index = this.count
    if (index + count > this.starts.length) {
      this.growStarts(Math.max(index + count, 2 * this.starts.length))
    }
    const starts = this.starts
    for (let k = 0; k < count; k++) starts[index++] = base + begins[k]
    this.count = index
  }

  /**
   * For each of `texts`, the indexes of the strings equal to it, ascending. One pass over the
   * table that compares bytes, so no string is made for the ones that differ.
   */
  indexesOfAny(texts: readonly string[]): Map<string, number[]> {
    return this.scan(texts, true)
  }

  /** The indexes of the strings equal to `text`, ascending (as indexesOfAny). */
  indexesOf(text: string): number[] {
    return this.scan([text], true).get(text) as number[]
  }

  /** The indexes of the strings that start with `prefix`, ascending (as indexesOfAny). */
  indexesStartingWith(prefix: string): number[] {
    return this.scan([prefix], false).get(prefix) as number[]
  }

  /**
   * The indexes of the strings made of one or more ASCII digits and then `infix` (and anything
   * after it), ascending: V8's numbered names (`12 / part of key (…`). One pass over the table
   * that reads each raw string's bytes only as far as they match.
   */
  indexesOfDigitsThen(infix: string): number[] {
    const bytes = utf8Bytes(infix)
    if (bytes === null) throw new RangeError('an infix no raw string can hold')
    const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39
    const found: number[] = []
    const { starts } = this
    const cursor = new RunCursor(this.runs, this.runStarts)
    for (let index = 0; index < this.count; index++) {
      const start = starts[index]
      if (start === AS_TEXT) {
        const text = this.texts.get(index) as string
        let at = 0
        while (isDigit(text.charCodeAt(at))) at++
        if (at > 0 && text.startsWith(infix, at)) found.push(index)
        continue
      }
      const begin = cursor.seek(start)
      const run = cursor.run
      // A raw string ends at a quote, which is no digit and in no infix.
      let at = begin
      while (isDigit(run[at])) at++
      if (at > begin && sameBytes(run, at, bytes)) found.push(index)
    }
    return found
  }

  /** Every string, in order (tests; this makes them all). */
  toArray(): string[] {
    const strings = new Array<string>(this.count)
    for (let index = 0; index < this.count; index++) strings[index] = this.get(index)
    return strings
  }

  /** The parts to store (the runs joined into one array). */
  toParts(): StringTableParts {
    const textIndexes = new Uint32Array(this.texts.size)
    const texts: string[] = []
    let at = 0
    for (let index = 0; index < this.count; index++) {
      if (this.starts[index] !== AS_TEXT) continue
      textIndexes[at++] = index
      texts.push(this.texts.get(index) as string)
    }
    let bytes: Uint8Array
    if (this.runs.length === 1) {
      bytes = this.runs[0]
    } else {
      bytes = new Uint8Array(this.byteCount)
      this.runs.forEach((run, position) => bytes.set(run, this.runStarts[position]))
    }
    return { bytes, starts: this.starts.subarray(0, this.count), textIndexes, texts }
  }

  /** Drops the slack of the starts (once parsing is done). */
  trim(): void {
    if (this.starts.length > this.count) this.starts = this.starts.slice(0, this.count)
  }

  private reserve(): number {
    const index = this.count
    // An eighth more, not double: strings pushed one at a time after parsing (class names) are
    // few, and the parsed ones grew the array in runs.
    if (index === this.starts.length) this.growStarts(Math.max(16, index + (index >>> 3)))
    this.count = index + 1
    return index
  }

  private growStarts(capacity: number): void {
    const starts = new Uint32Array(capacity)
    starts.set(this.starts.subarray(0, this.count))
    this.starts = starts
  }

  /** The position of the run that holds byte `start`. */
  private runOf(start: number): number {
    const runStarts = this.runStarts
    let low = 0
    let high = runStarts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if (runStarts[middle] <= start) low = middle
      else high = middle - 1
    }
    return low
  }

  private decode(index: number): string {
    if (!(index >= 0 && index < this.count)) return undefined as unknown as string
    const start = this.starts[index]
    let text: string
    if (start === AS_TEXT) {
      text = this.texts.get(index) as string
    } else {
      const position = this.runOf(start)
      const run = this.runs[position]
      const begin = start - this.runStarts[position]
      const end = run.indexOf(QUOTE, begin)
      let ascii = end - begin <= SHORT_BYTES
      for (let at = begin; ascii && at < end; at++) if (run[at] >= 0x80) ascii = false
      text = ascii
        ? String.fromCharCode.apply(null, run.subarray(begin, end) as unknown as number[])
        : this.decoder.decode(run.subarray(begin, end))
    }
    const pageIndex = index >>> PAGE_BITS
    let page = this.pages[pageIndex]
    if (page === undefined) {
      while (this.pages.length < pageIndex) this.pages.push(undefined)
      page = new Array<string | undefined>(PAGE_SIZE)
      this.pages[pageIndex] = page
    }
    page[index & (PAGE_SIZE - 1)] = text
    return text
  }

  private scan(texts: readonly string[], exact: boolean): Map<string, number[]> {
    const found = new Map<string, number[]>()
    for (const text of texts) found.set(text, [])
    // Targets compared with a raw string's bytes: those with no quote, backslash or control
    // character (a raw string has none) and no U+FFFD or lone surrogate (ill-formed bytes decode
    // to U+FFFD; no bytes decode to a lone surrogate). Those with U+FFFD compare as text; the
    // others can only be strings kept as text.
    const byBytes: { text: string; bytes: Uint8Array }[] = []
    const decoded: string[] = []
    for (const text of found.keys()) {
      const bytes = utf8Bytes(text)
      // A prefix may end in half of a pair that a raw string holds whole.
      if (bytes === null) {
        if (!exact && /[\ud800-\udbff]$/.test(text)) decoded.push(text)
      } else if (text.includes('\ufffd')) {
        decoded.push(text)
      } else {
        byBytes.push({ text, bytes })
      }
    }
    const matches = (text: string, target: string): boolean =>
      exact ? text === target : text.startsWith(target)
    const add = (target: string, index: number): void => {
      ;(found.get(target) as number[]).push(index)
    }
    const { starts } = this
    const cursor = new RunCursor(this.runs, this.runStarts)
    for (let index = 0; index < this.count; index++) {
      const start = starts[index]
      if (start === AS_TEXT) {
        const text = this.texts.get(index) as string
        for (const target of found.keys()) if (matches(text, target)) add(target, index)
        continue
      }
      const begin = cursor.seek(start)
      const run = cursor.run
      for (const { text, bytes } of byBytes) {
        if (!sameBytes(run, begin, bytes)) continue
        if (!exact || run[begin + bytes.length] === QUOTE) add(text, index)
      }
      if (decoded.length > 0) {
        const text = this.get(index)
        for (const target of decoded) if (matches(text, target)) add(target, index)
      }
    }
    return found
  }
}

/**
 * Finds the raw strings' bytes in their runs, for a pass over the strings in index order: raw
 * strings' starts ascend, so their runs come in order and the cursor only moves on.
 */
class RunCursor {
  /** The run of the string sought last, and where that run ends in all the runs' bytes. */
  run: Uint8Array = new Uint8Array(0)
  private position = -1
  private runEnd = 0

  constructor(
    private readonly runs: Uint8Array[],
    private readonly runStarts: number[],
  ) {}

  /** Where the raw string at `start` (of all the runs' bytes) begins in its run, `run`. */
  seek(start: number): number {
    while (start >= this.runEnd) {
      this.position++
      this.run = this.runs[this.position]
      this.runEnd = this.runStarts[this.position] + this.run.length
    }
    return start - this.runStarts[this.position]
  }
}

function sameBytes(run: Uint8Array, begin: number, target: Uint8Array): boolean {
  for (let at = 0; at < target.length; at++) if (run[begin + at] !== target[at]) return false
  return true
}

/**
 * UTF-8 of a string that a raw string could hold; null for one with a lone surrogate, a quote,
 * a backslash or a control character.
 */
function utf8Bytes(text: string): Uint8Array | null {
  const out: number[] = []
  for (let at = 0; at < text.length; at++) {
    let code = text.charCodeAt(at)
    if (code < 0x20 || code === QUOTE || code === 0x5c) return null
    if (code >= 0xd800 && code <= 0xdbff && at + 1 < text.length) {
      const low = text.charCodeAt(at + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
        at++
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) return null
    if (code < 0x80) out.push(code)
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f))
    else if (code < 0x10000)
      out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f))
    else
      out.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      )
  }
  return Uint8Array.from(out)
}
