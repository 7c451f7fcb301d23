// Exports of the drawn graph: DOT and SVG.
import type { GraphEdge, GraphModel, GraphNode, NodeKind } from './build'
import { type Point, textWidth } from './layout'
import { GRAPH_PALETTES } from './palette'
import { largestRetained, nodeScale, shadeColor } from './shading'

/** Exports are drawn on white: the light page's colours. */
const PALETTE = GRAPH_PALETTES.light

/** An edge's text: its label, with scissors when it is cut. */
export const edgeText = (edge: GraphEdge): string =>
  edge.isCut ? `✂ ${edge.label}`.trim() : edge.label

/** A node's label with its marks in words, for exports without colour. */
const dotNodeLabel = (node: GraphNode): string =>
  [node.label, node.isNew ? '(new)' : '', node.isFreed ? '(freed)' : ''].filter(Boolean).join(' ')

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
      node.kind === 'target'
        ? ', style=bold'
        : node.kind === 'more' || node.isFreed
          ? ', style=dashed'
          : ''
    const color =
      node.cycle !== null ? ', color=orange' : node.isNew ? `, color=${quote(PALETTE.newFill)}` : ''
    const freed = node.isFreed ? ', fontcolor=gray' : ''
    lines.push(`  ${quote(node.id)} [label=${quote(dotNodeLabel(node))}${style}${color}${freed}];`)
  }
  for (const edge of model.edges) {
    const marks = edge.isCut
      ? `, style=dashed, color=${quote(PALETTE.cut)}`
      : `${edge.isWeak ? ', style=dashed' : ''}${edge.isOnAlivePath ? `, color=${quote(PALETTE.alive)}, penwidth=2` : ''}`
    lines.push(
      `  ${quote(edge.source)} -> ${quote(edge.target)} [label=${quote(edgeText(edge))}${marks}];`,
    )
  }
  lines.push('}')
  return lines.join('\n')
}

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

const NODE_COLORS: Record<NodeKind, string | null> = {
  root: PALETTE.root,
  target: PALETTE.target,
  more: PALETTE.quiet,
  object: null,
}

/** An outline of the page's colour behind text, so labels stay readable where lines cross. */
const HALO = ` stroke="${PALETTE.paper}" stroke-width="3" paint-order="stroke"`

export const round = (value: number): string => String(Math.round(value * 10) / 10)

/** One stroke for a node's shape: cycle ring, new-object ring, target ring, dashes. */
function svgStroke(node: GraphNode): string {
  const dash = node.kind === 'more' || node.isFreed ? ' stroke-dasharray="3 2"' : ''
  if (node.cycle !== null) return ` stroke="${PALETTE.cycle}" stroke-width="3"${dash}`
  if (node.isNew) return ` stroke="${PALETTE.newText}" stroke-width="3"${dash}`
  if (node.kind === 'target') return ` stroke="${PALETTE.targetLine}" stroke-width="3"${dash}`
  return dash ? ` stroke="${PALETTE.line}"${dash}` : ''
}

function svgNode(node: GraphNode, at: Point, largest: number): string {
  const { diameter, shade } = nodeScale(node.retainedSize, largest)
  const radius = diameter / 2
  const fill = node.isFreed
    ? PALETTE.quiet
    : node.isNew
      ? PALETTE.newFill
      : (NODE_COLORS[node.kind] ?? shadeColor(shade))
  const stroke = svgStroke(node)
  const shape =
    node.kind === 'root' || node.kind === 'more'
      ? `<rect x="${round(at.x - radius)}" y="${round(at.y - radius)}" width="${round(diameter)}" height="${round(diameter)}" rx="4" fill="${fill}"${stroke}/>`
      : `<circle cx="${round(at.x)}" cy="${round(at.y)}" r="${round(radius)}" fill="${fill}"${stroke}/>`
  const cycle =
    (node.cycle === null ? '' : ` (in cycle ${node.cycle})`) +
    (node.isNew ? ' (new)' : '') +
    (node.isFreed ? ' (freed by the cut)' : '')
  const text = (line: string, dy: number): string =>
    `<text x="${round(at.x)}" y="${round(at.y + radius + dy)}" text-anchor="middle" fill="${PALETTE.nodeText}"${HALO}>${escapeXml(line)}</text>`
  return [
    `<g class="node ${node.kind}" data-id="${escapeXml(node.id)}">`,
    `<title>${escapeXml(node.label + cycle)}</title>`,
    shape,
    text(node.label, 12),
    node.cycle === null ? '' : text(`↻ cycle ${node.cycle}`, 24),
    '</g>',
  ].join('')
}

