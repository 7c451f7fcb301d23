// Bad input to the streaming snapshot parser: every class of broken file must end in a typed
// HeapSnapshotError that says what is wrong and where (byte offset), the same at every chunk
// size; never a TypeError/RangeError, a hang, or a graph that silently disagrees with the text.
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HeapSnapshotError, type HeapSnapshotErrorCode } from '../../shared/heap/errors'
import {
  parseSnapshotBytes,
  type ParsedSnapshot,
  type ParserLimits,
} from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot } from '../../shared/heap/snapshot'
import {
  SnapshotBuilder,
  corrupt,
  type RawHeapSnapshot,
  type SnapshotLayout,
} from '../helpers/snapshot-builder'

const encoder = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** A small heap with every edge kind the analyses treat specially; node 0 is the root. */
function smallHeap(layout: SnapshotLayout = 'node'): SnapshotBuilder {
  const b = new SnapshotBuilder({ layout })
  const roots = b.standardRoots('user-roots')
  const foo = b.node('object', 'Foo', { selfSize: 32 })
  const elements = b.node('array', '(object elements)', { selfSize: 80 })
  const text = b.node('string', 'hello', { selfSize: 16 })
  const closure = b.node('closure', 'leakyClosure', { selfSize: 56 })
  b.edge(roots.global, 'property', 'foo', foo)
  b.edge(roots.global, 'property', 'fn', closure)
  b.edge(foo, 'internal', 'elements', elements)
  b.edge(elements, 'element', 0, foo)
  b.edge(elements, 'element', 1, text)
  b.edge(closure, 'weak', 'target', text)
  b.edge(roots.strongRoots, 'hidden', 1, closure)
  // The 'chrome' layout writes -1 for a missing script node, which the parser rejects; see
  // the report. Give it one so that both layouts parse.
  b.location(closure, 3, 10, 4, layout === 'chrome' ? closure : undefined)
  return b
}

const SMALL = smallHeap()
const SMALL_TEXT = SMALL.toText()
const SMALL_RAW = SMALL.toObject()
const NODE_FIELD_COUNT = SMALL_RAW.snapshot.meta.node_fields.length
/** Byte offset of the `snapshot` header's '{' (what header errors point at). */
const HEADER_OFFSET = '{"snapshot":'.length

function bytesOf(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? encoder.encode(input) : input
}

/** Parses `input` in chunks of `chunkSize`; returns the HeapSnapshotError or fails the test. */
function parseError(
  input: string | Uint8Array,
  chunkSize = 1 << 20,
  limits?: Partial<ParserLimits>,
): HeapSnapshotError {
  try {
    parseSnapshotBytes(bytesOf(input), chunkSize, limits)
  } catch (error) {
    if (error instanceof HeapSnapshotError) return error
    throw new Error(`expected a HeapSnapshotError, got ${String(error)}`, { cause: error })
  }
  throw new Error('expected a HeapSnapshotError, but the input parsed')
}

interface ExpectedError {
  code: HeapSnapshotErrorCode
  /** An exact offset, an inclusive range, or null when the position is not knowable. */
  offset: number | readonly [number, number] | null
  /** Patterns the message must match (what is wrong, which section). */
  message: readonly RegExp[]
  limits?: Partial<ParserLimits>
}

/**
 * Checks the error `input` gives, and that chunking does not change it: the same code, offset
 * and message at 1-, 3- and 7-byte chunks as in one chunk.
 */
function expectRejected(input: string | Uint8Array, expected: ExpectedError): HeapSnapshotError {
  const error = parseError(input, 1 << 20, expected.limits)
  expect(error.code).toBe(expected.code)
  if (expected.offset === null) {
    expect(error.offset).toBeNull()
  } else if (typeof expected.offset === 'number') {
    expect(error.offset).toBe(expected.offset)
    expect(error.message).toMatch(new RegExp(`\\(at byte ${expected.offset}\\)$`))
  } else {
    expect(error.offset).toBeGreaterThanOrEqual(expected.offset[0])
    expect(error.offset).toBeLessThanOrEqual(expected.offset[1])
  }
  for (const pattern of expected.message) expect(error.message).toMatch(pattern)
  for (const chunkSize of [1, 3, 7]) {
    const chunked = parseError(input, chunkSize, expected.limits)
    expect({ code: chunked.code, offset: chunked.offset, message: chunked.message }).toEqual({
      code: error.code,
      offset: error.offset,
      message: error.message,
    })
  }
  return error
}

/** Offsets of the '[' and ']' of a top-level array in builder text (no ']' inside strings). */
function sectionRange(text: string, key: string): [number, number] {
  const open = text.indexOf(`"${key}":[`) + key.length + 3
  expect(text[open]).toBe('[')
  const close = key === 'strings' ? text.lastIndexOf(']') : text.indexOf(']', open)
  return [open, close]
}

/** The builder text with `key`'s array replaced by `values` (other sections untouched). */
function withSection(raw: RawHeapSnapshot, key: 'nodes' | 'edges', values: number[]): string {
  return JSON.stringify({ ...raw, [key]: values })
}

