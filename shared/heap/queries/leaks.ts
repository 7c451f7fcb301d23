// Leak suspects from three snapshots of one process (baseline; target, after an action; final,
// after undoing it), in halves so each snapshot can stay in its own process: snapshotIds() and
// classCounts() condense a snapshot into plain data, findLeaks() runs on the final snapshot.
// Suspects are objects of the final snapshot whose @id is in target ∖ baseline, minus V8 noise
// and objects only system roots reach. A suspect dominated by another suspect is folded into the
// topmost one (a leaked record and its leaked array count once), so cluster heads never nest and
// their retained sizes add up. Heads are clustered by a normalized retainer-path signature;
// clusters whose path runs only through V8's internals are left out unless asked for (counted).
import { NO_DISTANCE, BASE_SYSTEM_DISTANCE } from '../analyses/distances'
import { edgeName, type HeapGraph } from '../graph/heap-graph'
import type { HeapSnapshot } from '../snapshot'
import { summarizeObject } from './nodes'
import { findRetainerPaths, pathEdge } from './paths'
import { getSummary } from './summary'
import { compareObjectIds, type DiffBase } from './diff'
import type {
  GrowingClass,
  IdComparison,
  LeakCluster,
  LeakReport,
  LeftOutClusters,
  PathEdge,
  PathStep,
} from '../../protocol/dto'
import { isSubscript } from '../../protocol/js-syntax'

/** One class of one snapshot, by the Summary's rule (objects with a non-zero self size). */
export interface ClassCount {
  /** `,<className>` or `<scriptId>,<line>,<column>,<className>`: stable within one process. */
  classKey: string
  className: string
  count: number
  /** Bytes, counting each member only when no dominator ancestor of its class is counted. */
  retainedSize: number
}

export interface LeakOptions {
  /** How many retainer steps (edge and retainer class) a signature keeps. Default 4. */
  signatureSteps?: number
  /** How many clusters to return (each gets a path search). Default 100. */
  maxClusters?: number
  /** How many head ids each cluster lists. Default 100. */
  maxObjectIds?: number
  /** Make strings (plain, concatenated, sliced) suspects too. Default false. */
  includeStrings?: boolean
  /**
   * Keep clusters whose retainer path runs only through V8's internals (feedback cells,
   * allocation sites' transition info, `system / …` objects) among the clusters and counts.
   * Default false: they are left out, and reported in `internalOnly`.
   */
  includeInternalOnly?: boolean
  /**
   * Classes whose instances, with everything they dominate, are never suspects: the in-process
   * library passes its own snapshot holder, which is new between baseline and target.
   */
  excludeDominatedBy?: readonly string[]
  /** Smallest count growth (final − baseline) that makes a class growing. Default 10. */
  minCountGrowth?: number
  /** Smallest retained-size growth (final − baseline), bytes. Default 100 000. */
  minSizeGrowth?: number
  /** Smallest growth relative to the baseline value, for counts and sizes. Default 0.05. */
  minRelativeGrowth?: number
}

/** Every @id of a snapshot, ascending: cheap to post between processes. */
export function snapshotIds(snapshot: HeapSnapshot): Float64Array {
  return Float64Array.from(snapshot.graph.objectId).sort()
}

/** Per class of the Summary: count and retained size. */
export function classCounts(snapshot: HeapSnapshot): ClassCount[] {
  return getSummary(snapshot).map(({ classKey, className, count, retainedSize }) => ({
    classKey,
    className,
    count,
    retainedSize,
  }))
}

function containsId(sortedIds: Float64Array, id: number): boolean {
  let low = 0
  let high = sortedIds.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sortedIds[middle] < id) low = middle + 1
    else high = middle
  }
  return low < sortedIds.length && sortedIds[low] === id
}

/** Class names of V8's own bookkeeping, as computeClassNames names them. */
const NOISE_CLASS_NAMES = new Set([
  '(system)',
  '(compiled code)',
  '(object shape)',
  '(array)',
  '(number)',
  '(synthetic)',
])

/** Whether a Summary class is V8 noise: internal types and `system / …` objects. */
export function isNoiseClassName(className: string): boolean {
  return NOISE_CLASS_NAMES.has(className) || className.startsWith('system / ')
}

