// `heapgraph diff <before> <after>`: what changed per class between two snapshots of one process,
// with DevTools' Comparison numbers (new, deleted, count and size deltas) plus the change in
// retained size, as a table like objgraph's show_growth or as JSON. Warns (never fails) when the
// two snapshots look like different processes, whose object ids are not comparable.
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { ProgressSink } from '../../shared/heap/progress'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import {
  compareObjectIds,
  diffBase,
  diffSnapshots,
  interfaceDefinitionsOf,
  type IdOverlap,
} from '../../shared/heap/queries/diff'
import { loadSnapshotFile } from '../backend/load-snapshot'
import { UsageError, wholeNumber } from './arguments'
import { snapshotInfo } from './commands'
import { MIN_SAME_CLASS_SHARE } from '../../shared/heap/queries/leaks'
import { clip, formatBytes, table } from './format'
import type { ClassDiff, SnapshotFacts } from '../../shared/protocol/dto'

export interface DiffContext {
  json: boolean
  out: (text: string) => void
  warn: (text: string) => void
  values: Record<string, string | boolean | undefined>
  onProgress?: ProgressSink
}

export interface DiffJson {
  before: SnapshotFacts
  after: SnapshotFacts
  classes: ClassDiff[]
}

const OPTIONS = ['json', 'top']
const DEFAULT_TOP = 30

/** Checks arguments before any load: two files, only options that apply, a sane --top. */
export function validateDiffCommand(
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
): void {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && name !== 'help' && !OPTIONS.includes(name)) {
      throw new UsageError(`--${name} does not apply to diff`)
    }
  }
  if (positionals.length < 2) {
    throw new UsageError('diff needs two snapshot files: heapgraph diff <before> <after>')
  }
  if (positionals.length > 2) {
    throw new UsageError(`unexpected argument "${positionals[2]}" for diff (try heapgraph --help)`)
  }
  wholeNumber(values.top, 'top')
}

/** Fails fast, before a long load of the other file, when a file cannot be read. */
async function checkReadable(file: string): Promise<void> {
  let reason: string | undefined
  try {
    if ((await stat(file)).isDirectory()) reason = 'it is a directory'
    else await access(file, constants.R_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code
  }
  if (reason !== undefined) throw new HeapSnapshotError('io', `cannot read ${file}: ${reason}`)
}

async function load(
  file: string,
  label: string,
  onProgress: ProgressSink | undefined,
): Promise<HeapSnapshot> {
  try {
    return await loadSnapshotFile(file, {
      onProgress:
        onProgress &&
        ((progress) => onProgress({ ...progress, phase: `${label}: ${progress.phase}` })),
    })
  } catch (error) {
    // Name the file that failed: there are two.
    if (error instanceof HeapSnapshotError && error.code !== 'io') {
      throw new HeapSnapshotError(error.code, `${file}: ${error.message}`)
    }
    throw error
  }
}

/** One line when the ids look like two processes' (nothing shared, or shared ids unrelated). */
export function idWarning(before: string, after: string, overlap: IdOverlap): string | undefined {
  if (overlap.baseCount === 0 || overlap.afterCount === 0) return undefined
  const hint = 'object ids are only comparable between snapshots of one process'
  if (overlap.commonCount === 0) {
    return `heapgraph: warning: ${before} and ${after} have no object id in common; ${hint}`
  }
  const share = overlap.sameClassCount / overlap.commonCount
  if (share >= MIN_SAME_CLASS_SHARE) return undefined
  return `heapgraph: warning: ${before} and ${after} look like snapshots of different processes (only ${Math.round(share * 100)}% of the ids they share keep their class); ${hint}`
}

function signed(value: number, text: string): string {
  return value > 0 ? `+${text}` : value < 0 ? `-${text}` : text
}

const signedCount = (value: number): string =>
  signed(value, Math.abs(value).toLocaleString('en-US'))
const signedBytes = (value: number): string => signed(value, formatBytes(Math.abs(value)))

function infoLine(label: string, info: SnapshotFacts): string {
  return `${label} ${info.file}: ${info.nodeCount.toLocaleString('en-US')} objects, ${formatBytes(info.totalSize)}`
}

/** Class names, with the location of location-keyed classes whose name is not unique. */
function classLabels(entries: readonly ClassDiff[]): string[] {
  const uses = new Map<string, number>()
  for (const { className } of entries) uses.set(className, (uses.get(className) ?? 0) + 1)
  return entries.map(({ className, classKey }) => {
    if ((uses.get(className) ?? 0) < 2 || classKey.startsWith(',')) return clip(className, 50)
    const [scriptId, line, column] = classKey.split(',')
    return `${clip(className, 36)} (${scriptId}:${line}:${column})`
  })
}

function printTable(context: DiffContext, result: DiffJson, shown: ClassDiff[]): void {
  context.out(diffText(result.before, result.after, shown, result.classes.length))
}

/**
 * A comparison as `diff` prints it: both snapshots, the change in total size, and a table of
 * `shown` among `total` classes (also the MCP server's text answer); `moreHint` says how to see
 * the classes not shown (null: the caller says it).
 */
export function diffText(
  before: SnapshotFacts,
  after: SnapshotFacts,
  shown: readonly ClassDiff[],
  total: number,
  moreHint: string | null = '--top N shows more',
): string {
  const lines: string[] = []
  lines.push(infoLine('before', before))
  lines.push(infoLine('after ', after))
  lines.push(
    `total size ${signedBytes(after.totalSize - before.totalSize)}; ${total.toLocaleString('en-US')} classes with new or deleted objects`,
  )
  if (shown.length === 0) return lines.join('\n')
  const labels = classLabels(shown)
  lines.push('')
  lines.push(
    table(
      ['class', 'count', '+new', '-deleted', 'Δcount', 'Δsize', 'Δretained'],
      shown.map((entry, position) => [
        labels[position],
        entry.countAfter.toLocaleString('en-US'),
        `+${entry.addedCount.toLocaleString('en-US')}`,
        `-${entry.removedCount.toLocaleString('en-US')}`,
        signedCount(entry.countDelta),
        signedBytes(entry.sizeDelta),
        signedBytes(entry.retainedSizeDelta),
      ]),
      [false, true, true, true, true, true, true],
    ),
  )
  if (moreHint !== null && shown.length < total) {
    lines.push(`… ${total - shown.length} more (${moreHint})`)
  }
  return lines.join('\n')
}

/**
 * Loads both snapshots (the newer first: its plain-object interfaces classify the older one's,
 * as in DevTools), condenses the older one and lets it go, then compares.
 */
export async function runDiff(files: [string, string], context: DiffContext): Promise<void> {
  const [beforeFile, afterFile] = files
  await checkReadable(beforeFile)
  await checkReadable(afterFile)
  const after = await load(afterFile, 'after', context.onProgress)
  const definitions = interfaceDefinitionsOf(after)
  const { base, beforeInfo } = await load(beforeFile, 'before', context.onProgress).then(
    (before) => ({
      base: diffBase(before, definitions),
      beforeInfo: snapshotInfo(beforeFile, before),
    }),
  )
  const classes = diffSnapshots(after, base)
  const warning = idWarning(beforeFile, afterFile, compareObjectIds(after, base))
  if (warning !== undefined) context.warn(warning)
  const result: DiffJson = { before: beforeInfo, after: snapshotInfo(afterFile, after), classes }
  const top = wholeNumber(context.values.top, 'top')
  if (context.json) {
    context.out(JSON.stringify({ ...result, classes: classes.slice(0, top) }, null, 2))
    return
  }
  printTable(context, result, classes.slice(0, top ?? DEFAULT_TOP))
}
