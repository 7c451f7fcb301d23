// The analyses other tools have, on real snapshots: duplicated strings in a Node program that
// holds many copies of built strings, closure leaks in Node (no scope information) and in
// Chromium (with it), detached DOM trees on a Chromium page, and DevTools' console and
// event-handler filters; through the engine, the engine host's dispatch and the library.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createBackend } from '../../electron/backend/backend'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { runQuery } from '../../electron/backend/engine/queries'
import { loadSnapshot } from '../../electron/lib/index'
import { ApiError, parseArgs } from '../../shared/protocol'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getDuplicateStrings } from '../../shared/heap/queries/strings'
import { getClosureLeaks } from '../../shared/heap/queries/closures'
import { getDetachedTrees } from '../../shared/heap/queries/detached'
import { getRetainedBy } from '../../shared/heap/queries/retained-by'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture } from '../helpers/fixtures'
import { rejection } from '../helpers/api'

const noContext = {
  diffBase: () => {
    throw new Error('no comparison here')
  },
}

describe('duplicated strings in a Node program', () => {
  let snapshot: HeapSnapshot
  beforeAll(async () => {
    snapshot = await loadSnapshotFile(await fixture('duplicate-strings'))
  }, 300_000)

  it("finds each record's copy of the built status, held by LeakRecord .status", () => {
    const report = getDuplicateStrings(snapshot, { count: 5 })
    const status = report.items.find((item) => item.text === 'leak-status-pending-review')
    expect(status).toBeDefined()
    expect(status?.count).toBe(2000)
    expect(status?.complete).toBe(true)
    const copy = (status?.totalSize ?? 0) / 2000
    expect(status?.wastedSize).toBe(1999 * copy)
    expect(status?.holders[0]).toMatchObject({ count: 2000, object: { className: 'LeakRecord' } })
    expect(status?.holders[0].via?.text).toBe('.status')
    // The program's copies come first: the 40 pages, then the 2000 statuses.
    expect(report.items.slice(0, 2).map((item) => item.count)).toEqual([40, 2000])
  })

  it('matches the long page text by what V8 wrote of it and its size', () => {
    const pages = getDuplicateStrings(snapshot, { count: 5 }).items.find((item) =>
      item.text.startsWith('leak-page-line\n'),
    )
    expect(pages).toMatchObject({ count: 40, complete: false, length: null })
    expect(pages?.holders[0].object.className).toBe('Array')
  })

  it('answers through the engine host and the library alike', async () => {
    const args = parseArgs('getDuplicateStrings', { snapshotId: 's', count: 1 })
    const viaHost = runQuery(snapshot, 'getDuplicateStrings', args, noContext)
    expect(viaHost.items).toHaveLength(1)
    expect(viaHost.total).toBe(getDuplicateStrings(snapshot).total)
    const heap = await loadSnapshot(await fixture('duplicate-strings'))
    expect(heap.duplicateStrings({ count: 1 }).items[0].text).toBe(viaHost.items[0].text)
    expect(heap.detachedDom().hasDom).toBe(false)
  })
})

describe('closure leaks in Node (no scope information)', () => {
  it('reports the shared context of makeHandlers, not knowing which closure reads report', async () => {
    const snapshot = await loadSnapshotFile(await fixture('explain'))
    const report = getClosureLeaks(snapshot)
    expect(report.hasScopeInfo).toBe(false)
    const leak = report.items.find((item) => item.variable === 'report')
    expect(leak).toBeDefined()
    expect(leak?.use).toBe('unknown')
    expect(leak?.value.label).toMatch(/^Array\(~?60000\)$/)
    expect(leak?.context.label).toMatch(/^scope of makeHandlers \(.*handlers\.js\)$/)
    expect(leak?.holders.map((holder) => holder.closure.name).sort()).toEqual([
      'summarizeReport',
      'tinyHandler',
    ])
    expect(leak?.holders.every((holder) => holder.usesVariable === null)).toBe(true)
    const tiny = leak?.holders.find((holder) => holder.closure.name === 'tinyHandler')
    expect(tiny?.heldBy?.via?.text).toBe('.tinyHandler')
    // The runtime's own module scopes are not the program's leaks.
    for (const item of report.items) {
      const own = item.holders.some((holder) => !holder.closure.location?.url?.startsWith('node:'))
      expect(own, item.context.label).toBe(true)
    }
    const viaHost = runQuery(
      snapshot,
      'getClosureLeaks',
      parseArgs('getClosureLeaks', { snapshotId: 's' }),
      noContext,
    )
    expect(viaHost.minRetainedSize).toBe(10_000)
    expect(viaHost.total).toBe(report.total)
  }, 300_000)

  it('finds no DOM and nothing retained by the console or event handlers', async () => {
    const snapshot = await loadSnapshotFile(await fixture('explain'))
    expect(getDetachedTrees(snapshot)).toMatchObject({ hasDom: false, total: 0, items: [] })
    for (const kind of ['console', 'event-handlers', 'detached-dom'] as const) {
      expect(getRetainedBy(snapshot, { kind }).total, kind).toBe(0)
    }
  }, 300_000)
})

