// Human-readable output helpers for the CLI: byte sizes, aligned tables, a progress bar.
import type { Progress } from '../../shared/heap/progress'

export { formatBytes } from '../../shared/view/format'
import { displayClass, formatBytes, formatReference } from '../../shared/view/format'
import type { PathStep } from '../../shared/protocol/dto'

/** Left-aligns text columns and right-aligns the ones flagged numeric. */
export function table(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  )
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** Shortens long names for table cells. */
export function clip(text: string, width = 60): string {
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length <= width ? oneLine : oneLine.slice(0, width - 1) + '…'
}

/**
 * A retainer path as `heapgraph why` prints it: the root first, then one reference a line with
 * the retained size it leads to. `indent` goes before every line; `name` shapes class names
 * (clipped to 40 characters by default).
 */
export function formatPath(
  path: readonly PathStep[],
  { indent = '', name = (className: string) => clip(className, 40) } = {},
): string {
  return path
    .map((step, position) => {
      const label = `${name(step.node.label ?? displayClass(step.node))} @${step.node.id}`
      if (position === 0 || !step.edge) return indent + label
      return `${indent}  ${formatReference(step.edge)} → ${label} (${formatBytes(step.node.retainedSize)} retained)`
    })
    .join('\n')
}

/** One step of a readable route, as `why` prints it. */
interface PrintedStep {
  node: { id: number; label: string; retainedSize: number }
  via: { text: string } | null
  start?: string
}

/**
 * A route as `heapgraph why` prints it: where it starts, then one step a line, each the way
 * code reads it (`.items`, `captures payload`, `entry "k"`) and the object by its label.
 */
export function formatRoute(steps: readonly PrintedStep[], { indent = '' } = {}): string {
  return steps
    .map((step, position) => {
      const label = `${clip(step.node.label, 80)} @${step.node.id}`
      if (position === 0 || !step.via)
        return indent + (step.start ? `${step.start} @${step.node.id}` : label)
      return `${indent}  ${clip(step.via.text, 60)} → ${label} (${formatBytes(step.node.retainedSize)} retained)`
    })
    .join('\n')
}

/** A progress bar redrawn in place on a terminal; silent elsewhere. */
export function progressBar(
  stream: NodeJS.WriteStream,
): ((progress: Progress) => void) & { done(): void } {
  let drawn = false
  let last = 0
  const draw = (progress: Progress): void => {
    if (!stream.isTTY) return
    const now = Date.now()
    if (now - last < 80 && progress.done < progress.total) return
    last = now
    const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0
    const width = 24
    const filled = Math.round(fraction * width)
    const amount =
      progress.total > 1000 ? ` ${formatBytes(progress.done)} / ${formatBytes(progress.total)}` : ''
    const text = `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${progress.phase}${amount}`
    stream.write(`\r${text.slice(0, (stream.columns || 100) - 1)}\x1b[K`)
    drawn = true
  }
  return Object.assign(draw, {
    done(): void {
      if (drawn) stream.write('\r\x1b[K')
      drawn = false
    },
  })
}
