// The site a row, a call or a bar stands for, as the Summary of a snapshot with allocation
// stacks is limited to it; their labels are shared/view/allocation-labels.ts's.
import type { AllocationGrouping, AllocationSiteKey } from '../../../shared/protocol'
import type { SiteFrame } from '../../../shared/view/allocation-labels'

export { siteLabel } from '../../../shared/view/allocation-labels'

/** The site a call or site stands for in a snapshot's allocation stacks (null: by file). */
export function siteKeyOf(frame: SiteFrame, by: AllocationGrouping): AllocationSiteKey | null {
  if (by === 'file' || frame.url === '') return null
  return { functionName: frame.functionName, url: frame.url, line: frame.line }
}
