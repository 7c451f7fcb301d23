// The retainer graph's look in cytoscape: the stylesheet, and the model turned into elements
// (size and shade by retained size, a ring and a line "↻ cycle N" for cycle members, dashed
// weak edges, new objects in purple; with a cut: the cut edge dashed red with
// scissors, freed objects greyed, the path that keeps the target alive in green). Kept apart
// from the view so the view stays about data flow.
import type { ElementDefinition, StylesheetJson } from 'cytoscape'
import {
  ALIVE_COLOR,
  CUT_COLOR,
  edgeText,
  largestRetained,
  NEW_COLOR,
  nodeScale,
  shadeColor,
  type GraphModel,
  type Point,
} from '../../../shared/view/graph-model'

const CYCLE_COLOR = '#bf8700'
const NEW_BORDER = '#512a97'
const HIGHLIGHT = '#0969da'

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
        size: diameter,
        color: shadeColor(shade),
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

export const GRAPH_STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      width: 'data(size)',
      height: 'data(size)',
      'font-size': 10,
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'text-wrap': 'wrap',
      'background-color': 'data(color)',
      'border-width': 1,
      'border-color': '#8c959f',
      color: '#424a53',
    },
  },
  {
    selector: 'node[kind = "root"]',
    style: { 'background-color': '#1a7f37', 'border-color': '#116329', shape: 'round-rectangle' },
  },
  {
    selector: 'node[kind = "target"]',
    style: { 'background-color': '#cf222e', 'border-width': 3, 'border-color': '#82071e' },
  },
  {
    selector: 'node[kind = "more"]',
    style: {
      'background-color': '#eaeef2',
      shape: 'round-tag',
      'border-style': 'dashed',
      'border-width': 1,
    },
  },
  {
    selector: 'node[isNew = 1]',
    style: {
      'background-color': NEW_COLOR,
      'border-width': 3,
      'border-color': NEW_BORDER,
      color: NEW_BORDER,
    },
  },
  {
    selector: 'node[cycle > 0]',
    style: { 'border-width': 4, 'border-color': CYCLE_COLOR, 'border-style': 'double' },
  },
  {
    selector: 'node[freed = 1]',
    style: {
      'background-color': '#eaeef2',
      'border-style': 'dashed',
      'border-color': '#8c959f',
      opacity: 0.55,
      color: '#8c959f',
    },
  },
  {
    selector: 'node[alive = 1]',
    style: { 'border-width': 3, 'border-color': ALIVE_COLOR },
  },
  {
    selector: 'edge',
    style: {
      label: 'data(label)',
      'font-size': 9,
      width: 1.5,
      'curve-style': 'bezier',
      'target-arrow-shape': 'triangle',
      'line-color': '#8c959f',
      'target-arrow-color': '#8c959f',
      color: '#24292f',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': '1px',
    },
  },
  {
    selector: 'edge[folded = 1]',
    style: { 'line-color': '#6e7781', 'target-arrow-color': '#6e7781' },
  },
  { selector: 'edge[weak = 1]', style: { 'line-style': 'dashed' } },
  {
    selector: 'edge[alive = 1]',
    style: { width: 3, 'line-color': ALIVE_COLOR, 'target-arrow-color': ALIVE_COLOR },
  },
  {
    selector: 'edge[cut = 1]',
    style: {
      width: 2.5,
      'line-style': 'dashed',
      'line-color': CUT_COLOR,
      'target-arrow-color': CUT_COLOR,
      color: CUT_COLOR,
      'font-size': 11,
      'font-weight': 'bold',
    },
  },
  {
    selector: 'edge:selected',
    style: { width: 3, 'line-color': HIGHLIGHT, 'target-arrow-color': HIGHLIGHT },
  },
  {
    selector: '.highlighted',
    style: {
      'line-color': HIGHLIGHT,
      'target-arrow-color': HIGHLIGHT,
      'border-color': HIGHLIGHT,
      'border-width': 3,
    },
  },
]
