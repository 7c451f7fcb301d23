// Comparisons across engine hosts: each snapshot of the three-snapshot sequence opens in its own
// process, and the backend carries the older one's condensed form to the newer one's host (the
// baseline's and target's ids to the final one's, for leaks). The answers must equal the
// engine's own, computed in this process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { forkHost } from '../../electron/backend/engine/fork'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { diffBase, diffSnapshots, interfaceDefinitionsOf } from '../../shared/heap/queries/diff'
import { classCounts, findLeaks, snapshotIds } from '../../shared/heap/queries/leaks'
import { cutReference } from '../../shared/heap/queries/cut'
import type { SnapshotInfo } from '../../shared/protocol'
import { rejection } from '../helpers/api'
import { internalsSnapshot } from '../helpers/feedback-chain'
import { snapshotSequence } from '../helpers/fixtures'
import type { ClassDiff } from '../../shared/protocol/dto'

let backend: Backend
let files: [string, string, string]
let opened: SnapshotInfo[]

beforeAll(async () => {
  files = await snapshotSequence()
  backend = createBackend()
  opened = await Promise.all(files.map((file) => backend.openSnapshot({ file })))
}, 120_000)

afterAll(async () => {
  await backend?.dispose()
})

async function inProcessDiff(before: string, after: string): Promise<ClassDiff[]> {
  const [base, newer] = await Promise.all([loadSnapshotFile(before), loadSnapshotFile(after)])
  return diffSnapshots(newer, diffBase(base, interfaceDefinitionsOf(newer)))
}

describe('diff across engine hosts', () => {
  it('answers exactly as the engine does in one process', async () => {
    const expected = await inProcessDiff(files[0], files[1])
    const page = await backend.diffSnapshots({
      snapshotId: opened[1].snapshotId,
      baseSnapshotId: opened[0].snapshotId,
      count: 10_000,
    })
    expect(page.total).toBe(expected.length)
    expect(page.items).toEqual(expected)
  }, 120_000)

  it('filters by class name and lists the new objects of a class', async () => {
    const page = await backend.diffSnapshots({
      snapshotId: opened[1].snapshotId,
      baseSnapshotId: opened[0].snapshotId,
      filter: 'sequenceleaked',
    })
    expect(page.items.map((entry) => [entry.className, entry.addedCount])).toEqual([
      ['SequenceLeakedRecord', 40],
    ])
    const added = await backend.getNewObjects({
      snapshotId: opened[1].snapshotId,
      baseSnapshotId: opened[0].snapshotId,
      classKey: page.items[0].classKey,
      count: 100,
    })
    expect(added.total).toBe(40)
    expect(added.items.every((object) => object.className === 'SequenceLeakedRecord')).toBe(true)
    const freed = await backend.diffSnapshots({
      snapshotId: opened[1].snapshotId,
      baseSnapshotId: opened[0].snapshotId,
      filter: 'SequenceFreedItem',
    })
    const deleted = await backend.getDeletedObjects({
      snapshotId: opened[1].snapshotId,
      baseSnapshotId: opened[0].snapshotId,
      classKey: freed.items[0].classKey,
    })
    expect(deleted.total).toBe(25)
  }, 60_000)

  it('keeps comparing after the base snapshot is closed, and refuses an unknown base', async () => {
    const extra = await backend.openSnapshot({ file: files[0] })
    const first = await backend.diffSnapshots({
      snapshotId: opened[2].snapshotId,
      baseSnapshotId: extra.snapshotId,
    })
    await backend.closeSnapshot({ snapshotId: extra.snapshotId })
    const again = await backend.diffSnapshots({
      snapshotId: opened[2].snapshotId,
      baseSnapshotId: extra.snapshotId,
    })
    expect(again).toEqual(first)
    const error = await rejection(
      backend.diffSnapshots({ snapshotId: opened[2].snapshotId, baseSnapshotId: 'nope' }),
    )
    expect(error.code).toBe('no-snapshot')
  }, 60_000)
})

