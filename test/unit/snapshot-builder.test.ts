// Tests of the SnapshotBuilder test helper: the JSON it writes has V8's structure (counts, ids,
// edge grouping, field offsets, layouts) and corrupt() breaks exactly what it says it breaks.
import { getHeapSnapshot } from 'node:v8'
import { describe, expect, it } from 'vitest'
import {
  EDGE_TYPES,
  NODE_TYPES,
  SnapshotBuilder,
  corrupt,
  type RawHeapSnapshot,
} from '../helpers/snapshot-builder'

interface ReadEdge {
  type: string
  name: string | number
  to: number
}

/** An independent, naive reader of the builder's output: per-node edge lists and fields. */
function read(text: string) {
  const raw = JSON.parse(text) as RawHeapSnapshot
  const meta = raw.snapshot.meta
  const nodeFieldCount = meta.node_fields.length
  const field = (node: number, name: string) =>
    raw.nodes[node * nodeFieldCount + meta.node_fields.indexOf(name)]
  const nodeCount = raw.nodes.length / nodeFieldCount
  const edgesOf: ReadEdge[][] = []
  let cursor = 0
  for (let node = 0; node < nodeCount; node++) {
    const edges: ReadEdge[] = []
    for (let k = 0; k < field(node, 'edge_count'); k++, cursor += 3) {
      const type = meta.edge_types[0][raw.edges[cursor]]
      const nameOrIndex = raw.edges[cursor + 1]
      const indexed = type === 'element' || type === 'hidden'
      edges.push({
        type,
        name: indexed ? nameOrIndex : raw.strings[nameOrIndex],
        to: raw.edges[cursor + 2] / nodeFieldCount,
      })
    }
    edgesOf.push(edges)
  }
  const name = (node: number) => raw.strings[field(node, 'name')]
  const type = (node: number) => meta.node_types[0][field(node, 'type')]
  return { raw, field, nodeCount, edgesOf, name, type, edgeCursorEnd: cursor }
}

function smallHeap(): SnapshotBuilder {
  const b = new SnapshotBuilder()
  const gcRoots = b.node('synthetic', '(GC roots)')
  const a = b.node('object', 'Foo', { selfSize: 32 })
  const c = b.node('array', '(object elements)', { selfSize: 8016 })
  b.edge(b.root, 'element', 1, gcRoots)
  b.edge(a, 'property', 'x', c)
  b.edge(gcRoots, 'element', 1, a)
  b.edge(a, 'internal', 'elements', c) // a's second edge, added after gcRoots' edge
  b.edge(c, 'weak', 'back', a)
  b.location(a, 7, 10, 2)
  return b
}

