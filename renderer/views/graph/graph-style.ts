// The retainer graph's look in cytoscape: the stylesheet, and the model turned into elements
// (size and shade by retained size, a ring and a line "↻ cycle N" for cycle members, dashed
// weak edges, new objects in purple; with a cut: the cut edge dashed red with
// scissors, freed objects greyed, the path that keeps the target alive in green). Kept apart
// from the view so the view stays about data flow. Light and dark pages each have a palette;
// every node carries its fill for both, so a change of the OS theme only swaps the stylesheet.
// The colours are shared/view/graph/palette.ts's, as the exports'.
import type { ElementDefinition, StylesheetJson } from 'cytoscape'
import {
  edgeText,
  GRAPH_PALETTES,
  largestRetained,
  nodeScale,
  nodeShape,
  shadeColor,
  type ColorScheme,
  type GraphModel,
  type Point,
} from '../../../shared/view/graph-model'

/** The labels' size at 100 % zoom, px: nodes and edges alike. */
export const LABEL_FONT_PX = 12

/** The page colour the graph is drawn on. */
export const paperColor = (scheme: ColorScheme): string => GRAPH_PALETTES[scheme].paper

function nodeLabel(label: string, cycle: number | null): string {
  return cycle === null ? label : `${label}\n↻ cycle ${cycle}`
}

/** Cytoscape elements for the model, nodes placed at `positions` (graph coordinates). */
export function elementsOf(
  model: GraphModel,
  positions: ReadonlyMap<string, Point>,
): ElementDefinition[] {
  const largest = largestRetained(model)
  const nodes = model.nodes.map((node): ElementDefinition => {
    const { diameter, shade } = nodeScale(node.retainedSize, largest)
    return {
      group: 'nodes',
      data: {
        id: node.id,
        label: nodeLabel(node.label, node.cycle),
        kind: node.kind,
        shape: nodeShape(node),
        size: diameter,
        color: shadeColor(shade, 'light'),
        darkColor: shadeColor(shade, 'dark'),
        cycle: node.cycle ?? 0,
        isNew: node.isNew ? 1 : 0,
        freed: node.isFreed ? 1 : 0,
        alive: node.isOnAlivePath ? 1 : 0,
      },
      position: { ...(positions.get(node.id) ?? { x: 0, y: 0 }) },
    }
  })
  const edges = model.edges.map((edge): ElementDefinition => ({
    group: 'edges',
    data: {
      id: edge.id,
      source: edge.source,
      target: edge.target,
      label: edgeText(edge),
      weak: edge.isWeak ? 1 : 0,
      folded: edge.via === null ? 0 : 1,
      cut: edge.isCut ? 1 : 0,
      alive: edge.isOnAlivePath ? 1 : 0,
    },
  }))
  return [...nodes, ...edges]
}

/** The stylesheet for a light or a dark page. */
export function graphStyle(scheme: ColorScheme): StylesheetJson {
  const palette = GRAPH_PALETTES[scheme]
  return [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        width: 'data(size)',
        height: 'data(size)',
        // 12 px at 100 % zoom, the zoom a draw never goes below by itself (graph-canvas.ts).
        'font-size': LABEL_FONT_PX,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-wrap': 'wrap',
        'background-color': scheme === 'dark' ? 'data(darkColor)' : 'data(color)',
        'border-width': 1,
        'border-color': palette.line,
        color: palette.nodeText,
        shape: 'data(shape)' as 'ellipse',
      },
    },
    {
      selector: 'node[kind = "root"]',
      style: {
        'background-color': palette.root,
        'border-color': palette.rootLine,
      },
    },
    {
      selector: 'node[kind = "target"]',
      style: {
        'background-color': palette.target,
        'border-width': 3,
        'border-color': palette.targetLine,
      },
    },
    {
      selector: 'node[kind = "more"]',
      style: {
        'background-color': palette.quiet,
        'border-style': 'dashed',
        'border-width': 1,
      },
    },
    {
      selector: 'node[isNew = 1]',
      style: {
        'background-color': palette.newFill,
        'border-width': 3,
        'border-color': palette.newText,
        color: palette.newText,
      },
    },
    {
      selector: 'node[cycle > 0]',
      style: { 'border-width': 4, 'border-color': palette.cycle, 'border-style': 'double' },
    },
    {
      selector: 'node[freed = 1]',
      style: {
        'background-color': palette.quiet,
        'border-style': 'dashed',
        'border-color': palette.line,
        opacity: 0.55,
        color: palette.line,
      },
    },
    {
      selector: 'node[alive = 1]',
      style: { 'border-width': 3, 'border-color': palette.alive },
    },
    {
      selector: 'edge',
      style: {
        label: 'data(label)',
        'font-size': LABEL_FONT_PX,
        width: 1.5,
        'curve-style': 'bezier',
        'target-arrow-shape': 'triangle',
        'line-color': palette.line,
        'target-arrow-color': palette.line,
        color: palette.edgeText,
        'text-background-color': palette.paper,
        'text-background-opacity': 0.85,
        'text-background-padding': '1px',
      },
    },
    {
      selector: 'edge[folded = 1]',
      style: { 'line-color': palette.foldedLine, 'target-arrow-color': palette.foldedLine },
    },
    { selector: 'edge[weak = 1]', style: { 'line-style': 'dashed' } },
    {
      selector: 'edge[alive = 1]',
      style: { width: 3, 'line-color': palette.alive, 'target-arrow-color': palette.alive },
    },
    {
      selector: 'edge[cut = 1]',
      style: {
        width: 2.5,
        'line-style': 'dashed',
        'line-color': palette.cut,
        'target-arrow-color': palette.cut,
        color: palette.cut,
        'font-weight': 'bold',
      },
    },
    {
      selector: 'edge:selected',
      style: { width: 3, 'line-color': palette.highlight, 'target-arrow-color': palette.highlight },
    },
    {
      selector: 'node.keyboard-focus',
      style: {
        'border-width': 4,
        'border-color': palette.highlight,
        'border-style': 'solid',
        'underlay-color': palette.highlight,
        'underlay-opacity': 0.25,
        'underlay-padding': 6,
      },
    },
    {
      selector: '.highlighted',
      style: {
        'line-color': palette.highlight,
        'target-arrow-color': palette.highlight,
        'border-color': palette.highlight,
        'border-width': 3,
      },
    },
  ]
}
