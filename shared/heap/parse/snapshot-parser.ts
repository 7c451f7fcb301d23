// Streaming parser for V8 .heapsnapshot JSON: a byte-level state machine fed chunk by chunk.
// The small `snapshot` header goes through JSON.parse; `nodes` and `edges` go straight into
// per-field typed arrays; `strings` are kept as their UTF-8 bytes (graph/string-table.ts) and
// made into JS strings when read, and the file is never held as one JS string. Errors name the
// byte offset.
import { HeapSnapshotError } from '../errors'
import { resolveLayout, type SnapshotLayout } from '../format'
import { GrowableArray } from './growable'
import { StringTable } from '../graph/string-table'
import { textDecoder } from '../text-decoder'
import { estimateLoadBytes, formatGigabytes } from '../memory-estimate'

/** The `trace_tree` flattened in preorder (allocation stacks). */
export interface TraceTree {
  /** Per trace node, in preorder: V8's trace node id. */
  id: Uint32Array
  /** Index into trace_function_infos (in units of records, not fields). */
  functionInfo: Uint32Array
  count: Float64Array
  size: Float64Array
  /** Preorder position of the parent, -1 for the top. */
  parent: Int32Array
}

/**
 * Chrome's scope sections: every scope of a script that has a context (in preorder, depth
 * first), the variables it keeps in that context, and which of them each scope uses. Scope ids
 * are unique within a script only (V8 derives them from source positions; -2 is a script's
 * outermost scope).
 */
export interface ScopeTable {
  /** Per scope: the node ordinal of its `system / Script`, or -1 when V8 names none. */
  scriptNode: Int32Array
  scopeId: Int32Array
  /** Per scope: nesting depth within its script (0 for the outermost scope). */
  depth: Int32Array
  /** CSR over scopes: context variables of scope s are firstVariable[s]..firstVariable[s+1]-1. */
  firstVariable: Uint32Array
  /** Per variable (its slot order within the scope): the name's string index. */
  variableName: Uint32Array
  /** CSR over scopes: the variables scope s uses from enclosing scopes. */
  firstUse: Uint32Array
  /** Per use: the scope id (same script) that declares the variable. */
  useDeclaringScopeId: Int32Array
  /** Per use: the variable's slot (position among its declaring scope's variables). */
  useSlot: Int32Array
}

/**
 * Byte sizes per node: a Uint32Array when every size fits in 32 bits (nearly always, and half
 * the memory), else a Float64Array.
 */
export type SizeArray = Float64Array | Uint32Array

/** `sizes` in 32 bits when every one fits (a new array), else `sizes` itself. */
export function narrowSizes(sizes: Float64Array): SizeArray {
  const narrow = new Uint32Array(sizes.length)
  // One pass that checks and copies: a size fits when it is its own unsigned 32-bit value.
  for (let node = 0; node < sizes.length; node++) {
    const size = sizes[node]
    if (size !== size >>> 0) return sizes
    narrow[node] = size
  }
  return narrow
}

/** Everything the parser read, in struct-of-arrays form, indexed by node/edge ordinal. */
export interface ParsedSnapshot {
  layout: SnapshotLayout
  nodeCount: number
  edgeCount: number
  /** Per node: index into layout.nodeTypes. */
  nodeType: Uint8Array
  /** Per node: index into strings. */
  nodeName: Uint32Array
  /** Per node: V8's object id (@id). */
  nodeId: Uint32Array
  /** Per node: self size in bytes as V8 wrote it. */
  nodeSelfSize: SizeArray
  /** Per node: trace node id (0 when allocation tracking was off or the field is absent). */
  nodeTraceNodeId: Uint32Array
  /** Per node: V8's detachedness (0 unknown, 1 attached, 2 detached). */
  nodeDetachedness: Uint8Array
  /** CSR offsets, length nodeCount+1: edges of node n are firstEdge[n]..firstEdge[n+1]-1. */
  firstEdge: Uint32Array
  /** Per edge: index into layout.edgeTypes. */
  edgeType: Uint8Array
  /** Per edge: string index for named edges, the number for element/hidden edges. */
  edgeNameOrIndex: Uint32Array
  /** Per edge: target node ordinal. */
  edgeTarget: Uint32Array
  strings: StringTable
  /** Flattened location records, object_index already converted to a node ordinal. */
  locations: Uint32Array
  traceFunctionInfos: Uint32Array
  traceTree: TraceTree | null
  samples: Float64Array
  /** Chrome's scope sections; null when the snapshot has none (Node's, older Chrome's). */
  scopes: ScopeTable | null
  /** Sections the parser did not know and skipped. */
  skippedSections: string[]
}

/** Injectable limits, so that KB-sized tests exercise the paths multi-GB files take. */
export interface ParserLimits {
  /** Longest single string accepted, in UTF-16 code units (V8's own limit by default). */
  maxStringLength: number
  /** Largest node/edge count accepted from a header or the data. */
  maxElementCount: number
  /** Memory this machine can give a load; a header whose counts need more is refused. */
  maxMemoryBytes: number
}

/**
 * A range of a deferred `nodes` or `edges` body: bytes [start, end), the section's range number
 * `index` (from 0). Every range but the section's last ends just after a comma; the last ends at
 * the ']'. The values are not counted here: a parallel loader parses the ranges elsewhere (each
 * range's first value is known once the ranges before it are counted) and hands the arrays back
 * with adoptDeferred().
 */
export interface DeferredRange {
  section: 'nodes' | 'edges'
  start: number
  end: number
  index: number
  last: boolean
  layout: SnapshotLayout
}

export interface ParserOptions {
  /**
   * Skip the bodies of `nodes` and `edges` (found by their closing ']'; numeric arrays hold
   * none before it) and report them in ranges of about `deferRangeBytes`, cut after a comma;
   * every other part is parsed as usual.
   */
  deferNumbers?: (range: DeferredRange) => void
  deferRangeBytes?: number
}

/**
 * Thrown by a deferring parser for a snapshot it cannot defer (a header without node_count or
 * edge_count): the caller parses the file in one stream instead.
 */
export class DeferralUnsupported extends Error {
  override readonly name = 'DeferralUnsupported'
}

/** The node and edge arrays a parallel loader filled for a deferring parser. */
export interface DeferredArrays {
  nodeType: Uint8Array
  nodeName: Uint32Array
  nodeId: Uint32Array
  /** 32 bits: a size that does not fit sends the file to the one-stream parser. */
  nodeSelfSize: Uint32Array
  /** Length 0 when the layout has no trace_node_id field. */
  nodeTraceNodeId: Uint32Array
  nodeDetachedness: Uint8Array
  /** Length nodeCount+1: node n's edge count at n+1 (structure() sums them). */
  firstEdge: Uint32Array
  edgeType: Uint8Array
  edgeNameOrIndex: Uint32Array
  edgeTarget: Uint32Array
}

export const DEFAULT_PARSER_LIMITS: ParserLimits = {
  maxStringLength: 2 ** 29 - 24,
  maxElementCount: 2 ** 32 - 1,
  maxMemoryBytes: Infinity,
}

// Parser states. Plain numbers keep the hot loop's switch a jump table.
const S_START = 0 // before the top-level '{'
const S_KEY_OR_END = 1 // after '{': a key or '}'
const S_KEY = 2 // inside a key string
const S_COLON = 3 // after a key
const S_AFTER_VALUE = 4 // after a top-level value: ',' or '}'
const S_NEXT_KEY = 5 // after ',': a key
const S_DONE = 6 // after the final '}'
const S_ARRAY_OPEN = 7 // before the '[' of a numeric array or strings
const S_NUMBERS = 8 // inside a numeric array
const S_STRINGS = 9 // inside the strings array, between strings
const S_STRING = 10 // inside a string of the strings array
const S_TRACE_TREE = 11 // inside trace_tree
const S_SKIP = 12 // skipping (or capturing) an unknown value
const S_DEFERRED = 13 // skipping the body of a deferred numeric array

// Sections, for numeric sinks and progress phase names.
const SEC_NONE = 0
const SEC_NODES = 1
const SEC_EDGES = 2
const SEC_LOCATIONS = 3
const SEC_TRACE_FUNCTIONS = 4
const SEC_SAMPLES = 5
const SEC_STRINGS = 6
const SEC_TRACE_TREE = 7
const SEC_HEADER = 8
const SEC_UNKNOWN = 9
const SEC_SCOPES = 10
const SEC_SCOPE_VARS = 11
const SEC_SCOPE_USES = 12

const SECTION_NAMES = [
  'header',
  'nodes',
  'edges',
  'locations',
  'trace_function_infos',
  'samples',
  'strings',
  'trace_tree',
  'snapshot',
  'unknown section',
  'scopes',
  'scope_context_vars',
  'scope_uses',
]

// Per-field roles for nodes and edges (looked up by field position in the hot loop).
// Role 0: a field the engine does not use.
const F_TYPE = 1
const F_NAME = 2
const F_ID = 3
const F_SELF_SIZE = 4
const F_EDGE_COUNT = 5
const F_TRACE_NODE_ID = 6
const F_DETACHEDNESS = 7
const F_TO_NODE = 8

const CH_QUOTE = 0x22
const CH_BACKSLASH = 0x5c
const CH_COMMA = 0x2c
const CH_COLON = 0x3a
const CH_LBRACE = 0x7b
const CH_RBRACE = 0x7d
const CH_LBRACKET = 0x5b
const CH_RBRACKET = 0x5d
const CH_0 = 0x30
const CH_9 = 0x39
const MAX_HEADER_BYTES = 16 * 1024 * 1024
/** Nodes preallocated from a declared count before data confirms it (edges: four times). */
const PREALLOCATE_LIMIT = 1 << 22
const UINT32_MAX = 0xffffffff
const INT32_MAX = 0x7fffffff

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/**
 * From the opening quote at `quote`, the strings of `chunk` that end in it and hold no escape, no
 * control character and at most `maxLength` bytes, separated as V8 writes them (`",\n"`) or
 * compactly (`","`): records where each begins (relative to `origin`) in `begins` from `count`
 * on, and returns the new count. Every exit is a return from inside the loop, so the optimized
 * code V8 compiles while the loop runs (on-stack replacement) has no code after it left without
 * type feedback: such code deoptimizes each time it is entered, which here had been once per run.
 */
