// The MCP tools that compare snapshots and test a fix: diff (new and deleted objects per class,
// the CLI's `diff`), find_leaks (memlab's three-snapshot method, the CLI's `leaks`) and
// what_if_cut (what cutting one reference frees, the CLI's `why --cut`).
import { z } from 'zod'
import type { EdgeSummary, LeakCluster, ObjectSummary, ReadableStep } from '../../shared/protocol'
import { formatEdge } from '../../shared/view/format'
import { formatBytes } from '../cli/format'
import { diffText, idWarning } from '../cli/diff-command'
import { clusterText, growingText } from '../cli/leaks-command'
import { cutText } from '../cli/why-command'
import type { Backend } from '../backend/backend'
import {
  answer,
  objectSummaryOutput,
  pageFacts,
  pageLine,
  pageOutput,
  pathStepOutput,
  snapshotInfoOutput,
  ToolError,
  pagingInput,
} from './answers'
import {
  addTool,
  objectOf,
  objectRefInput,
  snapshotFacts,
  snapshotIdInput,
  snapshotInfo,
  type ToolContext,
} from './tool'

/** Leak clusters a call answers by default (each is explained, which costs a path search). */
const DEFAULT_CLUSTERS = 10
/** The most leak clusters one call answers. */
const MAX_CLUSTERS = 20
/** Growing classes a find_leaks answer lists. */
const MAX_GROWING = 20

const classDiffOutput = z.looseObject({
  classKey: z.string(),
  className: z.string(),
  addedCount: z.number(),
  removedCount: z.number(),
  countDelta: z.number(),
  sizeDelta: z.number(),
  retainedSizeDelta: z.number(),
})

const leakClusterOutput = z.looseObject({
  verdict: z.string().nullable(),
  className: z.string(),
  count: z.number(),
  suspectCount: z.number(),
  retainedSize: z.number(),
  path: z.array(pathStepOutput),
  objectIds: z.array(z.number()),
  signature: z.string(),
  heldByInternals: z.boolean(),
})

const edgeOutput = z.looseObject({
  type: z.string(),
  name: z.string(),
  edge: z.number(),
  isWeak: z.boolean(),
})

