// A snapshot recorded with allocations on a timeline, from a real `node --inspect` target: the
// Summary shows its allocation bars; picking intervals from the keyboard limits the Summary to
// the objects allocated then, as the engine counts them; and from an object's allocation stack
// the Summary shows every live object its function allocated.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TargetSession } from '../../electron/backend/cdp/session'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { filterNodes, getAllocationTimeline } from '../../shared/heap/queries/allocation-filters'
import { getSummary } from '../../shared/heap/queries/summary'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { REPO_ROOT } from '../helpers/fixtures'
import { startInspectTarget } from '../helpers/inspect-target'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`allocation timeline e2e: SKIPPED: ${missing}`)

const PROGRAM = join(REPO_ROOT, 'test/fixtures/programs/timeline-rows.cjs')

describe.skipIf(missing !== undefined)('allocations on a timeline', () => {
  let ui: WebUi
  let scratch: string
  let file: string
  let snapshot: HeapSnapshot

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'heapgraph-timeline-'))
    file = join(scratch, 'timeline.heapsnapshot')
    const target = await startInspectTarget({ file: PROGRAM }, { readyLine: /^ready$/ })
    const session = await TargetSession.connect(target.webSocketUrl)
    try {
      await session.startAllocationTracking()
      target.send('go')
      await target.waitForLine(/^done$/, 20_000)
      await session.stopAllocationTracking({ file })
    } finally {
      await session.close()
      await target.kill()
    }
    snapshot = await loadSnapshotFile(file)
    ui = await startWebUi()
    await ui.page.setViewportSize({ width: 1440, height: 900 })
    await ui.page.goto(ui.server.url)
    await ui.open(file)
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  /** The Summary's count for a class, as the table shows it (0 when the class is not listed). */
  async function shownCount(className: string): Promise<number> {
    const { page } = ui
    await page.getByLabel('Filter classes').fill(className)
    const table = page.getByRole('table', { name: 'Classes' })
    const row = table
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: className, exact: true }) })
    await expect
      .poll(
        async () =>
          (await row.count()) > 0 ||
          (await page.getByText(/No object is left from there|No class matches/).count()) > 0,
      )
      .toBe(true)
    if ((await row.count()) === 0) return 0
    return Number((await row.first().getByRole('cell').nth(1).innerText()).replace(/,/g, ''))
  }

  it('draws the bars and limits the Summary to the intervals picked', async () => {
    const { page } = ui
    // The bars: every interval after the first sample (what came before is the heap as it
    // was when recording began).
    const timeline = getAllocationTimeline(snapshot).filter((each) => !each.beforeRecording)
    expect(timeline.length).toBeGreaterThan(2)
    const chart = page.getByRole('slider', { name: 'Allocation timeline' })
    await chart.waitFor()
    expect(await chart.locator('rect').count()).toBe(timeline.length)
    await ui.screenshot('timeline-1-bars')

    // Every interval: all the objects allocated while recording that are still alive.
    const everything = getSummary(snapshot).find((entry) => entry.className === 'Array')
    const recorded = getSummary(snapshot, {
      allocatedBetween: { afterId: timeline[0].afterId, upToId: null },
    }).find((entry) => entry.className === 'Array')
    await chart.focus()
    await page.keyboard.press('Home')
    await page.keyboard.press('Shift+End')
    await page
      .getByRole('status')
      .filter({ hasText: /^Objects allocated between/ })
      .waitFor()
    expect(await shownCount('Array')).toBe(recorded?.count)

    // The second half of the intervals: as the engine counts them with that filter.
    const from = Math.floor(timeline.length / 2)
    await chart.focus()
    await page.keyboard.press('Home')
    for (let step = 0; step < from; step++) await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Shift+End')
    const only = { allocatedBetween: { afterId: timeline[from].afterId, upToId: null } }
    const expected = getSummary(snapshot, only).find((entry) => entry.className === 'Array')
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Objects allocated between/ })
          .innerText(),
      )
      .toContain(
        `${timeline
          .slice(from)
          .reduce((sum, each) => sum + each.count, 0)
          .toLocaleString('en-US')} objects`,
      )
    expect(await shownCount('Array')).toBe(expected?.count ?? 0)
    await ui.screenshot('timeline-2-picked')

    // Esc shows every object again.
    await chart.focus()
    await page.keyboard.press('Escape')
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Objects allocated between/ })
          .count(),
      )
      .toBe(0)
    expect(await shownCount('Array')).toBe(everything?.count)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)

  it('shows every live object the allocating function of a stack allocated', async () => {
    const { page } = ui
    // makeRows's twenty arrays keep their 160 kB stores: the largest "(object elements)"
    // members, or the Array class's (V8 names the store after its holder on newer Nodes).
    const site = { functionName: 'makeRows', url: PROGRAM, line: null }
    const expected = getSummary(snapshot, { allocatedAt: site })
    const total = expected.reduce((sum, entry) => sum + entry.count, 0)
    expect(total).toBeGreaterThanOrEqual(20)
    // One of them, found by its @id as a user would (the find box).
    const keep = filterNodes(snapshot, { allocatedAt: site })
    let node = -1
    for (let candidate = 0; keep && candidate < keep.length; candidate++) {
      if (
        keep[candidate] &&
        (node === -1 || snapshot.retainedSize[candidate] > snapshot.retainedSize[node])
      )
        node = candidate
    }
    const id = snapshot.graph.objectId[node]
    await page.keyboard.press('Control+f')
    const dialog = page.getByRole('dialog', { name: 'Find' })
    await dialog.getByRole('combobox').fill(`@${id}`)
    await dialog.getByRole('option', { name: new RegExp(`@${id}\\b`) }).waitFor()
    await page.keyboard.press('Enter')
    await dialog.waitFor({ state: 'detached' })
    const details = page.getByRole('complementary', { name: 'Object details' })
    await details.getByRole('tab', { name: 'Allocated at' }).click()
    await expect
      .poll(() => details.getByRole('list', { name: 'Allocation stack' }).innerText())
      .toContain('makeRows')
    await details.getByRole('button', { name: /^Every live object makeRows allocated/ }).click()
    await page
      .getByRole('status')
      .filter({ hasText: /^Objects allocated in makeRows \(timeline-rows\.cjs:\d+\)/ })
      .waitFor()
    for (const entry of expected.slice(0, 3))
      expect(await shownCount(entry.className)).toBe(entry.count)
    await ui.screenshot('timeline-3-site')
    await page.getByRole('button', { name: 'Show every object' }).click()
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Objects allocated in/ })
          .count(),
      )
      .toBe(0)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)
})
