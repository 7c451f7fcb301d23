// The Node library (electron/lib) as a test suite uses it: snapshots of this very test process
// (streamed from node:inspector into the engine), queries on them, the no-instance assertion
// passing and failing with a readable message, leaks across three in-process snapshots, and
// captures of a real `node --inspect` child by port, WebSocket URL and pid.
import { mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  captureTarget,
  connectTarget,
  HeapAssertionError,
  HeapSnapshotError,
  loadSnapshot,
  takeSnapshot,
  type Heap,
} from '../../electron/lib/index'
import { killAllTargets, startInspectTarget } from '../helpers/inspect-target'

interface LibraryGlobals {
  libraryLeak?: LibraryLeakedSession[]
  libraryLeakStore?: Map<string, LibraryLeakRecord>
}
const globals = globalThis as LibraryGlobals

class LibraryLeakedSession {
  readonly payload = new Array(5000).fill(1)
}
class LibraryLeakRecord {
  constructor(readonly samples = new Array(20_000).fill(2)) {}
}
class LibraryTransientJob {
  readonly scratch = new Array(1000).fill(3)
}

const tempDirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'heapgraph-library-'))
  tempDirs.push(dir)
  return dir
}

afterAll(async () => {
  await killAllTargets()
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
  delete globals.libraryLeak
  delete globals.libraryLeakStore
})

