// Benchmark child: loads one .heapsnapshot with our engine (parse + every analysis), runs a `why`
// query (find the @id, then its retainer path), then builds the query indexes and times each
// query once they are ready, then cuts (near the root, deep) and a diff
// of the snapshot with itself (both halves). With HEAPGRAPH_CACHE_DIR set to an empty folder
// (the bench's), it then writes the index cache (timed) and a digest of its answers, which
// heapgraph-cached-load.ts compares after reading that cache. Prints one JSON line.
// Usage: node --import tsx test/bench/heapgraph-load.ts <file> [@id]
import { PerformanceObserver } from 'node:perf_hooks'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { resolveTarget } from '../../electron/cli/commands'
import { getArrays } from '../../shared/heap/queries/arrays'
import { getCycle } from '../../shared/heap/queries/cycles'
import {
  describeObject,
  findNodeById,
  getDominatedChildren,
  getOutgoingEdges,
  getRetainers,
} from '../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../shared/heap/queries/paths'
import { explainRetention } from '../../shared/heap/queries/explain'
import { prepareQueryIndexes } from '../../shared/heap/queries/prepare'
import { searchObjects } from '../../shared/heap/queries/search'
import { findClasses, getClassMembers, getSummary } from '../../shared/heap/queries/summary'
import { diffBase, diffSnapshots, interfaceDefinitionsOf } from '../../shared/heap/queries/diff'
import { cutReference } from '../../shared/heap/queries/cut'
import type { PathStep } from '../../shared/protocol/dto'
import { writeCachedSnapshot } from '../../electron/backend/index-cache/index-cache'
import { answerDigest } from './answer-digest'
import { sectionRates } from './section-rates'

function timed(run: () => unknown): number {
  const start = performance.now()
  run()
  return performance.now() - start
}

async function timedAsync(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await run()
  return performance.now() - start
}

async function main(argv: readonly string[]): Promise<void> {
  const [file, target] = argv
  if (!file) {
    process.stderr.write('usage: node --import tsx test/bench/heapgraph-load.ts <file> [@id]\n')
    process.exitCode = 2
    return
  }
  // Garbage collection during the load, and each parse section's throughput from the progress
  // reports (bytes read at each report within a section).
  let gcMs = 0
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration
  })
  gc.observe({ entryTypes: ['gc'] })
  const sections = sectionRates()
  const start = performance.now()
  const snapshot = await loadSnapshotFile(file, { onProgress: sections.onProgress })
  const ms = performance.now() - start
  // The Summary right after the load, as the app's first view asks for it (builds the class
  // index); the speed target is load + summary.
  const summaryStart = performance.now()
  getSummary(snapshot)
  const summaryMs = performance.now() - summaryStart
  // Let the observer hear of the last collections.
  await new Promise((resolve) => setTimeout(resolve, 0))
  gc.disconnect()
  const parseMBps = sections.rates()
  // The target (default: the largest Array) is resolved outside the timed region; the timed
  // `why` is what `heapgraph why <file> @id` does after loading: find the id, find the path.
  const id = snapshot.graph.objectId[resolveTarget(snapshot, target ?? 'Array')]
  let node = 0
  const whyMs = timed(() => {
    node = findNodeById(snapshot, id) as number
    findRetainerPaths(snapshot, node)
  })
  // Peak RSS of load + why, before the query indexes are built (compared with DevTools' load).
  const peakRssBytes = process.resourceUsage().maxRSS * 1024
  const prepareMs = timed(() => prepareQueryIndexes(snapshot))
  const arrayClass = findClasses(snapshot, 'Array')[0].classKey
  const queriesMs = {
    summary: timed(() => getSummary(snapshot).slice(0, 100)),
    classMembers: timed(() => getClassMembers(snapshot, arrayClass, 1000, 50)),
    objectDetails: timed(() => describeObject(snapshot, node)),
    outgoingEdges: timed(() => getOutgoingEdges(snapshot, node, 0, 50)),
    retainers: timed(() => getRetainers(snapshot, node, 0, 50)),
    retainerPaths5: timed(() => findRetainerPaths(snapshot, node, { count: 5 })),
    // The verdict, 3 routes read as code, and the fix checked by a recount (`heapgraph why`).
    explain: timed(() => explainRetention(snapshot, node, { count: 3 })),
    dominatorChildren: timed(() => getDominatedChildren(snapshot, snapshot.graph.rootNode, 0, 50)),
    arrays: timed(() => getArrays(snapshot, { start: 100, count: 50 })),
    cycle: timed(() => getCycle(snapshot, node)),
    searchById: timed(() => searchObjects(snapshot, { text: `@${id}` })),
    searchByName: timed(() => searchObjects(snapshot, { text: 'Map' })),
  }
  const [path] = findRetainerPaths(snapshot, node).paths
  /** Cuts the reference into step `at` of the path (1: the root's own reference). */
  const cutAt = (steps: PathStep[], at: number): number =>
    timed(() =>
      cutReference(snapshot, {
        from: steps[at - 1].node.node,
        edgeName: steps[at].edge?.name ?? '',
        target: node,
      }),
    )
  const analysesMs = {
    cutNearRoot: path && path.length > 1 ? cutAt(path, 1) : null,
    cutDeep: path && path.length > 1 ? cutAt(path, path.length - 1) : null,
    diffWithItself: timed(() =>
      diffSnapshots(snapshot, diffBase(snapshot, interfaceDefinitionsOf(snapshot))),
    ),
  }
  const cacheWriteMs = process.env.HEAPGRAPH_CACHE_DIR
    ? await timedAsync(async () => {
        if (!(await writeCachedSnapshot(snapshot)))
          throw new Error('the index cache was not written')
      })
    : null
  const result = {
    ms,
    summaryMs,
    gcMs,
    parseMBps,
    cacheWriteMs,
    answers: answerDigest(snapshot, node),
    analysesMs,
    whyMs,
    prepareMs,
    queriesMs,
    peakRssBytes,
    preparedPeakRssBytes: process.resourceUsage().maxRSS * 1024,
    nodeCount: snapshot.graph.nodeCount,
    whyId: id,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

await main(process.argv.slice(2))
