// The retainer graph (cytoscape): a layered layout with the roots on top and the object at the
// bottom; click a node (or Expand) to add its retainers, and the others keep their places.
// Elements are diffed by id inside cy.batch() and laid out only when the graph changes; each
// draw is timed ('graph-draw' measure; data-draw-ms and data-positions [x, y, layer] on the
// canvas). Weak references and V8 internals are folded away unless asked for; cycle members
// wear a ring.
import cytoscape, { type Core } from 'cytoscape'
import { useEffect, useMemo, useRef, useState } from 'react'
import type {
  HeapgraphApi,
  ObjectSummary,
  PathStepDto,
  SnapshotInfo,
} from '../../../shared/protocol'
import { EXPORT_EVENT } from '../../components/events'
import { formatBytes } from '../../format'
import {
  buildGraphModel,
  largestRetained,
  LayeredLayout,
  MAX_FAN_IN,
  MAX_GRAPH_NODES,
  pendingItemLookups,
  toDot,
  toSvg,
  type Expansion,
  type GraphModel,
  type GraphNode,
  type LayoutResult,
  type Point,
} from '../../../shared/view/graph-model'
import { useCycleKeys, useItemLinks } from './graph-data'
import { GraphLegend, GraphNodeList } from './graph-list'
import { elementsOf, GRAPH_STYLE } from './graph-style'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  target: ObjectSummary
  paths: PathStepDto[][]
  onObject: (node: number) => void
}

type Expansions = ReadonlyMap<number, Expansion>

const FIT_PADDING = 24

function download(name: string, href: string): void {
  const link = document.createElement('a')
  link.href = href
  link.download = name
  link.click()
}

function downloadText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  download(name, url)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Expansions of this graph: forgotten when the view turns to another object or snapshot. */
function useExpansions(key: string): [Expansions, (node: number, expansion: Expansion) => void] {
  const [state, setState] = useState<{ key: string; expansions: Expansions }>({
    key,
    expansions: new Map(),
  })
  const expansions = state.key === key ? state.expansions : new Map<number, Expansion>()
  const add = (node: number, expansion: Expansion): void =>
    setState((previous) => ({
      key,
      expansions: new Map(previous.key === key ? previous.expansions : []).set(node, expansion),
    }))
  return [expansions, add]
}

/** What the layout depends on: the nodes (and whether a label has its cycle line), the edges. */
function signatureOf(model: GraphModel): string {
  const nodes = model.nodes.map((node) => (node.cycle === null ? node.id : `${node.id}*`))
  return `${nodes.join(',')}|${model.edges.map((edge) => edge.id).join(',')}`
}

/** Replaces the drawn elements by the model's; kept nodes move to `positions` if `move`. */
function syncElements(
  instance: Core,
  model: GraphModel,
  positions: ReadonlyMap<string, Point>,
  move: boolean,
): void {
  const wanted = new Map(elementsOf(model, positions).map((element) => [element.data.id, element]))
  instance.batch(() => {
    instance.elements().forEach((element) => {
      if (!wanted.has(element.id())) element.remove()
    })
    for (const [id, element] of wanted) {
      const existing = instance.getElementById(String(id))
      if (existing.empty()) instance.add(element)
      else {
        existing.data(element.data)
        if (move && element.position) existing.position(element.position)
      }
    }
  })
}

function allVisible(instance: Core): boolean {
  const box = instance.elements().renderedBoundingBox()
  return box.x1 >= 0 && box.y1 >= 0 && box.x2 <= instance.width() && box.y2 <= instance.height()
}

/** Keeps the anchor node where it was on screen; fits the graph when there is no anchor. */
function placeView(instance: Core, anchor: string | null, before: Point | null): void {
  const node = anchor ? instance.getElementById(anchor) : null
  if (node && before && node.nonempty()) {
    const after = node.renderedPosition()
    instance.panBy({ x: before.x - after.x, y: before.y - after.y })
    if (allVisible(instance)) return
  }
  instance.fit(undefined, FIT_PADDING)
}