/** The small snapshot with its `snapshot` header replaced. */
function withHeader(header: unknown): string {
  const { snapshot: _snapshot, ...rest } = SMALL_RAW
  return JSON.stringify({ snapshot: header, ...rest })
}

/**
 * Checks a successful parse against JSON.parse of the same text: whatever the parser accepts
 * must be exactly what the text says (no silent truncation, wrap-around or misalignment).
 */
function expectFaithful(parsed: ParsedSnapshot, bytes: Uint8Array): void {
  const { nodeCount, edgeCount, firstEdge, edgeTarget, nodeName, strings } = parsed
  // Internal consistency, whatever the text.
  expect(firstEdge[0]).toBe(0)
  expect(firstEdge[nodeCount]).toBe(edgeCount)
  for (let node = 0; node < nodeCount; node++) {
    if (firstEdge[node + 1] < firstEdge[node]) expect.fail(`firstEdge decreases at node ${node}`)
    if (nodeName[node] >= strings.length) expect.fail(`node ${node} names a missing string`)
  }
  for (let edge = 0; edge < edgeCount; edge++) {
    if (edgeTarget[edge] >= nodeCount) expect.fail(`edge ${edge} points past the nodes`)
  }
  let text: string
  let raw: RawHeapSnapshot
  try {
    text = strictUtf8.decode(bytes)
    raw = JSON.parse(text) as RawHeapSnapshot
  } catch {
    return // Not strict JSON (e.g. a leading zero): only the invariants above apply.
  }
  const meta = raw.snapshot.meta
  const nodeFields = meta.node_fields
  const edgeFields = meta.edge_fields
  expect(nodeCount).toBe(raw.nodes.length / nodeFields.length)
  expect(edgeCount).toBe(raw.edges.length / edgeFields.length)
  const nodeField = (node: number, name: string): number =>
    raw.nodes[node * nodeFields.length + nodeFields.indexOf(name)]
  const edgeField = (edge: number, name: string): number =>
    raw.edges[edge * edgeFields.length + edgeFields.indexOf(name)]
  let expectedFirstEdge = 0
  for (let node = 0; node < nodeCount; node++) {
    expect(parsed.nodeType[node]).toBe(nodeField(node, 'type'))
    expect(parsed.nodeName[node]).toBe(nodeField(node, 'name'))
    expect(parsed.nodeId[node]).toBe(nodeField(node, 'id'))
    expect(parsed.nodeSelfSize[node]).toBe(nodeField(node, 'self_size'))
    expect(firstEdge[node]).toBe(expectedFirstEdge)
    expectedFirstEdge += nodeField(node, 'edge_count')
  }
  for (let edge = 0; edge < edgeCount; edge++) {
    expect(parsed.edgeType[edge]).toBe(edgeField(edge, 'type'))
    expect(parsed.edgeNameOrIndex[edge]).toBe(edgeField(edge, 'name_or_index'))
    expect(parsed.edgeTarget[edge] * nodeFields.length).toBe(edgeField(edge, 'to_node'))
  }
  expect(strings).toEqual(raw.strings)
}

