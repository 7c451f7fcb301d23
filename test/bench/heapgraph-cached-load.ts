// Benchmark child: opens a snapshot again from the index cache heapgraph-load.ts wrote (same
// HEAPGRAPH_CACHE_DIR), builds whatever query index the cache lacks (as the engine host does),
// and prints one JSON line: the time, the peak RSS, whether the cache was read, and the digest
// of the same answers, for the bench to compare with the fresh load's.
// Usage: HEAPGRAPH_CACHE_DIR=… node --import tsx test/bench/heapgraph-cached-load.ts <file> <@id>
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { findNodeById } from '../../shared/heap/queries/nodes'
import { prepareQueryIndexes } from '../../shared/heap/queries/prepare'
import { answerDigest } from './answer-digest'

async function main(argv: readonly string[]): Promise<void> {
  const [file, target] = argv
  if (!file || !target?.startsWith('@') || !process.env.HEAPGRAPH_CACHE_DIR) {
    process.stderr.write(
      'usage: HEAPGRAPH_CACHE_DIR=… node --import tsx test/bench/heapgraph-cached-load.ts <file> <@id>\n',
    )
    process.exitCode = 2
    return
  }
  const phases = new Set<string>()
  const start = performance.now()
  const snapshot = await loadSnapshotFile(file, { onProgress: (p) => phases.add(p.phase) })
  prepareQueryIndexes(snapshot)
  const ms = performance.now() - start
  const node = findNodeById(snapshot, Number(target.slice(1)))
  if (node === null) throw new Error(`no ${target} in the cached snapshot`)
  const result = {
    ms,
    fromCache: phases.has('Reading the index cache') && !phases.has('Building dominator tree'),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    answers: answerDigest(snapshot, node),
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

await main(process.argv.slice(2))
