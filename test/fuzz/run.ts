// The parser fuzzer's runner: plans N seeded cases (a sweep of cuts at every section boundary,
// then random mutators over the corpus), runs them in forked case processes with a deadline
// each (a hang kills the process), judges every outcome (check.ts) and prints a summary.
// CLI: node --import tsx test/fuzz/run.ts [--cases N] [--seed S] [--timeout-ms T] [--workers W]
//      [--memory-mb M] [--only I] [--stop-after K] [--target NAME]; exits 1 on any failure.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  TARGET_NAMES,
  judge,
  scratchDirOf,
  outcomeLabel,
  type CaseFacts,
  type CaseRequest,
  type CaseResult,
  type FailureKind,
  type TargetName,
  type Via,
} from './check'
import { loadCorpus, type Corpus } from './corpus'
import type { OracleUse } from './faithful'
import {
  MUTATOR_NAMES,
  Rng,
  caseSeed,
  cutSeed,
  mutate,
  type Mutation,
  type MutatorName,
} from './mutators'
import { REPO_ROOT } from '../helpers/fixtures'

export interface FuzzOptions {
  /** Cases to run, the boundary sweep included. */
  cases: number
  /** Base seed: case i runs with caseSeed(seed, i). */
  seed: number
  /** Per-case time bound; a case over it is a hang. */
  timeoutMs: number
  /** Case processes run in parallel. */
  workers: number
  /** Per-case memory growth bound (RSS, or JS heap plus ArrayBuffers), MB. */
  memoryBoundMb: number
  /** Run only this case index (of the plan for `cases` and `seed`), to reproduce a failure. */
  only: number | null
  /** Stop after this many failures (0: never). */
  stopAfter: number
  /** The loader under test: the real one, or a broken stand-in (see check.ts). */
  target: TargetName
  /** Share of the cases given to the boundary sweep at most. */
  sweepShare: number
  /** Where failing inputs are written (null: not written). */
  resultsDir: string | null
  /** Progress lines (the summary is returned, not logged). */
  log: (line: string) => void
}

export const DEFAULT_SEED = 0x5eed2025

const DEFAULT_OPTIONS: FuzzOptions = {
  cases: 10_000,
  seed: DEFAULT_SEED,
  timeoutMs: 10_000,
  workers: Math.max(1, Math.min(2, availableParallelism())),
  memoryBoundMb: 1024,
  only: null,
  stopAfter: 0,
  target: 'real',
  sweepShare: 0.25,
  resultsDir: join(REPO_ROOT, 'test-results/fuzz'),
  log: () => {},
}

/** How often each mutator is picked for a random case. */
const MUTATOR_WEIGHTS: readonly (readonly [MutatorName, number])[] = [
  ['truncate-boundary', 4],
  ['truncate-random', 8],
  ['byte-flips', 14],
  ['digit-runs', 10],
  ['header-counts', 9],
  ['out-of-range', 12],
  ['rewire', 8],
  ['meta-fields', 10],
  ['bad-strings', 11],
  ['sections', 7],
  ['gzip', 9],
  ['combo', 12],
]

/** One planned case: what to feed, and how. */
export interface FuzzCase {
  index: number
  caseSeed: number
  mutator: MutatorName
  seedName: string
  seedLength: number
  mutation: Mutation
  chunkSize: number
  via: Via
}

export interface FuzzFailure {
  case: Omit<FuzzCase, 'mutation'> & { notes: string[]; inputLength: number }
  kind: FailureKind
  detail: string
  /** The failing input, when written. */
  file: string | null
  reproduce: string
}

interface Tally {
  cases: number
  outcomes: Map<string, number>
}

/** How rejections named their position (see the offset rule in check.ts). */
export interface OffsetTally {
  /** Rejections with a byte offset. */
  named: number
  /** Whole-file checks of finish() (no single byte to blame). */
  wholeFile: number
  /** gzip failures, named in compressed bytes. */
  compressed: number
}

