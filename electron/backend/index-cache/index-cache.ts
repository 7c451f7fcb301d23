// The index cache: a snapshot's engine state (its typed arrays, strings and the costly query
// indexes built so far) written to a file after its first open, so that the next open of the
// same file reads it back instead of parsing and analysing again.
//
// A cache file is named after the snapshot's real path and says which file it was made from
// (path, size, mtime, and a hash of its first and last MiB); a file that no longer matches is
// ignored and rebuilt. Its layout, little-endian:
//   "HGINDEX\n", u32 format, u32 header bytes, u32 header CRC-32, u32 0,
//   the header (JSON: key, engine, skeleton, sections with offset/length/CRC-32), then each
//   section at an 8-byte-aligned offset from the end of the header's padding.
// Every section is checked against its CRC, and the file's length against the header, so a
// truncated, corrupted, foreign or older file is never read as state. Files are written to a
// private temporary name and renamed (atomic: two processes writing at once leave one whole
// file), mode 0600 in a 0700 folder; the folder is kept under a size bound by evicting the
// least recently used files.
import { createHash, randomBytes } from 'node:crypto'
import {
  open,
  mkdir,
  readdir,
  realpath,
  rename,
  stat,
  statfs,
  unlink,
  utimes,
} from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import type { CancelSignal, ProgressSink } from '../../../shared/heap/progress'
import { cancelledError } from '../../../shared/heap/errors'
import { builtIndexNames, restoreIndexes, savedIndexes } from '../../../shared/heap/queries/cache'
import type { HeapSnapshot } from '../../../shared/heap/snapshot'
import { checkRestoredSnapshot } from './restore-check'
import { decodeTree, encodeTree, transientSections, type Section } from './tree-codec'

const MAGIC = Buffer.from('HGINDEX\n', 'latin1')
/** Bump when the file layout, the snapshot's state or an analysis's results change. */
export const CACHE_FORMAT = 3
const PREAMBLE_BYTES = 24
const FINGERPRINT_BYTES = 1 << 20
const SUFFIX = '.hgindex'
const GIB = 1024 ** 3
const DEFAULT_MAX_BYTES = 20 * GIB
/** Temporary files older than this are a crashed writer's and are removed. */
const STALE_PARTIAL_MS = 60 * 60 * 1000

/** What identifies the snapshot file a cache was made from. */
export interface SnapshotKey {
  path: string
  size: number
  mtimeMs: number
  /** SHA-256 of the file's first and last MiB, hex. */
  fingerprint: string
}

interface Header {
  format: number
  key: SnapshotKey
  skeleton: unknown
  sections: Array<{ type: Section['type']; offset: number; length: number; crc: number }>
  indexes: string[]
}

/** Where cache files go: HEAPGRAPH_CACHE_DIR, else the platform's cache folder. */
export function cacheDirectory(): string {
  const set = process.env.HEAPGRAPH_CACHE_DIR
  if (set) return set
  if (process.platform === 'win32')
    return join(
      process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'),
      'heapgraph',
      'Cache',
    )
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'heapgraph')
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'heapgraph')
}

/** Whether the cache is off for this process (`--no-cache`, or HEAPGRAPH_NO_CACHE=1). */
export function cacheDisabled(): boolean {
  return process.env.HEAPGRAPH_NO_CACHE === '1'
}

/** Turns the cache off for this process and the engine processes it starts. */
export function disableCache(): void {
  process.env.HEAPGRAPH_NO_CACHE = '1'
}

/**
 * The folder's size bound: HEAPGRAPH_CACHE_MAX_BYTES, else 20 GiB or a quarter of the free
 * space on its disk, whichever is smaller.
 */
