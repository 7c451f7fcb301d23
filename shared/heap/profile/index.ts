// Allocation profiles (.heapprofile), the second document type beside snapshots: parse text into
// the typed-array model (parse-profile.ts, allocation-profile.ts), read it bottom-up by site and
// compared with a base (sites.ts), top-down as a call tree or a flame chart (call-tree.ts).
export {
  nodeOfId,
  profileSampleCount,
  profileTotalSize,
  type AllocationProfile,
  type ProfileFrame,
  type ProfileSamples,
} from './allocation-profile'
export {
  DEFAULT_PROFILE_LIMITS,
  isGzip,
  parseAllocationProfile,
  recognizeOtherDocument,
  type ProfileLimits,
} from './parse-profile'
export {
  ALLOCATION_GROUPINGS,
  allocationComparison,
  allocationReport,
  compareAllocationSites,
  compareSites,
  getAllocationChangePage,
  getAllocationSitePage,
  getAllocationSites,
  profileScriptRoot,
} from './sites'
export {
  flameChartLayout,
  getCallTreeChildren,
  getCallTreeNode,
  getCallTreeRoot,
  type FlameChartLayout,
} from './call-tree'
