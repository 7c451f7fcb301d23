// Heapgraph as a typed Node API for test suites: take a heap snapshot of this process (streamed
// from node:inspector straight into the engine, no file needed), of another process over CDP, or
// load a file; then ask the same questions as the CLI: summary, instances, why, leaks, diff, and
// "no instance of class X is alive" as an assertion whose failure shows the retainer path.
import { mkdtemp, rm } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { StreamingSnapshotLoader } from '../../shared/heap/stream-load'
import {
  diffBase,
  diffSnapshots,
  interfaceDefinitionsOf,
  type DiffOptions,
} from '../../shared/heap/queries/diff'
import {
  classCounts,
  findLeaks,
  snapshotIds,
  type ClassCount,
  type LeakOptions,
} from '../../shared/heap/queries/leaks'
import { findNodeById } from '../../shared/heap/queries/nodes'
import { explainRetention } from '../../shared/heap/queries/explain'
import { findClasses, getClassMembers, getSummary } from '../../shared/heap/queries/summary'
import { getDuplicateStrings, type DuplicateStringsQuery } from '../../shared/heap/queries/strings'
import { getDetachedTrees } from '../../shared/heap/queries/detached'
import { getClosureLeaks, type ClosureLeaksQuery } from '../../shared/heap/queries/closures'
import { getRetainedBy } from '../../shared/heap/queries/retained-by'
import { formatBytes } from '../../shared/view/format'
import { findTarget } from '../backend/cdp/endpoint'
import { openInspector } from '../backend/cdp/node-processes'
import { TargetSession } from '../backend/cdp/session'
import { loadSnapshotFile } from '../backend/load-snapshot'
import { writeCachedSnapshot } from '../backend/index-cache/index-cache'
import { openSnapshotFile } from '../backend/snapshot-file'
import { formatPath, formatRoute } from '../cli/format'
import type {
  ClassDiff,
  ClassSummary,
  ClosureLeakReport,
  DetachedDomReport,
  DuplicateStringsReport,
  LeakReport,
  ObjectSummary,
  PathStep,
  RetainedByReport,
  RetainerKind,
  WhyResult,
} from '../../shared/protocol/dto'

export type {
  ClassDiff,
  ClassSummary,
  ClosureLeak,
  ClosureLeakReport,
  DetachedDomReport,
  DetachedTree,
  DuplicateString,
  DuplicateStringsReport,
  RetainedByReport,
  RetainerKind,
  Explanation,
  GrowingClass,
  LeakCluster,
  LeakReport,
  ObjectSummary,
  PathStep,
  WhyResult,
} from '../../shared/protocol/dto'
export type { ClassCount, LeakOptions } from '../../shared/heap/queries/leaks'
export type { DiffOptions } from '../../shared/heap/queries/diff'
export type { DuplicateStringsQuery } from '../../shared/heap/queries/strings'
export type { ClosureLeaksQuery } from '../../shared/heap/queries/closures'
export type { HeapSnapshot } from '../../shared/heap/snapshot'
export { HeapSnapshotError } from '../../shared/heap/errors'
export { AttachError } from '../backend/cdp/endpoint'

/**
 * The class name V8 records for Heap objects. leaks() leaves out what they dominate: a baseline
 * Heap of this very process is new in the target snapshot, and its graph is not the user's leak.
 */
const HEAP_CLASS_NAME = 'HeapgraphHeap'

export interface WhyOptions {
  /** How many retainer paths (default 1): each a different explanation. */
  paths?: number
  /** V8's own steps (stores, contexts, property cells) as they are, not folded. */
  internals?: boolean
}

/** Thrown by assertNoInstances; the message names the count and the first retainer path. */
export class HeapAssertionError extends Error {
  override readonly name = 'HeapAssertionError'
  constructor(
    message: string,
    readonly className: string,
    readonly instances: ObjectSummary[],
  ) {
    super(message)
  }
}

