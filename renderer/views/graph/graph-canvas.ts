// The retainer graph's canvas (cytoscape): made once per mount, drawn whenever the model
// changes. Elements are diffed by id inside cy.batch(); a layout (ELK, in a worker) runs only
// when the nodes or edges change, and a graph drawn again (Undo cut) takes its recent layout
// back. Each draw is
// timed ('graph-draw' measure; data-draw-ms, data-positions [x, y, layer] and data-view on
// the canvas).
import cytoscape, { type Core } from 'cytoscape'
import { useEffect, useRef } from 'react'
import {
  LayeredLayout,
  type ColorScheme,
  type GraphModel,
  type LayoutResult,
  type Point,
} from '../../../shared/view/graph-model'
import { elkEngine, layoutRunsIn } from './elk-engine'
import { elementsOf, graphStyle, LABEL_FONT_PX } from './graph-style'

const FIT_PADDING = 24
/**
 * The smallest zoom a draw chooses by itself: at 1 the labels are their 12 px. A graph larger
 * than the canvas at that zoom is panned (drag, scroll, the arrow keys) instead of shrunk; the
 * user may still zoom out with the buttons or the wheel.
 */
export const READABLE_ZOOM = 1
export const MIN_ZOOM = 0.2
export const MAX_ZOOM = 3
/** One wheel notch (deltaY 100) zooms by this factor: ten notches about 2.6×. */
const WHEEL_STEP = 1.1

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

/**
 * Fits the graph when it fits at a readable zoom; otherwise shows it at READABLE_ZOOM with the
 * `focus` node (the target, or the node just expanded) in view, centred across and near the
 * bottom (the graph grows upwards from the target towards the roots).
 */
export function fitReadable(instance: Core, focus: string | null): void {
  instance.fit(undefined, FIT_PADDING)
  if (instance.zoom() >= READABLE_ZOOM) {
    if (instance.zoom() > 1.6) instance.zoom({ level: 1.6, renderedPosition: centre(instance) })
    return
  }
  instance.zoom(READABLE_ZOOM)
  const node = focus ? instance.getElementById(focus) : null
  const at = node?.nonempty() ? node.position() : instance.elements().boundingBox()
  const x = 'x' in at ? at.x : (at.x1 + at.x2) / 2
  const y = 'y' in at ? at.y : at.y2
  instance.pan({
    x: instance.width() / 2 - x * READABLE_ZOOM,
    y: instance.height() - FIT_PADDING * 3 - y * READABLE_ZOOM,
  })
}

function centre(instance: Core): Point {
  return { x: instance.width() / 2, y: instance.height() / 2 }
}

/** Zooms by a factor around the canvas's centre (or a rendered point), within the limits. */
export function zoomBy(instance: Core, factor: number, around: Point = centre(instance)): void {
  const level = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, instance.zoom() * factor))
  instance.zoom({ level, renderedPosition: around })
}

/** Keeps the anchor node where it was on screen; otherwise fits at a readable zoom. */
function placeView(
  instance: Core,
  anchor: string | null,
  before: Point | null,
  home: string,
): void {
  const node = anchor ? instance.getElementById(anchor) : null
  if (node && before && node.nonempty()) {
    const after = node.renderedPosition()
    instance.panBy({ x: before.x - after.x, y: before.y - after.y })
    if (allVisible(instance)) return
  }
  fitReadable(instance, anchor ?? home)
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
    canvas.dataset.layout = 'elk-layered'
    canvas.dataset.layoutMs = layoutMs.toFixed(1)
    canvas.dataset.layoutEngine = layoutRunsIn() ?? ''
    canvas.dataset.drawMs = (end - start).toFixed(1)
    canvas.dataset.positions = JSON.stringify(Object.fromEntries(placed))
    canvas.dataset.nodeCount = String(layout.positions.size)
    // Graph coordinates to the canvas's: rendered = position * zoom + pan.
    canvas.dataset.view = JSON.stringify({ zoom: instance.zoom(), pan: instance.pan() })
    // What the labels measure on screen right after the draw.
    canvas.dataset.labelPx = (LABEL_FONT_PX * instance.zoom()).toFixed(1)
  }
  instance.one('render', finish)
  setTimeout(finish, 1000)
}

export interface Drawn {
  key: string
  /** The signature of what the canvas shows (a layout may be on its way for another). */
  signature: string
  layout: LayeredLayout
  result: LayoutResult
  /** Recent layouts by signature: a graph drawn again (Undo cut) comes back as it was. */
  recent: Map<string, Promise<LayoutResult>>
}

const RECENT_LAYOUTS = 4

/** The layout for `model`: a recent (or running) one with the same signature, else a new run. */
async function layoutFor(
  state: Drawn,
  model: GraphModel,
  signature: string,
): Promise<LayoutResult> {
  const known = state.recent.get(signature)
  if (known) {
    const result = await known
    state.layout.remember(result)
    return result
  }
  const running = state.layout.run(model)
  state.recent.set(signature, running)
  // A failed run is not kept: the next draw of the same graph tries again.
  running.catch(() => state.recent.delete(signature))
  if (state.recent.size > RECENT_LAYOUTS)
    state.recent.delete(state.recent.keys().next().value ?? '')
  return running
}

