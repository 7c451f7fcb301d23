// The load's work-array pool: a stage takes the smallest buffer given back that fits, a result
// kept for the snapshot's life never pins a buffer much larger than itself, and scratch may;
// and a load handed used arrays (another load's data in them) answers as one with new arrays.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { WorkArrays } from '../../shared/heap/analyses/work-arrays'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot } from '../../shared/heap/snapshot'
import { fixture } from '../helpers/fixtures'

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

describe('a load whose work arrays are full of another load’s data', () => {
  it('gives the answers of a load with new arrays', async () => {
    const bytes = await readFile(await fixture('map-cache'))
    const fresh = initializeSnapshot(parseSnapshotBytes(bytes, 1 << 16))
    const { nodeCount, firstEdge, rootNode } = fresh.graph
    const rootEdges = firstEdge[rootNode + 1] - firstEdge[rootNode]
    // Three used buffers of every size a stage asks for, each byte 0xAB.
    const used = new WorkArrays()
    for (const size of [nodeCount, 4 * nodeCount, 4 * (nodeCount + 1), 8 * (nodeCount + 1)])
      for (let copy = 0; copy < 3; copy++) used.give(new Uint8Array(size).fill(0xab))
    used.give(new Uint8Array(4 * (nodeCount + rootEdges)).fill(0xab))
    const given = used.heldBytes
    const reused = initializeSnapshot(parseSnapshotBytes(bytes, 1 << 16), { work: used })
    expect(reused.hasUserRoots).toBe(true)
    for (const key of [
      'selfSize',
      'retainedSize',
      'dominator',
      'firstDominated',
      'dominatedNode',
      'distance',
      'className',
    ] as const) {
      expect(Array.from(reused[key]), key).toEqual(Array.from(fresh[key]))
    }
    expect(Array.from(reused.pageObject.words)).toEqual(Array.from(fresh.pageObject.words))
    expect(reused.classIndex).toEqual(fresh.classIndex)
    // The stages took most of them (the rest were sizes this snapshot's stages never ask).
    expect(used.heldBytes).toBeLessThan(given / 2)
  })
})
