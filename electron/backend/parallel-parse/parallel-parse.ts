// Parses a snapshot file on several cores. This thread streams the file through the parser with
// `nodes` and `edges` deferred: it parses the header, strings and small sections itself, and
// only cuts the two big arrays into ranges after a comma, without reading their numbers. Worker
// threads read the ranges: each counts its range's values and publishes the count, then stores
// the values straight into shared typed arrays once the counts of the ranges before it say where
// they go, while this thread goes on with the rest of the file. The workers then build the
// retainers.
//
// Anything the workers cannot parse (bad syntax, a value out of range, counts that disagree
// with the header) returns null, and the caller parses the file again in one stream: that
// parser's errors name the byte and what was expected, so a bad file gets the same error either
// way. A worker that dies fails the load with an error that says so.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { createReadStream } from 'node:fs'
import { cancelledError, HeapSnapshotError } from '../../../shared/heap/errors'
import type { SnapshotLayout } from '../../../shared/heap/format'
import { parseSnapshotChunks } from '../../../shared/heap/parse/read-chunks'
import {
  DeferralUnsupported,
  SnapshotParser,
  type DeferredArrays,
  type DeferredRange,
  type ParsedSnapshot,
  type ParserLimits,
} from '../../../shared/heap/parse/snapshot-parser'
import type { CancelSignal, ProgressSink } from '../../../shared/heap/progress'
import {
  COUNT_UNKNOWN,
  ROLE,
  workerSource,
  type EdgeArrays,
  type NodeArrays,
  type ParseJob,
  type RetainerJob,
  type SizesJob,
  type DistancesJob,
  type WorkerJob,
  type WorkerReply,
} from './parse-worker'
import type { Retainers } from '../../../shared/heap/graph/heap-graph'
import type { DistancesElsewhere, SizesElsewhere } from '../../../shared/heap/snapshot'

/** Files smaller than this are parsed in one stream (workers cost more than they save). */
const DEFAULT_MIN_BYTES = 32 << 20
/** Ranges of nodes and edges the workers parse, and the workers' read size. */
const RANGE_BYTES = 8 << 20
const WORKER_READ_BYTES = 4 << 20
const MAX_WORKERS = 16

/**
 * Worker threads a parse uses: HEAPGRAPH_PARSE_WORKERS where set (0 parses in one stream), else
 * one per core, at least 2 and at most 16.
 */
export function parseWorkerCount(): number {
  const text = process.env.HEAPGRAPH_PARSE_WORKERS
  if (text !== undefined && text !== '') {
    const count = Number(text)
    if (!Number.isInteger(count) || count < 0 || count > MAX_WORKERS) {
      throw new HeapSnapshotError(
        'format',
        `HEAPGRAPH_PARSE_WORKERS must be a whole number from 0 to ${MAX_WORKERS}, not "${text}"`,
      )
    }
    return count
  }
  return Math.min(MAX_WORKERS, Math.max(2, availableParallelism()))
}

/** The smallest file parsed in parallel: HEAPGRAPH_PARALLEL_MIN_BYTES where set, else 32 MiB. */
export function parallelMinBytes(): number {
  const text = process.env.HEAPGRAPH_PARALLEL_MIN_BYTES
  if (text === undefined || text === '') return DEFAULT_MIN_BYTES
  const bytes = Number(text)
  if (!Number.isInteger(bytes) || bytes < 0) {
    throw new HeapSnapshotError(
      'format',
      `HEAPGRAPH_PARALLEL_MIN_BYTES must be a whole number of bytes, not "${text}"`,
    )
  }
  return bytes
}

export interface ParallelParseOptions {
  onProgress?: ProgressSink
  signal?: CancelSignal
  limits?: Partial<ParserLimits>
  /** Worker threads (default parseWorkerCount()). */
  workers?: number
  /** Read size of this thread's stream, in bytes. */
  chunkSize?: number
  /** Read size of the workers (default 4 MiB) and the length of a range (default 8 MiB). */
  workerReadBytes?: number
  rangeBytes?: number
  /** Called with the workers once they exist (tests stop one to see the load fail cleanly). */
  onWorkers?: (workers: readonly Worker[]) => void
  /**
   * Called per range parsed: its section, bytes and the time its worker worked on it (not the
   * time it waited for the counts of the ranges before it; the bench).
   */
  onRange?: (range: RangeTiming) => void
  /**
   * Keep the workers for the self sizes (ParallelParse.sizes), and search the distances on a
   * worker (ParallelParse.distances); the caller then closes them.
   * Otherwise they stop before the parse is returned.
   */
  keepForAnalyses?: boolean
}

