// Benchmark child: parses one .heapsnapshot (no analyses) with `workers` worker threads (0: the
// one-stream parser) and prints one JSON line {ms, workers, kernel}. kernel: per section, its
// bytes and the time its ranges took in their workers, in all and by part (read, tokenize, store);
// mainThread: the loading thread's MB/s by section (strings, locations: it parses those itself).
// Usage: node --import tsx test/bench/parse-scaling.ts <file> <workers>
import { stat } from 'node:fs/promises'
import { parseSnapshotFile } from '../../electron/backend/load-snapshot'
import {
  parseSnapshotFileParallel,
  type RangeTiming,
} from '../../electron/backend/parallel-parse/parallel-parse'
import { sectionRates, type SectionKernel } from './section-rates'

async function main(argv: readonly string[]): Promise<void> {
  const [file, text] = argv
  const workers = Number(text)
  if (!file || !Number.isInteger(workers) || workers < 0) {
    process.stderr.write('usage: node --import tsx test/bench/parse-scaling.ts <file> <workers>\n')
    process.exitCode = 2
    return
  }
  const ranges: RangeTiming[] = []
  const sections = sectionRates()
  const start = performance.now()
  if (workers === 0) {
    await parseSnapshotFile(file, { parallel: false, cache: false })
  } else {
    const { size } = await stat(file)
    const parsed = await parseSnapshotFileParallel(file, size, {
      workers,
      onRange: (range) => ranges.push(range),
      onProgress: sections.onProgress,
    })
    if (parsed === null) throw new Error('the workers did not parse this file')
  }
  const ms = performance.now() - start
  const kernel: Record<string, SectionKernel> = {}
  for (const section of ['nodes', 'edges'] as const) {
    const own = ranges.filter((range) => range.section === section)
    const total = (part: (range: RangeTiming) => number): number =>
      own.reduce((sum, range) => sum + part(range), 0)
    const worked = total((range) => range.ms)
    if (worked > 0) {
      kernel[section] = {
        bytes: total((range) => range.bytes),
        ms: worked,
        readMs: total((range) => range.readMs),
        tokenizeMs: total((range) => range.tokenizeMs),
        storeMs: total((range) => range.storeMs),
      }
    }
  }
  const mainThread = sections.rates()
  process.stdout.write(`${JSON.stringify({ ms, workers, kernel, mainThread })}\n`)
}

await main(process.argv.slice(2))