function scanSimpleStrings(
  chunk: Uint8Array,
  quote: number,
  n: number,
  origin: number,
  maxLength: number,
  begins: Int32Array,
  count: number,
): number {
  for (;;) {
    let j = quote + 1
    let c = 0
    while (j < n) {
      c = chunk[j]
      if (c === CH_QUOTE || c === CH_BACKSLASH || c < 0x20) break
      j++
    }
    // Not whole in this chunk, or not simple, or (in bytes) maybe too long: not in the run.
    if (j >= n || c !== CH_QUOTE || j - quote - 1 > maxLength) return count
    begins[count++] = quote + 1 - origin
    if (j + 3 >= n || chunk[j + 1] !== CH_COMMA) return count
    c = chunk[j + 2]
    if (c === 0x0a && chunk[j + 3] === CH_QUOTE) quote = j + 3
    else if (c === CH_QUOTE) quote = j + 2
    else return count
  }
}

function describeByte(c: number): string {
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`
  return `byte 0x${c.toString(16).padStart(2, '0')}`
}

function hexValue(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10
  return -1
}

/** Whether units[from..length) hold a surrogate that is not half of a high-low pair. */
function hasLoneSurrogate(units: Uint16Array, from: number, length: number): boolean {
  for (let position = from; position < length; position++) {
    const unit = units[position]
    if (unit < 0xd800 || unit > 0xdfff) continue
    if (unit <= 0xdbff && position + 1 < length && (units[position + 1] & 0xfc00) === 0xdc00) {
      position++
      continue
    }
    return true
  }
  return false
}

/** The string of exactly these UTF-16 code units (lone surrogates included). */
function fromCodeUnits(units: Uint16Array, length: number): string {
  let text = ''
  for (let start = 0; start < length; start += 8192) {
    const part = units.subarray(start, Math.min(length, start + 8192))
    text += String.fromCharCode.apply(null, part as unknown as number[])
  }
  return text
}

/**
 * Parses a heap snapshot from byte chunks: `write()` each chunk in order, then `finish()`.
 * Holds typed arrays, the string table and the few strings it had to decode; never the input text.
 */
export class SnapshotParser {
  private state = S_START
  /** Sections whose closing bracket was read. */
  private readonly sectionsDone = new Set<number>()
  /** Whether firstEdge holds prefix sums (structure() ran). */
  private structureDone = false
  /** Bytes of a leading UTF-8 byte-order mark seen so far. */
  private bomSeen = 0
  private section = SEC_NONE
  /** Absolute offset of the current chunk's first byte. */
  private base = 0
  private layout: SnapshotLayout | null = null
  private readonly limits: ParserLimits

  // Key being read at the top level.
  private keyBytes: number[] = []
  private key = ''
  private readonly seenKeys = new Set<string>()
  private readonly skippedSections: string[] = []

  // Numeric arrays.
  private numberValue = 0
  private numberDigits = 0
  /** A '-' was read (only allowed in "locations", "scopes" and "scope_uses"). */
  private numberNegative = false
  /** 0: after '[', 1: after ',', 2: after a value. */
  private separator = 0
  private numberStart = 0

  // Nodes, struct of arrays.
  private nodeCapacity = 0
  private nodeCount = 0
  private nodeFieldPosition = 0
  private nodeFieldRole = new Uint8Array(0)
  private nodeType: Uint8Array = new Uint8Array(0)
  private nodeName: Uint32Array = new Uint32Array(0)
  private nodeId: Uint32Array = new Uint32Array(0)
  private nodeSelfSize: Float64Array = new Float64Array(0)
  /** The workers' 32-bit self sizes (adoptDeferred). */
  private adoptedSelfSize: Uint32Array | null = null
  private nodeTraceNodeId: Uint32Array = new Uint32Array(0)
  private nodeDetachedness: Uint8Array = new Uint8Array(0)
  /** Edge count of node n at [n+1]; prefix-summed in finish(). */
  private firstEdge: Uint32Array = new Uint32Array(1)
  private nodesSeen = false

  // Edges.
  private edgeCapacity = 0
  private edgeCount = 0
  private edgeFieldPosition = 0
  private edgeFieldRole = new Uint8Array(0)
  private edgeType: Uint8Array = new Uint8Array(0)
  private edgeNameOrIndex: Uint32Array = new Uint32Array(0)
  private edgeTarget: Uint32Array = new Uint32Array(0)
  private edgesSeen = false
  /** Edge targets are validated against this once nodes are known. */
  private pendingTargetCheck = false

  // Other numeric sections.
  private locations = new GrowableArray('u32', 256)
  private traceFunctionInfos = new GrowableArray('u32', 256)
  private samples = new GrowableArray('f64', 256)
  private scopeRows = new GrowableArray('i32', 64)
  private scopeVars = new GrowableArray('u32', 64)
  private scopeUses = new GrowableArray('i32', 64)
  private scopesSeen = false

  // Strings.
  private strings = new StringTable()
  private stringsSeen = false
  private stringBuffer = new Uint16Array(1024)
  private stringLength = 0
  private stringStart = 0
  /** 0 none, 1 after backslash, 2..5 reading \u hex digit 1..4. */
  private escapeState = 0
  private escapeValue = 0
  private utf8Needed = 0
  private utf8CodePoint = 0
  private utf8Minimum = 0
  /** Allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
  private utf8Lower = 0x80
  private utf8Upper = 0xbf
  private readonly utf16Decoder = textDecoder('utf-16le')
  /** For ASCII-only text 'latin1' (windows-1252) decoding is exact and yields one-byte strings. */
  private readonly asciiDecoder = textDecoder('latin1')
  /** Per string of a run: where it starts in the run's bytes. */
  private runBegins = new Int32Array(1024)
  private asciiBuffer = new Uint8Array(1024)

  // trace_tree.
  private traceId = new GrowableArray('u32', 64)
  private traceFunction = new GrowableArray('u32', 64)
  private traceCount = new GrowableArray('f64', 64)
  private traceSize = new GrowableArray('f64', 64)
  private traceParent = new GrowableArray('i32', 64)
  private traceStack = new GrowableArray('i32', 64)
  private traceGroup: number[] = []
  private traceFieldCount = 4
  private traceSeen = false

  // Skipping and capturing unknown values (and the header).
  /** Closing brackets expected, innermost last. */
  private skipClosers: number[] = []
  /** Bytes of the bare word (number or literal) being skipped. */
  private skipWord: number[] = []
  private skipInString = false
  private skipEscape = false
  private skipStarted = false
  private capture: number[] | null = null
  private captureStart = 0

  // Deferred nodes and edges (ParserOptions.deferNumbers): the open range's start, the values
  // before it, and the commas counted in it so far.
  private readonly deferNumbers: ((range: DeferredRange) => void) | undefined
  private readonly deferRangeBytes: number
  private rangeStart = 0
  private rangeIndex = 0
  private adopted = false

  constructor(limits: Partial<ParserLimits> = {}, options: ParserOptions = {}) {
    this.limits = { ...DEFAULT_PARSER_LIMITS, ...limits }
    this.deferNumbers = options.deferNumbers
    this.deferRangeBytes = options.deferRangeBytes ?? 8 << 20
    // The fast path writes while the buffer has room; pushCodeUnit checks the limit when full.
    this.stringBuffer = new Uint16Array(Math.max(0, Math.min(1024, this.limits.maxStringLength)))
  }

  /** Name of the section being read, for progress reports. */
  get currentSection(): string {
    return SECTION_NAMES[this.section]
  }

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.base
  }

  /** Feeds the next chunk of input. */
  write(chunk: Uint8Array): void {
    const n = chunk.length
    let i = 0
    while (i < n) {
      switch (this.state) {
        case S_NUMBERS:
          i = this.readNumbers(chunk, i, n)
          break
        case S_STRING:
          i = this.readString(chunk, i, n)
          break
        case S_STRINGS:
          i = this.readBetweenStrings(chunk, i, n)
          break
        case S_TRACE_TREE:
          i = this.readTraceTree(chunk, i, n)
          break
        case S_SKIP:
          i = this.readSkip(chunk, i, n)
          break
        case S_DEFERRED:
          i = this.readDeferred(chunk, i, n)
          break
        default:
          i = this.readStructure(chunk, i, n)
      }
    }
    this.base += n
  }

  private fail(
    code: 'syntax' | 'format' | 'count' | 'range' | 'too-large',
    message: string,
    at: number,
  ): never {
    throw new HeapSnapshotError(code, message, at)
  }

  private unexpected(c: number, expected: string, at: number): never {
    this.fail('syntax', `expected ${expected}, found ${describeByte(c)}`, at)
  }

  /** Top-level structure: braces, keys, colons, commas. Handles one byte. */
  private readStructure(chunk: Uint8Array, i: number, _n: number): number {
    const c = chunk[i]
    const at = this.base + i
    if (this.state === S_KEY) {
      if (c === CH_QUOTE) {
        this.key = String.fromCharCode(...this.keyBytes)
        this.keyBytes = []
        this.state = S_COLON
      } else {
        if (this.keyBytes.length > 256)
          this.fail('format', 'a top-level key is implausibly long', at)
        this.keyBytes.push(c)
      }
      return i + 1
    }
    if (isSpace(c)) return i + 1
    switch (this.state) {
      case S_START:
        // A UTF-8 byte-order mark (EF BB BF) at the very start is allowed and skipped.
        if (this.bomSeen < 3 && at === this.bomSeen && c === [0xef, 0xbb, 0xbf][this.bomSeen]) {
          this.bomSeen++
          return i + 1
        }
        if (this.bomSeen > 0 && this.bomSeen < 3)
          this.unexpected(c, 'the rest of a UTF-8 byte-order mark', at)
        if (c !== CH_LBRACE) {
          if (c === 0x1f) this.fail('format', 'this is gzip data; decompress it before parsing', at)
          this.unexpected(
            c,
            "'{' at the start of a heap snapshot (is this a .heapsnapshot file?)",
            at,
          )
        }
        this.state = S_KEY_OR_END
        return i + 1
      case S_KEY_OR_END:
        if (c === CH_RBRACE) return this.endTopLevel(i)
        if (c !== CH_QUOTE) this.unexpected(c, "a key or '}'", at)
        this.state = S_KEY
        return i + 1
      case S_NEXT_KEY:
        if (c !== CH_QUOTE) this.unexpected(c, "a key after ','", at)
        this.state = S_KEY
        return i + 1
      case S_COLON:
        if (c !== CH_COLON) this.unexpected(c, `':' after "${this.key}"`, at)
        this.beginValue(at + 1)
        return i + 1
      case S_AFTER_VALUE:
        this.section = SEC_NONE
        if (c === CH_COMMA) {
          this.state = S_NEXT_KEY
          return i + 1
        }
        if (c === CH_RBRACE) return this.endTopLevel(i)
        this.unexpected(c, "',' or '}' after a top-level value", at)
        break
      case S_ARRAY_OPEN:
        if (c !== CH_LBRACKET) this.unexpected(c, `'[' to open "${this.key}"`, at)
        this.separator = 0
        if (this.section === SEC_STRINGS) {
          this.state = S_STRINGS
        } else if (this.section === SEC_TRACE_TREE) {
          this.state = S_TRACE_TREE
          this.traceStack.push(-1)
          this.traceGroup = []
        } else if (
          this.deferNumbers &&
          (this.section === SEC_NODES || this.section === SEC_EDGES)
        ) {
          this.state = S_DEFERRED
          this.rangeStart = at + 1
          this.rangeIndex = 0
        } else {
          this.state = S_NUMBERS
        }
        return i + 1
      case S_DONE:
        this.unexpected(c, "nothing after the final '}'", at)
    }
    return i + 1
  }

  private endTopLevel(i: number): number {
    this.state = S_DONE
    this.section = SEC_NONE
    return i + 1
  }

  /** Dispatches on the key just read. */
  private beginValue(at: number): void {
    const key = this.key
    if (this.seenKeys.has(key)) this.fail('format', `the key "${key}" appears twice`, at)
    this.seenKeys.add(key)
    if (key === 'snapshot') {
      this.section = SEC_HEADER
      this.beginSkip(true, at)
      return
    }
    const numeric: Record<string, number> = {
      nodes: SEC_NODES,
      edges: SEC_EDGES,
      locations: SEC_LOCATIONS,
      trace_function_infos: SEC_TRACE_FUNCTIONS,
      samples: SEC_SAMPLES,
      strings: SEC_STRINGS,
      trace_tree: SEC_TRACE_TREE,
      scopes: SEC_SCOPES,
      scope_context_vars: SEC_SCOPE_VARS,
      scope_uses: SEC_SCOPE_USES,
    }
    const section = numeric[key]
    if (section === undefined) {
      this.section = SEC_UNKNOWN
      this.skippedSections.push(key)
      this.beginSkip(false, at)
      return
    }
    if (section !== SEC_STRINGS && this.layout === null) {
      this.fail('format', `"${key}" comes before the "snapshot" header that describes it`, at)
    }
    this.section = section
    this.state = S_ARRAY_OPEN
    if (section === SEC_NODES) this.beginNodes()
    else if (section === SEC_EDGES) this.beginEdges()
    else if (section === SEC_STRINGS) this.stringsSeen = true
    else if (section === SEC_TRACE_TREE) this.traceSeen = true
    else if (section === SEC_SCOPES) this.scopesSeen = true
  }

  private beginSkip(captureIt: boolean, at: number): void {
    this.state = S_SKIP
    this.skipClosers = []
    this.skipWord = []
    this.skipInString = false
    this.skipEscape = false
    this.skipStarted = false
    this.capture = captureIt ? [] : null
    this.captureStart = at
  }

  /**
   * Skips (or, for the header, captures) one JSON value of unknown shape. It checks what a
   * skipper can cheaply check: brackets match and bare words are numbers, true, false or null.
   */
  private readSkip(chunk: Uint8Array, i: number, n: number): number {
    const capture = this.capture
    for (; i < n; i++) {
      const c = chunk[i]
      if (this.skipInString) {
        if (capture) capture.push(c)
        if (this.skipEscape) this.skipEscape = false
        else if (c === CH_BACKSLASH) this.skipEscape = true
        else if (c === CH_QUOTE) {
          this.skipInString = false
          if (this.skipClosers.length === 0) return this.endSkip(i + 1)
        }
        continue
      }
      const inWord = this.skipWord.length > 0
      const isWordByte =
        (c >= CH_0 && c <= CH_9) ||
        (c >= 0x61 && c <= 0x7a) ||
        (c >= 0x41 && c <= 0x5a) ||
        c === 0x5f ||
        c === 0x2d ||
        c === 0x2b ||
        c === 0x2e
      if (isWordByte) {
        if (capture && !this.skipStarted) {
          this.unexpected(c, '\'{\' to open the "snapshot" header', this.base + i)
        }
        if (this.skipWord.length > 64)
          this.unexpected(c, 'a shorter number or literal', this.base + i)
        this.skipWord.push(c)
        this.skipStarted = true
        if (capture) capture.push(c)
        continue
      }
      if (inWord) this.endSkipWord(this.base + i)
      if (!this.skipStarted && isSpace(c)) continue
      if (this.skipClosers.length === 0 && this.skipStarted) {
        // A scalar value ended; let the structure reader see the delimiter.
        return this.endSkip(i)
      }
      if (capture && !this.skipStarted && c !== CH_LBRACE) {
        this.unexpected(c, '\'{\' to open the "snapshot" header', this.base + i)
      }
      this.skipStarted = true
      if (capture) {
        capture.push(c)
        if (capture.length > MAX_HEADER_BYTES) {
          this.fail('format', 'the "snapshot" header is larger than 16 MB', this.captureStart)
        }
      }
      if (c === CH_QUOTE) this.skipInString = true
      else if (c === CH_LBRACE) this.skipClosers.push(CH_RBRACE)
      else if (c === CH_LBRACKET) this.skipClosers.push(CH_RBRACKET)
      else if (c === CH_RBRACE || c === CH_RBRACKET) {
        const expected = this.skipClosers.pop()
        if (expected !== c) {
          this.unexpected(
            c,
            expected === undefined ? 'a value' : `'${String.fromCharCode(expected)}'`,
            this.base + i,
          )
        }
        if (this.skipClosers.length === 0) return this.endSkip(i + 1)
      } else if (c !== CH_COMMA && c !== CH_COLON && !isSpace(c)) {
        this.unexpected(c, `a JSON value in "${this.key}"`, this.base + i)
      }
    }
    return i
  }

  /** A bare word inside a skipped value must be a JSON number or literal. */
  private endSkipWord(at: number): void {
    const word = String.fromCharCode(...this.skipWord)
    this.skipWord = []
    if (!/^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(word)) {
      this.fail(
        'syntax',
        `expected a JSON value in "${this.key}", found "${word}"`,
        at - word.length,
      )
    }
  }

  private endSkip(i: number): number {
    if (this.skipWord.length > 0) this.endSkipWord(this.base + i)
    this.state = S_AFTER_VALUE
    const capture = this.capture
    if (capture) {
      this.capture = null
      let header: unknown
      try {
        header = JSON.parse(textDecoder('utf-8').decode(Uint8Array.from(capture)))
      } catch (error) {
        this.fail(
          'syntax',
          `the "snapshot" header is not valid JSON: ${String(error)}`,
          this.captureStart,
        )
      }
      this.layout = resolveLayout(header, this.captureStart)
      this.checkMemory(this.layout)
      this.setupFieldRoles(this.layout)
    }
    return i
  }

  private setupFieldRoles(layout: SnapshotLayout): void {
    const nodeRoles = new Uint8Array(layout.nodeFieldCount)
    nodeRoles[layout.nodeTypeField] = F_TYPE
    nodeRoles[layout.nodeNameField] = F_NAME
    nodeRoles[layout.nodeIdField] = F_ID
    nodeRoles[layout.nodeSelfSizeField] = F_SELF_SIZE
    nodeRoles[layout.nodeEdgeCountField] = F_EDGE_COUNT
    if (layout.nodeTraceNodeIdField >= 0) nodeRoles[layout.nodeTraceNodeIdField] = F_TRACE_NODE_ID
    if (layout.nodeDetachednessField >= 0) nodeRoles[layout.nodeDetachednessField] = F_DETACHEDNESS
    this.nodeFieldRole = nodeRoles
    const edgeRoles = new Uint8Array(layout.edgeFieldCount)
    edgeRoles[layout.edgeTypeField] = F_TYPE
    edgeRoles[layout.edgeNameField] = F_NAME
    edgeRoles[layout.edgeToNodeField] = F_TO_NODE
    this.edgeFieldRole = edgeRoles
    const traceFields = layout.traceNodeFields
    if (traceFields.length > 0) this.traceFieldCount = traceFields.length - 1
  }

  /** Refuses, before reading any data, a snapshot whose declared counts need more memory. */
  private checkMemory(layout: SnapshotLayout): void {
    const nodes = layout.declaredNodeCount ?? 0
    const edges = layout.declaredEdgeCount ?? 0
    const needed = estimateLoadBytes(nodes, edges)
    if (needed > this.limits.maxMemoryBytes) {
      this.fail(
        'too-large',
        `opening it needs about ${formatGigabytes(needed)} of memory (its header declares ` +
          `${nodes.toLocaleString('en-US')} objects and ${edges.toLocaleString('en-US')} ` +
          `references), more than the ` +
          `${formatGigabytes(this.limits.maxMemoryBytes)} this machine can give it`,
        this.captureStart,
      )
    }
  }

  private checkDeclaredCount(count: number | null, what: string): void {
    if (count !== null && count > this.limits.maxElementCount) {
      this.fail(
        'too-large',
        `the header declares ${count} ${what}, more than this engine accepts (${this.limits.maxElementCount})`,
        this.captureStart,
      )
    }
  }

  private beginNodes(): void {
    const layout = this.layout as SnapshotLayout
    this.nodesSeen = true
    this.checkDeclaredCount(layout.declaredNodeCount, 'nodes')
    if (this.deferNumbers) {
      // Both counts are needed; both are known from the header.
      if (layout.declaredNodeCount === null) throw new DeferralUnsupported('no node_count')
      if (layout.declaredEdgeCount === null) throw new DeferralUnsupported('no edge_count')
      return
    }
    // Trust a declared count only so far: a tiny file claiming 10^9 nodes must not allocate
    // gigabytes up front. Past this, arrays grow (up to the declared count) as data arrives.
    this.growNodes(
      Math.min(layout.declaredNodeCount ?? 1 << 16, PREALLOCATE_LIMIT, this.limits.maxElementCount),
    )
  }

  private growNodes(capacity: number, at = this.captureStart): void {
    const copy = <T extends Uint8Array | Uint32Array | Float64Array>(old: T, next: T): T => {
      next.set(old.subarray(0, this.nodeCount) as never)
      return next
    }
    try {
      this.nodeType = copy(this.nodeType, new Uint8Array(capacity))
      this.nodeName = copy(this.nodeName, new Uint32Array(capacity))
      this.nodeId = copy(this.nodeId, new Uint32Array(capacity))
      this.nodeSelfSize = copy(this.nodeSelfSize, new Float64Array(capacity))
      this.nodeDetachedness = copy(this.nodeDetachedness, new Uint8Array(capacity))
      if (this.layout?.nodeTraceNodeIdField !== -1) {
        this.nodeTraceNodeId = copy(this.nodeTraceNodeId, new Uint32Array(capacity))
      }
      const firstEdge = new Uint32Array(capacity + 1)
      firstEdge.set(this.firstEdge.subarray(0, this.nodeCount + 1))
      this.firstEdge = firstEdge
    } catch (error) {
      this.fail('too-large', `cannot allocate room for ${capacity} nodes: ${String(error)}`, at)
    }
    this.nodeCapacity = capacity
  }

  private beginEdges(): void {
    const layout = this.layout as SnapshotLayout
    this.edgesSeen = true
    this.checkDeclaredCount(layout.declaredEdgeCount, 'edges')
    if (this.deferNumbers) {
      if (layout.declaredEdgeCount === null) throw new DeferralUnsupported('no edge_count')
      return
    }
    // Without a declared count, the node edge counts (if nodes came first) give the total.
    let capacity = layout.declaredEdgeCount
    if (capacity === null && this.nodesSeen) {
      let total = 0
      for (let node = 0; node < this.nodeCount; node++) total += this.firstEdge[node + 1]
      capacity = total
    }
    this.growEdges(
      Math.max(
        Math.min(capacity ?? 1 << 16, PREALLOCATE_LIMIT * 4, this.limits.maxElementCount),
        1,
      ),
    )
    this.pendingTargetCheck = !this.nodesSeen
  }

  private growEdges(capacity: number, at = this.captureStart): void {
    try {
      const edgeType = new Uint8Array(capacity)
      edgeType.set(this.edgeType.subarray(0, this.edgeCount))
      const edgeName = new Uint32Array(capacity)
      edgeName.set(this.edgeNameOrIndex.subarray(0, this.edgeCount))
      const edgeTarget = new Uint32Array(capacity)
      edgeTarget.set(this.edgeTarget.subarray(0, this.edgeCount))
      this.edgeType = edgeType
      this.edgeNameOrIndex = edgeName
      this.edgeTarget = edgeTarget
    } catch (error) {
      this.fail('too-large', `cannot allocate room for ${capacity} edges: ${String(error)}`, at)
    }
    this.edgeCapacity = capacity
  }

  /**
   * A deferred body: no ']' can come before its end, so one search finds it. Its commas are
   * counted on the way, and a range is reported at the last comma of the chunk where it has
   * reached its length, and at the ']'.
   */
  private readDeferred(chunk: Uint8Array, i: number, n: number): number {
    const close = chunk.indexOf(CH_RBRACKET, i)
    const section = this.section === SEC_NODES ? 'nodes' : 'edges'
    const layout = this.layout as SnapshotLayout
    const report = (end: number, last: boolean): void => {
      this.deferNumbers?.({
        section,
        start: this.rangeStart,
        end,
        index: this.rangeIndex++,
        last,
        layout,
      })
      this.rangeStart = end
    }
    if (close !== -1) {
      // The last range ends at the ']' (an empty body is for the loader to judge).
      report(this.base + close, true)
      this.sectionsDone.add(this.section)
      this.state = S_AFTER_VALUE
      return close + 1
    }
    if (this.base + n - this.rangeStart < this.deferRangeBytes) return n
    const lastComma = chunk.lastIndexOf(CH_COMMA, n - 1)
    if (lastComma >= i) report(this.base + lastComma + 1, false)
    return n
  }

  /**
   * Takes the arrays a parallel loader filled for the deferred sections, holding exactly the
   * declared counts (the loader checked every value as readNodeNumbers and readEdgeNumbers do).
   */
  adoptDeferred(arrays: DeferredArrays): void {
    const layout = this.layout as SnapshotLayout
    this.nodeCount = this.nodeCapacity = layout.declaredNodeCount ?? 0
    this.edgeCount = this.edgeCapacity = layout.declaredEdgeCount ?? 0
    this.nodeType = arrays.nodeType
    this.nodeName = arrays.nodeName
    this.nodeId = arrays.nodeId
    this.adoptedSelfSize = arrays.nodeSelfSize
    this.nodeTraceNodeId = arrays.nodeTraceNodeId
    this.nodeDetachedness = arrays.nodeDetachedness
    this.firstEdge = arrays.firstEdge
    this.edgeType = arrays.edgeType
    this.edgeNameOrIndex = arrays.edgeNameOrIndex
    this.edgeTarget = arrays.edgeTarget
    this.pendingTargetCheck = false
    this.adopted = true
  }

  /** The hot loop: digits, commas and whitespace of a numeric array. */
  private readNumbers(chunk: Uint8Array, i: number, n: number): number {
    if (this.section === SEC_NODES) return this.readNodeNumbers(chunk, i, n)
    if (this.section === SEC_EDGES) return this.readEdgeNumbers(chunk, i, n)
    if (this.section === SEC_LOCATIONS && this.numberDigits === 0 && !this.numberNegative) {
      i = this.readLocationRun(chunk, i, n)
    }
    let value = this.numberValue
    let digits = this.numberDigits
    for (; i < n; i++) {
      const c = chunk[i]
      if (c >= CH_0 && c <= CH_9) {
        if (digits === 0) {
          if (this.separator === 2) this.unexpected(c, "',' between numbers", this.base + i)
          this.numberStart = this.base + i
        }
        value = value * 10 + (c - CH_0)
        digits++
        continue
      }
      if (digits > 0) {
        if (digits > 15) this.fail('too-large', 'number has more than 15 digits', this.numberStart)
        this.acceptNumber(this.numberNegative ? -value : value, this.numberStart)
        value = 0
        digits = 0
        this.numberNegative = false
        this.separator = 2
      } else if (this.numberNegative) {
        this.unexpected(c, "a digit after '-'", this.base + i)
      }
      if (
        c === 0x2d &&
        (this.section === SEC_LOCATIONS ||
          this.section === SEC_SCOPES ||
          this.section === SEC_SCOPE_USES) &&
        this.separator !== 2
      ) {
        // Chrome writes -1 for a location's missing script object, -2 for a script's scope id.
        if (this.numberNegative) this.unexpected(c, 'a digit', this.base + i)
        this.numberNegative = true
        this.numberStart = this.base + i
      } else if (c === CH_COMMA) {
        if (this.separator !== 2) this.unexpected(c, 'a number', this.base + i)
        this.separator = 1
        // Back to the fast path after the byte-by-byte reader's token (a -1, say).
        if (this.section === SEC_LOCATIONS) i = this.readLocationRun(chunk, i + 1, n) - 1
      } else if (c === CH_RBRACKET) {
        if (this.separator === 1) this.unexpected(c, "a number after ','", this.base + i)
        this.numberValue = 0
        this.numberDigits = 0
        this.endNumbers(this.base + i)
        return i + 1
      } else if (!isSpace(c)) {
        const expected = c === 0x2d ? 'a non-negative integer' : "a digit, ',' or ']'"
        this.unexpected(c, `${expected} in "${this.key}"`, this.base + i)
      }
    }
    this.numberValue = value
    this.numberDigits = digits
    return i
  }

  /**
   * The fast path of `locations`: whole tokens of spaces, a non-negative number of at most 15
   * digits and at most 2^32-1, spaces and a comma, stored as readNumbers would store them. It
   * stops at anything else (a '-', a ']', a bad byte, a number the chunk cuts), where
   * readNumbers takes over from the token's first byte, so errors are its own. Called only
   * between tokens (no number begun).
   */
  private readLocationRun(chunk: Uint8Array, i: number, n: number): number {
    const locations = this.locations
    // Every value takes at least two bytes (a digit and a comma): room for them all, written
    // straight into the array.
    locations.reserve(locations.length + ((n - i) >>> 1) + 1)
    const data = locations.data
    let length = locations.length
    let separator = this.separator
    for (;;) {
      let j = i
      while (j < n && isSpace(chunk[j])) j++
      if (j >= n || separator === 2) break
      let digit = chunk[j] - CH_0
      if (digit < 0 || digit > 9) break
      const begin = j
      let value = 0
      do {
        value = value * 10 + digit
        digit = ++j < n ? chunk[j] - CH_0 : -1
      } while (digit >= 0 && digit <= 9)
      if (j >= n || j - begin > 15 || value > UINT32_MAX) break
      while (j < n && isSpace(chunk[j])) j++
      if (j >= n || chunk[j] !== CH_COMMA) break
      data[length++] = value
      separator = 1
      i = j + 1
    }
    locations.length = length
    this.separator = separator
    return i
  }

  /** Stores one value of a section other than nodes and edges. */
  private acceptNumber(value: number, at: number): void {
    switch (this.section) {
      case SEC_LOCATIONS:
        if (value > UINT32_MAX) this.fail('too-large', 'location value exceeds 2^32-1', at)
        if (value < -1) this.fail('range', `location value ${value} is negative`, at)
        // -1 (no script object) is kept as 0xFFFFFFFF.
        this.locations.push(value >>> 0)
        return
      case SEC_TRACE_FUNCTIONS:
        if (value > UINT32_MAX) this.fail('too-large', 'trace function value exceeds 2^32-1', at)
        this.traceFunctionInfos.push(value)
        return
      case SEC_SCOPES:
      case SEC_SCOPE_USES:
        if (value > INT32_MAX || value < -INT32_MAX) {
          this.fail('too-large', `"${this.key}" value ${value} is out of range`, at)
        }
        ;(this.section === SEC_SCOPES ? this.scopeRows : this.scopeUses).push(value)
        return
      case SEC_SCOPE_VARS:
        if (value > UINT32_MAX) this.fail('too-large', 'scope variable name exceeds 2^32-1', at)
        this.scopeVars.push(value)
        return
      default:
        this.samples.push(value)
    }
  }

  /** Grows node arrays before node `node` is written, or fails when the header said fewer. */
  private makeNodeRoom(node: number, at: number): void {
    const declared = this.layout?.declaredNodeCount ?? null
    if (declared !== null && node >= declared) {
      this.fail('count', `"nodes" holds more than the ${declared} nodes the header declares`, at)
    }
    if (node >= this.limits.maxElementCount) {
      this.fail('too-large', `more than ${this.limits.maxElementCount} nodes`, at)
    }
    this.nodeCount = node
    this.growNodes(Math.min(node * 2, declared ?? Infinity, this.limits.maxElementCount), at)
  }

  /** Grows edge arrays before edge `edge` is written, or fails when the header said fewer. */
  private makeEdgeRoom(edge: number, at: number): void {
    const declared = this.layout?.declaredEdgeCount ?? null
    if (declared !== null && edge >= declared) {
      this.fail('count', `"edges" holds more than the ${declared} edges the header declares`, at)
    }
    if (edge >= this.limits.maxElementCount) {
      this.fail('too-large', `more than ${this.limits.maxElementCount} edges`, at)
    }
    this.edgeCount = edge
    this.growEdges(Math.min(edge * 2, declared ?? Infinity, this.limits.maxElementCount), at)
  }

  private failNumberSyntax(c: number, separator: number, at: number): never {
    if (c === CH_COMMA) this.unexpected(c, 'a number', at)
    if (c === CH_RBRACKET) this.unexpected(c, "a number after ','", at)
    if (c >= CH_0 && c <= CH_9) this.unexpected(c, "',' between numbers", at)
    const expected = c === 0x2d ? 'a non-negative integer' : "a digit, ',' or ']'"
    this.unexpected(c, `${expected} in "${this.key}"${separator === 2 ? '' : ''}`, at)
  }

  /**
   * The hottest loop: digits of `nodes` straight into per-field arrays. State lives in locals
   * and is written back at the end of the chunk.
   */
  private readNodeNumbers(chunk: Uint8Array, i: number, n: number): number {
    let value = this.numberValue
    let digits = this.numberDigits
    let separator = this.separator
    let position = this.nodeFieldPosition
    let node = this.nodeCount
    const roles = this.nodeFieldRole
    const fieldCount = roles.length
    const typeCount = (this.layout as SnapshotLayout).nodeTypes.length
    let capacity = this.nodeCapacity
    let nodeType = this.nodeType
    let nodeName = this.nodeName
    let nodeId = this.nodeId
    let selfSize = this.nodeSelfSize
    let edgeCounts = this.firstEdge
    let traceNodeId = this.nodeTraceNodeId
    let detachedness = this.nodeDetachedness
    for (; i < n; i++) {
      const c = chunk[i]
      if (c >= CH_0 && c <= CH_9) {
        if (digits === 0 && separator === 2) this.failNumberSyntax(c, separator, this.base + i)
        // Consume the whole run of digits in a tight loop.
        let j = i + 1
        value = value * 10 + (c - CH_0)
        while (j < n) {
          const d = chunk[j] - CH_0
          if (d < 0 || d > 9) break
          value = value * 10 + d
          j++
        }
        digits += j - i
        i = j - 1
        continue
      }
      if (digits !== 0) {
        const at = this.base + i - digits
        if (digits > 15) this.fail('too-large', 'number has more than 15 digits', at)
        if (position === 0 && node === capacity) {
          this.makeNodeRoom(node, at)
          capacity = this.nodeCapacity
          nodeType = this.nodeType
          nodeName = this.nodeName
          nodeId = this.nodeId
          selfSize = this.nodeSelfSize
          edgeCounts = this.firstEdge
          traceNodeId = this.nodeTraceNodeId
          detachedness = this.nodeDetachedness
        }
        switch (roles[position]) {
          case F_TYPE:
            if (value >= typeCount) {
              this.fail(
                'range',
                `node ${node} has type ${value}, but only ${typeCount} node types are declared`,
                at,
              )
            }
            nodeType[node] = value
            break
          case F_NAME:
            if (value > UINT32_MAX) this.fail('range', `node ${node} name index is too large`, at)
            nodeName[node] = value
            break
          case F_ID:
            if (value > UINT32_MAX) this.fail('too-large', `node ${node} id exceeds 2^32-1`, at)
            nodeId[node] = value
            break
          case F_SELF_SIZE:
            selfSize[node] = value
            break
          case F_EDGE_COUNT:
            if (value > UINT32_MAX)
              this.fail('too-large', `node ${node} edge count exceeds 2^32-1`, at)
            edgeCounts[node + 1] = value
            break
          case F_TRACE_NODE_ID:
            if (value > UINT32_MAX)
              this.fail('too-large', `node ${node} trace node id exceeds 2^32-1`, at)
            // Zeros are not written: an all-zero array's pages are never touched (no memory).
            if (value !== 0) traceNodeId[node] = value
            break
          case F_DETACHEDNESS:
            if (value > 2)
              this.fail('range', `node ${node} has detachedness ${value}, expected 0..2`, at)
            if (value !== 0) detachedness[node] = value
            break
        }
        if (++position === fieldCount) {
          position = 0
          node++
        }
        value = 0
        digits = 0
        separator = 2
      }
      if (c === CH_COMMA) {
        if (separator !== 2) this.failNumberSyntax(c, separator, this.base + i)
        separator = 1
      } else if (c === CH_RBRACKET) {
        if (separator === 1) this.failNumberSyntax(c, separator, this.base + i)
        this.nodeFieldPosition = position
        this.nodeCount = node
        this.numberValue = 0
        this.numberDigits = 0
        this.separator = 2
        this.endNumbers(this.base + i)
        return i + 1
      } else if (!isSpace(c)) {
        this.failNumberSyntax(c, separator, this.base + i)
      }
    }
    this.numberValue = value
    this.numberDigits = digits
    this.separator = separator
    this.nodeFieldPosition = position
    this.nodeCount = node
    return i
  }

  /** Digits of `edges` straight into per-field arrays; targets validated on the way. */
  private readEdgeNumbers(chunk: Uint8Array, i: number, n: number): number {
    let value = this.numberValue
    let digits = this.numberDigits
    let separator = this.separator
    let position = this.edgeFieldPosition
    let edge = this.edgeCount
    const roles = this.edgeFieldRole
    const fieldCount = roles.length
    const layout = this.layout as SnapshotLayout
    const typeCount = layout.edgeTypes.length
    const nodeFieldCount = layout.nodeFieldCount
    const nodeCount = this.pendingTargetCheck ? Infinity : this.nodeCount
    let capacity = this.edgeCapacity
    let edgeType = this.edgeType
    let edgeName = this.edgeNameOrIndex
    let edgeTarget = this.edgeTarget
    for (; i < n; i++) {
      const c = chunk[i]
      if (c >= CH_0 && c <= CH_9) {
        if (digits === 0 && separator === 2) this.failNumberSyntax(c, separator, this.base + i)
        // Consume the whole run of digits in a tight loop.
        let j = i + 1
        value = value * 10 + (c - CH_0)
        while (j < n) {
          const d = chunk[j] - CH_0
          if (d < 0 || d > 9) break
          value = value * 10 + d
          j++
        }
        digits += j - i
        i = j - 1
        continue
      }
      if (digits !== 0) {
        const at = this.base + i - digits
        if (digits > 15) this.fail('too-large', 'number has more than 15 digits', at)
        if (position === 0 && edge === capacity) {
          this.makeEdgeRoom(edge, at)
          capacity = this.edgeCapacity
          edgeType = this.edgeType
          edgeName = this.edgeNameOrIndex
          edgeTarget = this.edgeTarget
        }
        switch (roles[position]) {
          case F_TYPE:
            if (value >= typeCount) {
              this.fail(
                'range',
                `edge ${edge} has type ${value}, but only ${typeCount} edge types are declared`,
                at,
              )
            }
            edgeType[edge] = value
            break
          case F_NAME:
            if (value > UINT32_MAX)
              this.fail('range', `edge ${edge} name or index exceeds 2^32-1`, at)
            edgeName[edge] = value
            break
          case F_TO_NODE: {
            const target = value / nodeFieldCount
            // Checked now even when the node count is not known yet: a Uint32Array would wrap.
            if (target > UINT32_MAX) {
              this.fail('range', `edge ${edge} points to ${value}, past any possible node`, at)
            }
            if (target !== Math.floor(target)) {
              this.fail(
                'range',
                `edge ${edge} points to ${value}, which is not a multiple of the ${nodeFieldCount} node fields`,
                at,
              )
            }
            if (target >= nodeCount) {
              this.fail(
                'range',
                `edge ${edge} points to node ${target}, but there are only ${nodeCount} nodes`,
                at,
              )
            }
            edgeTarget[edge] = target
            break
          }
        }
        if (++position === fieldCount) {
          position = 0
          edge++
        }
        value = 0
        digits = 0
        separator = 2
      }
      if (c === CH_COMMA) {
        if (separator !== 2) this.failNumberSyntax(c, separator, this.base + i)
        separator = 1
      } else if (c === CH_RBRACKET) {
        if (separator === 1) this.failNumberSyntax(c, separator, this.base + i)
        this.edgeFieldPosition = position
        this.edgeCount = edge
        this.numberValue = 0
        this.numberDigits = 0
        this.separator = 2
        this.endNumbers(this.base + i)
        return i + 1
      } else if (!isSpace(c)) {
        this.failNumberSyntax(c, separator, this.base + i)
      }
    }
    this.numberValue = value
    this.numberDigits = digits
    this.separator = separator
    this.edgeFieldPosition = position
    this.edgeCount = edge
    return i
  }

  private endNumbers(at: number): void {
    const layout = this.layout as SnapshotLayout
    this.sectionsDone.add(this.section)
    if (this.section === SEC_NODES) {
      if (this.nodeFieldPosition !== 0) {
        this.fail(
          'count',
          `"nodes" ends inside a node: its length is not a multiple of ${layout.nodeFieldCount} fields`,
          at,
        )
      }
      if (layout.declaredNodeCount !== null && this.nodeCount !== layout.declaredNodeCount) {
        this.fail(
          'count',
          `the header declares ${layout.declaredNodeCount} nodes but "nodes" holds ${this.nodeCount}`,
          at,
        )
      }
    } else if (this.section === SEC_EDGES) {
      if (this.edgeFieldPosition !== 0) {
        this.fail(
          'count',
          `"edges" ends inside an edge: its length is not a multiple of ${layout.edgeFieldCount} fields`,
          at,
        )
      }
      if (layout.declaredEdgeCount !== null && this.edgeCount !== layout.declaredEdgeCount) {
        this.fail(
          'count',
          `the header declares ${layout.declaredEdgeCount} edges but "edges" holds ${this.edgeCount}`,
          at,
        )
      }
    } else if (this.section === SEC_SAMPLES) {
      const fields = layout.sampleFields.length || 2
      if (this.samples.length % fields !== 0) {
        this.fail('count', `"samples" length is not a multiple of ${fields} fields`, at)
      }
    } else if (this.section === SEC_LOCATIONS) {
      const fields = layout.locationFields.length || 4
      if (this.locations.length % fields !== 0) {
        this.fail('count', `"locations" length is not a multiple of ${fields} fields`, at)
      }
    } else if (
      this.section === SEC_SCOPES ||
      this.section === SEC_SCOPE_VARS ||
      this.section === SEC_SCOPE_USES
    ) {
      const [values, fields] =
        this.section === SEC_SCOPES
          ? [this.scopeRows, layout.scopeFields]
          : this.section === SEC_SCOPE_VARS
            ? [this.scopeVars, layout.scopeContextVarFields]
            : [this.scopeUses, layout.scopeUseFields]
      // Without its fields in the header a section is read but not used (as before it was known).
      if (fields.length > 0 && values.length % fields.length !== 0) {
        this.fail('count', `"${this.key}" length is not a multiple of ${fields.length} fields`, at)
      }
    }
    this.state = S_AFTER_VALUE
  }

  /** Between strings of the strings array: '"', ',' or ']'. */
  private readBetweenStrings(chunk: Uint8Array, i: number, n: number): number {
    for (; i < n; i++) {
      const c = chunk[i]
      if (isSpace(c)) continue
      const at = this.base + i
      if (c === CH_QUOTE) {
        if (this.separator === 2) this.unexpected(c, "',' between strings", at)
        const next = this.readStringRun(chunk, i, n)
        if (next !== -1) return next
        this.state = S_STRING
        this.stringLength = 0
        this.stringStart = at
        return i + 1
      }
      if (c === CH_COMMA) {
        if (this.separator !== 2) this.unexpected(c, 'a string', at)
        this.separator = 1
      } else if (c === CH_RBRACKET) {
        if (this.separator === 1) this.unexpected(c, "a string after ','", at)
        this.state = S_AFTER_VALUE
        return i + 1
      } else {
        this.unexpected(c, "a string, ',' or ']' in \"strings\"", at)
      }
    }
    return i
  }

  /**
   * The fast path of `strings`: from the opening quote at i, the run of whole strings in this
   * chunk that hold no escape and no control character, with their separators. The run's bytes
   * go to the string table whole (StringTable.pushRun; its strings are made when read).
   * Returns where the run ends (after its last closing quote), or -1 when the first string is
   * not such a string; that one, and anything after the run, goes through readString byte by
   * byte.
   */
  private readStringRun(chunk: Uint8Array, i: number, n: number): number {
    // A string with its separator takes at least 3 bytes, so this many begin in the chunk.
    const capacity = Math.floor((n - i) / 3) + 1
    if (this.runBegins.length < capacity) {
      this.runBegins = new Int32Array(Math.max(capacity, 2 * this.runBegins.length))
    }
    const begins = this.runBegins
    const maxLength = this.limits.maxStringLength
    let count = 0
    let runEnd = -1
    let quote = i
    for (;;) {
      const more = scanSimpleStrings(chunk, quote, n, i, maxLength, begins, count)
      if (more === count) break
      count = more
      runEnd = chunk.indexOf(CH_QUOTE, i + begins[count - 1]) + 1
      // The scan stops at a separator other than V8's: skip it here and scan on.
      let k = runEnd
      while (k < n && isSpace(chunk[k])) k++
      if (k >= n || chunk[k] !== CH_COMMA) break
      k++
      while (k < n && isSpace(chunk[k])) k++
      if (k >= n || chunk[k] !== CH_QUOTE) break
      quote = k
    }
    if (count === 0) return -1
    this.strings.pushRun(chunk.subarray(i, runEnd), begins, count)
    this.separator = 2
    return runEnd
  }

  private pushCodeUnit(unit: number): void {
    if (this.stringLength === this.stringBuffer.length) {
      if (this.stringLength >= this.limits.maxStringLength) {
        this.fail(
          'too-large',
          `a string is longer than ${this.limits.maxStringLength} characters`,
          this.stringStart,
        )
      }
      const next = new Uint16Array(
        Math.min(this.stringBuffer.length * 2, this.limits.maxStringLength),
      )
      next.set(this.stringBuffer)
      this.stringBuffer = next
    }
    this.stringBuffer[this.stringLength++] = unit
  }

  private pushCodePoint(codePoint: number): void {
    if (codePoint < 0x10000) {
      this.pushCodeUnit(codePoint)
    } else {
      const v = codePoint - 0x10000
      this.pushCodeUnit(0xd800 + (v >> 10))
      this.pushCodeUnit(0xdc00 + (v & 0x3ff))
    }
  }

  /** Inside a string: decodes UTF-8 and JSON escapes into UTF-16 code units. */
  private readString(chunk: Uint8Array, i: number, n: number): number {
    for (; i < n; i++) {
      const c = chunk[i]
      if (this.utf8Needed > 0) {
        if (c >= this.utf8Lower && c <= this.utf8Upper) {
          this.utf8Lower = 0x80
          this.utf8Upper = 0xbf
          this.utf8CodePoint = (this.utf8CodePoint << 6) | (c & 0x3f)
          if (--this.utf8Needed === 0) {
            const cp = this.utf8CodePoint
            const valid = cp >= this.utf8Minimum && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)
            this.pushCodePoint(valid ? cp : 0xfffd)
          }
          continue
        }
        // An ill-formed sequence: one U+FFFD for its maximal valid prefix (as TextDecoder does),
        // then this byte is looked at afresh.
        this.utf8Lower = 0x80
        this.utf8Upper = 0xbf
        this.utf8Needed = 0
        this.pushCodeUnit(0xfffd)
      }
      if (this.escapeState !== 0) {
        this.readEscape(c, this.base + i)
        continue
      }
      if (c === CH_QUOTE) {
        this.endString()
        return i + 1
      }
      if (c === CH_BACKSLASH) {
        this.escapeState = 1
      } else if (c < 0x80) {
        if (c < 0x20)
          this.unexpected(
            c,
            `an escaped control character inside ${this.stringWhere()}`,
            this.base + i,
          )
        if (this.stringLength === this.stringBuffer.length) this.pushCodeUnit(c)
        else this.stringBuffer[this.stringLength++] = c
      } else if (c >= 0xc2 && c <= 0xdf) {
        this.utf8Needed = 1
        this.utf8CodePoint = c & 0x1f
        this.utf8Minimum = 0x80
      } else if (c >= 0xe0 && c <= 0xef) {
        this.utf8Needed = 2
        this.utf8CodePoint = c & 0x0f
        this.utf8Minimum = 0x800
        // No overlong forms after E0, no surrogates after ED.
        if (c === 0xe0) this.utf8Lower = 0xa0
        if (c === 0xed) this.utf8Upper = 0x9f
      } else if (c >= 0xf0 && c <= 0xf4) {
        this.utf8Needed = 3
        this.utf8CodePoint = c & 0x07
        this.utf8Minimum = 0x10000
        // No overlong forms after F0, nothing past U+10FFFF after F4.
        if (c === 0xf0) this.utf8Lower = 0x90
        if (c === 0xf4) this.utf8Upper = 0x8f
      } else {
        this.pushCodeUnit(0xfffd)
      }
    }
    return i
  }

  private readEscape(c: number, at: number): void {
    if (this.escapeState === 1) {
      let unit = -1
      switch (c) {
        case CH_QUOTE:
        case CH_BACKSLASH:
        case 0x2f:
          unit = c
          break
        case 0x62:
          unit = 0x08
          break
        case 0x66:
          unit = 0x0c
          break
        case 0x6e:
          unit = 0x0a
          break
        case 0x72:
          unit = 0x0d
          break
        case 0x74:
          unit = 0x09
          break
        case 0x75:
          this.escapeState = 2
          this.escapeValue = 0
          return
        default:
          this.unexpected(
            c,
            `a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) in ${this.stringWhere()}`,
            at,
          )
      }
      this.escapeState = 0
      this.pushCodeUnit(unit)
      return
    }
    const digit = hexValue(c)
    if (digit < 0) this.unexpected(c, `a hex digit in a \\u escape in ${this.stringWhere()}`, at)
    this.escapeValue = this.escapeValue * 16 + digit
    if (this.escapeState === 5) {
      this.escapeState = 0
      this.pushCodeUnit(this.escapeValue)
    } else {
      this.escapeState++
    }
  }

  /** "string #N of "strings"", for error messages. */
  private stringWhere(): string {
    return `string #${this.strings.length} of "strings"`
  }

  private endString(): void {
    if (this.utf8Needed > 0) {
      this.utf8Needed = 0
      this.pushCodeUnit(0xfffd)
    }
    const length = this.stringLength
    const units = this.stringBuffer
    let text: string
    if (length < 64) {
      text = String.fromCharCode.apply(null, units.subarray(0, length) as unknown as number[])
    } else {
      text = this.decodeLong(units, length)
    }
    this.strings.push(text)
    this.separator = 2
    this.state = S_STRINGS
  }

  /**
   * Builds a long string. ASCII goes through a one-byte decode, so V8 stores it with one byte
   * per character (half the heap of a two-byte string); anything else decodes as UTF-16.
   */
  private decodeLong(units: Uint16Array, length: number): string {
    let firstNonAscii = length
    for (let position = 0; position < length; position++) {
      if (units[position] >= 0x80) {
        firstNonAscii = position
        break
      }
    }
    if (firstNonAscii < length) {
      // The UTF-16 decoder turns a lone surrogate (a \ud800 escape) into U+FFFD; JSON.parse,
      // and the short-string path above, keep it as it is.
      if (hasLoneSurrogate(units, firstNonAscii, length)) return fromCodeUnits(units, length)
      return this.utf16Decoder.decode(new Uint8Array(units.buffer, 0, length * 2))
    }
    if (this.asciiBuffer.length < length) this.asciiBuffer = new Uint8Array(units.length)
    const bytes = this.asciiBuffer
    for (let position = 0; position < length; position++) bytes[position] = units[position]
    return this.asciiDecoder.decode(bytes.subarray(0, length))
  }

  /** trace_tree: nested groups of (fields..., [children]). */
  private readTraceTree(chunk: Uint8Array, i: number, n: number): number {
    let value = this.numberValue
    let digits = this.numberDigits
    for (; i < n; i++) {
      const c = chunk[i]
      const at = this.base + i
      if (c >= CH_0 && c <= CH_9) {
        if (digits === 0) {
          if (this.separator === 2) this.unexpected(c, "',' in trace_tree", at)
          this.numberStart = at
        }
        value = value * 10 + (c - CH_0)
        digits++
        continue
      }
      if (digits > 0) {
        if (digits > 15) this.fail('too-large', 'number has more than 15 digits', this.numberStart)
        if (this.traceGroup.length === this.traceFieldCount) {
          this.fail(
            'format',
            `a trace_tree node has more than ${this.traceFieldCount} fields before its children`,
            this.numberStart,
          )
        }
        this.traceGroup.push(value)
        value = 0
        digits = 0
        this.separator = 2
      }
      if (isSpace(c)) continue
      if (c === CH_COMMA) {
        if (this.separator !== 2) this.unexpected(c, 'a value in trace_tree', at)
        this.separator = 1
      } else if (c === CH_LBRACKET) {
        if (this.separator === 2) this.unexpected(c, "',' in trace_tree", at)
        if (this.traceGroup.length !== this.traceFieldCount) {
          this.fail(
            'format',
            `a trace_tree node has ${this.traceGroup.length} fields before its children, expected ${this.traceFieldCount}`,
            at,
          )
        }
        this.addTraceNode()
        this.separator = 0
      } else if (c === CH_RBRACKET) {
        if (this.separator === 1) this.unexpected(c, "a value after ',' in trace_tree", at)
        if (this.traceGroup.length !== 0) {
          this.fail('format', 'a trace_tree node has no children array', at)
        }
        this.traceStack.length--
        this.separator = 2
        if (this.traceStack.length === 0) {
          this.numberValue = 0
          this.numberDigits = 0
          this.state = S_AFTER_VALUE
          return i + 1
        }
      } else {
        this.unexpected(c, "a digit, ',', '[' or ']' in trace_tree", at)
      }
    }
    this.numberValue = value
    this.numberDigits = digits
    return i
  }

  private addTraceNode(): void {
    const fields = (this.layout as SnapshotLayout).traceNodeFields
    const position = (name: string, fallback: number): number => {
      const found = fields.indexOf(name)
      return found === -1 ? fallback : found
    }
    const group = this.traceGroup
    const parent = this.traceStack.data[this.traceStack.length - 1]
    this.traceId.push(group[position('id', 0)] ?? 0)
    this.traceFunction.push(group[position('function_info_index', 1)] ?? 0)
    this.traceCount.push(group[position('count', 2)] ?? 0)
    this.traceSize.push(group[position('size', 3)] ?? 0)
    this.traceParent.push(parent)
    this.traceStack.push(this.traceId.length - 1)
    this.traceGroup = []
  }

  /**
   * Whether `nodes` and `edges` are complete, so structure() can be called before the rest of
   * the input (V8 writes the strings last) arrives.
   */
  get isStructureComplete(): boolean {
    // A deferring parser's arrays are the loader's until it hands them over.
    if (this.deferNumbers && !this.adopted) return false
    return (
      this.nodesSeen &&
      this.edgesSeen &&
      this.nodeFieldPosition === 0 &&
      this.edgeFieldPosition === 0 &&
      this.sectionsDone.has(SEC_NODES) &&
      this.sectionsDone.has(SEC_EDGES)
    )
  }

  /**
   * The CSR offsets (edge counts prefix-summed), checked against the edge total. Callable as soon
   * as the structure is complete; computed once.
   */
  structure(): { nodeCount: number; firstEdge: Uint32Array; edgeTarget: Uint32Array } {
    const nodeCount = this.nodeCount
    const edgeCount = this.edgeCount
    const firstEdge = this.firstEdge.subarray(0, nodeCount + 1)
    const result = { nodeCount, firstEdge, edgeTarget: this.edgeTarget.subarray(0, edgeCount) }
    if (this.structureDone) return result
    firstEdge[0] = 0
    let total = 0
    for (let node = 0; node < nodeCount; node++) {
      total += firstEdge[node + 1]
      if (total > edgeCount) break
      firstEdge[node + 1] = total
    }
    if (total !== edgeCount) {
      throw new HeapSnapshotError(
        'count',
        `the nodes' edge_count fields ${total > edgeCount ? 'exceed' : 'add up to less than'} the ${edgeCount} edges in "edges"`,
        null,
      )
    }
    this.structureDone = true
    return result
  }

  /** Validates what was read and returns it. Throws if the input ended early or disagrees. */
  finish(): ParsedSnapshot {
    if (this.deferNumbers && this.state === S_DONE && !this.adopted) {
      throw new Error('finish() before adoptDeferred(): the deferred arrays are not here yet')
    }
    const at = this.base
    if (this.state !== S_DONE) {
      if (this.state === S_START && at === 0) {
        throw new HeapSnapshotError('truncated', 'the input is empty', 0)
      }
      throw new HeapSnapshotError(
        'truncated',
        `the input ends inside ${this.state === S_START ? 'whitespace' : `"${this.currentSectionKey()}"`}; the file is truncated`,
        at,
      )
    }
    const layout = this.layout
    if (layout === null) {
      throw new HeapSnapshotError(
        'format',
        'this JSON has no "snapshot" header; it is not a V8 heap snapshot',
        null,
      )
    }
    for (const [seen, key] of [
      [this.nodesSeen, 'nodes'],
      [this.edgesSeen, 'edges'],
      [this.stringsSeen, 'strings'],
    ] as const) {
      if (!seen) throw new HeapSnapshotError('format', `the snapshot has no "${key}" section`, null)
    }
    const nodeCount = this.nodeCount
    const edgeCount = this.edgeCount
    if (nodeCount === 0) throw new HeapSnapshotError('format', 'the snapshot has no nodes', null)
    if (layout.rootIndex / layout.nodeFieldCount >= nodeCount) {
      throw new HeapSnapshotError(
        'range',
        `snapshot.root_index points past the ${nodeCount} nodes`,
        null,
      )
    }
    const { firstEdge } = this.structure()
    const strings = this.strings
    strings.trim()
    this.validateIndexes(layout, nodeCount, edgeCount, strings.length)
    const locations = this.locations.trimmed()
    const locationFields = layout.locationFields.length || 4
    const objectIndexField = Math.max(0, layout.locationFields.indexOf('object_index'))
    for (let record = 0; record < locations.length; record += locationFields) {
      const objectIndex = locations[record + objectIndexField]
      const node = objectIndex / layout.nodeFieldCount
      if (!Number.isInteger(node) || node >= nodeCount) {
        throw new HeapSnapshotError(
          'range',
          `location ${record / locationFields} points to ${objectIndex}, which is not a node`,
          null,
        )
      }
      locations[record + objectIndexField] = node
    }
    const hasTrace = this.traceSeen && this.traceId.length > 0
    return {
      layout,
      nodeCount,
      edgeCount,
      nodeType: this.nodeType.subarray(0, nodeCount),
      nodeName: this.nodeName.subarray(0, nodeCount),
      nodeId: this.nodeId.subarray(0, nodeCount),
      nodeSelfSize:
        this.adoptedSelfSize?.subarray(0, nodeCount) ??
        narrowSizes(this.nodeSelfSize.subarray(0, nodeCount)),
      nodeTraceNodeId:
        layout.nodeTraceNodeIdField === -1
          ? new Uint32Array(nodeCount)
          : this.nodeTraceNodeId.subarray(0, nodeCount),
      nodeDetachedness: this.nodeDetachedness.subarray(0, nodeCount),
      firstEdge,
      edgeType: this.edgeType.subarray(0, edgeCount),
      edgeNameOrIndex: this.edgeNameOrIndex.subarray(0, edgeCount),
      edgeTarget: this.edgeTarget.subarray(0, edgeCount),
      strings,
      locations,
      traceFunctionInfos: this.traceFunctionInfos.trimmed(),
      traceTree: hasTrace
        ? {
            id: this.traceId.trimmed(),
            functionInfo: this.traceFunction.trimmed(),
            count: this.traceCount.trimmed(),
            size: this.traceSize.trimmed(),
            parent: this.traceParent.trimmed(),
          }
        : null,
      samples: this.samples.trimmed(),
      scopes: this.scopeTable(layout, nodeCount, strings.length),
      skippedSections: this.skippedSections,
    }
  }

  /**
   * The scope sections as a table, checked against the header's fields, the nodes and the
   * strings (null without a `scopes` section or its fields).
   */
  private scopeTable(
    layout: SnapshotLayout,
    nodeCount: number,
    stringCount: number,
  ): ScopeTable | null {
    const fields = layout.scopeFields
    if (!this.scopesSeen || fields.length === 0) return null
    const field = (name: string): number => {
      const position = fields.indexOf(name)
      if (position === -1) {
        throw new HeapSnapshotError(
          'format',
          `snapshot.meta.scope_fields has no "${name}" field (found: ${fields.join(', ')})`,
          null,
        )
      }
      return position
    }
    const scriptField = field('script_node_index')
    const idField = field('scope_id')
    const depthField = field('depth')
    const varsField = field('scope_context_vars_count')
    const usesField = field('scope_uses_count')
    const varStride = layout.scopeContextVarFields.length || 1
    const nameField = Math.max(0, layout.scopeContextVarFields.indexOf('name'))
    const useStride = layout.scopeUseFields.length || 2
    const declaringField = Math.max(0, layout.scopeUseFields.indexOf('declaring_scope_id'))
    const slotField = Math.max(1, layout.scopeUseFields.indexOf('slot_index'))
    const rows = this.scopeRows.view()
    const vars = this.scopeVars.view()
    const uses = this.scopeUses.view()
    const scopeCount = rows.length / fields.length
    const variableCount = vars.length / varStride
    const useCount = uses.length / useStride
    const table: ScopeTable = {
      scriptNode: new Int32Array(scopeCount),
      scopeId: new Int32Array(scopeCount),
      depth: new Int32Array(scopeCount),
      firstVariable: new Uint32Array(scopeCount + 1),
      variableName: new Uint32Array(variableCount),
      firstUse: new Uint32Array(scopeCount + 1),
      useDeclaringScopeId: new Int32Array(useCount),
      useSlot: new Int32Array(useCount),
    }
    for (let scope = 0; scope < scopeCount; scope++) {
      const row = scope * fields.length
      const scriptIndex = rows[row + scriptField]
      const script = scriptIndex / layout.nodeFieldCount
      if (scriptIndex !== -1 && (!Number.isInteger(script) || script < 0 || script >= nodeCount)) {
        throw new HeapSnapshotError(
          'range',
          `scope ${scope} names script ${scriptIndex}, which is not a node`,
          null,
        )
      }
      table.scriptNode[scope] = scriptIndex === -1 ? -1 : script
      table.scopeId[scope] = rows[row + idField]
      table.depth[scope] = rows[row + depthField]
      const varCount = rows[row + varsField]
      const scopeUses = rows[row + usesField]
      if (varCount < 0 || scopeUses < 0) {
        throw new HeapSnapshotError('range', `scope ${scope} has a negative count`, null)
      }
      table.firstVariable[scope + 1] = table.firstVariable[scope] + varCount
      table.firstUse[scope + 1] = table.firstUse[scope] + scopeUses
    }
    if (table.firstVariable[scopeCount] !== variableCount) {
      throw new HeapSnapshotError(
        'count',
        `"scopes" counts ${table.firstVariable[scopeCount]} context variables but "scope_context_vars" holds ${variableCount}`,
        null,
      )
    }
    if (table.firstUse[scopeCount] !== useCount) {
      throw new HeapSnapshotError(
        'count',
        `"scopes" counts ${table.firstUse[scopeCount]} uses but "scope_uses" holds ${useCount}`,
        null,
      )
    }
    for (let variable = 0; variable < variableCount; variable++) {
      const name = vars[variable * varStride + nameField]
      if (name >= stringCount) {
        throw new HeapSnapshotError(
          'range',
          `scope variable ${variable} has name index ${name}, but there are only ${stringCount} strings`,
          null,
        )
      }
      table.variableName[variable] = name
    }
    for (let use = 0; use < useCount; use++) {
      table.useDeclaringScopeId[use] = uses[use * useStride + declaringField]
      table.useSlot[use] = uses[use * useStride + slotField]
    }
    return table
  }

  private currentSectionKey(): string {
    if (
      this.state === S_KEY ||
      this.state === S_COLON ||
      this.state === S_KEY_OR_END ||
      this.state === S_NEXT_KEY ||
      this.state === S_AFTER_VALUE
    ) {
      return 'the top-level object'
    }
    return this.key
  }

  private validateIndexes(
    layout: SnapshotLayout,
    nodeCount: number,
    edgeCount: number,
    stringCount: number,
  ): void {
    // Per edge type: 0 for the numbered ones (element, hidden: their name is an index), all
    // bits set for those named by a string.
    const nameMask = new Int32Array(layout.edgeTypes.length).fill(-1)
    for (const name of ['element', 'hidden']) {
      const type = layout.edgeTypes.indexOf(name)
      if (type !== -1) nameMask[type] = 0
    }
    const nodeName = this.nodeName
    const edgeType = this.edgeType
    const edgeName = this.edgeNameOrIndex
    const edgeTarget = this.edgeTarget
    const checkTargets = this.pendingTargetCheck
    // First the largest index of each kind, without a branch per value (a few times faster on
    // a big snapshot); only when one is out of range do the loops below find which.
    if (
      arrayMax(nodeName, nodeCount) < stringCount &&
      namedEdgeMax(edgeType, edgeName, edgeCount, nameMask) < stringCount &&
      (!checkTargets || arrayMax(edgeTarget, edgeCount) < nodeCount)
    ) {
      return
    }
    for (let node = 0; node < nodeCount; node++) {
      if (nodeName[node] >= stringCount) {
        throw new HeapSnapshotError(
          'range',
          `node ${node} (@${this.nodeId[node]}) has name index ${nodeName[node]}, but there are only ${stringCount} strings`,
          null,
        )
      }
    }
    for (let edge = 0; edge < edgeCount; edge++) {
      if (nameMask[edgeType[edge]] !== 0 && edgeName[edge] >= stringCount) {
        throw new HeapSnapshotError(
          'range',
          `edge ${edge} has name index ${edgeName[edge]}, but there are only ${stringCount} strings`,
          null,
        )
      }
      if (checkTargets && edgeTarget[edge] >= nodeCount) {
        throw new HeapSnapshotError(
          'range',
          `edge ${edge} points to node ${edgeTarget[edge]}, but there are only ${nodeCount} nodes`,
          null,
        )
      }
    }
  }
}

