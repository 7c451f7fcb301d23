// `heapgraph summary`: classes by retained size, as DevTools' Summary view.
import { getSummary } from '../../shared/heap/queries/summary'
import { formatDistance } from '../../shared/view/format'
import { wholeNumber } from './arguments'
import { headerLine, snapshotInfo, type CommandContext } from './commands'
import { clip, formatBytes, table } from './format'
import type { ClassSummary } from '../../shared/protocol/dto'

export function runSummary(context: CommandContext): void {
  const top = wholeNumber(context.values.top, 'top', 30)
  const classes = getSummary(context.snapshot).slice(0, top)
  const info = snapshotInfo(context.file, context.snapshot)
  if (context.json) {
    context.out(JSON.stringify({ snapshot: info, classes }, null, 2))
    return
  }
  context.out(headerLine(info))
  context.out(summaryTable(classes))
}

/** Classes as `summary` prints them (also the MCP server's text answer). */
export function summaryTable(classes: readonly ClassSummary[]): string {
  return table(
    ['class', 'count', 'distance', 'self', 'retained'],
    classes.map((entry) => [
      clip(entry.className, 60),
      entry.count.toLocaleString('en-US'),
      formatDistance(entry.distance),
      formatBytes(entry.selfSize),
      formatBytes(entry.retainedSize),
    ]),
    [false, true, true, true, true],
  )
}