describe('leak suspects across engine hosts', () => {
  it('answers exactly as the engine does in one process', async () => {
    const [base, target, final] = await Promise.all(files.map((file) => loadSnapshotFile(file)))
    const expected = findLeaks(final, snapshotIds(base), snapshotIds(target), [
      classCounts(base),
      classCounts(target),
      classCounts(final),
    ])
    const report = await backend.findLeaks({
      baseSnapshotId: opened[0].snapshotId,
      targetSnapshotId: opened[1].snapshotId,
      finalSnapshotId: opened[2].snapshotId,
    })
    expect(report).toEqual(expected)
    expect(report.clusters[0].className).toBe('SequenceLeakedRecord')
    expect(report.clusters[0].count).toBe(40)
  }, 120_000)
})

describe('leak clusters held only by V8 internals, across engine hosts', () => {
  it('leaves them apart by default and counts them when asked', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'heapgraph-internals-backend-'))
    const own = createBackend()
    try {
      const paths = ([0, 1, 2] as const).map((step) =>
        join(folder, `internals-${step}.heapsnapshot`),
      )
      await Promise.all(
        paths.map((path, step) => writeFile(path, internalsSnapshot(step as 0 | 1 | 2))),
      )
      const infos = await Promise.all(paths.map((file) => own.openSnapshot({ file })))
      const ids = {
        baseSnapshotId: infos[0].snapshotId,
        targetSnapshotId: infos[1].snapshotId,
        finalSnapshotId: infos[2].snapshotId,
      }
      const apart = await own.findLeaks(ids)
      expect(apart.clusters.map((cluster) => cluster.className)).toEqual(['Record'])
      expect(apart.internalOnly.clusterCount).toBe(1)
      const counted = await own.findLeaks({ ...ids, includeInternalOnly: true })
      expect(counted.clusters.map((cluster) => cluster.className).sort()).toEqual([
        'Boilerplate',
        'Record',
      ])
      expect(counted.internalOnly.clusterCount).toBe(0)
      expect(counted.clusterCount).toBe(2)
    } finally {
      await own.dispose()
      await rm(folder, { recursive: true, force: true })
    }
  }, 120_000)
})

describe('cuts in an engine host', () => {
  it('answers as the engine does, and names a reference that does not exist', async () => {
    const snapshotId = opened[2].snapshotId
    const found = await backend.search({ snapshotId, text: 'SequenceLeakedRecord', count: 1 })
    const record = found.items[0]
    const { paths } = await backend.findRetainerPaths({ snapshotId, node: record.node })
    const holder = paths[0][0].node
    const result = await backend.cutReference({
      snapshotId,
      from: holder.node,
      edgeName: 'sequenceStore',
      target: record.node,
    })
    const local = cutReference(await loadSnapshotFile(files[2]), {
      from: holder.node,
      edgeName: 'sequenceStore',
      target: record.node,
    })
    expect(result).toEqual(local)
    expect(result.targetFreed).toBe(true)
    expect(result.freedBytes).toBeGreaterThan(600_000)
    const error = await rejection(
      backend.cutReference({ snapshotId, from: holder.node, edgeName: 'noSuchProperty' }),
    )
    expect(error.code).toBe('bad-arguments')
    expect(error.message).toContain('noSuchProperty')
  }, 120_000)
})

describe('a comparison whose snapshot goes away mid-way', () => {
  it('fails instead of waiting forever', async () => {
    // Closes the newer snapshot at the worst moment: when the older one is asked to condense
    // itself for it (its answer then goes to a host that is gone).
    let closeNewer: () => Promise<unknown> = async () => null
    const own = createBackend({
      spawnHost: (entry) => {
        const channel = forkHost(entry)
        return {
          get pid() {
            return channel.pid
          },
          post(message) {
            if (message.type === 'internal' && message.op === 'diffBase') void closeNewer()
            channel.post(message)
          },
          onMessage: (listener) => channel.onMessage(listener),
          onExit: (listener) => channel.onExit(listener),
          kill: () => channel.kill(),
        }
      },
    })
    try {
      const [older, newer] = await Promise.all(
        files.slice(0, 2).map((file) => own.openSnapshot({ file })),
      )
      closeNewer = () => own.closeSnapshot({ snapshotId: newer.snapshotId })
      const settled = await Promise.race([
        own.diffSnapshots({ snapshotId: newer.snapshotId, baseSnapshotId: older.snapshotId }).then(
          () => 'answered',
          (error: unknown) => (error as { code?: string }).code,
        ),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000)),
      ])
      expect(settled).toBe('closed')
    } finally {
      await own.dispose()
    }
  }, 60_000)
})
