// Vitest's global setup: builds what is stale in dist/ once, before any test file starts, so the
// files (each in its own worker) find the compiled CLI, engine host, library and renderer fresh
// instead of each deciding to build them at once. The run's index cache (HEAPGRAPH_CACHE_DIR,
// one per run: see vitest.config.ts) is removed when the run ends.
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBuilt } from '../../scripts/ensure-built.mjs'

export async function setup(): Promise<() => Promise<void>> {
  await ensureBuilt()
  // The same folder vitest.config.ts names: this runs in the process that read the config.
  const cacheDir = join(tmpdir(), `heapgraph-test-cache-${process.pid}`)
  return async () => {
    await rm(cacheDir, { recursive: true, force: true })
  }
}