export interface RangeTiming {
  section: 'nodes' | 'edges'
  bytes: number
  ms: number
  /** Of ms: the worker's reads of the file, its tokenizing, and its stores into the fields. */
  readMs: number
  tokenizeMs: number
  storeMs: number
}

/** With HEAPGRAPH_TRACE_PARSE=1: how a parse went, on standard error. */
function trace(text: string): void {
  if (process.env.HEAPGRAPH_TRACE_PARSE === '1') process.stderr.write(`heapgraph: parse ${text}\n`)
}

/** The workers could not parse what they were given; the caller parses in one stream. */
class UseOneStream extends Error {}

/** A worker thread stopped while working: the load fails (the app stays usable). */
class WorkerDied extends HeapSnapshotError {
  constructor(reason: string) {
    super('io', `a parse worker thread ${reason}; the load was abandoned`)
  }
}

interface Pending {
  job: WorkerJob
  resolve: (reply: WorkerReply) => void
  reject: (error: Error) => void
}

/** Worker threads taking jobs from one queue. */
class WorkerPool {
  readonly workers: Worker[] = []
  private readonly idle: Worker[] = []
  private readonly queue: Pending[] = []
  private readonly running = new Map<Worker, Pending>()
  private readonly ready = new Set<Worker>()
  /** Why the pool stopped working: a worker that would not start (then the parse falls back to
   * one stream), or one that died on the way (then the load fails). */
  failure: Error | null = null
  private closed = false

  constructor(count: number) {
    const source = workerSource()
    try {
      for (let index = 0; index < count; index++) {
        const worker = new Worker(source, { eval: true })
        worker.on('message', (reply: WorkerReply | 'ready') => {
          if (reply === 'ready') this.ready.add(worker)
          else this.finished(worker, reply)
        })
        worker.on('error', (error) => this.fail(worker, `failed: ${error.message}`, true))
        worker.on('exit', (code) => {
          if (!this.closed) this.fail(worker, `stopped with exit code ${code}`, false)
        })
        this.workers.push(worker)
        this.idle.push(worker)
      }
    } catch (error) {
      // No more threads, say: the ones made so far must not keep the process alive.
      for (const worker of this.workers) void worker.terminate()
      throw new UseOneStream(String(error))
    }
  }

