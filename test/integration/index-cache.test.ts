// The index cache on real snapshots: a snapshot read back from it is the snapshot a fresh load
// gives, field by field, and answers the same; a truncated, corrupted, older-format or stale
// cache is detected, ignored and rebuilt, never read as state; files are private and whole;
// two processes writing at once leave one good file; the folder keeps to its bound; and the CLI
// (`cache ls|clear`, --no-cache), the library and the app's engine hosts use it.
import { execFile } from 'node:child_process'
import {
  chown,
  copyFile,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createBackend } from '../../electron/backend/backend'
import {
  CACHE_FORMAT,
  listCache,
  readCachedSnapshot,
  snapshotKey,
  writeCachedSnapshot,
} from '../../electron/backend/index-cache/index-cache'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { loadSnapshot } from '../../electron/lib'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getArrays } from '../../shared/heap/queries/arrays'
import { getCycle } from '../../shared/heap/queries/cycles'
import { explainRetention } from '../../shared/heap/queries/explain'
import { findNodeById } from '../../shared/heap/queries/nodes'
import { prepareQueryIndexes } from '../../shared/heap/queries/prepare'
import { getSummary } from '../../shared/heap/queries/summary'
import { fixture, REPO_ROOT, type FixtureName } from '../helpers/fixtures'

const execFileAsync = promisify(execFile)
const BIN = join(REPO_ROOT, 'bin/heapgraph.mjs')

let work: string
let cacheDir: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'heapgraph-index-cache-'))
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

beforeEach(async () => {
  cacheDir = await mkdtemp(join(work, 'cache-'))
  process.env.HEAPGRAPH_CACHE_DIR = cacheDir
  delete process.env.HEAPGRAPH_CACHE_MAX_BYTES
  delete process.env.HEAPGRAPH_NO_CACHE
})

/** A private copy of a fixture, so that each test's cache and edits are its own. */
async function copyOf(name: FixtureName, as: string = name): Promise<string> {
  const file = join(work, `${as}-${Math.random().toString(36).slice(2)}.heapsnapshot`)
  await copyFile(await fixture(name), file)
  return file
}

/** What a user sees of a snapshot: the summary, the arrays, why the largest are alive, lookups. */
function answers(snapshot: HeapSnapshot): unknown {
  const arrays = getArrays(snapshot, { count: 5 })
  return {
    summary: getSummary(snapshot, {}),
    arrays,
    why: arrays.items.map((entry) => explainRetention(snapshot, entry.node, { count: 2 })),
    byId: arrays.items.map((entry) => findNodeById(snapshot, entry.id)),
    cycles: arrays.items.map((entry) => getCycle(snapshot, entry.node)),
  }
}

/** Loads with the cache, prepared as the engine host does, and writes the cache. */
async function loadAndCache(file: string): Promise<HeapSnapshot> {
  const snapshot = await loadSnapshotFile(file)
  prepareQueryIndexes(snapshot)
  expect(await writeCachedSnapshot(snapshot)).toBe(true)
  return snapshot
}

/** Everything in the cache folder, temporary files included. */
async function cacheFiles(): Promise<string[]> {
  return (await readdir(cacheDir)).map((name) => join(cacheDir, name))
}

/** The finished cache files (a write in progress is a `.partial` file). */
async function finishedCacheFiles(): Promise<string[]> {
  return (await cacheFiles()).filter((file) => file.endsWith('.hgindex'))
}