/** A retainer path as `heapgraph why` prints it: the root first, one reference a line. */
export function formatRetainerPath(path: readonly PathStep[]): string {
  return formatPath(path, { name: (className) => className })
}

/** One loaded heap snapshot with typed queries. */
class HeapgraphHeap {
  private ids: Float64Array | undefined

  constructor(
    /** The engine's snapshot, for the queries in shared/heap/queries. */
    readonly snapshot: HeapSnapshot,
    /** The file it was read from or saved to, or null. */
    readonly file: string | null,
  ) {}

  /** Every class, largest retained size first (the Summary view). */
  summary(): ClassSummary[] {
    return getSummary(this.snapshot)
  }

  /** Objects of a class (name or class key), largest retained size first, unreachable ones too. */
  instancesOf(className: string, options: { limit?: number } = {}): ObjectSummary[] {
    const limit = options.limit ?? Infinity
    const instances: ObjectSummary[] = []
    for (const entry of findClasses(this.snapshot, className)) {
      const wanted = Math.min(entry.count, limit)
      instances.push(...getClassMembers(this.snapshot, entry.classKey, 0, wanted).items)
    }
    instances.sort((a, b) => b.retainedSize - a.retainedSize || a.id - b.id)
    return instances.slice(0, limit)
  }

  /**
   * Why an object is alive: retainer paths from GC roots. `target` is an @id (a number, or a
   * string like "@123") or a class name (its largest instance).
   */
  why(target: number | string, options: WhyOptions = {}): WhyResult {
    const node = this.resolve(target)
    const explanation = explainRetention(this.snapshot, node, {
      count: options.paths ?? 1,
      internals: options.internals,
    })
    return { ...explanation, paths: explanation.routes.map((route) => route.steps) }
  }

  /**
   * Throws a HeapAssertionError when an object of the class is alive (reachable from a GC root),
   * naming how many and the retainer path of the largest.
   */
  assertNoInstances(className: string, message?: string): void {
    const alive = this.instancesOf(className).filter((instance) => instance.distance !== null)
    if (alive.length === 0) return
    const largest = alive[0]
    const explanation = explainRetention(this.snapshot, largest.node)
    const [route] = explanation.routes
    const total = alive.reduce((sum, instance) => sum + instance.retainedSize, 0)
    const head = `${message ? message + ': ' : ''}expected no live instance of ${className}, found ${alive.length} (${formatBytes(total)} retained)`
    const retained = route
      ? `${explanation.verdict}\nThe largest, @${largest.id}, is retained through:\n${formatRoute(route.readable)}` +
        (explanation.fix ? `\nTo free it: ${explanation.fix.text}` : '')
      : `The largest is @${largest.id}; no retainer path was found within the search budget.`
    throw new HeapAssertionError(`${head}.\n${retained}`, className, alive)
  }

  /** Every @id, ascending (what leaks() needs of a baseline or target). */
  objectIds(): Float64Array {
    this.ids ??= snapshotIds(this.snapshot)
    return this.ids
  }

  /** Count and retained size per class (what leaks() needs of each snapshot). */
  classCounts(): ClassCount[] {
    return classCounts(this.snapshot)
  }

  /**
   * Leak suspects with this heap as the final snapshot: objects allocated between `base` and
   * `target` (snapshots of the same process) that are still alive, and the growing classes.
   */
  leaks(base: HeapgraphHeap, target: HeapgraphHeap, options: LeakOptions = {}): LeakReport {
    return findLeaks(
      this.snapshot,
      base.objectIds(),
      target.objectIds(),
      [base.classCounts(), target.classCounts(), this.classCounts()],
      { ...options, excludeDominatedBy: [HEAP_CLASS_NAME, ...(options.excludeDominatedBy ?? [])] },
    )
  }

  /**
   * Texts held more than once (plain and concatenated strings), largest waste first: copies,
   * bytes, what one shared copy would save, and who holds them.
   */
  duplicateStrings(options: DuplicateStringsQuery = {}): DuplicateStringsReport {
    return getDuplicateStrings(this.snapshot, options)
  }