describe('snapshot-parser', () => {
  it('parses the small snapshot used below, so every rejection is caused by the damage', () => {
    for (const layout of ['node', 'chrome'] as const) {
      const bytes = smallHeap(layout).toBytes()
      const parsed = parseSnapshotBytes(bytes)
      expectFaithful(parsed, bytes)
      expect(() => initializeSnapshot(parsed)).not.toThrow()
    }
  })

  describe('input that is not a heap snapshot', () => {
    it('reports empty input as truncated at byte 0', () => {
      expectRejected('', { code: 'truncated', offset: 0, message: [/empty/] })
    })

    it('reports whitespace-only input as truncated at its end', () => {
      expectRejected(' \n\t\r ', { code: 'truncated', offset: 5, message: [/truncated/] })
    })

    it('rejects plain text at byte 0, naming the byte it found', () => {
      expectRejected('hello', { code: 'syntax', offset: 0, message: [/'\{'/, /found 'h'/] })
    })

    it('rejects a PNG header at byte 0, naming the non-printable byte', () => {
      const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      expectRejected(png, { code: 'syntax', offset: 0, message: [/heap ?snapshot/, /0x89/] })
    })

    it('tells gzip bytes given to the raw parser to be decompressed first', () => {
      const gzip = new Uint8Array(gzipSync(encoder.encode(SMALL_TEXT)))
      expectRejected(gzip, { code: 'format', offset: 0, message: [/gzip/, /decompress/] })
    })

    it('skips a UTF-8 byte order mark at byte 0, whatever the chunk size', () => {
      const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(SMALL_TEXT)])
      const plain = parseSnapshotBytes(encoder.encode(SMALL_TEXT))
      for (const chunkSize of [1, 2, 1 << 20]) {
        const parsed = parseSnapshotBytes(bom, chunkSize)
        expect(parsed.strings).toEqual(plain.strings)
        expect(Array.from(parsed.edgeTarget)).toEqual(Array.from(plain.edgeTarget))
      }
    })

    it('rejects a cut-off byte order mark', () => {
      const broken = new Uint8Array([0xef, 0xbb, ...encoder.encode(SMALL_TEXT)])
      expectRejected(broken, { code: 'syntax', offset: 2, message: [/byte-order mark/] })
    })

    it('rejects a JSON object without a snapshot header', () => {
      expectRejected('{"a":1}', { code: 'format', offset: null, message: [/"snapshot" header/] })
    })

    it('rejects an empty JSON object', () => {
      expectRejected('{}', { code: 'format', offset: null, message: [/"snapshot" header/] })
    })

    it('rejects a JSON array at byte 0', () => {
      expectRejected('[]', { code: 'syntax', offset: 0, message: [/found '\['/] })
    })

    it('rejects a header without meta at the header', () => {
      expectRejected('{"snapshot":{}}', {
        code: 'format',
        offset: HEADER_OFFSET,
        message: [/"snapshot" header has no "meta"/],
      })
    })

    it('rejects a header that is not an object at the header', () => {
      expectRejected('{"snapshot":[1,2]}', {
        code: 'syntax',
        offset: HEADER_OFFSET,
        message: [/"snapshot" header/],
      })
    })

    it('rejects a header that is not valid JSON, pointing at the bad word', () => {
      const text = SMALL_TEXT.replace('"node_count"', 'node_count')
      expectRejected(text, {
        code: 'syntax',
        offset: text.indexOf('node_count'),
        message: [/expected a JSON value in "snapshot", found "node_count"/],
      })
    })

    it('rejects a header whose JSON is malformed beyond what the skipper checks', () => {
      const text = SMALL_TEXT.replace('"node_count":', '"node_count"')
      expectRejected(text, {
        code: 'syntax',
        offset: HEADER_OFFSET,
        message: [/"snapshot" header is not valid JSON/],
      })
    })
  })

  describe('truncated input', () => {
    it('reports every prefix of a valid snapshot as truncated at or before the cut', () => {
      const bytes = SMALL.toBytes()
      for (let cut = 0; cut < bytes.length; cut++) {
        for (const chunkSize of [1 << 20, 1, 7]) {
          const error = parseError(bytes.subarray(0, cut), chunkSize)
          if (error.code !== 'truncated' && error.code !== 'syntax') {
            expect.fail(`cut at ${cut}, chunks of ${chunkSize}: ${error.code}: ${error.message}`)
          }
          if (error.offset === null || error.offset > cut) {
            expect.fail(`cut at ${cut}: offset ${error.offset} (${error.message})`)
          }
        }
      }
    })

    it('names the section a truncated file ends in', () => {
      const [nodesOpen] = sectionRange(SMALL_TEXT, 'nodes')
      const [stringsOpen] = sectionRange(SMALL_TEXT, 'strings')
      for (const [cut, section] of [
        [nodesOpen + 5, 'nodes'],
        [sectionRange(SMALL_TEXT, 'edges')[0] + 5, 'edges'],
        [stringsOpen + 3, 'strings'],
        [HEADER_OFFSET + 10, 'snapshot'],
      ] as const) {
        expectRejected(SMALL_TEXT.slice(0, cut), {
          code: 'truncated',
          offset: cut,
          message: [new RegExp(`"${section}"`), /truncated/],
        })
      }
    })

    it('reports random cuts of a larger snapshot in random chunks as truncated', () => {
      const b = new SnapshotBuilder()
      const roots = b.standardRoots('user-roots')
      for (let item = 0; item < 200; item++) {
        const node = b.node('object', `Item ${item} \u00e9\u6f22\u{1f600}`, { selfSize: item })
        b.edge(roots.global, 'property', `p${item}`, node)
      }
      // JSON.stringify keeps non-ASCII raw, so cuts also fall inside UTF-8 sequences.
      const bytes = encoder.encode(JSON.stringify(b.toObject()))
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: bytes.length - 1 }),
          fc.integer({ min: 1, max: 64 }),
          (cut, chunkSize) => {
            const error = parseError(bytes.subarray(0, cut), chunkSize)
            expect(error.code).toBe('truncated')
            expect(error.offset).toBe(cut)
          },
        ),
        { numRuns: 300 },
      )
    })
  })

  describe('counts that disagree with the data', () => {
    const [nodesOpen, nodesClose] = sectionRange(SMALL_TEXT, 'nodes')
    const [edgesOpen, edgesClose] = sectionRange(SMALL_TEXT, 'edges')

    it('rejects a node_count larger than the nodes at the end of "nodes"', () => {
      expectRejected(corrupt(SMALL, { kind: 'node-count', value: SMALL.nodeCount + 1 }), {
        code: 'count',
        offset: nodesClose,
        message: [/declares \d+ nodes/, /"nodes" holds \d+/],
      })
    })

    it('rejects a node_count smaller than the nodes at the first extra node', () => {
      expectRejected(corrupt(SMALL, { kind: 'node-count', value: SMALL.nodeCount - 1 }), {
        code: 'count',
        offset: [nodesOpen, nodesClose],
        message: [/"nodes" holds more than the \d+ nodes/],
      })
    })

    it('rejects an edge_count larger than the edges at the end of "edges"', () => {
      expectRejected(corrupt(SMALL, { kind: 'edge-count', value: SMALL.edgeCount + 1 }), {
        code: 'count',
        offset: edgesClose,
        message: [/declares \d+ edges/, /"edges" holds \d+/],
      })
    })

    it('rejects an edge_count smaller than the edges at the first extra edge', () => {
      expectRejected(corrupt(SMALL, { kind: 'edge-count', value: SMALL.edgeCount - 1 }), {
        code: 'count',
        offset: [edgesOpen, edgesClose],
        message: [/"edges" holds more than the \d+ edges/],
      })
    })

    it('rejects nodes whose length is not a multiple of the node fields', () => {
      for (const count of [1, NODE_FIELD_COUNT - 1]) {
        const text = corrupt(SMALL, { kind: 'ragged-nodes', count })
        expectRejected(text, {
          code: 'count',
          offset: sectionRange(text, 'nodes')[1],
          message: [/"nodes"/, new RegExp(`multiple of ${NODE_FIELD_COUNT} fields`)],
        })
      }
    })

    it('rejects edges whose length is not a multiple of the edge fields', () => {
      const text = withSection(SMALL_RAW, 'edges', SMALL_RAW.edges.slice(0, -1))
      expectRejected(text, {
        code: 'count',
        offset: text.indexOf(']', text.indexOf('"edges":[')),
        message: [/"edges"/, /multiple of 3 fields/],
      })
    })

    it('rejects node edge_count fields that add up to more edges than "edges" holds', () => {
      expectRejected(corrupt(SMALL, { kind: 'edge-count-sum-mismatch' }), {
        code: 'count',
        offset: null,
        message: [/edge_count/, /exceed/, /"edges"/],
      })
    })

    it('rejects node edge_count fields that add up to fewer edges than "edges" holds', () => {
      expectRejected(corrupt(SMALL, { kind: 'edge-count-sum-mismatch', node: 0, extra: -1 }), {
        code: 'count',
        offset: null,
        message: [/edge_count/, /less than/, /"edges"/],
      })
    })

    it('rejects "samples" and "locations" that end inside a record', () => {
      const samples = SMALL_TEXT.replace('"samples":[]', '"samples":[1,2,3]')
      expectRejected(samples, {
        code: 'count',
        offset: samples.indexOf('"samples":[1,2,3]') + '"samples":[1,2,3'.length,
        message: [/"samples"/],
      })
      const locations = JSON.stringify({ ...SMALL_RAW, locations: [0, 1, 2] })
      expectRejected(locations, {
        code: 'count',
        offset: locations.indexOf('"locations":[0,1,2]') + '"locations":[0,1,2'.length,
        message: [/"locations"/],
      })
    })

    it('rejects a header count above maxElementCount before allocating for it', () => {
      expectRejected(SMALL_TEXT, {
        code: 'too-large',
        offset: HEADER_OFFSET,
        message: [/declares \d+ nodes/],
        limits: { maxElementCount: 4 },
      })
    })

    it('enforces maxElementCount when the header declares no counts', () => {
      const text = SMALL_TEXT.replace(/"node_count":\d+,"edge_count":\d+,/, '')
      expect(parseError(text, 1 << 20, { maxElementCount: 4 }).code).toBe('too-large')
    })
  })

  describe('values that point outside their tables', () => {
    const [nodesOpen, nodesClose] = sectionRange(SMALL_TEXT, 'nodes')
    const [edgesOpen, edgesClose] = sectionRange(SMALL_TEXT, 'edges')

    it('rejects an edge target past the last node at that edge', () => {
      expectRejected(corrupt(SMALL, { kind: 'edge-target-out-of-range' }), {
        code: 'range',
        offset: [edgesOpen, edgesClose],
        message: [/edge \d+ points to node \d+/, /only \d+ nodes/],
      })
    })

    it('rejects an edge target inside a node row at that edge', () => {
      expectRejected(corrupt(SMALL, { kind: 'edge-target-misaligned' }), {
        code: 'range',
        offset: [edgesOpen, edgesClose],
        message: [/edge \d+ points to \d+/, new RegExp(`multiple of the ${NODE_FIELD_COUNT} node`)],
      })
    })

    it('rejects an edge target past the last node when "edges" comes before "nodes"', () => {
      const raw = SMALL.toObject()
      raw.edges[raw.edges.length - 1] = raw.nodes.length
      const { snapshot, nodes, edges, strings } = raw
      const text = JSON.stringify({ snapshot, edges, nodes, strings })
      const error = expectRejected(text, {
        code: 'range',
        offset: null,
        message: [/edge \d+ points to node \d+/, /only \d+ nodes/],
      })
      expect(error.message).toContain(`points to node ${raw.nodes.length / NODE_FIELD_COUNT}`)
    })

    it('rejects an edge type beyond meta.edge_types at that value', () => {
      const raw = SMALL.toObject()
      raw.edges[0] = 7
      const text = withSection(raw, 'edges', raw.edges)
      expectRejected(text, {
        code: 'range',
        offset: text.indexOf('"edges":[') + '"edges":['.length,
        message: [/edge 0 has type 7/, /7 edge types/],
      })
    })

    it('rejects a node type beyond meta.node_types at that value', () => {
      expectRejected(corrupt(SMALL, { kind: 'unknown-node-type' }), {
        code: 'range',
        offset: [nodesOpen, nodesClose],
        message: [new RegExp(`node ${SMALL.nodeCount - 1} has type 16`), /node types/],
      })
    })

    it('rejects a node name index beyond the string table, naming the node', () => {
      const lastId = SMALL_RAW.nodes[(SMALL.nodeCount - 1) * NODE_FIELD_COUNT + 2]
      // Checked once "strings" is known (it comes after "nodes"), so no offset.
      expectRejected(corrupt(SMALL, { kind: 'name-out-of-range' }), {
        code: 'range',
        offset: null,
        message: [new RegExp(`node ${SMALL.nodeCount - 1} \\(@${lastId}\\)`), /strings/],
      })
    })

    it('rejects a property edge name index beyond the string table', () => {
      const raw = SMALL.toObject()
      // The first edge of node 1 ((GC roots)) is an element edge; find a property edge.
      const propertyType = raw.snapshot.meta.edge_types[0].indexOf('property')
      const edge = raw.edges.findIndex((value, slot) => slot % 3 === 0 && value === propertyType)
      raw.edges[edge + 1] = raw.strings.length
      expectRejected(withSection(raw, 'edges', raw.edges), {
        code: 'range',
        offset: null,
        message: [new RegExp(`edge ${edge / 3} has name index`), /strings/],
      })
    })

    it('rejects a string-named edge whose name index is 2^31 or more, naming that edge', () => {
      const raw = SMALL.toObject()
      const propertyType = raw.snapshot.meta.edge_types[0].indexOf('property')
      const edges = raw.edges.flatMap((value, slot) =>
        slot % 3 === 0 && value === propertyType ? [slot] : [],
      )
      const edge = edges[edges.length - 1]
      // Over 2^31: a signed comparison would see it as negative, so below the string count.
      raw.edges[edge + 1] = 0xfffffff0
      expectRejected(withSection(raw, 'edges', raw.edges), {
        code: 'range',
        offset: null,
        message: [new RegExp(`edge ${edge / 3} has name index ${0xfffffff0}`), /strings/],
      })
    })

    it('accepts element and hidden edges whose index is past the string table', () => {
      const raw = SMALL.toObject()
      const [types] = raw.snapshot.meta.edge_types
      const numbered = [types.indexOf('element'), types.indexOf('hidden')]
      let changed = 0
      for (let slot = 0; slot < raw.edges.length; slot += 3) {
        if (!numbered.includes(raw.edges[slot])) continue
        raw.edges[slot + 1] = raw.strings.length + 1_000_000 + slot
        changed++
      }
      expect(changed).toBeGreaterThan(1)
      const parsed = parseSnapshotBytes(Buffer.from(withSection(raw, 'edges', raw.edges)))
      expect(parsed.edgeNameOrIndex.some((index) => index > raw.strings.length + 1_000_000)).toBe(
        true,
      )
    })

    it('rejects a root_index past the last node', () => {
      expectRejected(withHeader({ ...SMALL_RAW.snapshot, root_index: 70 * NODE_FIELD_COUNT }), {
        code: 'range',
        offset: null,
        message: [/root_index/],
      })
    })

    it('rejects a location whose object_index is not a node', () => {
      expectRejected(JSON.stringify({ ...SMALL_RAW, locations: [3, 1, 2, 3] }), {
        code: 'range',
        offset: null,
        message: [/location 0 points to 3/],
      })
    })

    it('rejects a detachedness above 2 at that value', () => {
      const raw = SMALL.toObject()
      raw.nodes[NODE_FIELD_COUNT - 1] = 4
      const text = withSection(raw, 'nodes', raw.nodes)
      const before = `"nodes":[${raw.nodes.slice(0, NODE_FIELD_COUNT - 1).join(',')},`
      expectRejected(text, {
        code: 'range',
        offset: text.indexOf(before) + before.length,
        message: [/node 0 has detachedness 4/],
      })
    })

    it('rejects a detachedness of 3', () => {
      const raw = SMALL.toObject()
      raw.nodes[NODE_FIELD_COUNT - 1] = 3
      expect(parseError(withSection(raw, 'nodes', raw.nodes)).code).toBe('range')
    })

    it('never stores a node type index other than the one in the file', () => {
      const raw = SMALL.toObject()
      const types = raw.snapshot.meta.node_types[0]
      while (types.length < 300) types.push(`extra type ${types.length}`)
      const last = (SMALL.nodeCount - 1) * NODE_FIELD_COUNT
      raw.nodes[last] = 259
      let parsed: ParsedSnapshot | null = null
      try {
        parsed = parseSnapshotBytes(encoder.encode(JSON.stringify(raw)))
      } catch (error) {
        expect(error).toBeInstanceOf(HeapSnapshotError) // rejecting the layout is fine too
      }
      if (parsed) expect(parsed.nodeType[SMALL.nodeCount - 1]).toBe(259)
    })
  })

  describe('headers whose field lists lack what the engine needs', () => {
    for (const field of ['node_fields', 'edge_fields']) {
      it(`rejects a meta without ${field} at the header`, () => {
        expectRejected(corrupt(SMALL, { kind: 'drop-meta-field', field }), {
          code: 'format',
          offset: HEADER_OFFSET,
          message: [new RegExp(`snapshot\\.meta\\.${field} is not a list`)],
        })
      })
    }

    for (const field of ['node_types', 'edge_types']) {
      it(`rejects a meta without ${field} at the header`, () => {
        expectRejected(corrupt(SMALL, { kind: 'drop-meta-field', field }), {
          code: 'format',
          offset: HEADER_OFFSET,
          message: [new RegExp(`snapshot\\.meta\\.${field}\\[0\\]`)],
        })
      })
    }

    for (const [list, field] of [
      ['node_fields', 'type'],
      ['node_fields', 'name'],
      ['node_fields', 'id'],
      ['node_fields', 'self_size'],
      ['node_fields', 'edge_count'],
      ['edge_fields', 'type'],
      ['edge_fields', 'name_or_index'],
      ['edge_fields', 'to_node'],
    ] as const) {
      it(`rejects ${list} without "${field}", listing the fields it found`, () => {
        const raw = SMALL.toObject()
        const fields = raw.snapshot.meta[list]
        fields[fields.indexOf(field)] = `not_${field}`
        expectRejected(JSON.stringify(raw), {
          code: 'format',
          offset: HEADER_OFFSET,
          message: [new RegExp(`snapshot\\.meta\\.${list} has no "${field}"`), /found: .*not_/],
        })
      })
    }

    it('rejects a node_count that is not a non-negative integer', () => {
      for (const value of [-1, 1.5, '9']) {
        expectRejected(withHeader({ ...SMALL_RAW.snapshot, node_count: value }), {
          code: 'format',
          offset: HEADER_OFFSET,
          message: [/snapshot\.node_count/],
        })
      }
    })

    it('rejects "nodes" before the header that describes it', () => {
      expectRejected('{"nodes":[0],"snapshot":{}}', {
        code: 'format',
        offset: '{"nodes":'.length,
        message: [/"nodes" comes before the "snapshot" header/],
      })
    })

    for (const section of ['nodes', 'edges', 'strings'] as const) {
      it(`rejects a snapshot without "${section}"`, () => {
        expectRejected(corrupt(SMALL, { kind: 'drop-section', section }), {
          code: 'format',
          offset: null,
          message: [new RegExp(`no "${section}" section`)],
        })
      })
    }

    it('rejects a snapshot whose "nodes" is empty', () => {
      const raw = SMALL.toObject()
      const { node_count: _nodes, edge_count: _edges, ...header } = raw.snapshot
      const text = JSON.stringify({ ...raw, snapshot: header, nodes: [], edges: [] })
      expectRejected(text, { code: 'format', offset: null, message: [/no nodes/] })
    })
  })

  describe('malformed strings', () => {
    /** The small snapshot with the name "Foo" written as `body` (raw JSON string content). */
    function withFooAs(body: string): { text: string; at: number } {
      const at = SMALL_TEXT.indexOf('"Foo"') + 1
      return { text: SMALL_TEXT.replace('"Foo"', `"${body}"`), at }
    }

    it('rejects an unknown escape such as \\x at the escaped character', () => {
      const { text, at } = withFooAs('F\\x41')
      expectRejected(text, { code: 'syntax', offset: at + 2, message: [/valid escape/, /'x'/] })
    })

    it('rejects a \\u escape with a non-hex digit at that digit', () => {
      const { text, at } = withFooAs('F\\u12G4')
      expectRejected(text, { code: 'syntax', offset: at + 5, message: [/hex digit/, /'G'/] })
    })

    it('rejects a \\u escape cut short by the closing quote', () => {
      const { text, at } = withFooAs('F\\u12')
      expectRejected(text, { code: 'syntax', offset: at + 5, message: [/hex digit/] })
    })

    it('rejects raw control characters inside a string at that byte', () => {
      for (const control of ['\u0000', '\u0001', '\n', '\t', '\u001f']) {
        const { text, at } = withFooAs(`F${control}oo`)
        expectRejected(text, {
          code: 'syntax',
          offset: at + 1,
          message: [/escaped control character/, /0x[01][0-9a-f]/],
        })
      }
    })

    // Unclear message: string-level syntax errors say what is wrong and where, but not that
    // the bad string is in "strings" (or which string), unlike the number sections' messages.
    it('names the "strings" section in string escape errors', () => {
      expect(parseError(withFooAs('F\\x41').text).message).toMatch(/strings/)
    })

    it('rejects a number, a nested array or a bare word among the strings', () => {
      for (const item of ['1', '[]', 'null']) {
        const text = SMALL_TEXT.replace('"strings":[', `"strings":[${item},`)
        expectRejected(text, {
          code: 'syntax',
          offset: text.indexOf('"strings":[') + '"strings":['.length,
          message: [/"strings"/],
        })
      }
    })

    it('rejects a string longer than limits.maxStringLength at its opening quote', () => {
      const { text, at } = withFooAs('F'.repeat(2000))
      expectRejected(text, {
        code: 'too-large',
        offset: at - 1,
        message: [/string is longer than 1500 characters/],
        limits: { maxStringLength: 1500 },
      })
    })

    it('counts \\u escapes as one character each against maxStringLength', () => {
      const { text, at } = withFooAs('\\u0046'.repeat(1500))
      expectRejected(text, {
        code: 'too-large',
        offset: at - 1,
        message: [/longer than 1200 characters/],
        limits: { maxStringLength: 1200 },
      })
      expect(() =>
        parseSnapshotBytes(encoder.encode(text), 7, { maxStringLength: 1500 }),
      ).not.toThrow()
    })

    it('rejects a short string over a tiny maxStringLength', () => {
      expect(parseError(SMALL_TEXT, 1 << 20, { maxStringLength: 2 }).code).toBe('too-large')
    })
  })

  describe('malformed numbers and structure', () => {
    const nodesStart = SMALL_TEXT.indexOf('"nodes":[') + '"nodes":['.length
    const edgesStart = SMALL_TEXT.indexOf('"edges":[') + '"edges":['.length

    it('rejects a minus sign in "nodes" or "edges" at the sign', () => {
      expectRejected(SMALL_TEXT.replace('"nodes":[', '"nodes":[-'), {
        code: 'syntax',
        offset: nodesStart,
        message: [/non-negative integer in "nodes"/],
      })
      expectRejected(SMALL_TEXT.replace('"edges":[', '"edges":[-'), {
        code: 'syntax',
        offset: edgesStart,
        message: [/non-negative integer in "edges"/],
      })
    })

    it('rejects fractions, exponents and other non-digits in "nodes"', () => {
      for (const tail of ['.5', 'e3', 'x', '"']) {
        const text = SMALL_TEXT.replace('"nodes":[9', `"nodes":[9${tail}`)
        expectRejected(text, { code: 'syntax', offset: nodesStart + 1, message: [/"nodes"/] })
      }
    })

    it('rejects numbers of more than 15 digits at their first digit', () => {
      const text = SMALL_TEXT.replace('"nodes":[9', '"nodes":[1234567890123456')
      expectRejected(text, {
        code: 'too-large',
        offset: nodesStart,
        message: [/more than 15 digits/],
      })
    })

    it('rejects missing and doubled commas in number arrays', () => {
      const missing = SMALL_TEXT.replace('"nodes":[9,', '"nodes":[9 9,')
      expectRejected(missing, { code: 'syntax', offset: nodesStart + 2, message: [/','/] })
      const doubled = SMALL_TEXT.replace('"nodes":[9,', '"nodes":[9,,')
      expectRejected(doubled, { code: 'syntax', offset: nodesStart + 2, message: [/number/] })
      const trailing = SMALL_TEXT.replace(/\]\s*,\s*"edges"/, ',],"edges"')
      expectRejected(trailing, {
        code: 'syntax',
        offset: trailing.indexOf(',],"edges"') + 1,
        message: [/number after ','/],
      })
    })

    it('rejects a duplicate top-level key just after its colon', () => {
      const text = SMALL_TEXT.slice(0, -1) + ',"nodes":[]}'
      expectRejected(text, {
        code: 'format',
        offset: text.length - 3,
        message: [/"nodes" appears twice/],
      })
      const header = SMALL_TEXT.slice(0, -1) + ',"snapshot":{}}'
      expectRejected(header, {
        code: 'format',
        offset: header.length - 3,
        message: [/"snapshot" appears twice/],
      })
    })

    it('rejects trailing garbage after the final } at its first byte', () => {
      for (const tail of ['garbage', '}', ',', '{}', '\n\u0000']) {
        const text = SMALL_TEXT + tail
        expectRejected(text, {
          code: 'syntax',
          offset: SMALL_TEXT.length + tail.search(/\S/),
          message: [/nothing after the final '\}'/],
        })
      }
    })

    it('accepts trailing whitespace after the final }', () => {
      expect(parseSnapshotBytes(encoder.encode(SMALL_TEXT + ' \n\r\t')).nodeCount).toBe(
        SMALL.nodeCount,
      )
    })

    it('rejects a missing colon, comma or key at the top level', () => {
      const colon = SMALL_TEXT.replace('"nodes":[', '"nodes" [')
      expectRejected(colon, {
        code: 'syntax',
        offset: colon.indexOf('"nodes" [') + 8,
        message: [/':' after "nodes"/],
      })
      const beforeEdges = SMALL_TEXT.search(/,\s*"edges"/)
      const comma = SMALL_TEXT.replace(/,\s*"edges"/, ' "edges"')
      expectRejected(comma, {
        code: 'syntax',
        offset: beforeEdges + 1,
        message: [/',' or '\}'/],
      })
      const key = SMALL_TEXT.replace(/,\s*"edges":\[/, ',[')
      expectRejected(key, { code: 'syntax', offset: beforeEdges + 1, message: [/a key/] })
    })

    it('rejects an unknown section whose value has no value', () => {
      const text = SMALL_TEXT.slice(0, -1) + ',"future":}'
      expectRejected(text, { code: 'syntax', offset: text.length - 1, message: [/a value/] })
    })

    // Leniency: unknown sections are skipped by counting brackets, so a bare word (not JSON)
    // as their value is accepted silently.
    it('rejects a bare word as the value of an unknown section', () => {
      const text = SMALL_TEXT.replace('"nodes":', '"future":hello,"nodes":')
      expect(parseError(text).code).toBe('syntax')
    })

    // Leniency: the skipper counts '[' and '{' together, so `[1}` closes as if it were `[1]`.
    it('rejects mismatched brackets in an unknown section', () => {
      const text = SMALL_TEXT.replace('"nodes":', '"future":[1},"nodes":')
      expect(parseError(text).code).toBe('syntax')
    })

    it('rejects a trace_tree node without its children array', () => {
      const text = SMALL_TEXT.replace('"trace_tree":[]', '"trace_tree":[1,2,3]')
      expectRejected(text, {
        code: 'format',
        offset: text.indexOf('"trace_tree":[1,2,3]') + '"trace_tree":[1,2,3'.length,
        message: [/trace_tree node has no children/],
      })
    })
  })

  describe('random damage', () => {
    /** Parses `bytes`; on success the graph must be faithful and initializeSnapshot must work. */
    function parseDamaged(bytes: Uint8Array, chunkSize: number): string {
      let parsed: ParsedSnapshot
      try {
        parsed = parseSnapshotBytes(bytes, chunkSize)
      } catch (error) {
        if (error instanceof HeapSnapshotError) return error.code
        throw error
      }
      expectFaithful(parsed, bytes)
      initializeSnapshot(parsed)
      return 'parsed'
    }

    const flip = fc.record({
      position: fc.nat(),
      value: fc.oneof(
        fc.integer({ min: 0, max: 7 }).map((bit) => ({ xor: 1 << bit })),
        fc.integer({ min: 0, max: 255 }).map((byte) => ({ set: byte })),
      ),
    })

    it('either parses into a faithful graph or throws a HeapSnapshotError after byte flips', () => {
      const sources = [smallHeap('node').toBytes(), smallHeap('chrome').toBytes()]
      const outcomes = new Set<string>()
      const started = performance.now()
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: sources.length - 1 }),
          fc.array(flip, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 1, max: 97 }),
          (source, flips, chunkSize) => {
            const bytes = sources[source].slice()
            for (const { position, value } of flips) {
              const at = position % bytes.length
              bytes[at] = 'xor' in value ? bytes[at] ^ value.xor : value.set
            }
            outcomes.add(parseDamaged(bytes, chunkSize))
          },
        ),
        { numRuns: 3000 },
      )
      expect(performance.now() - started).toBeLessThan(20_000)
      // The damage is varied enough to reach both outcomes.
      expect(outcomes).toContain('parsed')
      expect(outcomes).toContain('syntax')
    })

    it('either parses into a faithful graph or throws a HeapSnapshotError after digit edits', () => {
      // Changing digits of the number sections keeps the JSON valid, so this reaches the
      // semantic checks (counts, ranges) and the analyses far more often than byte flips.
      const texts = [smallHeap('node').toText(), smallHeap('chrome').toText()]
      const digitPositions = texts.map((text) => {
        const from = text.indexOf('"nodes":')
        const to = text.indexOf('"strings":')
        const positions: number[] = []
        for (let at = from; at < to; at++) if (/\d/.test(text[at])) positions.push(at)
        return positions
      })
      const outcomes = new Set<string>()
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: texts.length - 1 }),
          fc.array(fc.record({ slot: fc.nat(), digit: fc.integer({ min: 0, max: 9 }) }), {
            minLength: 1,
            maxLength: 3,
          }),
          fc.integer({ min: 1, max: 97 }),
          (source, edits, chunkSize) => {
            const chars = texts[source].split('')
            const positions = digitPositions[source]
            for (const { slot, digit } of edits)
              chars[positions[slot % positions.length]] = `${digit}`
            outcomes.add(parseDamaged(encoder.encode(chars.join('')), chunkSize))
          },
        ),
        { numRuns: 3000 },
      )
      expect(outcomes).toContain('parsed')
      expect(outcomes).toContain('range')
    })
  })
})

// Found by the fuzzer (test/fuzz): each case is the smallest input showing the bug it fixed.
describe('snapshot-parser fuzzer regressions', () => {
  it('keeps lone surrogate escapes in long strings, as JSON.parse and short strings do', () => {
    // Strings of 64+ units are decoded as UTF-16 by TextDecoder, which turned a lone
    // surrogate into U+FFFD; fuzz case `bad-strings` (seed 1592598565, case 402) found it.
    for (const body of [
      `${'x'.repeat(70)}\\ud800\\u0041`,
      `${'x'.repeat(70)}\\u00e9\\udc00`,
      `\\u00e9${'y'.repeat(64)}\\ud83d`,
      `${'z'.repeat(64)}\\ud83d\\ude00\\u00e9`, // a valid pair still decodes as one emoji
    ]) {
      const text = SMALL_TEXT.replace('"Foo"', `"${body}"`)
      const expected = (JSON.parse(text) as RawHeapSnapshot).strings
      for (const chunkSize of [1, 7, 1 << 20]) {
        expect(parseSnapshotBytes(encoder.encode(text), chunkSize).strings).toEqual(expected)
      }
    }
  })
})
