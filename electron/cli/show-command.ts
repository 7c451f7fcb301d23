// `heapgraph show`: one object's label, value, sizes, allocation stack, references and retainers.
import { getAllocationStack } from '../../shared/heap/queries/allocations'
import { MAX_STRING_VALUE } from '../../shared/heap/queries/labels'
import { describeObject, getOutgoingEdges, getRetainers } from '../../shared/heap/queries/nodes'
import { SHOWN_TEXT } from '../../shared/heap/queries/values'
import { formatDistance, formatReference, objectLabel } from '../../shared/view/format'
import { UsageError } from './arguments'
import {
  OBJECT_HEADER,
  OBJECT_NUMERIC,
  objectRows,
  resolveTarget,
  type CommandContext,
} from './commands'
import { clip, formatBytes, table } from './format'
import type { ObjectDetails, Reference, StackFrame } from '../../shared/protocol/dto'

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
    const object = { ...details, allocationStack: getAllocationStack(context.snapshot, node) }
    context.out(JSON.stringify({ object, edges, retainers }, null, 2))
    return
  }
  context.out(objectText(details, getAllocationStack(context.snapshot, node)))
  context.out(`\nReferences (${edges.items.length} of ${edges.total}):`)
  context.out(referenceTable(edges.items))
  context.out(
    `\nRetainers (${retainers.items.length} of ${retainers.total}, nearest to a GC root first):`,
  )
  context.out(referenceTable(retainers.items))
}

/** References or retainers as `show` lists them (also the MCP server's text answer). */
export function referenceTable(references: Reference[]): string {
  return table(['reference', ...OBJECT_HEADER], referenceRows(references), [
    false,
    ...OBJECT_NUMERIC,
  ])
}

/**
 * An object's details as `show` prints them: label, class, where it was defined, its value,
 * sizes, dominator and allocation stack (also the MCP server's text answer). `cutNote` follows
 * a string value that is not all there.
 */
export function objectText(
  details: ObjectDetails,
  stack: StackFrame[] | null,
  cutNote = ' … (cut; --full prints all of it)',
): string {
  const lines: string[] = []
  lines.push(`${objectLabel(details)} (${details.type})`)
  lines.push(`  class:       ${clip(details.className, 100)}`)
  if (details.name !== details.label) lines.push(`  name:        ${clip(details.name, 100)}`)
  if (details.location) {
    lines.push(
      `  defined at:  ${details.location.url ?? 'script ' + details.location.scriptId}:${details.location.line}:${details.location.column}`,
    )
  }
  const { text, number, preview } = details.value
  if (text) {
    const length =
      text.length === null ? '' : ` (${text.length.toLocaleString('en-US')} characters)`
    const rest = text.complete ? '' : cutNote
    lines.push(`  value:       ${JSON.stringify(text.value)}${rest}${length}`)
  }
  if (number !== undefined) lines.push(`  value:       ${number}`)
  if (preview) lines.push(`  properties:  ${preview}`)
  if (details.value.refcount !== undefined) lines.push(`  refcount:    ${details.value.refcount}`)
  lines.push(`  self size:   ${formatBytes(details.selfSize)}`)
  lines.push(`  retained:    ${formatBytes(details.retainedSize)}`)
  lines.push(`  distance:    ${formatDistance(details.distance)}`)
  lines.push(`  retainers:   ${details.retainerCount}`)
  lines.push(`  dominator:   ${details.dominator ? objectLabel(details.dominator) : '-'}`)
  if (stack) {
    lines.push('\nAllocated at:')
    for (const frame of stack) {
      const place = frame.scriptName
        ? `${frame.scriptName}${frame.line === null ? '' : `:${frame.line}${frame.column === null ? '' : `:${frame.column}`}`}`
        : '(no script)'
      lines.push(`  ${frame.functionName || '(anonymous)'}  ${place}`)
    }
  }
  return lines.join('\n')
}
