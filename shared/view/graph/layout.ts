// The layered layout (ELK's "layered", from elkjs): roots on top, the target at the bottom.
// ELK runs wherever the caller has it: in a Web Worker in the app (renderer/views/graph/
// elk-worker.ts), in-thread in the tests and the CLI. This module only builds ELK's graph from
// the model and reads the positions back.
import type { ElkExtendedEdge, ElkNode, LayoutOptions } from 'elkjs/lib/elk-api'
import type { GraphEdge, GraphModel } from './build'
import { largestRetained, nodeScale } from './shading'

export interface Point {
  x: number
  y: number
}

export interface LayoutResult {
  /** Centre of each drawn node's shape, in graph coordinates (y grows downwards). */
  positions: Map<string, Point>
  /** Layer of each drawn node, 0 at the top. */
  ranks: Map<string, number>
  width: number
  height: number
}

/** What lays out an ELK graph: elkjs's ELK (with or without a worker), or a stand-in. */
export interface ElkEngine {
  layout(graph: ElkNode): Promise<ElkNode>
}

/** Width in px of a label in the 12px sans-serif the graph uses (an estimate, for spacing). */
export const textWidth = (text: string, fontSize = 12): number => text.length * fontSize * 0.6

const LABEL_HEIGHT = 16
/** Room between layers for the edge labels (9 px text) drawn at the middle of each edge. */
const BETWEEN_LAYERS = 52

/**
 * ELK Layered, tuned for retainer graphs of up to MAX_GRAPH_NODES nodes inside the 300 ms draw
 * budget: longest-path layering, one crossing-minimisation pass (thoroughness 1), no greedy
 * switch (it would undo the model order), Brandes–Köpf placement, no post-compaction. The model order (see elkGraphOf) breaks ties, and with a previous layout it
 * fixes the left-to-right order of each layer.
 */
const OPTIONS: LayoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.padding': '[top=8,left=8,bottom=8,right=8]',
  'elk.spacing.nodeNode': '24',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.nodeNodeBetweenLayers': String(BETWEEN_LAYERS),
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.layered.thoroughness': '1',
  // Each node one layer above the highest it retains: the target at the bottom, and the
  // fastest layering (network simplex costs about 400 ms at 200 nodes).
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  // Cytoscape draws the edges itself; ELK's routes only have to leave room for them.
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.compaction.postCompaction.strategy': 'NONE',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Layer by the direction we give the edges (cycles are turned round before, cycleEdges).
  'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
  'elk.separateConnectedComponents': 'false',
}

/**
 * A layered layout of one drawn graph. Keep one instance per graph while it grows: each run
 * keeps the previous run's left-to-right order of the nodes it drew (ELK's model order,
 * enforced), and puts the nodes an expansion adds next to what they retain, so nothing
 * shuffles.
 */
export class LayeredLayout {
  /** Positions of the last run, whose left-to-right order in each layer the next one keeps. */
  private previous: LayoutResult = { positions: new Map(), ranks: new Map(), width: 0, height: 0 }

  constructor(private readonly elk: ElkEngine) {}

  async run(model: GraphModel): Promise<LayoutResult> {
    const laidOut = await this.elk.layout(elkGraphOf(model, this.previous))
    this.previous = resultOf(model, laidOut)
    return this.previous
  }

  /** Takes `result` (an earlier run's) as the last run: the next keeps its order. */
  remember(result: LayoutResult): void {
    this.previous = result
  }
}

/** Height of a node's box: its shape, and its label below (two lines for a cycle member). */
function boxOf(node: GraphModel['nodes'][number], largest: number) {
  const { diameter } = nodeScale(node.retainedSize, largest)
  const lines = node.cycle === null ? 1 : 2 // a cycle member's label has "↻ cycle N" below
  return {
    diameter,
    width: Math.max(diameter, textWidth(node.label)),
    height: diameter + LABEL_HEIGHT * lines,
  }
}

/**
 * The ELK graph of a model. Edges that close a cycle are turned round (cycleEdges), so the
 * targets lie below what retains them. Roots no drawn edge enters are held in the first
 * layer. The children's order is the model order ELK keeps: with a previous layout, the nodes
 * it drew from left to right, each node it did not draw right after a drawn neighbour.
 */
