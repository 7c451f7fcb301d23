// DOM link state, as DevTools' propagateDOMState computes it: attached propagates to native
// children first, then detached to what is not attached; detached native nodes are renamed
// "Detached <name>" in place. JS nodes stop propagation (every embedder entry knows its state).
import { addString, type HeapGraph } from '../graph/heap-graph'

const ATTACHED = 1
const DETACHED = 2

/** Propagates detachedness through native nodes and renames detached ones. */
export function propagateDomState(graph: HeapGraph): void {
  const { nodeCount, nodeType, nodeName, detachedness, firstEdge, edgeType, edgeTarget, strings } =
    graph
  const native = graph.nodeTypeCode.native
  if (graph.layout.nodeDetachednessField === -1) {
    // Old snapshots: native objects named 'Detached …' are detached; nothing propagates.
    for (let node = 0; node < nodeCount; node++) {
      if (nodeType[node] === native && strings.get(nodeName[node]).startsWith('Detached ')) {
        detachedness[node] = DETACHED
      }
    }
    return
  }
  const visited = new Uint8Array(nodeCount)
  const attached: number[] = []
  const detached: number[] = []
  const renamed = new Map<number, number>()
  const { hidden, weak } = graph.edgeTypeCode

  const processNode = (node: number, state: number): void => {
    if (visited[node]) return
    visited[node] = 1
    if (nodeType[node] !== native) return
    detachedness[node] = state
    if (state === ATTACHED) {
      attached.push(node)
    } else if (state === DETACHED) {
      const oldName = nodeName[node]
      let newName = renamed.get(oldName)
      if (newName === undefined) {
        newName = addString(graph, 'Detached ' + strings.get(oldName))
        renamed.set(oldName, newName)
      }
      nodeName[node] = newName
      detached.push(node)
    }
  }
  const propagate = (node: number, state: number): void => {
    const end = firstEdge[node + 1]
    for (let edge = firstEdge[node]; edge < end; edge++) {
      const type = edgeType[edge]
      if (type === hidden || type === weak) continue
      processNode(edgeTarget[edge], state)
    }
  }

  for (let node = 0; node < nodeCount; node++) {
    const state = detachedness[node]
    if (state !== 0) processNode(node, state)
  }
  while (attached.length > 0) propagate(attached.pop() as number, ATTACHED)
  while (detached.length > 0) {
    const node = detached.pop() as number
    if (detachedness[node] === ATTACHED) continue
    propagate(node, DETACHED)
  }
}
