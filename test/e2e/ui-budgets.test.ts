// The UI's budgets, measured in real Chromium against web mode on the ~400 MB bench snapshot:
// while it loads, no task on the page's main thread takes over 100 ms (a long-task observer);
// selecting an object ("Why alive?") and drawing its retainer graph takes under 300 ms, from the
// click to the end of the graph's layout. The figures are printed and kept in
// test-results/ui-budgets.json.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { REPO_ROOT, sizedFixture } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`UI budgets: SKIPPED: ${missing}`)

const LONG_TASK_BUDGET_MS = 100
const SELECT_AND_DRAW_BUDGET_MS = 300

// Runs in the page before its own scripts: long tasks, measures, and the time of each click on
// a "Why alive?" button.
const OBSERVERS = `
  window.__budget = { longTasks: [], draws: [], selects: [] }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      window.__budget.longTasks.push({ start: entry.startTime, duration: entry.duration })
  }).observe({ type: 'longtask', buffered: true })
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (entry.name === 'graph-draw')
        window.__budget.draws.push({ start: entry.startTime, end: entry.startTime + entry.duration })
  }).observe({ type: 'measure', buffered: true })
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button') : null
    if (button && button.textContent === 'Why alive?') window.__budget.selects.push(performance.now())
  }, true)
`

interface Budget {
  longTasks: { start: number; duration: number }[]
  draws: { start: number; end: number }[]
  selects: number[]
}

describe.skipIf(missing !== undefined)('UI budgets on the ~400 MB bench snapshot', () => {
  let ui: WebUi
  let file: string

  beforeAll(async () => {
    file = await sizedFixture(400, { timeoutMs: 600_000 })
    ui = await startWebUi()
    await ui.page.addInitScript(OBSERVERS)
    await ui.page.goto(ui.server.url)
  }, 900_000)

  afterAll(async () => {
    await ui?.close()
  })

  const budget = (): Promise<Budget> => ui.page.evaluate('window.__budget') as Promise<Budget>

  it('keeps the page responsive while it loads, and draws a selected object’s graph in time', async () => {
    const { page } = ui
    await page.getByLabel(/Snapshot file/).fill(file)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 300_000 })
    const [start, end] = (await page.evaluate(
      `['heapgraph:open-start', 'heapgraph:opened'].map((name) => performance.getEntriesByName(name)[0].startTime)`,
    )) as [number, number]
    const duringLoad = (await budget()).longTasks.filter(
      (task) => task.start >= start && task.start <= end,
    )
    const longestDuringLoad = Math.max(0, ...duringLoad.map((task) => task.duration))

    await page.getByRole('tab', { name: 'Arrays' }).click()
    const rows = page
      .getByRole('row')
      .filter({ has: page.getByRole('button', { name: 'Why alive?' }) })
    await rows.first().waitFor({ timeout: 60_000 })
    const selections: { totalMs: number; drawMs: number; layoutMs: number; nodes: number }[] = []
    for (let index = 0; index < 3; index++) {
      const before = (await budget()).draws.length
      await rows.nth(index).getByRole('button', { name: 'Why alive?' }).click()
      await expect
        .poll(async () => (await budget()).draws.length, { timeout: 60_000 })
        .toBeGreaterThan(before)
      const { draws, selects } = await budget()
      const draw = draws[before]
      const clickedAt = selects[selects.length - 1]
      const nodes = await page
        .getByRole('list', { name: 'Objects in the graph' })
        .getByRole('listitem')
        .count()
      const layoutMs = Number(await page.locator('.graph-canvas').getAttribute('data-layout-ms'))
      selections.push({
        totalMs: draw.end - clickedAt,
        drawMs: draw.end - draw.start,
        layoutMs,
        nodes,
      })
      // Exact: a graph's Cut buttons may name an edge like `._tickCallback`.
      await page.getByRole('button', { name: 'Back', exact: true }).click()
    }
    await ui.screenshot('budget-400mb-graph', false)
    const report = {
      snapshot: file,
      loadMs: end - start,
      longTasksDuringLoad: duringLoad.length,
      longestTaskDuringLoadMs: longestDuringLoad,
      selections,
    }
    console.log(`UI budgets: ${JSON.stringify(report)}`)
    // The control: a 150 ms busy task on the page is seen, so an empty list means no long task.
    const seen = (await budget()).longTasks.length
    await page.evaluate(
      'setTimeout(() => { const until = performance.now() + 150; while (performance.now() < until); })',
    )
    await expect.poll(async () => (await budget()).longTasks.length).toBeGreaterThan(seen)
    await writeFile(
      join(REPO_ROOT, 'test-results/ui-budgets.json'),
      JSON.stringify(report, null, 2),
    )
    expect(longestDuringLoad).toBeLessThanOrEqual(LONG_TASK_BUDGET_MS)
    for (const selection of selections) {
      expect(selection.nodes).toBeLessThanOrEqual(200)
      expect(selection.totalMs).toBeLessThan(SELECT_AND_DRAW_BUDGET_MS)
    }
  }, 900_000)
})
