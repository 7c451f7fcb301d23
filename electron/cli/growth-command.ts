// `heapgraph growth`: objgraph's show_growth for a running process. Takes --count snapshots of
// the target, --interval apart (each after a garbage collection), and after each one prints the
// classes whose instance count went up since the one before. The snapshots are parsed as they
// stream and dropped; only per-class totals are kept.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  classGrowth,
  totalsByName,
  type ClassGrowth,
  type ClassTotals,
} from '../../shared/heap/queries/growth'
import { getSummary } from '../../shared/heap/queries/summary'
import { TargetSession } from '../backend/cdp/session'
import { parseDuration, wholeNumber } from './arguments'
import { chooseTarget, option, type AttachContext } from './attach-commands'
import { formatBytes, table } from './format'

interface GrowthStep {
  index: number
  /** Milliseconds since the first snapshot. */
  timeMs: number
  nodeCount: number
  growth: ClassGrowth[]
}

function signed(value: number, format: (value: number) => string): string {
  return value < 0 ? `-${format(-value)}` : `+${format(value)}`
}

function printStep(context: AttachContext, step: GrowthStep, count: number, top: number): void {
  const title =
    step.index === 0
      ? `snapshot 1 of ${count}: ${step.nodeCount.toLocaleString('en-US')} objects (growth from nothing)`
      : `snapshot ${step.index + 1} of ${count}, ${(step.timeMs / 1000).toFixed(1)} s after the first: ${step.nodeCount.toLocaleString('en-US')} objects`
  context.out(title)
  const rows = step.growth.slice(0, top)
  if (rows.length === 0) {
    context.out('  no class grew')
    return
  }
  context.out(
    table(
      ['class', 'count', 'growth', 'self size', 'change'],
      rows.map((row) => [
        row.className,
        row.count.toLocaleString('en-US'),
        signed(row.countDelta, (value) => value.toLocaleString('en-US')),
        formatBytes(row.selfSize),
        signed(row.sizeDelta, formatBytes),
      ]),
      [false, true, true, true, true],
    ),
  )
}

export async function runGrowth(context: AttachContext, stop: AbortSignal): Promise<void> {
  const intervalMs = parseDuration(option(context, 'interval') ?? '10s', 'interval')
  const count = wholeNumber(option(context, 'count'), 'count', 3)
  const top = wholeNumber(option(context, 'top'), 'top', 10)
  const { webSocketUrl, allowRemote } = await chooseTarget(context)
  const session = await TargetSession.connect(webSocketUrl, { allowRemote })
  // The snapshots only pass through a scratch folder.
  const scratch = await mkdtemp(join(tmpdir(), 'heapgraph-growth-'))
  const steps: GrowthStep[] = []
  try {
    let previous: ReadonlyMap<string, ClassTotals> = new Map()
    let startedAt = 0
    for (let index = 0; index < count && !stop.aborted; index++) {
      if (index > 0) await sleep(intervalMs, stop)
      if (stop.aborted) break
      await session.collectGarbage()
      const file = join(scratch, `growth-${index}.heapsnapshot`)
      const { snapshot } = await session.takeSnapshot({ file, onProgress: context.onProgress })
      await rm(file, { force: true })
      if (index === 0) startedAt = performance.now()
      const totals = totalsByName(getSummary(snapshot))
      const step: GrowthStep = {
        index,
        timeMs: index === 0 ? 0 : performance.now() - startedAt,
        nodeCount: snapshot.graph.nodeCount,
        growth: classGrowth(previous, totals),
      }
      previous = totals
      steps.push(step)
      if (!context.json) printStep(context, step, count, top)
    }
    if (context.json) {
      const trimmed = steps.map((step) => ({ ...step, growth: step.growth.slice(0, top) }))
      context.out(JSON.stringify({ snapshots: trimmed }, null, 2))
    }
  } finally {
    await session.close()
    await rm(scratch, { recursive: true, force: true })
  }
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      stop.removeEventListener('abort', done)
      resolve()
    }
    stop.addEventListener('abort', done, { once: true })
  })
}
