// The layered layout (dagre): roots on top, the target at the bottom.
import dagre, {
  type EdgeLabel,
  type GraphLabel,
  type NodeLabel,
  type OrderConstraint,
} from '@dagrejs/dagre'
import type { GraphEdge, GraphModel } from './build'
import { largestRetained, nodeScale } from './shading'

// Layered layout (dagre's Sugiyama): roots on the top rank, the target at the bottom.

export interface Point {
  x: number
  y: number
}

export interface LayoutResult {
  /** Centre of each drawn node's shape, in graph coordinates (y grows downwards). */
  positions: Map<string, Point>
  /** Layer of each drawn node, 0 at the top (dagre's ranks, where edge labels have layers too). */
  ranks: Map<string, number>
  width: number
  height: number
}

/** Width in px of a label in the 12px sans-serif the graph uses (an estimate, for spacing). */
export const textWidth = (text: string, fontSize = 12): number => text.length * fontSize * 0.6

/** An invisible node above every root: its heavy edges pull all roots up to one top rank. */
const TOP = '\u0000top'
const LABEL_HEIGHT = 16

/**
 * A layered layout of one drawn graph. Keep one instance per graph while it grows: each run
 * keeps the previous run's left-to-right order of the nodes still in one rank (dagre order
 * constraints), so the nodes an expansion adds do not shuffle the others.
 */
export class LayeredLayout {
  private readonly graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({
    multigraph: true,
  })

  constructor() {
    this.graph.setGraph({
      rankdir: 'TB',
      nodesep: 24,
      edgesep: 12,
      ranksep: 36,
      rankalign: 'top',
      marginx: 8,
      marginy: 8,
    })
  }

  run(model: GraphModel): LayoutResult {
    this.place(model)
    // A node that leads only down to the target (a cycle's member turned round, say) may rise
    // above the roots: tie it under TOP too, weightless, and lay out once more. Retainers of a
    // root are above it by right, and stay.
    const risen = this.risen(model)
    if (risen.length > 0) {
      for (const id of risen) this.lifted.add(id)
      this.place(model)
    }
    return this.result(model)
  }

  /** Sources of the ranked graph above the roots that do not lead up to a root. */
  private risen(model: GraphModel): string[] {
    const roots = model.nodes.filter((node) => node.kind === 'root').map((node) => node.id)
    const rootRank = Math.min(...roots.map((id) => this.rank(id)))
    const aboveRoots = new Set(roots)
    const queue = [...roots]
    for (let next = 0; next < queue.length; next++) {
      for (const edge of this.graph.inEdges(queue[next]) ?? []) {
        if (edge.v === TOP || aboveRoots.has(edge.v)) continue
        aboveRoots.add(edge.v)
        queue.push(edge.v)
      }
    }
    return model.nodes
      .map((node) => node.id)
      .filter(
        (id) =>
          !this.lifted.has(id) &&
          !aboveRoots.has(id) &&
          this.rank(id) < rootRank &&
          (this.graph.inEdges(id) ?? []).every((edge) => edge.v === TOP),
      )
  }

  private readonly lifted = new Set<string>()

  /** Takes `result` (an earlier run's) as the last run: the next keeps its order. */
  remember(result: LayoutResult): void {
    this.previous = result
  }

  private rank(id: string): number {
    return this.graph.node(id)?.rank ?? 0
  }

  private place(model: GraphModel): void {
    this.sync(model)
    // Stability comes from the constraints; dagre's own dynamic mode costs O(N) per comparison.
    dagre.layout(this.graph, { useDynamic: false, constraints: this.constraints(model) })
  }

  /** Positions of the last run, whose left-to-right order in each rank the next one keeps. */
  private previous: LayoutResult = { positions: new Map(), ranks: new Map(), width: 0, height: 0 }

  /** Left-of constraints between neighbours of the last run's ranks that are still drawn. */
  private constraints(model: GraphModel): OrderConstraint[] {
    const { positions, ranks } = this.previous
    const rows = new Map<number, string[]>()
    for (const node of model.nodes) {
      const rank = ranks.get(node.id)
      if (rank !== undefined) rows.set(rank, [...(rows.get(rank) ?? []), node.id])
    }
    const out: OrderConstraint[] = []
    for (const row of rows.values()) {
      row.sort((a, b) => (positions.get(a)?.x ?? 0) - (positions.get(b)?.x ?? 0))
      for (let k = 1; k < row.length; k++) out.push({ left: row[k - 1], right: row[k] })
    }
    return out
  }

