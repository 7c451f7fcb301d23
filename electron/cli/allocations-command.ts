// `heapgraph allocations <profile>`: where memory was allocated, read like tracemalloc: the largest
// sites by function, line or file; with --base an older profile, each site's change (compare_to).
// --json prints the engine's AllocationReport or AllocationComparison as they are.
import { siteLabel } from '../../shared/view/allocation-labels'
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { AllocationProfile } from '../../shared/heap/profile/allocation-profile'
import {
  ALLOCATION_GROUPINGS,
  allocationComparison,
  allocationReport,
  profileScriptRoot,
} from '../../shared/heap/profile/sites'
import { loadProfileFile } from '../backend/load-profile'
import { UsageError, wholeNumber } from './arguments'
import { clip, formatBytes, table } from './format'
import type {
  AllocationComparison,
  AllocationGrouping,
  AllocationReport,
} from '../../shared/protocol/dto'

const USAGE_HINT =
  'heapgraph allocations <profile> [--by function|line|file] [--top N] [--json] [--base <older profile>]'
const ALLOWED_OPTIONS = new Set(['by', 'top', 'json', 'base', 'help'])
const DEFAULT_TOP = 20
/** Widest site label in the text table. */
const SITE_WIDTH = 100

export interface AllocationsIo {
  out: (text: string) => void
}

interface AllocationsArguments {
  file: string
  base: string | null
  by: AllocationGrouping
  top: number
  json: boolean
}

/** Checks the arguments before any file is read. */
export function parseAllocationsArguments(
  positionals: readonly string[],
  values: Record<string, string | boolean | undefined>,
): AllocationsArguments {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && !ALLOWED_OPTIONS.has(name)) {
      throw new UsageError(`--${name} does not apply to allocations`)
    }
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `allocations needs a profile: ${USAGE_HINT}`
        : `unexpected argument "${positionals[1]}" for allocations (an older profile goes after --base): ${USAGE_HINT}`,
    )
  }
  const by = values.by ?? 'function'
  if (typeof by !== 'string' || !(ALLOCATION_GROUPINGS as readonly string[]).includes(by)) {
    throw new UsageError(`--by takes function, line or file, not "${String(by)}"`)
  }
  const base = values.base
  if (typeof base === 'boolean' || base === '') throw new UsageError('--base takes a profile file')
  return {
    file: positionals[0],
    base: base ?? null,
    by: by as AllocationGrouping,
    top: wholeNumber(values.top, 'top', DEFAULT_TOP),
    json: values.json === true,
  }
}

/** Loads a profile; errors other than I/O name the file (I/O errors already do). */
async function load(file: string): Promise<AllocationProfile> {
  try {
    return await loadProfileFile(file)
  } catch (error) {
    if (error instanceof HeapSnapshotError && error.code !== 'io') {
      throw new HeapSnapshotError(error.code, `${file}: ${error.message}`)
    }
    throw error
  }
}

const count = (value: number): string => value.toLocaleString('en-US')
const plural = (value: number, word: string): string =>
  `${count(value)} ${word}${value === 1 ? '' : 's'}`

function signed(value: number, text: string): string {
  return value > 0 ? `+${text}` : value < 0 ? `-${text}` : text
}
const signedBytes = (value: number): string => signed(value, formatBytes(Math.abs(value)))
const signedCount = (value: number): string => signed(value, count(Math.abs(value)))

function share(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–'
}

function printReport(
  io: AllocationsIo,
  report: AllocationReport,
  siteCount: number,
  by: AllocationGrouping,
  scriptRoot: string,
  profile: AllocationProfile,
): void {
  io.out(
    `Allocation profile ${report.file}: ${formatBytes(report.totalSize)} sampled in ${plural(report.sampleCount, 'sample')}; sites by ${by}, largest self size first`,
  )
  if (!profile.hasSamples) io.out('(the profile lists no samples: every count is 0)')
  if (report.sites.length === 0) {
    io.out('(no allocation sites)')
    return
  }
  io.out('')
  io.out(
    table(
      ['self', '% of total', 'count', 'total', 'site'],
      report.sites.map((site) => [
        formatBytes(site.selfSize),
        share(site.selfSize, report.totalSize),
        count(site.count),
        formatBytes(site.totalSize),
        clip(siteLabel(site, by, scriptRoot), SITE_WIDTH),
      ]),
      [true, true, true, true, false],
    ),
  )
  if (siteCount > report.sites.length) {
    io.out(`(${plural(siteCount - report.sites.length, 'more site')} not shown; see --top)`)
  }
}

function printComparison(
  io: AllocationsIo,
  comparison: AllocationComparison,
  siteCount: number,
  by: AllocationGrouping,
  scriptRoot: string,
): void {
  const { file, baseFile, totalSize, baseTotalSize } = comparison
  io.out(
    `Allocation profile ${file} compared with ${baseFile}; sites by ${by}, largest change first`,
  )
  io.out(
    `sampled: ${formatBytes(baseTotalSize)} → ${formatBytes(totalSize)} (${signedBytes(totalSize - baseTotalSize)})`,
  )
  if (comparison.sites.length === 0) {
    io.out('(no allocation sites)')
    return
  }
  io.out('')
  io.out(
    table(
      ['Δself', 'self (base → new)', 'Δcount', 'count (base → new)', 'site'],
      comparison.sites.map((site) => [
        signedBytes(site.sizeDiff),
        `${formatBytes(site.baseSelfSize)} → ${formatBytes(site.selfSize)}`,
        signedCount(site.countDiff),
        `${count(site.baseCount)} → ${count(site.count)}`,
        clip(siteLabel(site, by, scriptRoot), SITE_WIDTH),
      ]),
      [true, true, true, true, false],
    ),
  )
  if (siteCount > comparison.sites.length) {
    io.out(`(${plural(siteCount - comparison.sites.length, 'more site')} not shown; see --top)`)
  }
}

/**
 * Runs the command; returns the exit code. Usage and load errors are thrown for the caller to
 * report as one line.
 */
export async function runAllocations(
  positionals: readonly string[],
  values: Record<string, string | boolean | undefined>,
  io: AllocationsIo,
): Promise<number> {
  const args = parseAllocationsArguments(positionals, values)
  const profile = await load(args.file)
  if (args.base === null) {
    const report = allocationReport(profile, args.file, args.by)
    const shown = { ...report, sites: report.sites.slice(0, args.top) }
    if (args.json) io.out(JSON.stringify(shown, null, 2))
    else printReport(io, shown, report.sites.length, args.by, profileScriptRoot(profile), profile)
    return 0
  }
  const base = await load(args.base)
  const files = { file: args.file, baseFile: args.base }
  const comparison = allocationComparison(profile, base, files, args.by)
  const shown = { ...comparison, sites: comparison.sites.slice(0, args.top) }
  if (args.json) io.out(JSON.stringify(shown, null, 2))
  else {
    const scriptRoot = profileScriptRoot(profile, base)
    printComparison(io, shown, comparison.sites.length, args.by, scriptRoot)
  }
  return 0
}