export function registerCompareTools(context: ToolContext): void {
  const { backend } = context

  addTool(context, 'diff', {
    title: 'Compare two snapshots',
    description:
      "What changed per class from an older snapshot (baseSnapshotId) to a newer one (snapshotId) of the same process: new and deleted objects by id, as DevTools' Comparison view, with the change in retained size. Paged.",
    input: {
      baseSnapshotId: snapshotIdInput.describe('the older snapshot'),
      snapshotId: snapshotIdInput.describe('the newer snapshot'),
      filter: z.string().max(200).optional().describe('part of a class name'),
      hideUnchanged: z
        .boolean()
        .default(false)
        .describe('leave out classes whose objects were only replaced one for one'),
      ...pagingInput,
    },
    output: {
      before: snapshotInfoOutput,
      after: snapshotInfoOutput,
      warning: z.string().nullable(),
      ...pageOutput,
      classes: z.array(classDiffOutput),
    },
    readOnly: true,
    run: async ({ baseSnapshotId, snapshotId, filter, hideUnchanged, start, count }) => {
      const page = await backend.diffSnapshots({
        snapshotId,
        baseSnapshotId,
        filter,
        hideUnchanged,
        start,
        count,
      })
      const ids = await backend.compareSnapshotIds({ snapshotId, baseSnapshotId })
      const before = snapshotFacts(await snapshotInfo(backend, baseSnapshotId))
      const after = snapshotFacts(await snapshotInfo(backend, snapshotId))
      const warning =
        idWarning(before.file, after.file, ids)?.replace(/^heapgraph: warning: /, '') ?? null
      const facts = pageFacts(page.start, page.items.length, page.total)
      const text = [
        ...(warning ? [`warning: ${warning}`] : []),
        diffText(before, after, page.items, page.total, null),
        pageLine(facts, page.items.length, 'classes'),
      ]
      return answer(text.join('\n'), { before, after, warning, ...facts, classes: page.items })
    },
  })

  addTool(context, 'find_leaks', {
    title: 'Find leaks from three snapshots',
    description:
      "memlab's method on three snapshots of one process: base (before an action), target (after it), final (after undoing it). Suspects are objects new in target and still alive in final, clustered by retainer path, largest retained size first, each with a verdict of what holds it. Paged by cluster.",
    input: {
      base: snapshotIdInput.describe('the baseline snapshot'),
      target: snapshotIdInput.describe('the snapshot after the action'),
      final: snapshotIdInput.describe('the snapshot after undoing the action'),
      includeStrings: z.boolean().default(false).describe('count strings as suspects too'),
      includeInternals: z
        .boolean()
        .default(false)
        .describe("count clusters held only by V8's internals with the others"),
      start: pagingInput.start,
      count: z
        .number()
        .int()
        .min(1)
        .max(MAX_CLUSTERS)
        .default(DEFAULT_CLUSTERS)
        .describe(`clusters to answer (default ${DEFAULT_CLUSTERS}, at most ${MAX_CLUSTERS})`),
    },
    output: {
      base: z.string(),
      target: z.string(),
      final: z.string(),
      clusterCount: z.number(),
      suspectCount: z.number(),
      retainedSize: z.number(),
      internalOnly: z.looseObject({
        clusterCount: z.number(),
        suspectCount: z.number(),
        retainedSize: z.number(),
      }),
      maxObjectIds: z.number(),
      ...pageOutput,
      clusters: z.array(leakClusterOutput),
      growing: z.array(z.looseObject({ className: z.string(), counts: z.array(z.number()) })),
      growingCount: z.number(),
    },
    readOnly: true,
    run: async ({ base, target, final, includeStrings, includeInternals, start, count }) => {
      const report = await backend.findLeaks({
        baseSnapshotId: base,
        targetSnapshotId: target,
        finalSnapshotId: final,
        includeStrings,
        includeInternalOnly: includeInternals,
      })
      // The report lists its largest clusters (clusterCount says how many there are).
      const listed = report.clusters
      const from = Math.min(start, listed.length)
      const shown = listed.slice(from, from + count)
      const explained = await Promise.all(
        shown.map((cluster) => explainCluster(backend, final, cluster)),
      )
      const clusters: LeakCluster[] = shown.map((cluster, position) => ({
        ...cluster,
        verdict: explained[position]?.verdict ?? null,
      }))
      const facts = pageFacts(from, shown.length, listed.length)
      const files = await Promise.all(
        [base, target, final].map(async (id) => (await snapshotInfo(backend, id)).file),
      )
      const left = report.internalOnly
      const text = [
        `Leak suspects: objects allocated between ${files[0]} and ${files[1]} that are still alive in ${files[2]}`,
        `${report.clusterCount.toLocaleString('en-US')} cluster${report.clusterCount === 1 ? '' : 's'}, ${report.suspectCount.toLocaleString('en-US')} objects, ${formatBytes(report.retainedSize)} retained`,
        ...(left.clusterCount > 0
          ? [
              `(${left.clusterCount.toLocaleString('en-US')} more clusters, ${left.suspectCount.toLocaleString('en-US')} objects, ${formatBytes(left.retainedSize)}, held only by V8's internals, left out; includeInternals counts them)`,
            ]
          : []),
        ...shown.flatMap((cluster, position) => [
          '',
          clusterText(
            cluster,
            from + position + 1,
            explained[position],
            `the structured content lists up to ${report.maxObjectIds}`,
          ),
        ]),
        '',
        pageLine(facts, shown.length, 'clusters'),
        '',
        'Growing classes (count or retained size never shrinks and grows from base to final):',
        report.growing.length > 0 ? growingText(report.growing.slice(0, MAX_GROWING)) : '  none',
        ...(report.growing.length > MAX_GROWING
          ? [`(${report.growing.length - MAX_GROWING} more not listed)`]
          : []),
      ]
      return answer(text.join('\n'), {
        base,
        target,
        final,
        clusterCount: report.clusterCount,
        suspectCount: report.suspectCount,
        retainedSize: report.retainedSize,
        internalOnly: {
          clusterCount: left.clusterCount,
          suspectCount: left.suspectCount,
          retainedSize: left.retainedSize,
        },
        maxObjectIds: report.maxObjectIds,
        ...facts,
        clusters,
        growing: report.growing.slice(0, MAX_GROWING),
        growingCount: report.growing.length,
      })
    },
  })

  addTool(context, 'what_if_cut', {
    title: 'What would cutting a reference free?',
    description:
      'What cutting one reference would free, by a reachability recount: bytes and objects freed, and whether the target (if given) survives and through what. from is the holder\'s @id; edge is the reference as the answers print it (".listeners", "[3]", "leakCache") or its edge ordinal (a number, as why\'s fix and references answer it).',
    input: {
      snapshotId: snapshotIdInput,
      from: objectRefInput.describe('the @id of the object that holds the reference'),
      edge: z
        .union([z.number().int().nonnegative(), z.string().min(1).max(2000)])
        .describe('the reference: its name as printed, or its edge ordinal'),
      target: objectRefInput
        .optional()
        .describe('an object to check (default: the one the reference leads to)'),
    },
    output: {
      snapshotId: z.string(),
      from: objectSummaryOutput,
      edge: edgeOutput,
      isRetaining: z.boolean(),
      freedBytes: z.number(),
      freedCount: z.number(),
      target: objectSummaryOutput,
      targetWasReachable: z.boolean(),
      targetFreed: z.boolean(),
      stillAlivePath: z.array(pathStepOutput).nullable(),
      largestFreed: z.array(objectSummaryOutput),
    },
    readOnly: true,
    run: async ({ snapshotId, from, edge, target }) => {
      const holder = await objectOf(backend, snapshotId, from)
      const ordinal =
        typeof edge === 'number' ? edge : await findEdge(backend, snapshotId, holder, edge)
      const targetNode =
        target === undefined ? undefined : (await objectOf(backend, snapshotId, target)).node
      const result = await backend.cutReference({
        snapshotId,
        from: holder.node,
        edge: ordinal,
        target: targetNode,
      })
      return answer(cutText(result), { snapshotId, ...result })
    },
  })
}

