// The attached target's heap timeline: Runtime.getHeapUsage once a second, the last ten minutes of
// readings (in the target session's clock, ms since attach, strictly increasing), and markers for
// garbage collections and snapshots. Lives in the app shell, so the chart keeps its history while
// the user looks at a snapshot and comes back.
import { useEffect, useRef, useState } from 'react'
import type { HeapUsage, HeapgraphApi } from '../../../shared/protocol'

/** How often the target's heap usage is read. */
export const SAMPLE_INTERVAL_MS = 1000
/** How much history is kept, and what the chart shows at most. */
export const HISTORY_MS = 10 * 60_000
/** A bound on the readings kept, whatever the clock does: twice the history at the interval. */
const MAX_SAMPLE_COUNT = (2 * HISTORY_MS) / SAMPLE_INTERVAL_MS

export type MarkerKind = 'gc' | 'snapshot'

export interface Marker {
  /** When, in the samples' clock (ms since attach). */
  timeMs: number
  kind: MarkerKind
  label: string
}

export interface HeapTimeline {
  samples: HeapUsage[]
  markers: Marker[]
  error: string | null
  /** Marks now on the timeline (a garbage collection or a snapshot the user asked for). */
  mark(kind: MarkerKind): void
}

const MARKER_LABELS: Record<MarkerKind, string> = { gc: 'GC', snapshot: 'snapshot' }

/**
 * The readings after `sample` arrives: the last HISTORY_MS of them plus the one just before, so
 * the line reaches the chart's left edge. A reading not newer than the last one (an answer that
 * overtook another) is dropped: the chart's x values must increase.
 */
export function appendSample(samples: HeapUsage[], sample: HeapUsage): HeapUsage[] {
  const last = samples.at(-1)
  if (last !== undefined && sample.timeMs <= last.timeMs) return samples
  const cutoffMs = sample.timeMs - HISTORY_MS
  let first = samples.findIndex((kept) => kept.timeMs >= cutoffMs)
  if (first === -1) first = samples.length
  first = Math.max(first - 1, samples.length + 1 - MAX_SAMPLE_COUNT, 0)
  return [...samples.slice(first), sample]
}

export function useHeapTimeline(api: HeapgraphApi, attachId: string | null): HeapTimeline {
  const [samples, setSamples] = useState<HeapUsage[]>([])
  const [markers, setMarkers] = useState<Marker[]>([])
  const [error, setError] = useState<string | null>(null)
  // The last reading's time and when it arrived here, to place markers between readings.
  const clock = useRef<{ sampleMs: number; receivedAt: number } | null>(null)
  useEffect(() => {
    setSamples([])
    setMarkers([])
    setError(null)
    clock.current = null
    if (attachId === null) return
    let alive = true
    const poll = (): void => {
      api.getHeapUsage({ attachId }).then(
        (sample) => {
          if (!alive) return
          clock.current = { sampleMs: sample.timeMs, receivedAt: performance.now() }
          setSamples((previous) => appendSample(previous, sample))
          const cutoffMs = sample.timeMs - HISTORY_MS
          setMarkers((previous) =>
            previous.some((marker) => marker.timeMs < cutoffMs)
              ? previous.filter((marker) => marker.timeMs >= cutoffMs)
              : previous,
          )
        },
        (failure: unknown) =>
          alive && setError(failure instanceof Error ? failure.message : String(failure)),
      )
    }
    poll()
    const timer = setInterval(poll, SAMPLE_INTERVAL_MS)
    return () => {
      alive = false
      clearInterval(timer)
    }
  }, [api, attachId])
  return {
    samples,
    markers,
    error,
    mark: (kind) => {
      const last = clock.current
      const timeMs = last === null ? 0 : last.sampleMs + (performance.now() - last.receivedAt)
      setMarkers((previous) => [...previous, { timeMs, kind, label: MARKER_LABELS[kind] }])
    },
  }
}
