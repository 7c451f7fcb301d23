// The allocation-profile model on hand-built trees: totals, sites by function, line and file against
// a brute-force oracle over every root→node stack (a recurring site counts once per stack), the
// comparison, call-tree pages, the flame chart, deep trees, and every class of bad input.
import { siteLabel } from '../../shared/view/allocation-labels'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeapSnapshotError, type HeapSnapshotErrorCode } from '../../shared/heap/errors'
import {
  allocationComparison,
  allocationReport,
  compareAllocationSites,
  compareSites,
  flameChartLayout,
  getAllocationChangePage,
  getAllocationSitePage,
  getAllocationSites,
  getCallTreeChildren,
  getCallTreeNode,
  getCallTreeRoot,
  parseAllocationProfile,
  profileScriptRoot,
  type AllocationProfile,
} from '../../shared/heap/profile'
import { findJsonProblem } from '../../shared/heap/profile/json-errors'
import { loadProfileFile } from '../../electron/backend/load-profile'
import { ProfileBuilder, type FrameSpec } from '../helpers/profile-builder'
import { SnapshotBuilder } from '../helpers/snapshot-builder'
import type { AllocationGrouping, AllocationSite } from '../../shared/protocol/dto'

const APP = '/srv/app/src/app.js'
const LIB = '/srv/app/lib/util.js'

function parse(builder: ProfileBuilder, options?: { samples?: boolean }): AllocationProfile {
  return parseAllocationProfile(builder.toText(options))
}

/** The error `input` parses to, or a failed test. */
function parseError(input: string | Uint8Array, maxBytes?: number): HeapSnapshotError {
  try {
    parseAllocationProfile(input, maxBytes === undefined ? {} : { maxBytes })
  } catch (error) {
    if (error instanceof HeapSnapshotError) return error
    throw new Error(`expected a HeapSnapshotError, got ${String(error)}`, { cause: error })
  }
  throw new Error('expected a HeapSnapshotError, but the input parsed')
}

function expectError(
  input: string | Uint8Array,
  code: HeapSnapshotErrorCode,
  message: RegExp,
  offset: number | null = null,
): HeapSnapshotError {
  const error = parseError(input)
  expect(error.code, error.message).toBe(code)
  expect(error.message).toMatch(message)
  expect(error.message).not.toContain('\n')
  expect(error.offset).toBe(offset)
  return error
}

/**
 * main (app.js:1) → load (app.js:10) → parseRow (lib:3) [self 100, 2 samples]
 *                                    → makeRows (app.js:20, col 5) [self 300, 3 samples]
 *                 → makeRows (same frame) [self 50, 1 sample]
 *                 → (arrow on line 20, col 30) [self 40, 1 sample]
 *   (root) also calls the GC's "(V8 API)" frame [self 10, 1 sample]
 */
function smallTree(): { builder: ProfileBuilder; ids: Record<string, number> } {
  const b = new ProfileBuilder()
  const main = b.call(b.root, { functionName: 'main', url: APP, line: 0, column: 0 })
  const load = b.call(main, { functionName: 'load', url: APP, line: 9, column: 13 })
  const parseRow = b.call(
    load,
    { functionName: 'parseRow', url: LIB, line: 2, column: 17 },
    { samples: [60, 40] },
  )
  const makeRowsFrame = { functionName: 'makeRows', url: APP, line: 19, column: 4 }
  const deepMake = b.call(load, makeRowsFrame, { samples: [100, 100, 100] })
  const makeRows = b.call(main, makeRowsFrame, { samples: [50] })
  const arrow = b.call(
    main,
    { functionName: '', url: APP, line: 19, column: 29 },
    { samples: [40] },
  )
  const api = b.call(b.root, { functionName: '(V8 API)' }, { samples: [10] })
  return { builder: b, ids: { main, load, parseRow, deepMake, makeRows, arrow, api } }
}

