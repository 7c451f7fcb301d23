// The retainer graph: a layered layout with the roots on top and the object at the bottom
// (drawn by graph-canvas.ts); click a node (or Expand) to add its retainers, and the others
// keep their places. Weak references and V8 internals are folded away unless asked for; cycle
// members wear a ring. Click a reference (or its Cut button in the list) to see what cutting
// it frees; Undo brings back the graph as it was, layout included. RetainerGraph draws one
// object or several (merged, see merged-graph-view.tsx), some of them marked new.
import { useEffect, useMemo, useRef, useState } from 'react'
import type {
  HeapgraphApi,
  ObjectSummary,
  PathStepDto,
  SnapshotInfo,
} from '../../../shared/protocol'
import { EXPORT_EVENT } from '../../components/events'
import { formatBytes, objectLabel } from '../../format'
import {
  buildGraphModel,
  largestRetained,
  MAX_FAN_IN,
  MAX_GRAPH_NODES,
  pathsWithCut,
  pendingItemLookups,
  toDot,
  toSvg,
  type Expansion,
  type GraphCut,
  type GraphEdge,
  type GraphModel,
  type GraphNode,
  type Point,
} from '../../../shared/view/graph-model'
import type { Core } from 'cytoscape'
import { fitReadable, useCytoscape, useDraw, zoomBy, type Drawn } from './graph-canvas'
import { useGraphKeyboard } from './graph-keyboard'
import { paperColor } from './graph-style'
import { useColorScheme } from '../../components/use-color-scheme'
import { CutPanel, SelectedEdge, useCut } from './graph-cut'
import { useCycleKeys, useItemLinks } from './graph-data'
import { GraphLegend, GraphNodeList } from './graph-list'

/** A reference to cut on the graph without clicking it (the verdict's fix): holder and edge. */
export interface RequestedCut {
  from: number
  /** Edge ordinal. */
  edge: number
  /** Changes on every request, so the same cut can be asked for again after Undo. */
  nonce: number
}

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  target: ObjectSummary
  paths: PathStepDto[][]
  onObject: (node: number) => void
  /** Objects (node ordinals) to mark as new. */
  highlight?: ReadonlySet<number>
  requestedCut?: RequestedCut | null
}

export interface RetainerGraphProps {
  api: HeapgraphApi
  snapshotId: string
  /** The objects the graph is about: one, or several whose paths merge. */
  targets: readonly ObjectSummary[]
  /** Retainer paths, each from a GC root to one of the targets. */
  paths: PathStepDto[][]
  onObject: (node: number) => void
  highlight?: ReadonlySet<number>
  /** Names the graph in exports ("Retainers of Map @12"). */
  title: string
  /** A cut to show as if its reference had been clicked. */
  requestedCut?: RequestedCut | null
  /** Export file names, without the extension. */
  fileName: string
}

type Expansions = ReadonlyMap<number, Expansion>

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

function hoverText(node: GraphNode): string {
  if (node.kind === 'more') return `${node.label} retainers, not drawn.`
  const cycle = node.cycle === null ? '' : `, in cycle ${node.cycle}`
  const folded = node.folded.length > 0 ? `; folds in ${node.folded.join(', ')}` : ''
  const marks = `${node.isNew ? ', new' : ''}${node.isFreed ? ', freed by the cut' : ''}`
  return `${node.label}: ${formatBytes(node.retainedSize)} retained, ${formatBytes(node.selfSize)} self${cycle}${marks}${folded}.`
}

/** File › Export… in the desktop app exports the graph on screen as SVG. */
function useExportEvent(exportSvg: () => void): void {
  const exportRef = useRef(exportSvg)
  exportRef.current = exportSvg
  useEffect(() => {
    const onExport = (): void => exportRef.current()
    window.addEventListener(EXPORT_EVENT, onExport)
    return () => window.removeEventListener(EXPORT_EVENT, onExport)
  }, [])
}

/** Zoom out, in, fit (never below a readable zoom when the graph is large) and 100 %. */
function ZoomTools({
  cy,
  home,
}: {
  cy: React.RefObject<Core | null>
  home: string
}): React.JSX.Element {
  const run = (action: (instance: Core) => void) => () => {
    if (cy.current) action(cy.current)
  }
  return (
    <div className="zoom-tools" role="group" aria-label="Zoom">
      <button
        aria-label="Zoom out"
        title="Zoom out (wheel, -)"
        onClick={run((i) => zoomBy(i, 1 / 1.25))}
      >
        −
      </button>
      <button aria-label="Zoom in" title="Zoom in (wheel, +)" onClick={run((i) => zoomBy(i, 1.25))}>
        +
      </button>
      <button title="Fit the graph, at a readable size" onClick={run((i) => fitReadable(i, home))}>
        Fit
      </button>
      <button
        title="Labels at their 12 px"
        onClick={run((i) =>
          i.zoom({ level: 1, renderedPosition: { x: i.width() / 2, y: i.height() / 2 } }),
        )}
      >
        100 %
      </button>
    </div>
  )
}

