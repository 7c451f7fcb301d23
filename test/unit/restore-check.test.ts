// A snapshot read back from the index cache is checked before use: here, its class index (part
// of the state since cache format 2) must be there, with every array of the right type and length.
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkRestoredSnapshot } from '../../electron/backend/index-cache/restore-check'
import { parseSnapshotBytes } from '../../shared/heap/parse/snapshot-parser'
import { initializeSnapshot, type HeapSnapshot } from '../../shared/heap/snapshot'
import { fixture } from '../helpers/fixtures'

let snapshot: HeapSnapshot

beforeAll(async () => {
  const bytes = await readFile(await fixture('map-cache'))
  snapshot = initializeSnapshot(parseSnapshotBytes(bytes, 1 << 16))
})

/** The snapshot with its class index changed by `change`. */
function withIndex(change: (index: Record<string, unknown>) => void): unknown {
  const index: Record<string, unknown> = { ...snapshot.classIndex }
  change(index)
  return { ...snapshot, classIndex: index }
}

describe('the restore check of the class index', () => {
  it('takes a whole snapshot as it is', () => {
    expect(checkRestoredSnapshot(snapshot)).toBe(snapshot)
  })

  it('refuses one without a class index, or with an array of the wrong type or length', () => {
    expect(() => checkRestoredSnapshot({ ...snapshot, classIndex: undefined })).toThrow(
      'no class index',
    )
    expect(() =>
      checkRestoredSnapshot(
        withIndex((index) => {
          index.nodeClass = (index.nodeClass as Int32Array).subarray(1)
        }),
      ),
    ).toThrow(/nodeClass has \d+ items/)
    expect(() =>
      checkRestoredSnapshot(
        withIndex((index) => {
          index.count = Float64Array.from(index.count as Uint32Array)
        }),
      ),
    ).toThrow(/count is not a Uint32Array/)
    expect(() =>
      checkRestoredSnapshot(
        withIndex((index) => {
          index.className = [...(index.className as string[]), 'one more']
        }),
      ),
    ).toThrow(/className has \d+ items/)
  })
})
