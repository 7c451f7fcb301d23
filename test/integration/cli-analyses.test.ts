// `heapgraph strings`, `detached` and `closures` run as child processes (bin/heapgraph.mjs) on
// real fixtures: the JSON (the snapshot's facts and the engine's report), the text with labels
// as `why` prints them, a Node heap's plain "no DOM" answer, and one-line errors (exit 2 for
// usage, 1 for a bad file).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectOneLineError, runCli, runJson } from '../helpers/cli'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import { fixture } from '../helpers/fixtures'
import type {
  ClosureLeakReport,
  DetachedDomReport,
  DuplicateStringsReport,
  SnapshotFacts,
} from '../../shared/protocol/dto'

type WithFacts<T> = T & { snapshot: SnapshotFacts }

let strings = ''
let explain = ''
let dir = ''

beforeAll(async () => {
  strings = await fixture('duplicate-strings')
  explain = await fixture('explain')
  dir = await mkdtemp(join(tmpdir(), 'heapgraph-cli-analyses-'))
}, 300_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('heapgraph strings', () => {
  it('prints the report as JSON, largest waste first', async () => {
    const json = await runJson<WithFacts<DuplicateStringsReport>>(['strings', strings, '--json'])
    expect(json.snapshot.file).toBe(strings)
    expect(json.start).toBe(0)
    expect(json.items.length).toBeLessThanOrEqual(20)
    const status = json.items.find((item) => item.text === 'leak-status-pending-review')
    expect(status?.count).toBe(2000)
    expect(status?.holders[0]).toMatchObject({ count: 2000, object: { className: 'LeakRecord' } })
    const wastes = json.items.map((item) => item.wastedSize)
    expect(wastes).toEqual([...wastes].sort((a, b) => b - a))
  })

  it('prints each text with its copies, waste and holders', async () => {
    const result = await runCli(['strings', strings, '--top', '2'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Duplicated strings: [\d,]+ texts held more than once/m)
    expect(result.stdout).toMatch(/^ 2\. "leak-status-pending-review": 2,000 copies, /m)
    expect(result.stdout).toMatch(/^ {4}2,000× held by LeakRecord @\d+ \.status$/m)
    expect(result.stdout).toMatch(/more texts? not shown; see --top/)
  })
})

describe('heapgraph closures', () => {
  it('names the scope, the captured value and the closures that share it', async () => {
    const result = await runCli(['closures', explain])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('no scope information')
    expect(result.stdout).toMatch(
      /^ 1\. report = Array\(~?60000\) @\d+, [\d.]+ kB retained, in scope of makeHandlers \(.*handlers\.js\) @\d+$/m,
    )
    expect(result.stdout).toMatch(
      /^ {4}tinyHandler \(.*handlers\.js:\d+:\d+\) @\d+: use not known; held by global @\d+ \.tinyHandler$/m,
    )
  })

  it('prints the report as JSON and takes a smallest size', async () => {
    const json = await runJson<WithFacts<ClosureLeakReport>>(['closures', explain, '--json'])
    expect(json.hasScopeInfo).toBe(false)
    expect(json.items.map((leak) => leak.variable)).toContain('report')
    const none = await runJson<ClosureLeakReport>([
      'closures',
      explain,
      '--json',
      '--min-size',
      '10MB',
    ])
    expect(none).toMatchObject({ total: 0, items: [], minRetainedSize: 10_000_000 })
  })
})

describe('heapgraph detached', () => {
  it('says plainly that a Node heap has no DOM', async () => {
    const result = await runCli(['detached', explain])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('has no DOM')
    const json = await runJson<WithFacts<DetachedDomReport>>(['detached', explain, '--json'])
    expect(json).toMatchObject({ hasDom: false, total: 0, items: [] })
  })

  const chromiumMissing = chromiumUnavailableReason()
  if (chromiumMissing) console.warn(`cli-analyses: the Chrome page is SKIPPED: ${chromiumMissing}`)

  it.skipIf(chromiumMissing !== undefined)(
    'prints the detached tree of a Chrome page and what holds it',
    async () => {
      const page = await fixture('chrome-page')
      const result = await runCli(['detached', page])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^Detached DOM: 1 tree of \d+ detached nodes/m)
      expect(result.stdout).toMatch(/^ 1\. Detached <div> @\d+: \d+ nodes, /m)
      expect(result.stdout).toMatch(
        /held by LeakDetachedHolder @\d+ \.detachedRoot → Detached <div> @\d+/,
      )
      expect(result.stdout).toMatch(/held by Array\(2\) @\d+ \[1\] → Detached <span> @\d+/)
      const json = await runJson<WithFacts<DetachedDomReport>>(['detached', page, '--json'])
      expect(json.items[0].heldBy).toHaveLength(2)
    },
    300_000,
  )
})

describe('errors', () => {
  it('are one line: exit 2 for usage, 1 for a bad file', async () => {
    expect(expectOneLineError(await runCli(['strings']), 2)).toContain(
      'strings needs a snapshot file',
    )
    expect(expectOneLineError(await runCli(['closures', explain, '--top', '0']), 2)).toContain(
      '--top takes a positive whole number',
    )
    expect(
      expectOneLineError(await runCli(['closures', explain, '--min-size', 'big']), 2),
    ).toContain('--min-size takes a size')
    expect(
      expectOneLineError(await runCli(['detached', explain, '--min-size', '1kB']), 2),
    ).toContain('does not apply to detached')
    const missing = join(dir, 'missing.heapsnapshot')
    expect(expectOneLineError(await runCli(['detached', missing]), 1)).toContain(
      'missing.heapsnapshot',
    )
    const broken = join(dir, 'broken.heapsnapshot')
    await writeFile(broken, '{"snapshot": {')
    expect(expectOneLineError(await runCli(['strings', broken]), 1)).toContain(
      'broken.heapsnapshot',
    )
  })
})
