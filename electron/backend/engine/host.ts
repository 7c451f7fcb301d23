// An engine host: a child process that loads one snapshot and answers its queries, so a huge
// load never blocks the caller and a crash takes only this snapshot down. It runs as a forked
// Node child (process.send), an Electron utilityProcess (process.parentPort) or a worker thread.
// Messages:
// in {type:'load', file} | stream-start, chunk…, stream-end | {type:'query', id, method, args}
// | {type:'cancel'} | {type:'close'} (write the index cache if it is due, then exit);
// out {type:'progress', ...} | {type:'loaded', info} | {type:'reply', id, result|error}.
import { hasAllocationStacks } from '../../../shared/heap/queries/allocations'
import { constants, getPriority, setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { HeapSnapshotError } from '../../../shared/heap/errors'
import { prepareQueryIndexes } from '../../../shared/heap/queries/prepare'
import type { HeapSnapshot } from '../../../shared/heap/snapshot'
import { StreamingSnapshotLoader } from '../../../shared/heap/stream-load'
import { ApiError, type ParsedArgs } from '../../../shared/protocol'
import { writeCachedSnapshot } from '../index-cache/index-cache'
import { loadSnapshotFile, memoryLimit } from '../load-snapshot'
import { runQuery, type QueryContext, type QueryMethod } from './queries'
import {
  diffBase,
  interfaceDefinitionsOf,
  type DiffBase,
  type InterfaceDefinition,
} from '../../../shared/heap/queries/diff'
import {
  classCounts,
  findLeaks,
  snapshotIds,
  type ClassCount,
} from '../../../shared/heap/queries/leaks'
import type { LeakReport } from '../../../shared/protocol/dto'

export type HostRequest =
  | { type: 'load'; file: string }
  // A capture in progress: its text arrives in chunks, then the end.
  | { type: 'stream-start' }
  | { type: 'chunk'; chunk: string }
  | { type: 'stream-end' }
  | { type: 'query'; id: number; method: QueryMethod; args: unknown }
  | { type: 'internal'; id: number; op: InternalOp; args: unknown }
  | { type: 'cancel' }
  // The snapshot was closed: finish (or start) writing its index cache, then exit.
  | { type: 'close' }

export type HostMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | {
      type: 'loaded'
      nodeCount: number
      edgeCount: number
      totalSize: number
      exposeInternals: boolean
      allocationStacks: boolean
      allocationTimeline: boolean
      rootNode: number
    }
  | { type: 'load-failed'; code: string; message: string }
  | { type: 'reply'; id: number; result?: unknown; error?: { code: string; message: string } }

/**
 * Work the backend asks of a host beyond the protocol's queries: the halves of comparisons
 * between snapshots that live in different processes.
 */
export interface InternalOps {
  /** This snapshot's inferred interfaces (a newer snapshot's, applied to the older one). */
  interfaceDefinitions: { args: null; result: InterfaceDefinition[] }
  /** This snapshot condensed as the base of a comparison. */
  diffBase: { args: { definitions: InterfaceDefinition[] }; result: DiffBase }
  /** Keeps an older snapshot's condensed form for later comparisons. */
  setDiffBase: { args: { baseSnapshotId: string; base: DiffBase }; result: null }
  /** Every @id, ascending (a leak search's baseline and target). */
  snapshotIds: { args: null; result: Float64Array }
  /** Count and retained size per class (a leak search's growth report). */
  classCounts: { args: null; result: ClassCount[] }
  /** The leak search, in the final snapshot's host. */
  findLeaks: {
    args: {
      baseIds: Float64Array
      targetIds: Float64Array
      counts: [ClassCount[], ClassCount[], ClassCount[]]
      includeStrings: boolean
      includeInternalOnly: boolean
    }
    result: LeakReport
  }
}
export type InternalOp = keyof InternalOps

function runInternal(
  snapshot: HeapSnapshot,
  op: InternalOp,
  args: unknown,
  bases: Map<string, DiffBase>,
): unknown {
  switch (op) {
    case 'interfaceDefinitions':
      return interfaceDefinitionsOf(snapshot)
    case 'diffBase':
      return diffBase(snapshot, (args as InternalOps['diffBase']['args']).definitions)
    case 'setDiffBase': {
      const { baseSnapshotId, base } = args as InternalOps['setDiffBase']['args']
      bases.set(baseSnapshotId, base)
      return null
    }
    case 'snapshotIds':
      return snapshotIds(snapshot)
    case 'classCounts':
      return classCounts(snapshot)
    case 'findLeaks': {
      const { baseIds, targetIds, counts, includeStrings, includeInternalOnly } =
        args as InternalOps['findLeaks']['args']
      return findLeaks(snapshot, baseIds, targetIds, counts, {
        includeStrings,
        includeInternalOnly,
      })
    }
  }
}

function errorShape(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message }
  if (error instanceof HeapSnapshotError) return { code: error.code, message: error.message }
  if (error instanceof RangeError) return { code: 'bad-arguments', message: error.message }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) }
}

