// Benchmark child: parses one .heapsnapshot (no analyses) with `workers` worker threads (0: the
// one-stream parser) and prints one JSON line {ms, workers, kernel}. kernel: per section, the
// workers' own parse rate per core (bytes over the time each range took in its worker).
// Usage: node --import tsx test/bench/parse-scaling.ts <file> <workers>
import { stat } from 'node:fs/promises'
import { parseSnapshotFile } from '../../electron/backend/load-snapshot'
import {
  parseSnapshotFileParallel,
  type RangeTiming,
} from '../../electron/backend/parallel-parse/parallel-parse'

async function main(argv: readonly string[]): Promise<void> {
  const [file, text] = argv
  const workers = Number(text)
  if (!file || !Number.isInteger(workers) || workers < 0) {
    process.stderr.write('usage: node --import tsx test/bench/parse-scaling.ts <file> <workers>\n')
    process.exitCode = 2
    return
  }
  const ranges: RangeTiming[] = []
  const start = performance.now()
  if (workers === 0) {
    await parseSnapshotFile(file, { parallel: false, cache: false })
  } else {
    const { size } = await stat(file)
    const parsed = await parseSnapshotFileParallel(file, size, {
      workers,
      onRange: (range) => ranges.push(range),
    })
    if (parsed === null) throw new Error('the workers did not parse this file')
  }
  const ms = performance.now() - start
  const kernel: Record<string, number> = {}
  for (const section of ['nodes', 'edges'] as const) {
    const own = ranges.filter((range) => range.section === section)
    const bytes = own.reduce((sum, range) => sum + range.bytes, 0)
    const time = own.reduce((sum, range) => sum + range.ms, 0)
    if (time > 0) kernel[section] = bytes / 1e6 / (time / 1000)
  }
  process.stdout.write(`${JSON.stringify({ ms, workers, kernel })}\n`)
}

await main(process.argv.slice(2))
