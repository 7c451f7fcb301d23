// Refusing a snapshot too large for the machine, up front: the estimate from the header's counts
// (calibrated on the bench), and the parser failing at the header, before any data is read.
import { describe, expect, it } from 'vitest'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { estimateLoadBytes } from '../../shared/heap/memory-estimate'
import { SnapshotParser } from '../../shared/heap/parse/snapshot-parser'
import { SnapshotBuilder } from '../helpers/snapshot-builder'

describe('estimateLoadBytes', () => {
  it('grows with objects and references, near the bench measurements', () => {
    expect(estimateLoadBytes(2, 1)).toBeGreaterThan(estimateLoadBytes(1, 1))
    expect(estimateLoadBytes(1, 2)).toBeGreaterThan(estimateLoadBytes(1, 1))
    // 13.1 M objects, 36.7 M references: an engine host peaked at 2.94 GB.
    const bytes = estimateLoadBytes(13_080_237, 36_751_898)
    expect(bytes / 2.94e9).toBeGreaterThan(0.85)
    expect(bytes / 2.94e9).toBeLessThan(1.15)
  })
})

/** A snapshot of `count` objects in a chain from the root. */
function chainText(count: number): string {
  const builder = new SnapshotBuilder()
  const { gcRoots } = builder.standardRoots('user-roots')
  let previous = gcRoots
  for (let index = 0; index < count; index++) {
    const next = builder.node('object', `Item${index % 10}`, { selfSize: 16 })
    builder.edge(previous, 'property', 'next', next)
    previous = next
  }
  return builder.toText()
}

describe('the parser and maxMemoryBytes', () => {
  it('refuses at the header, naming the estimate and the limit', () => {
    const text = chainText(2000)
    const bytes = new TextEncoder().encode(text)
    const header = text.indexOf('"nodes"')
    const parser = new SnapshotParser({ maxMemoryBytes: 1000 })
    let error: unknown
    try {
      // Only the header and the start of "nodes": the refusal must come before the data.
      parser.write(bytes.subarray(0, header + 12))
    } catch (failure) {
      error = failure
    }
    expect(error).toBeInstanceOf(HeapSnapshotError)
    const typed = error as HeapSnapshotError
    expect(typed.code).toBe('too-large')
    expect(typed.message).toMatch(/needs about [\d.]+ GB of memory .*2,0\d\d objects/)
    expect(typed.offset).toBeLessThan(header)
  })

  it('loads the same snapshot under a limit that fits', () => {
    const parser = new SnapshotParser({ maxMemoryBytes: 1e12 })
    parser.write(new TextEncoder().encode(chainText(2000)))
    expect(parser.finish().nodeCount).toBeGreaterThan(2000)
  })
})
