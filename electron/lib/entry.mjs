// The library's entry from plain Node (`import { takeSnapshot } from 'heapgraph'`): builds what is
// stale in dist/ (on first use and after the sources change; scripts/ensure-built.mjs), then
// re-exports the compiled library, dist/lib/index.mjs. Its types are dist/lib/types.
import { ensureBuilt } from '../../scripts/ensure-built.mjs'

await ensureBuilt(['node', 'types'])

export const {
  AttachError,
  captureTarget,
  connectTarget,
  formatRetainerPath,
  Heap,
  HeapAssertionError,
  HeapSnapshotError,
  loadSnapshot,
  takeSnapshot,
} = await import('../../dist/lib/index.mjs')
