// Size and shade by retained size, on a log scale; shape by what the object is.
import type { GraphModel, GraphNode } from './build'
import { GRAPH_PALETTES, type ColorScheme } from './palette'

// Size and shade by retained size, on a log scale so small objects stay visible.

export const MIN_DIAMETER = 16
export const MAX_DIAMETER = 52

/** Diameter in px and shade in 0..1 (0 lightest) of a node for its retained size. */
export function nodeScale(
  retainedSize: number,
  largest: number,
): { diameter: number; shade: number } {
  const top = Math.log1p(Math.max(0, largest))
  const shade = top > 0 ? Math.min(1, Math.log1p(Math.max(0, retainedSize)) / top) : 0
  return { diameter: MIN_DIAMETER + (MAX_DIAMETER - MIN_DIAMETER) * shade, shade }
}

/**
 * The fill for a shade: on a light page light grey for small retained sizes to dark blue for
 * the largest; on a dark page dark grey to bright blue.
 */
export function shadeColor(shade: number, scheme: ColorScheme = 'light'): string {
  const [low, high] = GRAPH_PALETTES[scheme].shadeEnds
  const mix = (from: number, to: number): string =>
    Math.round(from + (to - from) * Math.min(1, Math.max(0, shade)))
      .toString(16)
      .padStart(2, '0')
  return `#${low.map((from, channel) => mix(from, high[channel])).join('')}`
}

/** The largest retained size among the drawn objects (at least 1). */
export function largestRetained(model: GraphModel): number {
  return Math.max(1, ...model.nodes.map((node) => node.retainedSize))
}

/** The drawn shapes (cytoscape's names): each says what kind of object a node is. */
export type NodeShape = 'round-rectangle' | 'round-tag' | 'diamond' | 'tag' | 'barrel' | 'ellipse'

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string'])
const ARRAY_CLASS =
  /^(Array|ArrayBuffer|SharedArrayBuffer|DataView|(Big)?(Int|Uint|Float)(8|16|32|64)(Clamped)?Array)$/

/**
 * A node's shape: GC roots are rounded squares, "N more" a tag, closures diamonds, strings
 * tags, arrays, typed arrays and buffers (and V8's own arrays) barrels, every other object a
 * circle.
 */
export function nodeShape(node: Pick<GraphNode, 'kind' | 'type' | 'className'>): NodeShape {
  if (node.kind === 'root') return 'round-rectangle'
  if (node.kind === 'more') return 'round-tag'
  if (node.type === 'closure') return 'diamond'
  if (STRING_TYPES.has(node.type)) return 'tag'
  if (node.type === 'array' || ARRAY_CLASS.test(node.className)) return 'barrel'
  return 'ellipse'
}