interface Port {
  post(message: HostMessage): void
  listen(handler: (request: HostRequest) => void): void
}

/** The channel to the backend, whichever way this host was started. */
function connect(): Port | null {
  const electronPort = (
    process as {
      parentPort?: {
        postMessage(message: unknown): void
        on(event: 'message', listener: (event: { data: HostRequest }) => void): void
      }
    }
  ).parentPort
  if (electronPort)
    return {
      post: (message) => electronPort.postMessage(message),
      listen: (handler) => electronPort.on('message', (event) => handler(event.data)),
    }
  const send = process.send?.bind(process)
  if (send) {
    // The backend is gone: nobody can use this snapshot any more.
    process.on('disconnect', () => process.exit(0))
    return {
      post: (message) => send(message),
      listen: (handler) => process.on('message', (request) => handler(request as HostRequest)),
    }
  }
  const worker = parentPort
  if (worker)
    return {
      post: (message) => worker.postMessage(message),
      listen: (handler) => worker.on('message', handler),
    }
  return null
}

const encoder = new TextEncoder()

/** How long the host waits without a query before it writes the index cache. */
const CACHE_WRITE_IDLE_MS = 3000

/**
 * Writes a snapshot's index cache once no query has come for CACHE_WRITE_IDLE_MS; `flush` writes
 * it now (the snapshot was closed) and resolves when no write is left.
 */
function idleCacheWrite(): {
  schedule(snapshot: HeapSnapshot): void
  postpone(): void
  flush(): Promise<void>
} {
  let pending: HeapSnapshot | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let writing: Promise<unknown> = Promise.resolve()
  const start = (): void => {
    if (timer) clearTimeout(timer)
    timer = null
    const snapshot = pending
    pending = null
    if (snapshot) writing = writing.then(() => writeCachedSnapshot(snapshot))
  }
  const arm = (): void => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(start, CACHE_WRITE_IDLE_MS)
    timer.unref()
  }
  return {
    schedule(snapshot) {
      pending = snapshot
      arm()
    },
    postpone() {
      if (pending) arm()
    },
    async flush() {
      start()
      await writing
    },
  }
}

/** HEAPGRAPH_TRACE_QUERIES=1: each query's method and time on stderr (to find a slow one). */
const TRACE = process.env.HEAPGRAPH_TRACE_QUERIES === '1'
function traceQuery(method: string, started: number): void {
  process.stderr.write(
    `heapgraph: query ${method} ${(performance.now() - started).toFixed(1)} ms\n`,
  )
}

/**
 * Below normal priority for this host's thread, and so for the parse workers it starts (they
 * inherit it), for the host's whole life: a load or a query that takes every core must not
 * starve the window, whose page then stutters. A host started lower already stays as it is; a
 * machine that refuses the change runs it at the priority it was given.
 */
