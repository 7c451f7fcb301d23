// Vitest's global setup: builds what is stale in dist/ once, before any test file starts, so the
// files (each in its own worker) find the compiled CLI, engine host, library and renderer fresh
// instead of each deciding to build them at once.
import { ensureBuilt } from '../../scripts/ensure-built.mjs'

export async function setup(): Promise<void> {
  await ensureBuilt()
}
