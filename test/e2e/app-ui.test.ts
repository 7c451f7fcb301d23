// The app's start page and shell in real Chromium against web mode: Try the demo end to end (a
// real leaky Node child, attached, captured, its leak explained, then stopped), opening files by
// the picker and by drag and drop (uploaded to the loopback server), recent files, and an engine
// killed under an open snapshot (the app says so and stays usable).
import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { isAlive } from '../helpers/inspect-target'
import { fixture } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`app UI e2e: SKIPPED: ${missing}`)

describe.skipIf(missing !== undefined)('app UI', () => {
  let ui: WebUi
  let page: Page

  beforeAll(async () => {
    ui = await startWebUi()
    page = ui.page
    await page.goto(ui.server.url)
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
  })

  it('walks a newcomer through the demo: capture, Arrays, Why alive?, the leak', async () => {
    await page.getByRole('button', { name: 'Try the demo' }).click()
    const guide = page.getByRole('complementary', { name: 'Demo guide' })
    await expect.poll(() => guide.innerText(), { timeout: 30_000 }).toMatch(/step 1 of 3/)
    await page.getByRole('img', { name: 'Heap usage over time' }).waitFor({ timeout: 30_000 })
    await ui.screenshot('demo-1-attached')

    await page.getByRole('button', { name: 'Take snapshot' }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    await expect.poll(() => guide.innerText()).toMatch(/step 2 of 3/)
    await ui.screenshot('demo-2-captured')
    await guide.getByRole('button', { name: 'Show arrays' }).click()
    await expect.poll(() => guide.innerText()).toMatch(/step 3 of 3/)
    const row = page.getByRole('row').filter({ hasText: '20,000' }).first()
    await row.waitFor()
    await ui.screenshot('demo-3-arrays')
    await row.getByRole('button', { name: 'Why alive?' }).click()

    await page.getByRole('tab', { name: /^Paths as text/ }).click()

    const path = page.getByRole('list', { name: 'Retainer path 1' })
    await expect.poll(() => path.innerText(), { timeout: 30_000 }).toContain('sessionCache')
    expect(await path.innerText()).toContain('latencies')
    await expect.poll(() => guide.innerText()).toMatch(/That is the leak/)
    // The target is still attached: the array's live value is shown.
    await page.getByRole('table', { name: 'Live value' }).waitFor({ timeout: 30_000 })
    // Its first items, as the running program has them now.
    expect(await page.getByRole('table', { name: 'Live value' }).innerText()).toMatch(
      /^0\s+number\s+0\b/,
    )
    await ui.screenshot('demo-4-leak', true)

    // The attach panel lists the snapshot taken in this session.
    await page.getByRole('button', { name: /^Attached: Heapgraph demo/ }).click()
    const taken = page.getByRole('list', { name: 'Snapshots taken in this session' })
    expect(await taken.getByRole('listitem').count()).toBe(1)
    await guide.getByRole('button', { name: 'End the demo' }).click()
    await guide.waitFor({ state: 'detached' })
    expect(await page.getByRole('button', { name: 'Attach…' }).count()).toBe(1)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it('opens a file chosen in the picker and two dropped on the window, and remembers files opened by path', async () => {
    const file = await fixture('map-cache')
    await page.getByRole('button', { name: 'Open…' }).click()
    await page.getByLabel('Choose a snapshot file').setInputFiles(file)
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    expect(await page.locator('.snapshot-title').innerText()).toMatch(/map-cache/)

    // A drop: the same bytes as a File in a DataTransfer, dropped on the main area.
    // Two files in one drop: both open, one after the other.
    const text = await readFile(await fixture('closure-context'), 'utf8')
    const second = await readFile(await fixture('weak-ref'), 'utf8')
    // (A string, because the page's DOM types are not this project's.)
    await page.evaluate(`(() => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([${JSON.stringify(second)}], 'dropped-weak.heapsnapshot'))
      transfer.items.add(new File([${JSON.stringify(text)}], 'dropped-closure.heapsnapshot'))
      const target = document.querySelector('main')
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true }))
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true }))
    })()`)
    await expect
      .poll(() => page.locator('.snapshot-title').innerText(), { timeout: 60_000 })
      .toMatch(/dropped-closure\.heapsnapshot/)
    await ui.screenshot('open-dropped')
    const opened = (await ui.backend.listSnapshots({})).map((info) => info.file)
    expect(opened.some((file) => file.endsWith('/dropped-weak.heapsnapshot'))).toBe(true)

    // A file opened by its path is remembered; the uploaded copies (picker, drop) are gone once
    // open, so they are not offered again.
    await page.getByRole('button', { name: 'Open…' }).click()
    await ui.open(await fixture('typed-array'))
    await page.getByRole('button', { name: 'Open…' }).click()
    const recent = page.getByRole('list', { name: 'Recent files' })
    await expect.poll(() => recent.innerText()).toMatch(/^typed-array-node/)
    expect(await recent.innerText()).not.toMatch(/dropped-closure/)
    await ui.screenshot('start-recent')
  }, 120_000)

  it('says when an engine dies under an open snapshot, and stays usable', async () => {
    const file = await fixture('timer')
    await page.getByLabel(/Snapshot file/).fill(file)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    const info = (await ui.backend.listSnapshots({})).find((entry) => entry.file === file)
    const pid = ui.backend.hostProcessId(info?.snapshotId ?? '')
    expect(pid).toBeGreaterThan(0)
    process.kill(pid ?? 0, 'SIGKILL')
    const alert = page.getByRole('alert').filter({ hasText: /engine stopped/ })
    await alert.waitFor({ timeout: 15_000 })
    expect(await alert.innerText()).toMatch(/timer.*engine stopped/)
    await ui.screenshot('engine-died')
    // Another open snapshot still answers.
    await page.getByRole('button', { name: 'Open…' }).click()
    await page
      .getByRole('list', { name: 'Open snapshots' })
      .getByRole('button', { name: /map-cache/ })
      .click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor()
    await page.getByRole('cell', { name: /Array/ }).first().waitFor()
    expect(isAlive(pid ?? 0)).toBe(false)
  }, 120_000)
})
