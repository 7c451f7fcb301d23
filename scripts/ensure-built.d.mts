/** The parts of dist/ that scripts/build.mjs builds. */
import type { BuildPartName } from './build.mjs'

export type BuildPart = BuildPartName

/** Builds the stale ones among `parts` (default: all) in a child process, under a lock. */
export function ensureBuilt(parts?: readonly BuildPart[]): Promise<void>
