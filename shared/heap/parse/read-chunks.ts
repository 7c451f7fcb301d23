// Drives the streaming parser from any async source of byte chunks (file, gunzip, CDP), with
// throttled progress per chunk and cancellation between chunks.
import { cancelledError } from '../errors'
import type { CancelSignal, ProgressSink } from '../progress'
import { SnapshotParser, type ParsedSnapshot, type ParserLimits } from './snapshot-parser'

export interface ReadChunksOptions {
  onProgress?: ProgressSink
  signal?: CancelSignal
  limits?: Partial<ParserLimits>
  /** Total input size for progress (e.g. the file size), or 0 when unknown. */
  totalBytes?: number
  /** Reports source position for progress (e.g. compressed bytes read); defaults to bytes parsed. */
  position?: () => number
  /** The parser to feed (default: a new one with `limits`). */
  parser?: SnapshotParser
  /** Runs after the last chunk, before the parser's final checks (a parallel loader's wait). */
  beforeFinish?: () => Promise<void>
}

/** Parses a snapshot from chunks. Progress reports at most every 8 MB of input. */
export async function parseSnapshotChunks(
  chunks: AsyncIterable<Uint8Array>,
  options: ReadChunksOptions = {},
): Promise<ParsedSnapshot> {
  const parser = options.parser ?? new SnapshotParser(options.limits)
  const total = options.totalBytes ?? 0
  const position = options.position ?? (() => parser.bytesRead)
  let nextReport = 0
  for await (const chunk of chunks) {
    if (options.signal?.aborted) throw cancelledError()
    parser.write(chunk)
    if (options.onProgress && parser.bytesRead >= nextReport) {
      nextReport = parser.bytesRead + 8 * 1024 * 1024
      options.onProgress({ phase: `Parsing ${parser.currentSection}`, done: position(), total })
    }
  }
  if (options.signal?.aborted) throw cancelledError()
  await options.beforeFinish?.()
  if (options.signal?.aborted) throw cancelledError()
  const parsed = parser.finish()
  options.onProgress?.({
    phase: 'Parsed',
    done: total || parser.bytesRead,
    total: total || parser.bytesRead,
  })
  return parsed
}