/** Records how long a draw took, once the canvas has rendered it. */
function recordDraw(
  instance: Core,
  canvas: HTMLElement,
  start: number,
  layoutMs: number,
  layout: LayoutResult,
): void {
  let done = false
  const finish = (): void => {
    if (done) return
    done = true
    const end = performance.now()
    performance.measure('graph-draw', { start, end })
    const placed = [...layout.positions].map(([id, at]) => [
      id,
      [Math.round(at.x), Math.round(at.y), layout.ranks.get(id) ?? 0],
    ])
    canvas.dataset.layout = 'layered'
    canvas.dataset.layoutMs = layoutMs.toFixed(1)
    canvas.dataset.drawMs = (end - start).toFixed(1)
    canvas.dataset.positions = JSON.stringify(Object.fromEntries(placed))
    canvas.dataset.nodeCount = String(layout.positions.size)
  }
  instance.one('render', finish)
  setTimeout(finish, 1000)
}

function hoverText(node: GraphNode): string {
  if (node.kind === 'more') return `${node.label} retainers, not drawn.`
  const cycle = node.cycle === null ? '' : `, in cycle ${node.cycle}`
  const folded = node.folded.length > 0 ? `; folds in ${node.folded.join(', ')}` : ''
  return `${node.label}: ${formatBytes(node.retainedSize)} retained, ${formatBytes(node.selfSize)} self${cycle}${folded}.`
}

interface Drawn {
  key: string
  signature: string
  layout: LayeredLayout
  result: LayoutResult
}

