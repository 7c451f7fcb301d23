// The retainer graph in real Chromium (web mode): laid out in layers with the roots above the
// object, V8 internals folded into readable steps (a Map's table as its entries, a closure's
// contexts as what it captures), objects by their labels (`Map(≥100)`, `Array(~1000)`,
// `leakyInner ([eval]:6:31)`), an array's items as [index] edges on the array, cycle members
// marked, a timed draw, and an SVG export that parses and names every object. Screenshots go
// to test-results/screenshots.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture, snapshotOfScript } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const missing = chromiumUnavailableReason()
if (missing) console.warn(`graph UI e2e: SKIPPED: ${missing}`)

/**
 * A heap where leaked objects sit in an array inside a Map: global.leakCache -> Map 'items' ->
 * Array -> [i] -> LeakedItem -> .itemPayload (1000 items). Made here, not in the shared fixture
 * table, because only this test needs it.
 */
const ARRAY_ITEMS_PROGRAM = `
class LeakedItem { constructor(i) { this.itemPayload = new Array(1000).fill(i) } }
(() => {
  const items = []
  for (let i = 0; i < 6; i++) items.push(new LeakedItem(i))
  globalThis.leakCache = new Map([['items', items]])
})()
setImmediate(() => { globalThis.gc(); require('node:v8').writeHeapSnapshot(process.argv[1]) })
`

/**
 * A closure that keeps a 5000-item array of the scope around its own:
 * global.leakyInner -> its context -> previous -> the outer context -> outerBig.
 */
const OUTER_SCOPE_PROGRAM = `
function outer() {
  const outerBig = new Array(5000).fill(1)
  return function middle() {
    let counter = 0
    return function leakyInner() { counter++; return outerBig.length + counter }
  }
}
globalThis.leakyInner = outer()()
setImmediate(() => { globalThis.gc(); require('node:v8').writeHeapSnapshot(process.argv[1]) })
`

/** Writes the snapshot from inside work(), while its local 12,345-item array is on the stack. */
const ON_STACK_PROGRAM = `
function work() {
  const onStack = new Array(12345).fill(3)
  require('node:v8').writeHeapSnapshot(process.argv[1])
  return onStack.length
}
work()
`

/** Minimal DOM shapes for code that runs in the page (this project's node types have no DOM). */
interface PageDocument {
  getElementsByTagName(name: string): { length: number }
  documentElement: { nodeName: string }
  querySelectorAll(selector: string): Iterable<{ textContent: string | null }>
}

/** Runs in the page: parses SVG text with the browser's own XML parser. */
function parseSvgInPage(text: string): { error: boolean; root: string; text: (string | null)[] } {
  type Parser = new () => { parseFromString(source: string, type: string): PageDocument }
  const DomParser = (globalThis as unknown as { DOMParser: Parser }).DOMParser
  const doc = new DomParser().parseFromString(text, 'image/svg+xml')
  return {
    error: doc.getElementsByTagName('parsererror').length > 0,
    root: doc.documentElement.nodeName,
    text: [...doc.querySelectorAll('text')].map((node) => node.textContent),
  }
}

/** The canvas's background colour, as the browser computed it. */
function paperOf(canvas: Locator): Promise<string> {
  return canvas.evaluate((element) => {
    const style = (
      globalThis as unknown as { getComputedStyle(node: unknown): { backgroundColor: string } }
    ).getComputedStyle(element)
    return style.backgroundColor
  })
}

/**
 * Near-white pixels (all channels 250 or more, alpha 200 or more: an edge label's background is
 * drawn at 85% opacity) on cytoscape's canvas layers.
 */
function whitePixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((element) => {
    interface Layer {
      width: number
      height: number
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
      } | null
    }
    const layers = (
      element as { querySelectorAll(selector: string): Iterable<Layer> }
    ).querySelectorAll('canvas')
    let count = 0
    for (const layer of layers) {
      if (layer.width === 0 || layer.height === 0) continue
      const data = layer.getContext('2d')?.getImageData(0, 0, layer.width, layer.height).data
      if (!data) continue
      for (let at = 0; at < data.length; at += 4) {
        if (data[at + 3] >= 200 && data[at] >= 250 && data[at + 1] >= 250 && data[at + 2] >= 250)
          count++
      }
    }
    return count
  })
}

interface Drawn {
  /** Per node id: x, y and layer (0 at the top). */
  positions: Record<string, [number, number, number]>
  kinds: Record<string, string>
  drawMs: number
}