export interface FuzzReport {
  options: Omit<FuzzOptions, 'log'>
  corpus: { name: string; bytes: number }[]
  corpusNotes: string[]
  cases: number
  elapsedMs: number
  sweep: { planned: number; possible: number }
  byMutator: Map<string, Tally>
  byOutcome: Map<string, number>
  offsets: OffsetTally
  /** Loaded cases by how they were checked (JSON.parse, or invariants alone). */
  oracle: Record<OracleUse, number>
  /** Cases through the parallel loader: loaded by its workers, and all of them. */
  parallel: { byWorkers: number; cases: number }
  /** A few loaded inputs that are not JSON: what the parser tolerates. */
  tolerated: string[]
  slowest: { description: string; ms: number } | null
  peakRssMb: number
  largestGrowth: { description: string; mb: number } | null
  failures: FuzzFailure[]
}

// ---------------------------------------------------------------------------------------------
// Planning

interface SweepCut {
  entry: number
  cut: number
}

/** Every (seed, cut) of the boundary sweep: each boundary, one byte before and after. */
function sweepCuts(corpus: Corpus): SweepCut[] {
  const cuts: SweepCut[] = []
  corpus.entries.forEach(({ seed }, entry) => {
    const positions = new Set<number>()
    for (const boundary of seed.boundaries) {
      for (const delta of [-1, 0, 1]) {
        const cut = boundary + delta
        if (cut >= 0 && cut <= seed.bytes.length) positions.add(cut)
      }
    }
    for (const cut of [...positions].sort((a, b) => a - b)) cuts.push({ entry, cut })
  })
  return cuts
}

/** The sweep cuts to run: all of them, or an even spread when the budget is smaller. */
function sweepPlan(all: SweepCut[], budget: number): SweepCut[] {
  if (all.length <= budget) return all
  return Array.from({ length: budget }, (_, k) => all[Math.floor((k * all.length) / budget)])
}

function pickChunkSize(rng: Rng, length: number, via: Via): number {
  const small: [number, number][] = [
    [1, 1],
    [2, 1],
    [3, 1],
    [7, 2],
    [61, 2],
    [1000, 2],
    [4096, 2],
    [65536, 3],
    [1 << 20, 3],
  ]
  const large: [number, number][] = [
    [4096, 1],
    [65536, 2],
    [1 << 20, 2],
  ]
  const size = rng.weighted(length > 256 * 1024 ? large : small)
  // zlib's smallest chunk is 64 bytes; the file loader uses the size for gunzip too.
  return via === 'parser' ? size : Math.max(64, size)
}

class Planner {
  private readonly sweep: SweepCut[]
  readonly sweepPossible: number

  constructor(
    private readonly corpus: Corpus,
    private readonly options: FuzzOptions,
  ) {
    const all = sweepCuts(corpus)
    this.sweepPossible = all.length
    this.sweep = sweepPlan(all, Math.floor(options.cases * options.sweepShare))
  }

  get sweepPlanned(): number {
    return this.sweep.length
  }

