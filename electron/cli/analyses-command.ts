// `heapgraph strings`, `heapgraph detached` and `heapgraph closures`: duplicated strings,
// detached DOM trees and closure leaks of one snapshot, largest first, as the engine reports
// them (shared/heap/queries: strings.ts, detached.ts, closures.ts). The text of each is also
// what the MCP server answers with; --json prints the snapshot's facts and the report.
import { getClosureLeaks } from '../../shared/heap/queries/closures'
import { getDetachedTrees } from '../../shared/heap/queries/detached'
import { getDuplicateStrings } from '../../shared/heap/queries/strings'
import { quoteText } from '../../shared/heap/queries/labels'
import { parseByteSize, wholeNumber } from './arguments'
import { headerLine, snapshotInfo, type CommandContext } from './commands'
import { clip, formatBytes } from './format'
import type {
  ArrayHolder,
  ClosureHolder,
  ClosureLeak,
  ClosureLeakReport,
  DetachedDomReport,
  DuplicateString,
  DuplicateStringsReport,
  ObjectSummary,
} from '../../shared/protocol/dto'

const DEFAULT_TOP = 20

/** How many characters of a text a line shows. */
const SHOWN_TEXT = 60

function count(value: number, one: string, many = one + 's'): string {
  return `${value.toLocaleString('en-US')} ${value === 1 ? one : many}`
}

/** An object as `why` names it: its label and @id. */
function named(object: ObjectSummary, width = 80): string {
  return `${clip(object.label, width)} @${object.id}`
}

/** A holder as a line says it: `LeakRecord @12 .status`. */
function holding(holder: ArrayHolder): string {
  return `${named(holder.object, 60)}${holder.via ? ' ' + clip(holder.via.text, 40) : ''}`
}

function stringText(entry: DuplicateString): string {
  const text = quoteText(entry.text, entry.complete, SHOWN_TEXT)
  const length =
    entry.length !== null
      ? entry.length > SHOWN_TEXT
        ? ` (${count(entry.length, 'character')})`
        : ''
      : ' (1,024+ characters)'
  return text + length
}

/** Duplicated strings as `heapgraph strings` prints them, `top` at most. */
export function duplicateStringsText(report: DuplicateStringsReport, top = report.items.length) {
  const lines = [
    `Duplicated strings: ${count(report.total, 'text')} held more than once by the program, ` +
      `${count(report.copyCount, 'copy', 'copies')}; keeping one copy of each would save ${formatBytes(report.wastedSize)}`,
  ]
  const left = report.internalOnly
  if (left.textCount > 0) {
    lines.push(
      `(${count(left.textCount, 'more text')} held more than once only by V8's internals ` +
        `(${count(left.copyCount, 'copy', 'copies')}, ${formatBytes(left.wastedSize)}) left out; --include-internals counts them)`,
    )
  }
  report.items.slice(0, top).forEach((entry, position) => {
    lines.push('')
    lines.push(
      `${String(report.start + position + 1).padStart(2)}. ${stringText(entry)}: ` +
        `${count(entry.count, 'copy', 'copies')}, ${formatBytes(entry.totalSize)}, ${formatBytes(entry.wastedSize)} wasted` +
        (entry.internalCount > 0 ? ` (and ${entry.internalCount} held only by V8)` : ''),
    )
    for (const holder of entry.holders) {
      lines.push(`    ${holder.count.toLocaleString('en-US')}× held by ${holding(holder)}`)
    }
  })
  const hidden = report.total - report.start - Math.min(top, report.items.length)
  if (hidden > 0) lines.push(`\n(${count(hidden, 'more text')} not shown; see --top)`)
  return lines.join('\n')
}

/** Detached DOM trees as `heapgraph detached` prints them, `top` at most. */
export function detachedText(report: DetachedDomReport, top = report.items.length): string {
  if (!report.hasDom)
    return 'This snapshot has no DOM (a Node.js heap, or a worker): nothing in it can be detached.'
  if (report.total === 0)
    return 'No detached DOM nodes: every DOM node in this snapshot is attached.'
  const lines = [
    `Detached DOM: ${count(report.total, 'tree')} of ${count(report.detachedNodeCount, 'detached node')}, ${formatBytes(report.retainedSize)} retained`,
  ]
  report.items.slice(0, top).forEach((tree, position) => {
    lines.push('')
    lines.push(
      `${String(report.start + position + 1).padStart(2)}. ${named(tree.root)}: ` +
        `${count(tree.nodeCount, 'node')}, ${formatBytes(tree.retainedSize)} retained`,
    )
    for (const entry of tree.heldBy) {
      lines.push(`    held by ${holding(entry.holder)} → ${named(entry.node, 60)}`)
    }
    const more = tree.entryCount - tree.heldBy.length
    if (more > 0) lines.push(`    (and ${count(more, 'more node')} held from outside the tree)`)
  })
  const hidden = report.total - report.start - Math.min(top, report.items.length)
  if (hidden > 0) lines.push(`\n(${count(hidden, 'smaller tree')} not shown; see --top)`)
  return lines.join('\n')
}

