// The retainer graph from the keyboard: with the canvas focused, the arrow keys move a focus
// ring between the drawn objects (up to a retainer, down towards the object the graph is about,
// left and right within a layer), Enter opens the focused object, E adds its retainers, and
// + and − zoom. The focused object's sizes are read out by the graph's status line.
import type { Core, NodeSingular } from 'cytoscape'
import { useEffect, useState } from 'react'
import type { GraphModel, GraphNode } from '../../../shared/view/graph-model'
import { zoomBy } from './graph-canvas'

export interface GraphKeyboard {
  focused: GraphNode | undefined
  onKeyDown: (event: React.KeyboardEvent<HTMLElement>) => void
  onFocus: () => void
}

/** The node nearest to `from` across (x), among `candidates`. */
function nearest(from: NodeSingular, candidates: NodeSingular[]): NodeSingular | undefined {
  const x = from.position().x
  return [...candidates].sort(
    (a, b) => Math.abs(a.position().x - x) - Math.abs(b.position().x - x),
  )[0]
}

/** Pans just enough to bring a node into view (with a margin). */
function reveal(instance: Core, node: NodeSingular): void {
  const margin = 40
  const at = node.renderedPosition()
  const dx =
    at.x < margin
      ? margin - at.x
      : at.x > instance.width() - margin
        ? instance.width() - margin - at.x
        : 0
  const dy =
    at.y < margin
      ? margin - at.y
      : at.y > instance.height() - margin
        ? instance.height() - margin - at.y
        : 0
  if (dx || dy) instance.panBy({ x: dx, y: dy })
}

export function useGraphKeyboard(
  cy: React.RefObject<Core | null>,
  model: GraphModel,
  home: string,
  actions: { onOpen: (node: number) => void; onExpand: (node: number) => void },
): GraphKeyboard {
  const [focusedId, setFocusedId] = useState<string | null>(null)
  const focused = focusedId ? model.nodes.find((node) => node.id === focusedId) : undefined
  // The ring follows the focused node through redraws; a node that went away drops it.
  useEffect(() => {
    const instance = cy.current
    if (!instance) return
    instance.nodes().removeClass('keyboard-focus')
    if (focusedId) instance.getElementById(focusedId).addClass('keyboard-focus')
  }, [cy, focusedId, model])

  const move = (instance: Core, from: NodeSingular, key: string): NodeSingular | undefined => {
    if (key === 'ArrowUp') return nearest(from, from.incomers('node').toArray() as NodeSingular[])
    if (key === 'ArrowDown') return nearest(from, from.outgoers('node').toArray() as NodeSingular[])
    // Left and right: the nodes of the same layer (same y), in x order.
    const y = from.position().y
    const layer = (instance.nodes().toArray() as NodeSingular[])
      .filter((node) => Math.abs(node.position().y - y) < 1)
      .sort((a, b) => a.position().x - b.position().x)
    const position = layer.findIndex((node) => node.id() === from.id())
    return layer[position + (key === 'ArrowRight' ? 1 : -1)]
  }

  return {
    focused,
    onFocus: () => {
      if (!focusedId && model.nodes.some((node) => node.id === home)) setFocusedId(home)
    },
    onKeyDown: (event) => {
      const instance = cy.current
      if (!instance || event.altKey || event.ctrlKey || event.metaKey) return
      if (event.key === '+' || event.key === '=') zoomBy(instance, 1.25)
      else if (event.key === '-') zoomBy(instance, 1 / 1.25)
      else if (event.key.startsWith('Arrow')) {
        const from = instance.getElementById(focusedId ?? home)
        if (from.empty()) return
        const next = focusedId ? move(instance, from as NodeSingular, event.key) : from
        if (next) {
          setFocusedId(next.id())
          reveal(instance, next as NodeSingular)
        }
      } else if (event.key === 'Enter' || event.key === 'e' || event.key === 'E') {
        const node = focused?.node
        if (node === null || node === undefined) return
        if (event.key === 'Enter') actions.onOpen(node)
        else actions.onExpand(node)
      } else return
      event.preventDefault()
      event.stopPropagation()
    },
  }
}
