import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { fixture, snapshotOfScript, snapshotSequence } from '../helpers/fixtures'
import { startWebUi, type WebUi } from '../helpers/web-ui'

const HELD_TWICE_PROGRAM = `
(() => {
  const shared = new Array(1000).fill(7)
  globalThis.cutCache = new Map([['shared', shared]])
  globalThis.cutKeeper = { map: shared }
})()
setImmediate(() => { globalThis.gc(); require('node:v8').writeHeapSnapshot(process.argv[1]) })
`
const ARRAY_ITEMS_PROGRAM = `
class LeakedItem { constructor(i) { this.itemPayload = new Array(1000).fill(i) } }
(() => {
  const items = []
  for (let i = 0; i < 6; i++) items.push(new LeakedItem(i))
  globalThis.leakCache = new Map([['items', items]])
})()
setImmediate(() => { globalThis.gc(); require('node:v8').writeHeapSnapshot(process.argv[1]) })
`
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
describe('probe', () => {
  let ui: WebUi
  beforeAll(async () => { ui = await startWebUi() }, 120_000)
  afterAll(async () => { await ui?.close() })
  const dump = async (title: string) => {
    const page = ui.page
    const list = page.getByRole('list', { name: 'Objects in the graph' })
    await list.getByRole('listitem').first().waitFor()
    await page.waitForTimeout(1500)
    console.log(`==== ${title} ITEMS\n` + (await list.getByRole('listitem').allInnerTexts()).join('\n---\n'))
    console.log(`==== ${title} BUTTONS\n` + (await list.getByRole('button').evaluateAll((bs) => bs.map((b) => (b as any).getAttribute('aria-label') ?? (b as any).textContent))).join('\n'))
    console.log(`==== ${title} SECTION\n` + (await page.locator('section.object').innerText()))
  }
  it('probe', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'probe-'))
    const page = ui.page
    await page.goto(ui.server.url)
    await ui.open(await fixture('map-cache'))
    await ui.whyAliveOfArray()
    await dump('map-cache')
    await page.getByRole('button', { name: 'Show the cut' }).click()
    await page.waitForTimeout(3000)
    console.log('==== AFTER CUT\n' + (await page.getByRole('region', { name: 'What the cut frees' }).innerText().catch((e) => String(e))))
    console.log('==== AFTER CUT HTML\n' + (await page.getByRole('region', { name: 'What the cut frees' }).innerHTML().catch((e) => String(e))))
    for (const [name, prog, row] of [['held', HELD_TWICE_PROGRAM, '1,000'], ['items', ARRAY_ITEMS_PROGRAM, '1,000'], ['outer', OUTER_SCOPE_PROGRAM, '5,000']] as const) {
      const file = join(scratch, name + '.heapsnapshot')
      await snapshotOfScript(prog, file)
      await page.goto(ui.server.url)
      await ui.open(file)
      await ui.whyAliveOfArray(row)
      await dump(name)
    }
    const files = await snapshotSequence()
    await page.goto(ui.server.url)
    for (const file of files) {
      await page.getByRole('button', { name: 'Open…' }).click()
      await ui.open(file)
    }
    await page.getByRole('button', { name: 'Leaks' }).click()
    await page.getByRole('button', { name: 'Find leaks' }).click()
    const suspects = page.getByRole('list', { name: 'Leak suspects' })
    await suspects.getByRole('listitem').first().waitFor({ timeout: 60_000 })
    await suspects.getByRole('button', { name: 'Show graph' }).first().click()
    const list = page.getByRole('list', { name: 'Objects in the graph' })
    await list.getByRole('listitem').first().waitFor()
    await page.waitForTimeout(1500)
    console.log(`==== seq ITEMS\n` + (await list.getByRole('listitem').allInnerTexts()).join('\n---\n'))
  }, 300_000)
})
