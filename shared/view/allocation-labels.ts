// How an allocation site, a call or a flame-chart bar of an allocation profile reads, for the
// CLI and the app alike: `name (file:line:column)` as `heapgraph why` names a function, the file
// relative to the folder the profile's scripts share.
import type { AllocationGrouping } from '../protocol/dto'
import { relativeScriptName } from '../protocol/script-paths'

/** What a label is made of: a site's, a call's or a bar's frame. */
export interface SiteFrame {
  functionName: string
  url: string
  line: number | null
  column: number | null
}

/** How a site of no script (V8's built-ins, or a script gone before the profile) reads by file. */
export const NO_SCRIPT_LABEL = '(V8 and native code)'

/**
 * A site as people read it, the way `heapgraph why` names a function: `name (file:line:column)`
 * with the file relative to `scriptRoot`; `name (file:line)` by line; the file alone by file.
 * Unnamed functions read "anonymous"; code of no script, by line or file, NO_SCRIPT_LABEL.
 */
export function siteLabel(site: SiteFrame, by: AllocationGrouping, scriptRoot = ''): string {
  const file = site.url === '' ? null : relativeScriptName(scriptRoot, site.url)
  if (by === 'file' || (by === 'line' && file === null)) return file ?? NO_SCRIPT_LABEL
  const where =
    file === null
      ? null
      : site.line === null
        ? file
        : site.column === null || by === 'line'
          ? `${file}:${site.line}`
          : `${file}:${site.line}:${site.column}`
  const name = site.functionName === '' ? 'anonymous' : site.functionName
  return where === null ? name : `${name} (${where})`
}
