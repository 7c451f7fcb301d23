// The MCP tools that open, list and close snapshots and read one: summary by class, objects by
// class, text or @id, one object's details, and the arrays catalog. Text answers are the CLI's
// (summary, show, top --arrays); structured answers are the protocol's DTOs.
import { resolve } from 'node:path'
import { z } from 'zod'
import type { ObjectSummary, Page } from '../../shared/protocol'
import { clip, table } from '../cli/format'
import { headerLine, OBJECT_HEADER, OBJECT_NUMERIC, objectRows } from '../cli/commands'
import { summaryTable } from '../cli/summary-command'
import { objectText } from '../cli/show-command'
import { arrayTable } from '../cli/top-command'
import {
  answer,
  objectSummaryOutput,
  pageFacts,
  pageLine,
  pageOutput,
  pagingInput,
  snapshotInfoOutput,
  ToolError,
} from './answers'
import {
  addTool,
  classesNamed,
  followOperation,
  objectOf,
  objectRefInput,
  similarClasses,
  snapshotFacts,
  snapshotIdInput,
  snapshotInfo,
  type ToolContext,
} from './tool'

const classSummaryOutput = z.looseObject({
  classKey: z.string(),
  className: z.string(),
  count: z.number(),
  selfSize: z.number(),
  retainedSize: z.number(),
  distance: z.number().nullable(),
})

