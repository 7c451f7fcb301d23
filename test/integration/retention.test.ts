// The engine answers "why is this alive?" on real heaps whose retention is known: each fixture
// program (test/fixtures/programs/patterns.cjs) builds one leak, and the retainer path, the
// dominators, the cycle or the arrays catalog must show it.
import { describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getArrays } from '../../shared/heap/queries/arrays'
import { getCycle } from '../../shared/heap/queries/cycles'
import { describeObject, getOutgoingEdges } from '../../shared/heap/queries/nodes'
import { findRetainerPaths } from '../../shared/heap/queries/paths'
import { findClasses, getClassMembers } from '../../shared/heap/queries/summary'
import { fixture, type FixtureName } from '../helpers/fixtures'
import type { PathStep } from '../../shared/protocol/dto'

async function load(name: FixtureName): Promise<HeapSnapshot> {
  return loadSnapshotFile(await fixture(name))
}

/** The objects of a class, largest retained size first. */
function instances(snapshot: HeapSnapshot, className: string): number[] {
  return findClasses(snapshot, className).flatMap((entry) =>
    getClassMembers(snapshot, entry.classKey, 0, 1000).items.map((item) => item.node),
  )
}

/** The node an object's named edge points to. */
function child(snapshot: HeapSnapshot, node: number, edgeName: string): number {
  const edges = getOutgoingEdges(snapshot, node, 0, 10_000).items
  const found = edges.find((reference) => reference.edge.name === edgeName)
  if (!found) throw new Error(`no edge ${edgeName} from node ${node}`)
  return found.node.node
}

function edgeNames(path: PathStep[]): string[] {
  return path.flatMap((step) => (step.edge ? [step.edge.name] : []))
}

/** The global object: the root's child that holds the fixture's globals. */
function globalObject(snapshot: HeapSnapshot): number {
  const { graph } = snapshot
  for (
    let edge = graph.firstEdge[graph.rootNode];
    edge < graph.firstEdge[graph.rootNode + 1];
    edge++
  ) {
    if (graph.edgeType[edge] === graph.edgeTypeCode.shortcut) return graph.edgeTarget[edge]
  }
  throw new Error('no user root')
}

describe('retention of known leaks', () => {
  it('explains a Map cache: global.leakCache holds the arrays', async () => {
    const snapshot = await load('map-cache')
    const cache = child(snapshot, globalObject(snapshot), 'leakCache')
    const arrays = getArrays(snapshot, { kinds: ['array'], count: 200 }).items.filter(
      (entry) => entry.length === 1000,
    )
    expect(arrays.length).toBe(100)
    for (const entry of arrays.slice(0, 5)) {
      const [path] = findRetainerPaths(snapshot, entry.node).paths
      expect(edgeNames(path)[0]).toBe('leakCache')
      expect(path.map((step) => step.node.node)).toContain(cache)
      expect(entry.storeSize).toBe(8016)
    }
    // The Map retains all hundred arrays and their stores.
    expect(snapshot.retainedSize[cache]).toBeGreaterThan(100 * 8016)
  })

  it('explains a closure: the context variable capturedBigArray holds the array', async () => {
    const snapshot = await load('closure-context')
    const closure = child(snapshot, globalObject(snapshot), 'leakyClosure')
    const context = child(snapshot, closure, 'context')
    const array = child(snapshot, context, 'capturedBigArray')
    const [path] = findRetainerPaths(snapshot, array).paths
    expect(edgeNames(path)).toEqual(['leakyClosure', 'context', 'capturedBigArray'])
    expect(snapshot.dominator[array]).toBe(context)
    expect(snapshot.retainedSize[closure]).toBeGreaterThanOrEqual(800_016)
  })

  it('explains a timer: the interval callback captures timerCapturedArray', async () => {
    const snapshot = await load('timer')
    const [array] = getArrays(snapshot, { kinds: ['array'], count: 50 }).items.filter(
      (entry) => entry.storeSize === 400_016,
    )
    expect(array).toBeDefined()
    const [path] = findRetainerPaths(snapshot, array.node).paths
    expect(edgeNames(path)).toContain('_onTimeout')
    expect(edgeNames(path).at(-1)).toBe('timerCapturedArray')
  })

  it('finds the cycle of three LeakCycleNode objects held by a global', async () => {
    const snapshot = await load('class-cycle')
    const nodes = instances(snapshot, 'LeakCycleNode')
    expect(nodes).toHaveLength(3)
    const cycle = getCycle(snapshot, nodes[0])
    expect(cycle.members.map((member) => member.node).sort()).toEqual([...nodes].sort())
    const [path] = findRetainerPaths(snapshot, nodes[0]).paths
    expect(edgeNames(path)[0]).toBe('leakCycle')
  })

  it('shows no instance of a dropped cycle', async () => {
    const snapshot = await load('unreachable-cycle')
    expect(instances(snapshot, 'UnreachableCycleNode')).toEqual([])
    expect(findClasses(snapshot, 'Function').length).toBeGreaterThan(0)
  })

  it('attributes a WeakMap value to its held key and never explains it by a weak edge', async () => {
    const snapshot = await load('weak-map')
    const [key] = instances(snapshot, 'WeakMapHeldKey')
    expect(key).toBeDefined()
    expect(instances(snapshot, 'WeakMapUnheldKey')).toEqual([])
    const [value] = getArrays(snapshot, { kinds: ['array'], count: 20 }).items.filter(
      (entry) => entry.storeSize === 800_016,
    )
    expect(snapshot.dominator[value.node]).toBe(key)
    const { paths } = findRetainerPaths(snapshot, value.node, { count: 3 })
    for (const path of paths) expect(path.every((step) => step.edge?.type !== 'weak')).toBe(true)
    expect(paths[0].map((step) => step.node.node)).toContain(key)
  })

  it('keeps a WeakRef target alive only through the strong same-job root', async () => {
    const snapshot = await load('weak-ref')
    expect(instances(snapshot, 'WeakRefTarget')).toEqual([])
    const [target] = instances(snapshot, 'WeakRefSameJobTarget')
    expect(target).toBeDefined()
    const [path] = findRetainerPaths(snapshot, target).paths
    expect(path[0].node.name).toBe('(GC roots)')
    expect(edgeNames(path)).toContain('weak_refs_keep_during_job')
  })

  it('catalogs a Float64Array over a 64 MB backing store and explains it', async () => {
    const snapshot = await load('typed-array')
    const float64 = child(snapshot, globalObject(snapshot), 'leakFloat64')
    const entry = getArrays(snapshot, { kinds: ['typed-array'], count: 5 }).items[0]
    expect(entry.node).toBe(float64)
    expect(entry.storeSize).toBe(64 * 1024 * 1024)
    expect(entry.length).toBe(8 * 1024 * 1024)
    const [store] = getArrays(snapshot, { kinds: ['backing-store'], count: 1 }).items
    expect(store.selfSize).toBe(64 * 1024 * 1024)
    expect(describeObject(snapshot, float64).retainedSize).toBeGreaterThanOrEqual(64 * 1024 * 1024)
    const [path] = findRetainerPaths(snapshot, store.node).paths
    expect(edgeNames(path)).toEqual(['leakFloat64', 'buffer', 'backing_store'])
  })
})
