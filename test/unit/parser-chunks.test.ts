// Chunk boundaries never change what the streaming parser reads: real Node snapshots parsed in
// 1..7-byte chunks equal the 1 MB-chunk parse; strings decode as JSON.parse decodes them; unknown
// sections are skipped; missing header counts only make arrays grow. Plus file loading through
// loadSnapshotFile: gzip by magic bytes, cut-short gzip, unreadable paths, cancellation.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile, parseSnapshotFile } from '../../electron/backend/load-snapshot'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { parseSnapshotBytes, type ParsedSnapshot } from '../../shared/heap/parse/snapshot-parser'
import { fixture, type FixtureName } from '../helpers/fixtures'
import { SnapshotBuilder, type RawHeapSnapshot } from '../helpers/snapshot-builder'

const encoder = new TextEncoder()
const REFERENCE_CHUNK_SIZE = 1 << 20

type TypedArray = Uint8Array | Uint32Array | Int32Array | Float64Array

/** Byte-for-byte equality of two typed arrays (fast on 100k-element arrays, clear on failure). */
function expectSameArray(what: string, actual: TypedArray, expected: TypedArray): void {
  expect(actual.constructor, what).toBe(expected.constructor)
  expect(actual.length, `${what}.length`).toBe(expected.length)
  const actualBytes = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength)
  const expectedBytes = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)
  if (!actualBytes.equals(expectedBytes)) {
    const at = actual.findIndex((value, slot) => value !== expected[slot])
    expect.fail(`${what}[${at}] is ${actual[at]}, expected ${expected[at]}`)
  }
}

/** Every field of two parses is identical. */
function expectSameParse(actual: ParsedSnapshot, expected: ParsedSnapshot): void {
  expect(actual.nodeCount).toBe(expected.nodeCount)
  expect(actual.edgeCount).toBe(expected.edgeCount)
  expect(actual.layout).toEqual(expected.layout)
  const arrays = [
    'nodeType',
    'nodeName',
    'nodeId',
    'nodeSelfSize',
    'nodeTraceNodeId',
    'nodeDetachedness',
    'firstEdge',
    'edgeType',
    'edgeNameOrIndex',
    'edgeTarget',
    'locations',
    'traceFunctionInfos',
    'samples',
  ] as const
  for (const name of arrays) expectSameArray(name, actual[name], expected[name])
  expect(actual.traceTree === null).toBe(expected.traceTree === null)
  if (actual.traceTree && expected.traceTree) {
    for (const name of ['id', 'functionInfo', 'count', 'size', 'parent'] as const) {
      expectSameArray(`traceTree.${name}`, actual.traceTree[name], expected.traceTree[name])
    }
  }
  expect(actual.strings.length).toBe(expected.strings.length)
  const differs = actual.strings
    .toArray()
    .findIndex((text, nameId) => text !== expected.strings.get(nameId))
  expect(differs, `strings[${differs}]`).toBe(-1)
  expect(actual.skippedSections).toEqual(expected.skippedSections)
}

/** What JSON.parse makes of the same bytes (DevTools' own reading). */
function jsonStrings(bytes: Uint8Array): string[] {
  return (JSON.parse(new TextDecoder().decode(bytes)) as RawHeapSnapshot).strings
}

/** A small valid heap whose node names are `names`. */
function heapNamed(names: readonly string[]): SnapshotBuilder {
  const b = new SnapshotBuilder()
  const roots = b.standardRoots('user-roots')
  for (const [position, name] of names.entries()) {
    const node = b.node('string', name, { selfSize: 16 + position })
    b.edge(roots.global, 'property', `s${position}`, node)
  }
  return b
}

const REAL_FIXTURES: readonly FixtureName[] = ['map-cache', 'kitchen-sink', 'cdp-expose-internals']

