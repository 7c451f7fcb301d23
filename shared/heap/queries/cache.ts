// Per-snapshot lazy indexes: built by the first query that needs them, kept as long as the
// snapshot lives (a WeakMap, so closing a snapshot frees its indexes too).
import type { HeapSnapshot } from '../snapshot'

/** Wraps a builder so that it runs once per snapshot. */
export function perSnapshot<T>(
  build: (snapshot: HeapSnapshot) => T,
): (snapshot: HeapSnapshot) => T {
  const cache = new WeakMap<HeapSnapshot, T>()
  return (snapshot) => {
    let value = cache.get(snapshot)
    if (value === undefined) {
      value = build(snapshot)
      cache.set(snapshot, value)
    }
    return value
  }
}