  /**
   * Detached DOM trees (Chrome snapshots), largest retained size first, with what holds each;
   * `hasDom` is false and the list empty for snapshots without a DOM (Node.js).
   */
  detachedDom(options: { start?: number; count?: number } = {}): DetachedDomReport {
    return getDetachedTrees(this.snapshot, options)
  }

  /**
   * Closure leaks: variables of a closure scope whose value retains at least
   * `minRetainedSize` bytes (default 10 kB), kept by live functions that cannot all be shown
   * to use them (which ones do is known from Chrome's scope information only).
   */
  closureLeaks(options: ClosureLeaksQuery = {}): ClosureLeakReport {
    return getClosureLeaks(this.snapshot, options)
  }

  /**
   * DevTools' named filters: the objects that only the DevTools console, only event handlers,
   * or only detached DOM nodes keep alive, largest retained size first.
   */
  retainedBy(
    kind: RetainerKind,
    options: { start?: number; count?: number } = {},
  ): RetainedByReport {
    return getRetainedBy(this.snapshot, { ...options, kind })
  }

  /** Per class: objects added and removed since `base` (an older snapshot of the process). */
  diff(base: HeapgraphHeap, options: DiffOptions = {}): ClassDiff[] {
    const condensed = diffBase(base.snapshot, interfaceDefinitionsOf(this.snapshot))
    return diffSnapshots(this.snapshot, condensed, options)
  }

  private resolve(target: number | string): number {
    const idText = typeof target === 'number' ? String(target) : /^@(\d+)$/.exec(target)?.[1]
    if (idText !== undefined) {
      const node = findNodeById(this.snapshot, Number(idText))
      if (node === null) throw new HeapSnapshotError('range', `no object @${idText} in this heap`)
      return node
    }
    const [largest] = this.instancesOf(target as string, { limit: 1 })
    if (!largest)
      throw new HeapSnapshotError('range', `no object of class "${target}" in this heap`)
    return largest.node
  }
}

export { HeapgraphHeap as Heap }

export interface TakeSnapshotOptions {
  /** Also save the snapshot to this file (written as it streams). */
  file?: string
  /** Collect garbage first (default true; V8 also collects before any snapshot). */
  gc?: boolean
}

// One inspector session for the life of the process: V8 forgets its object ids when a session
// that used the heap profiler disconnects, and leaks() needs the ids of successive snapshots to
// match. Snapshots queue on it, so concurrent calls never interleave their chunks.
let selfSession: Session | null = null
let selfQueue: Promise<unknown> = Promise.resolve()

function connectSelf(): Session {
  if (selfSession === null) {
    selfSession = new Session()
    selfSession.connect()
  }
  return selfSession
}

async function snapshotSelf(options: TakeSnapshotOptions): Promise<HeapgraphHeap> {
  const session = connectSelf()
  const file = options.file === undefined ? null : await openSnapshotFile(options.file)
  const loader = new StreamingSnapshotLoader()
  const encoder = new TextEncoder()
  let failure: unknown = null
  const onChunk = ({ params }: { params: { chunk: string } }): void => {
    file?.write(params.chunk)
    if (failure !== null) return
    try {
      loader.write(encoder.encode(params.chunk))
    } catch (error) {
      failure = error
    }
  }
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk)
  try {
    if (options.gc ?? true) await session.post('HeapProfiler.collectGarbage')
    await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
    if (failure !== null) throw failure
    const snapshot = loader.finish()
    await file?.finish()
    return new HeapgraphHeap(snapshot, options.file ?? null)
  } catch (error) {
    await file?.abort()
    throw error
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk)
  }
}

/**
 * A heap snapshot of the current process, streamed from node:inspector into the engine. The
 * snapshot is taken on this thread: the process pauses while V8 writes it. Object ids stay
 * stable across calls (one inspector session stays connected), so heaps taken here can go to
 * leaks() and diff().
 */
