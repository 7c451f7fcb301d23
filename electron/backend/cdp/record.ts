// Recording an allocation profile from an attached target, for the CLI and the app alike: a
// sampling heap profile (`.heapprofile` JSON) or an allocation timeline (a `.heapsnapshot` with
// allocation stacks). The result is written to `<file>.partial` and renamed only when complete;
// a failure, an abort or a target that dies mid-recording leaves neither file behind.
import { open, rename, rm, writeFile } from 'node:fs/promises'
import { HeapSnapshotError } from '../../../shared/heap/errors'
import type { ProgressSink } from '../../../shared/heap/progress'
import { AttachError } from './endpoint'
import type { AllocationTrackingStats, TargetSession } from './session'

export type RecordingKind = 'sampling' | 'timeline'

/** V8's default sampling interval, which DevTools and Node use too. */
export const DEFAULT_SAMPLING_INTERVAL_BYTES = 32 * 1024

export interface RecordingOptions {
  kind: RecordingKind
  /** Where the `.heapprofile` (sampling) or `.heapsnapshot` (timeline) goes. */
  file: string
  /** Sampling only: average bytes allocated between samples (32 KiB by default). */
  intervalBytes?: number
  /** Sampling only: keep samples of objects the GC has since collected (major and minor GCs). */
  includeCollected?: boolean
  /** Timeline only: the snapshot's transfer at the end ("Taking snapshot", "Receiving snapshot"). */
  onProgress?: ProgressSink
  /** Timeline only: every chunk of the snapshot as it arrives (an engine host parsing it). */
  onChunk?: (chunk: string) => void
}

export interface RecordingResult {
  file: string
  kind: RecordingKind
  /** Bytes written to the file. */
  bytes: number
  /** From the start of the recording to the stop request. */
  durationMs: number
}

/** A recording under way. */
export interface Recording {
  readonly kind: RecordingKind
  readonly file: string
  /** Milliseconds since the recording started (frozen once it is stopped). */
  readonly elapsedMs: number
  /** Timeline only: V8's latest heap statistics, null before the first (or for sampling). */
  readonly stats: AllocationTrackingStats | null
  /**
   * Rejects with an AttachError as soon as the target goes away before stop() is called; never
   * resolves. Race it with whatever ends the recording.
   */
  readonly failed: Promise<never>
  /** Stops the recording and writes the file; resolves once it has its final name. */
  stop(): Promise<RecordingResult>
  /**
   * Ends the recording without a file (a stop under way is abandoned and rejects). Resolves once
   * no partial file is left.
   */
  abort(): Promise<void>
}

const KIND_NAMES: Record<RecordingKind, string> = {
  sampling: 'sampling heap profile',
  timeline: 'allocation timeline',
}

function gone(kind: RecordingKind): AttachError {
  return new AttachError(
    'disconnected',
    `the target exited during the ${KIND_NAMES[kind]}; nothing was written`,
  )
}

function writeError(file: string, partial: string, error: unknown): HeapSnapshotError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOSPC') {
    return new HeapSnapshotError(
      'io',
      `cannot save the recording to ${file}: the disk is full (nothing was kept)`,
    )
  }
  const reason =
    code === 'ENOENT'
      ? 'no such folder'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : error instanceof Error
            ? error.message
            : String(error)
  return new HeapSnapshotError('io', `cannot write ${partial}: ${reason}`)
}

/** Writes `text` to `<file>.partial`, then renames it; keeps nothing on failure or abort. */
async function writeAtomically(file: string, text: string, signal: AbortSignal): Promise<number> {
  const partial = `${file}.partial`
  try {
    await writeFile(partial, text)
    signal.throwIfAborted()
    await rename(partial, file)
  } catch (error) {
    await rm(partial, { force: true })
    throw signal.aborted ? error : writeError(file, partial, error)
  }
  return Buffer.byteLength(text, 'utf8')
}

/**
 * Starts recording on the target. Fails at once (nothing recorded) when the file cannot be
 * written or another recording runs on the target.
 */
export async function startRecording(
  session: TargetSession,
  options: RecordingOptions,
): Promise<Recording> {
  const { kind, file } = options
  const partial = `${file}.partial`
  // A path that cannot be written fails now, not after minutes of recording.
  try {
    await (await open(partial, 'w')).close()
    await rm(partial, { force: true })
  } catch (error) {
    throw writeError(file, partial, error)
  }
  let latestStats: AllocationTrackingStats | null = null
  if (kind === 'sampling') {
    const interval = options.intervalBytes ?? DEFAULT_SAMPLING_INTERVAL_BYTES
    if (!(Number.isInteger(interval) && interval >= 1)) {
      throw new RangeError(`the sampling interval must be a positive whole number of bytes`)
    }
    await session.startSampling({
      samplingInterval: interval,
      includeObjectsCollectedByMajorGC: options.includeCollected ?? false,
      includeObjectsCollectedByMinorGC: options.includeCollected ?? false,
    })
  } else {
    await session.startAllocationTracking({ onStats: (stats) => (latestStats = stats) })
  }
  const startedAt = performance.now()
  let stoppedAt: number | null = null
  let state: 'recording' | 'stopping' | 'done' = 'recording'
  let fail = (_error: AttachError): void => {}
  const failed = new Promise<never>((_, reject) => (fail = reject))
  failed.catch(() => {})
  const unsubscribe = session.onDisconnect(() => {
    if (state === 'recording') fail(gone(kind))
  })
  const abandon = new AbortController()
  let stopping: Promise<RecordingResult> | null = null

  const finish = async (): Promise<RecordingResult> => {
    const durationMs = (stoppedAt ?? performance.now()) - startedAt
    try {
      if (kind === 'sampling') {
        const profile = await session.stopSampling()
        const bytes = await writeAtomically(file, JSON.stringify(profile), abandon.signal)
        return { file, kind, bytes, durationMs }
      }
      const { bytes } = await session.streamAllocationTracking({
        file,
        onProgress: options.onProgress,
        onChunk: options.onChunk,
        signal: abandon.signal,
      })
      return { file, kind, bytes, durationMs }
    } catch (error) {
      await rm(partial, { force: true })
      if (error instanceof AttachError && error.code === 'disconnected') throw gone(kind)
      throw error
    } finally {
      state = 'done'
      unsubscribe()
    }
  }

  return {
    kind,
    file,
    get elapsedMs() {
      return (stoppedAt ?? performance.now()) - startedAt
    },
    get stats() {
      return latestStats
    },
    failed,
    stop() {
      if (stopping) return stopping
      if (state === 'done') return Promise.reject(new Error('the recording was abandoned'))
      if (!session.isConnected) {
        state = 'done'
        unsubscribe()
        return Promise.reject(gone(kind))
      }
      state = 'stopping'
      stoppedAt = performance.now()
      stopping = finish()
      return stopping
    },
    async abort() {
      abandon.abort(new Error('the recording was abandoned'))
      if (stopping) {
        await stopping.catch(() => {})
      } else if (state === 'recording') {
        state = 'done'
        stoppedAt = performance.now()
        unsubscribe()
        await session.cancelRecording()
      }
      await rm(partial, { force: true })
    },
  }
}
