// The fuzzer's seed snapshots: tiny hand-built heaps (every section filled, both layouts, raw
// and escaped non-ASCII), real Node and Chrome snapshots shrunk to about a thousand nodes, and
// a few full-size real ones. Every seed must load cleanly, so every rejection is the damage's.
import { readFile } from 'node:fs/promises'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot } from '../../shared/heap/snapshot'
import { fixture, type FixtureName } from '../helpers/fixtures'
import {
  SnapshotBuilder,
  serializeSnapshot,
  type RawHeapSnapshot,
  type SnapshotLayout,
} from '../helpers/snapshot-builder'
import { makeSeed, type Seed } from './mutators'

/** A seed and how often cases start from it. */
export interface CorpusEntry {
  seed: Seed
  weight: number
}

export interface Corpus {
  entries: CorpusEntry[]
  /** What is missing (e.g. no Chromium for the Chrome fixture), for the run's output. */
  notes: string[]
}

/** Nodes kept when shrinking a real snapshot (the first ones a BFS from the root reaches). */
const SHRUNK_NODES = 1200

function tinyHeap(layout: SnapshotLayout, names: readonly string[]): SnapshotBuilder {
  const b = new SnapshotBuilder({ layout })
  const roots = b.standardRoots('user-roots')
  const foo = b.node('object', names[0], { selfSize: 32, traceNodeId: 2 })
  const elements = b.node('array', '(object elements)', { selfSize: 80 })
  const closure = b.node('closure', 'leakyClosure', { selfSize: 56, traceNodeId: 3 })
  b.edge(roots.global, 'property', 'foo', foo)
  b.edge(roots.global, 'property', 'fn', closure)
  b.edge(foo, 'internal', 'elements', elements)
  b.edge(closure, 'weak', 'target', foo)
  b.edge(roots.strongRoots, 'hidden', 1, closure)
  for (const [position, name] of names.slice(1).entries()) {
    const item = b.node('string', name, { selfSize: 16 + position, detachedness: 0 })
    b.edge(elements, 'element', position, item)
  }
  b.location(closure, 3, 10, 4, layout === 'chrome' ? closure : undefined)
  return b
}

const NAMES = ['Foo', 'hello', 'caf\u00e9', '\u6f22\u5b57', 'emoji \u{1f600}', 'tab\there', '"q"']

/** A tiny heap with allocation traces and samples, written compactly with raw UTF-8. */
function tracedHeap(): Uint8Array {
  const raw = tinyHeap('node', [...NAMES, 'x'.repeat(80), '\u00e9'.repeat(70)]).toObject()
  const name = raw.strings.indexOf('leakyClosure')
  raw.trace_function_infos = [1, name, name, 3, 10, 4, 2, name, name, 3, 20, 1]
  raw.snapshot.trace_function_count = 2
  // trace_tree nests: [id, function_info_index, count, size, [children...], ...].
  const tree: unknown[] = [1, 0, 5, 200, [2, 1, 3, 120, [], 3, 1, 2, 80, []]]
  raw.samples = [100, 5, 250, 9]
  return new TextEncoder().encode(JSON.stringify({ ...raw, trace_tree: tree }))
}

interface FieldPositions {
  fieldCount: number
  name: number
  edgeCount: number
  edgeFieldCount: number
  edgeType: number
  edgeName: number
  toNode: number
  namedEdgeType: (type: number) => boolean
}

function positionsOf(raw: RawHeapSnapshot): FieldPositions {
  const meta = raw.snapshot.meta
  const edgeTypes = meta.edge_types[0]
  const numeric = new Set([edgeTypes.indexOf('element'), edgeTypes.indexOf('hidden')])
  return {
    fieldCount: meta.node_fields.length,
    name: meta.node_fields.indexOf('name'),
    edgeCount: meta.node_fields.indexOf('edge_count'),
    edgeFieldCount: meta.edge_fields.length,
    edgeType: meta.edge_fields.indexOf('type'),
    edgeName: meta.edge_fields.indexOf('name_or_index'),
    toNode: meta.edge_fields.indexOf('to_node'),
    namedEdgeType: (type) => !numeric.has(type),
  }
}

/** Old node ordinals a BFS from the root reaches first, at most `keep`, in ascending order. */
function reachedNodes(raw: RawHeapSnapshot, at: FieldPositions, keep: number): number[] {
  const nodeCount = raw.nodes.length / at.fieldCount
  const firstEdge = new Int32Array(nodeCount + 1)
  for (let node = 0; node < nodeCount; node++) {
    firstEdge[node + 1] = firstEdge[node] + raw.nodes[node * at.fieldCount + at.edgeCount]
  }
  const seen = new Uint8Array(nodeCount)
  const order = [0]
  seen[0] = 1
  for (let head = 0; head < order.length && order.length < keep; head++) {
    const node = order[head]
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1] && order.length < keep; edge++) {
      const target = raw.edges[edge * at.edgeFieldCount + at.toNode] / at.fieldCount
      if (seen[target] === 0) {
        seen[target] = 1
        order.push(target)
      }
    }
  }
  return order.sort((a, b) => a - b)
}

/**
 * A real snapshot cut down to the nodes a BFS from the root reaches first, with the edges
 * between them, the strings they use and their locations: small, but real in shape and content.
 */
