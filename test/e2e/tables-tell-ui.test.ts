// "Tables that tell" in real Chromium against web mode: Summary members with their property
// previews, Arrays with "Held by", engine-side sort and filter and groups by retainer path (on
// the map-cache snapshot); Diff hiding classes with no net change and headed object lists, and
// Leaks with three explicit snapshots, a warning for snapshots of another process, its counts
// explained and the V8-internals toggle (on the three-snapshot sequence of one process, and on
// three hand-built snapshots where V8's feedback holds one of the new objects).
// Screenshots go to test-results/screenshots/tables-tell-*.png.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture, snapshotSequence } from '../helpers/fixtures'
import { internalsSnapshot } from '../helpers/feedback-chain'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`tables-tell UI e2e: SKIPPED: ${missing}`)

const WIDE = { width: 1680, height: 1000 }

function parseCount(text: string): number {
  return Number(text.replace(/[~,]/g, ''))
}

/** Chooses the option of a <select> whose text matches `pattern`. */
async function choose(select: Locator, pattern: RegExp): Promise<void> {
  const texts = await select.locator('option').allInnerTexts()
  const index = texts.findIndex((text) => pattern.test(text))
  if (index === -1) throw new Error(`no option matches ${pattern}: ${texts.join(' | ')}`)
  await select.selectOption({ index })
}

/** The text of a <select>'s chosen option. */
async function chosen(select: Locator): Promise<string> {
  return select.locator('option:checked').innerText()
}

/** The cell texts of the data rows of a table, by column position. */
async function columnTexts(table: Locator, column: number): Promise<string[]> {
  const rows = table.locator('tbody > tr[data-row]')
  const texts: string[] = []
  for (let row = 0; row < (await rows.count()); row++) {
    texts.push((await rows.nth(row).getByRole('cell').nth(column).innerText()).trim())
  }
  return texts
}