  run(job: WorkerJob): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.closed) return Promise.reject(new Error('the parse was stopped'))
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject })
      this.dispatch()
    })
  }

  /** Stops the workers; jobs not done yet are rejected. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const closed = new Error('the parse was stopped')
    for (const pending of [...this.running.values(), ...this.queue]) pending.reject(closed)
    this.running.clear()
    this.queue.length = 0
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker
      const pending = this.queue.shift() as Pending
      this.running.set(worker, pending)
      worker.postMessage(pending.job)
    }
  }

  private finished(worker: Worker, reply: WorkerReply): void {
    const pending = this.running.get(worker)
    this.running.delete(worker)
    this.idle.push(worker)
    pending?.resolve(reply)
    this.dispatch()
  }

  private fail(worker: Worker, reason: string, thrown: boolean): void {
    if (this.failure || this.closed) return
    // A worker whose source threw before it was ready (it would not run here) is a reason to
    // parse in one stream; one that stopped otherwise fails the load.
    this.failure =
      thrown && !this.ready.has(worker)
        ? new UseOneStream(`a parse worker thread would not start: ${reason}`)
        : new WorkerDied(reason)
    for (const pending of [...this.running.values(), ...this.queue]) pending.reject(this.failure)
    this.running.clear()
    this.queue.length = 0
  }
}

function shared<T>(make: (buffer: SharedArrayBuffer) => T, bytes: number): T {
  return make(new SharedArrayBuffer(bytes))
}

function allocateNodes(layout: SnapshotLayout, count: number): NodeArrays {
  return {
    nodeType: shared((b) => new Uint8Array(b), count),
    nodeName: shared((b) => new Uint32Array(b), count * 4),
    nodeId: shared((b) => new Uint32Array(b), count * 4),
    nodeSelfSize: shared((b) => new Uint32Array(b), count * 4),
    nodeTraceNodeId: shared(
      (b) => new Uint32Array(b),
      layout.nodeTraceNodeIdField === -1 ? 0 : count * 4,
    ),
    nodeDetachedness: shared((b) => new Uint8Array(b), count),
    firstEdge: shared((b) => new Uint32Array(b), (count + 1) * 4),
  }
}

function allocateEdges(count: number): EdgeArrays {
  return {
    edgeType: shared((b) => new Uint8Array(b), count),
    edgeNameOrIndex: shared((b) => new Uint32Array(b), count * 4),
    edgeTarget: shared((b) => new Uint32Array(b), count * 4),
  }
}

function nodeRoles(layout: SnapshotLayout): Uint8Array {
  const roles = new Uint8Array(layout.nodeFieldCount)
  roles[layout.nodeTypeField] = ROLE.type
  roles[layout.nodeNameField] = ROLE.name
  roles[layout.nodeIdField] = ROLE.id
  roles[layout.nodeSelfSizeField] = ROLE.selfSize
  roles[layout.nodeEdgeCountField] = ROLE.edgeCount
  if (layout.nodeTraceNodeIdField >= 0) roles[layout.nodeTraceNodeIdField] = ROLE.traceNodeId
  if (layout.nodeDetachednessField >= 0) roles[layout.nodeDetachednessField] = ROLE.detachedness
  return roles
}

function edgeRoles(layout: SnapshotLayout): Uint8Array {
  const roles = new Uint8Array(layout.edgeFieldCount)
  roles[layout.edgeTypeField] = ROLE.type
  roles[layout.edgeNameField] = ROLE.name
  roles[layout.edgeToNodeField] = ROLE.toNode
  return roles
}

/**
 * One deferred section: its shared arrays, made at its first range, and a parse job per range.
 * Its ranges come in order; each job counts its range's values, publishes the count in the
 * shared `counts` for the ranges after it, and stores its values once the ranges before it have
 * published theirs. Anything that cannot add up to the header's count sends the file to the
 * one-stream parser.
 */
class SectionParse {
  private readonly jobs: Promise<void>[] = []
  private readonly nodes: NodeArrays | null = null
  private readonly edges: EdgeArrays | null = null
  private readonly roles: Uint8Array
  private readonly totalValues: number
  /** See ParseJob.counts: [0] the stop flag, then a count per range. */
  private readonly counts: Int32Array
  private storedValues = 0
  private complete = false

  constructor(
    private readonly layout: SnapshotLayout,
    private readonly isNodes: boolean,
    fileSize: number,
    rangeBytes: number,
    chunkSize: number,
  ) {
    const count = (isNodes ? layout.declaredNodeCount : layout.declaredEdgeCount) ?? 0
    this.roles = isNodes ? nodeRoles(layout) : edgeRoles(layout)
    this.totalValues = count * this.roles.length
    // Each value takes a digit and a comma (the last none): counts the file cannot hold, and an
    // empty section, are for the one-stream parser to describe.
    if (this.totalValues === 0 || this.totalValues * 2 - 1 > fileSize) throw new UseOneStream()
    try {
      if (isNodes) this.nodes = allocateNodes(layout, count)
      else this.edges = allocateEdges(count)
    } catch {
      throw new UseOneStream()
    }
    // The parser cuts at most one range per chunk it reads, and only once a range has reached
    // rangeBytes: no more ranges than this (more would send the file to the one-stream parser).
    const ranges = Math.ceil(fileSize / Math.max(1, Math.min(rangeBytes, chunkSize))) + 2
    this.counts = shared((b) => new Int32Array(b), 4 * ranges)
    this.counts.fill(COUNT_UNKNOWN, 1)
  }

  /** Sends one range to the workers. */
  add(
    range: DeferredRange,
    pool: WorkerPool,
    file: string,
    readBytes: number,
    job: number,
    onRange: ((range: RangeTiming) => void) | undefined,
  ): void {
    if (this.complete || range.index + 1 >= this.counts.length) throw new UseOneStream()
    if (range.last) this.complete = true
    const request: ParseJob = {
      type: 'parse',
      job,
      file,
      readBytes,
      start: range.start,
      end: range.end,
      last: range.last,
      index: range.index,
      counts: this.counts,
      roles: this.roles,
      typeCount: this.isNodes ? this.layout.nodeTypes.length : this.layout.edgeTypes.length,
      nodeFieldCount: this.layout.nodeFieldCount,
      nodeCount: this.layout.declaredNodeCount ?? 0,
      nodes: this.nodes,
      edges: this.edges,
    }
    const parsed = pool.run(request).then((reply) => {
      if (!reply.ok) throw new UseOneStream()
      this.storedValues += reply.values
      onRange?.({
        section: range.section,
        bytes: range.end - range.start,
        ms: reply.ms,
        readMs: reply.readMs,
        tokenizeMs: reply.tokenizeMs,
        storeMs: reply.storeMs,
      })
    })
    // Awaited in done(); until then a rejection must not go unhandled.
    parsed.catch(() => undefined)
    this.jobs.push(parsed)
  }

