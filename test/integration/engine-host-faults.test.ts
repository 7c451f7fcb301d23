// Each open snapshot's engine runs in its own process: killing one (after its load, or in the
// middle of it) fails only that snapshot, with the reason, and every other snapshot keeps
// answering. Real processes, real SIGKILLs.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from '../../electron/backend/backend'
import type { SnapshotEvent, SnapshotInfo } from '../../shared/protocol'
import { rejection } from '../helpers/api'
import { fixture, sizedFixture } from '../helpers/fixtures'

describe('engine host processes', () => {
  let backend: Backend
  let survivor: SnapshotInfo

  beforeAll(async () => {
    backend = createBackend()
    survivor = await backend.openSnapshot({ file: await fixture('map-cache') })
  }, 120_000)

  afterAll(async () => {
    await backend?.dispose()
  })

  it('runs every snapshot in a process of its own', async () => {
    const other = await backend.openSnapshot({ file: await fixture('closure-context') })
    const pids = [survivor, other].map((info) => backend.hostProcessId(info.snapshotId))
    expect(pids[0]).toBeGreaterThan(0)
    expect(new Set([...pids, process.pid]).size).toBe(3)
    await backend.closeSnapshot({ snapshotId: other.snapshotId })
  }, 60_000)

  it('fails only the killed snapshot, says why, and keeps the others working', async () => {
    const victim = await backend.openSnapshot({ file: await fixture('map-cache') })
    const victimPid = backend.hostProcessId(victim.snapshotId)
    // Never pid 0: that would signal this whole process group.
    if (!victimPid) throw new Error('no engine host process for the snapshot')
    // The loss is pushed to subscribers (the UI), once, naming the snapshot and why.
    const lostEvents: SnapshotEvent[] = []
    const pushed = new Promise<void>((resolve) => {
      const stop = backend.onSnapshot((event) => {
        if (event.type !== 'lost') return
        lostEvents.push(event)
        stop()
        resolve()
      })
    })
    process.kill(victimPid, 'SIGKILL')
    await pushed
    expect(lostEvents).toEqual([
      {
        type: 'lost',
        snapshotId: victim.snapshotId,
        file: victim.file,
        reason: expect.stringMatching(/killed/),
      },
    ])
    const error = await rejection(
      (async () => {
        // The exit is noticed asynchronously; until then a call may still be in flight.
        for (;;) {
          await backend.getSummary({ snapshotId: victim.snapshotId })
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      })(),
    )
    expect(error.code).toBe('engine-crashed')
    expect(error.message).toMatch(/map-cache.*killed/)
    const listed = await backend.listSnapshots({})
    expect(listed.map((info) => info.snapshotId)).not.toContain(victim.snapshotId)
    const summary = await backend.getSummary({ snapshotId: survivor.snapshotId })
    expect(summary.total).toBeGreaterThan(0)
    // Closing the dead snapshot is allowed; it is then simply unknown.
    await backend.closeSnapshot({ snapshotId: victim.snapshotId })
    expect((await rejection(backend.getSummary({ snapshotId: victim.snapshotId }))).code).toBe(
      'no-snapshot',
    )
  }, 60_000)

  it('reports an engine killed in the middle of a load, and keeps the others working', async () => {
    const file = await sizedFixture(4)
    const operationId = 'killed-load'
    let killed = false
    const stop = backend.onProgress((event) => {
      if (event.operationId !== operationId || killed) return
      killed = true
      const loadingPid = backend.hostProcessId(operationId)
      if (!loadingPid) throw new Error('no engine host process for the load')
      process.kill(loadingPid, 'SIGKILL')
    })
    // A load that fails is answered by its open call and pushed as failed, never as lost.
    const lostEvents: SnapshotEvent[] = []
    const failedEvents: SnapshotEvent[] = []
    const stopLost = backend.onSnapshot((event) => {
      if (event.type === 'lost') lostEvents.push(event)
      if (event.type === 'failed') failedEvents.push(event)
    })
    const opening = backend.openSnapshot({ file, operationId })
    const error = await rejection(opening)
    stop()
    stopLost()
    expect(lostEvents).toEqual([])
    expect(failedEvents).toEqual([
      { type: 'failed', operationId, file, message: expect.stringMatching(/killed/) },
    ])
    expect(killed).toBe(true)
    expect(error.code).toBe('engine-crashed')
    expect(error.message).toMatch(/killed/)
    const summary = await backend.getSummary({ snapshotId: survivor.snapshotId })
    expect(summary.total).toBeGreaterThan(0)
  }, 120_000)
})

describe('faults around a load', () => {
  it('refuses a snapshot too large for the memory it may use, up front, and stays usable', async () => {
    const backend = createBackend()
    const saved = process.env.HEAPGRAPH_MEMORY_LIMIT
    try {
      // Engine hosts take the limit from the environment they start with.
      process.env.HEAPGRAPH_MEMORY_LIMIT = String(50_000_000)
      const startedAt = performance.now()
      const error = await rejection(backend.openSnapshot({ file: await sizedFixture(4) }))
      expect(error.code).toBe('too-large')
      expect(error.message).toMatch(/needs about [\d.]+ GB of memory .* objects/)
      expect(error.message).toMatch(/\(at byte \d{1,3}\)$/)
      expect(performance.now() - startedAt).toBeLessThan(5000)
      delete process.env.HEAPGRAPH_MEMORY_LIMIT
      const info = await backend.openSnapshot({ file: await fixture('map-cache') })
      expect(info.nodeCount).toBeGreaterThan(1000)
    } finally {
      if (saved === undefined) delete process.env.HEAPGRAPH_MEMORY_LIMIT
      else process.env.HEAPGRAPH_MEMORY_LIMIT = saved
      await backend.dispose()
    }
  }, 60_000)
})

/** Mounts a 1 MB tmpfs (root with CAP_SYS_ADMIN only); null with the reason where it cannot. */
function mountTinyDisk(dir: string): string | null {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], {
    encoding: 'utf8',
  })
  return mounted.status === 0 ? null : `cannot mount a small tmpfs here: ${mounted.stderr.trim()}`
}

