// The CLI's snapshot commands, one small object each: summary, top, why, show, export.
// Each takes parsed arguments and an output sink; JSON output is the documented shape.
import { constants, createWriteStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { dirname } from 'node:path'
import { once } from 'node:events'
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getAllocationStack } from '../../shared/heap/queries/allocations'
import { getArrays, type ArrayEntry } from '../../shared/heap/queries/arrays'
import {
  describeObject,
  findNodeById,
  getOutgoingEdges,
  getRetainers,
  objectFacts,
  summarizeObject,
  type ObjectSummary,
  type Reference,
} from '../../shared/heap/queries/nodes'
import type { PathStep } from '../../shared/heap/queries/paths'
import { explainRetention, type Fix } from '../../shared/heap/queries/explain'
import { sortByKeyDescending } from '../../shared/heap/queries/sort'
import { cutReference, type CutResult } from '../../shared/heap/queries/what-if'
import { edgeName } from '../../shared/heap/graph/heap-graph'
import { MAX_STRING_VALUE } from '../../shared/heap/queries/labels'
import { SHOWN_TEXT } from '../../shared/heap/queries/values'
import type { SourceLocation } from '../../shared/heap/queries/labels'
import { findClasses, getClassMembers, getSummary } from '../../shared/heap/queries/summary'
import { formatDistance, formatEdge, formatReference, objectLabel } from '../../shared/view/format'
import { UsageError, wholeNumber } from './arguments'
import { clip, formatBytes, formatPath, formatRoute, table } from './format'

/** The public object shape of the CLI's JSON. */
export interface Obj {
  id: number
  type: string
  name: string
  className: string
  /** What identifies the object (see the engine's labels): absent only in exports. */
  label?: string
  location?: SourceLocation
  selfSize: number
  retainedSize: number
  distance: number | null
}

export interface SnapshotInfo {
  file: string
  nodeCount: number
  edgeCount: number
  totalSize: number
  exposeInternals: boolean
}

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
  if (command === 'summary' || command === 'top') wholeNumber(values.top, 'top')
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

export function toObj(summary: Omit<ObjectSummary, 'label'> & { label?: string }): Obj {
  const { id, type, name, className, label, location, selfSize, retainedSize, distance } = summary
  return {
    id,
    type,
    name,
    className,
    ...(label !== undefined && { label }),
    ...(location && { location }),
    selfSize,
    retainedSize,
    distance,
  }
}

export function snapshotInfo(file: string, snapshot: HeapSnapshot): SnapshotInfo {
  return {
    file,
    nodeCount: snapshot.graph.nodeCount,
    edgeCount: snapshot.graph.edgeCount,
    totalSize: snapshot.totalSize,
    exposeInternals: !snapshot.hasUserRoots,
  }
}

function headerLine(info: SnapshotInfo): string {
  return `${info.file}: ${info.nodeCount.toLocaleString('en-US')} objects, ${info.edgeCount.toLocaleString('en-US')} references, ${formatBytes(info.totalSize)}${info.exposeInternals ? ' (exposeInternals)' : ''}`
}

function objectRows(objects: ObjectSummary[]): string[][] {
  return objects.map((object) => [
    `@${object.id}`,
    clip(object.className, 40),
    clip(object.label, 50),
    formatDistance(object.distance),
    formatBytes(object.selfSize),
    formatBytes(object.retainedSize),
  ])
}

const OBJECT_HEADER = ['id', 'class', 'object', 'distance', 'self', 'retained']
const OBJECT_NUMERIC = [false, false, false, true, true, true]

export function runSummary(context: CommandContext): void {
  const top = wholeNumber(context.values.top, 'top', 30)
  const classes = getSummary(context.snapshot).slice(0, top)
  const info = snapshotInfo(context.file, context.snapshot)
  if (context.json) {
    const rows = classes.map(
      ({ classKey, className, count, selfSize, retainedSize, distance }) => ({
        classKey,
        className,
        count,
        selfSize,
        retainedSize,
        distance,
      }),
    )
    context.out(JSON.stringify({ snapshot: info, classes: rows }, null, 2))
    return
  }
  context.out(headerLine(info))
  context.out(
    table(
      ['class', 'count', 'distance', 'self', 'retained'],
      classes.map((entry) => [
        clip(entry.className, 60),
        entry.count.toLocaleString('en-US'),
        formatDistance(entry.distance),
        formatBytes(entry.selfSize),
        formatBytes(entry.retainedSize),
      ]),
      [false, true, true, true, true],
    ),
  )
}

