// The workbench in real Chromium: panes side by side (sidebar, main view, object details) all in
// view at 1440×900 and 1280×720, selection driving the details pane, Back/Forward (buttons and
// Alt+←/→), Esc, focus on navigation, a keyboard-resizable splitter, skip links, and the
// snapshots' life cycle: a snapshot opened by the backend before the page (`heapgraph serve
// FILE`) opens straight into its Summary, reopening an open file selects it, and closing every
// snapshot ends every engine process. Screenshots in light and dark.
import { execFileSync } from 'node:child_process'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`workbench UI e2e: SKIPPED: ${missing}`)

/** This process's engine hosts (the backend runs in it and forks them). */
function engineHosts(): number {
  const out = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], {
    encoding: 'utf8',
  })
  return out.split('\n').filter((line) => line.includes('engine-host.cjs')).length
}

describe.skipIf(missing !== undefined)('the workbench', () => {
  let ui: WebUi
  let page: Page
  let file: string

  beforeAll(async () => {
    ui = await startWebUi()
    page = ui.page
    file = await fixture('map-cache')
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
  })

  const box = async (name: string) => {
    const found = await page.locator(name).boundingBox()
    if (!found) throw new Error(`${name} is not drawn`)
    return found
  }

  it('opens straight into the Summary of a snapshot the backend opened first', async () => {
    // As `heapgraph serve FILE` does: the backend opens it, then the page loads.
    await ui.backend.openSnapshot({ file })
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(ui.server.url)
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    const sidebar = page.getByRole('navigation', { name: 'Snapshots and targets' })
    expect(await sidebar.getByRole('button', { name: /^map-cache/ }).count()).toBe(1)
    expect(await sidebar.locator('[aria-current="page"]').count()).toBe(1)
  })

  it('shows the sidebar, the view and the object details side by side, at both sizes', async () => {
    await page.getByRole('tab', { name: 'Arrays' }).click()
    const row = page.getByRole('row').filter({ hasText: '1,000' }).first()
    await row.getByRole('button', { name: 'Why alive?' }).click()
    const details = page.getByRole('complementary', { name: 'Object details' })
    await details.getByRole('img', { name: 'Retainer graph' }).locator('canvas').first().waitFor()
    // Focus moved to the object's heading.
    await expect
      .poll(() => page.evaluate('document.activeElement?.id ?? null'))
      .toBe('object-heading')
    // Playwright scrolled the table sideways to reach the button; a person's click does not.
    await page
      .locator('#main-pane .vtable')
      .first()
      .evaluate((element) => {
        element.scrollLeft = 0
      })
    for (const [width, height, name] of [
      [1440, 900, 'workbench-1440'],
      [1280, 720, 'workbench-1280'],
    ] as const) {
      await page.setViewportSize({ width, height })
      // The panes take their widths for the new size in a render after the resize: wait for it.
      await expect
        .poll(async () => {
          const [left, middle, right] = await Promise.all(
            ['.sidebar', '#main-pane', '#details-pane'].map((selector) => box(selector)),
          )
          return (
            left.x + left.width <= middle.x &&
            middle.x + middle.width <= right.x &&
            right.x + right.width <= width + 1
          )
        })
        .toBe(true)
      const sidebar = await box('.sidebar')
      const main = await box('#main-pane')
      const pane = await box('#details-pane')
      // Three panes, left to right, none off screen, none squeezed to nothing.
      expect(sidebar.x + sidebar.width).toBeLessThanOrEqual(main.x)
      expect(main.x + main.width).toBeLessThanOrEqual(pane.x)
      expect(pane.x + pane.width).toBeLessThanOrEqual(width + 1)
      expect(main.width).toBeGreaterThan(300)
      expect(pane.width).toBeGreaterThan(350)
      // The verdict and the graph are in view without scrolling.
      const verdict = await box('.verdict')
      const graph = await box('.graph-canvas')
      expect(verdict.y + verdict.height).toBeLessThan(height)
      expect(graph.y).toBeLessThan(height - 100)
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        await ui.screenshot(`${name}-${scheme}`)
      }
    }
    await page.emulateMedia({ colorScheme: null })
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('walks the selections back and forward, and Esc closes the details', async () => {
    const heading = page.getByRole('complementary', { name: 'Object details' }).locator('h1')
    const first = await heading.innerText()
    // Follow the first retainer: a new selection.
    const retainers = page.getByRole('table', { name: 'Retainers' })
    await retainers.locator('tbody > tr[data-row="0"]').click()
    await expect.poll(() => heading.innerText()).not.toBe(first)
    const second = await heading.innerText()
    await page.getByRole('button', { name: 'Back', exact: true }).click()
    await expect.poll(() => heading.innerText()).toBe(first)
    await page.keyboard.press('Alt+ArrowRight')
    await expect.poll(() => heading.innerText()).toBe(second)
    await page.keyboard.press('Alt+ArrowLeft')
    await expect.poll(() => heading.innerText()).toBe(first)
    await heading.focus()
    await page.keyboard.press('Escape')
    await page.getByRole('heading', { name: 'No object selected' }).waitFor()
    // Back brings the object back.
    await page.keyboard.press('Alt+ArrowLeft')
    await expect.poll(() => heading.innerText()).toBe(first)
  })

  it('resizes the details pane from the keyboard and offers skip links', async () => {
    const splitter = page.getByRole('separator', { name: 'Resize Object details' })
    const before = Number(await splitter.getAttribute('aria-valuenow'))
    const paneBefore = await box('#details-pane')
    await splitter.focus()
    await page.keyboard.press('Shift+ArrowLeft')
    await expect
      .poll(async () => Number(await splitter.getAttribute('aria-valuenow')))
      .toBe(before + 64)
    await expect
      .poll(async () => (await box('#details-pane')).width)
      .toBeGreaterThan(paneBefore.width + 60)
    await page.keyboard.press('Shift+ArrowRight')
    await expect.poll(async () => Number(await splitter.getAttribute('aria-valuenow'))).toBe(before)
    // The first focusable element of the page is a skip link to the main view, shown on focus.
    expect(
      await page.evaluate(
        "document.querySelector('a[href], button:not([disabled]), input, [tabindex]')?.textContent",
      ),
    ).toBe('Skip to the main view')
    const skip = page.getByRole('link', { name: 'Skip to the main view' })
    await skip.focus()
    expect((await skip.boundingBox())?.y).toBeGreaterThanOrEqual(0)
  })

  it('selects an open file instead of opening it twice, and closing ends its engine', async () => {
    const sidebar = page.getByRole('navigation', { name: 'Snapshots and targets' })
    await ui.open(file)
    expect(await sidebar.getByRole('button', { name: /^map-cache/ }).count()).toBe(1)
    expect((await ui.backend.listSnapshots({})).length).toBe(1)
    // A second, different snapshot.
    const other = await fixture('class-cycle')
    await ui.open(other)
    await expect.poll(() => ui.backend.listSnapshots({}).then((list) => list.length)).toBe(2)
    expect(engineHosts()).toBe(2)
    await ui.screenshot('workbench-two-snapshots')
    // Close both from the sidebar: their engines end, and the start page is back.
    for (const name of [/^Close class-cycle/, /^Close map-cache/]) {
      await sidebar.getByRole('button', { name }).click()
    }
    await expect.poll(() => ui.backend.listSnapshots({}).then((list) => list.length)).toBe(0)
    await expect.poll(() => engineHosts()).toBe(0)
    await page.getByRole('heading', { name: 'Why is it still alive?' }).waitFor()
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  })
})
