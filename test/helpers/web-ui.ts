// A web-mode UI session for end-to-end tests: a backend, the loopback server and a page in
// Debian's Chromium (fresh profile, the fixtures' quiet offline flags), with console errors kept
// and a screenshots folder for people to look at.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { builtRenderer } from '../../electron/cli/serve'
import { startWebServer, type WebServer } from '../../electron/web-server'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chrome-snapshot'
import { REPO_ROOT } from './fixtures'

export const SCREENSHOTS = join(REPO_ROOT, 'test-results/screenshots')

export interface WebUi {
  backend: Backend
  server: WebServer
  browser: Browser
  page: Page
  /** Messages the page logged as errors. */
  consoleErrors: string[]
  /** Saves a screenshot of the page as test-results/screenshots/NAME.png. */
  screenshot(name: string, fullPage?: boolean): Promise<void>
  /** Opens a snapshot by its path from the start page and waits for its Summary. */
  open(file: string): Promise<void>
  /** Arrays, then "Why alive?" on the first row showing `rowText`; waits for the graph. */
  whyAliveOfArray(rowText?: string): Promise<void>
  /** Attach…, lists the targets of 127.0.0.1:PORT and attaches to the first. */
  attachByPort(port: number): Promise<void>
  close(): Promise<void>
}

export async function startWebUi(): Promise<WebUi> {
  await mkdir(SCREENSHOTS, { recursive: true })
  const staticDir = await builtRenderer()
  const backend = createBackend()
  const server = await startWebServer(backend, { staticDir })
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.filter((arg) => !arg.startsWith('--remote-debugging-port')),
  })
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const consoleErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  return {
    backend,
    server,
    browser,
    page,
    consoleErrors,
    async screenshot(name, fullPage = false) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage })
    },
    async open(file) {
      // The sidebar's Open… leads to the start page, wherever the window is.
      await page.getByRole('button', { name: 'Open…' }).click()
      await page.getByLabel(/Snapshot file/).fill(file)
      await page.getByRole('button', { name: 'Open', exact: true }).click()
      await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    },
    async attachByPort(port) {
      await page.getByRole('button', { name: 'Attach…' }).first().click()
      await page.getByLabel('Port').fill(String(port))
      await page.getByRole('button', { name: 'List targets' }).click()
      await page
        .getByRole('table', { name: 'Targets' })
        .getByRole('button', { name: 'Attach' })
        .first()
        .click()
    },
    async whyAliveOfArray(rowText = '1,000') {
      await page.getByRole('tab', { name: 'Arrays' }).click()
      const row = page.getByRole('row').filter({ hasText: rowText }).first()
      await row.waitFor()
      await row.getByRole('button', { name: 'Why alive?' }).click()
      await page.getByRole('img', { name: 'Retainer graph' }).locator('canvas').first().waitFor()
    },
    async close() {
      await browser.close()
      await server.close()
      await backend.dispose()
    },
  }
}
