// Allocation profiles and recordings through the backend, as the app calls them: open a
// hand-built .heapprofile and read it bottom-up, compared, top-down and as a flame chart (the
// answers equal the model's); bad files and ids are one-line errors; and against a real
// `node --inspect` target, recordings start, are listed, stop into an open profile or snapshot,
// and cancel or detach without leaving a file.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { loadProfileFile } from '../../electron/backend/load-profile'
import { getAllocationSites, compareAllocationSites } from '../../shared/heap/profile'
import { rejection } from '../helpers/api'
import { REPO_ROOT } from '../helpers/fixtures'
import { startInspectTarget, type InspectTarget } from '../helpers/inspect-target'
import { ProfileBuilder } from '../helpers/profile-builder'

let backend: Backend
let scratch: string
let captures: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'heapgraph-profiles-backend-'))
  captures = join(scratch, 'captures')
  backend = createBackend({ captureDir: captures, configDir: join(scratch, 'config') })
})

afterAll(async () => {
  await backend?.dispose()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

/** main -> build -> makeRows (self 600), main -> cache (self 300), and a base with less. */
function profileText(rows: number, cache: number): string {
  const builder = new ProfileBuilder()
  const main = builder.call(builder.root, { functionName: 'main', url: '/app/main.js', line: 0 })
  const build = builder.call(main, { functionName: 'build', url: '/app/rows.js', line: 4 })
  builder.call(
    build,
    { functionName: 'makeRows', url: '/app/rows.js', line: 10, column: 2 },
    {
      samples: Array(rows).fill(100),
    },
  )
  builder.call(
    main,
    { functionName: 'cache', url: '/app/cache.js', line: 1 },
    {
      samples: Array(cache).fill(100),
    },
  )
  return builder.toText()
}

describe('allocation profiles in the backend', () => {
  it('answers as the model does, bottom-up, compared, top-down and as a flame chart', async () => {
    const file = join(scratch, 'new.heapprofile')
    const baseFile = join(scratch, 'base.heapprofile')
    await writeFile(file, profileText(6, 3))
    await writeFile(baseFile, profileText(1, 3))
    const info = await backend.openProfile({ file })
    const base = await backend.openProfile({ file: baseFile })
    expect(info).toMatchObject({ file, totalSize: 900, sampleCount: 9, scriptRoot: '/app/' })
    // Opened again: the same profile.
    expect((await backend.openProfile({ file })).profileId).toBe(info.profileId)
    expect((await backend.listProfiles({})).map((each) => each.file).sort()).toEqual(
      [baseFile, file].sort(),
    )

    const model = await loadProfileFile(file)
    const sites = await backend.getAllocationSites({
      profileId: info.profileId,
      by: 'line',
      count: 100,
    })
    expect(sites.items).toEqual(getAllocationSites(model, 'line'))
    const changes = await backend.compareAllocationSites({
      profileId: info.profileId,
      baseProfileId: base.profileId,
      count: 100,
    })
    expect(changes.items).toEqual(
      compareAllocationSites(model, await loadProfileFile(baseFile), 'function'),
    )
    expect(changes.items[0]).toMatchObject({
      functionName: 'makeRows',
      sizeDiff: 500,
      countDiff: 5,
    })

    const head = await backend.getCallTree({ profileId: info.profileId })
    expect(head.node).toMatchObject({ totalSize: 900, childCount: 1 })
    const main = head.children.items[0]
    const below = await backend.getCallTree({ profileId: info.profileId, nodeId: main.id })
    expect(below.children.items.map((child) => [child.functionName, child.totalSize])).toEqual([
      ['build', 600],
      ['cache', 300],
    ])
    const chart = await backend.getFlameChart({ profileId: info.profileId })
    expect(chart.totalSize).toBe(900)
    // The bars of each depth never overlap and stay within the head.
    for (let depth = 0; depth <= chart.maxDepth; depth++) {
      const bars = chart.depth.flatMap((d, bar) => (d === depth ? [bar] : []))
      const spans = bars.map((bar) => [chart.start[bar], chart.start[bar] + chart.width[bar]])
      spans.sort((a, b) => a[0] - b[0])
      for (let k = 1; k < spans.length; k++)
        expect(spans[k][0]).toBeGreaterThanOrEqual(spans[k - 1][1])
      for (const [, end] of spans) expect(end).toBeLessThanOrEqual(900)
    }
    const makeRows = chart.frame.findIndex(
      (frame) => chart.frames[frame].functionName === 'makeRows',
    )
    expect(chart.width[makeRows]).toBe(600)

    await backend.closeProfile({ profileId: base.profileId })
    expect(await rejection(backend.getCallTree({ profileId: base.profileId }))).toMatchObject({
      code: 'no-profile',
    })
    expect(
      await rejection(backend.getCallTree({ profileId: info.profileId, nodeId: 999 })),
    ).toMatchObject({ code: 'no-object' })
  })

  it('refuses bad files in one line', async () => {
    const broken = join(scratch, 'broken.heapprofile')
    await writeFile(broken, '{"head": {"callFrame": ')
    const error = await rejection(backend.openProfile({ file: broken }))
    expect(error.message).not.toContain('\n')
    expect(error.message).toMatch(/truncated|end/i)
    const snapshot = join(scratch, 'snap.heapprofile')
    await writeFile(snapshot, '{"snapshot":{"meta":{}}, "nodes": []}')
    expect((await rejection(backend.openProfile({ file: snapshot }))).message).toMatch(/snapshot/i)
    expect(
      (await rejection(backend.openProfile({ file: join(scratch, 'missing.heapprofile') })))
        .message,
    ).toContain('missing.heapprofile')
  })
})

describe('recordings of an attached target', () => {
  let target: InspectTarget
  let attachId: string

  beforeAll(async () => {
    target = await startInspectTarget(
      { file: join(REPO_ROOT, 'test/fixtures/programs/timeline-rows.cjs') },
      { readyLine: /^ready$/ },
    )
    attachId = (await backend.attach({ webSocketUrl: target.webSocketUrl })).attachId
  }, 60_000)

  afterAll(async () => {
    await target?.kill()
  })

  it('records a sampling profile and a timeline, each opened when stopped', async () => {
    const sampling = await backend.startRecording({
      attachId,
      kind: 'sampling',
      intervalBytes: 4096,
    })
    expect(sampling.file.startsWith(captures)).toBe(true)
    expect(await backend.listRecordings({})).toEqual([sampling])
    // One recording at a time on a target.
    expect(await rejection(backend.startRecording({ attachId, kind: 'timeline' }))).toMatchObject({
      code: 'busy',
    })
    target.send('go')
    await target.waitForLine(/^done$/, 20_000)
    const profile = await backend.stopRecording({ recordingId: sampling.recordingId })
    expect(profile.kind).toBe('sampling')
    if (profile.kind !== 'sampling') return
    expect(profile.profile.file).toBe(sampling.file)
    const top = await backend.getAllocationSites({ profileId: profile.profile.profileId, count: 1 })
    expect(top.items[0].functionName).toBe('makeRows')
    expect(await backend.listRecordings({})).toEqual([])

    const timeline = await backend.startRecording({ attachId, kind: 'timeline' })
    target.send('go')
    await target.waitForLine(/^done$/, 20_000)
    const opened = await backend.stopRecording({ recordingId: timeline.recordingId })
    expect(opened.kind).toBe('timeline')
    if (opened.kind !== 'timeline') return
    expect(opened.snapshot).toMatchObject({ allocationStacks: true, allocationTimeline: true })
    expect(
      await rejection(backend.stopRecording({ recordingId: timeline.recordingId })),
    ).toMatchObject({ code: 'no-recording' })
  }, 90_000)

  it('keeps no file of a cancelled recording, nor of one its target detached from', async () => {
    const files = async (): Promise<string[]> =>
      (await readdir(captures)).filter(
        (name) => name.startsWith('allocations-') || name.endsWith('.partial'),
      )
    const before = await files()
    const cancelled = await backend.startRecording({ attachId, kind: 'sampling' })
    await backend.cancelRecording({ recordingId: cancelled.recordingId })
    expect(await files()).toEqual(before)
    await backend.startRecording({ attachId, kind: 'sampling' })
    await backend.detach({ attachId })
    expect(await backend.listRecordings({})).toEqual([])
    expect(await files()).toEqual(before)
  }, 60_000)
})