describe('snapshot-builder', () => {
  it('starts with only the synthetic root: ordinal 0, empty name, id 1', () => {
    const { raw, nodeCount, name, type, field } = read(new SnapshotBuilder().toText())
    expect(nodeCount).toBe(1)
    expect(raw.snapshot.node_count).toBe(1)
    expect(raw.snapshot.edge_count).toBe(0)
    expect([type(0), name(0), field(0, 'id')]).toEqual(['synthetic', '', 1])
    expect(raw.strings[0]).toBe('<dummy>')
  })

  it('writes the Node 20 meta that V8 itself writes', async () => {
    const chunks: Buffer[] = []
    let head = ''
    for await (const chunk of getHeapSnapshot()) {
      chunks.push(chunk as Buffer)
      head = Buffer.concat(chunks).toString('utf8')
      if (head.includes('"nodes":')) break
    }
    const realSnapshot = JSON.parse(head.slice(head.indexOf(':') + 1, head.indexOf(',\n"nodes":')))
    const built = new SnapshotBuilder().toObject().snapshot
    expect(built.meta).toEqual(realSnapshot.meta)
    expect(built.meta.node_types[0]).toEqual([...NODE_TYPES])
    expect(built.meta.edge_types[0]).toEqual([...EDGE_TYPES])
  })

  it('fills node_count and edge_count to agree with the arrays', () => {
    const b = smallHeap()
    const { raw, nodeCount, edgeCursorEnd } = read(b.toText())
    expect(raw.snapshot.node_count).toBe(4)
    expect(nodeCount).toBe(4)
    expect(raw.snapshot.edge_count).toBe(5)
    expect(raw.edges.length).toBe(5 * raw.snapshot.meta.edge_fields.length)
    expect(edgeCursorEnd).toBe(raw.edges.length) // edge_count fields sum to the edges
    expect([b.nodeCount, b.edgeCount]).toEqual([4, 5])
  })

  it('gives unique odd ids, skipping explicit ones, and rejects duplicates', () => {
    const b = new SnapshotBuilder()
    b.node('object', 'Explicit', { id: 5 })
    for (let i = 0; i < 5; i++) b.node('object', 'Auto')
    const { nodeCount, field } = read(b.toText())
    const ids = Array.from({ length: nodeCount }, (_, node) => field(node, 'id'))
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.every((id) => id % 2 === 1)).toBe(true)
    expect(ids).toEqual([1, 5, 3, 7, 9, 11, 13])
    expect(() => b.node('object', 'Again', { id: 7 })).toThrow(/duplicate node id 7/)
  })

  it('groups edges by owner in node order, keeping insertion order within a node', () => {
    const { edgesOf, name } = read(smallHeap().toText())
    const described = edgesOf.map((edges) => edges.map((e) => `${e.type}:${e.name}->${name(e.to)}`))
    expect(described).toEqual([
      ['element:1->(GC roots)'],
      ['element:1->Foo'],
      ['property:x->(object elements)', 'internal:elements->(object elements)'],
      ['weak:back->Foo'],
    ])
  })

  it('writes to_node as a node field offset and names edges by index or string', () => {
    const { raw } = read(smallHeap().toText())
    const nodeFieldCount = raw.snapshot.meta.node_fields.length
    for (let cursor = 0; cursor < raw.edges.length; cursor += 3) {
      expect(raw.edges[cursor + 2] % nodeFieldCount).toBe(0)
      expect(raw.edges[cursor + 2]).toBeLessThan(raw.nodes.length)
    }
    // Foo's first edge: property 'x' names a string; the root's edge is element index 1.
    expect(raw.edges.slice(0, 3)).toEqual([EDGE_TYPES.indexOf('element'), 1, nodeFieldCount])
    expect(raw.strings[raw.edges[7]]).toBe('x')
  })

  it('rejects an edge whose name kind does not match its type, or an unknown node', () => {
    const b = new SnapshotBuilder()
    const a = b.node('object', 'A')
    const edge = b.edge.bind(b) as (f: number, t: string, n: string | number, to: number) => void
    expect(() => edge(b.root, 'element', 'one', a)).toThrow(/numeric index/)
    expect(() => edge(b.root, 'property', 1, a)).toThrow(/string name/)
    expect(() => b.edge(b.root, 'property', 'p', 9)).toThrow(/no node 9/)
  })

  it('stores self size, detachedness and trace node id in their fields', () => {
    const b = new SnapshotBuilder()
    const div = b.node('native', 'Detached <div>', {
      selfSize: 104,
      detachedness: 2,
      traceNodeId: 3,
    })
    const { field } = read(b.toText())
    expect([field(div, 'self_size'), field(div, 'detachedness')]).toEqual([104, 2])
    expect(field(div, 'trace_node_id')).toBe(3)
  })

  it('writes locations with the node as a field offset', () => {
    const { raw } = read(smallHeap().toText())
    expect(raw.snapshot.meta.location_fields).toEqual([
      'object_index',
      'script_id',
      'line',
      'column',
    ])
    expect(raw.locations).toEqual([2 * raw.snapshot.meta.node_fields.length, 7, 10, 2])
  })

  it('lays the text out as Node does: one row per line, strings escaped as V8 does', () => {
    const b = smallHeap()
    b.node('string', 'naïve ☃ "quoted"\n')
    const text = b.toText()
    expect(text.startsWith('{"snapshot":{"meta":{"node_fields":["type","name","id",')).toBe(true)
    expect(text).toContain('\n"nodes":[9,1,1,0,1,0,0\n,9,')
    expect(text).toContain('\n"edges":[1,1,7\n,')
    expect(text).toContain('\n"strings":["<dummy>",\n"",\n')
    expect(text).toContain('"na\\u00efve \\u2603 \\"quoted\\"\\n"')
    expect(text.endsWith(']}')).toBe(true)
    expect(JSON.parse(text)).toEqual(b.toObject())
    expect(new TextDecoder().decode(b.toBytes())).toBe(text)
  })

  it('builds user-roots heaps with a root shortcut to the global, as v8.writeHeapSnapshot', () => {
    const b = new SnapshotBuilder()
    const roots = b.standardRoots('user-roots')
    const leak = b.node('object', 'Leak')
    b.edge(roots.global, 'property', 'leak', leak)
    const { edgesOf, name } = read(b.toText())
    expect(edgesOf[b.root].map((e) => [e.type, e.name, name(e.to)])).toEqual([
      ['element', 1, '(GC roots)'],
      ['shortcut', '2', 'global'],
    ])
    expect(edgesOf[roots.nativeContext].map((e) => e.to)).toEqual([roots.global])
  })

  it('builds exposeInternals heaps whose global hangs off the GC roots only', () => {
    const b = new SnapshotBuilder()
    const roots = b.standardRoots('expose-internals')
    const { edgesOf } = read(b.toText())
    expect(edgesOf[b.root].map((e) => e.type)).toEqual(['element'])
    const path = [roots.gcRoots, roots.handleScope, roots.nativeContext, roots.global]
    for (let step = 1; step < path.length; step++) {
      expect(edgesOf[path[step - 1]].map((e) => e.to)).toContain(path[step])
    }
  })

  it('writes the Chrome layout: six node fields, scope sections, one line per section', () => {
    const b = new SnapshotBuilder({ layout: 'chrome' })
    const roots = b.standardRoots('expose-internals')
    const script = b.node('code', 'system / Script')
    b.location(roots.global, 4, 1, 2, script)
    const text = b.toText()
    const { raw, name, field } = read(text)
    expect(raw.snapshot.meta.node_fields).toEqual([
      'type',
      'name',
      'id',
      'self_size',
      'edge_count',
      'detachedness',
    ])
    expect(raw.snapshot.meta.node_types[0]).not.toContain('wasm object')
    expect(raw.snapshot.extra_native_bytes).toBe(0)
    expect([raw.scopes, raw.scope_context_vars, raw.scope_uses]).toEqual([[], [], []])
    expect(raw.locations).toEqual([roots.global * 6, 4, script * 6, 1, 2])
    expect(name(roots.global)).toBe('Window')
    expect(field(roots.global, 'detachedness')).toBe(0)
    expect(text.split('\n')).toHaveLength(Object.keys(raw).length)
    expect(() => b.node('wasm object', 'W')).toThrow(/does not exist in the 'chrome' layout/)
  })

  describe('corrupt', () => {
    it('overrides node_count and edge_count without touching the arrays', () => {
      const b = smallHeap()
      const nodes = JSON.parse(corrupt(b, { kind: 'node-count', value: 99 })) as RawHeapSnapshot
      expect(nodes.snapshot.node_count).toBe(99)
      expect(nodes.nodes).toEqual(b.toObject().nodes)
      const edges = JSON.parse(corrupt(b, { kind: 'edge-count', value: 0 })) as RawHeapSnapshot
      expect(edges.snapshot.edge_count).toBe(0)
    })

    it('points an edge past the last node, or into the middle of a node row', () => {
      const b = smallHeap()
      const far = JSON.parse(corrupt(b, { kind: 'edge-target-out-of-range', edge: 0 }))
      expect(far.edges[2]).toBe(far.nodes.length)
      const odd = JSON.parse(corrupt(b, { kind: 'edge-target-misaligned' }))
      expect(odd.edges.at(-1) % odd.snapshot.meta.node_fields.length).toBe(1)
    })

    it('breaks per-node fields: edge count sum, name index, type index', () => {
      const b = smallHeap()
      expect(read(corrupt(b, { kind: 'edge-count-sum-mismatch', extra: 2 })).edgeCursorEnd).toBe(
        b.toObject().edges.length + 6,
      )
      const named = JSON.parse(corrupt(b, { kind: 'name-out-of-range', node: 1 }))
      expect(named.nodes[7 + 1]).toBe(named.strings.length)
      const typed = JSON.parse(corrupt(b, { kind: 'unknown-node-type' }))
      expect(typed.nodes[3 * 7]).toBe(NODE_TYPES.length)
    })

    it('drops a meta field, a section, or the tail of the nodes array', () => {
      const b = smallHeap()
      const noFields = JSON.parse(corrupt(b, { kind: 'drop-meta-field', field: 'node_fields' }))
      expect(noFields.snapshot.meta).not.toHaveProperty('node_fields')
      const noStrings = JSON.parse(corrupt(b, { kind: 'drop-section', section: 'strings' }))
      expect(noStrings).not.toHaveProperty('strings')
      expect(noStrings).toHaveProperty('locations')
      const ragged = JSON.parse(corrupt(b, { kind: 'ragged-nodes', count: 2 }))
      expect(ragged.nodes.length % 7).toBe(5)
    })

    it('truncates the text to a byte count, leaving invalid JSON', () => {
      const b = smallHeap()
      const cut = corrupt(b, { kind: 'truncate', bytes: 100 })
      expect(cut).toBe(b.toText().slice(0, 100))
      expect(() => JSON.parse(cut)).toThrow()
      expect(corrupt(b, { kind: 'truncate' }).length).toBe(Math.floor(b.toText().length / 2))
    })
  })
})
