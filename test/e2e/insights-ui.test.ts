// Insights in the app (real Chromium, web mode): duplicated strings on a Node heap, detached DOM
// trees on a Chrome page, closure leaks and the objects only the console or an event handler
// keeps on a Chrome page with scope information; every object opens in the details pane.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`insights e2e: SKIPPED: ${missing}`)

describe.skipIf(missing !== undefined)('insights', () => {
  let ui: WebUi
  let page: Page

  beforeAll(async () => {
    ui = await startWebUi()
    page = ui.page
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(ui.server.url)
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
  })

  const details = () => page.getByRole('complementary', { name: 'Object details' })

  it('lists duplicated strings with what one copy each would save, and says a Node heap has no DOM', async () => {
    await ui.open(await fixture('duplicate-strings'))
    await page.getByRole('tab', { name: 'Insights' }).click()
    const strings = page.getByRole('table', { name: 'Duplicated strings' })
    const pending = strings.getByRole('row').filter({ hasText: '"leak-status-pending-review"' })
    await pending.waitFor()
    expect(await pending.innerText()).toMatch(
      /"leak-status-pending-review"\s+2,000\s+[\d.]+ kB\s+2,000× LeakRecord\.status/,
    )
    await page.getByText(/^This snapshot has no DOM/).waitFor()
    await pending.getByRole('button').first().click()
    await expect
      .poll(() => details().locator('h1').innerText())
      .toMatch(/^"leak-status-pending-review" @\d+$/)
    await ui.screenshot('insights-1-strings')
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)

  it('shows a Chrome page’s detached tree and what holds it', async () => {
    await ui.open(await fixture('chrome-page'))
    await page.getByRole('tab', { name: 'Insights' }).click()
    const trees = page.getByRole('table', { name: 'Detached DOM trees' })
    await trees.getByRole('row').nth(1).waitFor()
    expect(await trees.getByRole('row').nth(1).innerText()).toMatch(/Detached/)
    await ui.screenshot('insights-2-detached')
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)

  it('names a closure’s captured variable no live closure reads, and what only the console keeps', async () => {
    await ui.open(await fixture('chrome-closures'))
    await page.getByRole('tab', { name: 'Insights' }).click()
    const leaks = page.getByRole('table', { name: 'Closure leaks' })
    const unused = leaks.getByRole('row').filter({ hasText: 'unusedPayload' })
    await unused.waitFor()
    expect(await unused.innerText()).toMatch(/no function that holds the scope reads it/)
    expect(await leaks.getByRole('row').filter({ hasText: 'sharedPayload' }).innerText()).toMatch(
      /leakBystander.*\(does not read it\)/,
    )
    await page.getByLabel('Kept alive only by').selectOption('console')
    const kept = page.getByRole('table', { name: 'Objects kept only by one kind of retainer' })
    await expect.poll(() => kept.innerText()).toMatch(/leakConsolePayload|Object/)
    await page.getByLabel('Kept alive only by').selectOption('event-handlers')
    await expect.poll(() => kept.innerText()).toMatch(/onLeakClick/)
    await ui.screenshot('insights-3-closures')
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)
})