function svgEdge(edge: GraphEdge, from: Point, to: Point, targetRadius: number): string {
  const dx = to.x - from.x
  const dy = to.y - from.y
  const length = Math.hypot(dx, dy) || 1
  // Stop at the target's rim so the arrow head shows.
  const end = {
    x: to.x - (dx / length) * (targetRadius + 2),
    y: to.y - (dy / length) * (targetRadius + 2),
  }
  const dash = edge.isWeak || edge.isCut ? ' stroke-dasharray="5 3"' : ''
  const color = edge.isCut ? PALETTE.cut : edge.isOnAlivePath ? PALETTE.alive : PALETTE.line
  const width = edge.isCut || edge.isOnAlivePath ? 3 : 1.5
  const line = `<line x1="${round(from.x)}" y1="${round(from.y)}" x2="${round(end.x)}" y2="${round(end.y)}" stroke="${color}" stroke-width="${width}" marker-end="url(#arrow)"${dash}/>`
  const label = edgeText(edge)
  const text = label
    ? `<text x="${round((from.x + to.x) / 2)}" y="${round((from.y + to.y) / 2)}" text-anchor="middle" font-size="9" fill="${PALETTE.edgeText}"${HALO}>${escapeXml(label)}</text>`
    : ''
  return `<g class="edge">${line}${text}</g>`
}

function bounds(model: GraphModel, positions: ReadonlyMap<string, Point>, largest: number) {
  let left = Infinity
  let top = Infinity
  let right = -Infinity
  let bottom = -Infinity
  for (const node of model.nodes) {
    const at = positions.get(node.id)
    if (!at) continue
    const radius = nodeScale(node.retainedSize, largest).diameter / 2
    const half = Math.max(radius, textWidth(node.label) / 2)
    left = Math.min(left, at.x - half)
    right = Math.max(right, at.x + half)
    top = Math.min(top, at.y - radius)
    bottom = Math.max(bottom, at.y + radius + (node.cycle === null ? 16 : 28))
  }
  return Number.isFinite(left)
    ? { left, top, right, bottom }
    : { left: 0, top: 0, right: 0, bottom: 0 }
}

/** The drawn graph as a standalone SVG document, from node positions (graph coordinates). */
export function toSvg(
  model: GraphModel,
  positions: ReadonlyMap<string, Point>,
  title = 'Retainer graph',
): string {
  const largest = largestRetained(model)
  const margin = 20
  const box = bounds(model, positions, largest)
  const width = box.right - box.left + 2 * margin
  const height = box.bottom - box.top + 2 * margin
  const byId = new Map(model.nodes.map((node) => [node.id, node]))
  const edges = model.edges.flatMap((edge) => {
    const from = positions.get(edge.source)
    const to = positions.get(edge.target)
    const target = byId.get(edge.target)
    if (!from || !to || !target) return []
    return [svgEdge(edge, from, to, nodeScale(target.retainedSize, largest).diameter / 2)]
  })
  const nodes = model.nodes.flatMap((node) => {
    const at = positions.get(node.id)
    return at ? [svgNode(node, at, largest)] : []
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${round(box.left - margin)} ${round(box.top - margin)} ${round(width)} ${round(height)}" width="${Math.ceil(width)}" height="${Math.ceil(height)}" font-family="sans-serif" font-size="10">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${PALETTE.line}"/></marker></defs>`,
    `<rect x="${round(box.left - margin)}" y="${round(box.top - margin)}" width="${round(width)}" height="${round(height)}" fill="${PALETTE.paper}"/>`,
    `<g class="edges">${edges.join('')}</g>`,
    `<g class="nodes">${nodes.join('')}</g>`,
    '</svg>',
  ].join('\n')
}
