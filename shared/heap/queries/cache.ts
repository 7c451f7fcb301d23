// Per-snapshot lazy indexes: built by the first query that needs them, kept as long as the
// snapshot lives (a WeakMap, so closing a snapshot frees its indexes too). An index that is
// costly to build can be persisted: the index cache (electron/backend/index-cache) writes the
// ones built so far with the snapshot's state and puts them back when it reads the state.
import type { HeapSnapshot } from '../snapshot'

/** How an index is written to the index cache and read back. */
export interface Persistence<T> {
  /** Unique among persisted indexes; change it when the index's shape changes. */
  name: string
  /** The index as plain data (objects, arrays, numbers, strings, typed arrays). */
  save(value: T): unknown
  /** The index back from `save`'s data; throws when the data is not what `save` gives. */
  load(saved: unknown, snapshot: HeapSnapshot): T
}

interface Persisted {
  built(snapshot: HeapSnapshot): unknown
  save(value: unknown): unknown
  restore(snapshot: HeapSnapshot, saved: unknown): void
}

const persisted = new Map<string, Persisted>()

/** Wraps a builder so that it runs once per snapshot; `persist` lets the index cache keep it. */
export function perSnapshot<T>(
  build: (snapshot: HeapSnapshot) => T,
  persist?: Persistence<T>,
): PerSnapshot<T> {
  const cache = new WeakMap<HeapSnapshot, T>()
  if (persist) {
    if (persisted.has(persist.name)) throw new Error(`two persisted indexes named ${persist.name}`)
    persisted.set(persist.name, {
      built: (snapshot) => cache.get(snapshot),
      save: (value) => persist.save(value as T),
      restore: (snapshot, saved) => cache.set(snapshot, persist.load(saved, snapshot)),
    })
  }
  const get = (snapshot: HeapSnapshot): T => {
    let value = cache.get(snapshot)
    if (value === undefined) {
      value = build(snapshot)
      cache.set(snapshot, value)
    }
    return value
  }
  return Object.assign(get, { peek: (snapshot: HeapSnapshot) => cache.get(snapshot) })
}

/** A per-snapshot index: call it to get (and build) it; `peek` says whether it is built. */
export type PerSnapshot<T> = ((snapshot: HeapSnapshot) => T) & {
  peek(snapshot: HeapSnapshot): T | undefined
}

/** The names of the persisted indexes built for `snapshot` so far. */
export function builtIndexNames(snapshot: HeapSnapshot): string[] {
  return [...persisted]
    .filter(([, index]) => index.built(snapshot) !== undefined)
    .map(([name]) => name)
}

/** The persisted indexes built for `snapshot` so far, by name, as their `save` gives them. */
export function savedIndexes(snapshot: HeapSnapshot): Record<string, unknown> {
  const saved: Record<string, unknown> = {}
  for (const name of builtIndexNames(snapshot)) {
    const index = persisted.get(name) as Persisted
    saved[name] = index.save(index.built(snapshot))
  }
  return saved
}

/**
 * Puts saved indexes back for `snapshot`; names no index has (an older build's) are skipped.
 * Returns the names restored.
 */
export function restoreIndexes(snapshot: HeapSnapshot, saved: Record<string, unknown>): string[] {
  const restored: string[] = []
  for (const [name, data] of Object.entries(saved)) {
    const index = persisted.get(name)
    if (!index) continue
    index.restore(snapshot, data)
    restored.push(name)
  }
  return restored
}

/** Saved index data that does not have the shape its index writes. */
export class SavedIndexError extends Error {}

type ArrayType<T> = { new (length: number): T; readonly name: string }

/** Reads saved index data as an object whose fields `load` then takes with `field`. */
export function savedFields(
  saved: unknown,
  index: string,
): <T>(key: string, type: ArrayType<T>, length?: number) => T {
  if (typeof saved !== 'object' || saved === null)
    throw new SavedIndexError(`saved ${index} is not an object`)
  const record = saved as Record<string, unknown>
  return <T>(key: string, type: ArrayType<T>, length?: number): T => {
    const value = record[key]
    const ok =
      type === (Array as unknown)
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : value instanceof type
    if (!ok) throw new SavedIndexError(`saved ${index}.${key} is not a ${type.name}`)
    const actual = (value as { length: number }).length
    if (length !== undefined && actual !== length)
      throw new SavedIndexError(`saved ${index}.${key} has ${actual} items, not ${length}`)
    return value as T
  }
}