const chromiumMissing = chromiumUnavailableReason()
if (chromiumMissing) console.warn(`analyses: the Chrome pages are SKIPPED: ${chromiumMissing}`)

describe.skipIf(chromiumMissing !== undefined)('a Chrome page with a detached subtree', () => {
  it('finds the detached <div> tree, held by the array and by LeakDetachedHolder', async () => {
    const snapshot = await loadSnapshotFile(await fixture('chrome-page'))
    const report = getDetachedTrees(snapshot)
    expect(report.hasDom).toBe(true)
    expect(report.total).toBe(1)
    const [tree] = report.items
    expect(tree.root.className).toBe('Detached <div>')
    // The div, its ten spans with their text nodes and element data.
    expect(tree.nodeCount).toBeGreaterThanOrEqual(21)
    expect(tree.retainedSize).toBe(report.retainedSize)
    const holders = tree.heldBy.map(
      (entry) => `${entry.holder.object.className} ${entry.holder.via?.text}`,
    )
    expect(holders.sort()).toEqual(['Array [1]', 'LeakDetachedHolder .detachedRoot'])
    expect(tree.entryCount).toBe(2)
    const retained = runQuery(
      snapshot,
      'getRetainedBy',
      parseArgs('getRetainedBy', { snapshotId: 's', kind: 'detached-dom', count: 100 }),
      noContext,
    )
    expect(retained.total).toBe(report.detachedNodeCount)
  }, 300_000)
})

describe.skipIf(chromiumMissing !== undefined)(
  'a Chrome page with closures, listeners and logs',
  () => {
    let snapshot: HeapSnapshot
    beforeAll(async () => {
      snapshot = await loadSnapshotFile(await fixture('chrome-closures'))
    }, 300_000)

    it('knows from the scope information which closures read the captured arrays', () => {
      const report = getClosureLeaks(snapshot)
      expect(report.hasScopeInfo).toBe(true)
      const byVariable = new Map(report.items.map((leak) => [leak.variable, leak]))
      expect([...byVariable.keys()].sort()).toEqual(['sharedPayload', 'unusedPayload'])
      const shared = byVariable.get('sharedPayload')
      expect(shared?.use).toBe('shared')
      expect(shared?.context.label).toMatch(/^scope of makeSharedPair \(.*chrome-closures\.html\)$/)
      expect(shared?.holders.map((holder) => [holder.closure.name, holder.usesVariable])).toEqual([
        ['leakBystander', false],
        ['leakReader', true],
      ])
      const unused = byVariable.get('unusedPayload')
      expect(unused?.use).toBe('unused')
      expect(unused?.holders.map((holder) => holder.closure.name)).toEqual(['leakTinyHandler'])
      // handlerPayload's only holder, onLeakClick, reads it: not a leak of this kind.
      expect(byVariable.has('handlerPayload')).toBe(false)
    })

    it('lists what only the click handler keeps, as DevTools filters it', () => {
      const report = getRetainedBy(snapshot, { kind: 'event-handlers' })
      expect(report.retainerCount).toBe(1)
      expect(report.items[0].name).toBe('onLeakClick')
      const array = report.items.find((item) => item.className === 'Array')
      expect(array?.retainedSize).toBeGreaterThanOrEqual(63_000 * 4)
    })

    it('lists what only the console keeps: the logged object and its array', () => {
      const report = getRetainedBy(snapshot, { kind: 'console' })
      expect(report.retainerCount).toBeGreaterThanOrEqual(1)
      expect(report.items[0].label).toBe('{leakConsolePayload}')
      expect(report.items.some((item) => item.className === 'Array')).toBe(true)
    })
  },
)

describe('the backend API', () => {
  it('answers the four analyses from an engine host, and refuses bad arguments', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'heapgraph-analyses-'))
    const backend = createBackend({ configDir })
    try {
      const { snapshotId } = await backend.openSnapshot({ file: await fixture('explain') })
      const closures = await backend.getClosureLeaks({ snapshotId, count: 5 })
      expect(closures.items.map((leak) => leak.variable)).toContain('report')
      const strings = await backend.getDuplicateStrings({ snapshotId, count: 2 })
      expect(strings.items).toHaveLength(2)
      expect(await backend.getDetachedTrees({ snapshotId })).toMatchObject({ hasDom: false })
      const console = await backend.getRetainedBy({ snapshotId, kind: 'console' })
      expect(console).toMatchObject({ kind: 'console', total: 0 })
      const error = await rejection(
        backend.getRetainedBy({ snapshotId, kind: 'timers' as unknown as 'console' }),
      )
      expect(error).toBeInstanceOf(ApiError)
      expect(error.code).toBe('bad-arguments')
    } finally {
      await backend.dispose()
      await rm(configDir, { recursive: true, force: true })
    }
  }, 300_000)
})
