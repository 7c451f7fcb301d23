// Loads a .heapsnapshot (or gzipped) file from disk through the streaming parser and the
// analyses. gzip is recognised by its magic bytes, not the file name. I/O errors become
// one-line HeapSnapshotErrors naming the file.
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { parseSnapshotChunks } from '../../shared/heap/parse/read-chunks'
import type { ParsedSnapshot, ParserLimits } from '../../shared/heap/parse/snapshot-parser'
import type { CancelSignal, ProgressSink } from '../../shared/heap/progress'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'

export interface LoadOptions {
  onProgress?: ProgressSink
  signal?: CancelSignal
  /** Read size in bytes (tests use tiny chunks to exercise boundaries). */
  chunkSize?: number
  limits?: Partial<ParserLimits>
}

const GZIP_MAGIC = [0x1f, 0x8b]

function describeIoError(file: string, error: unknown): HeapSnapshotError {
  const code = (error as NodeJS.ErrnoException).code
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : String((error as Error).message ?? error)
  return new HeapSnapshotError('io', `cannot read ${file}: ${reason}`)
}

/** Whether the file starts with gzip's magic bytes. */
export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(2)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
  } finally {
    await handle.close()
  }
}

/** Streams and parses a snapshot file (no analyses). */
export async function parseSnapshotFile(
  file: string,
  options: LoadOptions = {},
): Promise<ParsedSnapshot> {
  let size: number
  let gzip: boolean
  try {
    const info = await stat(file)
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' })
    size = info.size
    gzip = await isGzipFile(file)
  } catch (error) {
    throw describeIoError(file, error)
  }
  const fileStream = createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 })
  let source: AsyncIterable<Uint8Array> = fileStream
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: options.chunkSize ?? 1 << 20 })
    fileStream.on('error', (error) => gunzip.destroy(error))
    source = fileStream.pipe(gunzip)
  }
  try {
    return await parseSnapshotChunks(source, {
      onProgress: options.onProgress,
      signal: options.signal,
      limits: options.limits,
      totalBytes: size,
      position: () => fileStream.bytesRead,
    })
  } catch (error) {
    if (error instanceof HeapSnapshotError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (typeof code === 'string' && code.startsWith('Z_')) {
      // The position is in compressed bytes, not the decompressed offsets errors otherwise use.
      throw new HeapSnapshotError(
        'truncated',
        `the gzip stream is corrupt or cut short after ${fileStream.bytesRead} compressed bytes (${(error as Error).message})`,
      )
    }
    throw describeIoError(file, error)
  } finally {
    fileStream.destroy()
  }
}

/** Loads a snapshot file: parse, then every analysis. */
export async function loadSnapshotFile(
  file: string,
  options: LoadOptions = {},
): Promise<HeapSnapshot> {
  const parsed = await parseSnapshotFile(file, options)
  return initializeSnapshot(parsed, { onProgress: options.onProgress, signal: options.signal })
}
