// The backend's open allocation profiles (.heapprofile). Unlike snapshots they are small (a few
// MB: one node per call site), so they are parsed and answered in the backend's own process,
// with the same model the CLI uses (shared/heap/profile). Each open file gets an id; opening a
// file that is open already answers with it.
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { HeapSnapshotError } from '../../shared/heap/errors'
import {
  getAllocationChangePage,
  flameChartLayout,
  getAllocationSitePage,
  getCallTreeChildren,
  getCallTreeNode,
  getCallTreeRoot,
  profileSampleCount,
  profileScriptRoot,
  profileTotalSize,
  type AllocationProfile,
} from '../../shared/heap/profile'
import {
  ApiError,
  parseArgs,
  type ApiResults,
  type FlameChart,
  type ProfileInfo,
} from '../../shared/protocol'
import { loadProfileFile } from './load-profile'

type ProfileMethod =
  | 'openProfile'
  | 'closeProfile'
  | 'listProfiles'
  | 'getAllocationSites'
  | 'compareAllocationSites'
  | 'getCallTree'
  | 'getFlameChart'

export type ProfileHandlers = { [M in ProfileMethod]: (raw: unknown) => Promise<ApiResults[M]> }

/** Bars narrower than this share of the whole are left out of a flame chart (sub-pixel). */
const FLAME_MIN_SHARE = 1 / 8000

interface OpenProfile {
  info: ProfileInfo
  profile: AllocationProfile
}

/** The bars of a flame chart worth drawing: the layout's, without the sub-pixel ones. */
export function flameChartOf(profile: AllocationProfile): FlameChart {
  const layout = flameChartLayout(profile)
  const minimum = layout.totalSize * FLAME_MIN_SHARE
  const chart: FlameChart = {
    totalSize: layout.totalSize,
    maxDepth: 0,
    nodeId: [],
    depth: [],
    start: [],
    width: [],
    frame: [],
    frames: profile.frames.map(({ functionName, url, line, column }) => ({
      functionName,
      url,
      line,
      column,
    })),
  }
  for (let bar = 0; bar < layout.barCount; bar++) {
    // A child is never wider than its parent: leaving a narrow bar out leaves its subtree out.
    if (layout.width[bar] < minimum || layout.width[bar] === 0) continue
    chart.nodeId.push(layout.nodeId[bar])
    chart.depth.push(layout.depth[bar])
    chart.start.push(layout.startOffset[bar])
    chart.width.push(layout.width[bar])
    chart.frame.push(layout.frame[bar])
    chart.maxDepth = Math.max(chart.maxDepth, layout.depth[bar])
  }
  return chart
}

export function createProfiles(): { handlers: ProfileHandlers; dispose(): void } {
  const open = new Map<string, OpenProfile>()
  const profileOf = (profileId: string): OpenProfile => {
    const found = open.get(profileId)
    if (!found) throw new ApiError('no-profile', `no open profile ${profileId}`)
    return found
  }
  const handlers: ProfileHandlers = {
    openProfile: async (raw) => {
      const file = resolve(parseArgs('openProfile', raw).file)
      const already = [...open.values()].find((entry) => entry.info.file === file)
      if (already) return already.info
      let profile: AllocationProfile
      try {
        profile = await loadProfileFile(file)
      } catch (error) {
        if (error instanceof HeapSnapshotError) throw new ApiError(error.code, error.message)
        throw error
      }
      const info: ProfileInfo = {
        profileId: randomUUID(),
        file,
        totalSize: profileTotalSize(profile),
        sampleCount: profileSampleCount(profile),
        nodeCount: profile.nodeCount,
        scriptRoot: profileScriptRoot(profile),
      }
      open.set(info.profileId, { info, profile })
      return info
    },
    closeProfile: async (raw) => {
      const { profileId } = parseArgs('closeProfile', raw)
      if (!open.delete(profileId)) throw new ApiError('no-profile', `no open profile ${profileId}`)
      return null
    },
    listProfiles: async (raw) => {
      parseArgs('listProfiles', raw)
      return [...open.values()].map((entry) => entry.info)
    },
    getAllocationSites: async (raw) => {
      const { profileId, by, start, count } = parseArgs('getAllocationSites', raw)
      return getAllocationSitePage(profileOf(profileId).profile, by, start, count)
    },
    compareAllocationSites: async (raw) => {
      const { profileId, baseProfileId, by, start, count } = parseArgs(
        'compareAllocationSites',
        raw,
      )
      return getAllocationChangePage(
        profileOf(profileId).profile,
        profileOf(baseProfileId).profile,
        by,
        start,
        count,
      )
    },
    getCallTree: async (raw) => {
      const { profileId, nodeId, start, count } = parseArgs('getCallTree', raw)
      const { profile } = profileOf(profileId)
      try {
        const node =
          nodeId === undefined ? getCallTreeRoot(profile) : getCallTreeNode(profile, nodeId)
        return { node, children: getCallTreeChildren(profile, node.id, start, count) }
      } catch (error) {
        if (error instanceof RangeError) throw new ApiError('no-object', error.message)
        throw error
      }
    },
    getFlameChart: async (raw) => {
      const { profileId } = parseArgs('getFlameChart', raw)
      return flameChartOf(profileOf(profileId).profile)
    },
  }
  return { handlers, dispose: () => open.clear() }
}
