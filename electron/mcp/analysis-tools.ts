// The MCP tools for the analyses other heap tools have: duplicated strings, detached DOM trees,
// closure leaks (the engine's getDuplicateStrings, getDetachedTrees, getClosureLeaks, as the
// CLI's strings, detached and closures print them) and DevTools' named filters (getRetainedBy:
// objects only the console, event handlers or detached DOM nodes keep).
import { z } from 'zod'
import { formatBytes, table } from '../cli/format'
import { OBJECT_HEADER, OBJECT_NUMERIC, objectRows } from '../cli/commands'
import { closureLeaksText, detachedText, duplicateStringsText } from '../cli/analyses-command'
import {
  answer,
  objectSummaryOutput,
  pageFacts,
  pageLine,
  pageOutput,
  pagingInput,
  type PageFacts,
} from './answers'
import { addTool, snapshotIdInput, type ToolContext } from './tool'

const holderOutput = z.looseObject({ object: objectSummaryOutput })

/**
 * The CLI's text of a report, for a page of it: its line on rows not shown (which names --top)
 * gives way to the page's line, which says how to ask for more.
 */
function pageText(text: string, page: PageFacts, shown: number, what: string): string {
  const withoutHint = text.replace(/\n\n\([^\n]*; see --top\)$/, '')
  return `${withoutHint}\n\n${pageLine(page, shown, what)}`
}

