// Loads a .heapsnapshot (or gzipped) file from disk through the streaming parser and the
// analyses. gzip is recognised by its magic bytes, not the file name. I/O errors become
// one-line HeapSnapshotErrors naming the file.
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { totalmem } from 'node:os'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { parseSnapshotChunks } from '../../shared/heap/parse/read-chunks'
import type { ParsedSnapshot, ParserLimits } from '../../shared/heap/parse/snapshot-parser'
import type { CancelSignal, ProgressSink } from '../../shared/heap/progress'
import {
  initializeSnapshot,
  initializeSnapshotWith,
  type HeapSnapshot,
} from '../../shared/heap/snapshot'
import type { Retainers } from '../../shared/heap/graph/heap-graph'
import {
  parallelMinBytes,
  parseSnapshotFileParallel,
  parseWorkerCount,
  type ParallelParse,
  type ParallelParseOptions,
} from './parallel-parse/parallel-parse'
import {
  cacheDisabled,
  readCachedSnapshot,
  rememberOrigin,
  snapshotKey,
  type SnapshotKey,
} from './index-cache/index-cache'

export interface LoadOptions {
  onProgress?: ProgressSink
  signal?: CancelSignal
  /** Read size in bytes (tests use tiny chunks to exercise boundaries). */
  chunkSize?: number
  limits?: Partial<ParserLimits>
  /**
   * Read the index cache, and remember the file so that writeCachedSnapshot can fill it
   * (default: on, unless HEAPGRAPH_NO_CACHE=1; never for standard input).
   */
  cache?: boolean
  /**
   * How a large uncompressed file is parsed on worker threads: `false` never; else overrides of
   * the defaults (HEAPGRAPH_PARSE_WORKERS, HEAPGRAPH_PARALLEL_MIN_BYTES; the fuzzer and tests
   * use small ranges and reads to cross every boundary).
   */
  parallel?:
    | false
    | (Pick<ParallelParseOptions, 'workers' | 'rangeBytes' | 'workerReadBytes'> & {
        minBytes?: number
      })
}

const GZIP_MAGIC = [0x1f, 0x8b]

/**
 * What went wrong reading `file`, as one line: a HeapSnapshotError as it is; a gzip stream that
 * is corrupt or cut short, at its position in compressed bytes (not the decompressed offsets
 * other errors give); any other error as an I/O error naming the file.
 */
export function readError(
  file: string,
  error: unknown,
  compressedBytes: number,
): HeapSnapshotError {
  if (error instanceof HeapSnapshotError) return error
  const code = (error as NodeJS.ErrnoException).code
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new HeapSnapshotError(
      'truncated',
      `the gzip stream is corrupt or cut short after ${compressedBytes} compressed bytes (${(error as Error).message})`,
    )
  }
  return describeIoError(file, error)
}

/** An I/O error reading `file` as one line that names it (no such file, permission, folder). */
export function describeIoError(file: string, error: unknown): HeapSnapshotError {
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

/**
 * Passes bytes through, or through gunzip when the first two bytes are gzip's magic. Works on
 * pipes too (no seeking): the first bytes are held until two have arrived.
 */
export async function* decompressIfGzip(
  source: AsyncIterable<Uint8Array>,
  chunkSize: number,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]()
  const held: Uint8Array[] = []
  let heldBytes = 0
  while (heldBytes < 2) {
    const next = await iterator.next()
    if (next.done) break
    held.push(next.value)
    heldBytes += next.value.length
  }
  const head = Buffer.concat(held)
  const rest = async function* (): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      yield next.value
  }
  if (head.length < 2 || head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
    yield* rest()
    return
  }
  const gunzip = createGunzip({ chunkSize })
  const input = Readable.from(rest())
  input.on('error', (error) => gunzip.destroy(error))
  yield* input.pipe(gunzip)
}

/**
 * The memory a load may take: this machine's physical memory, or HEAPGRAPH_MEMORY_LIMIT (bytes)
 * where set (to keep room for other work, or to test the refusal).
 */
export function memoryLimit(): number {
  const text = process.env.HEAPGRAPH_MEMORY_LIMIT
  if (text === undefined || text === '') return totalmem()
  const bytes = Number(text)
  if (!Number.isFinite(bytes) || bytes <= 0) {
    throw new HeapSnapshotError(
      'format',
      `HEAPGRAPH_MEMORY_LIMIT must be a number of bytes, not "${text}"`,
    )
  }
  return bytes
}

/** Streams and parses a snapshot file, or standard input for "-" (no analyses). */
export async function parseSnapshotFile(
  file: string,
  options: LoadOptions = {},
): Promise<ParsedSnapshot> {
  return (await parseWithRetainers(file, options, false)).parsed
}

