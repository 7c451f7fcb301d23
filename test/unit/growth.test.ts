// objgraph-style growth by class name: hand-checked counts, merged location-qualified keys, and
// the whole heap as growth from nothing.
import { describe, expect, it } from 'vitest'
import { classGrowth, totalsByName } from '../../shared/heap/queries/growth'
import type { ClassSummary } from '../../shared/protocol/dto'

function entry(className: string, count: number, selfSize: number, key = ''): ClassSummary {
  return {
    classKey: `${key},${className}`,
    className,
    count,
    selfSize,
    retainedSize: 0,
    distance: 1,
  }
}

describe('classGrowth', () => {
  it('lists only classes whose count went up, most grown first', () => {
    const before = totalsByName([
      entry('Item', 10, 100),
      entry('Job', 60, 600),
      entry('Gone', 5, 50),
    ])
    const after = totalsByName([entry('Item', 20, 240), entry('Job', 0, 0), entry('Late', 30, 900)])
    expect(classGrowth(before, after)).toEqual([
      { className: 'Late', count: 30, countDelta: 30, selfSize: 900, sizeDelta: 900 },
      { className: 'Item', count: 20, countDelta: 10, selfSize: 240, sizeDelta: 140 },
    ])
  })

  it('merges the location-qualified keys of one class name', () => {
    const totals = totalsByName([entry('Widget', 2, 20, '1,2,3'), entry('Widget', 3, 30, '4,5,6')])
    expect(totals.get('Widget')).toEqual({ count: 5, selfSize: 50 })
  })

  it('counts everything as growth from an empty baseline, ties by name', () => {
    const after = totalsByName([entry('B', 1, 8), entry('A', 1, 8)])
    expect(classGrowth(new Map(), after).map((row) => row.className)).toEqual(['A', 'B'])
  })
})
