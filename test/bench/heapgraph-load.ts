// Benchmark child: loads one .heapsnapshot with our engine (parse + every analysis), then runs a
// `why` query (retainer path) for the given @id, or for the largest Array. Prints one JSON line
// {ms, whyMs, peakRssBytes, nodeCount, whyId}. Usage: node --import tsx heapgraph-load.ts <file> [@id]
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { resolveTarget } from '../../electron/cli/commands'
import { findNodeById } from '../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../shared/heap/queries/paths'

async function main(argv: readonly string[]): Promise<void> {
  const [file, target] = argv
  if (!file) {
    process.stderr.write('usage: node --import tsx test/bench/heapgraph-load.ts <file> [@id]\n')
    process.exitCode = 2
    return
  }
  const start = performance.now()
  const snapshot = await loadSnapshotFile(file)
  const ms = performance.now() - start
  // The target (default: the largest Array) is resolved outside the timed region; the timed
  // `why` is what `heapgraph why <file> @id` does after loading: find the id, find the path.
  const id = snapshot.graph.objectId[resolveTarget(snapshot, target ?? 'Array')]
  const whyStart = performance.now()
  const node = findNodeById(snapshot, id) as number
  const { paths } = findRetainerPaths(snapshot, node)
  const whyMs = performance.now() - whyStart
  const peakRssBytes = process.resourceUsage().maxRSS * 1024
  const result = {
    ms,
    whyMs,
    peakRssBytes,
    nodeCount: snapshot.graph.nodeCount,
    whyId: snapshot.graph.objectId[node],
    pathLength: paths[0]?.length ?? 0,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

await main(process.argv.slice(2))
