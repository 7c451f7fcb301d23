// The retainer graph (cytoscape): roots at the top, the object at the bottom; click a node to
// expand its retainers. Elements are diffed by id inside cy.batch() and laid out only when
// nodes are added. Weak references are hidden unless asked for; hovering a node highlights its
// way up to the roots. Beside the canvas, an accessible list of the drawn objects.
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape'
import { useEffect, useRef, useState } from 'react'
import type {
  HeapgraphApi,
  ObjectSummary,
  PathStepDto,
  SnapshotInfo,
} from '../../../shared/protocol'
import { formatBytes } from '../../format'
import {
  buildGraphModel,
  MAX_FAN_IN,
  toDot,
  type Expansion,
  type GraphModel,
} from '../../../shared/view/graph-model'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  target: ObjectSummary
  paths: PathStepDto[][]
  onObject: (node: number) => void
}

function elementsOf(model: GraphModel): ElementDefinition[] {
  const largest = Math.max(1, ...model.nodes.map((node) => node.retainedSize))
  return [
    ...model.nodes.map((node) => ({
      group: 'nodes' as const,
      data: {
        id: node.id,
        label: node.label,
        kind: node.kind,
        // Size by retained size, on a log scale so small objects stay visible.
        size: 18 + 30 * (Math.log1p(node.retainedSize) / Math.log1p(largest)),
      },
    })),
    ...model.edges.map((edge) => ({
      group: 'edges' as const,
      data: {
        id: edge.id,
        source: edge.source,
        target: edge.target,
        label: edge.label,
        weak: edge.isWeak ? 1 : 0,
      },
    })),
  ]
}

function download(name: string, href: string): void {
  const link = document.createElement('a')
  link.href = href
  link.download = name
  link.click()
}

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      width: 'data(size)',
      height: 'data(size)',
      'font-size': 10,
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'background-color': '#6e7781',
      color: '#57606a',
    },
  },
  {
    selector: 'node[kind = "root"]',
    style: { 'background-color': '#1a7f37', shape: 'round-rectangle' },
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
    selector: 'edge',
    style: {
      label: 'data(label)',
      'font-size': 9,
      width: 1.5,
      'curve-style': 'bezier',
      'target-arrow-shape': 'triangle',
      'line-color': '#8c959f',
      'target-arrow-color': '#8c959f',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
    },
  },
  { selector: 'edge[weak = 1]', style: { 'line-style': 'dashed' } },
  {
    selector: '.highlighted',
    style: {
      'line-color': '#0969da',
      'target-arrow-color': '#0969da',
      'background-color': '#0969da',
    },
  },
]

export function GraphView({ api, snapshot, target, paths, onObject }: Props): React.JSX.Element {
  const container = useRef<HTMLDivElement>(null)
  const cy = useRef<Core | null>(null)
  const [expansions, setExpansions] = useState<ReadonlyMap<number, Expansion>>(new Map())
  const [showWeak, setShowWeak] = useState(false)
  const model = buildGraphModel(target, paths, expansions, showWeak)

  const expand = async (node: number): Promise<void> => {
    if (expansions.has(node)) return
    const page = await api.getRetainers({
      snapshotId: snapshot.snapshotId,
      node,
      count: MAX_FAN_IN * 2,
    })
    setExpansions((previous) =>
      new Map(previous).set(node, { retainers: page.items, total: page.total }),
    )
  }

  useEffect(() => {
    if (!container.current) return
    const instance = cytoscape({
      container: container.current,
      style: STYLE,
      wheelSensitivity: 0.3,
    })
    instance.on('tap', 'node', (event) => {
      const id = String(event.target.id())
      if (id.startsWith('n')) void expand(Number(id.slice(1)))
    })
    instance.on('mouseover', 'node', (event) =>
      event.target.predecessors().add(event.target).addClass('highlighted'),
    )
    instance.on('mouseout', 'node', () => instance.elements().removeClass('highlighted'))
    cy.current = instance
    return () => instance.destroy()
    // The instance lives as long as the view; expand reads state through the setter.
  }, [])

  useEffect(() => {
    const instance = cy.current
    if (!instance) return
    const wanted = new Map(elementsOf(model).map((element) => [String(element.data.id), element]))
    let added = false
    instance.batch(() => {
      instance.elements().forEach((element) => {
        if (!wanted.has(element.id())) element.remove()
      })
      for (const [id, element] of wanted) {
        const existing = instance.getElementById(id)
        if (existing.empty()) {
          instance.add(element)
          added = true
        } else {
          existing.data(element.data)
        }
      }
    })
    if (added) {
      instance
        .layout({
          name: 'breadthfirst',
          directed: true,
          roots: instance.nodes('[kind = "root"]').map((node) => node.id()),
          spacingFactor: 1.1,
          animate: false,
        })
        .run()
      instance.fit(undefined, 20)
    }
  })

  const exportPng = (): void => {
    const data = cy.current?.png({ full: true, scale: 2, bg: '#ffffff' })
    if (data) download(`heapgraph-${target.id}.png`, data)
  }
  const exportText = (name: string, text: string, type: string): void => {
    download(name, URL.createObjectURL(new Blob([text], { type })))
  }

  return (
    <div className="graph">
      <div className="graph-tools">
        <label>
          <input
            type="checkbox"
            checked={showWeak}
            onChange={(event) => setShowWeak(event.target.checked)}
          />{' '}
          Show weak references
        </label>
        <button onClick={exportPng}>Export PNG</button>
        <button
          onClick={() =>
            exportText(
              `heapgraph-${target.id}.json`,
              JSON.stringify(model, null, 2),
              'application/json',
            )
          }
        >
          Export JSON
        </button>
        <button
          onClick={() =>
            exportText(`heapgraph-${target.id}.dot`, toDot(model), 'text/vnd.graphviz')
          }
        >
          Export DOT
        </button>
      </div>
      <div ref={container} className="graph-canvas" role="img" aria-label="Retainer graph" />
      <ul className="graph-nodes" aria-label="Objects in the graph">
        {model.nodes.map((node) => (
          <li key={node.id}>
            {node.label}{' '}
            {node.kind !== 'more' && <span className="id">{formatBytes(node.retainedSize)}</span>}{' '}
            {node.node !== null && !expansions.has(node.node) && (
              <button
                onClick={() => void expand(node.node as number)}
                aria-label={`Expand retainers of ${node.label}`}
              >
                Expand
              </button>
            )}
            {node.node !== null && node.kind !== 'target' && (
              <button className="link" onClick={() => onObject(node.node as number)}>
                Open
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}
