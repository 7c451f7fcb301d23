// Python heaps, as heapgraph_py (python/) writes them in V8's format: objects are `object` nodes
// named by their qualified type, and a few facts V8 has no field for ride on internal references
// to hidden nodes named by a whole number (`refcount`, `len`, `nbytes`, `f_lineno`). Every Python
// object has a `refcount` reference. A snapshot is Python's when (GC roots) holds a
// (C references) root (isPythonHeap); nothing here applies to a snapshot of V8.
import { edgeName, type HeapGraph } from '../graph/heap-graph'
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import type { ArrayFacts } from './arrays'

/** The synthetic root heapgraph_py hangs what only C code holds from, under (GC roots). */
export const C_REFERENCES_ROOT = '(C references)'

/** Whether heapgraph_py wrote the snapshot: (GC roots) holds a (C references) root. */
export const isPythonHeap = perSnapshot((snapshot: HeapSnapshot): boolean => {
  const graph = snapshot.graph
  const { firstEdge, edgeTarget, nodeType, nodeName, strings, rootNode } = graph
  const synthetic = graph.nodeTypeCode.synthetic
  for (let edge = firstEdge[rootNode]; edge < firstEdge[rootNode + 1]; edge++) {
    const child = edgeTarget[edge]
    if (nodeType[child] !== synthetic || child === rootNode) continue
    for (let inner = firstEdge[child]; inner < firstEdge[child + 1]; inner++) {
      const grandchild = edgeTarget[inner]
      if (
        nodeType[grandchild] === synthetic &&
        strings.get(nodeName[grandchild]) === C_REFERENCES_ROOT
      )
        return true
    }
  }
  return false
})

/** The number an internal reference named `name` leads to (a hidden node named by it), or NaN. */
export function pythonNumber(graph: HeapGraph, node: number, name: string): number {
  for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
    if (graph.edgeType[edge] !== graph.edgeTypeCode.internal) continue
    if (edgeName(graph, edge) !== name) continue
    const target = graph.edgeTarget[edge]
    if (graph.nodeType[target] !== graph.nodeTypeCode.hidden) return NaN
    const text = graph.strings.get(graph.nodeName[target])
    return /^\d+$/.test(text) ? Number(text) : NaN
  }
  return NaN
}

/** CPython's reference count of the object (as `sys.getrefcount(x) - 1` reads it), or null. */
export function pythonRefcount(snapshot: HeapSnapshot, node: number): number | null {
  const graph = snapshot.graph
  if (!isPythonHeap(snapshot) || graph.nodeType[node] === graph.nodeTypeCode.hidden) return null
  const count = pythonNumber(graph, node, 'refcount')
  return Number.isNaN(count) ? null : count
}

function target(graph: HeapGraph, node: number, type: number, name: string): number {
  for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
    if (graph.edgeType[edge] === type && edgeName(graph, edge) === name)
      return graph.edgeTarget[edge]
  }
  return -1
}

function stringAt(graph: HeapGraph, node: number): string | null {
  if (node === -1 || graph.nodeType[node] !== graph.nodeTypeCode.string) return null
  return graph.strings.get(graph.nodeName[node])
}

/**
 * A Python module, class or frame as a programmer names it (`module app.cache`,
 * `class app.models.Record`, `frame load (app.py:12)`); null for anything else.
 * `file` shortens a code object's file name as the snapshot's labels do.
 */
export function pythonLabel(
  snapshot: HeapSnapshot,
  node: number,
  className: string,
  file: (name: string) => string,
): string | null {
  const graph = snapshot.graph
  const { internal, property } = graph.edgeTypeCode
  if (graph.nodeType[node] !== graph.nodeTypeCode.object || !isPythonHeap(snapshot)) return null
  if (className === 'module') {
    const name = stringAt(graph, target(graph, node, property, '__name__'))
    return name === null ? null : `module ${name}`
  }
  const qualname = stringAt(graph, target(graph, node, internal, '__qualname__'))
  if (qualname !== null && target(graph, node, internal, '__mro__') !== -1) {
    const module = stringAt(graph, target(graph, node, property, '__module__'))
    return `class ${module && module !== 'builtins' ? `${module}.` : ''}${qualname}`
  }
  if (className === 'frame') {
    const code = target(graph, node, internal, 'f_code')
    if (code === -1) return null
    const name = graph.strings.get(graph.nodeName[code])
    const filename = stringAt(graph, target(graph, code, internal, 'co_filename'))
    const line = pythonNumber(graph, node, 'f_lineno')
    const where =
      filename === null ? '' : ` (${file(filename)}${Number.isNaN(line) ? '' : `:${line}`})`
    return `frame ${name}${where}`
  }
  if (className === 'NoneType') return 'None'
  return null
}

/** Names of the native nodes that hold array data: NumPy's own buffers, an mmap's pages. */
function isDataBlock(name: string): boolean {
  return name === 'numpy.ndarray data' || name.startsWith('mmap data')
}

/**
 * A Python array-like object's facts for the Arrays catalog: a `list` (its length is its element
 * references; its bytes are sys.getsizeof's, the pointer array included), an object with a `len`
 * and `nbytes` (array.array, numpy.ndarray and subclasses: a typed array), a `bytearray` (a
 * buffer), or a data block (NumPy's buffer, an mmap's pages). Null for anything else.
 */
export function pythonArrayFacts(snapshot: HeapSnapshot, node: number): ArrayFacts | null {
  const graph = snapshot.graph
  const type = graph.nodeType[node]
  const codes = graph.nodeTypeCode
  const name = graph.strings.get(graph.nodeName[node])
  if (type === codes.native) {
    if (!isDataBlock(name)) return null
    const bytes = graph.rawSelfSize[node]
    return { kind: 'backing-store', length: bytes, lengthIsEstimate: false, storeSize: bytes }
  }
  if (type !== codes.object) return null
  if (name === 'list') {
    let length = 0
    for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
      if (graph.edgeType[edge] === graph.edgeTypeCode.element) length++
    }
    return { kind: 'array', length, lengthIsEstimate: false, storeSize: graph.rawSelfSize[node] }
  }
  const length = pythonNumber(graph, node, 'len')
  if (Number.isNaN(length)) return null
  const bytes = pythonNumber(graph, node, 'nbytes')
  if (Number.isNaN(bytes))
    return { kind: 'array-buffer', length, lengthIsEstimate: false, storeSize: length }
  return { kind: 'typed-array', length, lengthIsEstimate: false, storeSize: bytes }
}
