// A loaded heap snapshot: the graph plus every analysis, built by initializeSnapshot() as named
// stages in DevTools' order (like HeapSnapshot.initialize()). Arrays are indexed by node ordinal.
import { cancelledError } from './errors'
import { createHeapGraph, type HeapGraph, type Retainers } from './graph/heap-graph'
import type { ParsedSnapshot, SizeArray } from './parse/snapshot-parser'
import type { CancelSignal, ProgressSink } from './progress'
import type { BitVector } from './analyses/bit-vector'
import { ClassGrouper, withDistances, type ClassIndex } from './analyses/class-index'
import { computeClassNames } from './analyses/class-names'
import {
  computeDistances,
  DISTANCE_NAMES,
  distanceQueueLength,
  distanceSearch,
  searchDistances,
  type DistanceSearch,
} from './analyses/distances'
import { computeDominators } from './analyses/dominators'
import { propagateDomState } from './analyses/dom-state'
import { computeEssentialEdges } from './analyses/essential-edges'
import { hasUserRoots, markPageObjects } from './analyses/roots'
import {
  computeShallowSizes,
  EXTERNAL_STRING_DATA,
  finishSizes,
  redistributeSizes,
  sizeRedistribution,
  takeSizeWork,
  type SizeRedistribution,
  type SizeWork,
} from './analyses/shallow-sizes'
import { WeakMapEdgeNames } from './analyses/weak-map-edges'
import { WorkArrays } from './analyses/work-arrays'

// Where a location record keeps its fields: defined beside the graph, long imported from here.
export { locationOffsets, nodeLocationOf } from './graph/heap-graph'

export interface HeapSnapshot {
  readonly graph: HeapGraph
  /** False for snapshots taken with `exposeInternals` (no user roots at the root). */
  readonly hasUserRoots: boolean
  /** Per node: self size as DevTools shows it (after shallow-size redistribution), bytes. */
  readonly selfSize: SizeArray
  /** Per node: retained size, bytes. */
  readonly retainedSize: Float64Array
  /** Per node: immediate dominator ordinal (the root's is itself). */
  readonly dominator: Uint32Array
  /** Dominator tree children as CSR over node ordinals. */
  readonly firstDominated: Uint32Array
  readonly dominatedNode: Uint32Array
  /** Per node: distance from GC roots (NO_DISTANCE when unreachable). */
  readonly distance: Int32Array
  /** Per node: string index of the class name the Summary shows. */
  readonly className: Uint32Array
  /** Objects by class, as the Summary counts them (built with the class names). */
  readonly classIndex: ClassIndex
  /** Per edge: whether it counts for dominators. */
  readonly essentialEdge: BitVector
  /** Per node: reachable from user roots (page-owned). */
  readonly pageObject: BitVector
  /** Nodes not reachable from the root through essential edges. */
  readonly unreachableCount: number
  /** Root's retained size plus the header's extra native bytes. */
  readonly totalSize: number
}

export interface InitializeOptions {
  onProgress?: ProgressSink
  signal?: CancelSignal
  /** Retainers already built (e.g. while a capture's strings were still arriving). */
  retainers?: Retainers
  /** Work arrays to take before new ones (tests hand in used ones, full of other data). */
  work?: WorkArrays
}

/**
 * Self sizes redistributed on another thread (a parse worker) into `sizeWork` (shared memory),
 * started before the stages that do not need them and awaited when the dominators do; resolves
 * with whether it did (otherwise they are computed here).
 */
export type SizesElsewhere = (
  input: SizeRedistribution,
  rawSelfSize: SizeArray,
  sizeWork: SizeWork,
) => Promise<boolean>

/**
 * Distances searched on another thread into `distance` with `queue` for its work (both shared
 * memory), as SizesElsewhere.
 */
export type DistancesElsewhere = (
  input: DistanceSearch,
  distance: Int32Array,
  queue: Uint32Array,
) => Promise<boolean>

/** Other threads for the stages. */
export interface Elsewhere {
  sizes: SizesElsewhere
  distances: DistancesElsewhere
  /**
   * Called before the dominators, the load's memory peak: threads kept for the jobs before may
   * go (a later job brings its own).
   */
  release: () => Promise<void>
}

/** What the stages ask their driver for: to start a job elsewhere, for its result, to release. */
type StageRequest =
  | { start: 'sizes'; input: SizeRedistribution; raw: SizeArray; sizeWork: SizeWork }
  | { start: 'distances'; input: DistanceSearch; distance: Int32Array; queue: Uint32Array }
  | { need: 'sizes' | 'distances' }
  | { release: true }

/** Runs every analysis over a parsed snapshot, reporting each stage to the progress sink. */
export function initializeSnapshot(
  parsed: ParsedSnapshot,
  options: InitializeOptions = {},
): HeapSnapshot {
  const stages = analysisStages(parsed, options, false)
  let step = stages.next()
  while (!step.done) step = stages.next(false)
  return step.value
}

/**
 * initializeSnapshot, with the self sizes computed `elsewhere` while this thread marks page
 * objects and finds essential edges, and the distances while it names the classes (the same
 * results; computed here when a job fails).
 */