/** The largest of array[0, length) (0 when empty). */
function arrayMax(array: Uint32Array, length: number): number {
  let largest = 0
  for (let at = 0; at < length; at++) {
    const value = array[at]
    largest = value > largest ? value : largest
  }
  return largest
}

/**
 * The largest name index among edges named by a string (an edge's name masked by
 * `nameMask[its type]`: 0 for a numbered edge, else itself), 0 when there are none.
 */
function namedEdgeMax(
  edgeType: Uint8Array,
  edgeName: Uint32Array,
  edgeCount: number,
  nameMask: Int32Array,
): number {
  let largest = 0
  for (let at = 0; at < edgeCount; at++) {
    const value = (edgeName[at] & nameMask[edgeType[at]]) >>> 0
    largest = value > largest ? value : largest
  }
  return largest
}

/** Parses a whole snapshot held in memory (tests, small inputs). */
export function parseSnapshotBytes(
  bytes: Uint8Array,
  chunkSize = 1 << 20,
  limits?: Partial<ParserLimits>,
): ParsedSnapshot {
  const parser = new SnapshotParser(limits)
  for (let start = 0; start < bytes.length; start += chunkSize) {
    parser.write(bytes.subarray(start, Math.min(bytes.length, start + chunkSize)))
  }
  return parser.finish()
}