/** Per node type: 1 when the type is noise (never a suspect), 0 otherwise. */
function noiseTypes(graph: HeapGraph, includeStrings: boolean): Uint8Array {
  const codes = graph.nodeTypeCode
  const noise = new Uint8Array(graph.nodeTypes.length)
  // Hidden (system) objects, code with its feedback vectors and bytecode, maps (object shapes),
  // V8's internal arrays (elements stores, hash tables, descriptor arrays: their owner object is
  // the suspect and retains them), heap numbers and synthetic roots.
  const types = [
    codes.hidden,
    codes.code,
    codes.objectShape,
    codes.array,
    codes.number,
    codes.synthetic,
  ]
  if (!includeStrings) types.push(codes.string, codes.consString, codes.slicedString)
  for (const type of types) if (type !== -1) noise[type] = 1
  return noise
}

/** Per node: 1 when a suspect (in the window, not noise, reached from user roots). */
function markSuspects(
  snapshot: HeapSnapshot,
  baseIds: Float64Array,
  targetIds: Float64Array,
  includeStrings: boolean,
): Uint8Array {
  const { graph, distance } = snapshot
  const noiseType = noiseTypes(graph, includeStrings)
  const { nodeType, nodeName, objectId, strings } = graph
  // Without user roots (exposeInternals) every reachable object counts; with them, objects only
  // system roots reach are V8's own.
  const farthest = snapshot.hasUserRoots ? BASE_SYSTEM_DISTANCE : Infinity
  const suspect = new Uint8Array(graph.nodeCount)
  for (let node = 0; node < graph.nodeCount; node++) {
    if (noiseType[nodeType[node]]) continue
    const nodeDistance = distance[node]
    if (nodeDistance === NO_DISTANCE || nodeDistance >= farthest) continue
    const id = objectId[node]
    if (!containsId(targetIds, id) || containsId(baseIds, id)) continue
    if (strings.get(nodeName[node]).startsWith('system / ')) continue
    suspect[node] = 1
  }
  return suspect
}

/** Per node: 1 inside the dominator subtree of an instance of an excluded class. */
function markExcluded(snapshot: HeapSnapshot, classNames: readonly string[]): Uint8Array {
  const { graph, className, firstDominated, dominatedNode } = snapshot
  const excluded = new Uint8Array(graph.nodeCount)
  if (classNames.length === 0) return excluded
  const wanted = new Set(classNames)
  const stack: number[] = []
  for (let node = 0; node < graph.nodeCount; node++) {
    if (excluded[node] || !wanted.has(graph.strings.get(className[node]))) continue
    stack.push(node)
    while (stack.length > 0) {
      const current = stack.pop() as number
      if (excluded[current]) continue
      excluded[current] = 1
      for (let slot = firstDominated[current]; slot < firstDominated[current + 1]; slot++) {
        stack.push(dominatedNode[slot])
      }
    }
  }
  return excluded
}

interface Heads {
  /** Suspects with no suspect among their dominator ancestors, in preorder. */
  heads: number[]
  /** Per head (same order): suspects in its dominator subtree, itself included. */
  suspectCounts: number[]
}

/** Walks the dominator tree from the root; a suspect's whole subtree folds into it. */
function findHeads(snapshot: HeapSnapshot, suspect: Uint8Array, excluded: Uint8Array): Heads {
  const { firstDominated, dominatedNode } = snapshot
  const heads: number[] = []
  const suspectCounts: number[] = []
  const stack = [snapshot.graph.rootNode]
  const countSuspects = (head: number): number => {
    const inner = [head]
    let count = 0
    while (inner.length > 0) {
      const node = inner.pop() as number
      if (excluded[node]) continue
      count += suspect[node]
      for (let slot = firstDominated[node]; slot < firstDominated[node + 1]; slot++) {
        inner.push(dominatedNode[slot])
      }
    }
    return count
  }
  while (stack.length > 0) {
    const node = stack.pop() as number
    if (excluded[node]) continue
    if (suspect[node]) {
      heads.push(node)
      suspectCounts.push(countSuspects(node))
      continue
    }
    for (let slot = firstDominated[node]; slot < firstDominated[node + 1]; slot++) {
      stack.push(dominatedNode[slot])
    }
  }
  return { heads, suspectCounts }
}

