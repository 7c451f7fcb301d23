// Each parse section's throughput on the loading thread, from the progress reports: the bytes
// read between a section's first and last report over the time between them. Sections that take
// 20 ms or less are left out (too quick to time). And the shape of the workers' own timings.
import type { ProgressSink } from '../../shared/heap/progress'

/** A section's bytes and its workers' time on them, in all and by part (RangeTiming). */
export interface SectionKernel {
  bytes: number
  ms: number
  readMs: number
  tokenizeMs: number
  storeMs: number
}

export interface SectionRates {
  onProgress: ProgressSink
  /** MB/s by section name ("nodes", "strings", …). */
  rates(): Record<string, number>
}

export function sectionRates(): SectionRates {
  const sections = new Map<string, { from: [number, number]; to: [number, number] }>()
  return {
    onProgress: ({ phase, done }) => {
      if (!phase.startsWith('Parsing ')) return
      const now: [number, number] = [performance.now(), done]
      const seen = sections.get(phase)
      if (seen) seen.to = now
      else sections.set(phase, { from: now, to: now })
    },
    rates: () =>
      Object.fromEntries(
        [...sections]
          .filter(([, { from, to }]) => to[0] - from[0] > 20)
          .map(([phase, { from, to }]) => [
            phase.slice('Parsing '.length),
            (to[1] - from[1]) / 1e6 / ((to[0] - from[0]) / 1000),
          ]),
      ),
  }
}