/** A cluster's largest head explained (its first route and verdict); null without a path. */
async function explainCluster(
  backend: Backend,
  snapshotId: string,
  cluster: LeakCluster,
): Promise<{ readable: ReadableStep[]; verdict: string } | null> {
  const head = cluster.path.at(-1)?.node
  if (!head) return null
  const explanation = await backend.explainRetention({
    snapshotId,
    node: head.node,
    count: 1,
    withFix: false,
  })
  const route = explanation.routes[0]
  return route ? { readable: route.readable, verdict: explanation.verdict } : null
}

/** Edges read a page at a time when looking one up by name. */
const EDGE_PAGE = 10_000

/**
 * The edge of `holder` that `text` names: by its name, or written as paths print it (`.x`,
 * `[3]`), as `heapgraph why --cut` reads it; a tool error unless exactly one matches.
 */
async function findEdge(
  backend: Backend,
  snapshotId: string,
  holder: ObjectSummary,
  text: string,
): Promise<number> {
  const matches: EdgeSummary[] = []
  const names: string[] = []
  let total = 0
  for (let start = 0; ; start += EDGE_PAGE) {
    const page = await backend.getEdges({ snapshotId, node: holder.node, start, count: EDGE_PAGE })
    total = page.total
    for (const { edge } of page.items) {
      const printed = formatEdge(edge.type, edge.name)
      if (edge.name === text || printed === text) matches.push(edge)
      if (names.length < 8) names.push(printed)
    }
    if (page.items.length === 0 || start + page.items.length >= page.total) break
  }
  const owner = `@${holder.id}`
  if (matches.length === 1) return matches[0].edge
  if (matches.length === 0) {
    const listed = total === 0 ? 'it has none' : `its references: ${names.join(', ')}`
    const more = total > names.length ? ` … (${total} in all; the references tool lists them)` : ''
    throw new ToolError(`${owner} has no reference "${text}"; ${listed}${more}`)
  }
  const found = matches
    .slice(0, 4)
    .map((edge) => `${formatEdge(edge.type, edge.name)} (edge ${edge.edge})`)
  throw new ToolError(
    `${matches.length} references of ${owner} match "${text}" (${found.join(', ')}); give the edge ordinal`,
  )
}
