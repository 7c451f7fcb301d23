// `heapgraph leaks <base> <target> <final>`: leak suspects from three snapshots of one process.
// The snapshots load one at a time (each is condensed to its ids and class counts, then dropped),
// so memory holds one graph at a time. --fail-on SIZE turns the report into a CI gate: exit 1
// with one stderr line when the suspects retain more than SIZE.
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { ProgressSink } from '../../shared/heap/progress'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import {
  classCounts,
  findLeaks,
  snapshotIds,
  type ClassCount,
} from '../../shared/heap/queries/leaks'
import { loadSnapshotFile } from '../backend/load-snapshot'
import { parseByteSize, UsageError, wholeNumber } from './arguments'
import { snapshotInfo } from './commands'
import { clip, formatBytes, formatRoute, table } from './format'
import { readablePath } from '../../shared/heap/queries/explain/readable'
import { explainRoute } from '../../shared/heap/queries/explain/verdict'
import { runningCodeRoot } from '../../shared/protocol/v8-roots'
import type {
  GrowingClass,
  LeakCluster,
  LeakReport,
  ReadableStep,
  SnapshotFacts,
} from '../../shared/protocol/dto'

const USAGE_HINT =
  'heapgraph leaks <base> <target> <final> [--top N] [--json] [--fail-on SIZE] [--include-internals]'
const ALLOWED_OPTIONS = new Set(['json', 'top', 'fail-on', 'include-internals', 'help'])
const DEFAULT_TOP = 20
/** Object ids printed per cluster in text output (--json lists more). */
const PRINTED_IDS = 10

export interface LeaksIo {
  out: (text: string) => void
  err: (text: string) => void
  onProgress?: ProgressSink & { done?(): void }
}

interface LeaksArguments {
  files: [string, string, string]
  top: number
  failOn: number | null
  json: boolean
  /** Counts the clusters held only by V8's internals with the others. */
  includeInternals: boolean
}

/** Checks the arguments before any snapshot loads. */
export function parseLeaksArguments(
  positionals: readonly string[],
  values: Record<string, string | boolean | undefined>,
): LeaksArguments {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && !ALLOWED_OPTIONS.has(name)) {
      throw new UsageError(`--${name} does not apply to leaks`)
    }
  }
  if (positionals.length !== 3) {
    throw new UsageError(
      positionals.length < 3
        ? `leaks needs three snapshots: ${USAGE_HINT}`
        : `unexpected argument "${positionals[3]}" for leaks: ${USAGE_HINT}`,
    )
  }
  const top = wholeNumber(values.top, 'top', DEFAULT_TOP)
  const failOnText = values['fail-on']
  if (typeof failOnText === 'boolean') throw new UsageError('--fail-on takes a size')
  return {
    files: [positionals[0], positionals[1], positionals[2]],
    top,
    failOn: failOnText === undefined ? null : parseByteSize(failOnText, 'fail-on'),
    json: values.json === true,
    includeInternals: values['include-internals'] === true,
  }
}

/** Loads a snapshot; errors other than I/O name the file (I/O errors already do). */
async function load(file: string, onProgress?: ProgressSink): Promise<HeapSnapshot> {
  try {
    return await loadSnapshotFile(file, { onProgress })
  } catch (error) {
    if (error instanceof HeapSnapshotError && error.code !== 'io') {
      throw new HeapSnapshotError(error.code, `${file}: ${error.message}`)
    }
    throw error
  }
}

interface Condensed {
  ids: Float64Array
  counts: ClassCount[]
  info: SnapshotFacts
}

function condense(file: string, snapshot: HeapSnapshot): Condensed {
  return {
    ids: snapshotIds(snapshot),
    counts: classCounts(snapshot),
    info: snapshotInfo(file, snapshot),
  }
}

function printJson(
  io: LeaksIo,
  snapshot: HeapSnapshot,
  snapshots: SnapshotFacts[],
  report: LeakReport,
  top: number,
): void {
  const clusters: LeakCluster[] = report.clusters.slice(0, top).map((cluster) => ({
    ...cluster,
    verdict: explainCluster(snapshot, cluster)?.verdict ?? null,
  }))
  const [base, target, final] = snapshots
  io.out(
    JSON.stringify(
      {
        snapshots: { base, target, final },
        retainedSize: report.retainedSize,
        suspectCount: report.suspectCount,
        clusterCount: report.clusterCount,
        internalOnly: report.internalOnly,
        maxObjectIds: report.maxObjectIds,
        clusters,
        growing: report.growing.slice(0, top),
      },
      null,
      2,
    ),
  )
}

/**
 * One cluster as `leaks` prints it, with its path read as code and the verdict (`explained`;
 * null when no path was found) (also the MCP server's text answer). `moreIdsHint` says where the
 * ids not printed are.
 */