describe('parseAllocationProfile', () => {
  it('lays the tree out in preorder with parents, depths and subtree ranges', () => {
    const { builder, ids } = smallTree()
    const profile = parse(builder)
    expect(profile.nodeCount).toBe(8)
    expect(Array.from(profile.nodeId)).toEqual([1, ids.main, ids.load, 4, 5, 6, 7, 8])
    expect(Array.from(profile.parent)).toEqual([-1, 0, 1, 2, 2, 1, 1, 0])
    expect(Array.from(profile.depth)).toEqual([0, 1, 2, 3, 3, 2, 2, 1])
    expect(Array.from(profile.subtreeEnd)).toEqual([8, 7, 5, 4, 5, 6, 7, 8])
    expect(profile.nodeById.get(ids.parseRow)).toBe(3)
  })

  it('sums each node with its descendants', () => {
    const profile = parse(smallTree().builder)
    // (root) 500, main 490, load 400, parseRow 100, makeRows 300, makeRows 50, arrow 40, API 10.
    expect(Array.from(profile.totalSize)).toEqual([500, 490, 400, 100, 300, 50, 40, 10])
    expect(Array.from(profile.selfSize)).toEqual([0, 0, 0, 100, 300, 50, 40, 10])
    expect(Array.from(profile.sampleCount)).toEqual([0, 0, 0, 2, 3, 1, 1, 1])
    expect(getCallTreeRoot(profile).totalSize).toBe(500)
    expect(profile.hasSamples).toBe(true)
    expect(profile.samples.node.length).toBe(8)
  })

  it('makes lines and columns 1-based, and -1 or missing ones null', () => {
    const text = JSON.stringify({
      head: {
        callFrame: { functionName: '(root)', scriptId: 0, url: '' },
        selfSize: 0,
        id: 1,
        children: [
          {
            callFrame: {
              functionName: 'f',
              scriptId: '3',
              url: APP,
              lineNumber: 0,
              columnNumber: -1,
            },
            selfSize: 8,
            id: 2,
          },
        ],
      },
      samples: [],
    })
    const profile = parseAllocationProfile(text)
    expect(profile.frames[profile.frame[0]]).toEqual({
      functionName: '(root)',
      url: '',
      scriptId: '0',
      line: null,
      column: null,
    })
    expect(profile.frames[profile.frame[1]]).toMatchObject({ line: 1, column: null })
    // A leaf without "children" is a leaf.
    expect(getCallTreeNode(profile, 2).childCount).toBe(0)
  })

  it('takes sizes from selfSize and counts 0 when the file has no samples', () => {
    const profile = parse(smallTree().builder, { samples: false })
    expect(profile.hasSamples).toBe(false)
    expect(profile.totalSize[0]).toBe(500)
    const report = allocationReport(profile, 'old.heapprofile')
    expect(report.sampleCount).toBe(0)
    expect(report.sites.every((site) => site.count === 0)).toBe(true)
    expect(report.sites[0]).toMatchObject({ functionName: 'makeRows', selfSize: 350 })
  })

  it('leaves samples of nodes the tree lacks out of every count, and says how many', () => {
    // V8 allocates while it builds the profile it returns: real files name such nodes.
    const raw = smallTree().builder.toObject()
    raw.samples?.push({ size: 4096, nodeId: 999, ordinal: 99 })
    const profile = parseAllocationProfile(JSON.stringify(raw))
    expect(profile.unattributedSampleCount).toBe(1)
    expect(profile.unattributedSize).toBe(4096)
    const report = allocationReport(profile, 'f')
    expect(report.sampleCount).toBe(8)
    expect(report.totalSize).toBe(500)
  })

  it("reads HeapProfiler.stopSampling's reply saved as it came ({profile: …})", () => {
    const raw = smallTree().builder.toObject()
    const profile = parseAllocationProfile(JSON.stringify({ profile: raw }))
    expect(profile.totalSize[0]).toBe(500)
  })

  it('reads bytes as UTF-8, with or without a byte-order mark', () => {
    const b = new ProfileBuilder()
    b.call(b.root, { functionName: 'größe', url: '/srv/app/é.js', line: 1 }, { samples: [8] })
    const bytes = new TextEncoder().encode(b.toText())
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes])
    for (const input of [bytes, withBom, '\uFEFF' + b.toText()]) {
      const profile = parseAllocationProfile(input)
      expect(getAllocationSites(profile)[0].functionName).toBe('größe')
    }
  })

  it('walks a tree 20,000 calls deep without recursion', () => {
    const b = new ProfileBuilder()
    const frames: FrameSpec[] = Array.from({ length: 20_000 }, (_, depth) => ({
      functionName: depth % 2 === 0 ? 'even' : 'odd',
      url: APP,
      line: depth % 2,
    }))
    b.chain(b.root, frames, { samples: [64] })
    const profile = parseAllocationProfile(b.toText())
    expect(profile.nodeCount).toBe(20_001)
    expect(profile.depth[20_000]).toBe(20_000)
    const sites = getAllocationSites(profile, 'function')
    // Both functions recur 10,000 times on the one stack: the 64 bytes count once for each.
    expect(sites.map((site) => [site.functionName, site.selfSize, site.totalSize])).toEqual([
      ['odd', 64, 64],
      ['even', 0, 64],
    ])
    const chart = flameChartLayout(profile)
    expect(chart.maxDepth).toBe(20_000)
    expect(chart.width[20_000]).toBe(64)
  })
})

