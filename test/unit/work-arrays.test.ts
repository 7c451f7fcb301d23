// The load's work-array pool: a stage takes the smallest buffer given back that fits, a result
// kept for the snapshot's life never pins a buffer much larger than itself, and scratch may.
import { describe, expect, it } from 'vitest'
import { WorkArrays } from '../../shared/heap/analyses/work-arrays'

describe('work arrays', () => {
  it('hands a given-back buffer to the next stage, smallest fit first', () => {
    const work = new WorkArrays()
    const small = work.scratch32(100, 7)
    const large = work.scratch32(200)
    expect(Array.from(small.subarray(0, 3))).toEqual([7, 7, 7])
    work.give(large, small, small)
    expect(work.heldBytes).toBe(1200)
    // 90 items fit in the 100-item buffer, and are filled as asked (not left at 7).
    const again = work.scratch32(90)
    expect(again.buffer).toBe(small.buffer)
    expect(again.every((value) => value === 0)).toBe(true)
    // Left as the last stage wrote it when the fill is null.
    work.give(again)
    small.fill(5)
    expect(work.scratch32(50, null)[0]).toBe(5)
    expect(work.heldBytes).toBe(800)
  })

  it('gives a kept result no buffer more than a quarter larger than it, and scratch any', () => {
    const work = new WorkArrays()
    const big = work.scratch32(1000)
    work.give(big)
    const kept = work.buffer(4 * 500)
    expect(kept).not.toBe(big.buffer)
    expect(kept.byteLength).toBe(2000)
    expect(work.buffer(4 * 800)).toBe(big.buffer)
    work.give(new Uint32Array(kept))
    expect(work.buffer(4 * 400, true).byteLength).toBe(2000)
    expect(work.heldBytes).toBe(0)
  })
})