describe.skipIf(missing !== undefined)('retainer graph UI', () => {
  let ui: WebUi
  let page: Page
  let scratch: string

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'heapgraph-graph-ui-'))
    ui = await startWebUi()
    page = ui.page
  }, 120_000)

  afterAll(async () => {
    await ui?.close()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  const list = (): Locator => page.getByRole('list', { name: 'Objects in the graph' })
  const canvas = (): Locator => page.getByRole('img', { name: 'Retainer graph' })

  /** Opens a snapshot by path, goes to Arrays and asks "Why alive?" of a 1000-item array. */
  async function whyAliveOfArray(file: string): Promise<void> {
    await page.goto(ui.server.url)
    await ui.open(file)
    await ui.whyAliveOfArray()
  }

  /** Waits until the canvas has drawn what the list shows, and reads where each node went. */
  async function drawn(): Promise<Drawn> {
    await expect
      .poll(async () => {
        const count = await canvas().getAttribute('data-node-count')
        return Number(count) === (await list().getByRole('listitem').count())
      })
      .toBe(true)
    const positions = JSON.parse((await canvas().getAttribute('data-positions')) ?? '{}')
    const kinds = Object.fromEntries(
      await list()
        .getByRole('listitem')
        .evaluateAll((items) =>
          items.map((item) => [item.getAttribute('data-node-id'), item.getAttribute('data-kind')]),
        ),
    )
    const drawMs = Number(await canvas().getAttribute('data-draw-ms'))
    return { positions, kinds, drawMs }
  }

  function expectLayered({ positions, kinds }: Drawn): void {
    const layer = (id: string): number => positions[id][2]
    const ids = Object.keys(kinds)
    const roots = ids.filter((id) => kinds[id] === 'root')
    const target = ids.find((id) => kinds[id] === 'target') as string
    expect(roots.length).toBeGreaterThan(0)
    const top = Math.min(...roots.map(layer))
    for (const id of ids) {
      if (kinds[id] === 'root') expect(layer(id), id).toBe(top)
      expect(layer(id), id).toBeGreaterThanOrEqual(top)
      if (id !== target) expect(layer(id), id).toBeLessThan(layer(target))
    }
  }

  /** The target below every node, and the nodes drawn after `before` (if given) above those. */
  function expectBelow({ positions, kinds }: Drawn, before?: string[]): void {
    const layer = (id: string): number => positions[id][2]
    const target = Object.keys(kinds).find((id) => kinds[id] === 'target') as string
    for (const id of Object.keys(kinds)) {
      if (id !== target) expect(layer(id), id).toBeLessThan(layer(target))
    }
    if (!before) return
    const added = Object.keys(kinds).filter((id) => !before.includes(id))
    expect(added.length).toBeGreaterThan(0)
    const oldTop = Math.min(...before.map(layer))
    for (const id of added) expect(layer(id), id).toBeLessThan(oldTop + 1)
  }

  it('lays the graph out in layers, folds the Map table and exports a well-formed SVG', async () => {
    await whyAliveOfArray(await fixture('map-cache'))
    const first = await drawn()
    expectLayered(first)
    console.log(`graph draw: ${first.drawMs} ms for ${Object.keys(first.kinds).length} nodes`)
    expect(first.drawMs).toBeGreaterThan(0)
    expect(first.drawMs).toBeLessThan(1000)
    const measures = await page.evaluate(() => performance.getEntriesByName('graph-draw').length)
    expect(measures).toBeGreaterThan(0)

    // Folded: no internal (array) node; the leaked array is held by the Map as an entry.
    const texts = await list().getByRole('listitem').allInnerTexts()
    expect(texts.filter((text) => text.startsWith('(array)'))).toEqual([])
    const map = texts.find((text) => /^Map\(≥100\) @\d+/.test(text)) ?? ''
    expect(map).toMatch(/held by global @\d+ as \.leakCache/)
    expect(map).toMatch(/folds in \(array\) @\d+ \(its hash table\)/)
    const target = texts.find((text) => /^Array\(~1000\) @\d+/.test(text)) ?? ''
    expect(target).toMatch(/held by Map\(≥100\) @\d+ as entry "k\d+"/)
    await ui.screenshot('graph-1-map-cache', true)

    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export SVG' }).click()
    const svg = await readFile(await (await download).path(), 'utf8')
    const parsed = await page.evaluate(parseSvgInPage, svg)
    expect(parsed.error).toBe(false)
    expect(parsed.root).toBe('svg')
    const labels = await list().locator('.graph-node-label').allInnerTexts()
    for (const label of labels) expect(parsed.text).toContain(label)
    expect(parsed.text.filter((text) => /^entry "k\d+"$/.test(text ?? ''))).toHaveLength(1)

    // Expanding global draws its own retainers above it; the object stays at the bottom.
    await page.getByRole('button', { name: /^Expand retainers of global/ }).click()
    await expect.poll(() => list().getByRole('listitem').count()).toBeGreaterThan(labels.length)
    const expanded = await drawn()
    await ui.screenshot('graph-2-expanded', true)
    expectBelow(expanded, Object.keys(first.kinds))
    // Showing V8 internals brings the Map's table back, between the Map and the array.
    await page.getByLabel('Show V8 internals').check()
    await expect
      .poll(async () => (await list().getByRole('listitem').allInnerTexts()).join('\n'))
      .toMatch(/held by Map\(≥100\) @\d+ as \{table\}/)
    const internals = await drawn()
    expectBelow(internals)
    await ui.screenshot('graph-2-internals', true)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it("reads an array's items as [index] edges on the array, with V8 internals shown or not", async () => {
    const file = join(scratch, 'array-items.heapsnapshot')
    await snapshotOfScript(ARRAY_ITEMS_PROGRAM, file)
    await whyAliveOfArray(file)
    const layered = await drawn()
    await ui.screenshot('graph-3-array-items', true)
    expectLayered(layered)
    const texts = await list().getByRole('listitem').allInnerTexts()
    const item = texts.find((text) => text.startsWith('LeakedItem')) ?? ''
    // The six-item array is labelled by its store's capacity (17 slots after six pushes), an
    // estimate: the snapshot cannot tell empty slots from small integers.
    expect(item).toMatch(/held by Array\(~17\) @\d+ as \[\d\]/)
    expect(texts.filter((text) => text.startsWith('(array)'))).toEqual([])
    const itemsArray = texts.find((text) => /^Array\(~17\) @\d+/.test(text)) ?? ''
    expect(itemsArray).toMatch(/held by Map\(≥1\) @\d+ as entry "items"/)
    const payload = texts.find((text) => /^Array\(~1000\) @\d+/.test(text)) ?? ''
    expect(payload).toMatch(/held by LeakedItem @\d+ as \.itemPayload/)

    // The same graph with its internals: the Map's table hangs between the Map and the items
    // array. The route takes the array's own element edge [0] (V8 draws it besides the store's
    // {0}), so no elements store is drawn, folded or not.
    await page.getByLabel('Show V8 internals').check()
    await expect
      .poll(async () => (await list().getByRole('listitem').allInnerTexts()).join('\n'))
      .toMatch(/held by Map\(≥1\) @\d+ as \{table\}/)
    const unfolded = (await list().getByRole('listitem').allInnerTexts()).join('\n')
    expect(unfolded).toMatch(
      /^Array\(~17\) @\d+[^\n]*\nheld by \(array\) @\d+ as \{\d+\} \(entry "items"\)/m,
    )
    expect(unfolded).toMatch(/^LeakedItem @\d+[^\n]*\nheld by Array\(~17\) @\d+ as \[0\]/m)
    expect(unfolded).not.toMatch(/\{elements\}/)
    await page.getByLabel('Show V8 internals').uncheck()
    await expect
      .poll(async () => (await list().getByRole('listitem').allInnerTexts()).join('\n'))
      .not.toMatch(/\{table\}/)
    expect((await list().getByRole('listitem').allInnerTexts()).join('\n')).toMatch(
      /held by Map\(≥1\) @\d+ as entry "items"/,
    )
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it('reads a variable of an outer scope as captured by the closure', async () => {
    const file = join(scratch, 'outer-scope.heapsnapshot')
    await snapshotOfScript(OUTER_SCOPE_PROGRAM, file)
    await page.goto(ui.server.url)
    await ui.open(file)
    await ui.whyAliveOfArray('5,000')
    await drawn()
    const texts = await list().getByRole('listitem').allInnerTexts()
    // The closure by its name and where it is defined; its two scopes folded into the edge.
    const target = texts.find((text) => /^Array\(~5000\) @\d+/.test(text)) ?? ''
    expect(target).toMatch(/held by leakyInner \(\[eval\]:6:31\) @\d+ as captures outerBig/)
    const closure = texts.find((text) => /^leakyInner \(\[eval\]:6:31\) @\d+/.test(text)) ?? ''
    expect(closure).toMatch(/held by global @\d+ as \.leakyInner/)
    expect(closure).toMatch(
      /folds in scope of middle \(\[eval\]\) @\d+ \(its context\), scope of outer \(\[eval\]:2:15\) @\d+ \(an outer scope's context\)/,
    )
    expect(texts.filter((text) => /^(system \/ Context|scope of)/.test(text))).toEqual([])
    // The verdict and the fix read the capture as code; "Show the cut" frees the array.
    expect(await page.getByLabel('Verdict').innerText()).toMatch(
      /^Array\(~5000\) \([\d.]+ kB\) is alive because function leakyInner \(\[eval\]:6\) \(held as global\.leakyInner\) captures outerBig\.$/,
    )
    // The names in the verdict are set as code.
    expect(await page.getByLabel('Verdict').locator('code').allInnerTexts()).toEqual([
      'leakyInner',
      'global.leakyInner',
      'outerBig',
    ])
    const fix = page.getByLabel('What would free it')
    expect(await fix.locator('code').first().innerText()).toBe('outerBig = null')
    expect(await fix.locator('.fix-note').innerText()).toBe(
      'in outer ([eval]:2:15) once leakyInner no longer needs it',
    )
    await fix.getByRole('button', { name: 'Show the cut' }).click()
    const cut = page.getByRole('region', { name: 'What the cut frees' })
    await cut.locator('.cut-summary').waitFor({ timeout: 30_000 })
    expect(await cut.locator('.cut-summary').innerText()).toMatch(
      /^Cutting leakyInner \(\[eval\]:6:31\) @\d+ → captures outerBig would free [\d.]+ kB \(\d+ objects\)\.$/,
    )
    expect(await cut.locator('.cut-verdict.freed').innerText()).toMatch(
      /^Array\(~5000\) @\d+ would be freed\.$/,
    )
    await ui.screenshot('graph-6-outer-scope', true)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it('names the stack root and notes that running code held the object', async () => {
    const file = join(scratch, 'on-stack.heapsnapshot')
    await snapshotOfScript(ON_STACK_PROGRAM, file)
    await page.goto(ui.server.url)
    await ui.open(file)
    await ui.whyAliveOfArray('12,345')
    await drawn()
    await page.getByRole('tab', { name: /^Paths as text/ }).click()
    const path = page.locator('figure.path').first()
    await expect.poll(() => path.innerText()).toContain('Held from (Stack roots)')
    expect(await path.innerText()).toMatch(/\(Stack roots\) @\d+/)
    const texts = await list().getByRole('listitem').allInnerTexts()
    expect(texts.some((text) => text.startsWith('(Stack roots) @'))).toBe(true)
    // The object panel names the root the same way.
    expect(await page.locator('.facts').innerText()).toMatch(/Dominator\s+\(Stack roots\) @\d+/)
    await ui.screenshot('graph-7-stack-root', true)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it('follows the OS theme: a dark page gets the dark palette, live', async () => {
    try {
      await page.emulateMedia({ colorScheme: 'dark' })
      await whyAliveOfArray(await fixture('map-cache'))
      await drawn()
      await expect.poll(() => canvas().getAttribute('data-color-scheme')).toBe('dark')
      await expect.poll(() => paperOf(canvas())).toBe('rgb(13, 17, 23)')
      // Edge labels sit on the page's colour: no white pixel is drawn on a dark page.
      await expect.poll(() => whitePixels(canvas())).toBe(0)
      await ui.screenshot('graph-5-dark', true)
      // The OS switching back to light swaps the stylesheet without a reload.
      await page.emulateMedia({ colorScheme: 'light' })
      await expect.poll(() => canvas().getAttribute('data-color-scheme')).toBe('light')
      await expect.poll(() => paperOf(canvas())).toBe('rgb(255, 255, 255)')
      await expect.poll(() => whitePixels(canvas())).toBeGreaterThan(0)
    } finally {
      await page.emulateMedia({ colorScheme: null })
    }
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)

  it('marks the members of a cycle drawn in the graph', async () => {
    await whyAliveOfArray(await fixture('class-cycle'))
    await drawn()
    // Whichever payload was picked, expanding its LeakCycleNode draws another member.
    await page
      .getByRole('button', { name: /^Expand retainers of LeakCycleNode/ })
      .first()
      .click()
    const marked = list().getByRole('listitem').filter({ hasText: 'in a cycle' })
    await expect.poll(() => marked.count()).toBeGreaterThanOrEqual(2)
    for (const text of await marked.allInnerTexts()) expect(text).toMatch(/^LeakCycleNode @\d+/)
    const unmarked = await list()
      .getByRole('listitem')
      .filter({ hasNotText: 'in a cycle' })
      .allInnerTexts()
    expect(unmarked.some((text) => text.startsWith('global'))).toBe(true)
    const cycle = await drawn()
    await ui.screenshot('graph-4-cycle', true)
    expectLayered(cycle)
    expect(ui.consoleErrors, ui.consoleErrors.join('\n')).toEqual([])
  }, 180_000)
})