  /** Case `index`: a sweep cut for the first indexes, then a random mutation. */
  plan(index: number): FuzzCase {
    const seedOfCase = caseSeed(this.options.seed, index)
    const rng = new Rng(seedOfCase)
    const weights = this.corpus.entries.map((entry, at) => [at, entry.weight] as const)
    const sweep = this.sweep[index]
    const entry = this.corpus.entries[sweep ? sweep.entry : rng.weighted(weights)]
    const mutator = sweep ? 'truncate-boundary' : rng.weighted(MUTATOR_WEIGHTS)
    const mutation = sweep ? cutSeed(entry.seed, sweep.cut) : mutate(mutator, rng, entry.seed)
    // Half the uncompressed file cases parse on worker threads (every other index: no draw
    // from the generator, so the cases it makes stay as they were).
    const viaFile = mutation.compressed || rng.chance(0.15)
    const via: Via = !viaFile
      ? 'parser'
      : !mutation.compressed && index % 2 === 0
        ? 'parallel'
        : 'file'
    return {
      index,
      caseSeed: seedOfCase,
      mutator,
      seedName: entry.seed.name,
      seedLength: entry.seed.bytes.length,
      mutation,
      chunkSize: pickChunkSize(rng, mutation.input.length, via),
      via,
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Case processes

type Finished = { kind: 'result'; result: CaseResult } | { kind: 'hang' | 'crash'; reason: string }

const ENTRY = fileURLToPath(new URL('./case-process-entry.mjs', import.meta.url))

/** One forked case process, restarted after a hang or a crash. */
class CaseProcess {
  private child: ChildProcess | null = null
  private ready: Promise<void> | null = null
  peakRssMb = 0

  private start(): Promise<void> {
    const child = fork(ENTRY, [], {
      // Not the parent's flags (tsx's, a test runner's): the entry registers what it needs.
      execArgv: ['--expose-gc', '--max-old-space-size=4096'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.child = child
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void =>
        reject(new Error(`the fuzz case process exited with ${code} before it was ready`))
      child.once('exit', onExit)
      child.once('message', () => {
        child.off('exit', onExit)
        resolve()
      })
    })
  }

  async run(request: CaseRequest, timeoutMs: number): Promise<Finished> {
    if (!this.ready) this.ready = this.start()
    await this.ready
    const child = this.child as ChildProcess
    return new Promise<Finished>((resolve) => {
      const finish = (finished: Finished): void => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
        resolve(finished)
      }
      const onMessage = (message: unknown): void => {
        const result = message as CaseResult
        this.peakRssMb = Math.max(this.peakRssMb, result.peakRssMb)
        finish({ kind: 'result', result })
      }
      const onExit = (code: number | null, signal: string | null): void => {
        this.forget(true)
        finish({ kind: 'crash', reason: `the case process died (code ${code}, signal ${signal})` })
      }
      const timer = setTimeout(() => {
        child.off('exit', onExit)
        child.kill('SIGKILL')
        this.forget(true)
        finish({ kind: 'hang', reason: `no result within ${timeoutMs} ms` })
      }, timeoutMs)
      child.on('message', onMessage)
      child.once('exit', onExit)
      child.send(request)
    })
  }

  /** Drops a dead (or killed) process and its scratch files; the next case starts a new one. */
  private forget(dead: boolean): void {
    const pid = this.child?.pid
    if (dead && pid !== undefined) rmSync(scratchDirOf(pid), { recursive: true, force: true })
    this.child = null
    this.ready = null
  }

  stop(): void {
    // A live process removes its own scratch files when the channel closes.
    if (this.child?.connected) this.child.disconnect()
    this.forget(false)
  }
}

// ---------------------------------------------------------------------------------------------
// Recording

function describe(fuzzCase: FuzzCase): string {
  const { index, mutator, seedName, via, chunkSize } = fuzzCase
  return `case ${index} (${mutator} on ${seedName}, via ${via}, chunks of ${chunkSize})`
}

function reproduceCommand(options: FuzzOptions, index: number): string {
  const target = options.target === 'real' ? '' : ` --target ${options.target}`
  return (
    `node --import tsx test/fuzz/run.ts --seed ${options.seed} --cases ${options.cases}` +
    ` --only ${index}${target}`
  )
}

function writeFailingInput(
  options: FuzzOptions,
  fuzzCase: FuzzCase,
  record: object,
): string | null {
  if (!options.resultsDir) return null
  mkdirSync(options.resultsDir, { recursive: true })
  const extension = fuzzCase.mutation.compressed ? 'heapsnapshot.gz' : 'heapsnapshot'
  const base = join(
    options.resultsDir,
    `seed-${options.seed}-case-${fuzzCase.index}-${fuzzCase.mutator}`,
  )
  writeFileSync(`${base}.${extension}`, fuzzCase.mutation.input)
  writeFileSync(`${base}.json`, JSON.stringify(record, null, 2))
  return `${base}.${extension}`
}

class Recorder {
  readonly byMutator = new Map<string, Tally>()
  readonly byOutcome = new Map<string, number>()
  readonly failures: FuzzFailure[] = []
  readonly offsets: OffsetTally = { named: 0, wholeFile: 0, compressed: 0 }
  readonly oracle: Record<OracleUse, number> = { json: 0, 'not-json': 0, 'too-large': 0 }
  readonly parallel = { byWorkers: 0, cases: 0 }
  readonly tolerated: string[] = []
  slowest: FuzzReport['slowest'] = null
  largestGrowth: FuzzReport['largestGrowth'] = null
  cases = 0

  constructor(private readonly options: FuzzOptions) {}

  record(fuzzCase: FuzzCase, finished: Finished): void {
    this.cases++
    const label = finished.kind === 'result' ? outcomeLabel(finished.result.outcome) : finished.kind
    this.count(fuzzCase.mutator, label)
    if (finished.kind !== 'result') {
      this.fail(fuzzCase, finished.kind, finished.reason, null)
      return
    }
    const { result } = finished
    if (fuzzCase.via === 'parallel') this.parallel.cases++
    if (result.outcome.kind === 'loaded' && result.outcome.byWorkers) this.parallel.byWorkers++
    this.measure(fuzzCase, result)
    this.countOffset(fuzzCase, result)
    this.countOracle(fuzzCase, result)
    const facts: CaseFacts = {
      cutAt: fuzzCase.mutation.cutAt,
      seedLength: fuzzCase.seedLength,
      compressed: fuzzCase.mutation.compressed,
    }
    const verdict = judge(facts, result, this.options.memoryBoundMb)
    if (verdict.failure) this.fail(fuzzCase, verdict.failure, verdict.detail, result)
  }

  private count(mutator: string, label: string): void {
    const tally = this.byMutator.get(mutator) ?? { cases: 0, outcomes: new Map() }
    tally.cases++
    tally.outcomes.set(label, (tally.outcomes.get(label) ?? 0) + 1)
    this.byMutator.set(mutator, tally)
    this.byOutcome.set(label, (this.byOutcome.get(label) ?? 0) + 1)
  }

  private countOracle(fuzzCase: FuzzCase, result: CaseResult): void {
    const { outcome } = result
    if (outcome.kind !== 'loaded') return
    this.oracle[outcome.oracle]++
    if (outcome.oracle === 'not-json' && this.tolerated.length < 5) {
      this.tolerated.push(
        `${describe(fuzzCase)}: ${fuzzCase.mutation.notes.join('; ').slice(0, 160)}`,
      )
    }
  }

  private countOffset(fuzzCase: FuzzCase, result: CaseResult): void {
    const { outcome } = result
    if (outcome.kind !== 'rejected') return
    if (outcome.offset !== null) this.offsets.named++
    else if (fuzzCase.mutation.compressed && outcome.code === 'truncated') this.offsets.compressed++
    else this.offsets.wholeFile++
  }

  private measure(fuzzCase: FuzzCase, result: CaseResult): void {
    if (!this.slowest || result.ms > this.slowest.ms) {
      this.slowest = { description: describe(fuzzCase), ms: result.ms }
    }
    const growth = Math.max(result.rssGrowthMb, result.heapGrowthMb)
    if (!this.largestGrowth || growth > this.largestGrowth.mb) {
      this.largestGrowth = { description: describe(fuzzCase), mb: growth }
    }
  }

  private fail(
    fuzzCase: FuzzCase,
    kind: FailureKind,
    detail: string,
    result: CaseResult | null,
  ): void {
    const { mutation, ...rest } = fuzzCase
    const caseInfo = { ...rest, notes: mutation.notes, inputLength: mutation.input.length }
    const reproduce = reproduceCommand(this.options, fuzzCase.index)
    const record = { kind, detail, reproduce, case: caseInfo, result }
    const file = writeFailingInput(this.options, fuzzCase, record)
    this.failures.push({ case: caseInfo, kind, detail, file, reproduce })
    this.options.log(`FAIL ${describe(fuzzCase)}: ${kind}: ${detail}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Running

/** Runs the fuzzer; resolves with the report (failures included), never throws for a failure. */
export async function runFuzz(overrides: Partial<FuzzOptions> = {}): Promise<FuzzReport> {
  const options: FuzzOptions = { ...DEFAULT_OPTIONS, ...overrides }
  const corpus = await loadCorpus()
  const planner = new Planner(corpus, options)
  const recorder = new Recorder(options)
  const indexes = options.only === null ? null : [options.only]
  const total = indexes ? indexes.length : options.cases
  const processes = Array.from({ length: Math.max(1, options.workers) }, () => new CaseProcess())
  const started = performance.now()
  let next = 0
  let nextReport = 1000
  const loop = async (caseProcess: CaseProcess): Promise<void> => {
    while (next < total) {
      if (options.stopAfter > 0 && recorder.failures.length >= options.stopAfter) return
      const index = indexes ? indexes[next] : next
      next++
      const fuzzCase = planner.plan(index)
      const request: CaseRequest = {
        id: index,
        input: fuzzCase.mutation.input,
        compressed: fuzzCase.mutation.compressed,
        chunkSize: fuzzCase.chunkSize,
        via: fuzzCase.via,
        target: options.target,
        memoryBoundMb: options.memoryBoundMb,
      }
      recorder.record(fuzzCase, await caseProcess.run(request, options.timeoutMs))
      if (recorder.cases >= nextReport) {
        nextReport += 1000
        const seconds = ((performance.now() - started) / 1000).toFixed(1)
        options.log(
          `${recorder.cases}/${total} cases, ${recorder.failures.length} failures, ${seconds} s`,
        )
      }
    }
  }
  try {
    await Promise.all(processes.map(loop))
  } finally {
    for (const caseProcess of processes) caseProcess.stop()
  }
  const { log: _log, ...reportOptions } = options
  return {
    options: reportOptions,
    corpus: corpus.entries.map(({ seed }) => ({ name: seed.name, bytes: seed.bytes.length })),
    corpusNotes: corpus.notes,
    cases: recorder.cases,
    elapsedMs: performance.now() - started,
    sweep: { planned: Math.min(planner.sweepPlanned, total), possible: planner.sweepPossible },
    byMutator: recorder.byMutator,
    parallel: recorder.parallel,
    byOutcome: recorder.byOutcome,
    offsets: recorder.offsets,
    oracle: recorder.oracle,
    tolerated: recorder.tolerated,
    slowest: recorder.slowest,
    peakRssMb: Math.max(0, ...processes.map((caseProcess) => caseProcess.peakRssMb)),
    largestGrowth: recorder.largestGrowth,
    failures: recorder.failures,
  }
}

// ---------------------------------------------------------------------------------------------
// Summary and CLI

function formatTally(outcomes: Map<string, number>): string {
  return [...outcomes]
    .sort((a, b) => b[1] - a[1])
    .map(([label, count]) => `${label} ${count}`)
    .join(', ')
}

function formatSize(bytes: number): string {
  return bytes >= 1 << 20
    ? `${(bytes / (1 << 20)).toFixed(1)} MB`
    : `${(bytes / 1024).toFixed(1)} KB`
}

/** The run's summary as printed lines. */
export function formatReport(report: FuzzReport): string {
  const { options } = report
  const seconds = report.elapsedMs / 1000
  const lines = [
    `fuzz: ${report.cases} cases, seed ${options.seed}, ${options.workers} case processes, ` +
      `timeout ${options.timeoutMs} ms, memory bound ${options.memoryBoundMb} MB, target ${options.target}`,
    `corpus: ${report.corpus.map(({ name, bytes }) => `${name} (${formatSize(bytes)})`).join(', ')}`,
    ...report.corpusNotes.map((note) => `corpus note: ${note}`),
    `boundary sweep: ${report.sweep.planned} of ${report.sweep.possible} section-boundary cuts`,
    'per mutator:',
    ...MUTATOR_NAMES.filter((name) => report.byMutator.has(name)).map((name) => {
      const tally = report.byMutator.get(name) as Tally
      return `  ${name.padEnd(18)} ${String(tally.cases).padStart(6)}  ${formatTally(tally.outcomes)}`
    }),
    `outcomes: ${formatTally(report.byOutcome)}`,
    `offsets: ${report.offsets.named} rejections named a byte offset; ` +
      `${report.offsets.wholeFile} were whole-file checks without one; ` +
      `${report.offsets.compressed} gzip failures named compressed bytes`,
    `loads: ${report.oracle.json} checked against JSON.parse, ${report.oracle['not-json']} not ` +
      `JSON (invariants only), ${report.oracle['too-large']} over 8 MB (invariants only)`,
    ...report.tolerated.map((line) => `  tolerated: ${line}`),
    `parallel: ${report.parallel.cases} cases through worker threads, ` +
      `${report.parallel.byWorkers} parsed by them (the rest by the one-stream parser)`,
    report.slowest
      ? `slowest: ${report.slowest.description}: ${report.slowest.ms.toFixed(0)} ms`
      : 'slowest: -',
    `memory: peak case-process RSS ${report.peakRssMb.toFixed(0)} MB; largest growth in one case ` +
      (report.largestGrowth
        ? `${report.largestGrowth.mb.toFixed(0)} MB, ${report.largestGrowth.description}`
        : '-'),
    `time: ${seconds.toFixed(1)} s (${(report.cases / Math.max(seconds, 0.001)).toFixed(0)} cases/s)`,
    `failures: ${report.failures.length}`,
  ]
  for (const failure of report.failures.slice(0, 50)) {
    lines.push(
      `  case ${failure.case.index} [${failure.kind}] ${failure.case.mutator} on ` +
        `${failure.case.seedName} (case seed ${failure.case.caseSeed}): ${failure.detail}`,
      `    damage: ${failure.case.notes.join('; ').slice(0, 300)}`,
      `    input: ${failure.file ?? '(not written)'}`,
      `    reproduce: ${failure.reproduce}`,
    )
  }
  return lines.join('\n')
}

function parseArgs(argv: readonly string[]): Partial<FuzzOptions> {
  const options: Partial<FuzzOptions> = {}
  const integer = (flag: string, value: string | undefined): number => {
    const parsed = Number(value)
    if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`${flag} takes an integer`)
    return parsed
  }
  for (let at = 0; at < argv.length; at += 2) {
    const [flag, value] = [argv[at], argv[at + 1]]
    if (flag === '--cases') options.cases = integer(flag, value)
    else if (flag === '--seed') options.seed = integer(flag, value)
    else if (flag === '--timeout-ms') options.timeoutMs = integer(flag, value)
    else if (flag === '--workers') options.workers = integer(flag, value)
    else if (flag === '--memory-mb') options.memoryBoundMb = integer(flag, value)
    else if (flag === '--only') options.only = integer(flag, value)
    else if (flag === '--stop-after') options.stopAfter = integer(flag, value)
    else if (flag === '--target' && TARGET_NAMES.includes(value as TargetName)) {
      options.target = value as TargetName
    } else throw new Error(`unknown option ${flag} ${value ?? ''}`)
  }
  return options
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const log = (line: string): void => console.log(line)
  log(`fuzz: seed ${options.seed ?? DEFAULT_SEED}; loading the corpus`)
  const report = await runFuzz({ ...options, log })
  log(formatReport(report))
  process.exitCode = report.failures.length > 0 ? 1 : 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
