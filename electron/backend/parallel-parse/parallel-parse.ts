// Parses a snapshot file on several cores. This thread streams the file through the parser with
// `nodes` and `edges` deferred: it parses the header, strings and small sections itself and
// only finds where the two big arrays lie. Each array is cut into ranges at commas; worker
// threads count the values of every range (so each knows where its values go), then parse the
// ranges straight into shared typed arrays, while this thread goes on with the rest of the file.
//
// Anything the workers cannot parse (bad syntax, a value out of range, counts that disagree
// with the header) returns null, and the caller parses the file again in one stream: that
// parser's errors name the byte and what was expected, so a bad file gets the same error either
// way. A worker that dies fails the load with an error that says so.
import { availableParallelism } from 'node:os'
import { open, type FileHandle } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import { createReadStream } from 'node:fs'
import { cancelledError, HeapSnapshotError } from '../../../shared/heap/errors'
import type { SnapshotLayout } from '../../../shared/heap/format'
import { parseSnapshotChunks } from '../../../shared/heap/parse/read-chunks'
import {
  DeferralUnsupported,
  SnapshotParser,
  type DeferredArrays,
  type DeferredSection,
  type ParsedSnapshot,
  type ParserLimits,
} from '../../../shared/heap/parse/snapshot-parser'
import type { CancelSignal, ProgressSink } from '../../../shared/heap/progress'
import {
  ROLE,
  workerSource,
  type EdgeArrays,
  type NodeArrays,
  type ParseJob,
  type WorkerJob,
  type WorkerReply,
} from './parse-worker'

/** Files smaller than this are parsed in one stream (workers cost more than they save). */
const DEFAULT_MIN_BYTES = 32 << 20
/** Ranges are at least this long, and each worker gets a few of them. */
const MIN_RANGE_BYTES = 8 << 20
const WORKER_READ_BYTES = 4 << 20
const RANGES_PER_WORKER = 4
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
  const bytes = text === undefined || text === '' ? DEFAULT_MIN_BYTES : Number(text)
  return Number.isFinite(bytes) && bytes >= 0 ? bytes : DEFAULT_MIN_BYTES
}

export interface ParallelParseOptions {
  onProgress?: ProgressSink
  signal?: CancelSignal
  limits?: Partial<ParserLimits>
  /** Worker threads (default parseWorkerCount()). */
  workers?: number
  /** Read size of this thread's stream, in bytes. */
  chunkSize?: number
  /** Read size of the workers (default 4 MiB) and the shortest range (default 8 MiB). */
  workerReadBytes?: number
  rangeBytes?: number
  /** Called with the workers once they exist (tests stop one to see the load fail cleanly). */
  onWorkers?: (workers: readonly Worker[]) => void
}