/** An edge as a signature step: indices (element, hidden, numeric names) collapse to `[]`. */
function signatureEdge(graph: HeapGraph, edge: number): string {
  const type = graph.edgeType[edge]
  const codes = graph.edgeTypeCode
  if (type === codes.element || type === codes.hidden) return '[]'
  const name = edgeName(graph, edge)
  // A Python dict's entries (`["user:42"]`) are keys as a Map's are: one step for all.
  if (/^\d+$/.test(name) || isSubscript(name)) return '[]'
  // WeakMap entries and similar name the objects they join by @id.
  const stable = name.replace(/@\d+/g, '@')
  if (type === codes.context) return '->' + stable
  if (type === codes.property || type === codes.shortcut) return '.' + stable
  return '{' + stable + '}'
}

/**
 * The retainer slot of a node's nearest strong retainer: the smallest distance, the first slot
 * on ties; -1 at a user root or when no retainer is nearer (distances must strictly drop, so
 * the walk ends).
 */
export function nearestRetainerSlot(snapshot: HeapSnapshot, node: number): number {
  const { graph, distance } = snapshot
  const { firstRetainer, retainerNode, retainerEdge, edgeType, rootNode } = graph
  const weak = graph.edgeTypeCode.weak
  let best = -1
  let bestDistance = distance[node]
  for (let slot = firstRetainer[node]; slot < firstRetainer[node + 1]; slot++) {
    const retainer = retainerNode[slot]
    if (edgeType[retainerEdge[slot]] === weak) continue
    if (retainer === rootNode) return -1
    const retainerDistance = distance[retainer]
    if (retainerDistance === NO_DISTANCE || retainerDistance >= bestDistance) continue
    best = slot
    bestDistance = retainerDistance
  }
  return best
}

/**
 * The head's class, then up to `steps` (`<edge`, retainer class) pairs along nearest retainers:
 * a signature's parts.
 */
export function signatureParts(snapshot: HeapSnapshot, head: number, steps = 4): string[] {
  const { graph, className } = snapshot
  const parts = [graph.strings.get(className[head])]
  let node = head
  for (let step = 0; step < steps; step++) {
    const slot = nearestRetainerSlot(snapshot, node)
    if (slot === -1) break
    node = graph.retainerNode[slot]
    parts.push(
      `<${signatureEdge(graph, graph.retainerEdge[slot])}`,
      graph.strings.get(className[node]),
    )
  }
  return parts
}

/** The normalized retainer path that clusters objects (memlab's leak trace signature). */
export function pathSignature(snapshot: HeapSnapshot, head: number, steps = 4): string {
  return signatureParts(snapshot, head, steps).join(' ')
}

/**
 * Classes of V8's stores and scopes, which hold an object for the object that owns them: left
 * out of a readable path, and climbed through to an object's holder.
 */
export const STORE_CLASSES: ReadonlySet<string> = new Set([
  '(array)',
  '(object elements)',
  '(array elements)',
  '(double elements)',
  '(object properties)',
  'system / Context',
  'system / PropertyCell',
])

/** Internal links that are a store of the holder: folded into the next step. */
const FOLDED_LINKS = new Set(['{elements}', '{properties}', '{context}', '{previous}', '{value}'])

/**
 * A signature's parts as a reader says the path, root side first: `global.leakCache → Map
 * entries → Array`. Stores and scopes are folded into the step they implement, and a path cut
 * short by the signature's step limit starts with `…`.
 */