export function clusterText(
  cluster: LeakCluster,
  rank: number,
  explained: { readable: ReadableStep[]; verdict: string } | null,
  moreIdsHint: string,
): string {
  const folded = cluster.suspectCount - cluster.count
  const lines = [
    `${rank}. ${cluster.className} ×${cluster.count.toLocaleString('en-US')}, ${formatBytes(cluster.retainedSize)} retained` +
      (folded > 0 ? `, holding ${folded.toLocaleString('en-US')} more new objects` : '') +
      (cluster.heldByInternals ? " (held only by V8's internals)" : ''),
  ]
  lines.push(
    explained
      ? `   ${explained.verdict}\n${formatRoute(explained.readable, { indent: '   ' })}`
      : '   (no retainer path found within the search budget)',
  )
  const shown = cluster.objectIds.slice(0, PRINTED_IDS).map((id) => `@${id}`)
  const more = cluster.count - shown.length
  const rest = more > 0 ? ` … and ${more.toLocaleString('en-US')} more (${moreIdsHint})` : ''
  lines.push(`   objects: ${shown.join(' ')}${rest}`)
  return lines.join('\n')
}

/** Growing classes as `leaks` prints them (also the MCP server's text answer). */
export function growingText(growing: readonly GrowingClass[]): string {
  const arrow = (values: number[], format: (value: number) => string): string =>
    values.map(format).join(' → ')
  return table(
    ['class', 'count (base → target → final)', 'retained'],
    growing.map((entry) => [
      clip(entry.className, 50),
      arrow(entry.counts, (value) => value.toLocaleString('en-US')),
      arrow(entry.retainedSizes, formatBytes),
    ]),
    [false, false, false],
  )
}

/** A cluster's path read as code, and the verdict it gives for the cluster's first object. */
function explainCluster(
  snapshot: HeapSnapshot,
  cluster: LeakCluster,
): { readable: ReadableStep[]; verdict: string } | null {
  if (cluster.path.length === 0) return null
  const readable = readablePath(snapshot, cluster.path)
  const target = cluster.path[cluster.path.length - 1].node
  const { verdict } = explainRoute(snapshot, target, readable, {
    withFix: false,
    runningCodeOnly: runningCodeRoot(cluster.path),
  })
  return { readable, verdict }
}

function printText(
  io: LeaksIo,
  snapshot: HeapSnapshot,
  files: string[],
  report: LeakReport,
  top: number,
): void {
  const [base, target, final] = files
  io.out(
    `Leak suspects: objects allocated between ${base} and ${target} that are still alive in ${final}`,
  )
  io.out(
    `${report.clusterCount.toLocaleString('en-US')} cluster${report.clusterCount === 1 ? '' : 's'}, ${report.suspectCount.toLocaleString('en-US')} objects, ${formatBytes(report.retainedSize)} retained`,
  )
  const left = report.internalOnly
  if (left.clusterCount > 0) {
    // Said, not silently dropped: these are V8's caches (feedback, allocation sites), not code.
    io.out(
      `(${left.clusterCount.toLocaleString('en-US')} more cluster${left.clusterCount === 1 ? '' : 's'}, ${left.suspectCount.toLocaleString('en-US')} objects, ${formatBytes(left.retainedSize)}, held only by V8's internals, left out; --include-internals counts them, --json lists them under internalOnly)`,
    )
  }
  const clusters = report.clusters.slice(0, top)
  clusters.forEach((cluster, position) => {
    io.out('')
    io.out(
      clusterText(
        cluster,
        position + 1,
        explainCluster(snapshot, cluster),
        `--json lists up to ${report.maxObjectIds}`,
      ),
    )
  })
  if (report.clusterCount > clusters.length) {
    const hidden = report.clusterCount - clusters.length
    io.out(`\n(${hidden} smaller cluster${hidden === 1 ? '' : 's'} not shown; see --top)`)
  }
  io.out('\nGrowing classes (count or retained size never shrinks and grows from base to final):')
  io.out(report.growing.length > 0 ? growingText(report.growing.slice(0, top)) : '  none')
  if (report.growing.length > top) {
    io.out(`(${report.growing.length - top} more not shown; see --top)`)
  }
}

/**
 * Runs the command; returns the exit code (1 when --fail-on is exceeded). Usage and load errors
 * are thrown for the caller to report.
 */
export async function runLeaks(
  positionals: readonly string[],
  values: Record<string, string | boolean | undefined>,
  io: LeaksIo,
): Promise<number> {
  const args = parseLeaksArguments(positionals, values)
  const condensed: Condensed[] = []
  let final: HeapSnapshot | null = null
  for (const [step, file] of args.files.entries()) {
    const snapshot = await load(file, io.onProgress)
    condensed.push(condense(file, snapshot))
    // Only the final graph is kept; the others are dropped as soon as they are condensed.
    if (step === 2) final = snapshot
  }
  io.onProgress?.done?.()
  const [base, target, last] = condensed
  const report = findLeaks(
    final as HeapSnapshot,
    base.ids,
    target.ids,
    [base.counts, target.counts, last.counts],
    { maxClusters: args.top, includeInternalOnly: args.includeInternals },
  )
  if (args.json) {
    printJson(io, final as HeapSnapshot, [base.info, target.info, last.info], report, args.top)
  } else {
    printText(io, final as HeapSnapshot, args.files, report, args.top)
  }
  if (args.failOn !== null && report.retainedSize > args.failOn) {
    io.err(
      `heapgraph: leak suspects retain ${formatBytes(report.retainedSize)} (${report.retainedSize} bytes), more than --fail-on ${values['fail-on']} (${args.failOn} bytes)`,
    )
    return 1
  }
  return 0
}