export function registerAnalysisTools(context: ToolContext): void {
  const { backend } = context

  addTool(context, 'duplicate_strings', {
    title: 'Duplicated strings',
    description:
      'Texts the program holds more than once, largest waste first: copies, bytes, what one shared copy would save, and who holds the copies (class and reference). Paged.',
    input: {
      snapshotId: snapshotIdInput,
      includeInternals: z
        .boolean()
        .default(false)
        .describe("also texts held more than once only by V8's internals"),
      ...pagingInput,
    },
    output: {
      snapshotId: z.string(),
      ...pageOutput,
      copyCount: z.number(),
      wastedSize: z.number(),
      internalOnly: z.looseObject({
        textCount: z.number(),
        copyCount: z.number(),
        wastedSize: z.number(),
      }),
      strings: z.array(
        z.looseObject({
          text: z.string(),
          complete: z.boolean(),
          count: z.number(),
          totalSize: z.number(),
          wastedSize: z.number(),
          examples: z.array(objectSummaryOutput),
          holders: z.array(holderOutput.extend({ count: z.number() })),
        }),
      ),
    },
    readOnly: true,
    run: async ({ snapshotId, includeInternals, start, count }) => {
      const report = await backend.getDuplicateStrings({
        snapshotId,
        start,
        count,
        includeInternal: includeInternals,
      })
      const page = pageFacts(report.start, report.items.length, report.total)
      const { items, copyCount, wastedSize, internalOnly } = report
      const text = duplicateStringsText(report).replace(
        '--include-internals counts them',
        'includeInternals counts them',
      )
      return answer(pageText(text, page, items.length, 'texts'), {
        snapshotId,
        ...page,
        copyCount,
        wastedSize,
        internalOnly,
        strings: items,
      })
    },
  })

  addTool(context, 'detached_dom', {
    title: 'Detached DOM trees',
    description:
      "DOM subtrees removed from the document but still held (Chrome snapshots; DevTools' Detached elements), largest retained size first, each with what holds it. Paged.",
    input: { snapshotId: snapshotIdInput, ...pagingInput },
    output: {
      snapshotId: z.string(),
      hasDom: z.boolean(),
      detachedNodeCount: z.number(),
      retainedSize: z.number(),
      ...pageOutput,
      trees: z.array(
        z.looseObject({
          root: objectSummaryOutput,
          nodeCount: z.number(),
          retainedSize: z.number(),
          heldBy: z.array(z.looseObject({ node: objectSummaryOutput, holder: holderOutput })),
          entryCount: z.number(),
        }),
      ),
    },
    readOnly: true,
    run: async ({ snapshotId, start, count }) => {
      const report = await backend.getDetachedTrees({ snapshotId, start, count })
      const page = pageFacts(report.start, report.items.length, report.total)
      const { hasDom, detachedNodeCount, retainedSize, items } = report
      const text = detachedText(report)
      return answer(report.total === 0 ? text : pageText(text, page, items.length, 'trees'), {
        snapshotId,
        hasDom,
        detachedNodeCount,
        retainedSize,
        ...page,
        trees: items,
      })
    },
  })

  addTool(context, 'closure_leaks', {
    title: 'Closure leaks',
    description:
      "Variables of closure scopes whose value retains at least minRetainedSize bytes and that live functions keep without all using them (the shared-context leak: a closure that never mentions a variable keeps it because a sibling did), largest value first, with each function and whether it reads the variable (known where the snapshot has scope information, as Chrome's do). Paged.",
    input: {
      snapshotId: snapshotIdInput,
      minRetainedSize: z
        .number()
        .nonnegative()
        .max(2 ** 53)
        .default(10_000)
        .describe('bytes a captured value must retain to be listed (default 10000)'),
      ...pagingInput,
    },
    output: {
      snapshotId: z.string(),
      hasScopeInfo: z.boolean(),
      minRetainedSize: z.number(),
      ...pageOutput,
      leaks: z.array(
        z.looseObject({
          context: objectSummaryOutput,
          variable: z.string(),
          value: objectSummaryOutput,
          use: z.string(),
          holders: z.array(
            z.looseObject({ closure: objectSummaryOutput, usesVariable: z.boolean().nullable() }),
          ),
          holderCount: z.number(),
        }),
      ),
    },
    readOnly: true,
    run: async ({ snapshotId, minRetainedSize, start, count }) => {
      const report = await backend.getClosureLeaks({ snapshotId, minRetainedSize, start, count })
      const page = pageFacts(report.start, report.items.length, report.total)
      const text = pageText(closureLeaksText(report), page, report.items.length, 'values')
      return answer(text, {
        snapshotId,
        hasScopeInfo: report.hasScopeInfo,
        minRetainedSize: report.minRetainedSize,
        ...page,
        leaks: report.items,
      })
    },
  })

  addTool(context, 'retained_by', {
    title: 'Objects only the console, event handlers or detached DOM keep',
    description:
      "DevTools' named filters: the objects that only the DevTools console (objects logged or inspected there), only event handlers (DOM event listeners' functions) or only detached DOM nodes keep alive, largest retained size first. Paged.",
    input: {
      snapshotId: snapshotIdInput,
      kind: z.enum(['console', 'event-handlers', 'detached-dom']),
      ...pagingInput,
    },
    output: {
      snapshotId: z.string(),
      kind: z.string(),
      selfSize: z.number(),
      retainerCount: z.number(),
      ...pageOutput,
      objects: z.array(objectSummaryOutput),
    },
    readOnly: true,
    run: async ({ snapshotId, kind, start, count }) => {
      const report = await backend.getRetainedBy({ snapshotId, kind, start, count })
      const page = pageFacts(report.start, report.items.length, report.total)
      const text = [
        `${report.retainerCount.toLocaleString('en-US')} ${kind} retainer${report.retainerCount === 1 ? '' : 's'}; the objects only they keep: ${formatBytes(report.selfSize)} in self sizes`,
        ...(report.items.length > 0
          ? [table(OBJECT_HEADER, objectRows(report.items), OBJECT_NUMERIC)]
          : []),
        pageLine(page, report.items.length, `objects only ${kind} keep`),
      ]
      return answer(text.join('\n'), {
        snapshotId,
        kind,
        selfSize: report.selfSize,
        retainerCount: report.retainerCount,
        ...page,
        objects: report.items,
      })
    },
  })
}