describe('snapshot-parser', () => {
  describe('real snapshots in tiny chunks', () => {
    const bytes = new Map<FixtureName, Uint8Array>()
    const reference = new Map<FixtureName, ParsedSnapshot>()

    beforeAll(async () => {
      for (const name of REAL_FIXTURES) {
        const file = new Uint8Array(await readFile(await fixture(name)))
        bytes.set(name, file)
        reference.set(name, parseSnapshotBytes(file, REFERENCE_CHUNK_SIZE))
      }
    })

    for (const name of REAL_FIXTURES) {
      it(`parses ${name} identically in chunks of 1 to 7 bytes and in one chunk`, () => {
        const file = bytes.get(name) as Uint8Array
        const expected = reference.get(name) as ParsedSnapshot
        // The fixture is big enough for every chunk size to split numbers, strings and keys.
        expect(expected.nodeCount).toBeGreaterThan(10_000)
        expect(expected.strings.length).toBeGreaterThan(10_000)
        for (const chunkSize of [1, 2, 3, 4, 5, 6, 7, 4093, file.length]) {
          expectSameParse(parseSnapshotBytes(file, chunkSize), expected)
        }
      })
    }

    it('reads the real snapshots as JSON.parse does', () => {
      // An oracle independent of the parser, on one fixture (whole-file JSON.parse is slow).
      const file = bytes.get('map-cache') as Uint8Array
      const parsed = reference.get('map-cache') as ParsedSnapshot
      const raw = JSON.parse(new TextDecoder().decode(file)) as RawHeapSnapshot
      const nodeFields = raw.snapshot.meta.node_fields
      expect(parsed.nodeCount).toBe(raw.nodes.length / nodeFields.length)
      expect(parsed.nodeCount).toBe(raw.snapshot.node_count)
      expect(parsed.edgeCount).toBe(raw.snapshot.edge_count)
      expect(parsed.strings).toEqual(raw.strings)
      const idField = nodeFields.indexOf('id')
      const sizeField = nodeFields.indexOf('self_size')
      for (let node = 0; node < parsed.nodeCount; node += 97) {
        expect(parsed.nodeId[node]).toBe(raw.nodes[node * nodeFields.length + idField])
        expect(parsed.nodeSelfSize[node]).toBe(raw.nodes[node * nodeFields.length + sizeField])
      }
      const lastEdge = parsed.edgeCount - 1
      expect(parsed.edgeTarget[lastEdge] * nodeFields.length).toBe(raw.edges[lastEdge * 3 + 2])
    })
  })

  describe('strings', () => {
    const NAMES = [
      'plain ASCII',
      'emoji 😀🎉 and a flag 🇯🇵',
      'CJK 漢字かなカナ한글',
      'accents éàüñ and ß',
      'lone high surrogate \ud800 here',
      'lone low surrogate \udc00 here',
      'reversed pair \udc00\ud800',
      'pair split as escapes \ud83d\ude00',
      'escapes " \\ / \b \f \n \r \t end',
      'controls \u0000\u0001\u001f\u007f',
      'BOM \ufeff and replacement \ufffd and U+FFFF \uffff',
      'long ' + '漢😀é'.repeat(700),
      '',
    ]

    it('decodes V8-style \\u escapes to exactly what JSON.parse gives at every chunk size', () => {
      const bytes = heapNamed(NAMES).toBytes() // the builder escapes non-ASCII as V8 does
      expect(bytes.every((byte) => byte < 0x80)).toBe(true)
      const expected = jsonStrings(bytes)
      expect(expected).toEqual(expect.arrayContaining(NAMES))
      for (const chunkSize of [1, 2, 3, 4, 5, 6, 7, 1 << 20]) {
        expect(parseSnapshotBytes(bytes, chunkSize).strings).toEqual(expected)
      }
    })

    it('decodes raw UTF-8 split anywhere across chunks to exactly what JSON.parse gives', () => {
      // JSON.stringify writes non-ASCII as raw UTF-8 (and lone surrogates as \u escapes).
      const bytes = encoder.encode(JSON.stringify(heapNamed(NAMES).toObject()))
      expect(bytes.some((byte) => byte >= 0xf0)).toBe(true) // 4-byte sequences present
      const expected = jsonStrings(bytes)
      expect(expected).toEqual(expect.arrayContaining(NAMES))
      for (const chunkSize of [1, 2, 3, 4, 5, 6, 7, 1 << 20]) {
        expect(parseSnapshotBytes(bytes, chunkSize).strings).toEqual(expected)
      }
    })

    it('decodes any string, escaped any way, in any chunks, as JSON.parse does', () => {
      const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
      const anyString = fc.oneof(
        fc.string({ unit: codeUnit, maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
      )
      // How a writer may quote a string: raw UTF-8, V8's escaping, or every unit escaped.
      const quoting = fc.constantFrom('raw', 'v8', 'all-escaped', 'upper-hex')
      const quote = (text: string, style: string): string => {
        if (style === 'raw') return JSON.stringify(text)
        const escape = (unit: string): string => {
          const hex = unit.charCodeAt(0).toString(16).padStart(4, '0')
          return `\\u${style === 'upper-hex' ? hex.toUpperCase() : hex}`
        }
        if (style === 'v8') return JSON.stringify(text).replace(/[\u007f-\uffff]/g, escape)
        return `"${text.replace(/[\s\S]/g, escape)}"`
      }
      fc.assert(
        fc.property(
          fc.array(fc.tuple(anyString, quoting), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1, max: 17 }),
          (entries, chunkSize) => {
            const raw = new SnapshotBuilder().toObject()
            // The builder's own strings first: the root node names one of them.
            const strings = [
              ...raw.strings.map((text) => JSON.stringify(text)),
              ...entries.map(([text, style]) => quote(text, style)),
            ]
            // A function, not a string, as the replacement: a string's `$&` or `$'` is a pattern.
            const text = JSON.stringify({ ...raw, strings: [] }).replace(
              '"strings":[]',
              () => `"strings":[${strings.join(',')}]`,
            )
            const bytes = encoder.encode(text)
            expect(parseSnapshotBytes(bytes, chunkSize).strings).toEqual(jsonStrings(bytes))
          },
        ),
        { numRuns: 500 },
      )
    })

    it('reads runs of strings in one chunk as byte by byte: same strings, or the same error', () => {
      // Whole-chunk parses take the run fast path; one-byte chunks never can (no string is whole
      // in a chunk), so they are the byte-by-byte oracle. Bytes include broken UTF-8, controls,
      // quotes, backslashes and good and bad escapes.
      const piece = fc.oneof(
        {
          arbitrary: fc.constantFrom('a', 'Z', ' ', '\\"', '\\\\', '\\n', '\\u00e9', '\\ud800'),
          weight: 12,
        },
        // Valid UTF-8, as the latin1 characters of its bytes.
        {
          arbitrary: fc
            .constantFrom('é', '漢', '😀')
            .map((text) => Buffer.from(text).toString('latin1')),
          weight: 6,
        },
        // Broken UTF-8 (a byte of 0x80 and up, alone), read as U+FFFD.
        {
          arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((byte) => String.fromCharCode(byte)),
          weight: 3,
        },
        // Errors: a control character, a bad escape.
        {
          arbitrary: fc.constantFrom('\u0001', '\n', '\\x', '\\u12'),
          weight: 1,
        },
      )
      const rawString = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''))
      const separator = fc.constantFrom(',', ' , ', ',\n', '\t,')
      let loaded = 0
      fc.assert(
        fc.property(
          fc.array(fc.tuple(rawString, separator), { minLength: 1, maxLength: 10 }),
          (entries) => {
            const raw = new SnapshotBuilder().toObject()
            const [before, after] = JSON.stringify({ ...raw, strings: [] }).split('"strings":[]')
            const own = raw.strings.map((text) => JSON.stringify(text)).join(',')
            // Pieces of one character are bytes (latin1), so 0x80..0xff go in as raw bytes.
            const parts = entries.map(([text, sep]) => `${sep}"${text}"`).join('')
            const bytes = new Uint8Array([
              ...encoder.encode(`${before}"strings":[${own}`),
              ...Buffer.from(parts, 'latin1'),
              ...encoder.encode(`]${after}`),
            ])
            const outcome = (chunkSize: number): unknown => {
              try {
                return parseSnapshotBytes(bytes, chunkSize).strings.toArray()
              } catch (error) {
                return String(error)
              }
            }
            const oracle = outcome(1)
            expect(outcome(1 << 20)).toEqual(oracle)
            if (Array.isArray(oracle)) loaded++
          },
        ),
        { numRuns: 500 },
      )
      // Many cases load (the others show that the errors are the same too).
      expect(loaded).toBeGreaterThan(100)
    })

    it('replaces invalid UTF-8 as TextDecoder does', () => {
      const raw = new SnapshotBuilder().toObject()
      const text = JSON.stringify({ ...raw, strings: ['<dummy>', '', 'A#B'] })
      const at = text.indexOf('A#B') + 1 // ASCII text: string offsets are byte offsets
      const broken = new Uint8Array([
        ...encoder.encode(text.slice(0, at)),
        ...[0xed, 0xa0, 0x80],
        ...encoder.encode(text.slice(at + 1)),
      ])
      expect(jsonStrings(broken)[2]).toBe('A\ufffd\ufffd\ufffdB')
      expect(parseSnapshotBytes(broken).strings.get(2)).toBe(jsonStrings(broken)[2])
    })
  })

  describe('sections', () => {
    const BASE = heapNamed(['Foo', 'Bar'])
    const BASE_TEXT = BASE.toText()
    const EXPECTED = parseSnapshotBytes(BASE.toBytes())

    it('skips unknown sections anywhere, at every chunk size, and lists them', () => {
      const future = '"future_section": {"x":[1,2,{"y":"]"}]}'
      const variants: Array<[string, string[]]> = [
        [BASE_TEXT.replace('{"snapshot":', `{${future},\n"snapshot":`), ['future_section']],
        [BASE_TEXT.replace('"nodes":', `${future},\n"nodes":`), ['future_section']],
        [BASE_TEXT.replace('"strings":', `${future},\n"strings":`), ['future_section']],
        [BASE_TEXT.slice(0, -1) + `,\n${future}}`, ['future_section']],
        [
          BASE_TEXT.replace(
            '"nodes":',
            '"future_string": "a\\"]}[{", "future_number": 42, "future_null": null, ' +
              '"future_bool": true, "future_array": [[], {}, "}", -1.5e3],\n"nodes":',
          ),
          ['future_string', 'future_number', 'future_null', 'future_bool', 'future_array'],
        ],
      ]
      for (const [text, skipped] of variants) {
        JSON.parse(text) // each variant is valid JSON
        for (const chunkSize of [1, 2, 3, 4, 5, 6, 7, 1 << 20]) {
          const parsed = parseSnapshotBytes(encoder.encode(text), chunkSize)
          expectSameParse(parsed, { ...EXPECTED, skippedSections: skipped })
        }
      }
    })

    it('parses a snapshot whose header omits node_count and edge_count', () => {
      const text = BASE_TEXT.replace(/"node_count":\d+,"edge_count":\d+,/, '')
      expect(text).not.toContain('node_count')
      const parsed = parseSnapshotBytes(encoder.encode(text), 5)
      expectSameParse(parsed, {
        ...EXPECTED,
        layout: { ...EXPECTED.layout, declaredNodeCount: null, declaredEdgeCount: null },
      })
    })

    it('grows its arrays past their first capacity when the header omits the counts', () => {
      // More than 2^16 nodes and edges, the capacity the parser starts with when not told.
      const b = new SnapshotBuilder()
      let previous = b.standardRoots('user-roots').global
      for (let item = 0; item < 70_000; item++) {
        const node = b.node('object', `Item${item % 10}`, { selfSize: item % 100 })
        b.edge(previous, 'property', 'next', node)
        previous = node
      }
      const raw = b.toObject()
      const { node_count: _nodes, edge_count: _edges, ...header } = raw.snapshot
      const expected = parseSnapshotBytes(encoder.encode(JSON.stringify(raw)))
      expect(expected.nodeCount).toBeGreaterThan(1 << 16)
      expect(expected.edgeCount).toBeGreaterThan(1 << 16)
      const layout = { ...expected.layout, declaredNodeCount: null, declaredEdgeCount: null }
      const { snapshot: _snapshot, nodes, edges, strings } = raw
      // Nodes first (edges sized from the nodes' edge counts) and edges first (both grow).
      for (const text of [
        JSON.stringify({ snapshot: header, nodes, edges, strings }),
        JSON.stringify({ snapshot: header, edges, nodes, strings }),
      ]) {
        expectSameParse(parseSnapshotBytes(encoder.encode(text), 65_537), {
          ...expected,
          layout,
          locations: new Uint32Array(0),
          samples: new Float64Array(0),
          traceFunctionInfos: new Uint32Array(0),
        })
      }
    })
  })
})