async function maxCacheBytes(dir: string): Promise<number> {
  const set = Number(process.env.HEAPGRAPH_CACHE_MAX_BYTES)
  if (process.env.HEAPGRAPH_CACHE_MAX_BYTES && Number.isFinite(set) && set >= 0) return set
  try {
    const disk = await statfs(dir)
    return Math.min(DEFAULT_MAX_BYTES, (disk.bavail * disk.bsize) / 4)
  } catch {
    return DEFAULT_MAX_BYTES
  }
}

/** The most one read or write call moves (Node refuses 2 GiB and more at once). */
const IO_CHUNK = 1 << 28

/** Fills `into` from `position` on; returns how many bytes the file had for it. */
async function readInto(handle: FileHandle, into: Uint8Array, position: number): Promise<number> {
  let done = 0
  while (done < into.length) {
    const length = Math.min(IO_CHUNK, into.length - done)
    const { bytesRead } = await handle.read(into, done, length, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const done = await readInto(handle, buffer, position)
  return done === length ? buffer : buffer.subarray(0, done)
}

async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0
  while (done < bytes.length) {
    const length = Math.min(IO_CHUNK, bytes.length - done)
    const { bytesWritten } = await handle.write(bytes, done, length, position + done)
    done += bytesWritten
  }
}

/** The key of a snapshot file as it is on disk now. */
export async function snapshotKey(file: string): Promise<SnapshotKey> {
  const path = await realpath(file)
  const handle = await open(path, 'r')
  try {
    const info = await handle.stat()
    const hash = createHash('sha256')
    hash.update(await readAt(handle, 0, Math.min(info.size, FINGERPRINT_BYTES)))
    if (info.size > FINGERPRINT_BYTES)
      hash.update(
        await readAt(
          handle,
          Math.max(FINGERPRINT_BYTES, info.size - FINGERPRINT_BYTES),
          FINGERPRINT_BYTES,
        ),
      )
    return { path, size: info.size, mtimeMs: info.mtimeMs, fingerprint: hash.digest('hex') }
  } finally {
    await handle.close()
  }
}

function sameKey(a: SnapshotKey, b: SnapshotKey): boolean {
  return (
    a.path === b.path &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.fingerprint === b.fingerprint
  )
}

function cacheFileOf(dir: string, path: string): string {
  return join(dir, createHash('sha256').update(path).digest('hex').slice(0, 40) + SUFFIX)
}

/** Where each open snapshot came from, and which indexes its cache file already has. */
const origins = new WeakMap<HeapSnapshot, { key: SnapshotKey; cached: Set<string> | null }>()

/** Why a cache file was not used (for HEAPGRAPH_TRACE_CACHE and the tests). */
export type CacheMiss = 'absent' | 'stale' | 'damaged' | 'format' | 'foreign' | 'too large'

interface ReadOptions {
  onProgress?: ProgressSink
  signal?: CancelSignal
  /** The memory a load may take: a cache whose state needs more is not read (the parse refuses). */
  maxBytes?: number
}

function trace(text: string): void {
  if (process.env.HEAPGRAPH_TRACE_CACHE === '1') process.stderr.write(`heapgraph: cache ${text}\n`)
}

class CacheMissError extends Error {
  constructor(
    readonly reason: CacheMiss,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The snapshot from its cache file, or null when there is none that matches the file as it is
 * (the reason is traced). A damaged file is removed.
 */
export async function readCachedSnapshot(
  key: SnapshotKey,
  options: ReadOptions = {},
): Promise<HeapSnapshot | null> {
  const cacheFile = cacheFileOf(cacheDirectory(), key.path)
  let handle: FileHandle
  try {
    handle = await open(cacheFile, 'r')
  } catch {
    trace(`absent for ${key.path}`)
    return null
  }
  try {
    const snapshot = await readCacheFile(handle, key, options)
    origins.set(snapshot.snapshot, { key, cached: new Set(snapshot.restored) })
    // Last use, for eviction.
    const now = new Date()
    await utimes(cacheFile, now, now).catch(() => {})
    trace(`hit for ${key.path}`)
    return snapshot.snapshot
  } catch (error) {
    if (!(error instanceof CacheMissError)) {
      if ((error as { code?: string }).code === 'cancelled') throw error
      trace(`damaged for ${key.path}: ${(error as Error).message}`)
      await unlink(cacheFile).catch(() => {})
      return null
    }
    trace(`${error.reason} for ${key.path}: ${error.message}`)
    if (error.reason === 'damaged') await unlink(cacheFile).catch(() => {})
    return null
  } finally {
    await handle.close()
  }
}

/** A cache file's header and where its sections start; a CacheMissError says what is wrong. */
async function readHeader(
  handle: FileHandle,
  fileSize: number,
): Promise<{ header: Header; dataStart: number }> {
  const preamble = await readAt(handle, 0, PREAMBLE_BYTES)
  if (preamble.length < PREAMBLE_BYTES || !preamble.subarray(0, 8).equals(MAGIC))
    throw new CacheMissError('damaged', 'not a cache file')
  const format = preamble.readUInt32LE(8)
  if (format !== CACHE_FORMAT)
    throw new CacheMissError('format', `format ${format}, not ${CACHE_FORMAT}`)
  const headerBytes = preamble.readUInt32LE(12)
  if (PREAMBLE_BYTES + headerBytes > fileSize)
    throw new CacheMissError('damaged', 'truncated header')
  const headerText = await readAt(handle, PREAMBLE_BYTES, headerBytes)
  if (crc32(headerText) !== preamble.readUInt32LE(16))
    throw new CacheMissError('damaged', 'header checksum')
  const header = JSON.parse(headerText.toString('utf8')) as Header
  return { header, dataStart: align8(PREAMBLE_BYTES + headerBytes) }
}

async function readCacheFile(
  handle: FileHandle,
  key: SnapshotKey,
  options: ReadOptions,
): Promise<{ snapshot: HeapSnapshot; restored: string[] }> {
  const info = await handle.stat()
  const fileSize = info.size
  // Another user's file in a shared folder is not trusted: it could say anything.
  if (process.getuid && info.uid !== process.getuid())
    throw new CacheMissError('foreign', `owned by user ${info.uid}`)
  const { header, dataStart } = await readHeader(handle, fileSize)
  if (!sameKey(header.key, key)) throw new CacheMissError('stale', 'the snapshot changed on disk')
  const last = header.sections.at(-1)
  const expected = dataStart + (last ? last.offset + last.length : 0)
  if (fileSize !== expected)
    throw new CacheMissError('damaged', `${fileSize} bytes, not ${expected}`)
  const total = header.sections.reduce((sum, section) => sum + section.length, 0)
  let done = 0
  const sections: Section[] = []
  // The sections the snapshot keeps share one buffer (one allocation, where a buffer each
  // makes the garbage collector run again and again); the others get their own, freed after.
  const { transient, widened } = transientSections(header.skeleton)
  const keptOffset = new Map<number, number>()
  let keptBytes = 0
  header.sections.forEach((section, index) => {
    if (transient.has(index)) return
    // A narrowed section goes in the upper half of the room its widened form takes.
    const room = widened.has(index) ? section.length * 2 : section.length
    keptOffset.set(index, keptBytes + room - section.length)
    keptBytes = align8(keptBytes + room)
  })
  if (keptBytes > 2 * fileSize) throw new CacheMissError('damaged', 'sections larger than the file')
  if (options.maxBytes !== undefined && keptBytes > options.maxBytes)
    throw new CacheMissError('too large', `${keptBytes} bytes, more than this machine allows`)
  const kept = new ArrayBuffer(keptBytes)
  // Each section's read runs while the one before is checked.
  const readSection = async (index: number): Promise<Uint8Array> => {
    const { length, offset } = header.sections[index]
    const at = keptOffset.get(index)
    const bytes = at === undefined ? new Uint8Array(length) : new Uint8Array(kept, at, length)
    if ((await readInto(handle, bytes, dataStart + offset)) !== length)
      throw new CacheMissError('damaged', `section ${index} truncated`)
    return bytes
  }
  let next = header.sections.length > 0 ? readSection(0) : null
  for (const [index, section] of header.sections.entries()) {
    if (options.signal?.aborted) throw cancelledError()
    options.onProgress?.({ phase: 'Reading the index cache', done, total })
    const bytes = await (next as Promise<Uint8Array>)
    next = index + 1 < header.sections.length ? readSection(index + 1) : null
    // A failed read ahead is reported when its turn comes (or not at all after an error here).
    next?.catch(() => {})
    if (crc32(bytes) !== section.crc)
      throw new CacheMissError('damaged', `section ${index} checksum`)
    sections.push({ type: section.type, bytes, widenInPlace: widened.has(index) })
    done += section.length
  }
  options.onProgress?.({ phase: 'Reading the index cache', done: total, total })
  const tree = decodeTree(header.skeleton, sections) as {
    snapshot: HeapSnapshot
    indexes: Record<string, unknown>
  }
  const snapshot = checkRestoredSnapshot(tree.snapshot)
  const restored = restoreIndexes(snapshot, tree.indexes ?? {})
  return { snapshot, restored }
}

function align8(offset: number): number {
  return Math.ceil(offset / 8) * 8
}

/** Snapshots loaded from files in this process whose cache has not been written yet. */
const unwritten = new Set<HeapSnapshot>()

/** Remembers which file a freshly loaded snapshot came from, so that it can be cached. */
export function rememberOrigin(snapshot: HeapSnapshot, key: SnapshotKey): void {
  origins.set(snapshot, { key, cached: null })
  unwritten.add(snapshot)
}

/** Writes the cache of every snapshot this process loaded and has not written (the CLI's end). */
export async function flushCacheWrites(): Promise<void> {
  for (const snapshot of [...unwritten]) await writeCachedSnapshot(snapshot)
}

/**
 * Writes `snapshot`'s state to the cache, unless it came from a cache file that already holds
 * every index built since. Never throws: a cache that cannot be written is only traced.
 */
export async function writeCachedSnapshot(snapshot: HeapSnapshot): Promise<boolean> {
  const origin = origins.get(snapshot)
  unwritten.delete(snapshot)
  if (!origin || cacheDisabled()) return false
  // Only the names first: saving an index costs a pass over it, wasted when it is cached.
  const names = builtIndexNames(snapshot)
  if (origin.cached && names.every((name) => origin.cached?.has(name))) return false
  const dir = cacheDirectory()
  const finalName = cacheFileOf(dir, origin.key.path)
  const temporary = `${finalName}.${process.pid}.${randomBytes(6).toString('hex')}.partial`
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const { skeleton, sections } = encodeTree({ snapshot, indexes: savedIndexes(snapshot) })
    let offset = 0
    const placed = sections.map((section) => {
      const at = offset
      offset = align8(offset + section.bytes.byteLength)
      return {
        type: section.type,
        offset: at,
        length: section.bytes.byteLength,
        crc: crc32(section.bytes),
      }
    })
    const header: Header = {
      format: CACHE_FORMAT,
      key: origin.key,
      skeleton,
      sections: placed,
      indexes: names,
    }
    const headerText = Buffer.from(JSON.stringify(header), 'utf8')
    const preamble = Buffer.alloc(PREAMBLE_BYTES)
    MAGIC.copy(preamble, 0)
    preamble.writeUInt32LE(CACHE_FORMAT, 8)
    preamble.writeUInt32LE(headerText.length, 12)
    preamble.writeUInt32LE(crc32(headerText), 16)
    const dataStart = align8(PREAMBLE_BYTES + headerText.length)
    const handle = await open(temporary, 'wx', 0o600)
    try {
      await writeAt(handle, preamble, 0)
      await writeAt(handle, headerText, PREAMBLE_BYTES)
      for (const [index, section] of sections.entries())
        await writeAt(handle, section.bytes, dataStart + placed[index].offset)
      // The file's length is what a reader checks: the padding after the last section is not
      // written, so the last section ends the file. On disk before it has its final name.
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, finalName)
    origins.set(snapshot, { key: origin.key, cached: new Set(names) })
    trace(`written for ${origin.key.path}: ${names.join(', ') || 'no indexes'}`)
    await evict(dir, finalName)
    return true
  } catch (error) {
    trace(`not written for ${origin.key.path}: ${(error as Error).message}`)
    await unlink(temporary).catch(() => {})
    return false
  }
}

/** One cache file, as `heapgraph cache ls` lists it. */
export interface CacheEntry {
  /** The snapshot it was made from (null when its header cannot be read). */
  snapshot: string | null
  cacheFile: string
  bytes: number
  lastUsed: Date
  /** Whether the snapshot is still on disk as it was when cached. */
  current: boolean
}

async function cacheFiles(
  dir: string,
): Promise<Array<{ file: string; bytes: number; used: number }>> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const files: Array<{ file: string; bytes: number; used: number }> = []
  for (const name of names) {
    const file = join(dir, name)
    try {
      const info = await stat(file)
      if (name.endsWith('.partial') && Date.now() - info.mtimeMs > STALE_PARTIAL_MS) {
        await unlink(file)
        continue
      }
      if (name.endsWith(SUFFIX)) files.push({ file, bytes: info.size, used: info.mtimeMs })
    } catch {
      // Gone meanwhile: another process evicted it.
    }
  }
  return files
}

/** Removes the least recently used files until the folder is within its bound. */
async function evict(dir: string, keep: string | null): Promise<void> {
  const limit = await maxCacheBytes(dir)
  const files = await cacheFiles(dir)
  let total = files.reduce((sum, entry) => sum + entry.bytes, 0)
  files.sort((a, b) => a.used - b.used)
  for (const entry of files) {
    if (total <= limit) break
    // The file just written goes last, and only if it alone is over the bound.
    if (entry.file === keep && files.length > 1 && entry !== files.at(-1)) continue
    await unlink(entry.file).catch(() => {})
    total -= entry.bytes
    trace(`evicted ${entry.file}`)
  }
}

async function headerOf(file: string): Promise<Header | null> {
  try {
    const handle = await open(file, 'r')
    try {
      return (await readHeader(handle, (await handle.stat()).size)).header
    } finally {
      await handle.close()
    }
  } catch {
    return null
  }
}

/** The cache's files, most recently used first. */
export async function listCache(): Promise<CacheEntry[]> {
  const files = await cacheFiles(cacheDirectory())
  files.sort((a, b) => b.used - a.used)
  const entries: CacheEntry[] = []
  for (const entry of files) {
    const header = await headerOf(entry.file)
    let current = false
    if (header) {
      try {
        current = sameKey(header.key, await snapshotKey(header.key.path))
      } catch {
        current = false
      }
    }
    entries.push({
      snapshot: header?.key.path ?? null,
      cacheFile: entry.file,
      bytes: entry.bytes,
      lastUsed: new Date(entry.used),
      current,
    })
  }
  return entries
}

/** Removes every cache file; returns how many bytes were freed. */
export async function clearCache(): Promise<{ files: number; bytes: number }> {
  const dir = cacheDirectory()
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return { files: 0, bytes: 0 }
  }
  let files = 0
  let bytes = 0
  for (const name of names) {
    if (!name.endsWith(SUFFIX) && !name.endsWith('.partial')) continue
    const file = join(dir, name)
    try {
      const info = await stat(file)
      await unlink(file)
      files++
      bytes += info.size
    } catch {
      // Removed by another process meanwhile.
    }
  }
  return { files, bytes }
}
