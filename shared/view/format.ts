// Display formatting shared by the UI and the CLI: byte sizes, distances, edge labels.
import type { MapSlot } from '../protocol'
import { formatEdge } from '../protocol/js-syntax'
import { runningCodeRoot } from '../protocol/v8-roots'

export { formatBytes } from '../protocol/units'
export { formatEdge }

/** Distance from GC roots: system-only distances as "sys+N", unreachable as "-". */
export function formatDistance(distance: number | null): string {
  if (distance === null) return '-'
  return distance >= 100_000_000 ? `sys+${distance - 100_000_000}` : String(distance)
}

/** A Map's hash-table slot in words: `entry "k0"`, `entry` (a key not in the snapshot), `key`. */
export function formatMapSlot(slot: MapSlot): string {
  if (slot.role === 'key') return 'key'
  return slot.key === null ? 'entry' : `entry ${slot.key}`
}

/** A reference as lists print it: the edge as DevTools does, then what a Map's slot holds. */
export function formatReference(edge: { type: string; name: string; mapSlot?: MapSlot }): string {
  const text = formatEdge(edge.type, edge.name)
  return edge.mapSlot ? `${text} (${formatMapSlot(edge.mapSlot)})` : text
}

/** A closure's captured variable, once its context is folded away: `captures x`. */
export function formatCapture(name: string): string {
  return 'captures ' + name
}

/** The last part of a file path, Windows or POSIX: what the UI shows of a snapshot's file. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path
}

/**
 * The class an object is shown under in paths and graphs: its class name, except for V8's
 * synthetic roots, whose class is only "(synthetic)" and whose name says which root it is
 * ("(Stack roots)", "(Global handles)"), as DevTools' Retainers pane shows them.
 */
export function displayClass(object: { type: string; name: string; className: string }): string {
  return object.type === 'synthetic' ? object.name : object.className
}

/**
 * An object as paths, graphs and panels name it: by its label where the engine gave one
 * (`onConfigReloaded (src/config.js:6:54) @42`, `Array(50000) @7`), else its class
 * (`Map @42`, `(Stack roots) @17`).
 */
export function objectLabel(object: {
  type: string
  name: string
  className: string
  label?: string
  id: number
}): string {
  return `${object.label ?? displayClass(object)} @${object.id}`
}

/**
 * A note for a retainer path that starts at the stack of running code: the snapshot was taken
 * while JavaScript ran (the inspector can step in mid-task), so the object may be a temporary
 * one. Null for any other path.
 */
export function runningCodeNote(path: ReadonlyArray<{ node: { name: string } }>): string | null {
  const root = runningCodeRoot(path)
  if (!root) return null
  return `Held from ${root}: code was running when the snapshot was taken, so this may be a temporary object. Take another snapshot to see whether it stays.`
}
