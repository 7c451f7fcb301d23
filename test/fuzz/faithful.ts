// Checks a loaded snapshot against its own text: graph invariants always, and for text that is
// JSON, every node, edge and string against JSON.parse. Returns problems, never throws,
// so a fuzz case can tell "loaded" from "loaded something the file does not say".
import type { ParsedSnapshot } from '../../shared/heap/parse/snapshot-parser'

/** JSON.parse of texts above this is skipped (only the invariants are checked). */
const ORACLE_MAX_BYTES = 8 * 1024 * 1024
const MAX_PROBLEMS = 4

interface RawText {
  snapshot: {
    meta: { node_fields: string[]; edge_fields: string[] }
    node_count?: unknown
    edge_count?: unknown
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

function invariantProblems(parsed: ParsedSnapshot): string[] {
  const { nodeCount, edgeCount, firstEdge, edgeTarget, nodeName, strings } = parsed
  const problems: string[] = []
  if (firstEdge[0] !== 0 || firstEdge[nodeCount] !== edgeCount) {
    problems.push(`firstEdge runs ${firstEdge[0]}..${firstEdge[nodeCount]}, not 0..${edgeCount}`)
  }
  for (let node = 0; node < nodeCount && problems.length < MAX_PROBLEMS; node++) {
    if (firstEdge[node + 1] < firstEdge[node]) problems.push(`firstEdge decreases at ${node}`)
    if (nodeName[node] >= strings.length) problems.push(`node ${node} names a missing string`)
  }
  for (let edge = 0; edge < edgeCount && problems.length < MAX_PROBLEMS; edge++) {
    if (edgeTarget[edge] >= nodeCount) problems.push(`edge ${edge} points past the nodes`)
  }
  return problems
}

/** How a loaded snapshot was checked: against JSON.parse, or by invariants alone. */
export type OracleUse = 'json' | 'not-json' | 'too-large'

export interface Faithfulness {
  problems: string[]
  oracle: OracleUse
}

function asJson(bytes: Uint8Array): RawText | null {
  try {
    // Not fatal: the parser decodes ill-formed UTF-8 as TextDecoder does (U+FFFD per maximal
    // subpart), so the two must agree on such strings too.
    const text = new TextDecoder('utf-8').decode(bytes)
    return JSON.parse(text) as RawText
  } catch {
    return null // not JSON (a leading zero, a raw control character, ...): invariants only
  }
}

function nodeProblems(parsed: ParsedSnapshot, raw: RawText): string[] {
  const fields = raw.snapshot.meta.node_fields
  const count = fields.length
  const at = (name: string): number => fields.indexOf(name)
  const columns: [string, ArrayLike<number>][] = [
    ['type', parsed.nodeType],
    ['name', parsed.nodeName],
    ['id', parsed.nodeId],
    ['self_size', parsed.nodeSelfSize],
  ]
  if (raw.nodes.length !== parsed.nodeCount * count) {
    return [`${parsed.nodeCount} nodes parsed, the text has ${raw.nodes.length / count}`]
  }
  let firstEdge = 0
  for (let node = 0; node < parsed.nodeCount; node++) {
    for (const [name, column] of columns) {
      const expected = raw.nodes[node * count + at(name)]
      if (column[node] !== expected) return [`node ${node} ${name} ${column[node]} != ${expected}`]
    }
    if (parsed.firstEdge[node] !== firstEdge) return [`node ${node} firstEdge is off`]
    firstEdge += raw.nodes[node * count + at('edge_count')]
  }
  return []
}

function edgeProblems(parsed: ParsedSnapshot, raw: RawText): string[] {
  const fields = raw.snapshot.meta.edge_fields
  const count = fields.length
  const nodeFieldCount = raw.snapshot.meta.node_fields.length
  if (raw.edges.length !== parsed.edgeCount * count) {
    return [`${parsed.edgeCount} edges parsed, the text has ${raw.edges.length / count}`]
  }
  for (let edge = 0; edge < parsed.edgeCount; edge++) {
    const row = edge * count
    const type = raw.edges[row + fields.indexOf('type')]
    const name = raw.edges[row + fields.indexOf('name_or_index')]
    const target = raw.edges[row + fields.indexOf('to_node')]
    if (parsed.edgeType[edge] !== type) return [`edge ${edge} type differs`]
    if (parsed.edgeNameOrIndex[edge] !== name) return [`edge ${edge} name_or_index differs`]
    if (parsed.edgeTarget[edge] * nodeFieldCount !== target) return [`edge ${edge} target differs`]
  }
  return []
}

function stringProblems(parsed: ParsedSnapshot, raw: RawText): string[] {
  if (parsed.strings.length !== raw.strings.length) {
    return [`${parsed.strings.length} strings parsed, the text has ${raw.strings.length}`]
  }
  for (let id = 0; id < raw.strings.length; id++) {
    if (parsed.strings.get(id) !== raw.strings[id]) {
      const show = (value: string): string => JSON.stringify(value.slice(0, 40))
      return [
        `string ${id} is ${show(parsed.strings.get(id))}, the text says ${show(raw.strings[id])}`,
      ]
    }
  }
  return []
}

/** A header count that lies must not load: it must match what the arrays hold. */
function countProblems(parsed: ParsedSnapshot, raw: RawText): string[] {
  const problems: string[] = []
  const { node_count: nodes, edge_count: edges } = raw.snapshot
  if (nodes !== undefined && nodes !== parsed.nodeCount) {
    problems.push(`the header says node_count ${JSON.stringify(nodes)}, ${parsed.nodeCount} loaded`)
  }
  if (edges !== undefined && edges !== parsed.edgeCount) {
    problems.push(`the header says edge_count ${JSON.stringify(edges)}, ${parsed.edgeCount} loaded`)
  }
  return problems
}

/** Problems of `parsed` as a reading of `text` (none when it is faithful), and how it was checked. */
export function checkFaithful(parsed: ParsedSnapshot, text: Uint8Array): Faithfulness {
  const invariants = invariantProblems(parsed)
  if (text.length > ORACLE_MAX_BYTES) return { problems: invariants, oracle: 'too-large' }
  const raw = invariants.length > 0 ? null : asJson(text)
  if (raw === null) return { problems: invariants, oracle: 'not-json' }
  const problems = [
    ...countProblems(parsed, raw),
    ...nodeProblems(parsed, raw),
    ...edgeProblems(parsed, raw),
    ...stringProblems(parsed, raw),
  ]
  return { problems, oracle: 'json' }
}
