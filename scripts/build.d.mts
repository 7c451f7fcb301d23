/** The parts of dist/ that scripts/build.mjs builds. */
export type BuildPartName = 'node' | 'renderer' | 'types'

export const ROOT: string
export const DIST: string
export const PARTS: Record<BuildPartName, { sources: string[]; outputs: string[] }>
export const PART_NAMES: BuildPartName[]
/** The newest modification time (ms) among a part's sources, or null where none exist. */
export function newestSourceChange(part: BuildPartName): number | null
/** Whether a part must be built under out (default dist): never built, an output missing, or a source newer. */
export function isStale(part: BuildPartName, out?: string): boolean
/** Builds the parts under out (default dist) and stamps each. */
export function buildParts(parts?: readonly BuildPartName[], out?: string): Promise<void>