/** A site's identity under a grouping, from a frame spec (0-based lines, as the file has). */
function oracleKey(frame: FrameSpec, by: AllocationGrouping): string {
  const line = frame.line === undefined || frame.line < 0 ? null : frame.line + 1
  const column = frame.column === undefined || frame.column < 0 ? null : frame.column + 1
  const url = frame.url ?? ''
  if (by === 'file') return url
  if (by === 'line') return `${url}|${line}`
  return `${frame.functionName}|${url}|${line}|${column}`
}

function siteKeyOf(site: AllocationSite, by: AllocationGrouping): string {
  if (by === 'file') return site.url
  if (by === 'line') return `${site.url}|${site.line}`
  return `${site.functionName}|${site.url}|${site.line}|${site.column}`
}

/**
 * The sites by brute force: every node's stack from the head is enumerated, and its self bytes
 * go to the total of every site on that stack, once per site however often the site recurs.
 */
function oracleSites(
  builder: ProfileBuilder,
  by: AllocationGrouping,
): Map<string, { selfSize: number; count: number; totalSize: number }> {
  const parents = builder.parents()
  const facts = builder.facts()
  const sites = new Map<string, { selfSize: number; count: number; totalSize: number }>()
  const site = (key: string) => {
    let entry = sites.get(key)
    if (!entry) sites.set(key, (entry = { selfSize: 0, count: 0, totalSize: 0 }))
    return entry
  }
  for (const [id, fact] of facts) {
    if (id === builder.root) continue
    const own = site(oracleKey(fact.frame, by))
    own.selfSize += fact.selfSize
    own.count += fact.count
    const onStack = new Set<string>()
    for (let at: number | null = id; at !== null && at !== builder.root; at = parents.get(at)!) {
      onStack.add(oracleKey(facts.get(at)!.frame, by))
    }
    for (const key of onStack) site(key).totalSize += fact.selfSize
  }
  return sites
}

function expectSitesMatchOracle(builder: ProfileBuilder, profile: AllocationProfile): void {
  for (const by of ['function', 'line', 'file'] as const) {
    const sites = getAllocationSites(profile, by)
    const expected = oracleSites(builder, by)
    const actual = new Map(
      sites.map((site) => [
        siteKeyOf(site, by),
        { selfSize: site.selfSize, count: site.count, totalSize: site.totalSize },
      ]),
    )
    expect(actual, by).toEqual(expected)
    for (let position = 1; position < sites.length; position++) {
      expect(compareSites(sites[position - 1], sites[position])).toBeLessThan(0)
    }
  }
}