function GraphTools({
  showWeak,
  setShowWeak,
  showInternals,
  setShowInternals,
  exports,
  zoom,
}: {
  showWeak: boolean
  setShowWeak: (value: boolean) => void
  showInternals: boolean
  setShowInternals: (value: boolean) => void
  exports: Record<'PNG' | 'SVG' | 'JSON' | 'DOT', () => void>
  zoom: React.ReactNode
}): React.JSX.Element {
  return (
    <div className="graph-tools">
      {zoom}
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
      {Object.entries(exports).map(([format, run]) => (
        <button key={format} onClick={run}>
          Export {format}
        </button>
      ))}
    </div>
  )
}

/** The drawn model: paths (with a cut's alive path), expansions, folds, cycles, marks. */
function useGraphModel(
  api: HeapgraphApi,
  snapshotId: string,
  targets: readonly ObjectSummary[],
  paths: PathStepDto[][],
  expansions: Expansions,
  options: { showWeak: boolean; showInternals: boolean; highlight?: ReadonlySet<number> },
  cut: GraphCut | null,
): GraphModel {
  const { showWeak, showInternals, highlight } = options
  const drawnPaths = useMemo(() => pathsWithCut(paths, cut), [paths, cut])
  const lookups = useMemo(
    () => (showInternals ? [] : pendingItemLookups(targets, drawnPaths, expansions, showWeak)),
    [targets, drawnPaths, expansions, showWeak, showInternals],
  )
  const links = useItemLinks(api, snapshotId, lookups)
  const unmarked = useMemo(
    () => buildGraphModel(targets, drawnPaths, expansions, { showWeak, showInternals, links }),
    [targets, drawnPaths, expansions, showWeak, showInternals, links],
  )
  const drawnObjects = unmarked.nodes.flatMap((node) => (node.node === null ? [] : [node.node]))
  const cycles = useCycleKeys(api, snapshotId, drawnObjects)
  return useMemo(
    () =>
      buildGraphModel(targets, drawnPaths, expansions, {
        showWeak,
        showInternals,
        links,
        cycles,
        highlight,
        cut,
      }),
    [targets, drawnPaths, expansions, showWeak, showInternals, links, cycles, highlight, cut],
  )
}

