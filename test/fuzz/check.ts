// What a fuzz case may end in, and the judge: a case passes when it loads a graph faithful to its
// text, or fails with a HeapSnapshotError of a load-time code that names a byte offset wherever
// the parser knows one (the offset rule below). Anything else is a failure of the parser.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HeapSnapshotErrorCode } from '../../shared/heap/errors'
import type { OracleUse } from './faithful'

/** Where an error came from: feeding bytes, finish(), the analyses, or the file loader. */
export type Phase = 'write' | 'finish' | 'init' | 'parse-file'

/**
 * The loader a case goes through: the parser fed chunk by chunk, the file loader, or the file
 * loader parsing `nodes` and `edges` on worker threads in small ranges (read in chunkSize bytes).
 */
export type Via = 'parser' | 'file' | 'parallel'

/** The real loader, or a deliberately broken stand-in that shows the fuzzer catches its bug. */
export const TARGET_NAMES = [
  'real',
  'type-error',
  'no-offset',
  'hang',
  'memory',
  'unfaithful',
] as const
export type TargetName = (typeof TARGET_NAMES)[number]

/** Where case process `pid` writes the file-loader cases' input (removed when it ends). */
export function scratchDirOf(pid: number): string {
  return join(tmpdir(), `heapgraph-fuzz-${pid}`)
}

/** The runner asks a case process to load one input. */
export interface CaseRequest {
  id: number
  input: Uint8Array
  compressed: boolean
  chunkSize: number
  via: Via
  target: TargetName
  memoryBoundMb: number
}

export type Outcome =
  | {
      kind: 'loaded'
      nodeCount: number
      edgeCount: number
      problems: string[]
      /** Whether the text was also checked against JSON.parse (see faithful.ts). */
      oracle: OracleUse
      /** Whether worker threads parsed nodes and edges (via 'parallel' only). */
      byWorkers: boolean
    }
  | {
      kind: 'rejected'
      code: string
      offset: number | null
      message: string
      phase: Phase
    }
  /** An exception other than HeapSnapshotError: always a bug. */
  | { kind: 'foreign'; name: string; message: string; stack: string; phase: Phase }
  /** The case outgrew the memory bound while loading (checked between chunks). */
  | { kind: 'memory'; message: string }

export interface CaseResult {
  id: number
  outcome: Outcome
  /** Wall time of the load (parse and analyses), ms. */
  ms: number
  /** Length of the text the parser saw (after gunzip), or null when gunzip fails on its own. */
  textLength: number | null
  /** For gzip input: whether the stream decompresses without error on its own. */
  gzipIntact: boolean | null
  /** The case process's peak RSS during the case, MB. */
  peakRssMb: number
  /** Peak RSS minus RSS before the case, MB. */
  rssGrowthMb: number
  /** JS heap plus ArrayBuffers after the case minus before, MB. */
  heapGrowthMb: number
}

/** What the judge knows about a case beyond its result. */
export interface CaseFacts {
  /** Set when the only damage is a cut of the valid seed at this byte. */
  cutAt: number | null
  seedLength: number
  compressed: boolean
}

export type FailureKind =
  | 'foreign-error'
  | 'unexpected-code'
  | 'missing-offset'
  | 'bad-offset'
  | 'init-error'
  | 'unfaithful'
  | 'wrong-truncation'
  | 'corrupt-gzip-loaded'
  | 'memory'
  | 'hang'
  | 'crash'

export interface Verdict {
  failure: FailureKind | null
  detail: string
}

/** Codes a load may fail with ('cancelled' and 'io' cannot happen to an existing file). */
const LOAD_CODES: readonly HeapSnapshotErrorCode[] = [
  'syntax',
  'truncated',
  'format',
  'count',
  'range',
  'too-large',
]

/**
 * The offset rule.
 * 1. A non-null offset is an integer in [0, length of the text the parser saw], and the message
 *    ends with "(at byte <offset>)".
 * 2. 'syntax', 'truncated' and 'too-large' are about a byte position: they always carry one.
 *    The one exception is the file loader's gzip failure ('truncated'), whose position is in
 *    compressed bytes: its message must name that count instead.
 * 3. 'format', 'count' and 'range' carry an offset whenever they are raised while bytes are
 *    being fed (the parser knows where it is). Only the whole-file checks of finish(), made
 *    after the last byte, may have none; WHOLE_FILE_CHECKS lists them.
 */