/** The workers could not parse what they were given; the caller parses in one stream. */
class UseOneStream extends Error {}

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
  private failure: HeapSnapshotError | null = null
  private closed = false

  constructor(count: number) {
    const source = workerSource()
    for (let index = 0; index < count; index++) {
      const worker = new Worker(source, { eval: true })
      worker.on('message', (reply: WorkerReply) => this.finished(worker, reply))
      worker.on('error', (error) => this.fail(`failed: ${error.message}`))
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(`stopped with exit code ${code}`)
      })
      this.workers.push(worker)
      this.idle.push(worker)
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

  private fail(reason: string): void {
    if (this.failure || this.closed) return
    this.failure = new HeapSnapshotError(
      'io',
      `a parse worker thread ${reason}; the load was abandoned`,
    )
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
    nodeSelfSize: shared((b) => new Float64Array(b), count * 8),
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
 * Where bytes [start, end) are cut into about `pieces` ranges: each cut just after a comma, so
 * that every range but the last ends with one. Returns the cut positions, start and end included.
 */
async function cutAtCommas(
  file: FileHandle,
  start: number,
  end: number,
  pieces: number,
): Promise<number[]> {
  const cuts = [start]
  const probe = Buffer.alloc(256)
  for (let piece = 1; piece < pieces; piece++) {
    let position = Math.max(
      cuts[cuts.length - 1],
      start + Math.floor(((end - start) * piece) / pieces),
    )
    let cut = -1
    while (cut === -1 && position < end) {
      const { bytesRead } = await file.read(
        probe,
        0,
        Math.min(probe.length, end - position),
        position,
      )
      if (bytesRead <= 0) break
      const comma = probe.subarray(0, bytesRead).indexOf(0x2c)
      if (comma !== -1) cut = position + comma + 1
      position += bytesRead
    }
    if (cut === -1 || cut >= end) break
    if (cut > cuts[cuts.length - 1]) cuts.push(cut)
  }
  cuts.push(end)
  return cuts
}

interface SectionWork {
  section: DeferredSection
  pool: WorkerPool
  file: string
  handle: FileHandle
  workers: number
  readBytes: number
  rangeBytes: number
  /** Bytes of the two sections parsed so far, for progress. */
  progress: (bytes: number) => void
}

/** Counts then parses one deferred section into new shared arrays. */
async function parseSection(work: SectionWork): Promise<NodeArrays | EdgeArrays> {
  const { section, pool, file, handle } = work
  const { layout } = section
  const isNodes = section.section === 'nodes'
  const count = (isNodes ? layout.declaredNodeCount : layout.declaredEdgeCount) ?? 0
  const roles = isNodes ? nodeRoles(layout) : edgeRoles(layout)
  const totalValues = count * roles.length
  const bytes = section.end - section.start
  // Each value takes a digit and a comma (the last no comma): a file too short for its counts,
  // or an empty section, is for the one-stream parser to describe.
  if (totalValues === 0 || totalValues * 2 - 1 > bytes) throw new UseOneStream()
  let nodes: NodeArrays | null = null
  let edges: EdgeArrays | null = null
  try {
    if (isNodes) nodes = allocateNodes(layout, count)
    else edges = allocateEdges(count)
  } catch {
    throw new UseOneStream()
  }
  const pieces = Math.max(
    1,
    Math.min(Math.ceil(bytes / work.rangeBytes), work.workers * RANGES_PER_WORKER),
  )
  const cuts = await cutAtCommas(handle, section.start, section.end, pieces)
  const ranges = cuts.slice(1).map((end, index) => ({ start: cuts[index], end }))
  const counted = await Promise.all(
    ranges.map((range, job) =>
      pool.run({ type: 'count', job, file, readBytes: work.readBytes, ...range }),
    ),
  )
  const firstValue: number[] = []
  let total = 0
  for (const [index, reply] of counted.entries()) {
    if (!reply.ok) throw new UseOneStream()
    firstValue.push(total)
    // Every range but the last ends with a comma after each of its values.
    total += reply.values + (index === ranges.length - 1 ? 1 : 0)
  }
  if (total !== totalValues) throw new UseOneStream()
  const parsed = await Promise.all(
    ranges.map(async (range, job) => {
      const request: ParseJob = {
        type: 'parse',
        job,
        file,
        readBytes: work.readBytes,
        ...range,
        last: job === ranges.length - 1,
        firstValue: firstValue[job],
        roles,
        typeCount: isNodes ? layout.nodeTypes.length : layout.edgeTypes.length,
        nodeFieldCount: layout.nodeFieldCount,
        nodeCount: layout.declaredNodeCount ?? 0,
        nodes,
        edges,
      }
      const reply = await pool.run(request)
      work.progress(range.end - range.start)
      return reply
    }),
  )
  for (const [job, reply] of parsed.entries()) {
    const expected = (firstValue[job + 1] ?? totalValues) - firstValue[job]
    if (!reply.ok || reply.values !== expected) throw new UseOneStream()
  }
  return (nodes ?? edges) as NodeArrays | EdgeArrays
}

/**
 * Parses an uncompressed snapshot file on worker threads, or returns null when the file must be
 * parsed in one stream (its header declares no counts, or something in `nodes` or `edges` is
 * not as it should be: the one-stream parser then says what and where).
 */
export async function parseSnapshotFileParallel(
  file: string,
  size: number,
  options: ParallelParseOptions = {},
): Promise<ParsedSnapshot | null> {
  const workers = options.workers ?? parseWorkerCount()
  const handle = await open(file, 'r')
  const pool = new WorkerPool(workers)
  options.onWorkers?.(pool.workers)
  const sections: Promise<NodeArrays | EdgeArrays>[] = []
  let parsedBytes = 0
  let totalBytes = 0
  const progress = (bytes: number): void => {
    parsedBytes += bytes
    options.onProgress?.({
      phase: `Parsing nodes and edges (${workers} threads)`,
      done: parsedBytes,
      total: totalBytes,
    })
  }
  const parser = new SnapshotParser(options.limits, {
    deferNumbers: (section) => {
      totalBytes += section.end - section.start
      const work = parseSection({
        section,
        pool,
        file,
        handle,
        workers,
        readBytes: options.workerReadBytes ?? WORKER_READ_BYTES,
        rangeBytes: options.rangeBytes ?? MIN_RANGE_BYTES,
        progress,
      })
      // Awaited before the parser finishes; until then a rejection must not go unhandled.
      work.catch(() => undefined)
      sections[section.section === 'nodes' ? 0 : 1] = work
    },
  })
  const chunkSize = options.chunkSize ?? 1 << 20
  const input = createReadStream(file, { highWaterMark: chunkSize })
  let consumed = 0
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      consumed += chunk.length
      yield chunk
    }
  }
  try {
    return await parseSnapshotChunks(counted(), {
      parser,
      onProgress: options.onProgress,
      signal: options.signal,
      totalBytes: size,
      position: () => consumed,
      beforeFinish: async () => {
        const [nodes, edges] = await untilDone(Promise.all(sections), options.signal)
        if (nodes === undefined || edges === undefined) throw new UseOneStream()
        parser.adoptDeferred({
          ...(nodes as NodeArrays),
          ...(edges as EdgeArrays),
        } satisfies DeferredArrays)
      },
    })
  } catch (error) {
    // A worker's death and a cancellation end the load; anything else the workers or the
    // deferring parser met is for the one-stream parser to describe in its own words.
    if (
      error instanceof HeapSnapshotError &&
      (error.code === 'cancelled' || isWorkerFailure(error))
    ) {
      throw error
    }
    if (error instanceof UseOneStream || error instanceof DeferralUnsupported) return null
    if (error instanceof HeapSnapshotError) return null
    throw error
  } finally {
    input.destroy()
    await pool.close()
    await Promise.allSettled(sections)
    await handle.close()
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

function isWorkerFailure(error: HeapSnapshotError): boolean {
  return error.code === 'io' && error.message.startsWith('a parse worker thread')
}
