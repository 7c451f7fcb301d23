// The shell's history as a React hook over shared/view/navigation.ts's reducer.
import { useCallback, useReducer } from 'react'
import { reduceHistory, START, type Place } from '../../shared/view/navigation'

export interface Navigation {
  place: Place
  canGoBack: boolean
  canGoForward: boolean
  /** Moves to a new place (dropping any forward history), unless it is where we are. */
  go(place: Place): void
  back(): void
  forward(): void
  /** Replaces the current place without a history entry. */
  replace(place: Place): void
  /** Drops every history entry about a snapshot that is gone. */
  forget(snapshotId: string): void
}

export function useNavigation(): Navigation {
  const [history, dispatch] = useReducer(reduceHistory, { entries: [START], index: 0 })
  const go = useCallback((place: Place) => dispatch({ type: 'go', place }), [])
  const back = useCallback(() => dispatch({ type: 'back' }), [])
  const forward = useCallback(() => dispatch({ type: 'forward' }), [])
  const replace = useCallback((place: Place) => dispatch({ type: 'replace', place }), [])
  const forget = useCallback((snapshotId: string) => dispatch({ type: 'forget', snapshotId }), [])
  return {
    place: history.entries[history.index],
    canGoBack: history.index > 0,
    canGoForward: history.index < history.entries.length - 1,
    go,
    back,
    forward,
    replace,
    forget,
  }
}