describe('allocation sites (bottom-up)', () => {
  it('merges the calls of one function, largest self size first', () => {
    const profile = parse(smallTree().builder)
    const sites = getAllocationSites(profile, 'function')
    expect(
      sites.map((site) => [site.functionName, site.selfSize, site.count, site.totalSize]),
    ).toEqual([
      ['makeRows', 350, 4, 350],
      ['parseRow', 100, 2, 100],
      ['', 40, 1, 40],
      ['(V8 API)', 10, 1, 10],
      ['main', 0, 0, 490],
      ['load', 0, 0, 400],
    ])
    expect(sites[0]).toEqual({
      functionName: 'makeRows',
      url: APP,
      line: 20,
      column: 5,
      selfSize: 350,
      count: 4,
      totalSize: 350,
    })
  })

  it('merges the functions of one line, named by the largest', () => {
    const sites = getAllocationSites(parse(smallTree().builder), 'line')
    // makeRows (350) and the arrow (40) share app.js:20.
    expect(sites[0]).toEqual({
      functionName: 'makeRows',
      url: APP,
      line: 20,
      column: null,
      selfSize: 390,
      count: 5,
      totalSize: 390,
    })
    // V8's own code has no line: not named after a function.
    expect(sites.find((site) => site.url === '')).toMatchObject({ functionName: '', line: null })
  })

  it('merges the lines of one file, with no name, line or column', () => {
    const sites = getAllocationSites(parse(smallTree().builder), 'file')
    expect(sites).toEqual([
      {
        functionName: '',
        url: APP,
        line: null,
        column: null,
        selfSize: 390,
        count: 5,
        totalSize: 490,
      },
      {
        functionName: '',
        url: LIB,
        line: null,
        column: null,
        selfSize: 100,
        count: 2,
        totalSize: 100,
      },
      {
        functionName: '',
        url: '',
        line: null,
        column: null,
        selfSize: 10,
        count: 1,
        totalSize: 10,
      },
    ])
  })

  it('counts the bytes below a recursive site once per stack', () => {
    // walk → visit → walk → visit → alloc: walk and visit each appear twice on one stack.
    const b = new ProfileBuilder()
    const walk = { functionName: 'walk', url: APP, line: 1, column: 1 }
    const visit = { functionName: 'visit', url: APP, line: 5, column: 1 }
    const alloc = { functionName: 'alloc', url: LIB, line: 1, column: 1 }
    const outer = b.call(b.root, walk, { samples: [5] })
    const inner = b.chain(outer, [visit, walk], { samples: [7] })
    b.chain(inner, [visit, alloc], { samples: [100] })
    const profile = parse(b)
    const byName = new Map(getAllocationSites(profile).map((site) => [site.functionName, site]))
    expect(byName.get('walk')).toMatchObject({ selfSize: 12, count: 2, totalSize: 112 })
    expect(byName.get('visit')).toMatchObject({ selfSize: 0, count: 0, totalSize: 107 })
    expect(byName.get('alloc')).toMatchObject({ selfSize: 100, totalSize: 100 })
    // By file, app.js covers everything but is counted once, though it is all over the stack.
    expect(getAllocationSites(profile, 'file')[1]).toMatchObject({ url: APP, totalSize: 112 })
    expectSitesMatchOracle(b, profile)
  })

  it('agrees with the brute-force oracle on the hand-built tree', () => {
    const { builder } = smallTree()
    expectSitesMatchOracle(builder, parse(builder))
  })

  it('agrees with the brute-force oracle on random trees of recurring frames', () => {
    const pool: FrameSpec[] = [
      { functionName: 'a', url: APP, line: 0, column: 0 },
      { functionName: 'b', url: APP, line: 0, column: 20 },
      { functionName: 'c', url: APP, line: 4, column: 2 },
      { functionName: 'a', url: LIB, line: 0, column: 0 },
      { functionName: 'push' },
    ]
    const node = fc.record({
      parent: fc.nat(),
      frame: fc.nat({ max: pool.length - 1 }),
      samples: fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 3 }),
    })
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 40 }), (nodes) => {
        const b = new ProfileBuilder()
        const ids = [b.root]
        for (const spec of nodes) {
          const parent = ids[spec.parent % ids.length]
          ids.push(b.call(parent, pool[spec.frame], { samples: spec.samples }))
        }
        const profile = parse(b)
        expectSitesMatchOracle(b, profile)
        // Every sampled byte is some site's self.
        const self = getAllocationSites(profile).reduce((sum, site) => sum + site.selfSize, 0)
        expect(self).toBe(profile.totalSize[0])
      }),
      { numRuns: 200 },
    )
  })

  it('breaks ties of self size by total size, then by name', () => {
    const b = new ProfileBuilder()
    const caller = b.call(b.root, { functionName: 'zed', url: APP, line: 1 }, { samples: [8] })
    b.call(caller, { functionName: 'leaf', url: APP, line: 2 }, { samples: [1] })
    b.call(b.root, { functionName: 'beta', url: APP, line: 3 }, { samples: [8] })
    b.call(b.root, { functionName: 'alpha', url: APP, line: 4 }, { samples: [8] })
    const names = getAllocationSites(parse(b)).map((site) => site.functionName)
    expect(names).toEqual(['zed', 'alpha', 'beta', 'leaf'])
  })

  it('pages the sites, and reports the top N with the whole totals', () => {
    const profile = parse(smallTree().builder)
    const page = getAllocationSitePage(profile, 'function', 1, 2)
    expect(page.start).toBe(1)
    expect(page.total).toBe(6)
    expect(page.items.map((site) => site.functionName)).toEqual(['parseRow', ''])
    expect(getAllocationSitePage(profile, 'function', 5, 10).items).toHaveLength(1)
    expect(getAllocationSitePage(profile, 'function', 50, 10)).toEqual({
      start: 6,
      total: 6,
      items: [],
    })
    const report = allocationReport(profile, 'x.heapprofile', 'function', 2)
    expect(report).toMatchObject({ file: 'x.heapprofile', totalSize: 500, sampleCount: 8 })
    expect(report.sites).toHaveLength(2)
    expect(Object.keys(report).sort()).toEqual(['file', 'sampleCount', 'sites', 'totalSize'])
  })

  it('labels sites as why names functions, paths relative to the scripts’ common folder', () => {
    const profile = parse(smallTree().builder)
    const root = profileScriptRoot(profile)
    expect(root).toBe('/srv/app/')
    const [makeRows, , arrow, api] = getAllocationSites(profile, 'function')
    expect(siteLabel(makeRows, 'function', root)).toBe('makeRows (src/app.js:20:5)')
    expect(siteLabel(arrow, 'function', root)).toBe('anonymous (src/app.js:20:30)')
    expect(siteLabel(api, 'function', root)).toBe('(V8 API)')
    const anonymousBuiltin = { ...api, functionName: '' }
    expect(siteLabel(anonymousBuiltin, 'function', root)).toBe('anonymous')
    const lines = getAllocationSites(profile, 'line')
    expect(lines.map((site) => siteLabel(site, 'line', root))).toEqual([
      'makeRows (src/app.js:20)',
      'parseRow (lib/util.js:3)',
      '(V8 and native code)',
      'main (src/app.js:1)',
      'load (src/app.js:10)',
    ])
    const files = getAllocationSites(profile, 'file')
    expect(files.map((site) => siteLabel(site, 'file', root))).toEqual([
      'src/app.js',
      'lib/util.js',
      '(V8 and native code)',
    ])
    expect(siteLabel(makeRows, 'function')).toBe(`makeRows (${APP}:20:5)`)
  })
})