/**
 * Draws the model on the canvas whenever it changes: layout (in ELK's worker), element diff,
 * view placement. A model that changes again before its layout is back is drawn as the newer
 * one; a layout that fails is reported through `onError` and the canvas keeps what it showed.
 */
export function useDraw(
  cy: React.RefObject<Core | null>,
  container: React.RefObject<HTMLDivElement | null>,
  drawn: React.RefObject<Drawn | null>,
  anchor: React.RefObject<string | null>,
  model: GraphModel,
  key: string,
  home: string,
  onError: (message: string | null) => void,
): void {
  useEffect(() => {
    const instance = cy.current
    const canvas = container.current
    if (!instance || !canvas) return
    const start = performance.now()
    const signature = signatureOf(model)
    let state = drawn.current
    if (!state || state.key !== key) {
      const empty = { positions: new Map(), ranks: new Map(), width: 0, height: 0 }
      state = {
        key,
        signature: '',
        layout: new LayeredLayout(elkEngine()),
        result: empty,
        recent: new Map(),
      }
      anchor.current = null
      instance.elements().remove()
    }
    drawn.current = state
    if (state.signature === signature) {
      // Same nodes and edges: only marks change, nothing moves.
      syncElements(instance, model, state.result.positions, false)
      anchor.current = null
      return
    }
    let live = true
    const current = state
    canvas.dataset.layoutPending = 'true'
    layoutFor(current, model, signature).then(
      (result) => {
        if (!live || cy.current !== instance) return
        const layoutMs = performance.now() - start
        // Keep the expanded node in place, else the target; the first draw fits the view.
        const anchorId = anchor.current ?? (current.signature ? home : null)
        const anchorNode = anchorId ? instance.getElementById(anchorId) : null
        const before = anchorNode?.nonempty() ? { ...anchorNode.renderedPosition() } : null
        syncElements(instance, model, result.positions, true)
        placeView(instance, anchorId, before, home)
        recordDraw(instance, canvas, start, layoutMs, result)
        delete canvas.dataset.layoutPending
        anchor.current = null
        drawn.current = { ...current, signature, result }
        onError(null)
      },
      (failure: unknown) => {
        if (!live) return
        delete canvas.dataset.layoutPending
        const reason = failure instanceof Error ? failure.message : String(failure)
        onError(`The graph could not be laid out (${reason}); the list below has every object.`)
      },
    )
    return () => {
      live = false
    }
  }, [model, key, home])
}

export interface CanvasHandlers {
  onNode: (node: number) => void
  onEdge: (edgeId: string | null) => void
  onHover: (id: string | null) => void
}

/**
 * The cytoscape instance, made once per mount; handlers are read through a ref. A change of
 * `scheme` swaps the stylesheet (data-color-scheme on the canvas says which is on).
 */
export function useCytoscape(
  container: React.RefObject<HTMLDivElement | null>,
  drawn: React.RefObject<Drawn | null>,
  handlers: CanvasHandlers,
  scheme: ColorScheme,
): React.RefObject<Core | null> {
  const cy = useRef<Core | null>(null)
  const latest = useRef(handlers)
  latest.current = handlers
  useEffect(() => {
    if (!container.current) return
    const instance = cytoscape({
      container: container.current,
      style: graphStyle(scheme),
      minZoom: MIN_ZOOM,
      maxZoom: MAX_ZOOM,
      // The wheel zooms by a fixed step per notch (below), whatever the device's delta scale.
      userZoomingEnabled: false,
      selectionType: 'single',
    })
    const element = container.current
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault()
      const box = element.getBoundingClientRect()
      const notches = event.deltaMode === 1 ? event.deltaY / 3 : event.deltaY / 100
      zoomBy(instance, WHEEL_STEP ** -notches, {
        x: event.clientX - box.left,
        y: event.clientY - box.top,
      })
    }
    element.addEventListener('wheel', onWheel, { passive: false })
    // The live zoom, for people's tools and the tests (labels measure LABEL_FONT_PX × zoom).
    instance.on('zoom', () => {
      element.dataset.zoom = instance.zoom().toFixed(3)
    })
    instance.on('tap', 'node', (event) => {
      const id = String(event.target.id())
      if (id.startsWith('n')) latest.current.onNode(Number(id.slice(1)))
    })
    instance.on('tap', 'edge', (event) => latest.current.onEdge(String(event.target.id())))
    instance.on('tap', (event) => {
      if (event.target === instance) latest.current.onEdge(null)
    })
    instance.on('mouseover', 'node', (event) => {
      event.target.predecessors().add(event.target).addClass('highlighted')
      latest.current.onHover(String(event.target.id()))
    })
    instance.on('mouseout', 'node', () => {
      instance.elements().removeClass('highlighted')
      latest.current.onHover(null)
    })
    cy.current = instance
    return () => {
      element.removeEventListener('wheel', onWheel)
      cy.current = null
      drawn.current = null
      instance.destroy()
    }
    // Made once: a new scheme swaps the stylesheet below.
  }, [])
  useEffect(() => {
    cy.current?.style(graphStyle(scheme))
    if (container.current) container.current.dataset.colorScheme = scheme
  }, [scheme])
  return cy
}
