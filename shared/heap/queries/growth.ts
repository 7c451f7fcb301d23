import type { ClassSummary } from '../../protocol/dto'
// Per-class growth between two snapshots by counts alone, like objgraph's show_growth: classes
// (by name, across their location-qualified keys) whose instance count went up, with the count
// now, the change, and the change in self size. Needs no object ids, so it also compares
// snapshots of different processes.

export interface ClassTotals {
  count: number
  selfSize: number
}

export interface ClassGrowth {
  className: string
  count: number
  countDelta: number
  selfSize: number
  sizeDelta: number
}

/** Count and self size per class name. */
export function totalsByName(classes: readonly ClassSummary[]): Map<string, ClassTotals> {
  const totals = new Map<string, ClassTotals>()
  for (const entry of classes) {
    const total = totals.get(entry.className) ?? { count: 0, selfSize: 0 }
    total.count += entry.count
    total.selfSize += entry.selfSize
    totals.set(entry.className, total)
  }
  return totals
}

/**
 * Classes whose count grew from `before` to `after` (everything counts as growth from an empty
 * `before`), most grown first, then by name.
 */
export function classGrowth(
  before: ReadonlyMap<string, ClassTotals>,
  after: ReadonlyMap<string, ClassTotals>,
): ClassGrowth[] {
  const grown: ClassGrowth[] = []
  for (const [className, now] of after) {
    const then = before.get(className) ?? { count: 0, selfSize: 0 }
    if (now.count <= then.count) continue
    grown.push({
      className,
      count: now.count,
      countDelta: now.count - then.count,
      selfSize: now.selfSize,
      sizeDelta: now.selfSize - then.selfSize,
    })
  }
  return grown.sort((a, b) => b.countDelta - a.countDelta || (a.className < b.className ? -1 : 1))
}