/** The N objects with the largest retained size, synthetic roots left out. */
export function topObjects(snapshot: HeapSnapshot, count: number): ObjectSummary[] {
  const { graph, retainedSize } = snapshot
  const synthetic = graph.nodeTypeCode.synthetic
  const candidates = new Uint32Array(graph.nodeCount)
  let filled = 0
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.nodeType[node] !== synthetic) candidates[filled++] = node
  }
  const sorted = sortByKeyDescending(candidates.subarray(0, filled), retainedSize)
  return Array.from(sorted.subarray(0, count), (node) => summarizeObject(snapshot, node))
}

export function runTop(context: CommandContext): void {
  const top = wholeNumber(context.values.top, 'top', 20)
  const info = snapshotInfo(context.file, context.snapshot)
  if (context.values.arrays) {
    const arrays = getArrays(context.snapshot, {
      count: top,
      kinds: ['array', 'typed-array', 'array-buffer', 'backing-store'],
    }).items
    if (context.json) {
      const objects = arrays.map((entry) => ({
        ...toObj(entry),
        kind: entry.kind,
        length: entry.length,
        lengthIsEstimate: entry.lengthIsEstimate,
        storeSize: entry.storeSize,
      }))
      context.out(JSON.stringify({ snapshot: info, objects }, null, 2))
      return
    }
    context.out(headerLine(info))
    context.out(
      table(
        [...OBJECT_HEADER, 'kind', 'length', 'store'],
        arrays.map((entry: ArrayEntry) => [
          ...objectRows([entry])[0],
          entry.kind,
          entry.length === null
            ? '?'
            : `${entry.lengthIsEstimate ? '~' : ''}${entry.length.toLocaleString('en-US')}`,
          formatBytes(entry.storeSize),
        ]),
        [...OBJECT_NUMERIC, false, true, true],
      ),
    )
    return
  }
  const objects = topObjects(context.snapshot, top)
  if (context.json) {
    context.out(JSON.stringify({ snapshot: info, objects: objects.map(toObj) }, null, 2))
    return
  }
  context.out(headerLine(info))
  context.out(table(OBJECT_HEADER, objectRows(objects), OBJECT_NUMERIC))
}

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

export function runWhy(context: CommandContext): void {
  const target = context.positionals[1]
  if (target === undefined)
    throw new UsageError('why needs an object: heapgraph why <snapshot> <@id|ClassName>')
  if (context.values.cut !== undefined) {
    runWhatIf(context, resolveTarget(context.snapshot, target), parseCut(context.values.cut))
    return
  }
  const count = wholeNumber(context.values.paths, 'paths', 1)
  const node = resolveTarget(context.snapshot, target)
  const explanation = explainRetention(context.snapshot, node, {
    count,
    internals: context.values.internals === true,
  })
  const { target: targetObj, routes, fix } = explanation
  const cutArgument = fix ? cutOption(context.snapshot, fix) : null
  if (context.json) {
    const stepJson = (step: PathStep) => ({ node: toObj(step.node), edge: step.edge })
    context.out(
      JSON.stringify(
        {
          target: toObj(targetObj),
          reachable: explanation.reachable,
          truncated: explanation.truncated,
          verdict: explanation.verdict,
          fix: fix && {
            text: fix.text,
            cut: { from: fix.cut.fromId, edge: fix.cut.edgeName, option: cutArgument },
            freedBytes: fix.freedBytes,
            freedCount: fix.freedCount,
          },
          routes: routes.map((route) => ({
            readable: route.readable.map((step) => ({
              node: toObj(step.node),
              via: step.via,
              ...(step.start && { start: step.start }),
            })),
            holder: route.holder && toObj(route.holder),
            sameHolderRoutes: route.sameHolderRoutes,
            steps: route.steps.map(stepJson),
          })),
          paths: routes.map((route) => route.steps.map(stepJson)),
        },
        null,
        2,
      ),
    )
    return
  }
  context.out(
    `${objectLabel(targetObj)}: self ${formatBytes(targetObj.selfSize)}, retained ${formatBytes(targetObj.retainedSize)}, distance ${formatDistance(targetObj.distance)}`,
  )
  context.out(explanation.verdict)
  routes.forEach((route, position) => {
    const references = route.steps.length - 1
    context.out(
      `\nPath ${position + 1} (${references} reference${references === 1 ? '' : 's'} from a GC root):`,
    )
    context.out(formatRoute(route.readable))
    if (route.sameHolderRoutes > 0) {
      const others = route.sameHolderRoutes
      context.out(
        `  (${others} other route${others === 1 ? ' leads' : 's lead'} to it through the same holder)`,
      )
    }
  })
  if (explanation.truncated) context.out('\n(search stopped at its budget; more paths may exist)')
  if (fix) {
    context.out(`\nTo free it: ${fix.text}`)
    context.out(
      `  (checked: cutting that reference frees ${formatBytes(fix.freedBytes)}, the object included; see it with --cut ${cutArgument})`,
    )
  }
}

