// Where was this object allocated? For snapshots recorded with allocation tracking, each node's
// trace_node_id points into trace_tree; walking its parents through trace_function_infos gives
// the allocation stack, innermost frame first (as DevTools' Allocation stack pane shows it).
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import type { StackFrame } from '../../protocol/dto'

/** Trace node id -> preorder position in the flattened trace tree. */
export const traceIndex = perSnapshot((snapshot) => {
  const tree = snapshot.graph.traceTree
  const index = new Map<number, number>()
  if (tree) tree.id.forEach((id, position) => index.set(id, position))
  return index
})

/** Where each field sits in a record of trace_function_infos, and how long a record is. */
export function traceInfoFields(snapshot: HeapSnapshot): {
  fieldCount: number
  name: number
  scriptName: number
  scriptId: number
  line: number
  column: number
} {
  const fields = snapshot.graph.layout.traceFunctionInfoFields
  const field = (name: string, fallback: number): number => {
    const found = fields.indexOf(name)
    return found === -1 ? fallback : found
  }
  return {
    fieldCount: fields.length || 6,
    name: field('name', 1),
    scriptName: field('script_name', 2),
    scriptId: field('script_id', 3),
    line: field('line', 4),
    column: field('column', 5),
  }
}

/** Whether the snapshot recorded allocation stacks. */
export function hasAllocationStacks(snapshot: HeapSnapshot): boolean {
  return snapshot.graph.traceTree !== null && snapshot.graph.traceFunctionInfos.length > 0
}

/** The allocation stack of a node, innermost first; null when none was recorded. */
export function getAllocationStack(snapshot: HeapSnapshot, node: number): StackFrame[] | null {
  const { graph } = snapshot
  const tree = graph.traceTree
  const traceNodeId = graph.traceNodeId[node]
  if (!tree || traceNodeId === 0) return null
  let position = traceIndex(snapshot).get(traceNodeId)
  if (position === undefined) return null
  const {
    fieldCount,
    name: nameField,
    scriptName: scriptNameField,
    scriptId: scriptIdField,
    line: lineField,
    column: columnField,
  } = traceInfoFields(snapshot)
  const infos = graph.traceFunctionInfos
  const frames: StackFrame[] = []
  while (position !== undefined && position >= 0 && frames.length < 10_000) {
    const record = tree.functionInfo[position] * fieldCount
    if (record + fieldCount <= infos.length) {
      const functionName = graph.strings.get(infos[record + nameField]) ?? ''
      // The tree's top is a synthetic "(root)" frame, which says nothing.
      if (!(tree.parent[position] === -1 && functionName === '(root)')) {
        frames.push({
          functionName,
          scriptName: graph.strings.get(infos[record + scriptNameField]) ?? '',
          scriptId: infos[record + scriptIdField],
          line: infos[record + lineField] || null,
          column: infos[record + columnField] || null,
        })
      }
    }
    position = tree.parent[position]
  }
  return frames
}
