// Runs an API query when its inputs change and keeps the latest answer, or the error's message.
import { useEffect, useState } from 'react'

export function useQuery<T>(
  run: () => Promise<T>,
  inputs: unknown[],
): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({
    data: null,
    error: null,
  })
  useEffect(() => {
    let current = true
    run().then(
      (data) => current && setState({ data, error: null }),
      (error: unknown) =>
        current &&
        setState({ data: null, error: error instanceof Error ? error.message : String(error) }),
    )
    return () => {
      current = false
    }
    // The caller lists the inputs the query depends on.
  }, inputs)
  return state
}