/** The `--cut` argument that names a fix's reference as `why --cut` reads it. */
function cutOption(snapshot: HeapSnapshot, fix: Fix): string {
  const graph = snapshot.graph
  const printed = formatEdge(graph.edgeTypes[graph.edgeType[fix.cut.edge]], fix.cut.edgeName)
  return `@${fix.cut.fromId}:${printed}`
}

/** `--cut @fromId:edge`: the holder's @id and the edge as `why` prints it (or its bare name). */
function parseCut(value: string | boolean | undefined): { fromId: number; edge: string } {
  const match = typeof value === 'string' ? /^@?(\d+):(.+)$/.exec(value) : null
  if (!match) {
    throw new UsageError(
      `--cut takes @fromId:edge (like @123:leakCache or @45:[3]), not "${String(value)}"`,
    )
  }
  return { fromId: Number(match[1]), edge: match[2] }
}

/** The edge of `from` that `text` names: by name, or written as paths print it. */
function findCutEdge(snapshot: HeapSnapshot, from: number, text: string): number {
  const graph = snapshot.graph
  const printed = (edge: number): string =>
    formatEdge(graph.edgeTypes[graph.edgeType[edge]], edgeName(graph, edge))
  const matches: number[] = []
  const names: string[] = []
  for (let edge = graph.firstEdge[from]; edge < graph.firstEdge[from + 1]; edge++) {
    if (edgeName(graph, edge) === text || printed(edge) === text) matches.push(edge)
    if (names.length < 8) names.push(printed(edge))
  }
  const owner = `@${graph.objectId[from]}`
  if (matches.length === 1) return matches[0]
  const total = graph.firstEdge[from + 1] - graph.firstEdge[from]
  if (matches.length === 0) {
    const listed = total === 0 ? 'it has none' : `its references: ${names.join(', ')}`
    const more = total > names.length ? ` … (${total} in all)` : ''
    throw new HeapSnapshotError('range', `${owner} has no reference "${text}"; ${listed}${more}`)
  }
  const found = matches
    .slice(0, 4)
    .map((edge) => `${printed(edge)} → @${graph.objectId[graph.edgeTarget[edge]]}`)
  throw new HeapSnapshotError(
    'range',
    `${matches.length} references of ${owner} match "${text}" (${found.join(', ')}); write it as why prints it`,
  )
}

function cutJson(result: CutResult): object {
  const edge = (summary: CutResult['edge']): { type: string; name: string } => ({
    type: summary.type,
    name: summary.name,
  })
  return {
    cut: {
      from: toObj(result.from),
      edge: edge(result.edge),
      copies: result.alsoCut.map((copy) => ({ from: toObj(copy.from), edge: edge(copy.edge) })),
    },
    target: toObj(result.target),
    isRetaining: result.isRetaining,
    freedBytes: result.freedBytes,
    freedCount: result.freedCount,
    targetWasReachable: result.targetWasReachable,
    targetFreed: result.targetFreed,
    stillAlivePath:
      result.stillAlivePath?.map((step) => ({ node: toObj(step.node), edge: step.edge })) ?? null,
    stillAliveVia: result.stillAliveVia,
    largestFreed: result.largestFreed.map(toObj),
  }
}