export function shrinkSnapshot(raw: RawHeapSnapshot, keep: number): RawHeapSnapshot {
  const at = positionsOf(raw)
  const kept = reachedNodes(raw, at, keep)
  const newOrdinal = new Map(kept.map((old, ordinal) => [old, ordinal]))
  const stringIds = new Map<number, number>([[0, 0]])
  const strings = [raw.strings[0]]
  const stringId = (old: number): number => {
    let id = stringIds.get(old)
    if (id === undefined) {
      id = strings.length
      strings.push(raw.strings[old])
      stringIds.set(old, id)
    }
    return id
  }
  const firstEdge: number[] = [0]
  for (let node = 0; node * at.fieldCount < raw.nodes.length; node++) {
    firstEdge.push(firstEdge[node] + raw.nodes[node * at.fieldCount + at.edgeCount])
  }
  const nodes: number[] = []
  const edges: number[] = []
  for (const old of kept) {
    const row = raw.nodes.slice(old * at.fieldCount, (old + 1) * at.fieldCount)
    row[at.name] = stringId(row[at.name])
    let edgeCount = 0
    for (let edge = firstEdge[old]; edge < firstEdge[old + 1]; edge++) {
      const edgeRow = raw.edges.slice(edge * at.edgeFieldCount, (edge + 1) * at.edgeFieldCount)
      const target = newOrdinal.get(edgeRow[at.toNode] / at.fieldCount)
      if (target === undefined) continue
      edgeRow[at.toNode] = target * at.fieldCount
      if (at.namedEdgeType(edgeRow[at.edgeType]))
        edgeRow[at.edgeName] = stringId(edgeRow[at.edgeName])
      edges.push(...edgeRow)
      edgeCount++
    }
    row[at.edgeCount] = edgeCount
    nodes.push(...row)
  }
  const locations = shrinkLocations(raw, at.fieldCount, newOrdinal)
  const snapshot = {
    ...raw.snapshot,
    node_count: kept.length,
    edge_count: edges.length / at.edgeFieldCount,
  }
  // Chrome's scope sections name script nodes the shrunk graph may have dropped: a shrunk seed
  // has no scope information (empty sections stay consistent with each other).
  const scopes = raw.scopes ? { scopes: [], scope_context_vars: [], scope_uses: [] } : {}
  return { ...raw, snapshot, nodes, edges, locations, strings, ...scopes }
}

function shrinkLocations(
  raw: RawHeapSnapshot,
  nodeFieldCount: number,
  newOrdinal: Map<number, number>,
): number[] {
  const fields = raw.snapshot.meta.location_fields
  const objectField = fields.indexOf('object_index')
  const scriptField = fields.indexOf('script_object_index')
  const locations: number[] = []
  for (let record = 0; record < raw.locations.length; record += fields.length) {
    const row = raw.locations.slice(record, record + fields.length)
    const node = newOrdinal.get(row[objectField] / nodeFieldCount)
    if (node === undefined) continue
    row[objectField] = node * nodeFieldCount
    if (scriptField !== -1) {
      const script = newOrdinal.get(row[scriptField] / nodeFieldCount)
      row[scriptField] = script === undefined ? -1 : script * nodeFieldCount
    }
    locations.push(...row)
  }
  return locations
}

/** Reads a fixture, or explains in `notes` why it is not there. */
async function readFixture(name: FixtureName, notes: string[]): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(await fixture(name)))
  } catch (error) {
    notes.push(`fixture ${name} unavailable: ${error instanceof Error ? error.message : error}`)
    return null
  }
}

/** Checks that a seed loads, so that the fuzzer never blames damage for a broken seed. */
function checkSeed(seed: Seed): void {
  try {
    initializeSnapshot(parseSnapshotBytes(seed.bytes))
  } catch (error) {
    throw new Error(`fuzz seed ${seed.name} does not load: ${String(error)}`, { cause: error })
  }
}

let loading: Promise<Corpus> | null = null

/** The corpus, built once per process (see buildCorpus). */
export function loadCorpus(): Promise<Corpus> {
  loading ??= buildCorpus()
  return loading
}

/** Builds the corpus: tiny seeds always, real ones when their fixtures can be made. */
async function buildCorpus(): Promise<Corpus> {
  const notes: string[] = []
  const entries: [string, Uint8Array, number][] = [
    ['tiny-node', tinyHeap('node', NAMES).toBytes(), 0.2],
    ['tiny-chrome', tinyHeap('chrome', NAMES).toBytes(), 0.12],
    ['tiny-traced', tracedHeap(), 0.13],
  ]
  for (const [name, layout, fullName] of [
    ['map-cache', 'node', 'real-node'],
    ['chrome-page', 'chrome', 'real-chrome'],
  ] as const) {
    const bytes = await readFixture(name, notes)
    if (!bytes) continue
    const raw = JSON.parse(new TextDecoder().decode(bytes)) as RawHeapSnapshot
    const small = serializeSnapshot(shrinkSnapshot(raw, SHRUNK_NODES), layout)
    entries.push([`${fullName}-shrunk`, new TextEncoder().encode(small), 0.22])
    entries.push([fullName, bytes, 0.08])
  }
  const corpus = entries.map(([name, bytes, weight]) => ({ seed: makeSeed(name, bytes), weight }))
  for (const entry of corpus) checkSeed(entry.seed)
  return { entries: corpus, notes }
}
