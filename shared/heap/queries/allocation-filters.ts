// What a snapshot says about when and where its objects were allocated, as filters on the
// Summary: the allocation timeline of a snapshot recorded with "Allocations on timeline"
// (its `samples`: the last object id assigned at each moment), read as bars of what is still
// alive from each interval (DevTools' "Objects allocated between"); and the objects whose
// allocation stack starts in a given function (a site of an allocation profile, jumped to in a
// snapshot of the same session that has allocation stacks).
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import { traceIndex, traceInfoFields } from './allocations'
import type { AllocationInterval, AllocationSiteKey, SummaryFilter } from '../../protocol/dto'

/** The samples as [timestamp µs, last assigned id] pairs, in time order. */
function samplesOf(snapshot: HeapSnapshot): { timeUs: Float64Array; lastId: Float64Array } {
  const { samples, layout } = snapshot.graph
  const fields = layout.sampleFields.length || 2
  const timeField = Math.max(0, layout.sampleFields.indexOf('timestamp_us'))
  const idField = layout.sampleFields.indexOf('last_assigned_id')
  const count = Math.floor(samples.length / fields)
  const timeUs = new Float64Array(count)
  const lastId = new Float64Array(count)
  for (let sample = 0; sample < count; sample++) {
    timeUs[sample] = samples[sample * fields + timeField]
    lastId[sample] = samples[sample * fields + (idField === -1 ? 1 : idField)]
  }
  return { timeUs, lastId }
}

/** The interval an object id falls in: the first sample whose last id is at least it. */
function intervalOf(lastId: Float64Array, id: number): number {
  let low = 0
  let high = lastId.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (lastId[middle] < id) low = middle + 1
    else high = middle
  }
  return low
}

/**
 * The allocation timeline: per interval between two samples, the objects allocated in it that
 * are still alive, counted and summed (self sizes). Interval k holds the ids after sample k−1's
 * last id up to sample k's (the first from the start); objects allocated after the last sample
 * form a last interval that ends when the snapshot was taken. Empty without samples.
 */
export const getAllocationTimeline = perSnapshot((snapshot): AllocationInterval[] => {
  const { timeUs, lastId } = samplesOf(snapshot)
  if (lastId.length === 0) return []
  const { graph } = snapshot
  const count = new Float64Array(lastId.length + 1)
  const size = new Float64Array(lastId.length + 1)
  for (let node = 0; node < graph.nodeCount; node++) {
    if (!snapshot.selfSize[node]) continue
    const interval = intervalOf(lastId, graph.objectId[node])
    count[interval]++
    size[interval] += snapshot.selfSize[node]
  }
  const intervals: AllocationInterval[] = []
  for (let interval = 0; interval <= lastId.length; interval++) {
    const last = interval === lastId.length
    if (last && count[interval] === 0) break
    intervals.push({
      index: interval,
      beforeRecording: interval === 0,
      startMs: interval === 0 ? 0 : timeUs[interval - 1] / 1000,
      endMs: last ? null : timeUs[interval] / 1000,
      afterId: interval === 0 ? 0 : lastId[interval - 1],
      upToId: last ? null : lastId[interval],
      count: count[interval],
      size: size[interval],
    })
  }
  return intervals
})

/** The script a frame names, as a path or URL without `file://`, for matching across tools. */
export function scriptKey(url: string): string {
  if (!url.startsWith('file://')) return url
  // file:///path, or file://host/path: the path, its escapes decoded.
  const rest = url.slice('file://'.length)
  const path = rest.startsWith('/') ? rest : rest.slice(Math.max(0, rest.indexOf('/')))
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/**
 * Per trace-tree position: 1 when its function is the site's (name, script and, where the site
 * gives one, line). Lines: a site's are the allocating function's, 1-based, as the snapshot's
 * function infos have them.
 */
function siteFrames(snapshot: HeapSnapshot, site: AllocationSiteKey): Uint8Array | null {
  const { graph } = snapshot
  const tree = graph.traceTree
  if (!tree) return null
  const {
    fieldCount,
    name: nameField,
    scriptName: scriptField,
    line: lineField,
  } = traceInfoFields(snapshot)
  const infos = graph.traceFunctionInfos
  const script = scriptKey(site.url)
  const matches = new Uint8Array(Math.floor(infos.length / fieldCount))
  for (let info = 0; info < matches.length; info++) {
    const at = info * fieldCount
    if (graph.strings.get(infos[at + nameField]) !== site.functionName) continue
    if (scriptKey(graph.strings.get(infos[at + scriptField]) ?? '') !== script) continue
    if (site.line !== null && infos[at + lineField] !== site.line) continue
    matches[info] = 1
  }
  const positions = new Uint8Array(tree.id.length)
  for (let position = 0; position < positions.length; position++) {
    positions[position] = matches[tree.functionInfo[position]] ?? 0
  }
  return positions
}

/**
 * Per node: 1 when it passes the filter. Objects with a zero self size never do (the Summary
 * leaves them out). Null when the snapshot cannot answer (no samples, or no allocation stacks).
 */
export function filterNodes(snapshot: HeapSnapshot, filter: SummaryFilter): Uint8Array | null {
  const { graph } = snapshot
  const keep = new Uint8Array(graph.nodeCount)
  const between = filter.allocatedBetween
  const site = filter.allocatedAt ? siteFrames(snapshot, filter.allocatedAt) : undefined
  if (site === null) return null
  const positions = site ? traceIndex(snapshot) : null
  for (let node = 0; node < graph.nodeCount; node++) {
    if (!snapshot.selfSize[node]) continue
    if (between) {
      const id = graph.objectId[node]
      if (id <= between.afterId || (between.upToId !== null && id > between.upToId)) continue
    }
    if (site && positions) {
      const traceNode = graph.traceNodeId[node]
      const position = traceNode === 0 ? undefined : positions.get(traceNode)
      if (position === undefined || !site[position]) continue
    }
    keep[node] = 1
  }
  return keep
}

/** A filter as a key for caches: equal filters give equal keys. */
export function filterKey(filter: SummaryFilter): string {
  const between = filter.allocatedBetween
  const site = filter.allocatedAt
  return JSON.stringify([
    between ? [between.afterId, between.upToId] : null,
    site ? [site.functionName, scriptKey(site.url), site.line] : null,
  ])
}