export function readableSignature(parts: readonly string[], steps = 4): string {
  const classes = parts.filter((_, position) => position % 2 === 0)
  const edges = parts.filter((_, position) => position % 2 === 1).map((edge) => edge.slice(1))
  const outermost = classes[classes.length - 1]
  // A path cut short, or one that starts at a store or scope, starts with `…`.
  let text = classes.length > steps ? '…' : ''
  if (classes.length === 1 || !STORE_CLASSES.has(outermost)) text += (text ? ' ' : '') + outermost
  let skipElement = false
  for (let step = edges.length - 1; step >= 0; step--) {
    const edge = edges[step]
    if (edge === '{table}') {
      text += ' entries'
      skipElement = true
    } else if (edge.startsWith('->')) text += `${text ? ' ' : ''}captures ${edge.slice(2)}`
    else if (edge === '[]' && skipElement) skipElement = false
    else if (!FOLDED_LINKS.has(edge)) text += edge
    const held = classes[step]
    if (step === 0 || !STORE_CLASSES.has(held)) text += ` → ${held}`
  }
  return text
}

/** Internal references by which the program's own objects hold their stores and parts. */
const STORE_EDGES = new Set([
  'elements',
  'properties',
  'table',
  'context',
  'previous',
  'backing_store',
  'buffer',
  'bound_function',
  'bound_this',
  'bound_arguments',
  'reactions_or_result',
  'fulfill_handler',
  'reject_handler',
  'promise_or_capability',
  'value',
  'target',
  'handler',
  'global_proxy_object',
  'global',
])

/** How many of V8's objects `heldOnlyByInternals` looks through before it gives up (and says no). */
const MAX_INTERNAL_HOLDERS = 256

/** Whether a node is one of V8's own (a store, a feedback vector, code, a map, a `system /` object). */
function isInternalNode(snapshot: HeapSnapshot, node: number): boolean {
  const { graph } = snapshot
  const type = graph.nodeType[node]
  const codes = graph.nodeTypeCode
  if (
    type === codes.hidden ||
    type === codes.code ||
    type === codes.objectShape ||
    type === codes.array ||
    type === codes.number
  )
    return true
  return isNoiseClassName(graph.strings.get(snapshot.className[node]))
}

/**
 * Whether only V8's internals hold `head`: among its strong retainers, and theirs through V8's
 * own objects, no reference is one the program made (a property, an element, a closure
 * variable, or a store such as an Array's elements or a Map's table held by an object of the
 * program), and at least one is V8's bookkeeping (`{feedback_cell}`, `{transition_info}`, a
 * `system / …` holder). GC roots count neither way. Past MAX_INTERNAL_HOLDERS objects: no.
 */
export function heldOnlyByInternals(snapshot: HeapSnapshot, head: number): boolean {
  const { graph, distance } = snapshot
  const { firstRetainer, retainerNode, retainerEdge, edgeType, nodeType } = graph
  const codes = graph.edgeTypeCode
  const queue = [head]
  const seen = new Set(queue)
  let sawInternal = false
  for (let position = 0; position < queue.length; position++) {
    const node = queue[position]
    for (let slot = firstRetainer[node]; slot < firstRetainer[node + 1]; slot++) {
      const edge = retainerEdge[slot]
      const type = edgeType[edge]
      const holder = retainerNode[slot]
      if (type === codes.weak || distance[holder] === NO_DISTANCE) continue
      if (nodeType[holder] === graph.nodeTypeCode.synthetic) continue
      if (type === codes.context) return false
      if (isInternalNode(snapshot, holder)) {
        sawInternal = true
        if (seen.has(holder)) continue
        if (seen.size >= MAX_INTERNAL_HOLDERS) return false
        seen.add(holder)
        queue.push(holder)
        continue
      }
      if (type === codes.property || type === codes.element || type === codes.shortcut) return false
      if (type === codes.internal && STORE_EDGES.has(edgeName(graph, edge))) return false
      // An object of the program holds it by V8's bookkeeping: `{feedback_cell}`, a hidden link.
      sawInternal = true
    }
  }
  return sawInternal
}

