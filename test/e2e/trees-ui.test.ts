// The Containment and Dominators trees in real Chromium against web mode, on the map-cache
// snapshot (global.leakCache: a Map of 100 keys to 1000-item Arrays): the root's references,
// expanding by keyboard and by click down to leakCache's Map, "Show more" pages, Enter selecting
// into the details pane, the dominator tree largest first, and virtualization. Screenshots in
// light and dark go to test-results/screenshots/trees-*.png.
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SnapshotInfo } from '../../shared/protocol'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`trees UI e2e: SKIPPED: ${missing}`)

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }

function parseBytes(text: string): number {
  const [value, unit] = text.trim().split(/\s+/)
  return Number(value) * (UNITS[unit] ?? Number.NaN)
}

/** The focused element as the page sees it (page-side code as a string: test/ has no DOM lib). */
interface Focused {
  row: number | null
  text: string
  status: boolean
}

describe.skipIf(missing !== undefined)('trees UI', () => {
  let ui: WebUi
  let page: Page
  let snapshot: SnapshotInfo

  const focused = async (): Promise<Focused> =>
    (await page.evaluate(`(() => {
      const element = document.activeElement
      const row = element?.getAttribute('data-row')
      return {
        row: row == null ? null : Number(row),
        text: element?.textContent ?? '',
        status: element?.classList.contains('tree-status') ?? false,
      }
    })()`)) as Focused

  const rowCount = async (table: Locator): Promise<number> =>
    Number(await table.getAttribute('aria-rowcount')) - 1

  /** The Map on global.leakCache, as the engine has it. */
  async function leakCacheNode(): Promise<number> {
    const { snapshotId, rootNode } = snapshot
    const roots = await ui.backend.getEdges({ snapshotId, node: rootNode, start: 0, count: 100 })
    const global = roots.items.find((reference) => reference.node.label === 'global')
    if (!global) throw new Error('the root has no global object')
    const globals = await ui.backend.getEdges({
      snapshotId,
      node: global.node.node,
      start: 0,
      count: 10_000,
    })
    const leakCache = globals.items.find((reference) => reference.edge.name === 'leakCache')
    if (!leakCache) throw new Error('global has no leakCache')
    return leakCache.node.node
  }

  const row = (table: Locator, position: number): Locator =>
    table.locator(`tbody > tr[data-row="${position}"]`)

  async function screenshots(name: string): Promise<void> {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await ui.screenshot(`${name}-${scheme}`)
    }
    await page.emulateMedia({ colorScheme: null })
  }

  beforeAll(async () => {
    ui = await startWebUi()
    page = ui.page
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(ui.server.url)
    await ui.open(await fixture('map-cache'))
    ;[snapshot] = await ui.backend.listSnapshots({})
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
  })

  it('shows the root’s references in Containment', async () => {
    await page.getByRole('tab', { name: 'Containment' }).click()
    await page.getByRole('heading', { level: 1, name: 'Containment' }).waitFor()
    const table = page.getByRole('table', { name: 'Containment' })
    // The first page, not the loading row before it.
    await table.locator('tbody > tr.tree-item').first().waitFor()
    const references = await ui.backend.getEdges({
      snapshotId: snapshot.snapshotId,
      node: snapshot.rootNode,
      start: 0,
      count: 100,
    })
    expect(snapshot.rootNode).toBe(0)
    expect(await rowCount(table)).toBe(references.total)
    const texts = await table.locator('tbody > tr[data-row]').allInnerTexts()
    references.items.forEach((reference, position) => {
      expect(texts[position]).toContain(`@${reference.node.id}`)
    })
    expect(texts.join('\n')).toContain('(GC roots)')
    expect(texts.join('\n')).toMatch(/global @\d+/)
  })

  it('dims weak references', async () => {
    const table = page.getByRole('table', { name: 'Containment' })
    // (GC roots) › (Global handles) holds weak references.
    const gcRoots = table.locator('tbody > tr.tree-item').filter({ hasText: '(GC roots)' })
    await gcRoots.locator('.twisty').click()
    const handles = table.locator('tbody > tr.tree-item').filter({ hasText: '(Global handles)' })
    await handles.locator('.twisty').click()
    expect(await handles.getAttribute('aria-expanded')).toBe('true')
    const weak = table.locator('tbody > tr.weak').first()
    const scroller = page.locator('.vtable').filter({ has: table })
    for (let step = 0; step < 50 && (await weak.count()) === 0; step++) {
      await scroller.evaluate((element) => {
        element.scrollTop += 300
      })
    }
    expect(await weak.innerText()).toContain('weak')
    const opacity = await page.evaluate(
      "getComputedStyle(document.querySelector('tbody > tr.weak > td')).opacity",
    )
    expect(Number(opacity)).toBeLessThan(1)
    // Another view and back: the tree starts afresh, collapsed.
    await page.getByRole('tab', { name: 'Summary' }).click()
    await page.getByRole('tab', { name: 'Containment' }).click()
    await table.locator('tbody > tr.tree-item').first().waitFor()
    expect(await table.locator('tbody > tr[aria-expanded="true"]').count()).toBe(0)
  })

  it('expands by keyboard and by click down to leakCache’s Map, and Enter selects it', async () => {
    const table = page.getByRole('table', { name: 'Containment' })
    // Into the table, then down to the global object.
    await row(table, 0).focus()
    for (let step = 0; step < 10 && !/global @/.test((await focused()).text); step++) {
      await page.keyboard.press('ArrowDown')
    }
    const global = (await focused()).row ?? -1
    expect((await focused()).text).toMatch(/global @/)
    const before = await rowCount(table)

    // Right expands (a page of 100 references and a "Show more" row), Right again enters.
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => row(table, global).getAttribute('aria-expanded')).toBe('true')
    await expect.poll(() => rowCount(table)).toBe(before + 101)
    await page.keyboard.press('ArrowRight')
    await expect.poll(async () => (await focused()).row).toBe(global + 1)
    // Left goes back up to the global object.
    await page.keyboard.press('ArrowLeft')
    await expect.poll(async () => (await focused()).row).toBe(global)
    await page.keyboard.press('ArrowDown')

    // Down through the references, Enter on "Show more" for the next page, to `.leakCache`
    // (where it falls among global's references depends on the run that made the fixture; the
    // Dominators test pages for sure).
    for (let step = 0; step < 1000; step++) {
      const now = await focused()
      if (now.text.includes('leakCache')) break
      if (now.status && now.text.includes('Show more')) {
        const count = await rowCount(table)
        await page.keyboard.press('Enter')
        await expect.poll(() => rowCount(table)).toBeGreaterThan(count)
        // The first new reference takes the status row's place, active and focused.
        await expect.poll(async () => (await focused()).status).toBe(false)
        continue
      }
      await page.keyboard.press('ArrowDown')
    }
    const leakCache = (await focused()).row ?? -1
    const mapRow = row(table, leakCache)
    expect(await mapRow.innerText()).toMatch(/leakCache :: Map\(≥100\) @\d+/)
    // Virtualized: over a hundred rows, fewer of them in the DOM.
    const total = await rowCount(table)
    expect(total).toBeGreaterThan(100)
    expect(await table.locator('tbody > tr[data-row]').count()).toBeLessThan(Math.min(100, total))

    // A click on the twisty expands the Map (its table, its prototype, its shape) without
    // selecting it.
    const count = await rowCount(table)
    await mapRow.locator('.twisty').click()
    await expect.poll(() => mapRow.getAttribute('aria-expanded')).toBe('true')
    const mapReferences = await ui.backend.getEdges({
      snapshotId: snapshot.snapshotId,
      node: await leakCacheNode(),
      start: 0,
      count: 100,
    })
    await expect.poll(() => rowCount(table)).toBeGreaterThan(count)
    expect(await rowCount(table)).toBe(count + Math.min(100, mapReferences.total))
    // The tree's levels are exposed: the Map's references one below it.
    const mapLevel = Number(await mapRow.getAttribute('aria-level'))
    expect(mapLevel).toBeGreaterThan(1)
    expect(await row(table, leakCache + 1).getAttribute('aria-level')).toBe(String(mapLevel + 1))
    expect(await row(table, leakCache + 1).innerText()).toContain(
      `@${mapReferences.items[0].node.id}`,
    )
    await page.getByRole('heading', { name: 'No object selected' }).waitFor()
    // Deeper rows are indented further.
    const indentOf = async (position: number): Promise<number> =>
      (await row(table, position).locator('.twisty').boundingBox())?.x ?? Number.NaN
    const step = (await indentOf(leakCache + 1)) - (await indentOf(leakCache))
    expect(step).toBeGreaterThan(10)
    expect(step).toBeLessThan(20)

    // Enter selects: the details pane shows the Map.
    expect((await focused()).row).toBe(leakCache)
    await page.keyboard.press('Enter')
    const heading = page.getByRole('complementary', { name: 'Object details' }).locator('h1')
    await expect.poll(() => heading.innerText()).toContain('Map(≥100)')
    await page.getByRole('img', { name: 'Retainer graph' }).locator('canvas').first().waitFor()
    // The Map and what it holds in view, a few rows below the top.
    await page
      .locator('.vtable')
      .filter({ has: table })
      .evaluate(
        (element, top) => {
          element.scrollTop = top
        },
        (leakCache - 4) * 30,
      )
    await row(table, leakCache + 1).waitFor()
    await screenshots('trees-containment')
  })

  it('lists the root’s dominated children largest first and pages with "Show more"', async () => {
    await page.getByRole('tab', { name: 'Dominators' }).click()
    await page.getByRole('heading', { level: 1, name: 'Dominators' }).waitFor()
    const table = page.getByRole('table', { name: 'Dominators' })
    // The first page, not the loading row before it.
    await table.locator('tbody > tr.tree-item').first().waitFor()
    const children = await ui.backend.getDominatedChildren({
      snapshotId: snapshot.snapshotId,
      node: snapshot.rootNode,
      start: 0,
      count: 100,
    })
    expect(children.total).toBeGreaterThan(100)
    // A page of 100, then "Show more".
    expect(await rowCount(table)).toBe(101)
    const dataRows = table.locator('tbody > tr[data-row]')
    const cells = await Promise.all(
      (await dataRows.all()).slice(0, 20).map((tr) => tr.getByRole('cell').allInnerTexts()),
    )
    const retained = cells.map((texts) => parseBytes(texts[3]))
    expect(retained).toEqual([...retained].sort((a, b) => b - a))
    expect(cells[0][0]).toContain(`@${children.items[0].id}`)
    // The share of the heap, one decimal.
    for (const texts of cells) expect(texts[4]).toMatch(/^\d+\.\d%$/)
    const share = (100 * children.items[0].retainedSize) / snapshot.totalSize
    expect(cells[0][4]).toBe(`${share.toFixed(1)}%`)

    // Expanding the largest (the global object) lists what it alone keeps: the Map first.
    const top = row(table, 0)
    await top.locator('.twisty').click()
    expect(await top.getAttribute('aria-expanded')).toBe('true')
    const dominated = await ui.backend.getDominatedChildren({
      snapshotId: snapshot.snapshotId,
      node: children.items[0].node,
      start: 0,
      count: 100,
    })
    expect(dominated.total).toBeGreaterThan(200)
    await expect.poll(() => rowCount(table)).toBe(101 + 101)
    expect(await row(table, 1).innerText()).toContain('Map(≥100)')
    // Hundreds of rows, a few dozen in the DOM.
    expect(await dataRows.count()).toBeLessThan(100)

    // "Show more" under the global object, scrolled into view, appends its next page.
    const scroller = page.locator('.vtable').filter({ has: table })
    await scroller.evaluate((element) => {
      element.scrollTop = 90 * 30
    })
    const status = row(table, 101)
    await status.waitFor()
    expect(await status.innerText()).toContain(
      `100 of ${dominated.total.toLocaleString('en-US')} shown`,
    )
    await status.getByRole('button', { name: 'Show more' }).click()
    await expect.poll(() => rowCount(table)).toBe(101 + 201)
    const next = await ui.backend.getDominatedChildren({
      snapshotId: snapshot.snapshotId,
      node: children.items[0].node,
      start: 100,
      count: 1,
    })
    expect(await row(table, 101).innerText()).toContain(`@${next.items[0].id}`)
    expect(await dataRows.count()).toBeLessThan(100)
    await scroller.evaluate((element) => {
      element.scrollTop = 0
    })
    // A click selects: the details pane shows the object.
    await row(table, 2).click()
    const heading = page.getByRole('complementary', { name: 'Object details' }).locator('h1')
    await expect.poll(() => heading.innerText()).toContain(`@${dominated.items[1].id}`)
    await row(table, 1).click()
    await expect.poll(() => heading.innerText()).toContain('Map(≥100)')
    await screenshots('trees-dominators')
  })

  it('logs no console errors', () => {
    expect(ui.consoleErrors).toEqual([])
  })
})
