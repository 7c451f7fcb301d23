// Loads an allocation profile (.heapprofile, gzipped or not: by its magic bytes) from disk into the
// engine's model. A heap snapshot given by mistake is refused from its first bytes, before a
// multi-GB read. Every error is a one-line HeapSnapshotError; I/O errors name the file.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { AllocationProfile } from '../../shared/heap/profile/allocation-profile'
import {
  DEFAULT_PROFILE_LIMITS,
  parseAllocationProfile,
  recognizeOtherDocument,
  type ProfileLimits,
} from '../../shared/heap/profile/parse-profile'
import { decompressIfGzip, describeIoError, readError } from './load-snapshot'

export interface ProfileLoadOptions {
  /** Read size in bytes (tests use tiny chunks to exercise boundaries). */
  chunkSize?: number
  limits?: Partial<ProfileLimits>
}

/** Bytes read before the document's kind is checked: enough for a snapshot's `{"snapshot":`. */
const SNIFF_BYTES = 256

/** Reads a profile file whole (decompressed), refusing a snapshot or a file past the limit. */
async function readProfileBytes(
  file: string,
  chunkSize: number,
  limits: ProfileLimits,
): Promise<Uint8Array> {
  try {
    if ((await stat(file)).isDirectory()) {
      throw Object.assign(new Error('directory'), { code: 'EISDIR' })
    }
  } catch (error) {
    throw describeIoError(file, error)
  }
  const input = createReadStream(file, { highWaterMark: chunkSize })
  let compressedBytes = 0
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      compressedBytes += chunk.length
      yield chunk
    }
  }
  const chunks: Uint8Array[] = []
  let bytes = 0
  let sniffed = false
  try {
    // zlib takes chunks of 64 bytes or more.
    for await (const chunk of decompressIfGzip(counted(), Math.max(64, chunkSize))) {
      chunks.push(chunk)
      bytes += chunk.length
      if (!sniffed && bytes >= SNIFF_BYTES) {
        sniffed = true
        const head = Buffer.concat(chunks).subarray(0, SNIFF_BYTES).toString('utf8')
        const other = recognizeOtherDocument(head)
        if (other !== null) throw new HeapSnapshotError('format', other)
      }
      if (bytes > limits.maxBytes) {
        throw new HeapSnapshotError(
          'too-large',
          `the profile is more than ${limits.maxBytes} bytes, the most one profile may be`,
        )
      }
    }
  } catch (error) {
    throw readError(file, error, compressedBytes)
  } finally {
    input.destroy()
  }
  return Buffer.concat(chunks)
}

/**
 * Loads a `.heapprofile` file (gzipped or not) into the model. Errors other than I/O ones are
 * about the content and do not name the file: callers with several files prefix it.
 */
export async function loadProfileFile(
  file: string,
  options: ProfileLoadOptions = {},
): Promise<AllocationProfile> {
  const limits = { ...DEFAULT_PROFILE_LIMITS, ...options.limits }
  const bytes = await readProfileBytes(file, options.chunkSize ?? 1 << 20, limits)
  return parseAllocationProfile(bytes, limits)
}
