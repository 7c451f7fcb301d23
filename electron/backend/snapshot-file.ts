// Saving a snapshot as it streams: chunks go to `<file>.partial`, which gets its name only once
// every byte is on disk. A write that fails (a full disk, early or late) fails the save and
// keeps no file, so nothing that looks like a valid snapshot is ever left half written.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { rename, rm } from 'node:fs/promises'
import { HeapSnapshotError } from '../../shared/heap/errors'

export interface SnapshotFile {
  write(chunk: string): void
  /** Rejects as soon as a write fails (race it with the stream's own work). */
  readonly failed: Promise<never>
  /** Flushes, then renames `<file>.partial` to `file`; fails (keeping nothing) after a failed write. */
  finish(): Promise<void>
  /** Stops and removes the partial file. */
  abort(): Promise<void>
}

/** Opens `<file>.partial`; fails before anything is streamed when the path is not writable. */
export async function openSnapshotFile(file: string): Promise<SnapshotFile> {
  const partial = `${file}.partial`
  const out = createWriteStream(partial)
  // Listening from the start: a write can fail while the snapshot streams.
  const failed = new Promise<never>((_, reject) =>
    out.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new HeapSnapshotError(
          'io',
          error.code === 'ENOSPC'
            ? `cannot save the snapshot to ${file}: the disk is full (nothing was kept)`
            : `cannot write ${partial}: ${error.message}`,
        ),
      ),
    ),
  )
  failed.catch(() => {})
  await Promise.race([once(out, 'open'), failed])
  return {
    write: (chunk) => void out.write(chunk),
    failed,
    async finish() {
      await Promise.race([new Promise<void>((resolve) => out.end(() => resolve())), failed])
      // The end callback also runs after a failed write (a disk that filled up late): such a
      // file must never get its name.
      if (out.errored) {
        await rm(partial, { force: true })
        await failed
      }
      await rename(partial, file)
    },
    async abort() {
      out.destroy()
      await rm(partial, { force: true })
    },
  }
}
