// `npm run bench`: makes (or reuses) Node heap snapshots of about 4 MB, 400 MB and 1 GB, then
// loads each with our engine and with Chrome DevTools' engine, each in its own child process,
// and prints wall time, MB/s, peak RSS and a `why` query, with the ratios against DevTools;
// then opens each again from the index cache the first load wrote (time against the first
// open, and whether the answers are identical).
// and captures a ~200 MB heap over CDP (time from the last chunk to a queryable graph vs.
// loading the same file from disk), and the cost of recording a sampling heap profile on a
// target's throughput (a few seconds). The Rust heap-snapshot tool's load + summary runs on the
// same files where it can (rust-tool.ts). Options: --sizes 4,400,1000[,2500] (none to skip)
// --no-devtools --no-rust --capture MB (0 to skip) --overhead ROUNDS (0 to skip) --json FILE
// (results for the README)
import { execFile } from 'node:child_process'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { sizedFixture } from '../helpers/fixtures'
import type { WorkloadOverhead } from './sampling-overhead'
import type { SectionKernel } from './section-rates'
import type { Kernel } from './parse-kernels'
import { measureRustTool, rustTool, type RustMeasurement, type RustTool } from './rust-tool'

const execFileAsync = promisify(execFile)
const HERE = fileURLToPath(new URL('.', import.meta.url))
/** Targets from the engine issue, for files of 400 MB and more. */
const TARGET_SPEEDUP = 3
const TARGET_RSS_RATIO = 0.6
/** From the speed issue: peak RSS at most 0.45 of DevTools' engine (the engine issue's was 0.6). */
const TARGET_RSS_RATIO_SPEED = 0.45
/** From the speed issue: load + summary at least twice as fast as the Rust heap-snapshot tool. */
const TARGET_RUST_SPEEDUP = 2
/** From the speed issue: a second open from the index cache takes at most 15 % of the first. */
const TARGET_CACHED_RATIO = 0.15
/** From the allocation-profile issue: sampling at 32 KiB costs the target under 10 %. */
const TARGET_SAMPLING_RATIO = 0.9

interface Measurement {
  ms: number
  /** The Summary right after the load (both engines). */
  summaryMs?: number
  whyMs: number | null
  peakRssBytes: number
  nodeCount: number
  whyId?: number
  /** Ours only: building every query index after the load, and each query afterwards. */
  prepareMs?: number
  preparedPeakRssBytes?: number
  queriesMs?: Record<string, number>
  /** Ours only: garbage collection during the load, and each parse section's MB/s. */
  gcMs?: number
  parseMBps?: Record<string, number>
  /** Ours only: writing the index cache, and a digest of the first answers. */
  cacheWriteMs?: number | null
  answers?: string
  /** Ours only: cuts and a diff (see heapgraph-load.ts). */
  analysesMs?: { cutNearRoot: number | null; cutDeep: number | null; diffWithItself: number }
}

/** The same file opened again, from the index cache (heapgraph-cached-load.ts). */
interface CachedMeasurement {
  ms: number
  fromCache: boolean
  peakRssBytes: number
  answers: string
}

/** Parse alone with 0 (one stream), 1, 2… worker threads (parse-scaling.ts). */
interface ScalingMeasurement {
  ms: number
  workers: number
  kernel: Record<string, SectionKernel>
  /** The loading thread's MB/s by section (it parses strings and locations itself). */
  mainThread: Record<string, number>
}

/** The parse's inner loops alone, one core working (parse-kernels.ts). */
interface KernelsMeasurement {
  sections: Record<'nodes' | 'edges' | 'strings', Kernel>
}

interface Row {
  megabytes: number
  fileBytes: number
  nodeCount: number
  ours: Measurement
  scaling: ScalingMeasurement[]
  kernels: KernelsMeasurement | null
  cached: CachedMeasurement | { error: string } | null
  devtools: Measurement | { error: string } | null
  rust: RustMeasurement | { error: string } | null
}

async function measure<T = Measurement>(
  script: string,
  args: string[],
  heapMb: number,
  env: Record<string, string> = {},
): Promise<T> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [`--max-old-space-size=${heapMb}`, '--import', 'tsx', `${HERE}${script}`, ...args],
    { maxBuffer: 1 << 20, timeout: 30 * 60_000, env: { ...process.env, ...env } },
  )
  const line = stdout.trim().split('\n').pop() ?? ''
  return JSON.parse(line) as T
}

interface CaptureMeasurement {
  bytes: number
  transferMs: number
  lastChunkToReadyMs: number
  diskLoadMs: number
}

