// The engine's rules for Python heaps (heapgraph_py's layout, built by hand here): a snapshot is
// Python's when (GC roots) holds a (C references) root; then modules, classes and frames get
// their Python names, objects their reference count, lists, arrays and NumPy data their place in
// Arrays, dict keys read as subscripts, and verdicts name a module's variable, a frame's local or
// the references only C code holds. A V8 heap with the same edge names is left as it was.
import { describe, expect, it } from 'vitest'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { summarizeObject } from '../../shared/heap/queries/nodes'
import { objectValue } from '../../shared/heap/queries/values'
import { getArrays } from '../../shared/heap/queries/arrays'
import { explainRetention } from '../../shared/heap/queries/explain'
import { pathSignature } from '../../shared/heap/queries/leaks'
import { isPythonHeap } from '../../shared/heap/queries/python'
import { isSubscript, propertyAccess } from '../../shared/protocol/js-syntax'
import { SnapshotBuilder, type NodeHandle } from '../helpers/snapshot-builder'

/** heapgraph_py's number nodes: hidden, named by the number, ids from 2**31 + 2. */
const VALUE_ID_BASE = 2 ** 31 + 2

interface PythonHeap {
  snapshot: HeapSnapshot
  module: NodeHandle
  appName: NodeHandle
  record: NodeHandle
  otherRecord: NodeHandle
  items: NodeHandle
  klass: NodeHandle
  frame: NodeHandle
  rows: NodeHandle
  reader: NodeHandle
  ndarray: NodeHandle
  data: NodeHandle
  buffer: NodeHandle
  cOnly: NodeHandle
  none: NodeHandle
}

function pythonHeap(): PythonHeap {
  const b = new SnapshotBuilder()
  const gcRoots = b.node('synthetic', '(GC roots)', { id: 3 })
  b.edge(b.root, 'element', 1, gcRoots)
  const cReferences = b.node('synthetic', '(C references)', { id: 5 })
  b.edge(gcRoots, 'element', 1, cReferences)
  const values = new Map<number, NodeHandle>()
  const value = (number: number): NodeHandle => {
    let node = values.get(number)
    if (node === undefined) {
      node = b.node('hidden', String(number), { id: VALUE_ID_BASE + 2 * number })
      values.set(number, node)
    }
    return node
  }
  const object = (name: string, selfSize: number, refcount = 1): NodeHandle => {
    const node = b.node('object', name, { selfSize })
    b.edge(node, 'internal', 'refcount', value(refcount))
    return node
  }
  const text = (content: string): NodeHandle =>
    b.node('string', content, { selfSize: 49 + content.length })

  const module = object('module', 72, 3)
  b.edge(b.root, 'element', 2, module)
  const appName = text('app')
  b.edge(appName, 'internal', 'refcount', value(1))
  b.edge(module, 'property', '__name__', appName)
  const cache = object('dict', 232)
  b.edge(module, 'property', 'cache', cache)
  const record = object('app.Record', 56, 2)
  const otherRecord = object('app.Record', 56)
  b.edge(cache, 'property', '["user:42"]', record)
  b.edge(cache, 'property', '["user:43"]', otherRecord)
  const items = object('list', 88)
  b.edge(record, 'property', 'items', items)
  for (let element = 0; element < 3; element++)
    b.edge(items, 'element', element, text(`i${element}`))

  const klass = object('type', 1072)
  b.edge(module, 'property', 'Record', klass)
  b.edge(klass, 'internal', '__qualname__', text('Record'))
  b.edge(klass, 'internal', '__mro__', object('tuple', 56))
  b.edge(klass, 'property', '__module__', text('app'))
  b.edge(record, 'internal', '__class__', klass)

  const code = b.node('code', 'load', { selfSize: 200 })
  b.edge(code, 'internal', 'co_filename', text('/srv/app.py'))
  const frame = object('frame', 176)
  b.edge(b.root, 'element', 3, frame)
  b.edge(frame, 'internal', 'f_code', code)
  b.edge(frame, 'internal', 'f_lineno', value(12))
  const rows = object('list', 120)
  b.edge(frame, 'property', 'rows', rows)

  const reader = b.node('closure', 'make.<locals>.reader', { selfSize: 152 })
  b.edge(reader, 'internal', 'refcount', value(1))
  b.edge(module, 'property', 'reader', reader)
  b.edge(reader, 'internal', '__code__', code)
  b.location(reader, 1, 2, 0)

  const ndarray = object('numpy.ndarray', 112)
  b.edge(module, 'property', 'samples', ndarray)
  b.edge(ndarray, 'internal', 'len', value(1000))
  b.edge(ndarray, 'internal', 'nbytes', value(8000))
  const data = b.node('native', 'numpy.ndarray data', { selfSize: 8000 })
  b.edge(ndarray, 'internal', 'data', data)
  const buffer = object('bytearray', 357)
  b.edge(module, 'property', 'buffer', buffer)
  b.edge(buffer, 'internal', 'len', value(300))

  const cOnly = object('dict', 64, 1)
  b.edge(cReferences, 'internal', '1 reference not found', cOnly)
  const none = object('NoneType', 16, 5000)
  b.edge(module, 'property', 'nothing', none)
  const snapshot = initializeSnapshot(parseSnapshotBytes(b.toBytes()))
  return {
    snapshot,
    module,
    appName,
    record,
    otherRecord,
    items,
    klass,
    frame,
    rows,
    reader,
    ndarray,
    data,
    buffer,
    cOnly,
    none,
  }
}