/** `why <@id> --cut @from:edge`: what cutting that reference would free, and what keeps @id. */
function runWhatIf(
  context: CommandContext,
  target: number,
  cut: { fromId: number; edge: string },
): void {
  const { snapshot } = context
  const from = findNodeById(snapshot, cut.fromId)
  if (from === null)
    throw new HeapSnapshotError('range', `no object @${cut.fromId} in this snapshot`)
  const result = cutReference(snapshot, {
    from,
    edge: findCutEdge(snapshot, from, cut.edge),
    target,
  })
  if (context.json) {
    context.out(JSON.stringify(cutJson(result), null, 2))
    return
  }
  const reference = `@${result.from.id}${formatReference(result.edge)}`
  const count = `${result.freedCount.toLocaleString('en-US')} object${result.freedCount === 1 ? '' : 's'}`
  const readable = result.freedBytes >= 1000 ? `, ${formatBytes(result.freedBytes)}` : ''
  context.out(
    `Cutting ${reference} would free ${result.freedBytes.toLocaleString('en-US')} bytes (${count}${readable})`,
  )
  for (const copy of result.alsoCut) {
    context.out(
      `  with V8's copy of it: ${clip(copy.from.label, 40)} @${copy.from.id} ${formatReference(copy.edge)}`,
    )
  }
  if (!result.isRetaining) {
    context.out(
      result.edge.isWeak
        ? `${reference} is a weak reference: it keeps nothing alive.`
        : `${reference} does not count as retaining by DevTools' rules (a shortcut, a WeakMap table's entry, or a reference from outside the page).`,
    )
  }
  const label = `${clip(result.target.label, 60)} @${result.target.id}`
  if (result.targetFreed) {
    context.out(`${label} would be freed.`)
  } else if (!result.targetWasReachable) {
    context.out(`${label} is not reachable from any GC root even now.`)
  } else if (result.stillAlivePath) {
    context.out(`${label} stays alive through:`)
    context.out(formatPath(result.stillAlivePath))
    if (result.stillAliveVia === 'unretained-object') {
      context.out(
        '(the path starts at an object no retaining reference holds: weakly held, or held from outside the page; DevTools counts it as a root)',
      )
    }
  }
  if (result.largestFreed.length > 0) {
    context.out('\nLargest freed objects:')
    context.out(table(OBJECT_HEADER, objectRows(result.largestFreed), OBJECT_NUMERIC))
  }
}

function referenceRows(references: Reference[]): string[][] {
  return references.map((reference) => [
    formatReference(reference.edge) + (reference.edge.isWeak ? ' (weak)' : ''),
    ...objectRows([reference.node])[0],
  ])
}

