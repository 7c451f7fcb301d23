// The attach view's heap chart (uPlot) in real Chromium against web mode, on a real Node target
// whose heap grows and is dropped in waves: the canvas is drawn, the byte axis speaks in units, the
// legend names each series with its value, garbage collections and snapshots are marked in their
// colours, the chart follows its box's width and the OS theme, is torn down with its view, moves
// nothing as readings arrive, and the page logs no error and no CSP violation.
// Screenshots: test-results/screenshots/heap-chart-light.png and heap-chart-dark.png.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import {
  killAllTargets,
  startChromium,
  startInspectTarget,
  type InspectTarget,
} from '../helpers/inspect-target'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`heap chart UI e2e: SKIPPED: ${missing}`)

// Every 250 ms, a 50,000-item array (JS heap) and a 512 kB typed array (a backing store outside
// the JS heap); all of it is dropped every five seconds.
const TARGET = `
const keep = []
setInterval(() => {
  keep.push(new Array(50000).fill(keep.length), new Uint8Array(512 * 1024).fill(1))
  if (keep.length >= 40) keep.length = 0
}, 250)
`

// Runs in the page before its own scripts: the text every canvas draws, CSP violations, and
// layout shifts of the attached target's panel.
const RECORDER = `
  window.__chart = { texts: [], violations: [], shifts: [] }
  const fillText = CanvasRenderingContext2D.prototype.fillText
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__chart.texts.push(String(text))
    return fillText.call(this, text, ...rest)
  }
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__chart.violations.push(
      event.violatedDirective + ' ' + event.blockedURI + ' at ' + event.sourceFile + ':' + event.lineNumber + ' ' + event.sample,
    )
  })
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const inPanel = (entry.sources || []).some((source) => source.node && source.node.closest && source.node.closest('.attached'))
      if (!entry.hadRecentInput && inPanel) window.__chart.shifts.push(entry.value)
    }
  }).observe({ type: 'layout-shift', buffered: true })
`

/** Runs in the page: how many of the chart canvas's pixels have exactly the colour of a --chart-* property. */
const PIXELS_OF = (property: string): string => `(() => {
  const plot = document.querySelector('.heap-chart-plot')
  const canvas = plot && plot.querySelector('canvas')
  if (!canvas) return -1
  const hex = getComputedStyle(plot).getPropertyValue(${JSON.stringify(property)}).trim()
  const want = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16))
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
  let count = 0
  for (let at = 0; at < data.length; at += 4)
    if (data[at] === want[0] && data[at + 1] === want[1] && data[at + 2] === want[2] && data[at + 3] === 255) count++
  return count
})()`

/** Runs in the page: the chart canvas's pixels that are not transparent. */
const INKED_PIXELS = `(() => {
  const canvas = document.querySelector('.heap-chart-plot canvas')
  if (!canvas) return -1
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
  let count = 0
  for (let at = 3; at < data.length; at += 4) if (data[at] > 0) count++
  return count
})()`

interface Recorded {
  texts: string[]
  violations: string[]
  shifts: number[]
}