describe('a full disk under a capture from the app', () => {
  it('fails the capture with a clear error, keeps no file, and the app stays usable', async (context) => {
    const dir = await mkdtemp(join(tmpdir(), 'heapgraph-full-'))
    const reason = mountTinyDisk(dir)
    if (reason) {
      console.warn(`full-disk capture: SKIPPED: ${reason}`)
      await rm(dir, { recursive: true, force: true })
      context.skip()
      return
    }
    const backend = createBackend({ captureDir: dir })
    try {
      const demo = await backend.startDemo({})
      const before = (await backend.listSnapshots({})).length
      const error = await rejection(backend.captureSnapshot({ attachId: demo.attachId }))
      expect(error.code).toBe('io')
      expect(error.message).toMatch(/the disk is full/)
      expect(await readdir(dir)).toEqual([])
      expect((await backend.listSnapshots({})).length).toBe(before)
      // Still attached and usable.
      expect((await backend.getHeapUsage({ attachId: demo.attachId })).usedSize).toBeGreaterThan(0)
    } finally {
      await backend.dispose()
      spawnSync('umount', [dir])
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('a capture too large for the memory a load may take', () => {
  it('is refused at its header, and the target stays attached', async () => {
    const saved = process.env.HEAPGRAPH_MEMORY_LIMIT
    // Engine hosts take the limit from the environment they start with.
    process.env.HEAPGRAPH_MEMORY_LIMIT = String(50_000_000)
    const backend = createBackend()
    try {
      const demo = await backend.startDemo({})
      const error = await rejection(backend.captureSnapshot({ attachId: demo.attachId }))
      expect(error.code).toBe('too-large')
      expect(error.message).toMatch(/needs about [\d.]+ GB of memory/)
      expect(await backend.listSnapshots({})).toEqual([])
      expect((await backend.getHeapUsage({ attachId: demo.attachId })).usedSize).toBeGreaterThan(0)
    } finally {
      if (saved === undefined) delete process.env.HEAPGRAPH_MEMORY_LIMIT
      else process.env.HEAPGRAPH_MEMORY_LIMIT = saved
      await backend.dispose()
    }
  }, 60_000)
})