/**
 * The parse, and the retainers where worker threads built them with it (a large plain file);
 * otherwise initializeSnapshot builds them. With `keepWorkers`, the workers stay for the self
 * sizes and the distances (`parallel`, which the caller closes).
 */
async function parseWithRetainers(
  file: string,
  options: LoadOptions,
  keepWorkers: boolean,
): Promise<{ parsed: ParsedSnapshot; retainers?: Retainers; parallel?: ParallelParse }> {
  const chunkSize = options.chunkSize ?? 1 << 20
  let size = 0
  let input: Readable & { bytesRead?: number }
  if (file === '-') {
    input = process.stdin
  } else {
    let regular = false
    try {
      const info = await stat(file)
      if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' })
      regular = info.isFile()
      size = regular ? info.size : 0
    } catch (error) {
      throw describeIoError(file, error)
    }
    // Workers read the file at any position: a pipe or a device is read in one stream.
    const parallel = options.parallel
    const workers =
      parallel !== false && regular ? await parallelWorkers(file, size, parallel ?? {}) : 0
    if (workers !== 0) {
      let parallelParse: ParallelParse | null
      try {
        parallelParse = await parseSnapshotFileParallel(file, size, {
          ...parallel,
          workers,
          onProgress: options.onProgress,
          signal: options.signal,
          limits: { maxMemoryBytes: memoryLimit(), ...options.limits },
          chunkSize,
          keepForAnalyses: keepWorkers,
        })
      } catch (error) {
        throw readError(file, error, 0)
      }
      // Null: something was not as it should be; the one-stream parse below says what.
      if (parallelParse) return { ...parallelParse, parallel: parallelParse }
    }
    input = createReadStream(file, { highWaterMark: chunkSize })
  }
  let consumed = 0
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      consumed += chunk.length
      yield chunk
    }
  }
  try {
    const parsed = await parseSnapshotChunks(decompressIfGzip(counted(), chunkSize), {
      onProgress: options.onProgress,
      signal: options.signal,
      limits: { maxMemoryBytes: memoryLimit(), ...options.limits },
      totalBytes: size,
      position: () => consumed,
    })
    return { parsed }
  } catch (error) {
    throw readError(file, error, consumed)
  } finally {
    if (input !== process.stdin) input.destroy()
  }
}

/**
 * How many worker threads parse `file` (a regular file): 0 below parallelMinBytes(), for gzip,
 * or when HEAPGRAPH_PARSE_WORKERS is 0; else that setting or one per core.
 */
async function parallelWorkers(
  file: string,
  size: number,
  overrides: { workers?: number; minBytes?: number },
): Promise<number> {
  // The settings are checked on every load, so that a mistyped one is seen at once.
  const workers = overrides.workers ?? parseWorkerCount()
  const minBytes = overrides.minBytes ?? parallelMinBytes()
  if (workers === 0 || size < minBytes) return 0
  const head = Buffer.alloc(2)
  try {
    const handle = await open(file, 'r')
    try {
      await handle.read(head, 0, 2, 0)
    } finally {
      await handle.close()
    }
  } catch {
    return 0
  }
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1] ? 0 : workers
}

/**
 * Loads a snapshot file: from the index cache when it holds this file as it is on disk, else
 * parse, then every analysis. After answering, a caller may write the cache with
 * writeCachedSnapshot (the CLI, the engine host and the library do).
 */
export async function loadSnapshotFile(
  file: string,
  options: LoadOptions = {},
): Promise<HeapSnapshot> {
  const key = file !== '-' && options.cache !== false && !cacheDisabled() ? await keyOf(file) : null
  if (key) {
    const cached = await readCachedSnapshot(key, { ...options, maxBytes: memoryLimit() })
    if (cached) return cached
  }
  const { parsed, retainers, parallel } = await parseWithRetainers(file, options, true)
  const initialize = { onProgress: options.onProgress, signal: options.signal, retainers }
  let snapshot: HeapSnapshot
  if (parallel) {
    // The parse's workers redistribute the self sizes while this thread marks page objects and
    // finds essential edges, and stop before the dominators; a new worker searches the distances
    // while this thread names the classes (closing twice is closing once).
    try {
      snapshot = await initializeSnapshotWith(parsed, initialize, {
        sizes: parallel.sizes,
        distances: parallel.distances,
        release: parallel.close,
      })
    } finally {
      await parallel.close()
    }
  } else {
    snapshot = initializeSnapshot(parsed, initialize)
  }
  if (key) rememberOrigin(snapshot, key)
  return snapshot
}

/** The file's cache key, or null when it cannot be made (a pipe, a file that is not there). */
async function keyOf(file: string): Promise<SnapshotKey | null> {
  try {
    const info = await stat(file)
    return info.isFile() ? await snapshotKey(file) : null
  } catch {
    // The load reports the file's problem in its own words.
    return null
  }
}
