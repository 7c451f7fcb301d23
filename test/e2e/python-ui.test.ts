// A Python heap in the app (real Chromium, web mode): the NumPy view that keeps an 80 MB base
// alive, from Arrays to "Why alive?": the verdict names the variable and `.base`, the object
// panel shows the reference count, and the retainer graph is drawn. Its screenshot
// (test-results/screenshots/python-numpy-view.png) is the README's picture of a Python heap.
// And the Attach screen: a running Python process that installed the handler is listed, and
// "Take snapshot" opens its heap; so is a CPython 3.14 process without it (sys.remote_exec).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import type { ChildProcess } from 'node:child_process'
import type { Locator, Page } from 'playwright-core'
import {
  numpyUnavailableReason,
  otherPythonsAndNewest,
  pythonUnavailableReason,
  runPythonFixture,
  startPythonFixture,
} from '../helpers/python'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason() ?? pythonUnavailableReason() ?? numpyUnavailableReason()
if (missing) console.warn(`python e2e: SKIPPED: ${missing}`)
// CPython 3.14 or later (Debian's where none is installed), for a process without the handler.
const newest = missing
  ? undefined
  : (await otherPythonsAndNewest()).find(({ version }) => Number(version.split('.')[1]) >= 14)

/** Take snapshot on a process's row: its heap opens, with the fixture's three 100 kB bytearrays. */
async function takeSnapshotAndSeeBytearrays(page: Page, row: Locator): Promise<void> {
  await row.getByRole('button', { name: 'Take snapshot' }).click()
  await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 120_000 })
  await expect
    .poll(() => page.getByRole('row').filter({ hasText: 'bytearray' }).count(), {
      timeout: 30_000,
    })
    .toBeGreaterThan(0)
}

describe.skipIf(missing !== undefined)('a Python heap in the app', () => {
  let ui: WebUi
  let folder = ''

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'heapgraph-python-ui-'))
    await runPythonFixture('numpy_view', folder)
    ui = await startWebUi()
    await ui.page.setViewportSize({ width: 1440, height: 900 })
    await ui.page.goto(ui.server.url)
    await ui.open(join(folder, 'view.heapsnapshot'))
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
    if (folder) await rm(folder, { recursive: true, force: true })
  })

  it("explains the view's 80 MB base through `.base`, with its reference count", async () => {
    const { page } = ui
    await ui.whyAliveOfArray('numpy.ndarray(10000000, 80.0 MB)')
    await page.locator('.graph-canvas[data-draw-ms]').waitFor({ timeout: 30_000 })
    await expect
      .poll(() => page.getByLabel('Verdict').textContent(), { timeout: 30_000 })
      .toContain('is alive because __main__.header.base holds it')
    const facts = page.locator('.object dl.facts')
    await expect.poll(() => facts.textContent()).toMatch(/Refcount\s*1(?!\d)/)
    await ui.screenshot('python-numpy-view')
    expect(ui.consoleErrors).toEqual([])
  })

  it('lists a Python process with the handler on the Attach screen and opens its snapshot', async () => {
    const { page } = ui
    // The backend runs in this process: it looks for announcements where the child makes them.
    const runtime = join(folder, 'runtime')
    process.env.HEAPGRAPH_RUNTIME_DIR = runtime
    let child: ChildProcess | null = null
    try {
      child = await startPythonFixture('signal_target', ['--install'], {
        HEAPGRAPH_RUNTIME_DIR: runtime,
      })
      await page.getByRole('button', { name: 'Attach…' }).first().click()
      const table = page.getByRole('table', { name: 'Python processes' })
      const row = table.getByRole('row').filter({ hasText: String(child.pid) })
      await row.waitFor({ timeout: 30_000 })
      await expect.poll(() => row.textContent()).toContain('signal_target.py')
      // For people to look at: light at 1440×900, dark at 1280×720.
      await ui.screenshot('attach-python-light-1440')
      await page.setViewportSize({ width: 1280, height: 720 })
      await page.emulateMedia({ colorScheme: 'dark' })
      await ui.screenshot('attach-python-dark-1280')
      await page.emulateMedia({ colorScheme: null })
      await page.setViewportSize({ width: 1440, height: 900 })
      await takeSnapshotAndSeeBytearrays(page, row)
      expect(ui.consoleErrors).toEqual([])
    } finally {
      child?.kill()
      delete process.env.HEAPGRAPH_RUNTIME_DIR
    }
  }, 180_000)

  it.skipIf(newest === undefined)(
    'lists a CPython 3.14 process without the handler and opens its heap through sys.remote_exec',
    async () => {
      const { page } = ui
      const runtime = join(folder, 'runtime-remote')
      process.env.HEAPGRAPH_RUNTIME_DIR = runtime
      let child: ChildProcess | null = null
      try {
        child = await startPythonFixture(
          'signal_target',
          [],
          { HEAPGRAPH_RUNTIME_DIR: runtime },
          newest?.python,
        )
        await page.getByRole('button', { name: 'Attach…' }).first().click()
        const table = page.getByRole('table', { name: 'Python processes' })
        const row = table.getByRole('row').filter({ hasText: String(child.pid) })
        // Found on the next look: Refresh until the process is listed.
        await expect
          .poll(
            async () => {
              await page.getByRole('button', { name: 'Refresh' }).click()
              return row.count()
            },
            { timeout: 30_000 },
          )
          .toBe(1)
        await expect.poll(() => row.textContent()).toContain('sys.remote_exec')
        await expect.poll(() => row.textContent()).toContain('signal_target.py')
        await takeSnapshotAndSeeBytearrays(page, row)
        expect(child.exitCode).toBe(null)
        expect(ui.consoleErrors).toEqual([])
      } finally {
        child?.kill()
        delete process.env.HEAPGRAPH_RUNTIME_DIR
      }
    },
    180_000,
  )
})
