// A list the engine returns in pages (arrays, references, retainers): the items loaded so far,
// the total, and a loader for the next page. Starts over when its inputs change.
import { useEffect, useRef, useState } from 'react'
import type { Page } from '../../shared/protocol'

export interface Pages<T> {
  items: T[]
  /** Null until the first page arrives. */
  total: number | null
  loading: boolean
  error: string | null
  loadMore(): void
}

export function usePages<T>(
  fetch: (start: number, count: number) => Promise<Page<T>>,
  pageSize: number,
  inputs: unknown[],
): Pages<T> {
  const [state, setState] = useState<{ items: T[]; total: number | null }>({
    items: [],
    total: null,
  })
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // Answers for earlier inputs are dropped.
  const generation = useRef(0)
  const busy = useRef(false)
  const load = (start: number, current: number): void => {
    if (busy.current) return
    busy.current = true
    setLoading(true)
    fetch(start, pageSize).then(
      (page) => {
        if (current !== generation.current) return
        busy.current = false
        setLoading(false)
        setError(null)
        setState((previous) => ({
          items: [...previous.items.slice(0, page.start), ...page.items],
          total: page.total,
        }))
      },
      (failure: unknown) => {
        if (current !== generation.current) return
        busy.current = false
        setLoading(false)
        setError(failure instanceof Error ? failure.message : String(failure))
      },
    )
  }
  useEffect(() => {
    const current = ++generation.current
    busy.current = false
    setState({ items: [], total: null })
    load(0, current)
    // The caller lists the inputs the list depends on.
  }, inputs)
  return {
    ...state,
    loading,
    error,
    loadMore: () => load(state.items.length, generation.current),
  }
}