export function takeSnapshot(options: TakeSnapshotOptions = {}): Promise<HeapgraphHeap> {
  const taken = selfQueue.then(() => snapshotSelf(options))
  selfQueue = taken.catch(() => undefined)
  return taken
}

/** Where another process's inspector is: one of port, webSocketUrl or pid. */
export type TargetAddress = (
  | { port: number; host?: string; targetId?: string }
  | { webSocketUrl: string }
  | { pid: number; targetId?: string }
) & {
  /** Allow a host that is not this machine: the protocol gives full control of the target. */
  allowRemote?: boolean
}

export interface TargetSnapshotOptions {
  /** Keep the snapshot in this file (otherwise a temporary file is removed afterwards). */
  file?: string
  /** Collect garbage in the target first (default true). */
  gc?: boolean
  /** Snapshot with V8's internals exposed (no user roots), as DevTools does. Default false. */
  exposeInternals?: boolean
}

export type CaptureTargetOptions = TargetAddress & TargetSnapshotOptions

/** A connection to another process; its snapshots share object ids until it is closed. */
export interface TargetConnection {
  readonly webSocketUrl: string
  takeSnapshot(options?: TargetSnapshotOptions): Promise<HeapgraphHeap>
  close(): Promise<void>
}

async function webSocketUrlOf(address: TargetAddress): Promise<string> {
  if ('webSocketUrl' in address) return address.webSocketUrl
  const endpoint =
    'pid' in address
      ? await openInspector(address.pid)
      : { host: address.host ?? '127.0.0.1', port: address.port }
  const target = await findTarget(endpoint, address.targetId, {
    allowRemote: address.allowRemote,
  })
  return target.webSocketDebuggerUrl
}

async function snapshotTarget(
  session: TargetSession,
  options: TargetSnapshotOptions,
): Promise<HeapgraphHeap> {
  const tempDir =
    options.file === undefined ? await mkdtemp(join(tmpdir(), 'heapgraph-capture-')) : null
  const file = options.file ?? join(tempDir as string, 'capture.heapsnapshot')
  try {
    if (options.gc ?? true) await session.collectGarbage()
    const { snapshot } = await session.takeSnapshot({
      file,
      exposeInternals: options.exposeInternals ?? false,
    })
    return new HeapgraphHeap(snapshot, options.file ?? null)
  } finally {
    if (tempDir !== null) await rm(tempDir, { recursive: true, force: true })
  }
}

/**
 * Connects to another process over the DevTools protocol: a `node --inspect` port, a target's
 * WebSocket URL, or a local Node pid (its inspector is opened with SIGUSR1). Take the snapshots
 * for leaks() through one connection: V8 renumbers objects when a connection closes.
 */
export async function connectTarget(address: TargetAddress): Promise<TargetConnection> {
  const webSocketUrl = await webSocketUrlOf(address)
  const session = await TargetSession.connect(webSocketUrl, { allowRemote: address.allowRemote })
  return {
    webSocketUrl,
    takeSnapshot: (options = {}) => snapshotTarget(session, options),
    close: () => session.close(),
  }
}

/** One heap snapshot of another process (connect, snapshot, close). */
export async function captureTarget(options: CaptureTargetOptions): Promise<HeapgraphHeap> {
  const connection = await connectTarget(options)
  try {
    return await connection.takeSnapshot(options)
  } finally {
    await connection.close()
  }
}

/**
 * Loads a .heapsnapshot file (optionally gzipped). The index cache is read when it holds this
 * file, and written in the background after a first load; `{ cache: false }` (or
 * HEAPGRAPH_NO_CACHE=1) leaves it alone.
 */
export async function loadSnapshot(
  file: string,
  options: { cache?: boolean } = {},
): Promise<HeapgraphHeap> {
  const snapshot = await loadSnapshotFile(file, { cache: options.cache })
  if (options.cache !== false) void writeCachedSnapshot(snapshot)
  return new HeapgraphHeap(snapshot, file)
}