export const WHOLE_FILE_CHECKS: readonly RegExp[] = [
  /has no "snapshot" header/,
  /has no "(nodes|edges|strings)" section/,
  /the snapshot has no nodes/,
  /root_index points past/,
  /edge_count fields (exceed|add up to less than)/,
  /has name index \d+, but there are only \d+ strings/,
  /points to node \d+, but there are only \d+ nodes/,
  /location \d+ points to \d+, which is not a node/,
]
const POSITION_CODES: readonly string[] = ['syntax', 'truncated', 'too-large']
const GZIP_FAILURE = /gzip stream is corrupt or cut short after \d+ compressed bytes/

type Rejected = Extract<Outcome, { kind: 'rejected' }>

/** Why `error` breaks the offset rule, or null. */
export function offsetProblem(
  error: Rejected,
  facts: CaseFacts,
  textLength: number | null,
): string | null {
  const { offset, code, message } = error
  if (offset === null) {
    if (facts.compressed && code === 'truncated' && GZIP_FAILURE.test(message)) return null
    if (POSITION_CODES.includes(code)) return `a '${code}' error without an offset`
    if (error.phase === 'write') return `a '${code}' error raised mid-stream without an offset`
    if (!WHOLE_FILE_CHECKS.some((pattern) => pattern.test(message))) {
      return `a '${code}' error without an offset that is not a whole-file check`
    }
    return null
  }
  if (!Number.isSafeInteger(offset) || offset < 0) return `offset ${offset} is not a byte position`
  if (textLength !== null && offset > textLength) {
    return `offset ${offset} is past the end of the ${textLength}-byte text`
  }
  if (!message.endsWith(`(at byte ${offset})`)) return 'the message does not name the offset'
  return null
}

function judgeRejected(error: Rejected, facts: CaseFacts, textLength: number | null): Verdict {
  const summary = `${error.code} at ${error.offset}: ${error.message}`
  if (error.phase === 'init') {
    return { failure: 'init-error', detail: `the analyses rejected a parsed snapshot: ${summary}` }
  }
  if (!LOAD_CODES.includes(error.code as HeapSnapshotErrorCode)) {
    return { failure: 'unexpected-code', detail: summary }
  }
  const problem = offsetProblem(error, facts, textLength)
  if (problem) {
    const kind = problem.includes('without an offset') ? 'missing-offset' : 'bad-offset'
    return { failure: kind, detail: `${problem}: ${summary}` }
  }
  const isCut = facts.cutAt !== null && facts.cutAt < facts.seedLength
  if (isCut && (error.code !== 'truncated' || error.offset !== facts.cutAt)) {
    return {
      failure: 'wrong-truncation',
      detail: `cut at ${facts.cutAt} but rejected as ${summary}`,
    }
  }
  return { failure: null, detail: summary }
}

function judgeLoaded(
  loaded: Extract<Outcome, { kind: 'loaded' }>,
  facts: CaseFacts,
  gzipIntact: boolean | null,
): Verdict {
  const summary = `${loaded.nodeCount} nodes, ${loaded.edgeCount} edges`
  if (loaded.problems.length > 0) {
    return { failure: 'unfaithful', detail: `${summary}, but ${loaded.problems.join('; ')}` }
  }
  if (facts.cutAt !== null && facts.cutAt < facts.seedLength) {
    return { failure: 'wrong-truncation', detail: `cut at ${facts.cutAt} but loaded: ${summary}` }
  }
  if (facts.compressed && gzipIntact === false) {
    return { failure: 'corrupt-gzip-loaded', detail: `a corrupt gzip stream loaded: ${summary}` }
  }
  return { failure: null, detail: summary }
}

/** Judges one finished case against the rules in this file's header. */
export function judge(facts: CaseFacts, result: CaseResult, memoryBoundMb: number): Verdict {
  const { outcome } = result
  if (outcome.kind === 'memory') return { failure: 'memory', detail: outcome.message }
  const growth = Math.max(result.rssGrowthMb, result.heapGrowthMb)
  if (growth > memoryBoundMb) {
    return { failure: 'memory', detail: `grew memory by ${growth.toFixed(0)} MB in one case` }
  }
  if (outcome.kind === 'foreign') {
    const stack = outcome.stack.split('\n').slice(0, 4).join(' | ')
    return { failure: 'foreign-error', detail: `${outcome.name}: ${outcome.message} [${stack}]` }
  }
  if (outcome.kind === 'rejected') return judgeRejected(outcome, facts, result.textLength)
  return judgeLoaded(outcome, facts, result.gzipIntact)
}

/** A short name for an outcome, for the summary's tallies. */
export function outcomeLabel(outcome: Outcome): string {
  if (outcome.kind === 'rejected') return outcome.code
  return outcome.kind
}
