// One attached CDP target: garbage collection, heap usage, streamed heap snapshots (each chunk
// goes to the file and into the streaming parser at once, so the graph is ready moments after
// the last chunk), live object previews, allocation tracking and sampling heap profiles (one
// recording at a time). A capture writes to `<file>.partial` and renames it only when complete;
// a target that dies mid-capture leaves no file that looks valid.
import CDP from 'chrome-remote-interface'
import type { Protocol } from 'devtools-protocol'
import type { ProgressSink } from '../../../shared/heap/progress'
import type { HeapSnapshot } from '../../../shared/heap/snapshot'
import { StreamingSnapshotLoader } from '../../../shared/heap/stream-load'
import { AttachError, endpointOfWebSocket, type EndpointOptions } from './endpoint'
import type { LiveProperty } from '../../../shared/protocol'
import { openSnapshotFile, type SnapshotFile } from '../snapshot-file'

/** One reading of Runtime.getHeapUsage. */
export interface HeapUsageSample {
  /** Milliseconds since the session attached. */
  timeMs: number
  usedSize: number
  totalSize: number
  /** Bytes used by the embedder (Blink, Node buffers) where the target reports them. */
  embedderHeapUsedSize: number | null
  /** ArrayBuffer backing stores, outside the JS heap, where the target reports them. */
  backingStorageSize: number | null
}

export interface CaptureOptions {
  /** Where the .heapsnapshot goes. */
  file: string
  exposeInternals?: boolean
  captureNumericValue?: boolean
  onProgress?: ProgressSink
  /** Abandons the capture: it rejects with the signal's reason and keeps no file. */
  signal?: AbortSignal
}

/** A sampling heap profile as V8 returns it (and as DevTools and Node save `.heapprofile`). */
export type SamplingHeapProfile = Protocol.HeapProfiler.SamplingHeapProfile

/** HeapProfiler.startSampling's options, by the protocol's names. */
export interface SamplingOptions {
  /** Average bytes between samples (Poisson-distributed); V8's default is 32768. */
  samplingInterval?: number
  /** Also keep samples of objects a major GC has since collected (else only live ones). */
  includeObjectsCollectedByMajorGC?: boolean
  /** Also keep samples of objects a minor GC (scavenge) has since collected. */
  includeObjectsCollectedByMinorGC?: boolean
}

/**
 * What V8 reports while it tracks allocations (about every 50 ms): its heap is cut into
 * fragments by time, each with the objects allocated in it that are still alive. Fragment 0
 * holds what existed when tracking started.
 */
export interface AllocationTrackingStats {
  /** Milliseconds since the session attached. */
  timeMs: number
  lastSeenObjectId: number
  /** Objects allocated since tracking started that are still alive, and their bytes. */
  newObjectCount: number
  newObjectSize: number
  /** Every tracked object alive, and their bytes (fragment 0 included). */
  liveObjectCount: number
  liveObjectSize: number
}

export interface AllocationTrackingOptions {
  /** Called after each of V8's heap statistics updates. */
  onStats?: (stats: AllocationTrackingStats) => void
}

export interface StreamResult {
  file: string
  /** Bytes of snapshot text received. */
  bytes: number
  /** Time from the command to the last chunk. */
  transferMs: number
}

export interface CaptureResult {
  file: string
  snapshot: HeapSnapshot
  /** Bytes of snapshot text received. */
  bytes: number
  /** Time from the last chunk to a queryable graph. */
  lastChunkToReadyMs: number
  /** Time from the command to the last chunk. */
  transferMs: number
}

type Client = CDP.Client

/** Why a capture was abandoned: the signal's reason, as an Error. */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason
  return reason instanceof Error ? reason : new Error('the capture was abandoned')
}

const encoder = new TextEncoder()

export class TargetSession {
  private capturing = false
  /** The recording running on the target, if any; tracking keeps its statistics listeners. */
  private recording: 'sampling' | { kind: 'timeline'; unsubscribe: () => void } | null = null
  private disconnected = false
  private readonly startedAt = performance.now()
  private readonly disconnectListeners = new Set<() => void>()
  private readonly eventListeners = new Set<(kind: 'gc' | 'snapshot', label: string) => void>()

  private constructor(
    private readonly client: Client,
    readonly webSocketUrl: string,
  ) {
    client.on('disconnect', () => {
      this.disconnected = true
      for (const listener of this.disconnectListeners) listener()
    })
  }

