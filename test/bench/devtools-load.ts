// Benchmark child: loads one .heapsnapshot(.gz) with Chrome DevTools' engine and prints one JSON
// line {ms, summaryMs, whyMs, peakRssBytes, nodeCount}. ms covers streaming parse + initialize(),
// not bundling; summaryMs the Summary's aggregates after it; whyMs is the retainer chain DevTools' Retainers pane expands for the given @id.
// Usage: node [--max-old-space-size=N] --import tsx test/bench/devtools-load.ts <file> [@id]
import {
  devtoolsRetainerChain,
  devtoolsSummary,
  loadDevtoolsSnapshot,
  prepareDevtoolsEngine,
} from '../helpers/devtools-engine'

interface NodeLookup {
  nodeIndexForId(id: number): number | undefined
  nodeFieldCount: number
}

async function main(argv: readonly string[]): Promise<void> {
  const [file, target] = argv
  if (!file || argv.length > 2) {
    process.stderr.write('usage: node --import tsx test/bench/devtools-load.ts <file> [@id]\n')
    process.exitCode = 2
    return
  }
  // Build (or find) the bundle and load it outside the timed region.
  await prepareDevtoolsEngine()
  const warn = console.warn
  console.warn = () => {} // DevTools reports unreachable nodes on every Node heap
  const start = performance.now()
  const { nodeCount, snapshot } = await loadDevtoolsSnapshot(file)
  const ms = performance.now() - start
  // The Summary view's first request: classes with their counts, sizes and retained sizes.
  const summaryStart = performance.now()
  await devtoolsSummary(snapshot)
  const summaryMs = performance.now() - summaryStart
  console.warn = warn
  let whyMs: number | null = null
  if (target) {
    const whyStart = performance.now()
    const lookup = snapshot as NodeLookup
    const nodeIndex = lookup.nodeIndexForId(Number(target.replace('@', '')))
    if (nodeIndex !== undefined) {
      await devtoolsRetainerChain(snapshot, nodeIndex / lookup.nodeFieldCount)
      whyMs = performance.now() - whyStart
    }
  }
  const peakRssBytes = process.resourceUsage().maxRSS * 1024
  process.stdout.write(`${JSON.stringify({ ms, summaryMs, whyMs, peakRssBytes, nodeCount })}\n`)
}

await main(process.argv.slice(2))
