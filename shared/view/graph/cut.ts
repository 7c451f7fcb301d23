// What frees it: one reference cut, shown on the drawn graph.
import type { CutResult, ObjectSummary, PathStepDto } from '../../protocol'
import { type GraphEdge, type GraphModel, nodeId } from './build'

// What frees it: one reference cut (the engine's cutReference), shown on the drawn graph. A
// drawn edge names its reference by its holder and V8 edge name (a folded Map entry is the
// hash table's slot, a captured variable the context's); the engine cuts the copies V8 keeps
// in the holder's own stores with it. A cut frees the dominator subtree of the reference's
// target or nothing, so a drawn object is freed when that target dominates it.

/**
 * One reference as cutReference takes it: the holder (node ordinal) and the edge ordinal, or
 * V8's edge name where the ordinal is not known (an element folded from its store: the holder
 * has one element of that index).
 */
export interface CutReference {
  from: number
  edge: number | null
  edgeName: string
}

/** A cut shown on the graph (see applyCut). */
export interface GraphCut {
  /** The drawn edge the user cut. */
  edgeId: string
  /** Every reference the engine cut: the one asked for and its copies in stores. */
  references: CutReference[]
  /** Id of the drawn object the reference points at. */
  head: string
  /** Drawn objects (node ordinals) the cut frees. */
  freed: ReadonlySet<number>
  /** A path from a root to the target that avoids the cut, when the target stays alive. */
  alivePath: PathStepDto[] | null
}

/** The reference a drawn edge stands for, or null for an "N more" edge (several references). */
export function cutReferenceOf(edge: GraphEdge): CutReference | null {
  return edge.holder === null
    ? null
    : { from: edge.holder, edge: edge.ordinal, edgeName: edge.name }
}

/** The cut to show for the engine's answer about cutting `edge`. */
export function graphCutOf(
  edge: GraphEdge,
  result: Pick<CutResult, 'from' | 'edge' | 'alsoCut' | 'stillAlivePath'>,
  freed: ReadonlySet<number>,
): GraphCut {
  const references = [result, ...result.alsoCut].map((copy) => ({
    from: copy.from.node,
    edge: copy.edge.edge,
    edgeName: copy.edge.name,
  }))
  return {
    edgeId: edge.id,
    references,
    head: edge.target,
    freed,
    alivePath: result.stillAlivePath,
  }
}

/** The paths to draw while `cut` is shown: the path that keeps the target alive added. */
export function pathsWithCut(paths: PathStepDto[][], cut: GraphCut | null): PathStepDto[][] {
  return cut?.alivePath ? [...paths, cut.alivePath] : paths
}

/** The alive path's drawn nodes, and its steps between drawn nodes (folded internals skipped). */
function alivePathMarks(model: GraphModel, path: PathStepDto[] | null) {
  const drawn = new Set(model.nodes.map((node) => node.id))
  const ids = (path ?? []).map((step) => nodeId(step.node.node)).filter((id) => drawn.has(id))
  const steps = new Set(ids.slice(1).map((id, position) => `${ids[position]}>${id}`))
  return { nodes: new Set(ids), steps }
}

/** The model with the cut edge (and its drawn copies), the freed objects and the alive path. */
export function applyCut(model: GraphModel, cut: GraphCut): GraphModel {
  const references = new Set(cut.references.map((item) => `${item.from}:${item.edge}`))
  const names = new Set(cut.references.map((item) => `${item.from}:${item.edgeName}`))
  // A drawn edge is cut when it is one of the references cut: by ordinal, or by name where the
  // drawn edge does not know its ordinal.
  const isCut = (edge: GraphEdge): boolean =>
    edge.id === cut.edgeId ||
    (edge.target === cut.head &&
      (edge.ordinal === null
        ? names.has(`${edge.holder}:${edge.name}`)
        : references.has(`${edge.holder}:${edge.ordinal}`)))
  const alive = alivePathMarks(model, cut.alivePath)
  const nodes = model.nodes.map((node) => ({
    ...node,
    isFreed: node.node !== null && cut.freed.has(node.node),
    isOnAlivePath: alive.nodes.has(node.id),
  }))
  const edges = model.edges.map((edge) => {
    const cutHere = isCut(edge)
    return {
      ...edge,
      isCut: cutHere,
      isOnAlivePath: !cutHere && alive.steps.has(`${edge.source}>${edge.target}`),
    }
  })
  return { nodes, edges }
}

/**
 * The object a cut of `edge` is asked about: the graph's target, or in a merged graph the
 * first target found below the edge (else the object the edge points at).
 */
export function cutTargetOf(model: GraphModel, edge: GraphEdge): number | null {
  const byId = new Map(model.nodes.map((node) => [node.id, node]))
  const out = new Map<string, string[]>()
  for (const each of model.edges)
    out.set(each.source, [...(out.get(each.source) ?? []), each.target])
  const seen = new Set([edge.target])
  const queue = [edge.target]
  for (let next = 0; next < queue.length; next++) {
    const node = byId.get(queue[next])
    if (node?.kind === 'target') return node.node
    for (const below of out.get(queue[next]) ?? []) {
      if (seen.has(below)) continue
      seen.add(below)
      queue.push(below)
    }
  }
  return byId.get(edge.target)?.node ?? null
}

/** Most dominator steps walked up from one drawn object before giving up on it. */
const MAX_DOMINATOR_STEPS = 64

/** An object's immediate dominator, with its distance (getObject's `dominator`). */
export type DominatorLookup = (
  node: number,
) => Promise<Pick<ObjectSummary, 'node' | 'distance'> | null>

/**
 * The drawn objects a cut frees, when it frees anything: those `head` dominates. Each drawn
 * object farther from the roots than the head walks up its dominator chain until the head, or
 * until a node no farther than the head (a dominator is nearer the roots than what it
 * dominates). Lookups are shared between walks.
 */
export async function freedDrawnNodes(
  model: GraphModel,
  head: number,
  dominatorOf: DominatorLookup,
): Promise<Set<number>> {
  const headNode = model.nodes.find((node) => node.node === head)
  const headDistance = headNode?.distance ?? null
  const asked = new Map<number, ReturnType<DominatorLookup>>()
  const lookup = (node: number): ReturnType<DominatorLookup> => {
    const known = asked.get(node) ?? dominatorOf(node)
    asked.set(node, known)
    return known
  }
  const isFreed = async (node: number, distance: number | null): Promise<boolean> => {
    let current: Pick<ObjectSummary, 'node' | 'distance'> | null = { node, distance }
    for (let steps = 0; current && steps <= MAX_DOMINATOR_STEPS; steps++) {
      if (current.node === head) return true
      if (headDistance === null || current.distance === null) return false
      if (current.distance <= headDistance) return false
      current = await lookup(current.node)
    }
    return false
  }
  const drawn = model.nodes.filter((node) => node.node !== null && node.kind !== 'root')
  const answers = await Promise.all(
    drawn.map(async (node) =>
      (await isFreed(node.node as number, node.distance)) ? node.node : null,
    ),
  )
  return new Set(answers.filter((node): node is number => node !== null))
}
