// `heapgraph record`: records an allocation profile from a running target, tracemalloc-style: a
// sampling heap profile (.heapprofile) or an allocation timeline (a .heapsnapshot with allocation
// stacks). It runs for --duration, or until Ctrl+C, which stops it and still writes the file; a
// second Ctrl+C abandons it with no file. Options are checked before anything is attached.
import { AttachError } from '../backend/cdp/endpoint'
import {
  DEFAULT_SAMPLING_INTERVAL_BYTES,
  startRecording,
  type Recording,
  type RecordingKind,
} from '../backend/cdp/record'
import { TargetSession } from '../backend/cdp/session'
import { parseByteSize, parseDuration, UsageError } from './arguments'
import { chooseTarget, option, type AttachContext } from './attach-commands'
import { formatBytes } from './format'

interface RecordOptions {
  kind: RecordingKind
  file: string
  /** Null: until Ctrl+C or the target exits. */
  durationMs: number | null
  intervalBytes: number
  includeCollected: boolean
}

const KIND_NAMES: Record<RecordingKind, string> = {
  sampling: 'sampling heap profile',
  timeline: 'allocation timeline',
}

/** The options of `record`, checked; every mistake is a UsageError (exit 2). */
export function recordOptions(context: AttachContext): RecordOptions {
  const { values } = context
  if (values.sampling === true && values.timeline === true) {
    throw new UsageError('choose one of --sampling and --timeline')
  }
  const kind: RecordingKind = values.timeline === true ? 'timeline' : 'sampling'
  const intervalText = option(context, 'interval')
  if (kind === 'timeline' && intervalText !== undefined) {
    throw new UsageError('--interval applies to --sampling only')
  }
  if (kind === 'timeline' && values['include-collected'] === true) {
    throw new UsageError('--include-collected applies to --sampling only')
  }
  const intervalBytes =
    intervalText === undefined
      ? DEFAULT_SAMPLING_INTERVAL_BYTES
      : parseByteSize(intervalText, 'interval')
  if (intervalBytes < 1 || intervalBytes > 2 ** 31 - 1) {
    throw new UsageError(`--interval takes a size from 1 byte to 2GiB, not "${intervalText}"`)
  }
  const durationText = option(context, 'duration')
  const durationMs = durationText === undefined ? null : parseDuration(durationText, 'duration')
  if (durationMs !== null && durationMs <= 0) {
    throw new UsageError(`--duration must be longer than 0, not "${durationText}"`)
  }
  const file = option(context, 'output')
  if (file === undefined) {
    throw new UsageError(
      `record needs -o FILE for the ${kind === 'sampling' ? '.heapprofile' : '.heapsnapshot'}`,
    )
  }
  return {
    kind,
    file,
    durationMs,
    intervalBytes,
    includeCollected: values['include-collected'] === true,
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/**
 * Redraws the elapsed time (and, for a timeline, the bytes allocated since the start that are
 * still alive, as V8 reports them) on a terminal; returns the function that stops it.
 */
function showProgress(
  context: AttachContext,
  recording: Recording,
  durationMs: number | null,
): () => void {
  const draw = (): void => {
    const elapsedMs = recording.elapsedMs
    const stats = recording.stats
    const alive = stats ? ` (${formatBytes(stats.newObjectSize)} new, alive)` : ''
    context.onProgress(
      durationMs === null
        ? { phase: `Recording ${seconds(elapsedMs)}${alive}`, done: 0, total: 0 }
        : {
            phase: `Recording ${seconds(elapsedMs)} of ${seconds(durationMs)}${alive}`,
            // Per mille, so that the bar shows no byte amounts.
            done: Math.min(1000, Math.round((elapsedMs / durationMs) * 1000)),
            total: 1000,
          },
    )
  }
  draw()
  const timer = setInterval(draw, 100)
  return (): void => clearInterval(timer)
}

/** Resolves when the duration ends or Ctrl+C stops it; rejects if the target goes away first. */
function recordUntilStopped(
  recording: Recording,
  durationMs: number | null,
  stop: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = durationMs === null ? undefined : setTimeout(finish, durationMs)
    function finish(): void {
      clearTimeout(timer)
      stop.removeEventListener('abort', finish)
      resolve()
    }
    if (stop.aborted) finish()
    else stop.addEventListener('abort', finish, { once: true })
    recording.failed.catch((error: unknown) => {
      clearTimeout(timer)
      stop.removeEventListener('abort', finish)
      reject(error instanceof Error ? error : new Error(String(error)))
    })
  })
}

export async function runRecord(context: AttachContext, stop: AbortSignal): Promise<void> {
  const options = recordOptions(context)
  const { webSocketUrl, allowRemote } = await chooseTarget(context)
  const session = await TargetSession.connect(webSocketUrl, { allowRemote })
  let abandoned = false
  let recording: Recording | null = null
  // The first Ctrl+C stops the recording (runAttach's `stop`); a second one abandons it.
  const onSecondInterrupt = (): void => {
    abandoned = true
    void recording?.abort()
    void session.close()
  }
  const armSecondInterrupt = (): void => void process.once('SIGINT', onSecondInterrupt)
  stop.addEventListener('abort', armSecondInterrupt, { once: true })
  try {
    recording = await startRecording(session, {
      kind: options.kind,
      file: options.file,
      intervalBytes: options.intervalBytes,
      includeCollected: options.includeCollected,
      onProgress: context.onProgress,
    })
    context.warn(
      `heapgraph: recording ${options.kind === 'sampling' ? 'a' : 'an'} ${KIND_NAMES[options.kind]}` +
        (options.durationMs === null ? '' : ` for ${seconds(options.durationMs)}`) +
        ` into ${options.file}; Ctrl+C stops it and writes the file`,
    )
    const hideProgress = showProgress(context, recording, options.durationMs)
    try {
      await recordUntilStopped(recording, options.durationMs, stop)
    } finally {
      hideProgress()
    }
    const result = await recording.stop()
    if (context.json) {
      context.out(
        JSON.stringify(
          {
            file: result.file,
            kind: result.kind,
            bytes: result.bytes,
            durationMs: Math.round(result.durationMs),
          },
          null,
          2,
        ),
      )
      return
    }
    context.out(
      `wrote ${result.file} (${formatBytes(result.bytes)}): ` +
        (result.kind === 'sampling'
          ? `a sampling heap profile of ${seconds(result.durationMs)}`
          : `an allocation timeline of ${seconds(result.durationMs)} (a heap snapshot with allocation stacks)`),
    )
  } catch (error) {
    await recording?.abort()
    if (abandoned) {
      throw new AttachError(
        'disconnected',
        'interrupted twice: the recording was abandoned and nothing was written',
      )
    }
    throw error
  } finally {
    stop.removeEventListener('abort', armSecondInterrupt)
    process.off('SIGINT', onSecondInterrupt)
    await session.close()
  }
}
