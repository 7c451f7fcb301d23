// The UI's tables and keyboard in real Chromium against web mode, on the map-cache snapshot
// (hundreds of classes): Summary sorting, filtering, virtualization and member paging; arrow
// keys and Enter in Summary, Arrays and the retainer table; the Ctrl+F find box by @id and by
// class name. Screenshots go to test-results/screenshots/tables-*.png.
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`tables UI e2e: SKIPPED: ${missing}`)

/** Row height of renderer/components/virtual-rows.tsx. */
const ROW_HEIGHT = 30

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }

function parseCount(text: string): number {
  return Number(text.replace(/,/g, ''))
}

function parseBytes(text: string): number {
  const [value, unit] = text.trim().split(/\s+/)
  return Number(value) * (UNITS[unit] ?? Number.NaN)
}

describe.skipIf(missing !== undefined)('tables UI', () => {
  let ui: WebUi
  let page: Page
  let classes: Locator
  /** Rows of the Summary table that hold data (not the header, not the gaps). */
  let dataRows: Locator

  /** The Summary afresh: another screen first, so its sort, filter and expansion reset. */
  async function freshSummary(): Promise<void> {
    await page.getByRole('tab', { name: 'Arrays', exact: true }).click()
    await page.getByRole('heading', { name: 'Arrays' }).waitFor()
    await page.getByRole('tab', { name: 'Summary', exact: true }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor()
    await dataRows.first().waitFor()
  }

  /** A row's cell texts, without the expand/collapse marker of class rows. */
  async function cellTexts(row: Locator): Promise<string[]> {
    const texts = await row.getByRole('cell').allInnerTexts()
    return texts.map((text) => text.replace(/^[▸▾]\s*/, '').trim())
  }

  async function rowCount(table: Locator): Promise<number> {
    return Number(await table.getAttribute('aria-rowcount'))
  }

  // Page-side code is passed as strings: test/ compiles without the DOM library.
  /** The focused element's data-row, or null. */
  async function focusedRow(): Promise<string | null> {
    return (await page.evaluate("document.activeElement?.getAttribute('data-row') ?? null")) as
      string | null
  }

  beforeAll(async () => {
    ui = await startWebUi()
    page = ui.page
    classes = page.getByRole('table', { name: 'Classes' })
    dataRows = classes.locator('tbody > tr[data-row]')
    const file = await fixture('map-cache')
    await page.goto(ui.server.url)
    await page.getByLabel(/Snapshot file/).fill(file)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    await dataRows.first().waitFor()
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
  })

  it('keeps only the rows in view in the DOM, with the real size in aria-rowcount', async () => {
    const rowCount = Number(await classes.getAttribute('aria-rowcount'))
    // map-cache has about 170 classes; a Chromium heap has thousands, and the DOM stays the same.
    expect(rowCount).toBeGreaterThan(150)
    const inDom = await dataRows.count()
    expect(inDom).toBeGreaterThan(10)
    expect(inDom).toBeLessThan(rowCount / 3)
    expect(await dataRows.first().getAttribute('aria-rowindex')).toBe('2')
    await ui.screenshot('tables-1-summary')

    // Scrolled to the end: the last class is rendered, at the place fixed-height rows predict.
    const scroller = page.locator('.vtable').filter({ has: classes })
    await scroller.evaluate((element) => {
      element.scrollTop = element.scrollHeight
    })
    const last = classes.locator(`tbody > tr[aria-rowindex="${rowCount}"]`)
    await last.waitFor()
    const placement = {
      top: await last.evaluate((row) => (row as unknown as { offsetTop: number }).offsetTop),
      header: (await classes.locator('thead').boundingBox())?.height ?? 0,
      height: (await last.boundingBox())?.height ?? 0,
    }
    expect(placement.height).toBe(ROW_HEIGHT)
    expect(placement.top).toBe(placement.header + (rowCount - 2) * ROW_HEIGHT)
    expect(await dataRows.count()).toBeLessThan(80)
    await ui.screenshot('tables-2-summary-scrolled-to-end')
  })

  it('sorts by a clicked column header, both ways, and marks it with aria-sort', async () => {
    await freshSummary()
    const header = (name: string): Locator => classes.getByRole('columnheader', { name })
    expect(await header('Retained').getAttribute('aria-sort')).toBe('descending')

    await classes.getByRole('button', { name: 'Count' }).click()
    expect(await header('Count').getAttribute('aria-sort')).toBe('descending')
    expect(await header('Retained').getAttribute('aria-sort')).toBeNull()
    const counts = async (): Promise<number[]> => {
      const rows = await dataRows.all()
      return Promise.all(rows.slice(0, 5).map(async (row) => parseCount((await cellTexts(row))[1])))
    }
    const descending = await counts()
    expect(descending).toEqual([...descending].sort((a, b) => b - a))
    await ui.screenshot('tables-3-sorted-by-count')

    await classes.getByRole('button', { name: 'Count' }).click()
    expect(await header('Count').getAttribute('aria-sort')).toBe('ascending')
    const ascending = await counts()
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b))
    expect(ascending[0]).toBeLessThan(descending[0])

    await classes.getByRole('button', { name: 'Class' }).click()
    expect(await header('Class').getAttribute('aria-sort')).toBe('ascending')
    const names = await Promise.all(
      (await dataRows.all()).slice(0, 5).map(async (row) => (await cellTexts(row))[0]),
    )
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')))

    await classes.getByRole('button', { name: 'Self' }).click()
    const firstSelf = parseBytes((await cellTexts(dataRows.first()))[3])
    const secondSelf = parseBytes((await cellTexts(dataRows.nth(1)))[3])
    expect(firstSelf).toBeGreaterThanOrEqual(secondSelf)
  })

  it('filters classes by name', async () => {
    await freshSummary()
    const all = Number(await classes.getAttribute('aria-rowcount'))
    await page.getByLabel('Filter classes').fill('map')
    await expect
      .poll(async () => Number(await classes.getAttribute('aria-rowcount')))
      .toBeLessThan(all)
    const names = await Promise.all(
      (await dataRows.all()).map(async (row) => (await cellTexts(row))[0]),
    )
    expect(names.length).toBeGreaterThan(0)
    for (const name of names) expect(name.toLowerCase()).toContain('map')
    expect(names).toContain('Map')
    await ui.screenshot('tables-4-filtered')
    await page.getByLabel('Filter classes').fill('no class has this name')
    await page.getByText(/No class matches/).waitFor()
    await page.getByLabel('Filter classes').fill('')
    await expect.poll(async () => Number(await classes.getAttribute('aria-rowcount'))).toBe(all)
  })

  it('expands a class into its members a page at a time with "Show more"', async () => {
    await freshSummary()
    await page.getByLabel('Filter classes').fill('Array')
    const arrayRow = dataRows.filter({
      has: page.getByRole('cell', { name: 'Array', exact: true }),
    })
    const before = await rowCount(classes)
    await arrayRow.click()
    expect(await arrayRow.getAttribute('aria-expanded')).toBe('true')
    const classRow = Number(await arrayRow.getAttribute('data-row'))
    const total = parseCount((await cellTexts(arrayRow))[1])
    expect(total).toBeGreaterThan(100)
    // 50 members and a "Show more" row; fewer rows than that are in the DOM.
    await expect.poll(() => rowCount(classes)).toBe(before + 51)
    const firstMember = classes.locator(`tbody > tr[data-row="${classRow + 1}"]`)
    expect(await firstMember.getAttribute('class')).toContain('member')
    // Members come largest first: the leaked 1000-item arrays (8 kB each) lead.
    expect(parseBytes((await cellTexts(firstMember))[4])).toBeGreaterThanOrEqual(8000)
    await ui.screenshot('tables-5-members')

    // Down to the status row under the 50th member; it scrolls into view.
    for (let step = 0; step < 51; step++) await page.keyboard.press('ArrowDown')
    expect(await focusedRow()).toBe(String(classRow + 51))
    const status = page.getByText(`50 of ${total.toLocaleString('en-US')} shown`)
    await status.waitFor()
    await classes.getByRole('button', { name: 'Show more' }).click()
    await expect.poll(() => rowCount(classes)).toBe(before + 101)
    // The first new member becomes the active, focused row.
    await expect.poll(() => focusedRow()).toBe(String(classRow + 51))
    expect(await classes.locator('tbody > tr[data-row]').count()).toBeLessThan(80)
    await ui.screenshot('tables-6-show-more')
    // Enter on the status row loads the next page too.
    for (let step = 0; step < 50; step++) await page.keyboard.press('ArrowDown')
    expect(await focusedRow()).toBe(String(classRow + 101))
    await page.getByText(`100 of ${total.toLocaleString('en-US')} shown`).waitFor()
    await page.keyboard.press('Enter')
    const third = Math.min(total, 150)
    await expect.poll(() => rowCount(classes)).toBe(before + third + (third < total ? 1 : 0))
    // Collapsing hides the members.
    await page.keyboard.press('ArrowLeft')
    expect(await focusedRow()).toBe(String(classRow))
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => rowCount(classes)).toBe(before)
  })

  it('moves through the Summary with the arrow keys and opens a member with Enter', async () => {
    await freshSummary()
    await page.getByLabel('Filter classes').fill('Array')
    // Down from the filter enters the table at its active row.
    await page.keyboard.press('ArrowDown')
    expect(await focusedRow()).toBe('0')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    expect(await focusedRow()).toBe('2')
    await page.keyboard.press('ArrowUp')
    expect(await focusedRow()).toBe('1')
    // Right expands, Right again enters the members, Left goes back to the class and collapses.
    await page.keyboard.press('Home')
    await page.keyboard.press('ArrowRight')
    const first = dataRows.first()
    expect(await first.getAttribute('aria-expanded')).toBe('true')
    await classes.locator('tbody > tr.member:not(.status-row)').first().waitFor()
    await page.keyboard.press('ArrowRight')
    expect(await focusedRow()).toBe('1')
    await page.keyboard.press('ArrowLeft')
    expect(await focusedRow()).toBe('0')
    await page.keyboard.press('ArrowLeft')
    expect(await first.getAttribute('aria-expanded')).toBe('false')
    await page.keyboard.press('Enter')
    expect(await first.getAttribute('aria-expanded')).toBe('true')
    await classes.locator('tbody > tr.member:not(.status-row)').first().waitFor()
    await page.keyboard.press('ArrowDown')
    const member = classes.locator('tbody > tr[data-row="1"]')
    const memberName = (await cellTexts(member))[0]
    const id = /@(\d+)/.exec(memberName)?.[1]
    expect(id).toBeDefined()
    await ui.screenshot('tables-7-keyboard')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: new RegExp(`@${id}$`) }).waitFor()
  })

  it('scrolls the active row into view when the keyboard moves past the window', async () => {
    await freshSummary()
    const rowCount = Number(await classes.getAttribute('aria-rowcount'))
    await classes.locator('tbody > tr[tabindex="0"]').focus()
    await page.keyboard.press('End')
    expect(await focusedRow()).toBe(String(rowCount - 2))
    const scroller = page.locator('.vtable').filter({ has: classes })
    const box = await scroller.boundingBox()
    const rowBox = await classes.locator(`tbody > tr[data-row="${rowCount - 2}"]`).boundingBox()
    expect(box && rowBox).toBeTruthy()
    if (box && rowBox) {
      expect(rowBox.y).toBeGreaterThanOrEqual(box.y)
      expect(rowBox.y + rowBox.height).toBeLessThanOrEqual(box.y + box.height + 1)
    }
    for (let step = 0; step < 40; step++) await page.keyboard.press('ArrowUp')
    expect(await focusedRow()).toBe(String(rowCount - 42))
    await page.keyboard.press('PageUp')
    expect(Number(await focusedRow())).toBeLessThan(rowCount - 42)
    await page.keyboard.press('Home')
    expect(await focusedRow()).toBe('0')
    expect(await scroller.evaluate((element) => element.scrollTop)).toBe(0)
    expect(await dataRows.count()).toBeLessThan(80)
  })

  it('moves through Arrays and the retainer table with the keyboard; Enter follows', async () => {
    await page.getByRole('tab', { name: 'Arrays', exact: true }).click()
    const arrays = page.getByRole('table', { name: 'Arrays' })
    await arrays.locator('tbody > tr[data-row]').first().waitFor()
    // Pages of 200: "Show more" appends the rest.
    const loaded = await rowCount(arrays)
    expect(loaded).toBe(201)
    await page.getByRole('button', { name: 'Show more' }).click()
    await expect.poll(() => rowCount(arrays)).toBeGreaterThan(loaded)
    await arrays.locator('tbody > tr[tabindex="0"]').focus()
    await page.keyboard.press('ArrowDown')
    expect(await focusedRow()).toBe('1')
    const arrayName = (await cellTexts(arrays.locator('tbody > tr[data-row="1"]')))[0]
    const arrayId = /@(\d+)/.exec(arrayName)?.[1]
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: new RegExp(`@${arrayId}$`) }).waitFor()
    await page.getByRole('table', { name: 'Retainers' }).waitFor()

    const retainers = page.getByRole('table', { name: 'Retainers' })
    await retainers.locator('tbody > tr[data-row]').first().waitFor()
    await retainers.locator('tbody > tr[tabindex="0"]').focus()
    const retainerName = (await cellTexts(retainers.locator('tbody > tr[data-row="0"]')))[1]
    const retainerId = /@(\d+)/.exec(retainerName)?.[1]
    await ui.screenshot('tables-8-retainers-keyboard', true)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: new RegExp(`@${retainerId}$`) }).waitFor()
  })

  it('opens a find box on Ctrl+F that finds by @id and by class name; Esc closes it', async () => {
    await freshSummary()
    // Records whether Ctrl+F reached the document with its default (the browser's find) prevented.
    await page.evaluate(`
      window.findPrevented = []
      document.addEventListener('keydown', (event) => {
        if (event.key === 'f' && event.ctrlKey) window.findPrevented.push(event.defaultPrevented)
      })
    `)
    // By @id: the id of a member of Map.
    await page.getByLabel('Filter classes').fill('Map')
    const mapRow = dataRows.filter({ has: page.getByRole('cell', { name: 'Map', exact: true }) })
    await mapRow.click()
    const member = classes.locator('tbody > tr.member:not(.status-row)').first()
    await member.waitFor()
    const id = /@(\d+)/.exec((await cellTexts(member))[0])?.[1]
    expect(id).toBeDefined()

    await page.keyboard.press('Control+f')
    const dialog = page.getByRole('dialog', { name: 'Find' })
    await dialog.waitFor()
    expect(await page.evaluate('window.findPrevented')).toEqual([true])
    const input = dialog.getByRole('combobox')
    expect(await page.evaluate("document.activeElement?.getAttribute('role')")).toBe('combobox')
    await input.fill(`@${id}`)
    await dialog.getByRole('option', { name: new RegExp(`@${id}\\b`) }).waitFor()
    await ui.screenshot('tables-9-find-id')
    await page.keyboard.press('Enter')
    await dialog.waitFor({ state: 'detached' })
    // The largest Map is global.leakCache, headed by its label.
    await page
      .getByRole('heading', { level: 1, name: new RegExp(`^Map\\(≥100\\) @${id}$`) })
      .waitFor()

    // By class name: the class opens in Summary, expanded and focused.
    await page.keyboard.press('Control+f')
    await dialog.waitFor()
    await dialog.getByRole('combobox').fill('map')
    const classOption = dialog.getByRole('option').first()
    await expect.poll(() => classOption.innerText()).toMatch(/^Class\s+Map\b/i)
    await ui.screenshot('tables-10-find-class')
    await classOption.click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByRole('heading', { name: 'Summary' }).waitFor()
    const active = classes.locator('tbody > tr[tabindex="0"]')
    await expect.poll(async () => (await cellTexts(active))[0]).toBe('Map')
    expect(await active.getAttribute('aria-expanded')).toBe('true')
    await expect.poll(() => focusedRow()).toBe(await active.getAttribute('data-row'))
    await classes.locator('tbody > tr.member:not(.status-row)').first().waitFor()
    await ui.screenshot('tables-11-class-from-find')

    // Arrows move through results; Esc closes without leaving the screen.
    await page.keyboard.press('Control+f')
    await dialog.waitFor()
    await dialog.getByRole('combobox').fill('Array')
    await dialog.getByRole('option').nth(1).waitFor()
    await page.keyboard.press('ArrowDown')
    expect(await dialog.getByRole('option').nth(1).getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await page.getByRole('heading', { name: 'Summary' }).waitFor()
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  })
})
