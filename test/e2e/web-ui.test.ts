// The UI in real Chromium (playwright-core, Debian's /usr/bin/chromium) against web mode: open
// a generated snapshot, go to Arrays, ask "Why alive?" of a leaked array, and read the retainer
// path. Screenshots of every screen are kept in test-results/screenshots for people to look at.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture, REPO_ROOT } from '../helpers/fixtures'
import { startInspectTarget } from '../helpers/inspect-target'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`web UI e2e: SKIPPED: ${missing}`)

describe.skipIf(missing !== undefined)('web UI', () => {
  let ui: WebUi
  let page: Page

  beforeAll(async () => {
    ui = await startWebUi()
    page = ui.page
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
  })

  it('opens a snapshot, lists its arrays and explains why the leaked one is alive', async () => {
    const file = await fixture('map-cache')
    const response = await page.goto(ui.server.url)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
    await page.getByLabel(/Snapshot file/).fill(file)
    await ui.screenshot('1-start')
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    await page.getByRole('cell', { name: /Array/ }).first().waitFor()
    await ui.screenshot('2-summary')

    await page.getByRole('button', { name: 'Arrays' }).click()
    await page.getByRole('heading', { name: 'Arrays' }).waitFor()
    const leakedRow = page.getByRole('row').filter({ hasText: '1,000' }).first()
    await leakedRow.waitFor()
    await ui.screenshot('3-arrays')
    await leakedRow.getByRole('button', { name: 'Why alive?' }).click()

    const path = page.getByRole('list', { name: 'Retainer path 1' })
    await path.waitFor()
    await expect.poll(() => path.innerText()).toContain('.leakCache')
    const steps = await path.getByRole('listitem').allInnerTexts()
    expect(steps[0]).toMatch(/^global/)
    expect(steps.at(-1)).toMatch(/Array @\d+/)
    await page.getByRole('heading', { name: /Retainers/ }).waitFor()
    await ui.screenshot('4-why-alive', true)

    // The retainer graph: drawn with the path's objects; expanding the Map adds its retainers.
    await page.getByRole('img', { name: 'Retainer graph' }).locator('canvas').first().waitFor()
    const graphNodes = page
      .getByRole('list', { name: 'Objects in the graph' })
      .getByRole('listitem')
    const before = await graphNodes.count()
    expect(before).toBeGreaterThanOrEqual(3)
    await page
      .getByRole('button', { name: /^Expand retainers of global/ })
      .first()
      .click()
    await expect.poll(() => graphNodes.count()).toBeGreaterThan(before)
    await ui.screenshot('5-graph-expanded', true)
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export JSON' }).click()
    const saved = await (await download).path()
    const exported = JSON.parse(await readFile(saved, 'utf8')) as {
      nodes: unknown[]
      edges: unknown[]
    }
    expect(exported.nodes.length).toBe(await graphNodes.count())
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)

  it('attaches to a running Node leak, watches its heap, takes a snapshot and explains the array', async () => {
    const target = await startInspectTarget(
      "globalThis.leakCache = new Map(); for (let i = 0; i < 50; i++) leakCache.set('k' + i, new Array(1000).fill(i)); setInterval(() => {}, 1000)",
    )
    try {
      await page.getByRole('button', { name: 'Attach…' }).click()
      await page.getByLabel('Port').fill(String(target.port))
      await page.getByRole('button', { name: 'List targets' }).click()
      await page
        .getByRole('table', { name: 'Targets' })
        .getByRole('button', { name: 'Attach' })
        .click()
      const chart = page.getByRole('img', { name: 'Heap usage over time' })
      await chart.waitFor({ timeout: 30_000 })
      await page.getByRole('button', { name: 'Collect garbage' }).click()
      await expect.poll(() => page.getByText(/Used .* of .*GC/).count()).toBeGreaterThan(0)
      await ui.screenshot('7-attached')
      await page.getByRole('button', { name: 'Take snapshot' }).click()
      await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
      await page.getByRole('button', { name: 'Arrays' }).click()
      const row = page.getByRole('row').filter({ hasText: '1,000' }).first()
      await row.getByRole('button', { name: 'Why alive?' }).click()
      const path = page.getByRole('list', { name: 'Retainer path 1' })
      await expect.poll(() => path.innerText(), { timeout: 30_000 }).toContain('.leakCache')
      await ui.screenshot('8-captured-why')
    } finally {
      target.kill()
    }
  }, 120_000)

  it('shows a clear error for a file that is not a snapshot, and stays usable', async () => {
    await page.getByRole('button', { name: 'Open…' }).click()
    await page.getByLabel(/Snapshot file/).fill(join(REPO_ROOT, 'package.json'))
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor({ timeout: 30_000 })
    expect(await alert.innerText()).toMatch(/snapshot|JSON|header/i)
    await ui.screenshot('6-bad-file')
    // The snapshot opened before is still listed and usable.
    await page
      .getByRole('list', { name: 'Open snapshots' })
      .getByRole('button', { name: /map-cache/ })
      .click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor()
  }, 60_000)
})