describe('compareAllocationSites', () => {
  /** Profiles where allocation moved from `cache` to `index`, `gone` vanished, `fresh` appeared. */
  function pair(): { base: AllocationProfile; profile: AllocationProfile } {
    const frame = (functionName: string, line: number): FrameSpec => ({
      functionName,
      url: APP,
      line,
      column: 0,
    })
    const before = new ProfileBuilder()
    const main = before.call(before.root, frame('main', 0))
    before.call(main, frame('cache', 10), { samples: [500, 500] })
    before.call(main, frame('index', 20), { samples: [100] })
    before.call(main, frame('steady', 30), { samples: [50] })
    before.call(main, frame('gone', 40), { samples: [30] })
    const after = new ProfileBuilder()
    const main2 = after.call(after.root, frame('main', 0))
    after.call(main2, frame('cache', 10), { samples: [100] })
    after.call(main2, frame('index', 20), { samples: [600, 600] })
    after.call(main2, frame('steady', 30), { samples: [50] })
    after.call(main2, frame('fresh', 50), { samples: [20] })
    return { base: parse(before), profile: parse(after) }
  }

  it('gives each site its growth, largest change first, sites of one side included', () => {
    const { base, profile } = pair()
    const changes = compareAllocationSites(profile, base)
    expect(
      changes.map((c) => [c.functionName, c.baseSelfSize, c.selfSize, c.sizeDiff, c.countDiff]),
    ).toEqual([
      ['index', 100, 1200, 1100, 1],
      ['cache', 1000, 100, -900, -1],
      ['gone', 30, 0, -30, -1],
      ['fresh', 0, 20, 20, 1],
      ['steady', 50, 50, 0, 0],
      ['main', 0, 0, 0, 0],
    ])
    const gone = changes.find((c) => c.functionName === 'gone')
    expect(gone).toMatchObject({ count: 0, baseCount: 1, totalSize: 0, line: 41 })
    expect(changes[0]).toEqual({
      functionName: 'index',
      url: APP,
      line: 21,
      column: 1,
      selfSize: 1200,
      count: 2,
      totalSize: 1200,
      baseSelfSize: 100,
      baseCount: 1,
      sizeDiff: 1100,
      countDiff: 1,
    })
  })

  it('pages the changes', () => {
    const { base, profile } = pair()
    const page = getAllocationChangePage(profile, base, 'function', 1, 2)
    expect(page.start).toBe(1)
    expect(page.total).toBe(6)
    expect(page.items.map((c) => c.functionName)).toEqual(['cache', 'gone'])
  })

  it('matches lines by file and line, whichever function is largest on them', () => {
    const b1 = new ProfileBuilder()
    b1.call(b1.root, { functionName: 'x', url: APP, line: 4, column: 0 }, { samples: [10] })
    const b2 = new ProfileBuilder()
    b2.call(b2.root, { functionName: 'y', url: APP, line: 4, column: 9 }, { samples: [30] })
    const changes = compareAllocationSites(parse(b2), parse(b1), 'line')
    expect(changes).toHaveLength(1)
    expect(changes[0]).toMatchObject({ functionName: 'y', line: 5, sizeDiff: 20 })
  })

  it('reports the two totals and files, and the top N changes', () => {
    const { base, profile } = pair()
    const comparison = allocationComparison(
      profile,
      base,
      { file: 'new.heapprofile', baseFile: 'old.heapprofile' },
      'file',
      5,
    )
    expect(comparison).toEqual({
      file: 'new.heapprofile',
      baseFile: 'old.heapprofile',
      totalSize: 1370,
      baseTotalSize: 1180,
      sites: [
        {
          functionName: '',
          url: APP,
          line: null,
          column: null,
          selfSize: 1370,
          count: 5,
          totalSize: 1370,
          baseSelfSize: 1180,
          baseCount: 5,
          sizeDiff: 190,
          countDiff: 0,
        },
      ],
    })
  })
})

