// Shared by the renderer and its tests: a pure model of the retainer graph view.
// The bounded neighbourhood drawn for an object: its retainer paths from the GC roots plus the
// retainers the user expanded, merged by node. Never the heap: fan-ins fold into an "N more"
// node, and weak references are left out unless asked for.
import type { ObjectSummary, PathStepDto, Reference } from '../protocol'
import { formatEdge } from './format'

/** How many retainers an expanded node shows before folding the rest into "N more". */
export const MAX_FAN_IN = 8

export interface GraphNode {
  id: string
  node: number | null
  label: string
  className: string
  retainedSize: number
  kind: 'root' | 'target' | 'object' | 'more'
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  label: string
  isWeak: boolean
}

export interface Expansion {
  retainers: Reference[]
  total: number
}

export interface GraphModel {
  nodes: GraphNode[]
  edges: GraphEdge[]
}

const nodeId = (node: number): string => `n${node}`

function label(object: ObjectSummary): string {
  return `${object.className} @${object.id}`
}

export function buildGraphModel(
  target: ObjectSummary,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  showWeak: boolean,
): GraphModel {
  const nodes = new Map<string, GraphNode>()
  const edges = new Map<string, GraphEdge>()
  const addNode = (object: ObjectSummary, kind: GraphNode['kind']): string => {
    const id = nodeId(object.node)
    const existing = nodes.get(id)
    if (!existing || (existing.kind === 'object' && kind !== 'object')) {
      nodes.set(id, {
        id,
        node: object.node,
        label: label(object),
        className: object.className,
        retainedSize: object.retainedSize,
        kind,
      })
    }
    return id
  }
  const addEdge = (
    source: string,
    targetId: string,
    type: string,
    name: string,
    isWeak: boolean,
  ): void => {
    const id = `${source}>${targetId}:${type}:${name}`
    edges.set(id, { id, source, target: targetId, label: formatEdge(type, name), isWeak })
  }
  addNode(target, 'target')
  for (const path of paths) {
    path.forEach((step, position) => {
      const id = addNode(
        step.node,
        position === 0 ? 'root' : step.node.node === target.node ? 'target' : 'object',
      )
      if (position > 0 && step.edge)
        addEdge(nodeId(path[position - 1].node.node), id, step.edge.type, step.edge.name, false)
    })
  }
  for (const [expanded, { retainers, total }] of expansions) {
    const retained = nodeId(expanded)
    if (!nodes.has(retained)) continue
    let shown = 0
    for (const reference of retainers) {
      if (reference.edge.isWeak && !showWeak) continue
      if (shown === MAX_FAN_IN) break
      const source = addNode(reference.node, 'object')
      addEdge(source, retained, reference.edge.type, reference.edge.name, reference.edge.isWeak)
      shown++
    }
    const hidden = total - shown
    if (hidden > 0) {
      const id = `more-${expanded}`
      nodes.set(id, {
        id,
        node: null,
        label: `${hidden.toLocaleString('en-US')} more`,
        className: '',
        retainedSize: 0,
        kind: 'more',
      })
      edges.set(`${id}>${retained}`, {
        id: `${id}>${retained}`,
        source: id,
        target: retained,
        label: '',
        isWeak: false,
      })
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] }
}

/** The subgraph in Graphviz DOT, for people who lay it out elsewhere. */
export function toDot(model: GraphModel): string {
  const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  const lines = [
    'digraph retainers {',
    '  rankdir=TB;',
    '  node [shape=box, fontname="sans-serif"];',
  ]
  for (const node of model.nodes) {
    const style =
      node.kind === 'target' ? ', style=bold' : node.kind === 'more' ? ', style=dashed' : ''
    lines.push(`  ${quote(node.id)} [label=${quote(node.label)}${style}];`)
  }
  for (const edge of model.edges) {
    lines.push(
      `  ${quote(edge.source)} -> ${quote(edge.target)} [label=${quote(edge.label)}${edge.isWeak ? ', style=dashed' : ''}];`,
    )
  }
  lines.push('}')
  return lines.join('\n')
}
