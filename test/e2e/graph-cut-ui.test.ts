// "What frees it" and merged graphs in real Chromium (web mode). Cutting a Map entry in the
// retainer graph of a map-cache array frees at least the array's retained size and says so;
// Undo brings the graph back; cutting the global's reference to the Map greys both the Map and
// the array below it; an array held twice (its entry edge clicked on the canvas this
// time) stays alive through the other path, drawn and listed. Then the three-snapshot sequence: a leak cluster's heads and a class's new objects
// drawn in one graph, merged under the Map that holds them, marked new. Screenshots go to
// test-results/screenshots (cut-*, merged-*).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture, snapshotOfScript, snapshotSequence } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`graph cut UI e2e: SKIPPED: ${missing}`)

/**
 * One 1000-item array held twice: by a Map entry and by a plain object's property, named "map"
 * like V8's internal edge to the object's shape (a name the engine alone finds ambiguous).
 */
const HELD_TWICE_PROGRAM = `
(() => {
  const shared = new Array(1000).fill(7)
  globalThis.cutCache = new Map([['shared', shared]])
  globalThis.cutKeeper = { map: shared }
})()
setImmediate(() => { globalThis.gc(); require('node:v8').writeHeapSnapshot(process.argv[1]) })
`

describe.skipIf(missing !== undefined)('retainer graph cuts and merged graphs UI', () => {
  let ui: WebUi
  let page: Page
  let scratch: string

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'heapgraph-graph-cut-ui-'))
    ui = await startWebUi()
    page = ui.page
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  const list = (): Locator => page.getByRole('list', { name: 'Objects in the graph' })
  const items = (): Locator => list().getByRole('listitem')
  const canvas = (): Locator => page.getByRole('img', { name: 'Retainer graph' })
  const panel = (): Locator => page.getByRole('region', { name: 'What the cut frees' })

  const openFile = (file: string): Promise<void> => ui.open(file)

  /** Opens a snapshot, goes to Arrays and asks "Why alive?" of a 1000-item array. */
  async function whyAliveOfArray(file: string): Promise<void> {
    await page.goto(ui.server.url)
    await ui.open(file)
    await ui.whyAliveOfArray()
  }

  /** Waits until the canvas has drawn what the list shows; returns how many objects. */
  async function drawnCount(): Promise<number> {
    await expect
      .poll(async () => {
        const count = await canvas().getAttribute('data-node-count')
        return Number(count) === (await items().count())
      })
      .toBe(true)
    return items().count()
  }

  const texts = async (): Promise<string[]> => items().allInnerTexts()

  /** The drawn id of the first listed object whose text starts with `prefix`. */
  async function idOf(prefix: RegExp): Promise<string> {
    const item = items().filter({ hasText: prefix }).first()
    return (await item.getAttribute('data-node-id')) ?? ''
  }

  /** Clicks the canvas on the edge between two drawn objects, 40% of the way down. */
  async function clickEdge(source: string, target: string): Promise<void> {
    const positions = JSON.parse((await canvas().getAttribute('data-positions')) ?? '{}')
    const view = JSON.parse((await canvas().getAttribute('data-view')) ?? '{}')
    const box = await canvas().boundingBox()
    if (!box) throw new Error('the canvas is not shown')
    const along = (axis: 0 | 1): number =>
      positions[source][axis] + 0.4 * (positions[target][axis] - positions[source][axis])
    await page.mouse.click(
      box.x + along(0) * view.zoom + view.pan.x,
      box.y + along(1) * view.zoom + view.pan.y,
    )
  }

  it('cuts a Map entry: frees the array, shows it on the graph, and undoes', async () => {
    await whyAliveOfArray(await fixture('map-cache'))
    const before = await drawnCount()
    const beforeTexts = await texts()
    const target = items().and(page.locator('[data-kind="target"]'))
    const retained = Number(await target.getAttribute('data-retained-size'))
    expect(retained).toBeGreaterThanOrEqual(8000)

    await list()
      .getByRole('button', {
        name: /^Cut Map\(≥100\) @\d+ → entry "k\d+" \(to Array\(~1000\) @\d+\)$/,
      })
      .click()
    const summary = panel().locator('.cut-summary')
    await summary.waitFor({ timeout: 30_000 })
    expect(await summary.innerText()).toMatch(
      /^Cutting Map\(≥100\) @\d+ → entry "k\d+" would free [\d.]+ kB \(\d+ objects\)\./,
    )
    expect(Number(await summary.getAttribute('data-freed-bytes'))).toBeGreaterThanOrEqual(retained)
    expect(await panel().locator('.cut-verdict.freed').innerText()).toMatch(
      /^Array\(~1000\) @\d+ would be freed\.$/,
    )
    expect(await panel().innerText()).toMatch(
      /The entry is a slot of the hash table: the reference cut is \(array\) @\d+ \{\d+\} \(entry "k\d+"\)\./,
    )
    // The graph shows the cut: the entry marked, the array freed; nothing else freed.
    await expect.poll(() => target.getAttribute('data-freed')).toBe('true')
    expect(await target.innerText()).toMatch(/^Array\(~1000\) @\d+ /)
    expect(await target.innerText()).toMatch(/held by Map\(≥100\) @\d+ as entry "k\d+" \(cut\)/)
    expect(await target.innerText()).toContain('freed by the cut')
    expect(await items().and(page.locator('[data-freed]')).count()).toBe(1)
    expect(await drawnCount()).toBe(before)
    expect(await page.getByRole('list', { name: 'Legend' }).innerText()).toContain('cut reference')
    await ui.screenshot('cut-1-map-entry', true)

    await panel().getByRole('button', { name: 'Undo cut' }).click()
    await panel().waitFor({ state: 'detached' })
    expect(await drawnCount()).toBe(before)
    expect(await texts()).toEqual(beforeTexts)
    await ui.screenshot('cut-2-undone', true)

    // Cutting global.leakCache frees the Map and, below it, the array: both drawn greyed.
    const mapItem = items().filter({ hasText: /^Map\(≥100\) @\d+/ })
    const mapRetained = Number(await mapItem.getAttribute('data-retained-size'))
    await list()
      .getByRole('button', { name: /^Cut global @\d+ → \.leakCache \(to Map\(≥100\) @\d+\)$/ })
      .click()
    await summary.waitFor({ timeout: 30_000 })
    expect(Number(await summary.getAttribute('data-freed-bytes'))).toBe(mapRetained)
    expect(await panel().locator('.cut-verdict.freed').innerText()).toMatch(
      /^Array\(~1000\) @\d+ would be freed\.$/,
    )
    await expect.poll(() => items().and(page.locator('[data-freed]')).count()).toBe(2)
    expect(await mapItem.getAttribute('data-freed')).toBe('true')
    await drawnCount()
    await ui.screenshot('cut-3-global', true)
    await panel().getByRole('button', { name: 'Undo cut' }).click()
    expect(await drawnCount()).toBe(before)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it('shows the path that keeps an array alive when it is held twice', async () => {
    const file = join(scratch, 'held-twice.heapsnapshot')
    await snapshotOfScript(HELD_TWICE_PROGRAM, file)
    await whyAliveOfArray(file)
    await drawnCount()
    // The keeper is a plain object: the engine labels it by its keys, `{map}`.
    const keeperEdge = /^Cut \{map\} @\d+ → \.map \(to Array\(~1000\) @\d+\)$/
    await list().getByRole('button', { name: keeperEdge }).waitFor()
    // With the mouse this time: click the keeper's edge on the canvas, then "Cut this reference".
    await clickEdge(await idOf(/^\{map\} @\d+/), await idOf(/^Array\(~1000\) @\d+/))
    const selection = page.getByRole('group', { name: 'Selected reference' })
    await selection.waitFor()
    expect(await selection.innerText()).toMatch(/^\{map\} @\d+ → \.map \(to Array\(~1000\) @\d+\)/)
    await selection.getByRole('button', { name: 'Cut this reference' }).click()
    await panel().locator('.cut-summary').waitFor({ timeout: 30_000 })
    const text = await panel().innerText()
    expect(text).toMatch(/^Cutting \{map\} @\d+ → \.map would free 0 B \(0 objects\)/)
    expect(await panel().locator('.cut-verdict.alive').innerText()).toMatch(
      /^Array\(~1000\) @\d+ stays alive through/,
    )
    // The Map keeps it: the path runs global → .cutCache → the Map → (its table) → the array.
    const alive = page.getByRole('list', { name: 'Path that keeps it alive' })
    const aliveSteps = await alive.getByRole('listitem').allInnerTexts()
    expect(aliveSteps[0]).toMatch(/^global @\d+/)
    expect(aliveSteps[1]).toMatch(/^\.cutCache → Map\(≥1\) @\d+/)
    expect(aliveSteps.at(-1)).toMatch(/→ Array\(~1000\) @\d+/)
    expect(await alive.innerText()).not.toContain('.map')
    // The path is drawn and listed, the table folded: the Map holds the array by an entry,
    // marked as keeping it alive, next to the keeper's cut .map.
    await expect
      .poll(async () => (await texts()).join('\n'))
      .toMatch(/Map\(≥1\) @\d+[^\n]*keeps it alive/)
    expect(
      await items()
        .filter({ hasText: /^Array\(~1000\) @\d+/ })
        .innerText(),
    ).toMatch(/held by \{map\} @\d+ as \.map \(cut\), Map\(≥1\) @\d+ as entry\b/)
    const keeps = items().filter({ hasText: 'keeps it alive' })
    expect(await keeps.count()).toBeGreaterThanOrEqual(3)
    expect(await items().and(page.locator('[data-freed]')).count()).toBe(0)
    await drawnCount()
    await ui.screenshot('cut-4-stays-alive', true)

    // A new cut replaces the previous one: now the Map entry, and the keeper's .map keeps it.
    // The Map is drawn only because the first cut's path passes it: that path's steps carry no
    // Map slot (the cut's pathSteps), so its entry may be drawn without its key.
    await list()
      .getByRole('button', {
        name: /^Cut Map\(≥1\) @\d+ → entry( "shared")? \(to Array\(~1000\) @\d+\)$/,
      })
      .click()
    await expect
      .poll(async () => (await panel().innerText()).split('\n')[0])
      .toMatch(/^Cutting Map\(≥1\) @\d+ → entry( "shared")? would free 0 B \(0 objects\)\.$/)
    expect(await alive.innerText()).toContain('.cutKeeper')
    expect(await alive.innerText()).toContain('.map')
    expect(await alive.innerText()).not.toContain('entry')
    expect(await panel().innerText()).toMatch(
      /The entry is a slot of the hash table: the reference cut is \(array\) @\d+ \{\d+\} \(entry "shared"\)\./,
    )
    // The first cut is undone on the graph: the keeper's .map is no longer marked cut, and the
    // path through it keeps the array alive. (The Map and its cut entry are not drawn any more,
    // as the graph's routes never had them: a known bug, not asserted here.)
    await expect
      .poll(async () => (await texts()).join('\n'))
      .toMatch(
        /^Array\(~1000\) @\d+[^\n]*keeps it alive\nheld by \{map\} @\d+ as \.map(?! \(cut\))/m,
      )
    expect(
      await items()
        .filter({ hasText: /as \.map \(cut\)/ })
        .count(),
    ).toBe(0)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it("draws a leak cluster's heads and a class's new objects as one merged graph", async () => {
    const files = await snapshotSequence()
    await page.goto(ui.server.url)
    for (const file of files) {
      await page.getByRole('button', { name: 'Open…' }).click()
      await openFile(file)
    }
    await page.getByRole('tab', { name: 'Leaks' }).click()
    await page.getByRole('button', { name: 'Find leaks' }).click()
    const suspects = page.getByRole('list', { name: 'Leak suspects' })
    await suspects.getByRole('listitem').first().waitFor({ timeout: 60_000 })
    await suspects.getByRole('button', { name: 'Show graph' }).first().click()
    await canvas().locator('canvas').first().waitFor({ timeout: 30_000 })
    await drawnCount()
    const records = items().filter({ hasText: /^SequenceLeakedRecord @\d+/ })
    expect(await records.count()).toBe(8)
    expect(await items().and(page.locator('[data-new]')).count()).toBe(8)
    for (const text of await records.allInnerTexts()) {
      expect(text).toMatch(/\bnew\b/)
      expect(text).toMatch(/held by Map\(≥40\) @\d+ as entry "record-\d+"/)
    }
    const maps = items().filter({ hasText: /^Map\(≥40\) @\d+/ })
    expect(await maps.count()).toBe(1)
    expect(await maps.innerText()).toMatch(/as \.sequenceStore/)
    expect(await page.getByRole('list', { name: 'Legend' }).innerText()).toContain('new object')
    await ui.screenshot('merged-1-leak-cluster', true)

    await page.getByRole('tab', { name: 'Diff', exact: true }).click()
    await page.getByLabel('Base snapshot').selectOption({ index: 0 })
    const leaked = page
      .getByRole('table', { name: 'Diff', exact: true })
      .getByRole('row')
      .filter({ hasText: 'SequenceLeakedRecord' })
    await leaked.click()
    const added = page.getByRole('region', { name: 'New SequenceLeakedRecord objects' })
    await expect
      .poll(() =>
        added
          .getByRole('row')
          .filter({ has: page.getByRole('cell') })
          .count(),
      )
      .toBeGreaterThan(0)
    await added.getByRole('button', { name: 'Graph of new objects' }).click()
    await canvas().locator('canvas').first().waitFor({ timeout: 30_000 })
    await drawnCount()
    expect(await items().and(page.locator('[data-new]')).count()).toBe(8)
    expect(
      await items()
        .filter({ hasText: /^Map\(≥40\) @\d+/ })
        .count(),
    ).toBe(1)
    await ui.screenshot('merged-2-diff', true)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 240_000)
})