/** A path from a GC root along nearest retainers (a shortest one), root first. */
export function nearestRetainerPath(snapshot: HeapSnapshot, head: number): PathStep[] {
  const graph = snapshot.graph
  const steps: PathStep[] = []
  let edge: PathEdge | null = null
  for (let node = head; ;) {
    steps.push({ node: summarizeObject(snapshot, node), edge })
    const slot = nearestRetainerSlot(snapshot, node)
    if (slot === -1) break
    edge = pathEdge(snapshot, graph.retainerEdge[slot])
    node = graph.retainerNode[slot]
  }
  // Built target-first; findRetainerPaths' shape runs root-first with the edge on the later step.
  const rootFirst: PathStep[] = []
  for (let position = steps.length - 1; position >= 0; position--) {
    rootFirst.push({
      node: steps[position].node,
      edge: position === steps.length - 1 ? null : steps[position + 1].edge,
    })
  }
  return rootFirst
}

interface ClusterDraft {
  signature: string
  heads: number[]
  suspectCount: number
  retainedSize: number
  heldByInternals: boolean
}

function groupBySignature(
  snapshot: HeapSnapshot,
  { heads, suspectCounts }: Heads,
  steps: number,
): ClusterDraft[] {
  const bySignature = new Map<string, ClusterDraft>()
  heads.forEach((head, position) => {
    const signature = pathSignature(snapshot, head, steps)
    let draft = bySignature.get(signature)
    if (!draft) {
      draft = { signature, heads: [], suspectCount: 0, retainedSize: 0, heldByInternals: false }
      bySignature.set(signature, draft)
    }
    draft.heads.push(head)
    draft.suspectCount += suspectCounts[position]
    draft.retainedSize += snapshot.retainedSize[head]
  })
  const drafts = [...bySignature.values()]
  drafts.sort(
    (a, b) =>
      b.retainedSize - a.retainedSize ||
      b.heads.length - a.heads.length ||
      (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0),
  )
  return drafts
}

function finishCluster(
  snapshot: HeapSnapshot,
  draft: ClusterDraft,
  maxObjectIds: number,
): LeakCluster {
  const { retainedSize, graph } = snapshot
  const objectId = graph.objectId
  const heads = [...draft.heads].sort(
    (a, b) => retainedSize[b] - retainedSize[a] || objectId[a] - objectId[b],
  )
  const largest = heads[0]
  const found = findRetainerPaths(snapshot, largest, { count: 1 }).paths[0]
  return {
    className: graph.strings.get(snapshot.className[largest]),
    count: heads.length,
    suspectCount: draft.suspectCount,
    retainedSize: draft.retainedSize,
    path: found ?? nearestRetainerPath(snapshot, largest),
    objectIds: heads.slice(0, maxObjectIds).map((head) => objectId[head]),
    signature: draft.signature,
    heldByInternals: draft.heldByInternals,
  }
}

/** The draft's head with the largest retained size (the one its path is found for). */
function largestHead(snapshot: HeapSnapshot, draft: ClusterDraft): number {
  const { retainedSize, graph } = snapshot
  let best = draft.heads[0]
  for (const head of draft.heads) {
    if (
      retainedSize[head] > retainedSize[best] ||
      (retainedSize[head] === retainedSize[best] && graph.objectId[head] < graph.objectId[best])
    )
      best = head
  }
  return best
}

function isGrowing(
  values: [number, number, number],
  minGrowth: number,
  minRelativeGrowth: number,
): boolean {
  const [first, second, third] = values
  const growth = third - first
  return (
    first <= second &&
    second <= third &&
    growth > 0 &&
    growth >= minGrowth &&
    growth >= first * minRelativeGrowth
  )
}

/**
 * Classes (not noise) whose count or retained size never shrinks across the three snapshots and
 * grows from baseline to final by at least the absolute and the relative threshold.
 */
