// The parity bar: on real snapshots (Node's v8.writeHeapSnapshot, CDP with and without
// exposeInternals, a Chrome page), our engine's self size, retained size, dominator, distance,
// class name and class key of every node, the Summary, and the first retainer path equal those of
// Chrome DevTools' own engine (bundled from chrome-devtools-frontend).
import { beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { findRetainerPaths } from '../../shared/heap/queries/paths'
import { classKeyOf, getSummary } from '../../shared/heap/queries/summary'
import { NO_DISTANCE } from '../../shared/heap/analyses/distances'
import {
  devtoolsFirstRetainerPath,
  loadWithDevtools,
  type DevtoolsNodeResults,
  type DevtoolsRetainerStep,
} from '../helpers/devtools-engine'
import {
  fixture,
  NODE_MAJORS,
  runtimesUnavailableReason,
  type FixtureName,
  type NodeMajor,
} from '../helpers/fixtures'
import { chromiumUnavailableReason } from '../helpers/chrome-snapshot'

const NODE_FIXTURES: FixtureName[] = [
  'kitchen-sink',
  'cdp-plain',
  'cdp-expose-internals',
  'map-cache',
  'closure-context',
  'timer',
  'class-cycle',
  'unreachable-cycle',
  'weak-map',
  'weak-ref',
  'typed-array',
  'explain',
]
/** Written by every supported Node release, not only the one running the tests. */
const RUNTIME_FIXTURES: FixtureName[] = ['kitchen-sink', 'explain']
const CURRENT_MAJOR = Number(process.versions.node.split('.')[0])
const runtimesMissing = runtimesUnavailableReason()
if (runtimesMissing) console.warn(`parity: other Node releases are SKIPPED: ${runtimesMissing}`)
const chromiumMissing = chromiumUnavailableReason()
if (chromiumMissing) {
  console.warn(`parity: the Chrome page snapshot is SKIPPED: ${chromiumMissing}`)
}

/** Compares two per-node sequences and describes the first few differences. */
function mismatches(
  count: number,
  ours: (node: number) => unknown,
  theirs: (node: number) => unknown,
): string[] {
  const found: string[] = []
  let total = 0
  for (let node = 0; node < count; node++) {
    const a = ours(node)
    const b = theirs(node)
    if (a !== b) {
      total++
      if (found.length < 5) found.push(`node ${node}: ours ${String(a)}, DevTools ${String(b)}`)
    }
  }
  if (total > found.length) found.push(`... ${total} differences in all`)
  return found
}

/**
 * DevTools' Retainers pane never lists the root as a retainer. So when its first-retainer chain
 * reaches a child of the root that only system roots hold (distance 100000001), it walks on into
 * that node's other retainers, and round a cycle back to it (seen on a Node snapshot: a native
 * `(synthetic)` node and the `Connection` it points at, each other's first retainer, for all 20
 * levels). A path from the root ends at that child, so the chain is compared up to it.
 */
function untilRootChild(
  rootChildren: ReadonlySet<number>,
  chain: DevtoolsRetainerStep[],
): DevtoolsRetainerStep[] {
  const end = chain.findIndex((step) => rootChildren.has(step.node))
  return end === -1 ? chain : chain.slice(0, end + 1)
}

function rootChildrenOf({ graph }: HeapSnapshot): number[] {
  const { firstEdge, edgeTarget, rootNode } = graph
  return Array.from(edgeTarget.subarray(firstEdge[rootNode], firstEdge[rootNode + 1]))
}

function parityChecks(name: FixtureName, runtime?: NodeMajor): void {
  let ours: HeapSnapshot
  let theirs: DevtoolsNodeResults
  beforeAll(async () => {
    const file = await fixture(name, { runtime })
    const warn = console.warn
    console.warn = () => {} // DevTools reports unreachable nodes on every Node heap
    try {
      theirs = await loadWithDevtools(file)
    } finally {
      console.warn = warn
    }
    ours = await loadSnapshotFile(file)
  }, 300_000)

  it('has the same nodes and user-roots mode as DevTools', () => {
    expect(ours.graph.nodeCount).toBe(theirs.nodeCount)
    expect(ours.graph.edgeCount).toBe(theirs.edgeCount)
    expect(ours.hasUserRoots).toBe(theirs.hasUserRoots)
  })

  it('matches DevTools on the self size of every node', () => {
    const count = ours.graph.nodeCount
    expect(
      mismatches(
        count,
        (n) => ours.selfSize[n],
        (n) => theirs.selfSize[n],
      ),
    ).toEqual([])
  })

  it('matches DevTools on the retained size of every node', () => {
    const count = ours.graph.nodeCount
    expect(
      mismatches(
        count,
        (n) => ours.retainedSize[n],
        (n) => theirs.retainedSize[n],
      ),
    ).toEqual([])
  })

  it('matches DevTools on the dominator of every node', () => {
    const count = ours.graph.nodeCount
    expect(
      mismatches(
        count,
        (n) => ours.dominator[n],
        (n) => theirs.dominator[n],
      ),
    ).toEqual([])
  })

  it('matches DevTools on the distance of every node', () => {
    const count = ours.graph.nodeCount
    expect(
      mismatches(
        count,
        (n) => ours.distance[n],
        (n) => theirs.distance[n],
      ),
    ).toEqual([])
  })

  it('matches DevTools on the class name and class key of every node', () => {
    const count = ours.graph.nodeCount
    const strings = ours.graph.strings
    expect(
      mismatches(
        count,
        (n) => strings.get(ours.className[n]),
        (n) => theirs.className[n],
      ),
    ).toEqual([])
    expect(
      mismatches(
        count,
        (n) => classKeyOf(ours, n),
        (n) => theirs.classKey[n],
      ),
    ).toEqual([])
  })

  it('matches DevTools on the detachedness of every node', () => {
    const count = ours.graph.nodeCount
    expect(
      mismatches(
        count,
        (n) => ours.graph.detachedness[n],
        (n) => theirs.detachedness[n],
      ),
    ).toEqual([])
  })

  it('matches DevTools Summary view row by row', () => {
    const expected = new Map(theirs.summary.map((row) => [row.classKey, row]))
    const actual = getSummary(ours)
    expect(actual.length).toBe(expected.size)
    for (const row of actual) {
      const other = expected.get(row.classKey)
      expect(other, row.classKey).toBeDefined()
      if (!other) continue
      expect({
        key: row.classKey,
        className: row.className,
        count: row.count,
        selfSize: row.selfSize,
        retainedSize: row.retainedSize,
        distance: row.distance ?? NO_DISTANCE,
      }).toEqual({
        key: other.classKey,
        className: other.className,
        count: other.count,
        selfSize: other.selfSize,
        retainedSize: other.retainedSize,
        distance: other.distance,
      })
    }
  })

  it('finds the retainer path DevTools expands first', () => {
    // The 150 objects with the largest retained size and every 31st node, reachable ones only.
    const count = ours.graph.nodeCount
    const byRetained = Array.from({ length: count }, (_, node) => node)
      .sort((a, b) => ours.retainedSize[b] - ours.retainedSize[a])
      .slice(0, 150)
    // And a few objects held by each child of the root, where DevTools' chain can go round a cycle.
    const { firstEdge, edgeTarget, rootNode } = ours.graph
    const rootChildren = rootChildrenOf(ours)
    const nearRoot = rootChildren.flatMap((child) =>
      Array.from(
        edgeTarget.subarray(firstEdge[child], Math.min(firstEdge[child + 1], firstEdge[child] + 5)),
      ),
    )
    const sample = new Set([
      ...byRetained,
      ...Array.from({ length: count / 31 }, (_, k) => k * 31),
      ...nearRoot,
    ])
    const rootChildSet = new Set(rootChildren)
    let compared = 0
    for (const node of sample) {
      if (node === rootNode || ours.distance[node] === NO_DISTANCE) continue
      const expected = untilRootChild(rootChildSet, devtoolsFirstRetainerPath(theirs, node))
      if (expected.length === 0) continue
      const { paths } = findRetainerPaths(ours, node)
      expect(paths.length, `node ${node} has a path`).toBe(1)
      // A root child is its own first step; DevTools still lists the retainers of such a node.
      if (paths[0].length === 1) continue
      const reversed = [...paths[0]].reverse()
      const ourSteps = reversed.slice(1, expected.length + 1).map((step, position) => ({
        node: step.node.node,
        edgeName: reversed[position].edge?.name,
      }))
      expect(ourSteps, `path of node ${node}`).toEqual(
        expected.map((step) => ({ node: step.node, edgeName: step.edgeName })),
      )
      compared++
    }
    expect(compared).toBeGreaterThan(50)
  })
}

describe('parity with Chrome DevTools heap snapshot engine', () => {
  for (const name of NODE_FIXTURES) {
    describe(name, () => parityChecks(name))
  }
  describe.skipIf(chromiumMissing !== undefined)('chrome-page', () => parityChecks('chrome-page'))
  for (const major of NODE_MAJORS) {
    if (major === CURRENT_MAJOR) continue
    for (const name of RUNTIME_FIXTURES) {
      describe.skipIf(runtimesMissing !== undefined)(`${name} written by Node ${major}`, () =>
        parityChecks(name, major),
      )
    }
  }
})
