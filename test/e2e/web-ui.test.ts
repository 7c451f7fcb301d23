// The UI in real Chromium (playwright-core, Debian's /usr/bin/chromium) against web mode: open
// a generated snapshot, go to Arrays, ask "Why alive?" of a leaked array, and read the retainer
// path (Playwright starts Chromium with a fresh profile). Screenshots of every screen are kept in test-results/screenshots for people to look at.
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { ensureRendererBuilt } from '../../electron/cli/serve'
import { startWebServer, type WebServer } from '../../electron/web-server'
import { CHROMIUM_ARGS, chromiumUnavailableReason, CHROMIUM_PATH } from '../helpers/chrome-snapshot'
import { fixture, REPO_ROOT } from '../helpers/fixtures'
import { startInspectTarget } from '../helpers/inspect-target'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`web UI e2e: SKIPPED: ${missing}`)
const SCREENSHOTS = join(REPO_ROOT, 'test-results/screenshots')

describe.skipIf(missing !== undefined)('web UI', () => {
  let backend: Backend
  let server: WebServer
  let browser: Browser
  let page: Page
  const consoleErrors: string[] = []

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true })
    const staticDir = await ensureRendererBuilt(() => {})
    backend = createBackend()
    server = await startWebServer(backend, { staticDir })
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      // The fixtures' quiet, offline flags, without the debugging port.
      args: CHROMIUM_ARGS.filter((arg) => !arg.startsWith('--remote-debugging-port')),
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await backend?.dispose()
  })

  it('opens a snapshot, lists its arrays and explains why the leaked one is alive', async () => {
    const file = await fixture('map-cache')
    const response = await page.goto(server.url)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
    await page.getByLabel(/Snapshot file/).fill(file)
    await page.screenshot({ path: join(SCREENSHOTS, '1-start.png') })
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    await page.getByRole('cell', { name: /Array/ }).first().waitFor()
    await page.screenshot({ path: join(SCREENSHOTS, '2-summary.png') })

    await page.getByRole('button', { name: 'Arrays' }).click()
    await page.getByRole('heading', { name: 'Arrays' }).waitFor()
    const leakedRow = page.getByRole('row').filter({ hasText: '1,000' }).first()
    await leakedRow.waitFor()
    await page.screenshot({ path: join(SCREENSHOTS, '3-arrays.png') })
    await leakedRow.getByRole('button', { name: 'Why alive?' }).click()

    const path = page.getByRole('list', { name: 'Retainer path 1' })
    await path.waitFor()
    await expect.poll(() => path.innerText()).toContain('.leakCache')
    const steps = await path.getByRole('listitem').allInnerTexts()
    expect(steps[0]).toMatch(/^global/)
    expect(steps.at(-1)).toMatch(/Array @\d+/)
    await page.getByRole('heading', { name: /Retainers/ }).waitFor()
    await page.screenshot({ path: join(SCREENSHOTS, '4-why-alive.png'), fullPage: true })

    // The retainer graph: drawn with the path's objects; expanding the Map adds its retainers.
    await page.getByRole('img', { name: 'Retainer graph' }).locator('canvas').first().waitFor()
    const graphNodes = page
      .getByRole('list', { name: 'Objects in the graph' })
      .getByRole('listitem')
    const before = await graphNodes.count()
    expect(before).toBeGreaterThanOrEqual(4)
    await page
      .getByRole('button', { name: /^Expand retainers of global/ })
      .first()
      .click()
    await expect.poll(() => graphNodes.count()).toBeGreaterThan(before)
    await page.screenshot({ path: join(SCREENSHOTS, '5-graph-expanded.png'), fullPage: true })
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export JSON' }).click()
    const saved = await (await download).path()
    const exported = JSON.parse(await readFile(saved, 'utf8')) as {
      nodes: unknown[]
      edges: unknown[]
    }
    expect(exported.nodes.length).toBe(await graphNodes.count())
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([])
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
      await page.screenshot({ path: join(SCREENSHOTS, '7-attached.png') })
      await page.getByRole('button', { name: 'Take snapshot' }).click()
      await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
      await page.getByRole('button', { name: 'Arrays' }).click()
      const row = page.getByRole('row').filter({ hasText: '1,000' }).first()
      await row.getByRole('button', { name: 'Why alive?' }).click()
      const path = page.getByRole('list', { name: 'Retainer path 1' })
      await expect.poll(() => path.innerText(), { timeout: 30_000 }).toContain('.leakCache')
      await page.screenshot({ path: join(SCREENSHOTS, '8-captured-why.png') })
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
    await page.screenshot({ path: join(SCREENSHOTS, '6-bad-file.png') })
    // The snapshot opened before is still listed and usable.
    await page.getByRole('button', { name: /map-cache/ }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor()
  }, 60_000)
})
