// Comparing snapshots in the UI (real Chromium, web mode): the three-snapshot sequence of one
// process opened from disk, its Diff view against a chosen base with the new objects of a
// class, the Leaks view's suspects and growing classes, and "Snapshot and show growth" on a
// live target.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { snapshotSequence } from '../helpers/fixtures'
import { startInspectTarget } from '../helpers/inspect-target'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`diff UI e2e: SKIPPED: ${missing}`)

describe.skipIf(missing !== undefined)('diff UI', () => {
  let ui: WebUi
  let page: Page

  beforeAll(async () => {
    const files = await snapshotSequence()
    ui = await startWebUi()
    page = ui.page
    await page.goto(ui.server.url)
    for (const file of files) {
      await page.getByRole('button', { name: 'Open…' }).click()
      await ui.open(file)
    }
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
  })

  it('compares with a chosen base and lists the new objects of a class', async () => {
    await page.getByRole('tab', { name: 'Diff', exact: true }).click()
    await page.getByRole('heading', { name: 'Diff', exact: true }).waitFor()
    const table = page.getByRole('table', { name: 'Diff', exact: true })
    // The default base is the snapshot opened before this one: the late leak is new.
    await table.getByRole('row').filter({ hasText: 'SequenceLateLeak' }).waitFor()
    expect(
      await table.getByRole('row').filter({ hasText: 'SequenceLateLeak' }).innerText(),
    ).toMatch(/SequenceLateLeak\s+30\s+0\s+\+30/)
    await page.getByLabel('Base snapshot').selectOption({ index: 0 })
    const leaked = table.getByRole('row').filter({ hasText: 'SequenceLeakedRecord' })
    await leaked.waitFor()
    expect(await leaked.innerText()).toMatch(/SequenceLeakedRecord\s+40\s+0\s+\+40/)
    await ui.screenshot('diff-1-table')
    await leaked.click()
    const added = page.getByRole('region', { name: 'New SequenceLeakedRecord objects' })
    // The objects' rows (cells), under one header row (column headers).
    const objects = added.getByRole('row').filter({ has: page.getByRole('cell') })
    await expect.poll(() => objects.count()).toBe(40)
    expect(await added.getByRole('row').count()).toBe(41)
    await objects.first().click()
    await page.getByRole('tab', { name: /^Paths as text/ }).click()
    const path = page.getByRole('list', { name: 'Retainer path 1' })
    await expect.poll(() => path.innerText(), { timeout: 30_000 }).toContain('sequenceStore')
    await ui.screenshot('diff-2-new-object-why')
  }, 120_000)

  it('finds the leak suspects of baseline, target and final, and the growing classes', async () => {
    await page.getByRole('tab', { name: 'Leaks' }).click()
    await page.getByRole('heading', { name: 'Leaks' }).waitFor()
    await page.getByRole('button', { name: 'Find leaks' }).click()
    const suspects = page.getByRole('list', { name: 'Leak suspects' })
    await suspects.getByRole('listitem').first().waitFor({ timeout: 60_000 })
    expect(await suspects.getByRole('listitem').first().innerText()).toMatch(
      /^40 × SequenceLeakedRecord/,
    )
    expect(await page.getByRole('list', { name: 'Leak 1 path' }).innerText()).toContain(
      'sequenceStore',
    )
    const growing = page.getByRole('table', { name: 'Growing classes' })
    expect(
      await growing.getByRole('row').filter({ hasText: 'SequenceLateLeak' }).innerText(),
    ).toMatch(/0 → 0 → 30/)
    await ui.screenshot('leaks-1-report', true)
    await suspects.getByRole('button', { name: 'Why alive?' }).first().click()
    await page.getByRole('heading', { name: /SequenceLeakedRecord @\d+/ }).waitFor()
  }, 120_000)

  it('takes a snapshot and shows the growth since the previous one of the target', async () => {
    const target = await startInspectTarget(
      `class UiGrowthWidget {}
       globalThis.widgets = []
       setInterval(() => { for (let i = 0; i < 25; i++) widgets.push(new UiGrowthWidget()) }, 100)
       console.log('ready')`,
      { readyLine: /^ready$/ },
    )
    try {
      await ui.attachByPort(target.port)
      await page.getByRole('button', { name: 'Take snapshot' }).click()
      await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
      await page.getByRole('button', { name: /^Attached:/ }).click()
      await page.getByRole('button', { name: 'Snapshot and show growth' }).click()
      await page.getByRole('heading', { name: 'Diff', exact: true }).waitFor({ timeout: 60_000 })
      const row = page
        .getByRole('table', { name: 'Diff', exact: true })
        .getByRole('row')
        .filter({ hasText: 'UiGrowthWidget' })
      await row.waitFor({ timeout: 30_000 })
      expect(await row.innerText()).toMatch(/UiGrowthWidget\s+[1-9][\d,]*\s+0\s+\+/)
      await ui.screenshot('diff-3-growth')
    } finally {
      await target.kill()
    }
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)
})
