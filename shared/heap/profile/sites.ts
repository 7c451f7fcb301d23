// A profile read bottom-up, like tracemalloc's statistics(): sites by function, line or file, with
// self bytes and samples, and the bytes of all they called counted once per stack however often a
// site recurs on it; largest self first. And compare_to(): the sites' change between two profiles.
import type {
  AllocationComparison,
  AllocationGrouping,
  AllocationReport,
  AllocationSite,
  AllocationSiteChange,
  Page,
} from '../../protocol/dto'
import { clampRange } from '../queries/nodes'
import { commonScriptFolder } from '../../protocol/script-paths'
import {
  perProfile,
  profileSampleCount,
  profileTotalSize,
  type AllocationProfile,
  type ProfileFrame,
} from './allocation-profile'

export const ALLOCATION_GROUPINGS: readonly AllocationGrouping[] = ['function', 'line', 'file']

/** What identifies a frame's site under a grouping. */
function siteKey(frame: ProfileFrame, by: AllocationGrouping): string {
  if (by === 'file') return frame.url
  if (by === 'line') return `${frame.url}\0${frame.line}`
  return `${frame.functionName}\0${frame.url}\0${frame.line}\0${frame.column}`
}

/** Largest self size first; ties by total size, then by name, file, line and column. */
export function compareSites(a: AllocationSite, b: AllocationSite): number {
  return (
    b.selfSize - a.selfSize ||
    b.totalSize - a.totalSize ||
    compareText(a.functionName, b.functionName) ||
    compareText(a.url, b.url) ||
    (a.line ?? -1) - (b.line ?? -1) ||
    (a.column ?? -1) - (b.column ?? -1)
  )
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Every node's site and each site's sums. The head (V8's "(root)") is left out: it stands for
 * the whole profile. A site's total adds the totals of its outermost nodes only, those with no
 * ancestor of the same site, so each stack counts once however often the site recurs on it.
 */
const groupSites = perProfile(
  (profile: AllocationProfile, by: AllocationGrouping): AllocationSite[] => {
    const { nodeCount, frames } = profile
    const keys = new Map<string, number>()
    const sites: AllocationSite[] = []
    /** Site of each frame, -1 until a node other than the head uses it. */
    const siteOfFrame = new Int32Array(frames.length).fill(-1)
    // Each node's site; -1 for the head, which is no site.
    const siteOfNode = new Int32Array(nodeCount).fill(-1)
    for (let node = 1; node < nodeCount; node++) {
      const position = profile.frame[node]
      if (siteOfFrame[position] === -1) {
        const frame = frames[position]
        const key = siteKey(frame, by)
        let site = keys.get(key)
        if (site === undefined) {
          site = sites.length
          keys.set(key, site)
          sites.push({
            functionName: by === 'function' ? frame.functionName : '',
            url: frame.url,
            line: by === 'file' ? null : frame.line,
            column: by === 'function' ? frame.column : null,
            selfSize: 0,
            count: 0,
            totalSize: 0,
          })
        }
        siteOfFrame[position] = site
      }
      siteOfNode[node] = siteOfFrame[position]
    }
    // How many open nodes (ancestors of the current one, and itself) are in each site.
    const openCount = new Uint32Array(sites.length)
    const openNodes: number[] = []
    for (let node = 1; node < nodeCount; node++) {
      while (openNodes.length > 0 && profile.subtreeEnd[openNodes[openNodes.length - 1]] <= node) {
        openCount[siteOfNode[openNodes.pop() as number]]--
      }
      const site = sites[siteOfNode[node]]
      site.selfSize += profile.selfSize[node]
      site.count += profile.sampleCount[node]
      if (openCount[siteOfNode[node]] === 0) site.totalSize += profile.totalSize[node]
      openCount[siteOfNode[node]]++
      openNodes.push(node)
    }
    if (by === 'line') nameLines(profile, sites)
    return sites.sort(compareSites)
  },
)

/**
 * Names each line by the function that allocated most on it (self size, then total, then name):
 * a line can hold several functions (arrows, callbacks), but one name reads better than none.
 * Code of no script and no line (V8's built-ins) is not a line: it keeps the name ''.
 */
function nameLines(profile: AllocationProfile, lines: AllocationSite[]): void {
  const functions = groupSites(profile, 'function')
  const best = new Map<number, AllocationSite>()
  const lineIndex = new Map<string, number>()
  lines.forEach((line, position) => lineIndex.set(`${line.url}\0${line.line}`, position))
  for (const candidate of functions) {
    if (candidate.url === '' && candidate.line === null) continue
    const line = lineIndex.get(`${candidate.url}\0${candidate.line}`) as number
    const current = best.get(line)
    if (current === undefined || compareSites(candidate, current) < 0) best.set(line, candidate)
  }
  for (const [line, fn] of best) lines[line].functionName = fn.functionName
}

/** Every site of the profile under a grouping, largest self size first (a shared array: copy it). */
export function getAllocationSites(
  profile: AllocationProfile,
  by: AllocationGrouping = 'function',
): readonly AllocationSite[] {
  return groupSites(profile, by)
}

/** A page of the sites, as lists cross to views. */
export function getAllocationSitePage(
  profile: AllocationProfile,
  by: AllocationGrouping,
  start = 0,
  count = 50,
): Page<AllocationSite> {
  const sites = getAllocationSites(profile, by)
  const [from, to] = clampRange(sites.length, start, count)
  return { start: from, total: sites.length, items: sites.slice(from, to).map((s) => ({ ...s })) }
}

/** The profile bottom-up, as `heapgraph allocations --json` prints it: the `top` largest sites. */
export function allocationReport(
  profile: AllocationProfile,
  file: string,
  by: AllocationGrouping = 'function',
  top = Infinity,
): AllocationReport {
  return {
    file,
    totalSize: profileTotalSize(profile),
    sampleCount: profileSampleCount(profile),
    sites: getAllocationSites(profile, by)
      .slice(0, top)
      .map((site) => ({ ...site })),
  }
}

/** Largest change of size first; ties by change of count, then as sites sort. */
function compareChanges(a: AllocationSiteChange, b: AllocationSiteChange): number {
  return (
    Math.abs(b.sizeDiff) - Math.abs(a.sizeDiff) ||
    Math.abs(b.countDiff) - Math.abs(a.countDiff) ||
    b.sizeDiff - a.sizeDiff ||
    compareSites(a, b)
  )
}

/**
 * Each site's change from `base` to `profile` (tracemalloc's compare_to), sites found in only one
 * of them included (with zeros on the other side), largest change of self size first. Self size,
 * count and total size are the newer profile's (all 0 for a site found only in the base).
 */
export function compareAllocationSites(
  profile: AllocationProfile,
  base: AllocationProfile,
  by: AllocationGrouping = 'function',
): AllocationSiteChange[] {
  const keyOf = (site: AllocationSite): string =>
    `${site.functionName}\0${site.url}\0${site.line}\0${site.column}`
  // By line the name is the line's largest allocator, which can differ between the two.
  const matchKey = (site: AllocationSite): string =>
    by === 'line' ? `${site.url}\0${site.line}` : keyOf(site)
  const baseSites = new Map<string, AllocationSite>()
  for (const site of getAllocationSites(base, by)) baseSites.set(matchKey(site), site)
  const changes: AllocationSiteChange[] = []
  for (const site of getAllocationSites(profile, by)) {
    const key = matchKey(site)
    const before = baseSites.get(key)
    baseSites.delete(key)
    changes.push(change(site, before))
  }
  for (const before of baseSites.values()) {
    changes.push(change({ ...before, selfSize: 0, count: 0, totalSize: 0 }, before))
  }
  return changes.sort(compareChanges)
}

function change(site: AllocationSite, base: AllocationSite | undefined): AllocationSiteChange {
  const baseSelfSize = base?.selfSize ?? 0
  const baseCount = base?.count ?? 0
  return {
    ...site,
    baseSelfSize,
    baseCount,
    sizeDiff: site.selfSize - baseSelfSize,
    countDiff: site.count - baseCount,
  }
}

/** A page of the sites' changes from `base` to `profile`, largest change first. */
export function getAllocationChangePage(
  profile: AllocationProfile,
  base: AllocationProfile,
  by: AllocationGrouping,
  start = 0,
  count = 50,
): Page<AllocationSiteChange> {
  const changes = compareAllocationSites(profile, base, by)
  const [from, to] = clampRange(changes.length, start, count)
  return { start: from, total: changes.length, items: changes.slice(from, to) }
}

/** Two profiles compared, as `heapgraph allocations --base --json` prints it. */
export function allocationComparison(
  profile: AllocationProfile,
  base: AllocationProfile,
  files: { file: string; baseFile: string },
  by: AllocationGrouping = 'function',
  top = Infinity,
): AllocationComparison {
  return {
    file: files.file,
    baseFile: files.baseFile,
    totalSize: profileTotalSize(profile),
    baseTotalSize: profileTotalSize(base),
    sites: compareAllocationSites(profile, base, by).slice(0, top),
  }
}

/** The folder the profiles' own scripts share, which site labels leave out. */
export function profileScriptRoot(...profiles: AllocationProfile[]): string {
  return commonScriptFolder(profiles.flatMap((profile) => profile.frames.map((f) => f.url)))
}
