// Recording allocations from the app, against a real `node --inspect` target: Record with a
// sampling profile shows the elapsed time, survives a look elsewhere, and Stop opens the profile
// with the allocating function on top; a timeline recording opens as a snapshot with allocation
// bars; Cancel leaves no file. Files land in the capture folder.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { REPO_ROOT } from '../helpers/fixtures'
import { startInspectTarget, type InspectTarget } from '../helpers/inspect-target'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`record e2e: SKIPPED: ${missing}`)

const PROGRAM = join(REPO_ROOT, 'test/fixtures/programs/timeline-rows.cjs')

describe.skipIf(missing !== undefined)('recording allocations from the app', () => {
  let ui: WebUi
  let page: Page
  let target: InspectTarget

  beforeAll(async () => {
    target = await startInspectTarget({ file: PROGRAM }, { readyLine: /^ready$/ })
    ui = await startWebUi()
    page = ui.page
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.goto(ui.server.url)
    await ui.attachByPort(target.port)
    await page.getByRole('group', { name: 'Record allocations' }).waitFor({ timeout: 30_000 })
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
    await target?.kill()
  })

  const recorder = () => page.getByRole('group', { name: 'Record allocations' })
  const elapsedSeconds = async (): Promise<number> => {
    const match = /(\d+):(\d\d)/.exec(await recorder().locator('.elapsed').innerText())
    return match ? Number(match[1]) * 60 + Number(match[2]) : -1
  }

  it('records a sampling profile, keeps it across a look elsewhere, and opens it', async () => {
    await recorder()
      .getByLabel(/Record allocations/)
      .selectOption('sampling')
    await recorder().getByRole('button', { name: 'Record' }).click()
    await recorder()
      .getByRole('status')
      .filter({ hasText: /^Recording a sampling profile/ })
      .waitFor()
    target.send('go')
    await target.waitForLine(/^done$/, 20_000)
    await expect.poll(elapsedSeconds, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    await ui.screenshot('record-1-recording')
    // Away to the start page and back: the recording is still under way, its clock running.
    await page.getByRole('button', { name: 'Open…' }).click()
    await page.getByRole('button', { name: /^Attached:/ }).click()
    await recorder()
      .getByRole('status')
      .filter({ hasText: /^Recording a sampling profile/ })
      .waitFor()
    await recorder().getByRole('button', { name: 'Stop' }).click()
    await page.getByRole('heading', { name: 'Allocations' }).waitFor({ timeout: 30_000 })
    const first = page
      .getByRole('table', { name: 'Allocation sites' })
      .locator('tbody tr[data-row]')
      .first()
    await expect.poll(() => first.innerText()).toMatch(/^makeRows \(timeline-rows\.cjs:11:\d+\)/)
    const folder = process.env.HEAPGRAPH_CAPTURE_DIR ?? ''
    expect(
      (await readdir(folder)).filter((name) => name.endsWith('.heapprofile')).length,
    ).toBeGreaterThan(0)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 90_000)

  it('records a timeline that opens as a snapshot with its allocation bars; Cancel keeps nothing', async () => {
    const folder = process.env.HEAPGRAPH_CAPTURE_DIR ?? ''
    await page.getByRole('button', { name: /^Attached:/ }).click()
    // Cancel: no file, no recording.
    const timelines = async (): Promise<string[]> =>
      (await readdir(folder)).filter((name) => name.startsWith('timeline-'))
    expect(await timelines()).toEqual([])
    await recorder()
      .getByLabel(/Record allocations/)
      .selectOption('timeline')
    await recorder().getByRole('button', { name: 'Record' }).click()
    await recorder().getByRole('button', { name: 'Cancel' }).click()
    await recorder().getByRole('button', { name: 'Record' }).waitFor()
    expect(await timelines()).toEqual([])

    await recorder().getByRole('button', { name: 'Record' }).click()
    target.send('go')
    await target.waitForLine(/^done$/, 20_000)
    await recorder().getByRole('button', { name: 'Stop' }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    await page.getByRole('slider', { name: 'Allocation timeline' }).waitFor()
    await ui.screenshot('record-2-timeline')
    expect((await timelines()).filter((name) => name.endsWith('.heapsnapshot'))).toHaveLength(1)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)
})