describe('call tree (top-down)', () => {
  it("pages a node's children, largest total first", () => {
    const { builder, ids } = smallTree()
    const profile = parse(builder)
    const root = getCallTreeRoot(profile)
    expect(root).toMatchObject({ id: 1, functionName: '(root)', totalSize: 500, childCount: 2 })
    const children = getCallTreeChildren(profile, ids.main)
    expect(children.total).toBe(3)
    expect(children.items.map((node) => [node.id, node.totalSize])).toEqual([
      [ids.load, 400],
      [ids.makeRows, 50],
      [ids.arrow, 40],
    ])
    expect(children.items[1]).toEqual({
      id: ids.makeRows,
      functionName: 'makeRows',
      url: APP,
      line: 20,
      column: 5,
      selfSize: 50,
      totalSize: 50,
      count: 1,
      childCount: 0,
    })
    const page = getCallTreeChildren(profile, ids.main, 1, 1)
    expect(page).toEqual({ start: 1, total: 3, items: [children.items[1]] })
    expect(getCallTreeChildren(profile, ids.main, 9, 5)).toEqual({ start: 3, total: 3, items: [] })
    expect(getCallTreeChildren(profile, ids.parseRow).total).toBe(0)
  })

  it('refuses an id the profile lacks', () => {
    const profile = parse(smallTree().builder)
    expect(() => getCallTreeChildren(profile, 12345)).toThrow(RangeError)
    expect(() => getCallTreeNode(profile, 12345)).toThrow(/node id 12345/)
  })
})