/** The retainer graph of one or several objects, with expansion, cuts and exports. */
export function RetainerGraph({
  api,
  snapshotId,
  targets,
  paths,
  onObject,
  highlight,
  title,
  fileName,
  requestedCut,
}: RetainerGraphProps): React.JSX.Element {
  const key = `${snapshotId}:${targets.map((target) => target.node).join(',')}`
  const home = targets.length > 0 ? `n${targets[0].node}` : ''
  const container = useRef<HTMLDivElement>(null)
  const drawn = useRef<Drawn | null>(null)
  const anchor = useRef<string | null>(null)
  const [expansions, addExpansion] = useExpansions(key)
  const [showWeak, setShowWeak] = useState(false)
  const [showInternals, setShowInternals] = useState(false)
  const [hovered, setHovered] = useState<string | null>(null)
  const [selected, setSelected] = useState<{ key: string; edgeId: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const cutting = useCut(api, snapshotId, key)
  const model = useGraphModel(
    api,
    snapshotId,
    targets,
    paths,
    expansions,
    { showWeak, showInternals, highlight },
    cutting.cut,
  )
  const canExpand = model.nodes.length < MAX_GRAPH_NODES

  const [expandNote, setExpandNote] = useState<string | null>(null)
  // An expansion whose effect on the drawing is not known yet: what was drawn before it.
  const pendingExpand = useRef<{ name: string; total: number; drawn: string } | null>(null)
  const drawnSignature = `${model.nodes.length}:${model.edges.length}`
  useEffect(() => {
    const pending = pendingExpand.current
    if (!pending) return
    pendingExpand.current = null
    // Say so when an expansion adds nothing to the drawing.
    if (pending.drawn !== drawnSignature) setExpandNote(null)
    else if (pending.total === 0) setExpandNote(`${pending.name} has no retainers: nothing to add.`)
    else {
      const count = pending.total.toLocaleString('en-US')
      setExpandNote(
        `${pending.name}: all ${count} of its retainers are drawn already (or folded into the steps drawn).`,
      )
    }
  }, [drawnSignature, expansions])
  const expand = async (node: number): Promise<void> => {
    const name = model.nodes.find((each) => each.node === node)?.label ?? `@${node}`
    if (expansions.has(node)) {
      setExpandNote(`${name}: its retainers are drawn already.`)
      return
    }
    if (!canExpand) return
    try {
      const page = await api.getRetainers({ snapshotId, node, count: MAX_FAN_IN * 2 })
      pendingExpand.current = { name, total: page.total, drawn: drawnSignature }
      anchor.current = `n${node}`
      addExpansion(node, { retainers: page.items, total: page.total })
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    }
  }
  const scheme = useColorScheme()
  const cy = useCytoscape(
    container,
    drawn,
    {
      onNode: (node) => void expand(node),
      onEdge: (edgeId) => setSelected(edgeId === null ? null : { key, edgeId }),
      onHover: setHovered,
    },
    scheme,
  )
  const [layoutError, setLayoutError] = useState<string | null>(null)
  useDraw(cy, container, drawn, anchor, model, key, home, setLayoutError)
  const keyboard = useGraphKeyboard(cy, model, home, {
    onOpen: (node) => onObject(node),
    onExpand: (node) => void expand(node),
  })
  const clearSelection = (): void => {
    cy.current?.edges().unselect()
    setSelected(null)
  }
  const cut = (edge: GraphEdge): void => {
    clearSelection()
    void cutting.run(edge, model)
  }

  // The fix's cut: the drawn edge that stands for the holder's reference.
  const asked = useRef<number | null>(null)
  useEffect(() => {
    if (!requestedCut || asked.current === requestedCut.nonce) return
    const edge = model.edges.find(
      (each) => each.holder === requestedCut.from && each.ordinal === requestedCut.edge,
    )
    if (!edge) return
    asked.current = requestedCut.nonce
    void cutting.run(edge, model)
  }, [requestedCut, model, cutting])

  const positionsNow = (): Map<string, Point> =>
    new Map(cy.current?.nodes().map((node) => [node.id(), { ...node.position() }]) ?? [])
  const hoveredNode = model.nodes.find((node) => node.id === hovered)
  const selectedEdge =
    selected?.key === key ? model.edges.find((edge) => edge.id === selected.edgeId) : undefined
  const exportSvg = (): void =>
    downloadText(`${fileName}.svg`, toSvg(model, positionsNow(), title), 'image/svg+xml')
  useExportEvent(exportSvg)
  const exports = {
    PNG: (): void => {
      const data = cy.current?.png({ full: true, scale: 2, bg: paperColor(scheme) })
      if (data) download(`${fileName}.png`, data)
    },
    SVG: exportSvg,
    JSON: (): void =>
      downloadText(
        `${fileName}.json`,
        JSON.stringify({ nodes: model.nodes, edges: model.edges }, null, 2),
        'application/json',
      ),
    DOT: (): void => downloadText(`${fileName}.dot`, toDot(model), 'text/vnd.graphviz'),
  }

  return (
    <div className="graph">
      <GraphTools
        showWeak={showWeak}
        setShowWeak={setShowWeak}
        showInternals={showInternals}
        setShowInternals={setShowInternals}
        exports={exports}
        zoom={<ZoomTools cy={cy} home={home} />}
      />
      {/* The panels float over the canvas's top, so selecting or cutting never moves it. */}
      <div className="graph-stage">
        <div
          ref={container}
          className="graph-canvas"
          role="img"
          aria-label="Retainer graph"
          aria-describedby="graph-keys"
          tabIndex={0}
          onKeyDown={keyboard.onKeyDown}
          onFocus={keyboard.onFocus}
        />
        <div className="graph-overlay">
          {selectedEdge && (
            <SelectedEdge
              model={model}
              edge={selectedEdge}
              isCutting={cutting.state?.status === 'running'}
              onCut={cut}
              onClose={clearSelection}
            />
          )}
          {cutting.state && <CutPanel state={cutting.state} onUndo={cutting.undo} />}
        </div>
      </div>
      <p className="visually-hidden" id="graph-keys">
        Arrow keys move between objects (up to a retainer, down towards the object, left and right
        along a layer); Enter opens the object, E adds its retainers, + and − zoom.
      </p>
      <GraphNodeList
        model={model}
        expanded={new Set(expansions.keys())}
        canExpand={canExpand}
        onExpand={(node) => void expand(node)}
        onOpen={onObject}
        onCut={cut}
        isCutting={cutting.state?.status === 'running'}
      />
      <p className="graph-status" aria-live="polite">
        {keyboard.focused
          ? hoverText(keyboard.focused)
          : expandNote
            ? expandNote
            : hoveredNode
              ? hoverText(hoveredNode)
              : 'Hover an object for its sizes; click it to add its retainers, or click a reference to cut it.'}
        {!canExpand && ` The graph holds ${model.nodes.length} objects, the most it draws.`}
        {error && <span className="error"> {error}</span>}
        {layoutError && <span className="error"> {layoutError}</span>}
      </p>
      <GraphLegend largest={largestRetained(model)} model={model} />
    </div>
  )
}

/** The retainer graph of one object (the object view's). */
export function GraphView({
  api,
  snapshot,
  target,
  paths,
  onObject,
  highlight,
  requestedCut,
}: Props): React.JSX.Element {
  const targets = useMemo(() => [target], [target])
  return (
    <RetainerGraph
      api={api}
      snapshotId={snapshot.snapshotId}
      targets={targets}
      paths={paths}
      onObject={onObject}
      highlight={highlight}
      requestedCut={requestedCut}
      title={`Retainers of ${objectLabel(target)}`}
      fileName={`heapgraph-${target.id}`}
    />
  )
}
