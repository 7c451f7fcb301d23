// `heapgraph why`: why an object is alive (the verdict, the routes read as code, the fix checked
// by a recount), or with --cut what cutting one reference would free.
import { HeapSnapshotError } from '../../shared/heap/errors'
import { edgeName } from '../../shared/heap/graph/heap-graph'
import { explainRetention } from '../../shared/heap/queries/explain'
import { findNodeById } from '../../shared/heap/queries/nodes'
import { cutReference } from '../../shared/heap/queries/cut'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { formatDistance, formatEdge, formatReference, objectLabel } from '../../shared/view/format'
import { parseCut, UsageError, wholeNumber } from './arguments'
import {
  OBJECT_HEADER,
  OBJECT_NUMERIC,
  objectRows,
  resolveTarget,
  type CommandContext,
} from './commands'
import { clip, formatBytes, formatPath, formatRoute, table } from './format'
import type { CutResult, Explanation, Fix, WhyResult } from '../../shared/protocol/dto'

export function runWhy(context: CommandContext): void {
  const target = context.positionals[1]
  if (target === undefined)
    throw new UsageError('why needs an object: heapgraph why <snapshot> <@id|ClassName>')
  if (context.values.cut !== undefined) {
    runCut(context, resolveTarget(context.snapshot, target), parseCut(context.values.cut))
    return
  }
  const count = wholeNumber(context.values.paths, 'paths', 1)
  const node = resolveTarget(context.snapshot, target)
  const explanation = explainRetention(context.snapshot, node, {
    count,
    internals: context.values.internals === true,
  })
  if (context.json) {
    const result: WhyResult = { ...explanation, paths: explanation.routes.map((r) => r.steps) }
    context.out(JSON.stringify(result, null, 2))
    return
  }
  context.out(explanationText(explanation))
}

/**
 * An explanation as `why` prints it: the target, the verdict, each route read as code, and the
 * fix checked by a recount (also the MCP server's text answer). `cutHint` says how to see the
 * fix's cut (here: with --cut).
 */
export function explanationText(
  explanation: Explanation,
  cutHint = (cut: Fix['cut']) => `see it with --cut ${cut.option}`,
): string {
  const lines: string[] = []
  const { target: targetObj, routes, fix } = explanation
  lines.push(
    `${objectLabel(targetObj)}: self ${formatBytes(targetObj.selfSize)}, retained ${formatBytes(targetObj.retainedSize)}, distance ${formatDistance(targetObj.distance)}`,
  )
  lines.push(explanation.verdict)
  routes.forEach((route, position) => {
    const references = route.steps.length - 1
    lines.push(
      `\nPath ${position + 1} (${references} reference${references === 1 ? '' : 's'} from a GC root):`,
    )
    lines.push(formatRoute(route.readable))
    if (route.sameHolderRoutes > 0) {
      const others = route.sameHolderRoutes
      lines.push(
        `  (${others} other route${others === 1 ? ' leads' : 's lead'} to it through the same holder)`,
      )
    }
  })
  if (explanation.truncated) lines.push('\n(search stopped at its budget; more paths may exist)')
  if (fix) {
    lines.push(`\nTo free it: ${fix.text}`)
    lines.push(
      `  (checked: cutting that reference frees ${formatBytes(fix.freedBytes)}, the object included; ${cutHint(fix.cut)})`,
    )
  }
  return lines.join('\n')
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
/** `why <@id> --cut @from:edge`: what cutting that reference would free, and what keeps @id. */
function runCut(
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
    context.out(JSON.stringify(result, null, 2))
    return
  }
  context.out(cutText(result))
}

/** What a cut frees, as `why --cut` prints it (also the MCP server's text answer). */
export function cutText(result: CutResult): string {
  const lines: string[] = []
  const reference = `@${result.from.id}${formatReference(result.edge)}`
  const count = `${result.freedCount.toLocaleString('en-US')} object${result.freedCount === 1 ? '' : 's'}`
  const readable = result.freedBytes >= 1000 ? `, ${formatBytes(result.freedBytes)}` : ''
  lines.push(
    `Cutting ${reference} would free ${result.freedBytes.toLocaleString('en-US')} bytes (${count}${readable})`,
  )
  for (const copy of result.alsoCut) {
    lines.push(
      `  with V8's copy of it: ${clip(copy.from.label, 40)} @${copy.from.id} ${formatReference(copy.edge)}`,
    )
  }
  if (!result.isRetaining) {
    lines.push(
      result.edge.isWeak
        ? `${reference} is a weak reference: it keeps nothing alive.`
        : `${reference} does not count as retaining by DevTools' rules (a shortcut, a WeakMap table's entry, or a reference from outside the page).`,
    )
  }
  const label = `${clip(result.target.label, 60)} @${result.target.id}`
  if (result.targetFreed) {
    lines.push(`${label} would be freed.`)
  } else if (!result.targetWasReachable) {
    lines.push(`${label} is not reachable from any GC root even now.`)
  } else if (result.stillAlivePath) {
    lines.push(`${label} stays alive through:`)
    lines.push(formatPath(result.stillAlivePath))
    if (result.stillAliveVia === 'unretained-object') {
      lines.push(
        '(the path starts at an object no retaining reference holds: weakly held, or held from outside the page; DevTools counts it as a root)',
      )
    }
  }
  if (result.largestFreed.length > 0) {
    lines.push('\nLargest freed objects:')
    lines.push(table(OBJECT_HEADER, objectRows(result.largestFreed), OBJECT_NUMERIC))
  }
  return lines.join('\n')
}