export async function initializeSnapshotWith(
  parsed: ParsedSnapshot,
  options: InitializeOptions,
  elsewhere: Elsewhere,
): Promise<HeapSnapshot> {
  const stages = analysisStages(parsed, options, true)
  const pending = { sizes: Promise.resolve(false), distances: Promise.resolve(false) }
  let step = stages.next()
  while (!step.done) {
    const request = step.value
    if ('start' in request) {
      const job =
        request.start === 'sizes'
          ? elsewhere.sizes(request.input, request.raw, request.sizeWork)
          : elsewhere.distances(request.input, request.distance, request.queue)
      pending[request.start] = job.catch(() => false)
      step = stages.next(false)
    } else if ('need' in request) {
      step = stages.next(await pending[request.need])
    } else {
      await elsewhere.release()
      step = stages.next(false)
    }
  }
  return step.value
}

/**
 * The stages, in DevTools' order. With `elsewhere`, it yields the shallow sizes' inputs once the
 * graph is built, takes back whether they were computed there and releases the other threads
 * before the dominators; then the distances' inputs, taken back once the classes are grouped.
 */
function* analysisStages(
  parsed: ParsedSnapshot,
  options: InitializeOptions,
  elsewhere: boolean,
): Generator<StageRequest, HeapSnapshot, boolean> {
  const stages = [
    'Building retainers',
    'Propagating DOM state',
    'Marking page objects',
    'Finding essential edges',
    'Calculating shallow sizes',
    'Building dominator tree',
    'Calculating distances',
    'Calculating class names',
  ]
  let stage = 0
  // Per-node work arrays pass from stage to stage instead of becoming garbage: no stage waits
  // for the collector to free the last one's (tens of MB each at 10 million nodes).
  const work = options.work ?? new WorkArrays(elsewhere)
  const step = (): void => {
    if (options.signal?.aborted) throw cancelledError()
    options.onProgress?.({ phase: stages[stage], done: stage, total: stages.length })
    stage++
  }
  step()
  const graph = createHeapGraph(parsed, options.retainers)
  step()
  propagateDomState(graph)
  const userRoots = hasUserRoots(graph)
  // The names the sizes and the distances test, found in one pass over the strings.
  const named = graph.strings.indexesOfAny([EXTERNAL_STRING_DATA, ...DISTANCE_NAMES])
  // Only with user roots are the sizes redistributed (otherwise they are the raw ones). Their
  // work arrays come from the same pool either way, so the stages after reuse them alike.
  const sizesJob =
    elsewhere && userRoots
      ? {
          start: 'sizes' as const,
          input: sizeRedistribution(graph, named.get(EXTERNAL_STRING_DATA)),
          raw: graph.rawSelfSize,
          sizeWork: takeSizeWork(graph.nodeCount, work, true),
        }
      : null
  if (sizesJob) yield sizesJob
  step()
  const pageObject = markPageObjects(graph, work)
  step()
  const weakMapNames = new WeakMapEdgeNames(graph)
  const essentialEdge = computeEssentialEdges(graph, pageObject, weakMapNames)
  step()
  let selfSize: SizeArray
  if (sizesJob) {
    if (!(yield { need: 'sizes' })) {
      redistributeSizes(sizesJob.input, sizesJob.raw, sizesJob.sizeWork)
    }
    selfSize = finishSizes(sizesJob.sizeWork, work)
  } else {
    selfSize = computeShallowSizes(graph, userRoots, work, named.get(EXTERNAL_STRING_DATA))
  }
  if (elsewhere) yield { release: true }
  step()
  const { dominator, retainedSize, firstDominated, dominatedNode, unreachableCount } =
    computeDominators(graph, essentialEdge, selfSize, work)
  step()
  // The class names and the nodes' classes, in one buffer the stages before handed on (taken
  // first: the distances' queue may take any larger one).
  const names = work.buffer(8 * (graph.nodeCount + 1))
  // Elsewhere, the distances are searched while this thread names the classes, groups the
  // nodes and sums the classes' retained sizes (only each class's distance reads them). Their
  // arrays are buffers the stages before gave back: the load's peak is behind.
  let distance: Int32Array
  let distancesJob: Extract<StageRequest, { start: 'distances' }> | null = null
  if (elsewhere) {
    const input = distanceSearch(graph, weakMapNames, named)
    distance = new Int32Array(work.buffer(4 * graph.nodeCount, false, true), 0, graph.nodeCount)
    distancesJob = {
      start: 'distances',
      input,
      distance,
      queue: work.scratch32(distanceQueueLength(input), null, true),
    }
    yield distancesJob
  } else {
    distance = computeDistances(graph, weakMapNames, work, named)
  }
  step()
  const grouper = new ClassGrouper(
    { graph, selfSize },
    new Int32Array(names, 4 * (graph.nodeCount + 1), graph.nodeCount),
  )
  const className = computeClassNames(graph, grouper, new Uint32Array(names, 0, graph.nodeCount))
  const classes = grouper.finish({ graph, retainedSize, firstDominated, dominatedNode })
  if (options.signal?.aborted) throw cancelledError()
  if (distancesJob) {
    const { input, queue } = distancesJob
    if (!(yield { need: 'distances' })) searchDistances(input, distance, queue)
    work.give(queue)
  }
  const classIndex = withDistances(classes, distance)
  options.onProgress?.({ phase: 'Done', done: stages.length, total: stages.length })
  return {
    graph,
    hasUserRoots: userRoots,
    selfSize,
    retainedSize,
    dominator,
    firstDominated,
    dominatedNode,
    distance,
    className,
    classIndex,
    essentialEdge,
    pageObject,
    unreachableCount,
    totalSize: retainedSize[graph.rootNode] + graph.layout.extraNativeBytes,
  }
}