  /** The filled arrays, once every range is parsed. */
  async done(): Promise<NodeArrays | EdgeArrays> {
    await Promise.all(this.jobs)
    if (!this.complete || this.storedValues !== this.totalValues) throw new UseOneStream()
    return (this.nodes ?? this.edges) as NodeArrays | EdgeArrays
  }

  /** Tells jobs waiting for the counts of earlier ranges that the parse is given up. */
  stop(): void {
    Atomics.store(this.counts, 0, 1)
    for (let slot = 1; slot < this.counts.length; slot++) Atomics.notify(this.counts, slot)
  }

  /** Waits for the jobs sent so far, however they end. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.jobs)
  }
}

/** Node boundaries that split the edges into `parts` runs of about equal length. */
function edgeParts(firstEdge: Uint32Array, nodeCount: number, parts: number): number[] {
  const edgeCount = firstEdge[nodeCount]
  const bounds = [0]
  for (let part = 1; part < parts; part++) {
    const wanted = Math.floor((edgeCount * part) / parts)
    let low = bounds[bounds.length - 1]
    let high = nodeCount
    while (low < high) {
      const middle = (low + high) >>> 1
      if (firstEdge[middle] < wanted) low = middle + 1
      else high = middle
    }
    bounds.push(low)
  }
  bounds.push(nodeCount)
  return bounds
}

/**
 * The retainers (graph/heap-graph.ts buildRetainers, the same arrays to the last slot) built by
 * the workers: each counts the incoming edges of the edges of its part of the nodes; this thread
 * turns the counts into where each part's slots end (the first part's last, as the one-thread
 * build fills each node's slots from the back); then each part fills its slots.
 */
async function buildRetainersOnWorkers(
  parsed: ParsedSnapshot,
  pool: WorkerPool,
  workers: number,
  signal: CancelSignal | undefined,
): Promise<Retainers> {
  const { nodeCount, edgeCount, firstEdge, edgeTarget } = parsed
  // A count array per part: at most four, whatever the workers.
  const bounds = edgeParts(firstEdge, nodeCount, Math.min(4, Math.max(1, workers)))
  const parts = bounds.length - 1
  const slots = Array.from({ length: parts }, () =>
    shared((b) => new Uint32Array(b), nodeCount * 4),
  )
  const retainerEdge = shared((b) => new Uint32Array(b), edgeCount * 4)
  const retainerNode = shared((b) => new Uint32Array(b), edgeCount * 4)
  const run = (type: RetainerJob['type']): Promise<WorkerReply[]> =>
    untilDone(
      Promise.all(
        slots.map((partSlots, part) =>
          pool.run({
            type,
            job: part,
            nodeStart: bounds[part],
            nodeEnd: bounds[part + 1],
            firstEdge,
            edgeTarget,
            slots: partSlots,
            retainerEdge,
            retainerNode,
          }),
        ),
      ),
      signal,
    )
  await run('retainers-count')
  const firstRetainer = retainerOffsets(slots, nodeCount)
  await run('retainers-fill')
  return { firstRetainer, retainerEdge, retainerNode }
}

/**
 * From the parts' counts of each node's retainers (one to four parts): where each node's
 * retainers start, and, in place of each part's count, where that part's slots for the node end
 * (the parts fill a node's slots back to front, the first part last). The parts are locals, not
 * an array indexed in the loop: over millions of nodes that halves its time.
 */
function retainerOffsets(slots: readonly Uint32Array[], nodeCount: number): Uint32Array {
  const parts = slots.length
  if (parts < 1 || parts > 4) throw new RangeError(`retainers in ${parts} parts (1 to 4)`)
  const [s0, s1 = s0, s2 = s0, s3 = s0] = slots
  const firstRetainer = new Uint32Array(nodeCount + 1)
  let total = 0
  for (let node = 0; node < nodeCount; node++) {
    const c0 = s0[node]
    const c1 = parts > 1 ? s1[node] : 0
    const c2 = parts > 2 ? s2[node] : 0
    const c3 = parts > 3 ? s3[node] : 0
    total += c0 + c1 + c2 + c3
    firstRetainer[node + 1] = total
    s0[node] = total
    if (parts > 1) s1[node] = total - c0
    if (parts > 2) s2[node] = total - c0 - c1
    if (parts > 3) s3[node] = total - c0 - c1 - c2
  }
  return firstRetainer
}

/**
 * What the workers made of a file: its parse, and the retainers of its graph. The workers stay
 * for one more job, the self sizes (initializeSnapshotWith's Elsewhere), until `close`; a new
 * worker searches the distances.
 */
export interface ParallelParse {
  parsed: ParsedSnapshot
  retainers: Retainers
  /**
   * The self sizes, redistributed on a worker (false when it could not, or the workers were not
   * kept: compute them here).
   */
  sizes: SizesElsewhere
  /** The distances, searched on a worker of their own (as `sizes`). */
  distances: DistancesElsewhere
  /**
   * Stops the workers kept for the sizes (their memory goes with them), and the distances'
   * worker if it still runs.
   */
  close: () => Promise<void>
}

const close = (): Promise<void> => Promise.resolve()

/** Whether a typed array is shared memory, which a worker reads without a copy. */
function isShared(array: ArrayBufferView): boolean {
  return array.buffer instanceof SharedArrayBuffer
}

/**
 * Parses an uncompressed snapshot file on worker threads and builds its retainers there, or
 * returns null when the file must be parsed in one stream (its header declares no counts, or
 * something in `nodes` or `edges` is not as it should be: the one-stream parser then says what
 * and where).
 */
export async function parseSnapshotFileParallel(
  file: string,
  size: number,
  options: ParallelParseOptions = {},
): Promise<ParallelParse | null> {
  const started = performance.now()
  const workers = options.workers ?? parseWorkerCount()
  const readBytes = options.workerReadBytes ?? WORKER_READ_BYTES
  const rangeBytes = options.rangeBytes ?? RANGE_BYTES
  for (const [name, value] of [
    ['workers', workers],
    ['workerReadBytes', readBytes],
    ['rangeBytes', rangeBytes],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 2 ** 30) {
      throw new RangeError(`${name} must be a whole number from 1 to 2^30, not ${value}`)
    }
  }
  let pool: WorkerPool
  try {
    pool = new WorkerPool(workers)
  } catch (error) {
    trace(`on worker threads could not start (${String(error)}); parsing in one stream`)
    return null
  }
  options.onWorkers?.(pool.workers)
  const sections = new Map<'nodes' | 'edges', SectionParse>()
  let jobs = 0
  // Once the parse is returned, its caller closes the pool (after the sizes and distances).
  let handedOver = false
  // The workers' progress, in bytes of the ranges they were given and have parsed; reported
  // once this thread has read the whole file and only waits for them.
  let givenBytes = 0
  let parsedBytes = 0
  let waiting = false
  const phase = `Parsing nodes and edges (${workers} threads)`
  const onRange = (range: RangeTiming): void => {
    parsedBytes += range.bytes
    options.onRange?.(range)
    if (waiting) options.onProgress?.({ phase, done: parsedBytes, total: givenBytes })
  }
  const chunkSize = options.chunkSize ?? 1 << 20
  const parser = new SnapshotParser(options.limits, {
    deferRangeBytes: rangeBytes,
    deferNumbers: (range) => {
      let section = sections.get(range.section)
      if (section === undefined) {
        section = new SectionParse(
          range.layout,
          range.section === 'nodes',
          size,
          rangeBytes,
          chunkSize,
        )
        sections.set(range.section, section)
      }
      givenBytes += range.end - range.start
      section.add(range, pool, file, readBytes, jobs++, onRange)
    },
  })
  const input = createReadStream(file, { highWaterMark: chunkSize })
  let consumed = 0
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      // A worker gone: no need to read the rest of the file.
      if (pool.failure) throw pool.failure
      consumed += chunk.length
      yield chunk
    }
  }
  try {
    const parsed = await parseSnapshotChunks(counted(), {
      parser,
      onProgress: options.onProgress,
      signal: options.signal,
      totalBytes: size,
      position: () => consumed,
      beforeFinish: async () => {
        const nodes = sections.get('nodes')
        const edges = sections.get('edges')
        if (nodes === undefined || edges === undefined) throw new UseOneStream()
        waiting = true
        options.onProgress?.({ phase, done: parsedBytes, total: givenBytes })
        const [nodeArrays, edgeArrays] = await untilDone(
          Promise.all([nodes.done(), edges.done()]),
          options.signal,
        )
        parser.adoptDeferred({
          ...(nodeArrays as NodeArrays),
          ...(edgeArrays as EdgeArrays),
        } satisfies DeferredArrays)
      },
    })
    options.onProgress?.({ phase: `Building retainers (${workers} threads)`, done: 0, total: 1 })
    const retainers = await buildRetainersOnWorkers(parsed, pool, workers, options.signal)
    trace(
      `of nodes and edges on ${workers} worker threads in ${jobs} ranges, and retainers, ` +
        `in ${(performance.now() - started).toFixed(0)} ms`,
    )
    const sizes: SizesElsewhere = async (input, rawSelfSize, sizeWork) => {
      const { selfSize, owner, worklist } = sizeWork
      const arrays = [input.nodeType, input.nodeName, input.firstEdge, input.edgeType]
      const more = [input.edgeTarget, rawSelfSize, selfSize, owner, worklist]
      if (![...arrays, ...more].every(isShared)) return false
      const job: SizesJob = { type: 'sizes', job: jobs++, input, rawSelfSize, ...sizeWork }
      const reply = await pool.run(job)
      trace(`of self sizes on a worker thread in ${reply.ms.toFixed(0)} ms`)
      return reply.ok
    }
    // The distances come after the dominators, the load's memory peak, which the parse's
    // workers do not stay for (their heaps hold what the parse left): a new worker searches
    // them, and stops when it is done.
    let searcher: WorkerPool | null = null
    const distances: DistancesElsewhere = async (input, distance, queue) => {
      const arrays = [input.nodeType, input.nodeName, input.firstEdge, input.edgeType]
      const more = [input.edgeTarget, input.edgeNameOrIndex, distance, queue]
      if (![...arrays, ...more].every(isShared)) {
        trace('of distances on the loading thread (its arrays are not shared memory)')
        return false
      }
      const job: DistancesJob = { type: 'distances', job: jobs++, input, distance, queue }
      const solo = new WorkerPool(1)
      searcher = solo
      try {
        const reply = await solo.run(job)
        trace(`of distances on a worker thread in ${reply.ms.toFixed(0)} ms`)
        return reply.ok
      } catch (error) {
        trace(`of distances on the loading thread (the worker failed: ${String(error)})`)
        throw error
      } finally {
        await solo.close()
      }
    }
    if (!options.keepForAnalyses) {
      const elsewhere = async (): Promise<boolean> => false
      return { parsed, retainers, sizes: elsewhere, distances: elsewhere, close }
    }
    handedOver = true
    const closeAll = async (): Promise<void> => {
      await Promise.all([pool.close(), searcher?.close()])
    }
    return { parsed, retainers, sizes, distances, close: closeAll }
  } catch (error) {
    // A worker's death and a cancellation end the load; anything else the workers or the
    // deferring parser met is for the one-stream parser to describe in its own words.
    if (error instanceof WorkerDied) throw error
    if (error instanceof HeapSnapshotError && error.code === 'cancelled') throw error
    if (
      error instanceof UseOneStream ||
      error instanceof DeferralUnsupported ||
      error instanceof HeapSnapshotError
    ) {
      trace(`on worker threads gave up (${error.name}); parsing in one stream`)
      return null
    }
    throw error
  } finally {
    input.destroy()
    for (const section of sections.values()) section.stop()
    if (!handedOver) await pool.close()
    await Promise.all([...sections.values()].map((section) => section.settled()))
  }
}

/** Waits for `work`, failing as cancelled when the signal says so (checked every 50 ms). */
async function untilDone<T>(work: Promise<T>, signal: CancelSignal | undefined): Promise<T> {
  if (signal === undefined) return work
  let timer: NodeJS.Timeout | undefined
  const cancelled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (signal.aborted) reject(cancelledError())
    }, 50)
  })
  try {
    return await Promise.race([work, cancelled])
  } finally {
    clearInterval(timer)
  }
}