describe.skipIf(missing !== undefined)('tables that tell, on one snapshot', () => {
  let ui: WebUi
  let page: Page

  beforeAll(async () => {
    ui = await startWebUi()
    page = ui.page
    // A desktop-wide window, so that the tables' text columns have room beside the details pane.
    await page.setViewportSize(WIDE)
    await page.goto(ui.server.url)
    await ui.open(await fixture('map-cache'))
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
  })

  it('shows a Summary member’s properties in one muted line after its label', async () => {
    const classes = page.getByRole('table', { name: 'Classes' })
    await page.getByLabel('Filter classes').fill('FixedCircularBuffer')
    const classRow = classes.getByRole('row').filter({ hasText: 'FixedCircularBuffer' }).first()
    await classRow.click()
    const member = classes.locator('tbody > tr.member').first()
    await member.waitFor()
    const preview = member.locator('.preview')
    expect(await preview.innerText()).toBe('{list: Array(2048), next: null}')
    expect(await member.innerText()).toMatch(/^FixedCircularBuffer @\d+ \{list: Array\(2048\)/)
    await page.getByLabel('Filter classes').fill('BuiltinModule')
    await classes.getByRole('row').filter({ hasText: 'BuiltinModule' }).first().click()
    await expect
      .poll(() => classes.locator('tbody > tr.member .preview').first().innerText())
      .toMatch(/^\{filename: "[^"]+", id: "[^"]+", exports:/)
    await ui.screenshot('tables-tell-1-summary-previews')
  }, 120_000)

  it('says what holds each array, sorts and filters in the engine, and groups by path', async () => {
    await page.getByRole('tab', { name: 'Arrays', exact: true }).click()
    const arrays = page.getByRole('table', { name: 'Arrays', exact: true })
    await arrays.locator('tbody > tr[data-row]').first().waitFor()
    const headers = await arrays.getByRole('columnheader').allInnerTexts()
    expect(headers.map((text) => text.replace(/[▲▼]/g, '').trim())).toEqual(
      expect.arrayContaining(['Object', 'Held by', 'Retained', 'Length', 'Store']),
    )
    // The cache's arrays: held by the Map, as an entry.
    const cached = arrays.getByRole('row').filter({ hasText: '1,000' }).first()
    expect(await cached.getByRole('cell').nth(1).innerText()).toMatch(
      /^Map\(≥100\) entry "k\d+" @\d+$/,
    )

    // Sorted by length in the engine, biggest first, then smallest first.
    const lengthHeader = arrays.getByRole('columnheader', { name: 'Length' })
    await lengthHeader.getByRole('button').click()
    await expect.poll(() => lengthHeader.getAttribute('aria-sort')).toBe('descending')
    await expect
      .poll(async () => (await columnTexts(arrays, 3)).slice(0, 5).map(parseCount))
      .toEqual(expect.arrayContaining([2048]))
    const descending = (await columnTexts(arrays, 3)).map(parseCount).filter(Number.isFinite)
    expect(descending).toEqual([...descending].sort((a, b) => b - a))
    await lengthHeader.getByRole('button').click()
    await expect.poll(() => lengthHeader.getAttribute('aria-sort')).toBe('ascending')
    await expect
      .poll(async () => parseCount((await columnTexts(arrays, 3))[0]))
      .toBeLessThanOrEqual(descending[descending.length - 1])

    // Filtered in the engine by retainer-path text.
    await page.getByLabel('Filter arrays').fill('leakcache')
    await expect.poll(() => page.getByText(/^100 arrays matching “leakcache”/).count()).toBe(1)
    await arrays.getByRole('columnheader', { name: 'Retained' }).getByRole('button').click()
    // The table keeps only the rows in view in the DOM; aria-rowcount counts the header too.
    await expect.poll(() => arrays.getAttribute('aria-rowcount')).toBe('101')
    for (const holder of await columnTexts(arrays, 1)) expect(holder).toMatch(/^Map\(≥100\) entry/)
    await ui.screenshot('tables-tell-2-arrays')
    // The table fits its pane without scrolling sideways, at 1280 px with an object open too.
    await arrays
      .getByRole('row')
      .filter({ hasText: '1,000' })
      .first()
      .getByRole('button', { name: 'Why alive?' })
      .click()
    for (const size of [
      { width: 1280, height: 720 },
      { width: 1440, height: 900 },
    ]) {
      await page.setViewportSize(size)
      await expect
        .poll(() =>
          arrays.evaluate((table) => {
            const scroller = table.closest('.vtable')
            return scroller ? scroller.scrollWidth - scroller.clientWidth : NaN
          }),
        )
        .toBeLessThanOrEqual(0)
    }
    await ui.screenshot('tables-tell-2-arrays-1280')
    await page.setViewportSize(WIDE)

    // Grouped by retainer path: the hundred arrays are one group, which expands into them.
    await page.getByLabel('Filter arrays').fill('')
    await page.getByText(/^\d+ arrays\. “Held by”/).waitFor()
    await page.getByLabel('Group by retainer path').check()
    const groups = page.getByRole('table', { name: 'Array groups' })
    const cache = groups.getByRole('row').filter({ hasText: 'global.leakCache → Map entries' })
    await cache.waitFor()
    expect(await cache.innerText()).toMatch(
      /^▸\s*global\.leakCache → Map entries → Array\s+[\d.]+ kB\s+100,000\s+[\d.]+ kB\s+×100$/,
    )
    const rowCount = async (): Promise<number> => Number(await groups.getAttribute('aria-rowcount'))
    const collapsed = await rowCount()
    await cache.click()
    // Fifty of its arrays and a "Show more" row (the table keeps only the rows in view).
    await expect.poll(rowCount).toBe(collapsed + 51)
    expect(await cache.getAttribute('aria-expanded')).toBe('true')
    const first = groups.locator('tbody > tr[data-row="1"]')
    expect(await first.innerText()).toMatch(/Array\(~?1000\) @\d+\s+Map\(≥100\) entry "k\d+"/)
    await ui.screenshot('tables-tell-3-array-groups')
    // Down to the "Show more" row, and Enter.
    await cache.focus()
    for (let step = 0; step < 51; step++) await page.keyboard.press('ArrowDown')
    const status = groups.locator('tbody > tr[data-row="51"]')
    expect(await status.innerText()).toMatch(/Show more\s+50 of 100 shown/)
    await page.keyboard.press('Enter')
    await expect.poll(rowCount).toBe(collapsed + 100)
    // Left goes back to the group, and again collapses it.
    await page.keyboard.press('ArrowLeft')
    await page.keyboard.press('ArrowLeft')
    await expect.poll(rowCount).toBe(collapsed)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)
})

describe.skipIf(missing !== undefined)('tables that tell, across snapshots', () => {
  let ui: WebUi
  let page: Page
  let sequence: [string, string, string]

  beforeAll(async () => {
    sequence = await snapshotSequence()
    const other = await fixture('map-cache')
    ui = await startWebUi()
    page = ui.page
    await page.setViewportSize(WIDE)
    await page.goto(ui.server.url)
    // Another process's snapshot first: the last three opened are the sequence, in order.
    for (const file of [other, ...sequence]) await ui.open(file)
  }, 240_000)

  afterAll(async () => {
    await ui?.close()
  })

  it('hides classes with no net change, and heads its lists of objects', async () => {
    await page.getByRole('tab', { name: 'Diff', exact: true }).click()
    const table = page.getByRole('table', { name: 'Diff', exact: true })
    await choose(page.getByLabel('Base snapshot'), /sequence.*-0\.heapsnapshot/)
    const leaked = table.getByRole('row').filter({ hasText: 'SequenceLeakedRecord' })
    await leaked.waitFor()
    const unchanged = page.getByLabel('Show unchanged classes')
    expect(await unchanged.isChecked()).toBe(false)
    const rowCount = async (): Promise<number> => Number(await table.getAttribute('aria-rowcount'))
    const shownCount = await rowCount()
    // No row without a change: a count, size or retained size delta.
    for (let row = 0; row < Math.min(shownCount - 1, 20); row++) {
      const cells = await table.locator(`tbody > tr[data-row="${row}"] td`).allInnerTexts()
      expect(cells.slice(3).join(' ')).toMatch(/[+−][\d.]/)
    }
    await unchanged.check()
    await expect.poll(rowCount).toBeGreaterThanOrEqual(shownCount)
    await unchanged.uncheck()
    await expect.poll(rowCount).toBe(shownCount)

    await leaked.click()
    const added = page.getByRole('region', { name: 'New SequenceLeakedRecord objects' })
    await expect.poll(() => added.locator('tbody > tr').count()).toBe(40)
    // Column headers that assistive technology reads as such, and that are on screen.
    expect(await added.getByRole('columnheader').allInnerTexts()).toEqual([
      'Object',
      'Distance',
      'Self',
      'Retained',
    ])
    expect(await added.getByRole('columnheader').first().isVisible()).toBe(true)
    await ui.screenshot('tables-tell-4-diff', true)

    // A class with only deleted objects: their ids and sizes, under column headers too.
    await table.getByRole('row').filter({ hasText: 'SequenceFreedItem' }).click()
    const deleted = page.getByRole('table', { name: 'Deleted SequenceFreedItem' })
    await expect.poll(() => deleted.locator('tbody > tr').count()).toBe(25)
    expect(await deleted.getByRole('columnheader').allInnerTexts()).toEqual([
      'Object',
      'Self (in the base)',
    ])
    expect(await deleted.locator('tbody > tr').first().innerText()).toMatch(
      /^SequenceFreedItem @\d+\s+40 B$/,
    )
  }, 120_000)

  it('takes the three snapshots explicitly, explains its counts and leaves V8 out', async () => {
    await page.getByRole('tab', { name: 'Leaks' }).click()
    await page.getByRole('heading', { name: 'Leaks' }).waitFor()
    const selected = (label: string): Promise<string> => chosen(page.getByLabel(label))
    expect(await selected('Baseline')).toMatch(/sequence.*-0\.heapsnapshot/)
    expect(await selected('Target (after the action)')).toMatch(/sequence.*-1\.heapsnapshot/)
    expect(await selected('Final (after undoing it)')).toMatch(/sequence.*-2\.heapsnapshot/)
    // One process: checked, and no warning.
    await page.getByText('Checking that the three are snapshots of one process…').waitFor({
      state: 'detached',
      timeout: 60_000,
    })
    expect(await page.getByRole('alert').allInnerTexts()).toEqual([])
    await page.getByRole('button', { name: 'Find leaks' }).click()
    const suspects = page.getByRole('list', { name: 'Leak suspects' })
    await suspects.getByRole('listitem').first().waitFor({ timeout: 60_000 })
    expect(await suspects.getByRole('listitem').first().innerText()).toMatch(
      /^40 × SequenceLeakedRecord/,
    )
    const explained = page.locator('.counts-explained')
    expect(await explained.innerText()).toMatch(/Suspects are objects made between the baseline/)
    expect(await explained.innerText()).toMatch(/Heads are suspects/)
    expect(await explained.innerText()).toMatch(/Retained is what the heads keep alive/)
    const toggle = page.getByLabel(/Show clusters held only by V8 internals/)
    expect(await toggle.isChecked()).toBe(false)
    const shownGroups = await suspects.locator(':scope > li').count()
    if (await toggle.isEnabled()) {
      await toggle.check()
      await expect.poll(() => suspects.locator(':scope > li').count()).toBeGreaterThan(shownGroups)
      expect(await suspects.locator('li.internal').count()).toBeGreaterThan(0)
      await toggle.uncheck()
    }
    await ui.screenshot('tables-tell-5-leaks', true)

    // Another process's snapshot as the baseline: warned.
    await choose(page.getByLabel('Baseline'), /map-cache/)
    const warning = page.getByRole('alert').filter({ hasText: 'do not look like three snapshots' })
    await warning.waitFor({ timeout: 60_000 })
    expect(await warning.innerText()).toMatch(/map-cache.*sequence/)
    await ui.screenshot('tables-tell-6-leaks-warning')
    // The same snapshot twice: asked for three.
    await choose(page.getByLabel('Target (after the action)'), /map-cache/)
    await page.getByRole('alert').filter({ hasText: 'Pick three different snapshots.' }).waitFor()
    expect(await page.getByRole('button', { name: 'Find leaks' }).isDisabled()).toBe(true)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)
})

describe.skipIf(missing !== undefined)('leak groups only V8 holds', () => {
  let ui: WebUi
  let page: Page
  let folder: string

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'heapgraph-tables-tell-'))
    const files = ([0, 1, 2] as const).map((step) => join(folder, `internals-${step}.heapsnapshot`))
    await Promise.all(
      files.map((file, step) => writeFile(file, internalsSnapshot(step as 0 | 1 | 2))),
    )
    ui = await startWebUi()
    page = ui.page
    await page.setViewportSize(WIDE)
    await page.goto(ui.server.url)
    for (const file of files) await ui.open(file)
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
    if (folder) await rm(folder, { recursive: true, force: true })
  })

  it('leaves them out, counted, until asked for', async () => {
    await page.getByRole('tab', { name: 'Leaks' }).click()
    await page.getByRole('button', { name: 'Find leaks' }).click()
    const suspects = page.getByRole('list', { name: 'Leak suspects' })
    await suspects.getByRole('listitem').first().waitFor({ timeout: 60_000 })
    expect(await suspects.locator(':scope > li > h3').allInnerTexts()).toEqual([
      expect.stringMatching(/^1 × Record · 100 B retained/),
    ])
    expect(await page.getByRole('status').innerText()).toBe(
      '1 suspect in 1 group, retaining 100 B.',
    )
    const toggle = page.getByLabel(/Show clusters held only by V8 internals/)
    expect(await toggle.isEnabled()).toBe(true)
    expect(await page.locator('.internal-toggle').innerText()).toMatch(
      /1 group, 1 suspect, 5\.00 kB left out/,
    )
    await toggle.check()
    await expect.poll(() => suspects.locator(':scope > li').count()).toBe(2)
    const internal = suspects.locator('li.internal')
    expect(await internal.getByRole('heading').innerText()).toMatch(
      /^1 × Boilerplate · 5\.00 kB retained\s*held only by V8 internals/,
    )
    expect(await page.getByRole('status').innerText()).toBe(
      '2 suspects in 2 groups, retaining 5.10 kB.',
    )
    expect(await page.getByRole('list', { name: 'Leak 1 path' }).innerText()).toContain(
      'transition_info',
    )
    await ui.screenshot('tables-tell-7-leaks-internals', true)
    await toggle.uncheck()
    await expect.poll(() => suspects.locator(':scope > li').count()).toBe(1)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)
})
