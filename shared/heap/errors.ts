// Typed errors of the engine. Every parse error names the byte offset (when one is known) and
// what was expected, so a user can tell a truncated download from a file of the wrong kind.

/** What went wrong, as a machine-readable word. */
export type HeapSnapshotErrorCode =
  | 'syntax' // not JSON where JSON was expected
  | 'truncated' // the input ended before the snapshot did
  | 'format' // JSON, but not a heap snapshot (missing header, wrong field lists)
  | 'count' // the header's counts disagree with the data
  | 'range' // a value points outside its table (edge target, name index, node type)
  | 'ambiguous' // a name given for a reference matches several of the object's references
  | 'too-large' // a value or string exceeds what the engine can hold
  | 'cancelled' // the caller cancelled the load
  | 'io' // the file could not be read

/** A heap snapshot could not be loaded. `offset` is the byte offset in the (decompressed) input. */
export class HeapSnapshotError extends Error {
  override readonly name = 'HeapSnapshotError'
  constructor(
    readonly code: HeapSnapshotErrorCode,
    message: string,
    readonly offset: number | null = null,
  ) {
    super(offset === null ? message : `${message} (at byte ${offset})`)
  }
}

/** Thrown when a load is cancelled through its signal. */
export function cancelledError(): HeapSnapshotError {
  return new HeapSnapshotError('cancelled', 'Loading was cancelled')
}
