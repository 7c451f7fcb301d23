// The attached target's heap timeline: Runtime.getHeapUsage once a second, the last five minutes
// of readings, and markers for garbage collections and snapshots. Lives in the app shell, so the
// chart keeps its history while the user looks at a snapshot and comes back.
import { useEffect, useState } from 'react'
import type { HeapUsage, HeapgraphApi } from '../../../shared/protocol'

export interface Marker {
  timeMs: number
  label: string
}

export interface HeapTimeline {
  samples: HeapUsage[]
  markers: Marker[]
  error: string | null
  mark(label: string): void
}

export function useHeapTimeline(api: HeapgraphApi, attachId: string | null): HeapTimeline {
  const [samples, setSamples] = useState<HeapUsage[]>([])
  const [markers, setMarkers] = useState<Marker[]>([])
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setSamples([])
    setMarkers([])
    setError(null)
    if (attachId === null) return
    let alive = true
    const poll = (): void => {
      api.getHeapUsage({ attachId }).then(
        (sample) => alive && setSamples((previous) => [...previous.slice(-299), sample]),
        (failure: unknown) =>
          alive && setError(failure instanceof Error ? failure.message : String(failure)),
      )
    }
    poll()
    const timer = setInterval(poll, 1000)
    return () => {
      alive = false
      clearInterval(timer)
    }
  }, [api, attachId])
  return {
    samples,
    markers,
    error,
    mark: (label) =>
      setMarkers((previous) => [...previous, { timeMs: samples.at(-1)?.timeMs ?? 0, label }]),
  }
}