export function elkGraphOf(model: GraphModel, previous?: LayoutResult): ElkNode {
  const largest = largestRetained(model)
  const back = cycleEdges(model)
  const edges: ElkExtendedEdge[] = model.edges.map((edge) => {
    const [from, to] = back.has(edge.id) ? [edge.target, edge.source] : [edge.source, edge.target]
    return { id: edge.id, sources: [from], targets: [to] }
  })
  const entered = new Set(edges.map((edge) => edge.targets[0]))
  const order = modelOrder(model, previous)
  const children = order.map((node): ElkNode => {
    const { width, height } = boxOf(node, largest)
    const first = node.kind === 'root' && !entered.has(node.id)
    return {
      id: node.id,
      width,
      height,
      ...(first ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } } : {}),
    }
  })
  const kept = previous !== undefined && model.nodes.some((node) => previous.positions.has(node.id))
  return {
    id: 'graph',
    layoutOptions: kept
      ? { ...OPTIONS, 'elk.layered.crossingMinimization.forceNodeModelOrder': 'true' }
      : OPTIONS,
    children,
    edges,
  }
}

/** The nodes in the order ELK should keep (see elkGraphOf). */
function modelOrder(model: GraphModel, previous?: LayoutResult): GraphModel['nodes'] {
  const drawn = previous?.positions
  if (!drawn || drawn.size === 0) return model.nodes
  const neighbours = new Map<string, string[]>()
  const link = (a: string, b: string): void => {
    neighbours.set(a, [...(neighbours.get(a) ?? []), b])
  }
  for (const edge of model.edges) {
    link(edge.source, edge.target)
    link(edge.target, edge.source)
  }
  const byId = new Map(model.nodes.map((node) => [node.id, node]))
  const old = model.nodes
    .filter((node) => drawn.has(node.id))
    .sort((a, b) => (drawn.get(a.id)?.x ?? 0) - (drawn.get(b.id)?.x ?? 0))
  // Each new node goes after the drawn node it is nearest to (breadth-first over edges).
  const after = new Map<string, string[]>()
  const placed = new Set(old.map((node) => node.id))
  let frontier = old.map((node) => node.id)
  while (frontier.length > 0) {
    const next: string[] = []
    for (const id of frontier) {
      for (const other of neighbours.get(id) ?? []) {
        if (placed.has(other)) continue
        placed.add(other)
        after.set(id, [...(after.get(id) ?? []), other])
        next.push(other)
      }
    }
    frontier = next
  }
  const out: GraphModel['nodes'] = []
  const emit = (id: string): void => {
    const node = byId.get(id)
    if (node) out.push(node)
    for (const child of after.get(id) ?? []) emit(child)
  }
  for (const node of old) emit(node.id)
  for (const node of model.nodes) if (!placed.has(node.id)) out.push(node)
  return out
}

/**
 * Node centres and layers from ELK's answer. ELK gives each box's top-left corner; the shape
 * sits at the top of its box, its label below. Layers are the bands of overlapping boxes, top
 * to bottom.
 */
export function resultOf(model: GraphModel, laidOut: ElkNode): LayoutResult {
  const largest = largestRetained(model)
  const boxes = new Map((laidOut.children ?? []).map((child) => [child.id, child]))
  const positions = new Map<string, Point>()
  const bands: { id: string; top: number; bottom: number }[] = []
  for (const node of model.nodes) {
    const box = boxes.get(node.id)
    const { diameter, width, height } = boxOf(node, largest)
    const x = (box?.x ?? 0) + (box?.width ?? width) / 2
    const top = box?.y ?? 0
    positions.set(node.id, { x, y: top + diameter / 2 })
    bands.push({ id: node.id, top, bottom: top + (box?.height ?? height) })
  }
  bands.sort((a, b) => a.top - b.top)
  const ranks = new Map<string, number>()
  let rank = -1
  let bottom = -Infinity
  for (const band of bands) {
    if (band.top >= bottom) {
      rank++ // below every box of the layer so far: a new layer starts
      bottom = band.bottom
    } else bottom = Math.max(bottom, band.bottom)
    ranks.set(band.id, rank)
  }
  return { positions, ranks, width: laidOut.width ?? 0, height: laidOut.height ?? 0 }
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
