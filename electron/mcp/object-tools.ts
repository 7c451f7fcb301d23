// The MCP tools that explain one object: why it is alive (the CLI's `why`: verdict, routes read
// as code, the fix), its retainers and references, and its dominators (the chain up to the root
// and the objects it dominates).
import { z } from 'zod'
import type { ObjectSummary, WhyResult } from '../../shared/protocol'
import { objectLabel } from '../../shared/view/format'
import { formatBytes, table } from '../cli/format'
import { OBJECT_HEADER, OBJECT_NUMERIC, objectRows } from '../cli/commands'
import { referenceTable } from '../cli/show-command'
import { explanationText } from '../cli/why-command'
import {
  answer,
  explanationOutput,
  objectSummaryOutput,
  pageFacts,
  pageLine,
  pageOutput,
  pagingInput,
  referenceOutput,
} from './answers'
import {
  addTool,
  objectOf,
  objectRefInput,
  resolveTarget,
  snapshotIdInput,
  type ToolContext,
} from './tool'

/** Most routes `why` answers. */
const MAX_PATHS = 10
/** Most steps of a dominator chain answered (the rest is said, not listed). */
export const MAX_CHAIN = 100

function objectLine(object: ObjectSummary): string {
  return `${objectLabel(object)}: self ${formatBytes(object.selfSize)}, retained ${formatBytes(object.retainedSize)}`
}

export function registerObjectTools(context: ToolContext): void {
  const { backend } = context

  addTool(context, 'why', {
    title: 'Why is it alive?',
    description:
      'Why an object is still alive: a one-line verdict, the routes from GC roots read as code (`.items`, `captures x`, `entry "k"`) and, where one is recognizable, the fix checked by a recount (what_if_cut checks others). target is an @id or a class name (then its instance with the largest retained size), as `heapgraph why` takes it.',
    input: {
      snapshotId: snapshotIdInput,
      target: z
        .union([
          z
            .number()
            .int()
            .nonnegative()
            .max(2 ** 53),
          z.string().min(1).max(2000),
        ])
        .describe('"@123" (an object id) or a class name'),
      paths: z
        .number()
        .int()
        .min(1)
        .max(MAX_PATHS)
        .default(1)
        .describe(`how many different routes (default 1, at most ${MAX_PATHS})`),
      internals: z.boolean().default(false).describe("V8's own steps, unfolded"),
    },
    output: { snapshotId: z.string(), ...explanationOutput },
    readOnly: true,
    run: async ({ snapshotId, target, paths, internals }) => {
      const { node } = await resolveTarget(backend, snapshotId, target)
      const explanation = await backend.explainRetention({
        snapshotId,
        node,
        count: paths,
        internals,
      })
      const result: WhyResult = {
        ...explanation,
        paths: explanation.routes.map((route) => route.steps),
      }
      const text = explanationText(
        explanation,
        (cut) => `check it with what_if_cut {from: "@${cut.fromId}", edge: ${cut.edge}}`,
      )
      return answer(text, { snapshotId, ...result })
    },
  })

  for (const kind of ['retainers', 'references'] as const) {
    const isRetainers = kind === 'retainers'
    addTool(context, kind, {
      title: isRetainers ? 'What holds an object' : 'What an object holds',
      description: isRetainers
        ? 'The references to an object (its retainers), nearest to a GC root first. Paged.'
        : "An object's outgoing references and the objects they lead to. Paged.",
      input: { snapshotId: snapshotIdInput, id: objectRefInput, ...pagingInput },
      output: {
        snapshotId: z.string(),
        object: objectSummaryOutput,
        ...pageOutput,
        [kind]: z.array(referenceOutput),
      },
      readOnly: true,
      run: async ({ snapshotId, id, start, count }) => {
        const object = await objectOf(backend, snapshotId, id)
        const query = { snapshotId, node: object.node, start, count }
        const page = isRetainers ? await backend.getRetainers(query) : await backend.getEdges(query)
        const facts = pageFacts(page.start, page.items.length, page.total)
        const text = [
          objectLine(object),
          isRetainers ? 'Retainers (nearest to a GC root first):' : 'References:',
          referenceTable(page.items),
          pageLine(facts, page.items.length, kind),
        ]
        return answer(text.join('\n'), { snapshotId, object, ...facts, [kind]: page.items })
      },
    })
  }

  addTool(context, 'dominators', {
    title: 'Dominators of an object',
    description: `An object's dominator chain (its immediate dominator first, up to the root: each one, once gone, frees the object; at most ${MAX_CHAIN} steps) and the objects it dominates (what it frees by going), largest retained size first. The dominated children are paged.`,
    input: { snapshotId: snapshotIdInput, id: objectRefInput, ...pagingInput },
    output: {
      snapshotId: z.string(),
      object: objectSummaryOutput,
      chain: z.array(objectSummaryOutput),
      chainComplete: z.boolean(),
      ...pageOutput,
      children: z.array(objectSummaryOutput),
    },
    readOnly: true,
    run: async ({ snapshotId, id, start, count }) => {
      const object = await objectOf(backend, snapshotId, id)
      const chain: ObjectSummary[] = []
      let next = (await backend.getObject({ snapshotId, node: object.node })).dominator
      while (next && chain.length < MAX_CHAIN) {
        chain.push(next)
        next = (await backend.getObject({ snapshotId, node: next.node })).dominator
      }
      const chainComplete = next === null
      const page = await backend.getDominatedChildren({
        snapshotId,
        node: object.node,
        start,
        count,
      })
      const facts = pageFacts(page.start, page.items.length, page.total)
      const text = [
        objectLine(object),
        'Dominator chain (immediate dominator first, up to the root):',
        chain.length > 0
          ? table(OBJECT_HEADER, objectRows(chain), OBJECT_NUMERIC)
          : '(none: it is the root)',
        ...(chainComplete ? [] : [`(first ${MAX_CHAIN} steps; the chain goes on)`]),
        '',
        'Dominated objects (freed with it), largest retained size first:',
        ...(page.items.length > 0
          ? [table(OBJECT_HEADER, objectRows(page.items), OBJECT_NUMERIC)]
          : []),
        pageLine(facts, page.items.length, 'dominated objects'),
      ]
      return answer(text.join('\n'), {
        snapshotId,
        object,
        chain,
        chainComplete,
        ...facts,
        children: page.items,
      })
    },
  })
}