export function registerSnapshotTools(context: ToolContext): void {
  const { backend } = context

  addTool(context, 'open_snapshot', {
    title: 'Open a heap snapshot',
    description:
      'Opens a .heapsnapshot file (gzipped too; multi-GB files take a while) in an engine process of its own. It stays open for the other tools until close_snapshot. Answers its snapshotId.',
    input: {
      file: z
        .string()
        .min(1)
        .max(4096)
        .describe("the snapshot file's path (relative paths: from the server's folder)"),
    },
    output: snapshotInfoOutput.shape,
    readOnly: false,
    run: async ({ file }, extra) => {
      const operation = followOperation(backend, extra)
      try {
        const info = await backend.openSnapshot({
          file: resolve(file),
          operationId: operation.operationId,
        })
        return answer(`${headerLine(info)}\nsnapshotId: ${info.snapshotId}`, snapshotFacts(info))
      } finally {
        operation.done()
      }
    },
  })

  addTool(context, 'list_snapshots', {
    title: 'List open snapshots',
    description: 'The snapshots open in this server, with their ids.',
    input: {},
    output: { snapshots: z.array(snapshotInfoOutput) },
    readOnly: true,
    run: async () => {
      const snapshots = (await backend.listSnapshots({})).map(snapshotFacts)
      const text =
        snapshots.length === 0
          ? '(no open snapshots; open one with open_snapshot)'
          : snapshots.map((info) => `${info.snapshotId}  ${headerLine(info)}`).join('\n')
      return answer(text, { snapshots })
    },
  })

  addTool(context, 'close_snapshot', {
    title: 'Close a snapshot',
    description: 'Closes an open snapshot and ends its engine process.',
    input: { snapshotId: snapshotIdInput },
    output: { snapshotId: z.string(), closed: z.boolean() },
    readOnly: false,
    run: async ({ snapshotId }) => {
      await backend.closeSnapshot({ snapshotId })
      return answer(`closed ${snapshotId}`, { snapshotId, closed: true })
    },
  })

  addTool(context, 'summary', {
    title: 'Classes by retained size',
    description:
      "Objects grouped by class (constructor), largest retained size first, as DevTools' Summary view; filter keeps the classes whose name contains it (ignoring case). Paged.",
    input: {
      snapshotId: snapshotIdInput,
      filter: z.string().max(200).optional().describe('part of a class name'),
      ...pagingInput,
    },
    output: { snapshotId: z.string(), ...pageOutput, classes: z.array(classSummaryOutput) },
    readOnly: true,
    run: async ({ snapshotId, filter, start, count }) => {
      const page = await backend.getSummary({ snapshotId, filter, start, count })
      const info = await snapshotInfo(backend, snapshotId)
      const facts = pageFacts(page.start, page.items.length, page.total)
      const text = [
        headerLine(info),
        summaryTable(page.items),
        pageLine(facts, page.items.length, 'classes'),
      ]
      return answer(text.join('\n'), { snapshotId, ...facts, classes: page.items })
    },
  })

  addTool(context, 'find_objects', {
    title: 'Find objects',
    description:
      'Objects by exactly one of: className (the instances of that class, largest retained size first), text (objects whose label, class or string value contains it) or id (one object by its @id). Paged.',
    input: {
      snapshotId: snapshotIdInput,
      className: z.string().min(1).max(2000).optional().describe('a class name, exactly'),
      text: z.string().min(1).max(500).optional().describe('text to search for'),
      id: objectRefInput.optional(),
      ...pagingInput,
    },
    output: {
      snapshotId: z.string(),
      ...pageOutput,
      objects: z.array(objectSummaryOutput),
    },
    readOnly: true,
    run: async ({ snapshotId, className, text, id, start, count }) => {
      const given = [className, text, id].filter((value) => value !== undefined).length
      if (given !== 1) {
        throw new ToolError('find_objects takes exactly one of className, text and id')
      }
      let page: Page<ObjectSummary>
      let note = ''
      if (id !== undefined) {
        const found = await objectOf(backend, snapshotId, id).catch((error: unknown) => {
          if (error instanceof ToolError) return null
          throw error
        })
        const items = found && start === 0 ? [found] : []
        page = { start, total: found ? 1 : 0, items }
      } else if (text !== undefined) {
        page = await backend.search({ snapshotId, text, start, count })
      } else {
        const name = className as string
        page = await membersOfClasses(context, snapshotId, name, start, count)
        if (page.total === 0) {
          const similar = await similarClasses(backend, snapshotId, name)
          if (similar.length > 0) note = `\nclasses whose name contains it: ${similar.join(', ')}`
        }
      }
      const facts = pageFacts(page.start, page.items.length, page.total)
      const lines = [
        ...(page.items.length > 0
          ? [table(OBJECT_HEADER, objectRows(page.items), OBJECT_NUMERIC)]
          : []),
        ...page.items.flatMap((item) =>
          'preview' in item && typeof item.preview === 'string'
            ? [`@${item.id} ${clip(item.preview, 200)}`]
            : [],
        ),
        pageLine(facts, page.items.length, 'objects') + note,
      ]
      return answer(lines.join('\n'), { snapshotId, ...facts, objects: page.items })
    },
  })

  addTool(context, 'show_object', {
    title: 'Show an object',
    description:
      "One object by its @id: label (a function's name and file:line:column, a string's text, an array's length), class, value or properties, sizes, distance, dominator, allocation stack when recorded.",
    input: { snapshotId: snapshotIdInput, id: objectRefInput },
    output: {
      snapshotId: z.string(),
      object: objectSummaryOutput.extend({
        retainerCount: z.number(),
        edgeCount: z.number(),
        dominator: objectSummaryOutput.nullable(),
        value: z.looseObject({}),
      }),
      allocationStack: z.array(z.looseObject({ functionName: z.string() })).nullable(),
    },
    readOnly: true,
    run: async ({ snapshotId, id }) => {
      const { node } = await objectOf(backend, snapshotId, id)
      const object = await backend.getObject({ snapshotId, node })
      const allocationStack = await backend.getAllocationStack({ snapshotId, node })
      const text = objectText(object, allocationStack, ' … (cut)')
      const more = `\n(its references: references; what holds it: retainers or why)`
      return answer(text + more, { snapshotId, object, allocationStack })
    },
  })

  addTool(context, 'arrays', {
    title: 'Arrays by size',
    description:
      'JS arrays, typed arrays, ArrayBuffers and backing stores, largest first (by retained size unless sort says otherwise), each with what holds it. Paged.',
    input: {
      snapshotId: snapshotIdInput,
      kinds: z
        .array(z.enum(['array', 'typed-array', 'array-buffer', 'backing-store', 'elements']))
        .max(5)
        .optional()
        .describe('which kinds (default: all)'),
      sort: z.enum(['retainedSize', 'selfSize', 'length', 'storeSize']).default('retainedSize'),
      order: z.enum(['descending', 'ascending']).default('descending'),
      filter: z
        .string()
        .max(200)
        .optional()
        .describe('text in the label or retainer path, ignoring case'),
      ...pagingInput,
    },
    output: {
      snapshotId: z.string(),
      ...pageOutput,
      arrays: z.array(
        objectSummaryOutput.extend({
          kind: z.string(),
          length: z.number().nullable(),
          storeSize: z.number(),
          heldBy: z.looseObject({ object: objectSummaryOutput }).nullable().optional(),
        }),
      ),
    },
    readOnly: true,
    run: async ({ snapshotId, kinds, sort, order, filter, start, count }) => {
      const page = await backend.getArrays({
        snapshotId,
        kinds,
        sort,
        order,
        filter,
        start,
        count,
        withHolders: true,
      })
      const facts = pageFacts(page.start, page.items.length, page.total)
      const text = [
        arrayTable(page.items, {
          header: 'held by',
          cell: ({ heldBy }) =>
            heldBy
              ? `${clip(heldBy.object.label, 40)} @${heldBy.object.id}${heldBy.via ? ` ${heldBy.via.text}` : ''}`
              : '-',
        }),
        pageLine(facts, page.items.length, 'arrays'),
      ]
      return answer(text.join('\n'), { snapshotId, ...facts, arrays: page.items })
    },
  })
}

/**
 * A page of the members of the classes named `className` (several where classes are told apart
 * by where they were defined), class after class as the summary orders them.
 */
async function membersOfClasses(
  context: ToolContext,
  snapshotId: string,
  className: string,
  start: number,
  count: number,
): Promise<Page<ObjectSummary>> {
  const classes = await classesNamed(context.backend, snapshotId, className)
  const total = classes.reduce((sum, entry) => sum + entry.count, 0)
  const items: ObjectSummary[] = []
  let offset = 0
  for (const entry of classes) {
    const wanted = count - items.length
    if (wanted <= 0) break
    const from = Math.max(0, start + items.length - offset)
    if (from < entry.count) {
      const page = await context.backend.getClassMembers({
        snapshotId,
        classKey: entry.classKey,
        start: from,
        count: Math.min(wanted, entry.count - from),
      })
      items.push(...page.items)
    }
    offset += entry.count
  }
  return { start, total, items }
}
