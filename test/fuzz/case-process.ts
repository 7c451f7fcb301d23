// A fuzz case process: loads the inputs the runner sends, one at a time, through the real
// loader (the streaming parser fed chunk by chunk, or the file loader with gzip detection) and
// the analyses, and reports how each ended, how long it took and how much memory it grew.
// The runner kills it on a hang; here, memory is checked between chunks so runaway growth stops.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGunzip } from 'node:zlib'
import { parseSnapshotFile } from '../../electron/backend/load-snapshot'
import { parseSnapshotFileParallel } from '../../electron/backend/parallel-parse/parallel-parse'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { SnapshotParser, type ParsedSnapshot } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot } from '../../shared/heap/snapshot'
import {
  scratchDirOf,
  type CaseRequest,
  type CaseResult,
  type Outcome,
  type Phase,
  type TargetName,
} from './check'
import { checkFaithful, type Faithfulness } from './faithful'

const MB = 1024 * 1024
/** Collect garbage between cases once this much is held, so growth is measured per case. */
const COLLECT_ABOVE_BYTES = 192 * MB
/** Memory is checked whenever this much more input has been fed. */
const PROBE_EVERY_BYTES = 256 * 1024

class MemoryBoundExceeded extends Error {}

/** Tracks peak RSS during a case and stops the case when it outgrows the bound. */
class MemoryProbe {
  peak: number

  constructor(
    readonly base: number,
    readonly boundBytes: number,
  ) {
    this.peak = base
  }

  check(): void {
    const rss = process.memoryUsage.rss()
    if (rss > this.peak) this.peak = rss
    if (rss - this.base > this.boundBytes) {
      throw new MemoryBoundExceeded(
        `RSS grew by ${((rss - this.base) / MB).toFixed(0)} MB within one case`,
      )
    }
  }
}

type LoadResult =
  Extract<Outcome, { kind: 'loaded' }> | { kind: 'threw'; error: unknown; phase: Phase }

/** Looks at what the parser made before the analyses run (they append class-name strings). */
type Inspect = (parsed: ParsedSnapshot) => Faithfulness

function loaded(
  parsed: ParsedSnapshot,
  { problems, oracle }: Faithfulness,
  byWorkers = false,
): LoadResult {
  const { nodeCount, edgeCount } = parsed
  return { kind: 'loaded', nodeCount, edgeCount, problems, oracle, byWorkers }
}

/** The parser fed `chunkSize` bytes at a time, then finish() and the analyses. */
function loadWithParser(
  bytes: Uint8Array,
  chunkSize: number,
  probe: MemoryProbe,
  inspect: Inspect,
): LoadResult {
  let phase: Phase = 'write'
  try {
    const parser = new SnapshotParser()
    let nextProbe = PROBE_EVERY_BYTES
    for (let start = 0; start < bytes.length; start += chunkSize) {
      parser.write(bytes.subarray(start, start + chunkSize))
      if (start >= nextProbe) {
        probe.check()
        nextProbe = start + PROBE_EVERY_BYTES
      }
    }
    phase = 'finish'
    const parsed = parser.finish()
    probe.check()
    const faithfulness = inspect(parsed)
    phase = 'init'
    initializeSnapshot(parsed)
    return loaded(parsed, faithfulness)
  } catch (error) {
    return { kind: 'threw', error, phase }
  }
}

const scratchDir = scratchDirOf(process.pid)

/** The file loader (gzip detected by magic bytes), then the analyses: loadSnapshotFile's path. */
async function loadWithFile(
  bytes: Uint8Array,
  chunkSize: number,
  inspect: Inspect,
  parallel: boolean,
): Promise<LoadResult> {
  mkdirSync(scratchDir, { recursive: true })
  const file = join(scratchDir, 'case.heapsnapshot')
  writeFileSync(file, bytes)
  let phase: Phase = 'parse-file'
  try {
    // In parallel: two workers, ranges of about a sixth of the input, reads of chunkSize bytes;
    // where the workers give up, the one-stream parse, as parseSnapshotFile does.
    const threaded = parallel
      ? await parseSnapshotFileParallel(file, bytes.length, {
          chunkSize,
          workers: 2,
          rangeBytes: Math.max(64, Math.floor(bytes.length / 6)),
          workerReadBytes: chunkSize,
        })
      : null
    const parsed =
      threaded?.parsed ?? (await parseSnapshotFile(file, { chunkSize, parallel: false }))
    const faithfulness = inspect(parsed)
    phase = 'init'
    initializeSnapshot(parsed)
    return loaded(parsed, faithfulness, threaded !== null)
  } catch (error) {
    return { kind: 'threw', error, phase }
  }
}

/** What gunzip alone makes of `gz`: the text it yields and whether it ends cleanly. */
async function gunzipAlone(gz: Uint8Array): Promise<{ text: Uint8Array; intact: boolean }> {
  const gunzip = createGunzip()
  const parts: Buffer[] = []
  const done = new Promise<boolean>((resolve) => {
    gunzip.on('data', (part: Buffer) => parts.push(part))
    gunzip.on('end', () => resolve(true))
    gunzip.on('error', () => resolve(false))
  })
  gunzip.end(gz)
  const intact = await done
  return { text: new Uint8Array(Buffer.concat(parts)), intact }
}