describe.skipIf(missing !== undefined)('heap chart', () => {
  let ui: WebUi
  let page: Page
  let target: InspectTarget
  /** Where the buttons under the chart sit once a Node target's readings are drawn. */
  let buttonsY: number | undefined

  beforeAll(async () => {
    target = await startInspectTarget(TARGET)
    ui = await startWebUi()
    page = ui.page
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.addInitScript(RECORDER)
    await page.goto(ui.server.url)
  }, 120_000)

  afterAll(async () => {
    await page?.emulateMedia({ colorScheme: null })
    await ui?.close()
    await killAllTargets()
  })

  const recorded = (): Promise<Recorded> => page.evaluate('window.__chart') as Promise<Recorded>
  /** Forgets the text drawn so far, then resolves with what the next redraws draw. */
  const nextTexts = async (): Promise<string[]> => {
    await page.evaluate('window.__chart.texts = []')
    await expect
      .poll(async () => (await recorded()).texts.length, { timeout: 10_000 })
      .toBeGreaterThan(5)
    return (await recorded()).texts
  }
  const plot = (): ReturnType<Page['getByRole']> =>
    page.getByRole('img', { name: 'Heap usage over time' })
  const legend = (): ReturnType<Page['locator']> => page.locator('.heap-chart .u-legend')
  const caption = (): ReturnType<Page['locator']> => page.locator('.heap-chart figcaption')
  /** Seconds since attach, as the legend's Time entry shows the newest reading. */
  const elapsed = async (): Promise<number> => {
    const match = /Time\s*(\d+):(\d\d)/.exec(await legend().innerText())
    return match ? Number(match[1]) * 60 + Number(match[2]) : -1
  }

  it('draws the heap over time with units, a legend, GC and snapshot markers, in both themes', async () => {
    await page.emulateMedia({ colorScheme: 'light' })
    // The only violations before the chart: zod's probe for eval (Function('') in a try, which
    // the strict CSP refuses, so zod validates without compiling), as the bundle loads.
    const atLoad = (await recorded()).violations
    expect(atLoad.every((violation) => violation.startsWith('script-src eval '))).toBe(true)
    await ui.attachByPort(target.port)

    // The chart's box is there at once, at its full height, before and after the readings.
    await plot().waitFor({ timeout: 30_000 })
    const before = await page.locator('.heap-chart').boundingBox()
    expect((await plot().boundingBox())?.height).toBe(260)
    await expect.poll(elapsed, { timeout: 30_000 }).toBeGreaterThanOrEqual(6)
    const after = await page.locator('.heap-chart').boundingBox()
    expect(after?.height).toBe(before?.height)
    expect(after?.y).toBe(before?.y)
    expect((await recorded()).shifts).toEqual([])
    buttonsY = (await page.getByRole('button', { name: 'Collect garbage' }).boundingBox())?.y

    // A drawn canvas; a byte axis in units and a time axis as a clock reads.
    expect(await page.evaluate(INKED_PIXELS)).toBeGreaterThan(2000)
    const texts = await nextTexts()
    expect(texts.filter((text) => /^\d+(\.\d+)? (kB|MB)$/.test(text)).length).toBeGreaterThan(1)
    expect(
      texts.filter((text) => /^\d+:\d\d$/.test(text)).length,
      texts.join(' | '),
    ).toBeGreaterThan(1)
    expect(texts.some((text) => /^Time since attach/.test(text))).toBe(true)

    // The legend names each series with its newest value.
    const legendText = await legend().innerText()
    expect(legendText).toMatch(/Used heap\s*\d+(\.\d+)? (kB|MB)/)
    expect(legendText).toMatch(/Total heap\s*\d+(\.\d+)? (kB|MB)/)
    // Backing stores are a series exactly when the target reports them.
    const reportsBacking = /backing stores \d/.test(await caption().innerText())
    expect(/ArrayBuffer backing stores\s*\d+(\.\d+)? (B|kB|MB)/.test(legendText)).toBe(
      reportsBacking,
    )
    expect(await page.getByRole('list', { name: 'Markers' }).innerText()).toMatch(
      /GC: garbage collected\s+Snapshot taken/,
    )

    // Collect garbage: a dashed line in the GC colour, labelled, and named in the caption.
    expect(await page.evaluate(PIXELS_OF('--chart-gc'))).toBe(0)
    await page.getByRole('button', { name: 'Collect garbage' }).click()
    await expect.poll(() => caption().innerText()).toMatch(/^Used .* of .*GC at \d+:\d\d/)
    await expect.poll(() => page.evaluate(PIXELS_OF('--chart-gc'))).toBeGreaterThan(40)
    expect(await nextTexts()).toContain('GC')

    // A snapshot: its marker in the snapshot colour. The snapshot opens; the chart goes with the
    // attach view, and comes back with the timeline kept.
    await page.getByRole('button', { name: 'Take snapshot' }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 })
    expect(await page.locator('.uplot').count()).toBe(0)
    await page.getByRole('button', { name: 'Attach…' }).first().click()
    await plot().waitFor()
    expect(await page.locator('.uplot').count()).toBe(1)
    expect(await page.locator('.u-legend').count()).toBe(1)
    await expect.poll(() => caption().innerText()).toMatch(/GC at \d+:\d\d, snapshot at \d+:\d\d/)
    await expect.poll(() => page.evaluate(PIXELS_OF('--chart-snapshot'))).toBeGreaterThan(40)
    expect(await page.evaluate(PIXELS_OF('--chart-gc'))).toBeGreaterThan(40)
    expect(await nextTexts()).toContain('snapshot')

    // The chart follows its box's width.
    const canvasWidth = (): Promise<number> =>
      page.locator('.heap-chart-plot canvas').evaluate((canvas) => canvas.clientWidth)
    const wide = await canvasWidth()
    await page.setViewportSize({ width: 1000, height: 900 })
    // 440 px less window: the sidebar gives up some of it, the chart the rest.
    await expect.poll(canvasWidth).toBeLessThan(wide - 200)
    await page.setViewportSize({ width: 1440, height: 900 })
    await expect.poll(canvasWidth).toBe(wide)

    // Light, then dark: the canvas redrawn in each theme's palette.
    await expect.poll(elapsed, { timeout: 30_000 }).toBeGreaterThanOrEqual(20)
    await page.mouse.move(0, 0)
    await ui.screenshot('heap-chart-light')
    await page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(() => plot().getAttribute('data-color-scheme')).toBe('dark')
    await expect
      .poll(() =>
        page.evaluate(
          `getComputedStyle(document.querySelector('.heap-chart')).getPropertyValue('--chart-gc').trim()`,
        ),
      )
      .toBe('#f85149')
    await expect.poll(() => page.evaluate(PIXELS_OF('--chart-gc'))).toBeGreaterThan(40)
    await expect.poll(() => page.evaluate(PIXELS_OF('--chart-snapshot'))).toBeGreaterThan(40)
    await ui.screenshot('heap-chart-dark')

    const { violations, shifts } = await recorded()
    // uPlot sets styles through the CSSOM only, which style-src 'self' allows: nothing refused.
    expect(violations).toEqual(atLoad)
    expect(shifts).toEqual([])
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it('adds the ArrayBuffer backing stores as a series for a target that reports them (Chromium)', async () => {
    // A page holding 8 MB of ArrayBuffers: Chromium reports backing stores, Node 20 does not.
    const browser = await startChromium(
      'data:text/html,<title>ready</title><script>globalThis.buffers = [new ArrayBuffer(8e6)]</script>',
      { readyTitle: 'ready' },
    )
    try {
      await page.getByRole('button', { name: 'Detach', exact: true }).click()
      await page.getByLabel('Port').fill(String(browser.port))
      await page.getByRole('button', { name: 'List targets' }).click()
      await page
        .getByRole('table', { name: 'Targets' })
        .getByRole('row')
        .filter({ hasText: 'ready' })
        .getByRole('button', { name: 'Attach' })
        .click()
      await expect
        .poll(() => caption().innerText(), { timeout: 30_000 })
        .toMatch(/^Used .* of .* · backing stores \d+(\.\d+)? MB/)
      await expect
        .poll(() => legend().innerText())
        .toMatch(/ArrayBuffer backing stores\s*\d+(\.\d+)? MB/)
      await expect.poll(() => page.evaluate(PIXELS_OF('--chart-backing'))).toBeGreaterThan(40)
      // The extra series takes no room of its own: what is under the chart stays where it was.
      const y = (await page.getByRole('button', { name: 'Collect garbage' }).boundingBox())?.y
      expect(y).toBeDefined()
      expect(y).toBe(buttonsY)
      await page.mouse.move(0, 0)
      await ui.screenshot('heap-chart-chromium-backing')
      await page.getByRole('button', { name: 'Detach', exact: true }).click()
    } finally {
      await browser.kill()
    }
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 120_000)
})