describe('the index cache', () => {
  it.each(['kitchen-sink', 'unreachable-cycle', 'weak-map'] as FixtureName[])(
    'gives back %s as a fresh load gives it, and the same answers',
    async (name) => {
      const file = await copyOf(name)
      const fresh = await loadSnapshotFile(file, { cache: false })
      const expected = answers(fresh)
      await loadAndCache(file)
      const phases = new Set<string>()
      const cached = await loadSnapshotFile(file, { onProgress: (p) => phases.add(p.phase) })
      expect(phases).toEqual(new Set(['Reading the index cache']))
      // Field by field: every typed array, the strings, the bit vectors.
      expect(cached).toEqual(fresh)
      expect(answers(cached)).toEqual(expected)
    },
    120_000,
  )

  it('writes private files whole, and nothing under a temporary name is left', async () => {
    const file = await copyOf('map-cache')
    await loadAndCache(file)
    const [written, ...others] = await cacheFiles()
    expect(others).toEqual([])
    expect(written).toMatch(/\.hgindex$/)
    expect((await stat(written)).mode & 0o777).toBe(0o600)
    expect((await stat(cacheDir)).mode & 0o777).toBe(0o700)
    // Nothing new to add: a second write is skipped.
    const again = await loadSnapshotFile(file)
    prepareQueryIndexes(again)
    expect(await writeCachedSnapshot(again)).toBe(false)
  })

  describe('never gives a wrong answer from a bad cache', () => {
    let file: string
    let expected: unknown
    let cacheFile: string

    beforeEach(async () => {
      file = await copyOf('map-cache')
      expected = answers(await loadSnapshotFile(file, { cache: false }))
      await loadAndCache(file)
      ;[cacheFile] = await cacheFiles()
    })

    /** The cache is not used (and, if `removed`, deleted); a load still answers right. */
    async function expectIgnored(removed: boolean): Promise<void> {
      expect(await readCachedSnapshot(await snapshotKey(file))).toBeNull()
      expect((await cacheFiles()).includes(cacheFile)).toBe(!removed)
      const loaded = await loadAndCache(file)
      expect(answers(loaded)).toEqual(expected)
      expect(await readCachedSnapshot(await snapshotKey(file))).not.toBeNull()
    }

    it('truncated', async () => {
      await truncate(cacheFile, (await stat(cacheFile)).size - 100)
      await expectIgnored(true)
    })

    it('a flipped byte in a section', async () => {
      const bytes = await readFile(cacheFile)
      bytes[bytes.length - 5] ^= 0x40
      await writeFile(cacheFile, bytes)
      await expectIgnored(true)
    })

    it('a flipped byte in the header', async () => {
      const bytes = await readFile(cacheFile)
      bytes[40] ^= 0x01
      await writeFile(cacheFile, bytes)
      await expectIgnored(true)
    })

    it('an older format', async () => {
      const bytes = await readFile(cacheFile)
      bytes.writeUInt32LE(CACHE_FORMAT - 1, 8)
      await writeFile(cacheFile, bytes)
      // Left for the build that wrote it; this one writes over it.
      await expectIgnored(false)
    })

    it('not a cache file at all', async () => {
      await writeFile(cacheFile, '{"snapshot": "not a cache"}')
      await expectIgnored(true)
    })

    it('the snapshot changed on disk (same size and mtime, other content)', async () => {
      const text = await readFile(file, 'latin1')
      const { mtime } = await stat(file)
      const changed = text.replace('"leakCache"', '"leakCachf"')
      expect(changed).not.toBe(text)
      await writeFile(file, changed, 'latin1')
      await utimes(file, mtime, mtime)
      const changedSnapshot = await loadSnapshotFile(file, { cache: false })
      expect(changedSnapshot.graph.strings.indexesOf('leakCachf').length > 0).toBe(true)
      expected = answers(changedSnapshot)
      await expectIgnored(false)
      const cached = await readCachedSnapshot(await snapshotKey(file))
      expect(cached?.graph.strings.indexesOf('leakCachf').length).toBe(1)
    })

    it.skipIf(process.getuid?.() !== 0)("another user's file (a shared folder)", async () => {
      await chown(cacheFile, 12345, 12345)
      await expectIgnored(false)
    })

    it('the snapshot grew', async () => {
      await writeFile(file, (await readFile(file, 'latin1')) + '\n', 'latin1')
      await expectIgnored(false)
    })
  })

  it('is not read when its state needs more memory than a load may take', async () => {
    const file = await copyOf('map-cache')
    await loadAndCache(file)
    process.env.HEAPGRAPH_MEMORY_LIMIT = String(2_000_000)
    try {
      // The parse then refuses the file at its header, in its own words.
      await expect(loadSnapshotFile(file)).rejects.toThrow(/needs about [\d.]+ GB of memory/)
    } finally {
      delete process.env.HEAPGRAPH_MEMORY_LIMIT
    }
    expect(await cacheFiles()).toHaveLength(1)
  })

  it('keeps the folder within its bound, dropping the least recently used', async () => {
    const first = await copyOf('map-cache', 'first')
    await loadAndCache(first)
    const [firstCache] = await cacheFiles()
    const size = (await stat(firstCache)).size
    // Room for one and a half: the second write evicts the first.
    process.env.HEAPGRAPH_CACHE_MAX_BYTES = String(Math.floor(size * 1.5))
    const second = await copyOf('map-cache', 'second')
    await loadAndCache(second)
    const left = await listCache()
    expect(left.map((entry) => entry.snapshot)).toEqual([second])
    expect(left[0].current).toBe(true)
  })

  it('is left alone with HEAPGRAPH_NO_CACHE=1 and with { cache: false }', async () => {
    const file = await copyOf('map-cache')
    process.env.HEAPGRAPH_NO_CACHE = '1'
    expect(await writeCachedSnapshot(await loadSnapshotFile(file))).toBe(false)
    delete process.env.HEAPGRAPH_NO_CACHE
    expect(await writeCachedSnapshot(await loadSnapshotFile(file, { cache: false }))).toBe(false)
    expect(await cacheFiles()).toEqual([])
  })

  it('the library writes it after a load and reads it on the next', async () => {
    const file = await copyOf('map-cache')
    const first = await loadSnapshot(file)
    await expect.poll(async () => (await finishedCacheFiles()).length, { timeout: 30_000 }).toBe(1)
    const second = await loadSnapshot(file)
    expect(second.summary()).toEqual(first.summary())
  })

  it("the app's engine host writes it once the snapshot is open, and the next open reads it", async () => {
    const file = await copyOf('map-cache')
    const configDir = await mkdtemp(join(work, 'config-'))
    const backend = createBackend({ configDir })
    try {
      const phases: string[] = []
      const stop = backend.onProgress((event) => phases.push(event.phase))
      const first = await backend.openSnapshot({ file, operationId: 'first' })
      await expect
        .poll(async () => (await finishedCacheFiles()).length, { timeout: 30_000 })
        .toBe(1)
      await backend.closeSnapshot({ snapshotId: first.snapshotId })
      expect(phases).not.toContain('Reading the index cache')
      phases.length = 0
      const second = await backend.openSnapshot({ file, operationId: 'second' })
      stop()
      expect(phases).toContain('Reading the index cache')
      expect(phases).not.toContain('Building dominator tree')
      expect(second.nodeCount).toBe(first.nodeCount)
      const summary = await backend.getSummary({ snapshotId: second.snapshotId })
      expect(summary.total).toBeGreaterThan(0)
    } finally {
      await backend.dispose()
    }
  }, 120_000)

  it('a snapshot closed before the engine wrote its cache still gets it written', async () => {
    const file = await copyOf('map-cache')
    const configDir = await mkdtemp(join(work, 'config-'))
    const backend = createBackend({ configDir })
    try {
      const opened = await backend.openSnapshot({ file })
      // At once: the host has not been idle long enough to write it yet.
      await backend.closeSnapshot({ snapshotId: opened.snapshotId })
      expect(await finishedCacheFiles()).toEqual([])
      await expect
        .poll(async () => (await finishedCacheFiles()).length, { timeout: 30_000 })
        .toBe(1)
      expect(await readCachedSnapshot(await snapshotKey(file))).not.toBeNull()
    } finally {
      await backend.dispose()
    }
  }, 120_000)
})

