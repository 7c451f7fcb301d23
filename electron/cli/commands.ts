// What the CLI's snapshot commands share: their context, what the JSON says of a snapshot, argument checks before a load, the object an argument names, and table rows. The
// commands themselves are one file each: summary-, top-, why-, show- and export-command.ts.
import { hasAllocationStacks } from '../../shared/heap/queries/allocations'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { dirname } from 'node:path'
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { findNodeById } from '../../shared/heap/queries/nodes'
import { findClasses, getClassMembers } from '../../shared/heap/queries/summary'
import { formatDistance } from '../../shared/view/format'
import { parseByteSize, parseCut, UsageError, wholeNumber } from './arguments'
import { clip, formatBytes } from './format'
import type { ObjectSummary, SnapshotFacts } from '../../shared/protocol/dto'

export interface CommandContext {
  file: string
  snapshot: HeapSnapshot
  json: boolean
  out: (text: string) => void
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

export { UsageError }

const OPTIONS_OF: Record<string, readonly string[]> = {
  summary: ['json', 'top'],
  top: ['json', 'top', 'arrays'],
  why: ['json', 'paths', 'cut', 'internals'],
  show: ['json', 'full'],
  export: ['format', 'output'],
  strings: ['json', 'top', 'include-internals'],
  detached: ['json', 'top'],
  closures: ['json', 'top', 'min-size'],
}

/**
 * Checks a snapshot command's arguments before the snapshot is loaded: options that do not
 * apply, malformed numbers, a missing object, an output file that cannot be written.
 */
export async function validateSnapshotCommand(
  command: string,
  values: Record<string, string | boolean | undefined>,
  positionals: string[],
): Promise<void> {
  const allowed = OPTIONS_OF[command] ?? []
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && name !== 'help' && !allowed.includes(name)) {
      throw new UsageError(`--${name} does not apply to ${command}`)
    }
  }
  if (['summary', 'top', 'strings', 'detached', 'closures'].includes(command))
    wholeNumber(values.top, 'top')
  if (command === 'closures' && values['min-size'] !== undefined) {
    if (typeof values['min-size'] !== 'string') throw new UsageError('--min-size takes a size')
    parseByteSize(values['min-size'], 'min-size')
  }
  if (command === 'why') {
    wholeNumber(values.paths, 'paths')
    if (values.cut !== undefined) {
      parseCut(values.cut)
      if (values.paths !== undefined) throw new UsageError('--paths does not apply with --cut')
    }
    if (positionals[1] === undefined) {
      throw new UsageError('why needs an object: heapgraph why <snapshot> <@id|ClassName>')
    }
  }
  if (command === 'show' && (positionals[1] === undefined || !/^@?\d+$/.test(positionals[1]))) {
    throw new UsageError('show needs an object id: heapgraph show <snapshot> @id')
  }
  if (/^@?\d+$/.test(positionals[0] ?? '') && positionals[1] !== undefined) {
    throw new UsageError(
      `the snapshot file comes first: heapgraph ${command} <snapshot> ${positionals[0]}`,
    )
  }
  if (command === 'export') {
    const format = values.format ?? 'csv'
    if (format !== 'csv' && format !== 'ndjson') {
      throw new UsageError(`--format takes csv or ndjson, not "${String(format)}"`)
    }
    const output = values.output
    if (typeof output === 'string') {
      try {
        await access(dirname(output) || '.', constants.W_OK)
      } catch {
        throw new HeapSnapshotError(
          'io',
          `cannot write ${output}: its folder does not exist or is not writable`,
        )
      }
    }
  }
}

/** What the CLI's JSON says of a snapshot file. */
export function snapshotInfo(file: string, snapshot: HeapSnapshot): SnapshotFacts {
  return {
    file,
    nodeCount: snapshot.graph.nodeCount,
    edgeCount: snapshot.graph.edgeCount,
    totalSize: snapshot.totalSize,
    exposeInternals: !snapshot.hasUserRoots,
    allocationStacks: hasAllocationStacks(snapshot),
    allocationTimeline: snapshot.graph.samples.length > 0,
  }
}

export function headerLine(info: SnapshotFacts): string {
  return `${info.file}: ${info.nodeCount.toLocaleString('en-US')} objects, ${info.edgeCount.toLocaleString('en-US')} references, ${formatBytes(info.totalSize)}${info.exposeInternals ? ' (exposeInternals)' : ''}`
}

export function objectRows(objects: ObjectSummary[]): string[][] {
  return objects.map((object) => [
    `@${object.id}`,
    clip(object.className, 40),
    clip(object.label, 50),
    formatDistance(object.distance),
    formatBytes(object.selfSize),
    formatBytes(object.retainedSize),
  ])
}

export const OBJECT_HEADER = ['id', 'class', 'object', 'distance', 'self', 'retained']
export const OBJECT_NUMERIC = [false, false, false, true, true, true]

/** Resolves `@id` or a class name (its largest instance) to a node. */
export function resolveTarget(snapshot: HeapSnapshot, target: string): number {
  const idMatch = /^@?(\d+)$/.exec(target)
  if (idMatch) {
    const node = findNodeById(snapshot, Number(idMatch[1]))
    if (node === null)
      throw new HeapSnapshotError('range', `no object @${idMatch[1]} in this snapshot`)
    return node
  }
  const classes = findClasses(snapshot, target)
  if (classes.length === 0)
    throw new HeapSnapshotError('range', `no object of class "${target}" in this snapshot`)
  let best: ObjectSummary | null = null
  for (const entry of classes) {
    const first = getClassMembers(snapshot, entry.classKey, 0, 1).items[0]
    if (first && (!best || first.retainedSize > best.retainedSize)) best = first
  }
  if (!best) throw new HeapSnapshotError('range', `no object of class "${target}" in this snapshot`)
  return best.node
}