async function measureCapture(megabytes: number): Promise<CaptureMeasurement> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--max-old-space-size=8192', '--import', 'tsx', `${HERE}capture.ts`, String(megabytes)],
    { maxBuffer: 1 << 20, timeout: 30 * 60_000 },
  )
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as CaptureMeasurement
}

interface SamplingOverhead {
  windowMs: number
  rounds: number
  workloads: WorkloadOverhead[]
}

async function measureSamplingOverhead(rounds: number): Promise<SamplingOverhead> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', `${HERE}sampling-overhead.ts`, String(rounds)],
    { maxBuffer: 1 << 20, timeout: 5 * 60_000 },
  )
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as SamplingOverhead
}

function samplingReport(overhead: SamplingOverhead): string {
  return overhead.workloads
    .map(
      (workload) =>
        `sampling heap profile at 32 KiB, ${workload.name} loop (~${mb(workload.allocatedBytesPerSecond)} MB/s allocated): ` +
        `${workload.sampledPerSecond.toFixed(0)} vs ${workload.baselinePerSecond.toFixed(0)} iterations/s ` +
        `(ratio ${workload.ratio.toFixed(2)}, target >= ${TARGET_SAMPLING_RATIO}` +
        `${workload.ratio >= TARGET_SAMPLING_RATIO ? ', met' : ', NOT met'})`,
    )
    .join('\n')
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(0)
const seconds = (ms: number): string => (ms / 1000).toFixed(2)

/** Peak RSS per GB of snapshot file (GB of memory per GB of file). */
function rssPerGigabyte(peakRssBytes: number, fileBytes: number): number {
  return peakRssBytes / fileBytes
}

/** The memory budget: peak RSS per GB of snapshot, ours and DevTools', against the ratio. */
function memoryBudget(rows: Row[]): string[] {
  return rows
    .filter((row) => row.fileBytes >= 300e6)
    .map((row) => {
      const ours = rssPerGigabyte(row.ours.peakRssBytes, row.fileBytes)
      const devtools = row.devtools && 'ms' in row.devtools ? row.devtools : null
      if (!devtools)
        return `${mb(row.fileBytes)} MB: peak RSS ${ours.toFixed(2)} GB per GB of snapshot`
      const theirs = rssPerGigabyte(devtools.peakRssBytes, row.fileBytes)
      const ratio = ours / theirs
      return (
        `${mb(row.fileBytes)} MB: peak RSS ${ours.toFixed(2)} GB per GB of snapshot ` +
        `(DevTools ${theirs.toFixed(2)}): ratio ${ratio.toFixed(2)}, ` +
        (ratio <= TARGET_RSS_RATIO_SPEED ? 'within' : 'OVER') +
        ` the budget of ${TARGET_RSS_RATIO_SPEED}`
      )
    })
}

/** The second open, from the index cache, against the first (load and query indexes). */
function cacheLine(row: Row): string {
  const size = `${mb(row.fileBytes)} MB`
  const { cached, ours } = row
  if (!cached) return `${size}: index cache not measured`
  if ('error' in cached) return `${size}: opening from the index cache failed: ${cached.error}`
  const first = ours.ms + (ours.prepareMs ?? 0)
  const ratio = cached.ms / first
  const same = cached.answers === ours.answers
  return (
    `${size}: from the index cache ${seconds(cached.ms)} s against ${seconds(first)} s the first ` +
    `time (load and query indexes): ratio ${ratio.toFixed(2)}, ` +
    `${ratio <= TARGET_CACHED_RATIO ? 'within' : 'OVER'} the target of ${TARGET_CACHED_RATIO}; ` +
    `${cached.fromCache ? 'read from the cache' : 'NOT read from the cache'}, ` +
    `${same ? 'identical answers' : 'DIFFERENT ANSWERS'}; ` +
    `writing it took ${ours.cacheWriteMs === null || ours.cacheWriteMs === undefined ? 'n/a' : `${seconds(ours.cacheWriteMs)} s`} ` +
    `(after the first answer); peak RSS ${mb(cached.peakRssBytes)} MB`
  )
}

/**
 * Load + Summary against the speed issue's targets (1 GB: at most 8 s and at least 7x DevTools;
 * 206 MB: at least 5x DevTools; 2.4 GB: at most 25 s), and how the parse scales with workers.
 */
function speedLines(row: Row): string[] {
  const size = `${mb(row.fileBytes)} MB`
  const lines: string[] = []
  const ours = row.ours.ms + (row.ours.summaryMs ?? 0)
  const devtools =
    row.devtools && 'ms' in row.devtools ? row.devtools.ms + (row.devtools.summaryMs ?? 0) : null
  const gigabytes = row.fileBytes / 1e9
  const limit = gigabytes >= 2 ? 25 * (gigabytes / 2.4) : gigabytes >= 0.9 ? 8 * gigabytes : null
  const speedup = devtools === null ? null : devtools / ours
  const wanted = gigabytes >= 0.9 ? 7 : 5
  lines.push(
    `${size}: load + summary ${seconds(ours)} s` +
      (devtools === null
        ? ''
        : ` against DevTools' ${seconds(devtools)} s: ${(speedup as number).toFixed(1)}x ` +
          `(target: at least ${wanted}x${(speedup as number) >= wanted ? ', met' : ', NOT met'})`) +
      (limit === null
        ? ''
        : `; target at most ${limit.toFixed(1)} s (8 s per GB, 25 s at 2.4 GB)` +
          `${ours <= limit * 1000 ? ', met' : ', NOT met'}`),
  )
  if (row.rust && 'error' in row.rust) {
    lines.push(`${size}: the Rust heap-snapshot tool failed: ${row.rust.error}`)
  } else if (row.rust) {
    const ratio = row.rust.ms / ours
    // The issue's target is for 1 GB and more; smaller files are reported without it.
    const target =
      gigabytes < 0.9
        ? ''
        : ` (target: at least ${TARGET_RUST_SPEEDUP}x` +
          `${ratio >= TARGET_RUST_SPEEDUP ? ', met' : ', NOT met'})`
    lines.push(
      `${size}: the Rust heap-snapshot tool's summary (load + summary table, process start to ` +
        `exit) ${seconds(row.rust.ms)} s, peak RSS ${mb(row.rust.peakRssBytes)} MB; ours ` +
        `${seconds(ours)} s: ${ratio.toFixed(2)}x${target}; its total: ${row.rust.total}`,
    )
  }
  if (row.scaling.length > 0) {
    const one = row.scaling.find((m) => m.workers === 0)
    lines.push(
      `${size}: parse alone by worker threads: ` +
        row.scaling
          .map(
            (m) =>
              `${m.workers === 0 ? 'one stream' : `${m.workers}`} ${seconds(m.ms)} s` +
              (one && m.workers > 0 ? ` (${(one.ms / m.ms).toFixed(2)}x)` : ''),
          )
          .join(', '),
    )
    const rate = (bytes: number, ms: number): string => `${(bytes / 1e3 / ms).toFixed(0)} MB/s`
    const single = row.scaling.find((m) => m.workers === 1)
    if (single && Object.keys(single.kernel).length > 0) {
      lines.push(
        `${size}: a worker's parse per core (1 worker): ` +
          Object.entries(single.kernel)
            .map(
              ([section, k]) =>
                `${section} ${rate(k.bytes, k.ms)} in all, its tokenizer ` +
                `${rate(k.bytes, k.tokenizeMs)} (read ${seconds(k.readMs)} s, tokenize ` +
                `${seconds(k.tokenizeMs)} s, store ${seconds(k.storeMs)} s)`,
            )
            .join('; ') +
          ' (target: 600 MB/s per core for the tokenizer)',
      )
      const own = Object.entries(single.mainThread).filter(
        ([section]) => section === 'strings' || section === 'locations',
      )
      if (own.length > 0) {
        lines.push(
          `${size}: the loading thread beside 1 worker: ` +
            own.map(([section, mbps]) => `${section} ${mbps.toFixed(0)} MB/s`).join(', ') +
            ' (reads and parses included; target: 600 MB/s per core for the string decoder)',
        )
      }
    }
    if (row.kernels) {
      const { nodes, edges, strings } = row.kernels.sections
      const tokenizer = (section: string, k: Kernel): string =>
        `${section} tokenizer ${rate(k.bytes, k.tokenizeMs)} (its worker's job ${rate(k.bytes, k.ms)})`
      lines.push(
        `${size}: the inner loops alone, one core working (best of 3): ` +
          `${tokenizer('nodes', nodes)}, ${tokenizer('edges', edges)}; ` +
          `the strings decoder (best of 10) ${rate(strings.bytes, strings.ms)}, its first run ` +
          `${rate(strings.bytes, strings.firstMs)} (target: 600 MB/s per core)`,
      )
    }
  }
  return lines
}

function report(rows: Row[]): string {
  const lines: string[] = []
  const header =
    'size      nodes        engine     load s   MB/s   peak RSS MB   RSS/GB   why ms   speed x   RSS ratio'
  lines.push(header)
  for (const row of rows) {
    const label =
      `${mb(row.fileBytes)} MB`.padEnd(10) + row.nodeCount.toLocaleString('en-US').padEnd(13)
    const line = (engine: string, m: Measurement, ratio: string): string =>
      label +
      engine.padEnd(11) +
      seconds(m.ms).padStart(6) +
      (row.fileBytes / 1e6 / (m.ms / 1000)).toFixed(0).padStart(7) +
      mb(m.peakRssBytes).padStart(14) +
      rssPerGigabyte(m.peakRssBytes, row.fileBytes).toFixed(2).padStart(9) +
      (m.whyMs === null ? '-' : m.whyMs.toFixed(1)).padStart(9) +
      ratio
    const devtools = row.devtools
    if (devtools && 'ms' in devtools) {
      const speedup = devtools.ms / row.ours.ms
      const rssRatio = row.ours.peakRssBytes / devtools.peakRssBytes
      const judged = row.fileBytes >= 300e6
      const verdict = judged
        ? speedup >= TARGET_SPEEDUP && rssRatio <= TARGET_RSS_RATIO
          ? '  (meets target)'
          : `  (target: >= ${TARGET_SPEEDUP}x faster, <= ${TARGET_RSS_RATIO} RSS)`
        : ''
      lines.push(
        line(
          'heapgraph',
          row.ours,
          `${speedup.toFixed(2).padStart(10)}${rssRatio.toFixed(2).padStart(12)}${verdict}`,
        ),
      )
      lines.push(line('devtools', devtools, ''))
    } else {
      lines.push(line('heapgraph', row.ours, ''))
      if (devtools) lines.push(label + `devtools   failed: ${devtools.error}`)
    }
  }
  lines.push(...memoryBudget(rows))
  for (const row of rows) lines.push(...speedLines(row))
  for (const row of rows) lines.push(cacheLine(row))
  for (const row of rows) {
    const { gcMs, parseMBps } = row.ours
    if (gcMs === undefined || !parseMBps) continue
    const share = gcMs / row.ours.ms
    lines.push(
      `${mb(row.fileBytes)} MB: the main thread's pass by section ` +
        (Object.keys(parseMBps).length === 0
          ? 'too quick to time'
          : Object.entries(parseMBps)
              .map(([section, rate]) => `${section} ${rate.toFixed(0)} MB/s`)
              .join(', ')) +
        ` (it parses locations and strings, and only cuts nodes and edges into ranges for the workers ` +
        `of files over 32 MiB; target: 600 MB/s per core); garbage collection ${seconds(gcMs)} s, ` +
        `${(share * 100).toFixed(1)} % of the load (target: under 5 %)`,
    )
  }
  for (const row of rows) {
    const { prepareMs, queriesMs, preparedPeakRssBytes } = row.ours
    if (prepareMs === undefined || !queriesMs || preparedPeakRssBytes === undefined) continue
    const slowest = Math.max(...Object.values(queriesMs))
    lines.push(
      `${mb(row.fileBytes)} MB: query indexes built in ${seconds(prepareMs)} s (peak RSS then ${mb(preparedPeakRssBytes)} MB); ` +
        `then every query in <= ${slowest.toFixed(1)} ms: ` +
        Object.entries(queriesMs)
          .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
          .join(', '),
    )
    const analyses = row.ours.analysesMs
    if (analyses) {
      const cut = (ms: number | null): string => (ms === null ? 'n/a' : `${ms.toFixed(0)} ms`)
      lines.push(
        `${mb(row.fileBytes)} MB: cut near the root ${cut(analyses.cutNearRoot)}, deep ${cut(analyses.cutDeep)} (target: under 2 s at 10M objects); ` +
          `diff of two snapshots this size ${seconds(analyses.diffWithItself)} s`,
      )
    }
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '4,400,1000' },
      'no-devtools': { type: 'boolean', default: false },
      'no-rust': { type: 'boolean', default: false },
      capture: { type: 'string', default: '200' },
      overhead: { type: 'string', default: '4' },
      json: { type: 'string' },
    },
  })
  let samplingOverhead: SamplingOverhead | null = null
  const overheadRounds = Number(values.overhead)
  if (!Number.isInteger(overheadRounds) || overheadRounds < 0) {
    throw new Error(`--overhead takes a number of rounds (0 to skip); got "${values.overhead}"`)
  }
  if (overheadRounds > 0) {
    // First: it takes seconds, the loads below take minutes.
    process.stderr.write('bench: sampling heap profile overhead on a Node target...\n')
    samplingOverhead = await measureSamplingOverhead(overheadRounds)
    process.stdout.write(`\n${samplingReport(samplingOverhead)}\n`)
  }
  const sizes =
    values.sizes === 'none' ? [] : values.sizes.split(',').map((size) => Number(size.trim()))
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error(`--sizes takes whole megabytes, e.g. 4,400,1000; got "${values.sizes}"`)
  }
  let rust: RustTool | null = null
  if (!values['no-rust'] && sizes.length > 0) {
    process.stderr.write('bench: fetching the Rust heap-snapshot tool...\n')
    const found = await rustTool()
    if ('skipped' in found) {
      process.stdout.write(`\nRust heap-snapshot tool: not run; ${found.skipped}\n`)
    } else {
      rust = found
      process.stdout.write(`\nRust heap-snapshot tool ${found.version}: runs with ${found.via}\n`)
    }
  }
  const rows: Row[] = []
  for (const size of sizes) {
    process.stderr.write(`bench: preparing a ~${size} MB snapshot (cached under .bench/)...\n`)
    const file = await sizedFixture(size)
    const fileBytes = (await stat(file)).size
    const heapMb = Math.max(4096, Math.ceil((fileBytes / 1e6) * 8))
    process.stderr.write(`bench: heapgraph on ${mb(fileBytes)} MB...\n`)
    // A folder of its own for the index cache: the first open is fresh, the second reads it.
    const cacheDir = await mkdtemp(join(tmpdir(), 'heapgraph-bench-cache-'))
    const env = { HEAPGRAPH_CACHE_DIR: cacheDir }
    const ours = await measure('heapgraph-load.ts', [file], heapMb, env)
    let cached: Row['cached'] = null
    try {
      process.stderr.write(`bench: heapgraph again on ${mb(fileBytes)} MB, from the cache...\n`)
      cached = await measure<CachedMeasurement>(
        'heapgraph-cached-load.ts',
        [file, `@${ours.whyId}`],
        heapMb,
        env,
      )
    } catch (error) {
      cached = { error: error instanceof Error ? error.message.split('\n')[0] : String(error) }
    } finally {
      await rm(cacheDir, { recursive: true, force: true })
    }
    let devtools: Row['devtools'] = null
    if (!values['no-devtools']) {
      process.stderr.write(`bench: DevTools' engine on ${mb(fileBytes)} MB...\n`)
      try {
        devtools = await measure('devtools-load.ts', [file, `@${ours.whyId}`], heapMb)
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
        devtools = { error: message }
      }
    }
    let rustRun: Row['rust'] = null
    if (rust) {
      process.stderr.write(`bench: the Rust heap-snapshot tool on ${mb(fileBytes)} MB...\n`)
      rustRun = await measureRustTool(rust, file).catch((error: unknown) => ({
        error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      }))
    }
    const scaling: ScalingMeasurement[] = []
    const cores = availableParallelism()
    for (const workers of [0, 1, 2, 4, 8].filter((count) => count <= Math.max(2, cores))) {
      process.stderr.write(`bench: parse alone with ${workers} worker threads...\n`)
      scaling.push(
        await measure<ScalingMeasurement>('parse-scaling.ts', [file, `${workers}`], heapMb),
      )
    }
    // The inner loops read the file whole, as one buffer (at most 2 GiB in Node): a larger
    // file's loops are those of the 1 GB one.
    let kernels: KernelsMeasurement | null = null
    if (fileBytes < 2 ** 31) {
      process.stderr.write(`bench: the parse's inner loops alone...\n`)
      kernels = await measure<KernelsMeasurement>('parse-kernels.ts', [file], heapMb)
    }
    rows.push({
      megabytes: size,
      fileBytes,
      nodeCount: ours.nodeCount,
      ours,
      scaling,
      kernels,
      cached,
      devtools,
      rust: rustRun,
    })
    process.stdout.write(`\n${report(rows)}\n`)
  }
  let capture: CaptureMeasurement | null = null
  const captureMb = Number(values.capture)
  if (captureMb > 0) {
    process.stderr.write(`bench: capturing a ~${captureMb} MB Node heap over CDP...\n`)
    capture = await measureCapture(captureMb)
    const ratio = capture.lastChunkToReadyMs / capture.diskLoadMs
    process.stdout.write(
      `\ncapture of ${mb(capture.bytes)} MB over CDP: transfer ${seconds(capture.transferMs)} s; ` +
        `last chunk -> queryable graph ${seconds(capture.lastChunkToReadyMs)} s vs loading the file ` +
        `from disk ${seconds(capture.diskLoadMs)} s (ratio ${ratio.toFixed(2)}, target < 0.5` +
        `${ratio < 0.5 ? ', met' : ', NOT met'})\n`,
    )
  }
  if (values.json) {
    await writeFile(
      values.json,
      JSON.stringify({ loads: rows, capture, samplingOverhead }, null, 2),
    )
  }
}

await main()