function functionNames(holders: readonly ClosureHolder[]): string {
  const names = [...new Set(holders.map((holder) => holder.closure.name || 'anonymous'))]
  return names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ')
}

/** One line on how a captured variable's holders use it. */
function useLine(leak: ClosureLeak): string {
  const notUsing = leak.holders.filter((holder) => holder.usesVariable === false)
  const using = leak.holders.filter((holder) => holder.usesVariable === true)
  switch (leak.use) {
    case 'unused':
      return `no live function reads ${leak.variable}: ${functionNames(notUsing)} keep${notUsing.length === 1 ? 's' : ''} it alive without using it`
    case 'shared':
      return `${functionNames(notUsing)} keep${notUsing.length === 1 ? 's' : ''} ${leak.variable} alive without using it; ${using.length > 0 ? functionNames(using) : 'others'} use${using.length === 1 ? 's' : ''} it`
    default:
      return `${count(leak.holderCount, 'function')} share this scope; the snapshot does not tell which of them uses ${leak.variable} (no scope information)`
  }
}

function holderLine(holder: ClosureHolder): string {
  const use =
    holder.usesVariable === true
      ? 'uses it'
      : holder.usesVariable === false
        ? 'does not use it'
        : 'use not known'
  const held = holder.heldBy ? `; held by ${holding(holder.heldBy)}` : ''
  return `    ${named(holder.closure, 70)}: ${use}${held}`
}

/** Closure leaks as `heapgraph closures` prints them, `top` at most. */
export function closureLeaksText(report: ClosureLeakReport, top = report.items.length): string {
  const lines = [
    `Closure leaks: ${count(report.total, 'captured value')} of ${formatBytes(report.minRetainedSize)} or more, kept by functions that may not use ${report.total === 1 ? 'it' : 'them'}`,
    report.hasScopeInfo
      ? '(which function reads which variable is from the scope information of the snapshot)'
      : '(this snapshot has no scope information, as Node.js writes none: which function reads a variable is not known)',
  ]
  report.items.slice(0, top).forEach((leak, position) => {
    lines.push('')
    lines.push(
      `${String(report.start + position + 1).padStart(2)}. ${leak.variable} = ${named(leak.value, 60)}, ` +
        `${formatBytes(leak.value.retainedSize)} retained, in ${named(leak.context, 70)}`,
    )
    lines.push(`    ${useLine(leak)}`)
    for (const holder of leak.holders) lines.push(holderLine(holder))
    const more = leak.holderCount - leak.holders.length
    if (more > 0) lines.push(`    (and ${count(more, 'more function')})`)
  })
  const hidden = report.total - report.start - Math.min(top, report.items.length)
  if (hidden > 0) lines.push(`\n(${count(hidden, 'smaller value')} not shown; see --top)`)
  return lines.join('\n')
}

export function runStrings(context: CommandContext): void {
  const top = wholeNumber(context.values.top, 'top', DEFAULT_TOP)
  const report = getDuplicateStrings(context.snapshot, {
    count: top,
    includeInternal: context.values['include-internals'] === true,
  })
  const info = snapshotInfo(context.file, context.snapshot)
  if (context.json) {
    context.out(JSON.stringify({ snapshot: info, ...report }, null, 2))
    return
  }
  context.out(headerLine(info))
  context.out(duplicateStringsText(report, top))
}

export function runDetached(context: CommandContext): void {
  const top = wholeNumber(context.values.top, 'top', DEFAULT_TOP)
  const report = getDetachedTrees(context.snapshot, { count: top })
  const info = snapshotInfo(context.file, context.snapshot)
  if (context.json) {
    context.out(JSON.stringify({ snapshot: info, ...report }, null, 2))
    return
  }
  context.out(headerLine(info))
  context.out(detachedText(report, top))
}

export function runClosures(context: CommandContext): void {
  const top = wholeNumber(context.values.top, 'top', DEFAULT_TOP)
  const minSize = context.values['min-size']
  const report = getClosureLeaks(context.snapshot, {
    count: top,
    minRetainedSize: typeof minSize === 'string' ? parseByteSize(minSize, 'min-size') : undefined,
  })
  const info = snapshotInfo(context.file, context.snapshot)
  if (context.json) {
    context.out(JSON.stringify({ snapshot: info, ...report }, null, 2))
    return
  }
  context.out(headerLine(info))
  context.out(closureLeaksText(report, top))
}
