// Cycle marks: which drawn objects are in one strongly connected component.
import type { Cycle, PathStepDto } from '../../protocol'
import {
  type Expansion,
  type GraphModel,
  type GraphNode,
  type GraphOptions,
  type ItemLookup,
  type Targets,
  collectGraph,
} from './build'
import { applyCut } from './cut'
import { foldInternals, itemLookups } from './folding'

// Cycles: getCycle answers with the members of a node's strongly connected component, largest
// retained size first; the first member and the size name the component, the same for each.

/** Cycle keys learnt from one getCycle answer: the asked node and every member listed. */
export function cycleEntries(node: number, cycle: Cycle): Array<[number, string | null]> {
  if (cycle.total === 0 || cycle.members.length === 0) return [[node, null]]
  const key = `${cycle.members[0].node}/${cycle.total}`
  return [[node, key], ...cycle.members.map((member): [number, string] => [member.node, key])]
}

/** Numbers the cycles that hold two or more drawn nodes, in drawing order; others get null. */
export function markCycles(
  nodes: readonly GraphNode[],
  cycles: ReadonlyMap<number, string | null>,
): GraphNode[] {
  const keyOf = (node: GraphNode): string | null =>
    node.node === null ? null : (cycles.get(node.node) ?? null)
  const counts = new Map<string, number>()
  for (const node of nodes) {
    const key = keyOf(node)
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const numbers = new Map<string, number>()
  return nodes.map((node) => {
    const key = keyOf(node)
    if (key === null || (counts.get(key) ?? 0) < 2)
      return node.cycle === null ? node : { ...node, cycle: null }
    if (!numbers.has(key)) numbers.set(key, numbers.size + 1)
    return { ...node, cycle: numbers.get(key) ?? null }
  })
}

/** Marks the objects in `highlight` as new. */
function markNew(nodes: GraphNode[], highlight: ReadonlySet<number>): GraphNode[] {
  if (highlight.size === 0) return nodes
  return nodes.map((node) =>
    node.node !== null && highlight.has(node.node) ? { ...node, isNew: true } : node,
  )
}

/**
 * The drawn graph of one object (or several: their paths merge by node, so shared prefixes are
 * drawn once): paths, expansions, internals folded unless asked for, cycles, new objects, and
 * the cut when there is one.
 */
export function buildGraphModel(
  targets: Targets,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  options: GraphOptions = {},
): GraphModel {
  const raw = collectGraph(targets, paths, expansions, options.showWeak ?? false)
  const model = options.showInternals ? raw : foldInternals(raw, options.links)
  const nodes = markNew(
    markCycles(model.nodes, options.cycles ?? new Map()),
    options.highlight ?? new Set(),
  )
  const marked = { nodes, edges: model.edges }
  return options.cut ? applyCut(marked, options.cut) : marked
}

/** The nodes the folded model still needs looked up (see itemLookups), from the raw graph. */
export function pendingItemLookups(
  targets: Targets,
  paths: PathStepDto[][],
  expansions: ReadonlyMap<number, Expansion>,
  showWeak: boolean,
): ItemLookup[] {
  return itemLookups(collectGraph(targets, paths, expansions, showWeak))
}