/** The deliberately broken stand-ins: each breaks one rule on some inputs only. */
function applyStandIn(target: TargetName, result: LoadResult, probe: MemoryProbe): LoadResult {
  const error = result.kind === 'threw' ? result.error : null
  const code = error instanceof HeapSnapshotError ? error.code : null
  if (target === 'type-error' && result.kind === 'threw' && code === 'range') {
    const typeError = new TypeError("Cannot read properties of undefined (reading 'length')")
    return { ...result, error: typeError }
  }
  if (target === 'no-offset' && result.kind === 'threw' && code === 'syntax') {
    const message = (error as Error).message.replace(/ \(at byte \d+\)$/, '')
    return { ...result, error: new HeapSnapshotError('syntax', message, null) }
  }
  if (target === 'hang' && code === 'truncated') {
    for (;;) {
      // Spins until the runner kills this process.
    }
  }
  if (target === 'memory' && code === 'count') {
    // Touch every page, so that RSS (not just the address space) grows past the bound.
    const hog = Buffer.alloc(probe.boundBytes + 128 * MB).fill(1)
    probe.check()
    hog.fill(0)
  }
  return result
}

/** The faithfulness check; the 'unfaithful' stand-in first moves an edge, as a bug might. */
function inspector(target: TargetName, text: Uint8Array, timing: { ms: number }): Inspect {
  return (parsed) => {
    const started = performance.now()
    if (target === 'unfaithful' && parsed.nodeCount > 1 && parsed.edgeCount > 0) {
      parsed.edgeTarget[0] = (parsed.edgeTarget[0] + 1) % parsed.nodeCount
    }
    const faithfulness = checkFaithful(parsed, text)
    timing.ms += performance.now() - started
    return faithfulness
  }
}

function toOutcome(result: LoadResult): Outcome {
  if (result.kind === 'loaded') return result
  const { error, phase } = result
  if (error instanceof MemoryBoundExceeded) return { kind: 'memory', message: error.message }
  if (error instanceof HeapSnapshotError) {
    const { code, offset, message } = error
    return { kind: 'rejected', code, offset, message, phase }
  }
  const { name, message, stack } =
    error instanceof Error ? error : { name: typeof error, message: String(error), stack: '' }
  return { kind: 'foreign', name, message, stack: stack ?? '', phase }
}

function heldBytes(): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

async function runCase(request: CaseRequest): Promise<CaseResult> {
  if (heldBytes() > COLLECT_ABOVE_BYTES) globalThis.gc?.()
  const heldBefore = heldBytes()
  const probe = new MemoryProbe(process.memoryUsage.rss(), request.memoryBoundMb * MB)
  const gunzipped = request.compressed ? await gunzipAlone(request.input) : null
  const text = gunzipped?.text ?? request.input
  const checking = { ms: 0 }
  const inspect = inspector(request.target, text, checking)
  const started = performance.now()
  let result: LoadResult
  try {
    result =
      request.via !== 'parser'
        ? await loadWithFile(request.input, request.chunkSize, inspect, request.via === 'parallel')
        : loadWithParser(request.input, request.chunkSize, probe, inspect)
    result = applyStandIn(request.target, result, probe)
  } catch (error) {
    // Only the 'memory' stand-in's own check throws out of the loaders.
    result = { kind: 'threw', error, phase: 'init' }
  }
  const ms = performance.now() - started - checking.ms
  const outcome = toOutcome(result)
  const peakRss = Math.max(probe.peak, process.memoryUsage.rss())
  return {
    id: request.id,
    outcome,
    ms,
    textLength: gunzipped && !gunzipped.intact ? null : text.length,
    gzipIntact: gunzipped ? gunzipped.intact : null,
    peakRssMb: peakRss / MB,
    rssGrowthMb: (peakRss - probe.base) / MB,
    heapGrowthMb: (heldBytes() - heldBefore) / MB,
  }
}

function main(): void {
  const send = process.send?.bind(process)
  if (!send) throw new Error('the fuzz case process must be forked with an IPC channel')
  process.on('disconnect', () => {
    rmSync(scratchDir, { recursive: true, force: true })
    process.exit(0)
  })
  process.on('message', (request: CaseRequest) => {
    runCase(request).then(send, (error: unknown) => {
      // A fault of this harness, not of the loader; reported rather than left to time out.
      const stack = error instanceof Error ? (error.stack ?? '') : ''
      const outcome: Outcome = {
        kind: 'foreign',
        name: 'FuzzHarnessError',
        message: String(error),
        stack,
        phase: 'init',
      }
      send({
        id: request.id,
        outcome,
        ms: 0,
        textLength: null,
        gzipIntact: null,
        peakRssMb: 0,
        rssGrowthMb: 0,
        heapGrowthMb: 0,
      } satisfies CaseResult)
    })
  })
  send({ ready: true })
}

main()
