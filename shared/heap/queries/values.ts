// Values an object shows when inspected: a string's text, a number's value, an object's own
// properties as a one-line preview (`{id: 3, name: "x", items: Array(50000)}`). What a snapshot
// leaves out (small integers, and numbers unless it was taken with numeric values) is not shown:
// such a property has no reference in the snapshot at all.
import { edgeName } from '../graph/heap-graph'
import type { HeapSnapshot } from '../snapshot'
import { isString, numberValue, objectLabelOf, quoteText, stringValue } from './labels'
import { pythonRefcount } from './python'
import type { ObjectValue } from '../../protocol/dto'

/** How many properties a preview shows before `…`. */
const PREVIEW_PROPERTIES = 8
/** How long a string inside a preview may be. */
const PREVIEW_TEXT = 24
/** How much of a string `show` prints unless asked for all of it. */
export const SHOWN_TEXT = 2000

function valueInPreview(snapshot: HeapSnapshot, node: number): string {
  if (isString(snapshot, node)) {
    const text = stringValue(snapshot, node, PREVIEW_TEXT + 1)
    if (text) return quoteText(text.text, text.complete, PREVIEW_TEXT)
  }
  const graph = snapshot.graph
  const number = numberValue(snapshot, node)
  if (!Number.isNaN(number)) return String(number)
  const label = objectLabelOf(snapshot, node)
  // A function in a preview needs no location: its name says which.
  if (graph.nodeType[node] === graph.nodeTypeCode.closure) return label.replace(/ \(.*\)$/, '()')
  return label.length > 40 ? label.slice(0, 39) + '…' : label
}

/** The own properties of an object as `{a: 1, b: "x", c: Array(3)}`, or null when it has none. */
function objectPreview(snapshot: HeapSnapshot, node: number): string | null {
  const graph = snapshot.graph
  if (graph.nodeType[node] !== graph.nodeTypeCode.object) return null
  const parts: string[] = []
  let more = false
  for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
    if (graph.edgeType[edge] !== graph.edgeTypeCode.property) continue
    const name = edgeName(graph, edge)
    if (name === '__proto__' || name.startsWith('<symbol')) continue
    if (parts.length >= PREVIEW_PROPERTIES) {
      more = true
      break
    }
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)
    parts.push(`${key}: ${valueInPreview(snapshot, graph.edgeTarget[edge])}`)
  }
  if (parts.length === 0) return null
  return `{${parts.join(', ')}${more ? ', …' : ''}}`
}

/** What `show` and the object panel print as the object's value. */
export function objectValue(
  snapshot: HeapSnapshot,
  node: number,
  textLimit = SHOWN_TEXT,
): ObjectValue {
  const refcount = pythonRefcount(snapshot, node)
  const value = ownValue(snapshot, node, textLimit)
  return refcount === null ? value : { ...value, refcount }
}

function ownValue(snapshot: HeapSnapshot, node: number, textLimit: number): ObjectValue {
  const graph = snapshot.graph
  if (isString(snapshot, node)) {
    const text = stringValue(snapshot, node, textLimit)
    if (!text) return {}
    const whole = text.complete ? text.text.length : null
    return { text: { value: text.text, complete: text.complete, length: whole } }
  }
  if (graph.nodeType[node] === graph.nodeTypeCode.number) {
    const value = numberValue(snapshot, node)
    return Number.isNaN(value) ? {} : { number: value }
  }
  const preview = objectPreview(snapshot, node)
  return preview ? { preview } : {}
}
