// Benchmark child: loads one .heapsnapshot(.gz) with Chrome DevTools' engine and prints one JSON
// line {ms, peakRssBytes, nodeCount}. ms covers streaming parse + initialize(), not bundling.
// Usage: node [--max-old-space-size=N] --import tsx test/bench/devtools-load.ts <file>
import { loadDevtoolsSnapshot, prepareDevtoolsEngine } from '../helpers/devtools-engine'

async function main(argv: readonly string[]): Promise<void> {
  const file = argv[0]
  if (!file || argv.length > 1) {
    process.stderr.write('usage: node --import tsx test/bench/devtools-load.ts <file>\n')
    process.exitCode = 2
    return
  }
  // Build (or find) the bundle and load it outside the timed region.
  await prepareDevtoolsEngine()
  const start = performance.now()
  const { nodeCount } = await loadDevtoolsSnapshot(file)
  const ms = performance.now() - start
  const peakRssBytes = process.resourceUsage().maxRSS * 1024
  process.stdout.write(`${JSON.stringify({ ms, peakRssBytes, nodeCount })}\n`)
}

await main(process.argv.slice(2))