describe('load-snapshot', () => {
  let dir = ''
  let plainFile = ''
  /** The same snapshot gzipped, under a name without .gz: detection is by content. */
  let gzipFile = ''

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heapgraph-load-'))
    plainFile = await fixture('map-cache')
    gzipFile = join(dir, 'map-cache.heapsnapshot')
    await writeFile(gzipFile, gzipSync(await readFile(plainFile)))
  })

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('loads a gzipped snapshot, recognised by its magic bytes, as the plain file', async () => {
    const plain = await loadSnapshotFile(plainFile)
    const unzipped = await loadSnapshotFile(gzipFile, { chunkSize: 65_536 })
    expect(unzipped.graph.nodeCount).toBe(plain.graph.nodeCount)
    expect(unzipped.graph.edgeCount).toBe(plain.graph.edgeCount)
    expect(unzipped.retainedSize[unzipped.graph.rootNode]).toBe(
      plain.retainedSize[plain.graph.rootNode],
    )
    expect(unzipped.totalSize).toBe(plain.totalSize)
    expectSameParse(await parseSnapshotFile(gzipFile), await parseSnapshotFile(plainFile))
  })

  it('reports a gzip file cut short as truncated', async () => {
    const compressed = gzipSync(await readFile(plainFile))
    for (const length of [10, compressed.length >> 1, compressed.length - 4]) {
      const cut = join(dir, `cut-${length}.heapsnapshot.gz`)
      await writeFile(cut, compressed.subarray(0, length))
      const error = await loadSnapshotFile(cut).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(HeapSnapshotError)
      expect((error as HeapSnapshotError).code).toBe('truncated')
      expect((error as HeapSnapshotError).message).toMatch(/gzip|truncated/)
    }
  })

  it('reports a plain file cut short as truncated at its end', async () => {
    const cut = join(dir, 'cut.heapsnapshot')
    await writeFile(cut, (await readFile(plainFile)).subarray(0, 1_000_000))
    const error = await loadSnapshotFile(cut).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HeapSnapshotError)
    expect((error as HeapSnapshotError).code).toBe('truncated')
    expect((error as HeapSnapshotError).offset).toBe(1_000_000)
  })

  it('names a missing file in a one-line error', async () => {
    const missing = join(dir, 'no-such.heapsnapshot')
    const error = await loadSnapshotFile(missing).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HeapSnapshotError)
    const { message } = error as HeapSnapshotError
    expect(message).toContain(missing)
    expect(message).toMatch(/no such file/)
    expect(message).not.toContain('\n')
  })

  it('names a directory in a one-line error', async () => {
    const folder = join(dir, 'folder.heapsnapshot')
    await mkdir(folder)
    const error = await loadSnapshotFile(folder).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HeapSnapshotError)
    const { message } = error as HeapSnapshotError
    expect(message).toContain(folder)
    expect(message).toMatch(/directory/)
    expect(message).not.toContain('\n')
  })

  it('rejects with code cancelled when aborted from the first progress report', async () => {
    for (const file of [plainFile, gzipFile]) {
      const controller = new AbortController()
      const phases: string[] = []
      const error = await loadSnapshotFile(file, {
        chunkSize: 65_536,
        signal: controller.signal,
        onProgress: (progress) => {
          phases.push(progress.phase)
          controller.abort()
        },
      }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(HeapSnapshotError)
      expect((error as HeapSnapshotError).code).toBe('cancelled')
      expect(phases).toHaveLength(1) // nothing ran after the abort
    }
  })
})
