// The names DevTools shows for objects: a cons string's text, a plain object's `{a, b, …}`.
import { edgeName } from '../graph/heap-graph'
import { formatPropertyName } from '../analyses/class-names'
import type { HeapSnapshot } from '../snapshot'

const MAX_CONS_NAME = 1024

function consStringName(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const { nodeType, nodeName, strings, firstEdge, edgeType, edgeTarget, edgeNameOrIndex } = graph
  const consType = graph.nodeTypeCode.consString
  const internal = graph.edgeTypeCode.internal
  // Bounded: malformed snapshots can hold cons strings that contain themselves or lack parts.
  const stack = [node]
  let name = ''
  let expansions = 0
  while (stack.length > 0 && name.length < MAX_CONS_NAME && expansions < MAX_CONS_NAME) {
    const current = stack.pop() as number
    if (nodeType[current] !== consType) {
      name += strings.get(nodeName[current])
      continue
    }
    expansions++
    let first = -1
    let second = -1
    for (let edge = firstEdge[current]; edge < firstEdge[current + 1]; edge++) {
      if (edgeType[edge] !== internal) continue
      const label = strings.get(edgeNameOrIndex[edge])
      if (label === 'first' && first === -1) first = edgeTarget[edge]
      else if (label === 'second' && second === -1) second = edgeTarget[edge]
    }
    if (second !== -1) stack.push(second)
    if (first !== -1) stack.push(first)
  }
  return name
}

function plainObjectName(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const property = graph.edgeTypeCode.property
  let start = '{'
  let end = '}'
  let fromStart = graph.firstEdge[node]
  let fromEnd = graph.firstEdge[node + 1] - 1
  let takeFromEnd = false
  while (fromStart <= fromEnd) {
    const edge = takeFromEnd ? fromEnd : fromStart
    const name = edgeName(graph, edge)
    if (graph.edgeType[edge] !== property || name === '__proto__') {
      if (takeFromEnd) fromEnd--
      else fromStart++
      continue
    }
    const formatted = formatPropertyName(name)
    if (start.length > 1 && start.length + end.length + formatted.length > 100) break
    if (takeFromEnd) {
      fromEnd--
      if (end.length > 1) end = ', ' + end
      end = formatted + end
    } else {
      fromStart++
      if (start.length > 1) start += ', '
      start += formatted
    }
    takeFromEnd = !takeFromEnd
  }
  if (fromStart <= fromEnd) start += ', …'
  if (end.length > 1) start += ', '
  return start + end
}

/** The name DevTools shows for an object. */
export function displayName(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const type = graph.nodeType[node]
  if (type === graph.nodeTypeCode.consString) return consStringName(snapshot, node)
  const raw = graph.strings.get(graph.nodeName[node])
  if (type === graph.nodeTypeCode.object && raw === 'Object') return plainObjectName(snapshot, node)
  return raw
}