describe('the CLI and the cache', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    execFileAsync(process.execPath, [BIN, ...args], {
      env: { ...process.env, HEAPGRAPH_CACHE_DIR: cacheDir, ...env },
      timeout: 120_000,
    })

  it('two commands at once on a new file leave one good cache file; the next reads it', async () => {
    const file = await copyOf('map-cache')
    const [a, b] = await Promise.all([
      run(['summary', file, '--json']),
      run(['summary', file, '--json']),
    ])
    expect(a.stdout).toBe(b.stdout)
    const files = await cacheFiles()
    expect(files).toHaveLength(1)
    expect(await readCachedSnapshot(await snapshotKey(file))).not.toBeNull()
    const third = await run(['summary', file, '--json'], { HEAPGRAPH_TRACE_CACHE: '1' })
    expect(third.stdout).toBe(a.stdout)
    expect(third.stderr).toContain('heapgraph: cache hit for')
  }, 180_000)

  it('lists and clears it; --no-cache neither reads nor writes it', async () => {
    const file = await copyOf('map-cache')
    await run(['summary', file, '--no-cache'])
    expect(await cacheFiles()).toEqual([])
    await run(['why', file, 'Array'])
    const listed = JSON.parse((await run(['cache', 'ls', '--json'])).stdout) as {
      directory: string
      entries: Array<{ snapshot: string; bytes: number; current: boolean }>
    }
    expect(listed.directory).toBe(cacheDir)
    expect(listed.entries).toMatchObject([{ snapshot: file, current: true }])
    await writeFile(file, (await readFile(file, 'latin1')) + '\n', 'latin1')
    const text = (await run(['cache'])).stdout
    expect(text).toContain(`${cacheDir}: 1 cached snapshot`)
    expect(text).toContain(`${file} (stale: the file changed or is gone)`)
    expect((await run(['cache', 'clear'])).stdout).toMatch(/^removed 1 file \(/)
    expect(await cacheFiles()).toEqual([])
    await expect(run(['cache', 'shrink'])).rejects.toMatchObject({
      code: 2,
      stderr: 'heapgraph: cache takes ls or clear, not "shrink"\n',
    })
  }, 180_000)
})