export function GraphView({ api, snapshot, target, paths, onObject }: Props): React.JSX.Element {
  const { snapshotId } = snapshot
  const key = `${snapshotId}:${target.node}`
  const container = useRef<HTMLDivElement>(null)
  const cy = useRef<Core | null>(null)
  const drawn = useRef<Drawn | null>(null)
  const anchor = useRef<string | null>(null)
  const [expansions, addExpansion] = useExpansions(key)
  const [showWeak, setShowWeak] = useState(false)
  const [showInternals, setShowInternals] = useState(false)
  const [hovered, setHovered] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  const lookups = useMemo(
    () => (showInternals ? [] : pendingItemLookups(target, paths, expansions, showWeak)),
    [target, paths, expansions, showWeak, showInternals],
  )
  const links = useItemLinks(api, snapshotId, lookups)
  const unmarked = useMemo(
    () => buildGraphModel(target, paths, expansions, { showWeak, showInternals, links }),
    [target, paths, expansions, showWeak, showInternals, links],
  )
  const drawnObjects = unmarked.nodes.flatMap((node) => (node.node === null ? [] : [node.node]))
  const cycles = useCycleKeys(api, snapshotId, drawnObjects)
  const model = useMemo(
    () => buildGraphModel(target, paths, expansions, { showWeak, showInternals, links, cycles }),
    [target, paths, expansions, showWeak, showInternals, links, cycles],
  )
  const canExpand = model.nodes.length < MAX_GRAPH_NODES

  const expand = async (node: number): Promise<void> => {
    if (expansions.has(node) || !canExpand) return
    try {
      const page = await api.getRetainers({ snapshotId, node, count: MAX_FAN_IN * 2 })
      anchor.current = `n${node}`
      addExpansion(node, { retainers: page.items, total: page.total })
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    }
  }
  const expandRef = useRef(expand)
  expandRef.current = expand

  useEffect(() => {
    if (!container.current) return
    const instance = cytoscape({
      container: container.current,
      style: GRAPH_STYLE,
      wheelSensitivity: 0.3,
      minZoom: 0.1,
      maxZoom: 1.6,
    })
    instance.on('tap', 'node', (event) => {
      const id = String(event.target.id())
      if (id.startsWith('n')) void expandRef.current(Number(id.slice(1)))
    })
    instance.on('mouseover', 'node', (event) => {
      event.target.predecessors().add(event.target).addClass('highlighted')
      setHovered(String(event.target.id()))
    })
    instance.on('mouseout', 'node', () => {
      instance.elements().removeClass('highlighted')
      setHovered(null)
    })
    cy.current = instance
    return () => {
      cy.current = null
      drawn.current = null
      instance.destroy()
    }
  }, [])

  useEffect(() => {
    const instance = cy.current
    const canvas = container.current
    if (!instance || !canvas) return
    const start = performance.now()
    const signature = signatureOf(model)
    let state = drawn.current
    if (!state || state.key !== key) {
      const empty = { positions: new Map(), ranks: new Map(), width: 0, height: 0 }
      state = { key, signature: '', layout: new LayeredLayout(), result: empty }
      anchor.current = null
    }
    const changed = state.signature !== signature
    const result = changed ? state.layout.run(model) : state.result
    const layoutMs = performance.now() - start
    // Keep the expanded node in place, else the target; the first draw fits the view.
    const anchorId = anchor.current ?? (state.signature ? `n${target.node}` : null)
    const anchorNode = anchorId ? instance.getElementById(anchorId) : null
    const before = anchorNode?.nonempty() ? { ...anchorNode.renderedPosition() } : null
    syncElements(instance, model, result.positions, changed)
    if (changed) {
      placeView(instance, anchorId, before)
      recordDraw(instance, canvas, start, layoutMs, result)
    }
    anchor.current = null
    drawn.current = { ...state, signature, result }
  }, [model, key, target.node])

  const positionsNow = (): Map<string, Point> =>
    new Map(cy.current?.nodes().map((node) => [node.id(), { ...node.position() }]) ?? [])
  const exportPng = (): void => {
    const data = cy.current?.png({ full: true, scale: 2, bg: '#ffffff' })
    if (data) download(`heapgraph-${target.id}.png`, data)
  }
  const title = `Retainers of ${target.className} @${target.id}`
  const hoveredNode = model.nodes.find((node) => node.id === hovered)
  const exportSvg = (): void =>
    downloadText(`heapgraph-${target.id}.svg`, toSvg(model, positionsNow(), title), 'image/svg+xml')
  // File › Export… in the desktop app exports the graph on screen as SVG.
  const exportRef = useRef(exportSvg)
  exportRef.current = exportSvg
  useEffect(() => {
    const onExport = (): void => exportRef.current()
    window.addEventListener(EXPORT_EVENT, onExport)
    return () => window.removeEventListener(EXPORT_EVENT, onExport)
  }, [])

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
        <label>
          <input
            type="checkbox"
            checked={showInternals}
            onChange={(event) => setShowInternals(event.target.checked)}
          />{' '}
          Show V8 internals
        </label>
        <button onClick={exportPng}>Export PNG</button>
        <button onClick={exportSvg}>Export SVG</button>
        <button
          onClick={() =>
            downloadText(
              `heapgraph-${target.id}.json`,
              JSON.stringify({ nodes: model.nodes, edges: model.edges }, null, 2),
              'application/json',
            )
          }
        >
          Export JSON
        </button>
        <button
          onClick={() =>
            downloadText(`heapgraph-${target.id}.dot`, toDot(model), 'text/vnd.graphviz')
          }
        >
          Export DOT
        </button>
      </div>
      <div ref={container} className="graph-canvas" role="img" aria-label="Retainer graph" />
      <GraphNodeList
        model={model}
        expanded={new Set(expansions.keys())}
        canExpand={canExpand}
        onExpand={(node) => void expand(node)}
        onOpen={onObject}
      />
      <p className="graph-status" aria-live="polite">
        {hoveredNode
          ? hoverText(hoveredNode)
          : 'Hover an object for its sizes; click it to add its retainers.'}
        {!canExpand && ` The graph holds ${model.nodes.length} objects, the most it draws.`}
        {error && <span className="error"> {error}</span>}
      </p>
      <GraphLegend largest={largestRetained(model)} />
    </div>
  )
}