export function findGrowingClasses(
  counts: readonly [ClassCount[], ClassCount[], ClassCount[]],
  options: LeakOptions = {},
): GrowingClass[] {
  const minCountGrowth = options.minCountGrowth ?? 10
  const minSizeGrowth = options.minSizeGrowth ?? 100_000
  const minRelativeGrowth = options.minRelativeGrowth ?? 0.05
  const byKey = new Map<string, GrowingClass>()
  counts.forEach((classes, step) => {
    for (const entry of classes) {
      if (isNoiseClassName(entry.className)) continue
      let growing = byKey.get(entry.classKey)
      if (!growing) {
        growing = {
          classKey: entry.classKey,
          className: entry.className,
          counts: [0, 0, 0],
          retainedSizes: [0, 0, 0],
        }
        byKey.set(entry.classKey, growing)
      }
      // The latest snapshot names the class (plain objects' interface names can change).
      growing.className = entry.className
      growing.counts[step] += entry.count
      growing.retainedSizes[step] += entry.retainedSize
    }
  })
  const growth = (entry: GrowingClass): number => entry.retainedSizes[2] - entry.retainedSizes[0]
  return [...byKey.values()]
    .filter(
      (entry) =>
        isGrowing(entry.counts, minCountGrowth, minRelativeGrowth) ||
        isGrowing(entry.retainedSizes, minSizeGrowth, minRelativeGrowth),
    )
    .sort(
      (a, b) =>
        growth(b) - growth(a) ||
        b.counts[2] - b.counts[0] - (a.counts[2] - a.counts[0]) ||
        (a.classKey < b.classKey ? -1 : a.classKey > b.classKey ? 1 : 0),
    )
}

/**
 * Leak suspects of the final snapshot: objects allocated between baseline and target (by @id)
 * that are still alive, clustered by retainer path and ranked by retained size; and the classes
 * that grow across the three snapshots.
 */
export function findLeaks(
  final: HeapSnapshot,
  baseIds: Float64Array,
  targetIds: Float64Array,
  counts: readonly [ClassCount[], ClassCount[], ClassCount[]],
  options: LeakOptions = {},
): LeakReport {
  const maxClusters = Math.max(0, Math.floor(options.maxClusters ?? 100))
  const maxObjectIds = Math.max(0, Math.floor(options.maxObjectIds ?? 100))
  const steps = Math.max(0, Math.floor(options.signatureSteps ?? 4))
  const suspect = markSuspects(final, baseIds, targetIds, options.includeStrings ?? false)
  const excluded = markExcluded(final, options.excludeDominatedBy ?? [])
  const heads = findHeads(final, suspect, excluded)
  const drafts = groupBySignature(final, heads, steps)
  for (const draft of drafts) {
    draft.heldByInternals = heldOnlyByInternals(final, largestHead(final, draft))
  }
  const include = options.includeInternalOnly ?? false
  const counted = include ? drafts : drafts.filter((draft) => !draft.heldByInternals)
  const leftOut = include ? [] : drafts.filter((draft) => draft.heldByInternals)
  const finish = (list: ClusterDraft[]): LeakCluster[] =>
    list.slice(0, maxClusters).map((draft) => finishCluster(final, draft, maxObjectIds))
  const internalOnly: LeftOutClusters = {
    clusterCount: leftOut.length,
    suspectCount: leftOut.reduce((sum, draft) => sum + draft.suspectCount, 0),
    retainedSize: leftOut.reduce((sum, draft) => sum + draft.retainedSize, 0),
    clusters: finish(leftOut),
  }
  return {
    clusters: finish(counted),
    clusterCount: counted.length,
    suspectCount: counted.reduce((sum, draft) => sum + draft.suspectCount, 0),
    retainedSize: counted.reduce((sum, draft) => sum + draft.retainedSize, 0),
    internalOnly,
    maxObjectIds,
    growing: findGrowingClasses(counts, options),
  }
}

/**
 * Between snapshots of one process nearly every shared id keeps its class (only plain objects
 * that gain properties change); between processes with the same startup about half do.
 * The same rule as `heapgraph diff`'s warning.
 */
export const MIN_SAME_CLASS_SHARE = 0.9

/**
 * How the ids of `after` and of an older snapshot (condensed) overlap, and whether the two look
 * like snapshots of one process: some id in common, and nearly all shared ids keep their class.
 */
export function compareSnapshotIds(after: HeapSnapshot, base: DiffBase): IdComparison {
  const overlap = compareObjectIds(after, base)
  const empty = overlap.baseCount === 0 || overlap.afterCount === 0
  const mismatch = empty
    ? null
    : overlap.commonCount === 0
      ? 'no-common-ids'
      : overlap.sameClassCount / overlap.commonCount < MIN_SAME_CLASS_SHARE
        ? 'classes-differ'
        : null
  return { ...overlap, mismatch }
}
