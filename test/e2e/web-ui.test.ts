// The UI in real Chromium (playwright-core, Debian's /usr/bin/chromium) against web mode: open
// a generated snapshot, go to Arrays, ask "Why alive?" of a leaked array, and read the retainer
// path. Screenshots of every screen are kept in test-results/screenshots for people to look at.
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture, REPO_ROOT } from '../helpers/fixtures'
import { startInspectTarget } from '../helpers/inspect-target'
import { startWebUi, type WebUi } from '../helpers/web-ui'

/** `text` as a regular expression that matches it literally. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

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

    await page.getByRole('tab', { name: 'Arrays' }).click()
    await page.getByRole('heading', { name: 'Arrays' }).waitFor()
    const leakedRow = page.getByRole('row').filter({ hasText: '1,000' }).first()
    await leakedRow.waitFor()
    await ui.screenshot('3-arrays')
    await leakedRow.getByRole('button', { name: 'Why alive?' }).click()

    // The route read as code: global → .leakCache → the Map → its entry → the array, by labels,
    // with the Map's hash table folded into the entry.
    await page.getByRole('tab', { name: /^Paths as text/ }).click()
    const path = page.getByRole('list', { name: 'Retainer path 1' })
    await path.waitFor()
    await expect.poll(() => path.innerText()).toContain('.leakCache')
    const steps = await path.getByRole('listitem').allInnerTexts()
    expect(steps).toHaveLength(3)
    expect(steps[0]).toMatch(/^global @\d+ [\d.]+ [kM]B retained$/)
    expect(steps[1]).toMatch(/^\.leakCache → Map\(≥100\) @\d+ [\d.]+ kB retained$/)
    expect(steps[2]).toMatch(/^entry "k\d+" → Array\(~1000\) @\d+ [\d.]+ kB retained$/)
    expect(await path.innerText()).not.toContain('{table}')
    const [, key, arrayId] = /^entry "(k\d+)" → Array\(~1000\) @(\d+)/.exec(steps[2]) ?? []
    // The panel's heading names the object by its label.
    await expect
      .poll(() =>
        page
          .getByRole('complementary', { name: 'Object details' })
          .getByRole('heading', { level: 1 })
          .innerText(),
      )
      .toBe(`Array(~1000) @${arrayId}`)

    // The verdict names the holder as code reads it, for the key on the path.
    const verdict = page.getByLabel('Verdict')
    await verdict.waitFor()
    expect(await verdict.isVisible()).toBe(true)
    const retainedFact = await page
      .locator('.facts dt', { hasText: /^Retained$/ })
      .locator('xpath=following-sibling::dd[1]')
      .innerText()
    const [, retained] = /^([\d.]+ kB) \(self [\d.]+ kB\)$/.exec(retainedFact) ?? []
    expect(retained).toBeDefined()
    expect(await verdict.innerText()).toBe(
      `Array(~1000) (${retained}) is alive because the Map global.leakCache holds it under key "${key}".`,
    )
    expect(await verdict.locator('code').allInnerTexts()).toEqual(['global.leakCache'])
    // The fix, checked by a recount, for the same key.
    const fix = page.getByLabel('What would free it')
    expect(await fix.locator('code').innerText()).toBe(`global.leakCache.delete("${key}")`)
    const fixText = await fix.innerText()
    expect(fixText).toMatch(/^To free it: /)
    const [, fixFrees] =
      /frees ([\d.]+ kB \(\d+ objects\)), checked by a recount/.exec(fixText) ?? []
    expect(fixFrees).toBeDefined()
    await page.getByRole('tab', { name: /^Retainers/ }).waitFor()
    await ui.screenshot('4-why-alive', true)

    // "Show the cut" applies the fix on the graph: the entry cut, the array freed, the same
    // bytes as the fix says.
    await page.getByRole('img', { name: 'Retainer graph' }).locator('canvas').first().waitFor()
    const cutPanel = page.getByRole('region', { name: 'What the cut frees' })
    const showCut = fix.getByRole('button', { name: 'Show the cut' })
    await showCut.click()
    const summary = cutPanel.locator('.cut-summary')
    await summary.waitFor({ timeout: 30_000 })
    expect(await summary.innerText()).toMatch(
      new RegExp(
        `^Cutting Map\\(≥100\\) @\\d+ → entry "${key}" would free ${escape(fixFrees)}\\.$`,
      ),
    )
    const target = page
      .getByRole('list', { name: 'Objects in the graph' })
      .getByRole('listitem')
      .and(page.locator('[data-kind="target"]'))
    expect(Number(await summary.getAttribute('data-freed-bytes'))).toBeGreaterThanOrEqual(
      Number(await target.getAttribute('data-retained-size')),
    )
    expect(await cutPanel.locator('.cut-verdict.freed').innerText()).toBe(
      `Array(~1000) @${arrayId} would be freed.`,
    )
    await expect.poll(() => target.getAttribute('data-freed')).toBe('true')
    expect(await target.innerText()).toMatch(
      new RegExp(`held by Map\\(≥100\\) @\\d+ as entry "${key}" \\(cut\\)`),
    )
    await ui.screenshot('4-why-alive-cut', true)
    // Undo, then the same cut can be asked for again.
    await cutPanel.getByRole('button', { name: 'Undo cut' }).click()
    await cutPanel.waitFor({ state: 'detached' })
    await showCut.click()
    await summary.waitFor({ timeout: 30_000 })
    expect(await cutPanel.locator('.cut-verdict.freed').innerText()).toBe(
      `Array(~1000) @${arrayId} would be freed.`,
    )
    await cutPanel.getByRole('button', { name: 'Undo cut' }).click()
    await cutPanel.waitFor({ state: 'detached' })

    // The object panel with its verdict, for people to look at: light and dark, 1440x900.
    try {
      await page.setViewportSize({ width: 1440, height: 900 })
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        await expect
          .poll(() =>
            page.getByRole('img', { name: 'Retainer graph' }).getAttribute('data-color-scheme'),
          )
          .toBe(scheme)
        await page
          .getByRole('complementary', { name: 'Object details' })
          .getByRole('heading', { level: 1 })
          .scrollIntoViewIfNeeded()
        await ui.screenshot(`4-verdict-${scheme}`)
      }
    } finally {
      await page.emulateMedia({ colorScheme: null })
      await page.setViewportSize({ width: 1280, height: 900 })
    }

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
      await ui.attachByPort(target.port)
      const chart = page.getByRole('img', { name: 'Heap usage over time' })
      await chart.waitFor({ timeout: 30_000 })
      await page.getByRole('button', { name: 'Collect garbage' }).click()
      await expect.poll(() => page.getByText(/Used .* of .*GC/).count()).toBeGreaterThan(0)
      await ui.screenshot('7-attached')
      await page.getByRole('button', { name: 'Take snapshot' }).click()
      await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
      await page.getByRole('tab', { name: 'Arrays' }).click()
      const row = page.getByRole('row').filter({ hasText: '1,000' }).first()
      await row.getByRole('button', { name: 'Why alive?' }).click()
      await page.getByRole('tab', { name: /^Paths as text/ }).click()
      const path = page.getByRole('list', { name: 'Retainer path 1' })
      await expect.poll(() => path.innerText(), { timeout: 30_000 }).toContain('.leakCache')
      await ui.screenshot('8-captured-why')

      // Where the capture went is named, and a copy can be saved elsewhere.
      await page.getByRole('button', { name: /^Attached:/ }).click()
      const folder = page.locator('.capture-folder code.folder')
      expect(await folder.innerText()).toBe(process.env.HEAPGRAPH_CAPTURE_DIR)
      const taken = page.getByRole('list', { name: 'Snapshots taken in this session' })
      await taken.getByRole('button', { name: 'Save as…' }).click()
      const copy = join(await mkdtemp(join(tmpdir(), 'heapgraph-save-as-')), 'kept.heapsnapshot')
      await taken.getByLabel('Save a copy as').fill(copy)
      await taken.getByRole('button', { name: 'Save', exact: true }).click()
      await taken.getByText(`Saved as ${copy}.`).waitFor()
      expect((await stat(copy)).size).toBeGreaterThan(1_000_000)
      await ui.screenshot('9-capture-folder')
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