function yieldToTheWindow(): void {
  try {
    const below = constants.priority.PRIORITY_BELOW_NORMAL
    // Nice values: higher is lower priority (Windows' classes map onto the same scale).
    if (getPriority() < below) setPriority(below)
  } catch {
    // Not permitted here: normal priority.
  }
}

const port = connect()
if (port) {
  yieldToTheWindow()
  let snapshot: HeapSnapshot | null = null
  const bases = new Map<string, DiffBase>()
  const context: QueryContext = {
    diffBase(baseSnapshotId) {
      const base = bases.get(baseSnapshotId)
      if (!base) throw new ApiError('no-snapshot', `no base snapshot ${baseSnapshotId} here`)
      return base
    },
  }
  const cacheWrite = idleCacheWrite()
  let stream: StreamingSnapshotLoader | null = null
  let streamError: unknown = null
  const abort = new AbortController()
  const post = port.post
  const progress = (p: { phase: string; done: number; total: number }): void =>
    post({ type: 'progress', ...p })
  /** Prepares the query indexes of a loaded snapshot and says it is ready, or why not. */
  const ready = (load: () => HeapSnapshot | Promise<HeapSnapshot>): Promise<void> =>
    (async () => {
      const loaded = await load()
      prepareQueryIndexes(loaded, { onProgress: progress, signal: abort.signal })
      snapshot = loaded
      post({
        type: 'loaded',
        nodeCount: loaded.graph.nodeCount,
        edgeCount: loaded.graph.edgeCount,
        totalSize: loaded.totalSize,
        exposeInternals: !loaded.hasUserRoots,
        allocationStacks: hasAllocationStacks(loaded),
        allocationTimeline: loaded.graph.samples.length > 0,
        rootNode: loaded.graph.rootNode,
      })
      // A file's state (with every index prepared) goes to the cache for its next open, once
      // the user pauses: the write is disk and memory traffic the first clicks should not meet.
      cacheWrite.schedule(loaded)
    })().catch((error: unknown) => post({ type: 'load-failed', ...errorShape(error) }))

  port.listen(async (request: HostRequest) => {
    if (request.type === 'cancel') {
      abort.abort()
    } else if (request.type === 'close') {
      await cacheWrite.flush()
      process.exit(0)
    } else if (request.type === 'load') {
      await ready(() =>
        loadSnapshotFile(request.file, { onProgress: progress, signal: abort.signal }),
      )
    } else if (request.type === 'stream-start') {
      // A capture too large for this machine is refused at its header, as a file would be.
      stream = new StreamingSnapshotLoader({ maxMemoryBytes: memoryLimit() })
    } else if (request.type === 'chunk') {
      // After a parse error the rest of the text is not read; the error is reported at the end.
      if (!stream || streamError !== null) return
      try {
        stream.write(encoder.encode(request.chunk))
      } catch (error) {
        streamError = error
      }
    } else if (request.type === 'stream-end') {
      const loader = stream
      stream = null
      await ready(() => {
        if (streamError !== null) throw streamError
        if (!loader) throw new ApiError('internal', 'the snapshot stream never started')
        return loader.finish({ onProgress: progress, signal: abort.signal })
      })
    } else if (request.type === 'query') {
      cacheWrite.postpone()
      try {
        if (!snapshot) throw new ApiError('not-loaded', 'the snapshot is still loading')
        const started = performance.now()
        const result = runQuery(
          snapshot,
          request.method,
          request.args as ParsedArgs<QueryMethod>,
          context,
        )
        if (TRACE) traceQuery(request.method, started)
        post({ type: 'reply', id: request.id, result })
      } catch (error) {
        post({ type: 'reply', id: request.id, error: errorShape(error) })
      }
    } else if (request.type === 'internal') {
      try {
        if (!snapshot) throw new ApiError('not-loaded', 'the snapshot is still loading')
        const result = runInternal(snapshot, request.op, request.args, bases)
        post({ type: 'reply', id: request.id, result })
      } catch (error) {
        post({ type: 'reply', id: request.id, error: errorShape(error) })
      }
    }
  })
}