describe('library: snapshots of the current process', () => {
  let heap: Heap

  it('takes a snapshot in-process and finds the instances of a class', async () => {
    globals.libraryLeak = [0, 1, 2].map(() => new LibraryLeakedSession())
    heap = await takeSnapshot()
    expect(heap.file).toBeNull()
    expect(heap.snapshot.hasUserRoots).toBe(true)
    const instances = heap.instancesOf('LibraryLeakedSession')
    expect(instances).toHaveLength(3)
    expect(instances[0].retainedSize).toBeGreaterThanOrEqual(instances[2].retainedSize)
    expect(heap.summary().some((entry) => entry.className === 'LibraryLeakedSession')).toBe(true)
  })

  it('explains why an object is alive, by class name or by @id', () => {
    const byClass = heap.why('LibraryLeakedSession')
    expect(byClass.reachable).toBe(true)
    const [path] = byClass.paths
    expect(path[0].edge).toBeNull()
    expect(path.map((step) => step.edge?.name)).toContain('libraryLeak')
    expect(path.at(-1)?.node.className).toBe('LibraryLeakedSession')
    const byId = heap.why(byClass.target.id, { paths: 2 })
    expect(byId.target.id).toBe(byClass.target.id)
    expect(heap.why(`@${byClass.target.id}`).target.id).toBe(byClass.target.id)
    expect(() => heap.why('LibraryNoSuchClass')).toThrow(HeapSnapshotError)
    expect(() => heap.why(2 ** 32 - 1)).toThrow(/no object @4294967295/)
  })

  it('passes assertNoInstances for a class with no live instance', () => {
    expect(() => heap.assertNoInstances('LibraryNoSuchClass')).not.toThrow()
  })

  it('fails assertNoInstances with the count and the first retainer path', () => {
    let failure: unknown
    try {
      heap.assertNoInstances('LibraryLeakedSession', 'sessions must be released')
    } catch (error) {
      failure = error
    }
    expect(failure).toBeInstanceOf(HeapAssertionError)
    const { message, instances } = failure as HeapAssertionError
    expect(instances).toHaveLength(3)
    expect(message).toMatch(
      /^sessions must be released: expected no live instance of LibraryLeakedSession, found 3 \([\d.]+ kB retained\)\.\nLibraryLeakedSession \([\d.]+ kB\) is alive because `global\.libraryLeak\[\d\]` holds it\.\nThe largest, @\d+, is retained through:\n/,
    )
    expect(message).toMatch(/^ {2}\.libraryLeak → Array\(3\) @\d+ \(/m)
    expect(message).toMatch(/→ LibraryLeakedSession @\d+ \([\d.]+ kB retained\)$/m)
    // The nearest change first: the array element, not the global property.
    expect(message).toMatch(/^To free it: global\.libraryLeak\.splice\(\d, 1\)$/m)
  })

  it('passes once the objects are released', async () => {
    delete globals.libraryLeak
    const after = await takeSnapshot()
    expect(() => after.assertNoInstances('LibraryLeakedSession')).not.toThrow()
    expect(after.instancesOf('LibraryLeakedSession')).toEqual([])
  })

  it('saves the snapshot to a file as it streams, which loads back the same', async () => {
    const file = join(await tempDir(), 'self.heapsnapshot')
    const saved = await takeSnapshot({ file, gc: false })
    expect(saved.file).toBe(file)
    expect((await stat(file)).size).toBeGreaterThan(0)
    const loaded = await loadSnapshot(file)
    expect(loaded.snapshot.graph.nodeCount).toBe(saved.snapshot.graph.nodeCount)
    expect(loaded.snapshot.totalSize).toBe(saved.snapshot.totalSize)
  })

  it('fails when the disk fills while it saves, and keeps no file', async () => {
    const dir = await tempDir()
    const file = join(dir, 'full.heapsnapshot')
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    await symlink('/dev/full', `${file}.partial`)
    await expect(takeSnapshot({ file, gc: false })).rejects.toThrow(/the disk is full/)
    expect(await readdir(dir)).toEqual([])
  })
})

describe('library: leaks across three in-process snapshots', () => {
  it('finds the records the action leaked, not the transient jobs nor its own baseline', async () => {
    // The store exists before the baseline; were it new, it would head the cluster itself.
    globals.libraryLeakStore = new Map()
    const base = await takeSnapshot()
    // The action: leak records, make transient jobs.
    for (let index = 0; index < 20; index++) {
      globals.libraryLeakStore?.set(`record-${index}`, new LibraryLeakRecord())
    }
    let transient: LibraryTransientJob[] = Array.from(
      { length: 30 },
      () => new LibraryTransientJob(),
    )
    const target = await takeSnapshot()
    expect(transient).toHaveLength(30)
    // The undo drops the transient jobs only.
    transient = []
    const final = await takeSnapshot()
    const report = final.leaks(base, target)
    const [top] = report.clusters
    expect(top.className).toBe('LibraryLeakRecord')
    expect(top.count).toBe(20)
    expect(top.retainedSize).toBeGreaterThan(20 * 20_000 * 8)
    expect(top.path.map((step) => step.edge?.name)).toContain('libraryLeakStore')
    const classes = report.clusters.map((cluster) => cluster.className)
    expect(classes).not.toContain('LibraryTransientJob')
    // The baseline Heap (and the graph it holds) is new in the target but not the user's leak.
    expect(classes).not.toContain('HeapgraphHeap')
    expect(report.retainedSize).toBeLessThan(base.snapshot.totalSize)
    const growing = report.growing.find((entry) => entry.className === 'LibraryLeakRecord')
    expect(growing?.counts).toEqual([0, 20, 20])
    const diff = final.diff(base).find((entry) => entry.className === 'LibraryLeakRecord')
    expect(diff?.addedCount).toBe(20)
    delete globals.libraryLeakStore
  })
})

describe('library: captures of another process', () => {
  // Leaks on "act" (records kept, jobs made) and undoes on "undo" (jobs dropped).
  const program = `
    class CapturedThing { constructor() { this.data = new Array(100).fill(7) } }
    class TargetLeakRecord { constructor() { this.samples = new Array(10000).fill(1) } }
    class TargetTransientJob { constructor() { this.scratch = new Array(1000).fill(2) } }
    globalThis.capturedThings = Array.from({ length: 12 }, () => new CapturedThing())
    globalThis.targetStore = new Map()
    let jobs = []
    require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
      if (line === 'act') {
        for (let i = 0; i < 15; i++) globalThis.targetStore.set('r' + i, new TargetLeakRecord())
        jobs = Array.from({ length: 40 }, () => new TargetTransientJob())
      } else if (line === 'undo') {
        jobs = []
      }
      console.log('done ' + line + ' ' + jobs.length)
    })
    console.log('ready')
  `

  it('captures a node --inspect child by port, WebSocket URL and pid', async () => {
    const target = await startInspectTarget(program, { readyLine: /^ready$/ })
    const byPort = await captureTarget({ port: target.port })
    expect(byPort.file).toBeNull()
    expect(byPort.instancesOf('CapturedThing')).toHaveLength(12)
    const path = byPort.why('CapturedThing').paths[0]
    expect(path.map((step) => step.edge?.name)).toContain('capturedThings')

    const file = join(await tempDir(), 'captured.heapsnapshot')
    const byUrl = await captureTarget({ webSocketUrl: target.webSocketUrl, file })
    expect(byUrl.file).toBe(file)
    expect((await stat(file)).size).toBeGreaterThan(0)
    expect(() => byUrl.assertNoInstances('CapturedThing')).toThrow(/found 12/)

    const byPid = await captureTarget({ pid: target.pid, gc: false })
    expect(byPid.instancesOf('CapturedThing')).toHaveLength(12)
    await target.kill()
  })

  it('finds what a target leaked across three snapshots of one connection', async () => {
    const target = await startInspectTarget(program, { readyLine: /^ready$/ })
    const connection = await connectTarget({ port: target.port })
    try {
      const base = await connection.takeSnapshot()
      target.send('act')
      await target.waitForLine(/^done act 40$/)
      const after = await connection.takeSnapshot()
      target.send('undo')
      await target.waitForLine(/^done undo 0$/)
      const final = await connection.takeSnapshot()
      const report = final.leaks(base, after)
      expect(report.clusters[0].className).toBe('TargetLeakRecord')
      expect(report.clusters[0].count).toBe(15)
      const classes = report.clusters.map((cluster) => cluster.className)
      expect(classes).not.toContain('TargetTransientJob')
    } finally {
      await connection.close()
      await target.kill()
    }
  })
})