  /** Attaches to a target by its WebSocket URL (loopback unless allowed). */
  static async connect(
    webSocketUrl: string,
    options: EndpointOptions = {},
  ): Promise<TargetSession> {
    endpointOfWebSocket(webSocketUrl, options)
    const timeoutMs = options.timeoutMs ?? 10_000
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AttachError(
              'timeout',
              `no answer from ${webSocketUrl} within ${timeoutMs / 1000} s`,
            ),
          ),
        timeoutMs,
      )
    })
    const connecting = CDP({ target: webSocketUrl, local: true })
    try {
      // local: use the bundled protocol; Node's inspector serves no /json/protocol.
      const client = await Promise.race([connecting, timedOut])
      const session = new TargetSession(client, webSocketUrl)
      // A target that accepts the connection but never answers must not hang the caller.
      await Promise.race([session.command(() => client.HeapProfiler.enable()), timedOut])
      return session
    } catch (error) {
      // Close a connection that arrives after the timeout, or one that never answered.
      void connecting.then((late) => late.close()).catch(() => {})
      if (error instanceof AttachError) throw error
      const message = error instanceof Error ? error.message : String(error)
      throw new AttachError(
        /ECONNREFUSED/.test(message) ? 'refused' : 'not-cdp',
        `cannot attach to ${webSocketUrl}: ${message}`,
      )
    } finally {
      clearTimeout(timer)
    }
  }

  /** Milliseconds since the session attached (the time base of samples and markers). */
  now(): number {
    return performance.now() - this.startedAt
  }

  /** Calls back after each garbage collection and snapshot this session makes. */
  onEvent(listener: (kind: 'gc' | 'snapshot', label: string) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  private emit(kind: 'gc' | 'snapshot', label: string): void {
    for (const listener of this.eventListeners) listener(kind, label)
  }

  get isConnected(): boolean {
    return !this.disconnected
  }

  /** Calls back once when the target goes away. Returns an unsubscribe function. */
  onDisconnect(listener: () => void): () => void {
    this.disconnectListeners.add(listener)
    return () => this.disconnectListeners.delete(listener)
  }

  /** Runs a command, turning a vanished target or a protocol error into an AttachError. */
  private async command<T>(run: () => Promise<T>): Promise<T> {
    if (this.disconnected) throw new AttachError('disconnected', 'the target has gone away')
    let unsubscribe = (): void => {}
    const gone = new Promise<never>((_, reject) => {
      unsubscribe = this.onDisconnect(() =>
        reject(new AttachError('disconnected', 'the target went away during the operation')),
      )
    })
    try {
      return await Promise.race([run(), gone])
    } catch (error) {
      if (error instanceof AttachError) throw error
      if (this.disconnected)
        throw new AttachError('disconnected', 'the target went away during the operation')
      const message = error instanceof Error ? error.message : String(error)
      throw new AttachError('protocol', `the target refused: ${message}`)
    } finally {
      unsubscribe()
    }
  }

  async collectGarbage(): Promise<void> {
    await this.command(() => this.client.HeapProfiler.collectGarbage())
    this.emit('gc', 'Garbage collected')
  }

  async getHeapUsage(): Promise<HeapUsageSample> {
    const usage = await this.command(() => this.client.Runtime.getHeapUsage())
    const extra = usage as { embedderHeapUsedSize?: number; backingStorageSize?: number }
    return {
      timeMs: this.now(),
      usedSize: usage.usedSize,
      totalSize: usage.totalSize,
      embedderHeapUsedSize: extra.embedderHeapUsedSize ?? null,
      backingStorageSize: extra.backingStorageSize ?? null,
    }
  }

  /** Takes a heap snapshot, streaming it to the file and the parser at once. */
  takeSnapshot(options: CaptureOptions): Promise<CaptureResult> {
    return this.parseWhileReceiving(options, () => this.startSnapshot(options))
  }

  /**
   * Takes a heap snapshot, streaming it to the file and to `onChunk` (an engine host that
   * parses it elsewhere) instead of parsing it here. Resolves when the file is complete.
   */
  async streamSnapshot(
    options: CaptureOptions & { onChunk: (chunk: string) => void },
  ): Promise<StreamResult> {
    const { file, bytes, transferMs } = await this.receiveSnapshot(
      options,
      () => this.startSnapshot(options),
      { write: options.onChunk, finish: () => null },
    )
    return { file, bytes, transferMs }
  }

  private startSnapshot(options: CaptureOptions): Promise<unknown> {
    return this.client.HeapProfiler.takeHeapSnapshot({
      reportProgress: true,
      exposeInternals: options.exposeInternals ?? false,
      captureNumericValue: options.captureNumericValue ?? false,
    })
  }

  /** Refuses a second recording: V8 can run both, but their costs would blur each other. */
  private claimRecording(): void {
    if (this.recording !== null) {
      throw new AttachError(
        'busy',
        `a ${this.recording === 'sampling' ? 'sampling heap profile' : 'allocation timeline'} is already being recorded on this target; stop it first`,
      )
    }
  }

  /** Starts a sampling heap profile: a sample about every `samplingInterval` bytes allocated. */
  async startSampling(options: SamplingOptions = {}): Promise<void> {
    this.claimRecording()
    this.recording = 'sampling'
    try {
      await this.command(() =>
        this.client.HeapProfiler.startSampling({
          samplingInterval: options.samplingInterval,
          includeObjectsCollectedByMajorGC: options.includeObjectsCollectedByMajorGC ?? false,
          includeObjectsCollectedByMinorGC: options.includeObjectsCollectedByMinorGC ?? false,
        }),
      )
    } catch (error) {
      this.recording = null
      throw error
    }
  }

  /** Stops the sampling heap profile and returns it. */
  async stopSampling(): Promise<SamplingHeapProfile> {
    try {
      const { profile } = await this.command(() => this.client.HeapProfiler.stopSampling())
      return profile
    } finally {
      if (this.recording === 'sampling') this.recording = null
    }
  }

  /**
   * Starts recording allocation stacks (tracemalloc for V8) and V8's heap statistics over time,
   * which the snapshot taken at the end carries as its `samples`.
   */
  async startAllocationTracking(options: AllocationTrackingOptions = {}): Promise<void> {
    this.claimRecording()
    // Fragment index -> [count, size] of its objects still alive; V8 sends only the changes.
    const fragments = new Map<number, [count: number, size: number]>()
    const unsubscribeStats = this.client.HeapProfiler.heapStatsUpdate(({ statsUpdate }) => {
      for (let at = 0; at + 2 < statsUpdate.length; at += 3) {
        fragments.set(statsUpdate[at], [statsUpdate[at + 1], statsUpdate[at + 2]])
      }
    })
    const unsubscribeSeen = this.client.HeapProfiler.lastSeenObjectId(({ lastSeenObjectId }) => {
      const stats: AllocationTrackingStats = {
        timeMs: this.now(),
        lastSeenObjectId,
        newObjectCount: 0,
        newObjectSize: 0,
        liveObjectCount: 0,
        liveObjectSize: 0,
      }
      for (const [fragment, [count, size]] of fragments) {
        stats.liveObjectCount += count
        stats.liveObjectSize += size
        if (fragment > 0) {
          stats.newObjectCount += count
          stats.newObjectSize += size
        }
      }
      options.onStats?.(stats)
    })
    const unsubscribe = (): void => {
      unsubscribeStats()
      unsubscribeSeen()
    }
    this.recording = { kind: 'timeline', unsubscribe }
    try {
      await this.command(() =>
        this.client.HeapProfiler.startTrackingHeapObjects({ trackAllocations: true }),
      )
    } catch (error) {
      this.endTracking()
      throw error
    }
  }

  private endTracking(): void {
    if (this.recording !== null && this.recording !== 'sampling') {
      this.recording.unsubscribe()
      this.recording = null
    }
  }

  /** Stops recording and streams the snapshot, which carries the allocation stacks. */
  async stopAllocationTracking(options: CaptureOptions): Promise<CaptureResult> {
    try {
      return await this.parseWhileReceiving(options, () => this.stopTrackingCommand(options))
    } finally {
      this.endTracking()
    }
  }

  /**
   * Stops recording and streams the snapshot to the file and to `onChunk` (an engine host that
   * parses it elsewhere, or nothing) instead of parsing it here.
   */
  async streamAllocationTracking(
    options: CaptureOptions & { onChunk?: (chunk: string) => void },
  ): Promise<StreamResult> {
    try {
      const { file, bytes, transferMs } = await this.receiveSnapshot(
        options,
        () => this.stopTrackingCommand(options),
        { write: options.onChunk ?? (() => {}), finish: () => null },
      )
      return { file, bytes, transferMs }
    } finally {
      this.endTracking()
    }
  }

  private stopTrackingCommand(options: CaptureOptions): Promise<unknown> {
    return this.client.HeapProfiler.stopTrackingHeapObjects({
      reportProgress: true,
      exposeInternals: options.exposeInternals ?? false,
      captureNumericValue: options.captureNumericValue ?? false,
    })
  }

  /**
   * Ends a recording without its result: sampling stops (its profile dropped); allocation
   * tracking ends by disabling the HeapProfiler domain, since stopping it the ordinary way makes
   * V8 take a whole snapshot. Disabling also resets V8's object ids, so a later snapshot's @ids
   * do not match earlier ones.
   */
  async cancelRecording(): Promise<void> {
    const recording = this.recording
    if (recording === 'sampling') {
      await this.stopSampling().catch(() => {})
      return
    }
    this.endTracking()
    if (recording === null || this.disconnected) return
    await this.command(async () => {
      await this.client.HeapProfiler.disable()
      await this.client.HeapProfiler.enable()
    }).catch(() => {})
  }

  private async parseWhileReceiving(
    options: CaptureOptions,
    start: () => Promise<unknown>,
  ): Promise<CaptureResult> {
    const loader = new StreamingSnapshotLoader()
    const received = await this.receiveSnapshot(options, start, {
      write: (chunk) => loader.write(encoder.encode(chunk)),
      // The graph does not wait for the file: it is queryable before the last bytes reach disk.
      finish: () => loader.finish({ onProgress: options.onProgress }),
    })
    return {
      file: received.file,
      snapshot: received.result,
      bytes: received.bytes,
      lastChunkToReadyMs: received.lastChunkToReadyMs,
      transferMs: received.transferMs,
    }
  }

  /**
   * Streams a snapshot to `<file>.partial` and to the consumer, renaming the file only when it
   * is complete. A consumer that throws stops taking chunks and fails the capture.
   */
  private async receiveSnapshot<T>(
    options: CaptureOptions,
    start: () => Promise<unknown>,
    consumer: { write(chunk: string): void; finish(): T },
  ): Promise<{
    file: string
    result: T
    bytes: number
    lastChunkToReadyMs: number
    transferMs: number
  }> {
    if (this.capturing) {
      throw new AttachError(
        'busy',
        'a snapshot is already being taken on this target; wait for it to finish',
      )
    }
    this.capturing = true
    let out: SnapshotFile
    // Open the file before V8 starts streaming, so an unwritable path fails with nothing sent.
    try {
      out = await openSnapshotFile(options.file)
    } catch (error) {
      this.capturing = false
      throw error
    }
    let parseError: unknown = null
    let bytes = 0
    let lastChunkAt = 0
    const report = options.onProgress
    const unsubscribeChunks = this.client.HeapProfiler.addHeapSnapshotChunk(({ chunk }) => {
      out.write(chunk)
      bytes += Buffer.byteLength(chunk, 'utf8')
      lastChunkAt = performance.now()
      if (parseError === null) {
        try {
          consumer.write(chunk)
        } catch (error) {
          parseError = error
        }
      }
      report?.({ phase: 'Receiving snapshot', done: bytes, total: 0 })
    })
    const unsubscribeProgress = this.client.HeapProfiler.reportHeapSnapshotProgress(
      ({ done, total }) => report?.({ phase: 'Taking snapshot', done, total }),
    )
    const startedAt = performance.now()
    const running = this.command(start)
    running.catch(() => {})
    const { signal } = options
    let onAbort = (): void => {}
    const abandoned = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortReason(signal))
      if (signal?.aborted) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
    abandoned.catch(() => {})
    try {
      await Promise.race([running, out.failed, abandoned])
      if (signal?.aborted) throw abortReason(signal)
      if (parseError !== null) throw parseError
      const result = consumer.finish()
      const readyAt = performance.now()
      await out.finish()
      this.emit('snapshot', options.file)
      return {
        file: options.file,
        result,
        bytes,
        lastChunkToReadyMs: readyAt - (lastChunkAt || readyAt),
        transferMs: (lastChunkAt || readyAt) - startedAt,
      }
    } catch (error) {
      await out.abort()
      throw error
    } finally {
      // V8 keeps streaming until its command ends: release the target only then, so the next
      // capture does not receive the tail of this one.
      if (!this.disconnected) await running.catch(() => {})
      signal?.removeEventListener('abort', onAbort)
      unsubscribeChunks()
      unsubscribeProgress()
      this.capturing = false
    }
  }

  /** The live properties of an object by its @id (from a snapshot of this target). */
  async previewObject(objectId: number, limit = 100): Promise<LiveProperty[]> {
    const objectGroup = `heapgraph-preview-${objectId}`
    try {
      const { result } = await this.command(() =>
        this.client.HeapProfiler.getObjectByHeapObjectId({
          objectId: String(objectId),
          objectGroup,
        }),
      )
      if (!result.objectId) {
        return [
          {
            name: '(value)',
            type: result.type,
            description: String(result.description ?? result.value),
          },
        ]
      }
      const remoteId = result.objectId
      const { result: properties } = await this.command(() =>
        this.client.Runtime.getProperties({
          objectId: remoteId,
          ownProperties: true,
          generatePreview: false,
        }),
      )
      return properties.slice(0, limit).map((property) => ({
        name: property.name,
        type: property.value?.subtype ?? property.value?.type ?? 'accessor',
        description:
          property.value?.description ??
          (property.value?.value === undefined ? '' : JSON.stringify(property.value.value)),
      }))
    } finally {
      if (!this.disconnected) {
        await this.client.Runtime.releaseObjectGroup({ objectGroup }).catch(() => {})
      }
    }
  }

  async close(): Promise<void> {
    if (this.disconnected) return
    this.disconnected = true
    await this.client.close().catch(() => {})
  }
}