  /** Node centres: each shape sits at the top of its box, its label in the rest below it. */
  private result(model: GraphModel): LayoutResult {
    const positions = new Map<string, Point>()
    const ranks = new Map<string, number>()
    const largest = largestRetained(model)
    const top = Math.min(...model.nodes.map((node) => this.graph.node(node.id).rank ?? 0))
    let width = 0
    let height = 0
    for (const node of model.nodes) {
      const box = this.graph.node(node.id)
      const { diameter } = nodeScale(node.retainedSize, largest)
      const at = { x: box.x ?? 0, y: (box.y ?? 0) - (box.height - diameter) / 2 }
      positions.set(node.id, at)
      ranks.set(node.id, (box.rank ?? 0) - top)
      width = Math.max(width, (box.x ?? 0) + box.width / 2)
      height = Math.max(height, (box.y ?? 0) + box.height / 2)
    }
    this.previous = { positions, ranks, width, height }
    return this.previous
  }

  /** Makes the dagre graph the model's: same nodes and edges, sizes from the labels. */
  private sync(model: GraphModel): void {
    const graph = this.graph
    const largest = largestRetained(model)
    const edges = layoutEdges(model, this.lifted)
    const wantedNodes = new Set([TOP, ...model.nodes.map((node) => node.id)])
    const wantedEdges = new Set(edges.map((edge) => `${edge.v}>${edge.w}:${edge.name}`))
    for (const id of graph.nodes()) if (!wantedNodes.has(id)) graph.removeNode(id)
    for (const edge of graph.edges()) {
      if (!wantedEdges.has(`${edge.v}>${edge.w}:${edge.name}`)) graph.removeEdge(edge)
    }
    graph.setNode(TOP, { width: 0, height: 0 })
    for (const node of model.nodes) {
      const { diameter } = nodeScale(node.retainedSize, largest)
      const width = Math.max(diameter, textWidth(node.label))
      const lines = node.cycle === null ? 1 : 2 // a cycle member's label has "↻ cycle N" below
      graph.setNode(node.id, { width, height: diameter + LABEL_HEIGHT * lines })
    }
    for (const edge of edges) graph.setEdge(edge.v, edge.w, edge.label, edge.name)
  }
}

interface LayoutEdge {
  v: string
  w: string
  name: string
  label: EdgeLabel
}

/**
 * The drawn edges that close a cycle, seen from the targets: depth-first walks up the
 * retainers from each target, and each edge out of a node still on a walk's stack. Turning
 * these round leaves no cycle, and every node keeps its way down to the target.
 */
export function cycleEdges(model: GraphModel): Set<string> {
  const into = new Map<string, GraphEdge[]>()
  for (const edge of model.edges) into.set(edge.target, [...(into.get(edge.target) ?? []), edge])
  const back = new Set<string>()
  const visited = new Set<string>()
  for (const target of model.nodes.filter((node) => node.kind === 'target')) {
    if (!visited.has(target.id)) walkUp(target.id, into, visited, back)
  }
  return back
}

/** One depth-first walk of cycleEdges from a target, adding the edges that close a cycle. */
function walkUp(
  start: string,
  into: ReadonlyMap<string, GraphEdge[]>,
  visited: Set<string>,
  back: Set<string>,
): void {
  const onStack = new Set([start])
  visited.add(start)
  const stack = [{ id: start, next: 0 }]
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]
    const edge = (into.get(frame.id) ?? [])[frame.next++]
    if (!edge) {
      onStack.delete(frame.id)
      stack.pop()
    } else if (onStack.has(edge.source)) {
      back.add(edge.id)
    } else if (!visited.has(edge.source)) {
      visited.add(edge.source)
      onStack.add(edge.source)
      stack.push({ id: edge.source, next: 0 })
    }
  }
}

/**
 * The edges dagre ranks: each drawn edge, turned round when it closes a cycle (see cycleEdges)
 * so the targets are the only sinks and lie below what retains them; plus heavy edges from TOP that hold
 * every root on the top rank, and weightless ones that keep the lifted nodes (see
 * LayeredLayout.run) from rising above it.
 */
function layoutEdges(model: GraphModel, lifted: ReadonlySet<string>): LayoutEdge[] {
  const back = cycleEdges(model)
  const edges = model.edges.map((edge): LayoutEdge => {
    const label: EdgeLabel = {
      width: edge.label ? textWidth(edge.label, 9) : 0,
      height: edge.label ? 12 : 0,
      labelpos: 'c',
      minlen: 1,
      weight: 1,
    }
    return back.has(edge.id)
      ? { v: edge.target, w: edge.source, name: edge.id, label }
      : { v: edge.source, w: edge.target, name: edge.id, label }
  })
  for (const node of model.nodes) {
    if (node.kind === 'root') {
      edges.push({ v: TOP, w: node.id, name: `top>${node.id}`, label: { minlen: 1, weight: 100 } })
    } else if (lifted.has(node.id)) {
      edges.push({ v: TOP, w: node.id, name: `top>${node.id}`, label: { minlen: 1, weight: 0 } })
    }
  }
  return edges
}