const label = (snapshot: HeapSnapshot, node: NodeHandle): string =>
  summarizeObject(snapshot, node).label

describe('python heaps', () => {
  const heap = pythonHeap()
  const { snapshot } = heap

  it('knows a Python heap by its (C references) root, and a V8 heap as not one', () => {
    expect(isPythonHeap(snapshot)).toBe(true)
    const v8 = new SnapshotBuilder()
    const roots = v8.standardRoots('user-roots')
    const named = v8.node('object', 'module', { selfSize: 10 })
    v8.edge(roots.global, 'property', 'm', named)
    v8.edge(named, 'property', '__name__', v8.node('string', 'app'))
    v8.edge(named, 'internal', 'refcount', v8.node('hidden', '7'))
    const other = initializeSnapshot(parseSnapshotBytes(v8.toBytes()))
    expect(isPythonHeap(other)).toBe(false)
    expect(label(other, named)).toBe('module')
    expect(objectValue(other, named).refcount).toBeUndefined()
  })

  it('names modules, classes, frames and None as Python does', () => {
    expect(label(snapshot, heap.module)).toBe('module app')
    expect(label(snapshot, heap.klass)).toBe('class app.Record')
    expect(label(snapshot, heap.frame)).toBe('frame load (app.py:12)')
    expect(label(snapshot, heap.none)).toBe('None')
  })

  it("finds a function's file and line through its __code__", () => {
    expect(label(snapshot, heap.reader)).toBe('make.<locals>.reader (app.py:3:1)')
  })

  it("gives every object its reference count, as the object's value", () => {
    expect(objectValue(snapshot, heap.record).refcount).toBe(2)
    expect(objectValue(snapshot, heap.none).refcount).toBe(5000)
    // A string shows its text and its count both.
    expect(objectValue(snapshot, heap.appName)).toEqual({
      text: { value: 'app', complete: true, length: 3 },
      refcount: 1,
    })
  })

  it('files lists, NumPy arrays, bytearrays and data blocks under Arrays', () => {
    const rows = getArrays(snapshot, { count: 100 }).items
    const byNode = new Map(rows.map((row) => [row.node, row]))
    expect(byNode.get(heap.items)).toMatchObject({ kind: 'array', length: 3, label: 'list(3)' })
    expect(byNode.get(heap.ndarray)).toMatchObject({
      kind: 'typed-array',
      length: 1000,
      storeSize: 8000,
      lengthIsEstimate: false,
      label: 'numpy.ndarray(1000, 8.00 kB)',
    })
    expect(byNode.get(heap.data)).toMatchObject({ kind: 'backing-store', storeSize: 8000 })
    expect(byNode.get(heap.buffer)).toMatchObject({
      kind: 'array-buffer',
      length: 300,
      label: 'bytearray(300 B)',
    })
    expect(byNode.has(heap.record)).toBe(false)
  })

  it("says which module variable holds an object, with the dict's key as code writes it", () => {
    const explained = explainRetention(snapshot, heap.items)
    expect(explained.verdict).toBe(
      'list(3) (241 B) is alive because `app.cache["user:42"].items` holds it.',
    )
    expect(explained.routes[0].readable.map((step) => step.via?.text ?? step.node.label)).toEqual([
      'module app',
      '.cache',
      '["user:42"]',
      '.items',
    ])
  })

  it("says which running function's local holds an object", () => {
    expect(explainRetention(snapshot, heap.rows).verdict).toBe(
      'list(0) (120 B) is alive because the local variable `rows` of `load` (app.py:12) holds it.',
    )
  })

  it('says when only references the snapshot cannot see hold an object', () => {
    expect(explainRetention(snapshot, heap.cOnly).verdict).toBe(
      'dict (64 B) is alive because references the snapshot cannot see hold it (C code, or a container the collector does not track: 1 reference not found).',
    )
  })

  it("clusters a dict's entries as one retainer step for leaks", () => {
    expect(pathSignature(snapshot, heap.record)).toBe(pathSignature(snapshot, heap.otherRecord))
  })
})

describe('subscript names', () => {
  it('keeps a Python key as written and quotes every other name as before', () => {
    expect(propertyAccess('["user:42"]')).toBe('["user:42"]')
    expect(propertyAccess('[(1, "a")]')).toBe('[(1, "a")]')
    expect(propertyAccess('[-3]')).toBe('[-3]')
    expect(propertyAccess('[<app.Key>]')).toBe('[<app.Key>]')
    expect(isSubscript('["a"]')).toBe(true)
    expect(propertyAccess('[object Object]')).toBe('["[object Object]"]')
    expect(propertyAccess('a b')).toBe('["a b"]')
    expect(propertyAccess('cache')).toBe('.cache')
    expect(isSubscript('cache')).toBe(false)
  })
})