export function runShow(context: CommandContext): void {
  const target = context.positionals[1]
  if (target === undefined || !/^@?\d+$/.test(target)) {
    throw new UsageError('show needs an object id: heapgraph show <snapshot> @id')
  }
  const node = resolveTarget(context.snapshot, target)
  const full = context.values.full === true
  const details = describeObject(context.snapshot, node, full ? MAX_STRING_VALUE : SHOWN_TEXT)
  const edges = getOutgoingEdges(context.snapshot, node, 0, 50)
  const retainers = getRetainers(context.snapshot, node, 0, 50)
  if (context.json) {
    const reference = (
      item: Reference,
    ): { edge: { type: string; name: string; isWeak: boolean }; node: Obj } => ({
      edge: { type: item.edge.type, name: item.edge.name, isWeak: item.edge.isWeak },
      node: toObj(item.node),
    })
    context.out(
      JSON.stringify(
        {
          object: {
            ...toObj(details),
            retainerCount: details.retainerCount,
            edgeCount: details.edgeCount,
            detachedness: details.detachedness,
            dominator: details.dominator ? toObj(details.dominator) : null,
            value: details.value,
            allocationStack: getAllocationStack(context.snapshot, node),
          },
          edges: { total: edges.total, items: edges.items.map(reference) },
          retainers: { total: retainers.total, items: retainers.items.map(reference) },
        },
        null,
        2,
      ),
    )
    return
  }
  context.out(`${objectLabel(details)} (${details.type})`)
  context.out(`  class:       ${clip(details.className, 100)}`)
  if (details.name !== details.label) context.out(`  name:        ${clip(details.name, 100)}`)
  if (details.location) {
    context.out(
      `  defined at:  ${details.location.url ?? 'script ' + details.location.scriptId}:${details.location.line}:${details.location.column}`,
    )
  }
  const { text, number, preview } = details.value
  if (text) {
    const length =
      text.length === null ? '' : ` (${text.length.toLocaleString('en-US')} characters)`
    const rest = text.complete ? '' : ' … (cut; --full prints all of it)'
    context.out(`  value:       ${JSON.stringify(text.value)}${rest}${length}`)
  }
  if (number !== undefined) context.out(`  value:       ${number}`)
  if (preview) context.out(`  properties:  ${preview}`)
  context.out(`  self size:   ${formatBytes(details.selfSize)}`)
  context.out(`  retained:    ${formatBytes(details.retainedSize)}`)
  context.out(`  distance:    ${formatDistance(details.distance)}`)
  context.out(`  retainers:   ${details.retainerCount}`)
  context.out(`  dominator:   ${details.dominator ? objectLabel(details.dominator) : '-'}`)
  const stack = getAllocationStack(context.snapshot, node)
  if (stack) {
    context.out('\nAllocated at:')
    for (const frame of stack) {
      const place = frame.scriptName
        ? `${frame.scriptName}${frame.line === null ? '' : `:${frame.line}${frame.column === null ? '' : `:${frame.column}`}`}`
        : '(no script)'
      context.out(`  ${frame.functionName || '(anonymous)'}  ${place}`)
    }
  }
  const referenceHeader = ['reference', ...OBJECT_HEADER]
  const referenceNumeric = [false, ...OBJECT_NUMERIC]
  context.out(`\nReferences (${edges.items.length} of ${edges.total}):`)
  context.out(table(referenceHeader, referenceRows(edges.items), referenceNumeric))
  context.out(
    `\nRetainers (${retainers.items.length} of ${retainers.total}, nearest to a GC root first):`,
  )
  context.out(table(referenceHeader, referenceRows(retainers.items), referenceNumeric))
}

function csvCell(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Streams every node as CSV or NDJSON to a file or stdout, respecting backpressure. */
export async function runExport(
  context: CommandContext,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const format = (context.values.format as string | undefined) ?? 'csv'
  if (format !== 'csv' && format !== 'ndjson') {
    throw new UsageError(`--format takes csv or ndjson, not "${format}"`)
  }
  const outputFile = context.values.output as string | undefined
  const stream = outputFile ? createWriteStream(outputFile) : stdout
  const failed = outputFile
    ? once(stream, 'error').then(([error]) => {
        throw new HeapSnapshotError(
          'format',
          `cannot write ${outputFile}: ${(error as Error).message}`,
        )
      })
    : null
  const { snapshot } = context
  const { graph } = snapshot
  const columns = [
    'id',
    'type',
    'name',
    'className',
    'selfSize',
    'retainedSize',
    'distance',
    'dominatorId',
  ]
  let buffer = format === 'csv' ? columns.join(',') + '\n' : ''
  const write = async (text: string): Promise<void> => {
    if (!stream.write(text)) {
      const drained = once(stream, 'drain')
      await (failed ? Promise.race([drained, failed]) : drained)
    }
  }
  for (let node = 0; node < graph.nodeCount; node++) {
    const object = objectFacts(snapshot, node)
    const dominatorId = node === graph.rootNode ? null : graph.objectId[snapshot.dominator[node]]
    if (format === 'csv') {
      buffer +=
        [
          object.id,
          object.type,
          object.name,
          object.className,
          object.selfSize,
          object.retainedSize,
          object.distance,
          dominatorId,
        ]
          .map(csvCell)
          .join(',') + '\n'
    } else {
      buffer += JSON.stringify({ ...toObj(object), dominatorId }) + '\n'
    }
    if (buffer.length > 1 << 16) {
      await write(buffer)
      buffer = ''
    }
  }
  if (buffer) await write(buffer)
  if (outputFile) {
    stream.end()
    await Promise.race([once(stream, 'finish'), failed])
  }
}
