// Option values as the CLI reads them, parsed in one place: positive whole numbers (--top,
// --paths, --count), durations (--interval, --duration) and byte sizes (--fail-on). Each
// mistake is a UsageError (exit 2) that names the option and the value.

/** A mistake in the command line: exit code 2, one line on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A positive whole number option, or `fallback` when it is absent. */
export function wholeNumber(value: string | boolean | undefined, option: string): number | undefined
export function wholeNumber(
  value: string | boolean | undefined,
  option: string,
  fallback: number,
): number
export function wholeNumber(
  value: string | boolean | undefined,
  option: string,
  fallback?: number,
): number | undefined {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim()) || parsed < 1) {
    throw new UsageError(`--${option} takes a positive whole number, not "${String(value)}"`)
  }
  return parsed
}

/** Parses "1s", "500ms", "2m" or a number of seconds, in milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (!match)
    throw new UsageError(`--${option} takes a duration like 500ms, 1s or 2m, not "${text}"`)
  const value = Number(match[1])
  return match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1000
}

const UNIT_BYTES: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
}

/**
 * Parses a byte size: whole bytes (`1048576`), or a number with a unit, decimal (`500kB`, `1MB`,
 * `B`, `KB` as kB) or binary (`2GiB`).
 */
export function parseByteSize(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([A-Za-z]+)?$/.exec(text)
  const unit = match?.[2]
  const scale = unit === undefined ? 1 : UNIT_BYTES[unit]
  const bytes = match && scale !== undefined ? Number(match[1]) * scale : NaN
  if (!Number.isFinite(bytes) || (unit === undefined && !Number.isInteger(bytes))) {
    throw new UsageError(
      `--${option} takes a size like 1MB, 500kB, 2GiB or a number of bytes, not "${text}"`,
    )
  }
  return Math.round(bytes)
}

/** `--cut @fromId:edge`: the holder's @id and the edge as `why` prints it (or its bare name). */
export function parseCut(value: string | boolean | undefined): { fromId: number; edge: string } {
  const match = typeof value === 'string' ? /^@?(\d+):(.+)$/.exec(value) : null
  if (!match) {
    throw new UsageError(
      `--cut takes @fromId:edge (like @123:leakCache or @45:[3]), not "${String(value)}"`,
    )
  }
  return { fromId: Number(match[1]), edge: match[2] }
}