describe('flameChartLayout', () => {
  it('places each call under its caller, as wide as its total, larger siblings first', () => {
    const { builder, ids } = smallTree()
    const profile = parse(builder)
    const chart = flameChartLayout(profile)
    expect(chart.barCount).toBe(8)
    expect(chart.totalSize).toBe(500)
    expect(chart.maxDepth).toBe(3)
    const bars = Array.from(chart.nodeId, (id, bar) => [
      id,
      chart.depth[bar],
      chart.startOffset[bar],
      chart.width[bar],
    ])
    expect(bars).toEqual([
      [1, 0, 0, 500],
      [ids.main, 1, 0, 490],
      [ids.load, 2, 0, 400],
      [ids.deepMake, 3, 0, 300],
      [ids.parseRow, 3, 300, 100],
      [ids.makeRows, 2, 400, 50],
      [ids.arrow, 2, 450, 40],
      [ids.api, 1, 490, 10],
    ])
    expect(profile.frames[chart.frame[3]].functionName).toBe('makeRows')
  })

  it('keeps every bar inside its parent and siblings apart (random trees)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ parent: fc.nat(), size: fc.nat({ max: 100 }) }), { maxLength: 50 }),
        (nodes) => {
          const b = new ProfileBuilder()
          const ids = [b.root]
          for (const spec of nodes) {
            ids.push(b.call(ids[spec.parent % ids.length], 'f', { selfSize: spec.size }))
          }
          const profile = parse(b)
          const chart = flameChartLayout(profile)
          const barOf = new Map(Array.from(chart.nodeId, (id, bar) => [id, bar]))
          const parents = b.parents()
          for (let bar = 1; bar < chart.barCount; bar++) {
            const parentBar = barOf.get(parents.get(chart.nodeId[bar])!)!
            expect(parentBar).toBeLessThan(bar)
            expect(chart.depth[bar]).toBe(chart.depth[parentBar] + 1)
            expect(chart.startOffset[bar]).toBeGreaterThanOrEqual(chart.startOffset[parentBar])
            expect(chart.startOffset[bar] + chart.width[bar]).toBeLessThanOrEqual(
              chart.startOffset[parentBar] + chart.width[parentBar],
            )
          }
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('bad input', () => {
  const good = smallTree().builder.toText()

  it('names the byte offset of text that is not JSON', () => {
    expectError('hello', 'syntax', /^not JSON: expected a JSON value, found "h" \(at byte 0\)$/, 0)
    expectError('{"head": {"id": 1,}}', 'syntax', /property name in double quotes, found "}"/, 18)
    expectError(good + ' x', 'syntax', /unexpected text after the JSON value/, good.length + 1)
    // Offsets are in bytes: "é" before the error takes two.
    expectError('{"é": tru}', 'syntax', /expected a JSON value, found "t"/, 7)
    expectError('\uFEFF{"a" 1}', 'syntax', /expected ':'/, 8)
  })

  it('says when the text ends before the profile does', () => {
    const cut = good.slice(0, 200)
    const error = expectError(cut, 'truncated', /^the profile is cut short: /, 200)
    expect(error.message).toMatch(/ended inside an? (object|array)|ended inside a string/)
    expectError('', 'truncated', /the text is empty/, 0)
    expectError('{"head": {"selfSize": 1', 'truncated', /ended inside an object/, 23)
    expectError('{"head": [tr', 'truncated', /ended in "tr"/, 12)
    expectError('{"head": [1.', 'truncated', /ended in a number/, 12)
    expectError('{"head": "abc', 'truncated', /ended inside a string/, 13)
  })

  it('finds the same problems as JSON.parse, no more and no fewer', () => {
    const json = fc.json({ depthSize: 'small' })
    fc.assert(
      fc.property(json, fc.nat(), fc.string({ maxLength: 2 }), (text, at, insert) => {
        const cut = at % (text.length + 1)
        const mangled = text.slice(0, cut) + insert + text.slice(cut)
        let valid = true
        try {
          JSON.parse(mangled)
        } catch {
          valid = false
        }
        expect(findJsonProblem(mangled) === null).toBe(valid)
        expect(findJsonProblem(text.slice(0, cut))?.code ?? 'valid').not.toBe('syntax')
      }),
      { numRuns: 500 },
    )
  })

  it('says a heap snapshot or a CPU profile is not an allocation profile', () => {
    const snapshot = new SnapshotBuilder()
    snapshot.standardRoots('user-roots')
    expectError(snapshot.toText(), 'format', /it is a heap snapshot \(\.heapsnapshot\)/)
    // Keys in another order are still recognized, after parsing.
    const { snapshot: header, nodes, ...rest } = snapshot.toObject()
    const reordered = JSON.stringify({ nodes, snapshot: header, ...rest })
    expectError(reordered, 'format', /heap snapshot/)
    const cpu = JSON.stringify({ nodes: [], startTime: 0, endTime: 1, samples: [], timeDeltas: [] })
    expectError(cpu, 'format', /it is a CPU profile \(\.cpuprofile\)/)
    expectError('[1, 2]', 'format', /the JSON is an array, not an object with a "head"/)
    expectError('{"nodes": 1, "x": 2}', 'format', /no "head" call tree \(its keys: "nodes", "x"\)/)
    expectError('{}', 'format', /no "head" call tree \(the object is empty\)/)
  })

  it('names the field and the node id of a missing or ill-typed field', () => {
    const mutate = (change: (raw: ReturnType<ProfileBuilder['toObject']>) => void): string => {
      const raw = smallTree().builder.toObject()
      change(raw)
      return JSON.stringify(raw)
    }
    const main = (raw: ReturnType<ProfileBuilder['toObject']>) => raw.head.children[0]
    const field = (raw: unknown) => raw as Record<string, unknown>
    expectError(
      mutate((raw) => delete field(main(raw)).callFrame),
      'format',
      /^node 2 has no "callFrame"$/,
    )
    expectError(
      mutate((raw) => (field(main(raw).callFrame).functionName = 7)),
      'format',
      /^node 2: "callFrame\.functionName" must be a string, found 7$/,
    )
    expectError(
      mutate((raw) => delete field(main(raw).callFrame).url),
      'format',
      /^node 2 has no "callFrame\.url"$/,
    )
    expectError(
      mutate((raw) => (field(main(raw).callFrame).lineNumber = '3')),
      'format',
      /^node 2: "callFrame\.lineNumber" must be a whole number \(-1 when unknown\), found the string "3"$/,
    )
    expectError(
      mutate((raw) => (field(main(raw)).selfSize = -1)),
      'format',
      /^node 2: "selfSize" must be a number of bytes \(0 or more\), found -1$/,
    )
    expectError(
      mutate((raw) => (field(main(raw)).children = {})),
      'format',
      /^node 2: "children" must be an array, found an object$/,
    )
    expectError(
      mutate((raw) => delete field(main(raw).children[1]).id),
      'format',
      /^child 1 of node 2 has no "id"$/,
    )
    expectError(
      mutate((raw) => (field(main(raw).children[1]).id = 'x')),
      'format',
      /^child 1 of node 2: "id" must be a whole number \(0 or more\), found the string "x"$/,
    )
    expectError(
      mutate((raw) => (field(main(raw).children[1]).id = 3)),
      'format',
      /^node id 3 appears twice \(again as child 1 of node 2\)$/,
    )
    expectError(
      mutate((raw) => ((raw.head.children as unknown[])[1] = null)),
      'format',
      /^child 1 of node 1 is not an object, found null$/,
    )
    expectError(
      mutate((raw) => delete field(raw.head).id),
      'format',
      /^the head node has no "id"/,
    )
    expectError(
      mutate((raw) => (field(raw).head = [])),
      'format',
      /^"head" must be an object, found an array$/,
    )
  })

  it('names the sample of a missing or ill-typed sample field', () => {
    const withSamples = (samples: unknown): string =>
      JSON.stringify({ ...smallTree().builder.toObject(), samples })
    expectError(withSamples({}), 'format', /^"samples" must be an array, found an object$/)
    expectError(withSamples([1]), 'format', /^sample 0 is not an object, found 1$/)
    expectError(withSamples([{ size: 8 }]), 'format', /^sample 0 has no "nodeId"$/)
    expectError(
      withSamples([
        { size: 8, nodeId: 2 },
        { size: '8', nodeId: 2 },
      ]),
      'format',
      /^sample 1: "size" must be a number of bytes \(0 or more\), found the string "8"$/,
    )
    expectError(
      withSamples([{ size: 8, nodeId: 2.5 }]),
      'format',
      /^sample 0: "nodeId" must be a whole number \(a node id\), found 2\.5$/,
    )
  })

  it('refuses gzip bytes and input past the size limit', () => {
    const bytes = new TextEncoder().encode(good)
    expectError(gzipSync(bytes), 'format', /gzip-compressed/)
    const error = parseError(bytes, 100)
    expect(error.code).toBe('too-large')
    expect(error.message).toMatch(/more than the 100 bytes/)
  })
})

describe('loadProfileFile', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heapgraph-profile-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a profile plain or gzipped, in chunks of any size', async () => {
    const text = smallTree().builder.toText()
    const plain = join(dir, 'a.heapprofile')
    const packed = join(dir, 'a.heapprofile.gz')
    await writeFile(plain, text)
    await writeFile(packed, gzipSync(text))
    for (const file of [plain, packed]) {
      for (const chunkSize of [1, 7, 1 << 20]) {
        const profile = await loadProfileFile(file, { chunkSize })
        expect(profile.totalSize[0]).toBe(500)
      }
    }
  })

  it('names the file it cannot read', async () => {
    const missing = join(dir, 'missing.heapprofile')
    await expect(loadProfileFile(missing)).rejects.toThrow(
      new HeapSnapshotError('io', `cannot read ${missing}: no such file`),
    )
    const folder = join(dir, 'folder')
    await mkdir(folder)
    await expect(loadProfileFile(folder)).rejects.toThrow(/it is a directory/)
  })

  it('says when a gzip stream is cut short', async () => {
    const packed = gzipSync(smallTree().builder.toText())
    const file = join(dir, 'cut.heapprofile')
    await writeFile(file, packed.subarray(0, packed.length - 20))
    const error = await loadProfileFile(file).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HeapSnapshotError)
    expect((error as HeapSnapshotError).code).toBe('truncated')
    expect((error as HeapSnapshotError).message).toMatch(/gzip stream is corrupt or cut short/)
  })

  it('refuses a snapshot from its first bytes, and a file past the limit', async () => {
    const snapshot = new SnapshotBuilder()
    snapshot.standardRoots('user-roots')
    const file = join(dir, 'x.heapsnapshot')
    await writeFile(file, snapshot.toText())
    await expect(loadProfileFile(file, { chunkSize: 16 })).rejects.toThrow(/heap snapshot/)
    const big = join(dir, 'big.heapprofile')
    await writeFile(big, smallTree().builder.toText())
    await expect(loadProfileFile(big, { limits: { maxBytes: 300 } })).rejects.toThrow(
      /more than 300 bytes/,
    )
  })
})
