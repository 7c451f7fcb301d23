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
import type { Reference } from '../../shared/protocol/dto'

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
