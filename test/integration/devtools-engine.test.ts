// Checks the DevTools-engine harness on real v8.writeHeapSnapshot() files against facts computed
// straight from the raw JSON (header counts, reachability, raw sizes), so it cannot pass by echo.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  devtoolsFirstRetainerPath,
  loadWithDevtools,
  type DevtoolsNodeResults,
} from '../helpers/devtools-engine'

const run = promisify(execFile)

const ARRAY_LENGTH = 100_000

// A Map on the global object holds a marked 100k-element array, then the heap is written.
function writerScript(file: string, exposeInternals: boolean): string {
  return `
    const leaked = []
    for (let i = 0; i < ${ARRAY_LENGTH}; i++) leaked.push(i)
    leaked.heapgraphMarker = true
    globalThis.heapgraphRetainer = new Map([['leaked', leaked]])
    require('v8').writeHeapSnapshot(${JSON.stringify(file)}, { exposeInternals: ${exposeInternals} })
  `
}

/** The raw snapshot JSON, read independently of DevTools. */
interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[]
      node_types: [string[], ...unknown[]]
      edge_fields: string[]
      edge_types: [string[], ...unknown[]]
    }
    node_count: number
    edge_count: number
    root_index?: number
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** Ordinal-indexed views of the raw arrays, plus CSR outgoing edges. */
interface RawGraph {
  nodeCount: number
  root: number
  selfSize: Float64Array
  nodeType: string[]
  nodeName: string[]
  firstEdge: Uint32Array
  edgeTarget: Uint32Array
  edgeType: string[]
  edgeName: string[]
}

async function readRawGraph(file: string): Promise<RawGraph> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as RawSnapshot
  const { meta } = raw.snapshot
  const nodeFieldCount = meta.node_fields.length
  const edgeFieldCount = meta.edge_fields.length
  const field = (name: string): number => meta.node_fields.indexOf(name)
  const nodeCount = raw.nodes.length / nodeFieldCount
  const selfSize = new Float64Array(nodeCount)
  const nodeType: string[] = []
  const nodeName: string[] = []
  const firstEdge = new Uint32Array(nodeCount + 1)
  for (let node = 0; node < nodeCount; node++) {
    const base = node * nodeFieldCount
    selfSize[node] = raw.nodes[base + field('self_size')]
    nodeType.push(meta.node_types[0][raw.nodes[base + field('type')]])
    nodeName.push(raw.strings[raw.nodes[base + field('name')]])
    firstEdge[node + 1] = firstEdge[node] + raw.nodes[base + field('edge_count')]
  }
  const edgeCount = raw.edges.length / edgeFieldCount
  const edgeTarget = new Uint32Array(edgeCount)
  const edgeType: string[] = []
  const edgeName: string[] = []
  const typeField = meta.edge_fields.indexOf('type')
  const nameField = meta.edge_fields.indexOf('name_or_index')
  const toField = meta.edge_fields.indexOf('to_node')
  for (let edge = 0; edge < edgeCount; edge++) {
    const base = edge * edgeFieldCount
    edgeTarget[edge] = raw.edges[base + toField] / nodeFieldCount
    const type = meta.edge_types[0][raw.edges[base + typeField]]
    edgeType.push(type)
    const nameOrIndex = raw.edges[base + nameField]
    edgeName.push(
      type === 'element' || type === 'hidden' ? String(nameOrIndex) : raw.strings[nameOrIndex],
    )
  }
  expect(raw.snapshot.node_count).toBe(nodeCount)
  return {
    nodeCount,
    root: (raw.snapshot.root_index ?? 0) / nodeFieldCount,
    selfSize,
    nodeType,
    nodeName,
    firstEdge,
    edgeTarget,
    edgeType,
    edgeName,
  }
}

/** Nodes reachable from the root over edges of any type, weak ones included. */
function reachableFromRoot(graph: RawGraph): Uint8Array {
  const reached = new Uint8Array(graph.nodeCount)
  const stack = [graph.root]
  reached[graph.root] = 1
  while (stack.length > 0) {
    const node = stack.pop() as number
    for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
      const target = graph.edgeTarget[edge]
      if (!reached[target]) {
        reached[target] = 1
        stack.push(target)
      }
    }
  }
  return reached
}

function findMarkedArray(graph: RawGraph): number {
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.nodeType[node] !== 'object' || graph.nodeName[node] !== 'Array') continue
    for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
      if (graph.edgeType[edge] === 'property' && graph.edgeName[edge] === 'heapgraphMarker') {
        return node
      }
    }
  }
  throw new Error('marked array not found in the snapshot')
}

function rootChildren(graph: RawGraph): number[] {
  return Array.from(
    graph.edgeTarget.subarray(graph.firstEdge[graph.root], graph.firstEdge[graph.root + 1]),
  )
}

function expectSameResults(actual: DevtoolsNodeResults, expected: DevtoolsNodeResults): void {
  expect(actual.nodeCount).toBe(expected.nodeCount)
  expect(actual.edgeCount).toBe(expected.edgeCount)
  expect(actual.rootNode).toBe(expected.rootNode)
  expect(actual.hasUserRoots).toBe(expected.hasUserRoots)
  expect(actual.selfSize).toEqual(expected.selfSize)
  expect(actual.retainedSize).toEqual(expected.retainedSize)
  expect(actual.dominator).toEqual(expected.dominator)
  expect(actual.distance).toEqual(expected.distance)
  expect(actual.detachedness).toEqual(expected.detachedness)
  expect(actual.className).toEqual(expected.className)
  expect(actual.classKey).toEqual(expected.classKey)
  expect(actual.summary).toEqual(expected.summary)
}

describe('devtools-engine', () => {
  let directory: string
  let userRootsFile: string
  let internalsFile: string
  let graph: RawGraph
  let results: DevtoolsNodeResults

  beforeAll(async () => {
    // DevTools console.warn()s a report when nodes are unreachable from the root (Node's own
    // heaps have a few); keep the test log readable.
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    directory = await mkdtemp(join(tmpdir(), 'heapgraph-devtools-engine-'))
    userRootsFile = join(directory, 'user-roots.heapsnapshot')
    internalsFile = join(directory, 'internals.heapsnapshot')
    await Promise.all([
      run(process.execPath, ['-e', writerScript(userRootsFile, false)]),
      run(process.execPath, ['-e', writerScript(internalsFile, true)]),
    ])
    graph = await readRawGraph(userRootsFile)
    results = await loadWithDevtools(userRootsFile)
  })

  afterAll(async () => {
    vi.restoreAllMocks()
    if (directory) await rm(directory, { recursive: true, force: true })
  })

  it('reports as many nodes and edges as the raw snapshot holds', () => {
    expect(results.nodeCount).toBe(graph.nodeCount)
    expect(results.edgeCount).toBe(graph.edgeTarget.length)
    expect(results.rootNode).toBe(graph.root)
    for (const perNode of [
      results.selfSize,
      results.retainedSize,
      results.dominator,
      results.distance,
      results.detachedness,
    ]) {
      expect(perNode.length).toBe(graph.nodeCount)
    }
  })

  it('gives the root a retained size equal to the raw self sizes reachable from it', () => {
    const reached = reachableFromRoot(graph)
    let reachableSize = 0
    let redistributedTotal = 0
    for (let node = 0; node < graph.nodeCount; node++) {
      if (reached[node]) reachableSize += graph.selfSize[node]
      redistributedTotal += results.selfSize[node]
    }
    expect(results.retainedSize[results.rootNode]).toBe(reachableSize)
    // Redistribution moves bytes between nodes and never creates or loses any.
    expect(redistributedTotal).toBe(graph.selfSize.reduce((sum, size) => sum + size, 0))
    expect(results.dominator[results.rootNode]).toBe(results.rootNode)
  })

  it('shows the leaked array as Array, owning its elements store and retaining at least itself', () => {
    const array = findMarkedArray(graph)
    expect(results.hasUserRoots).toBe(true)
    expect(results.className[array]).toBe('Array')
    expect(results.classKey[array]).toBe(',Array')
    // With user roots DevTools moves the (object elements) store's bytes onto the array.
    expect(results.selfSize[array]).toBeGreaterThan(graph.selfSize[array])
    expect(results.selfSize[array]).toBeGreaterThanOrEqual(ARRAY_LENGTH * 4)
    expect(results.retainedSize[array]).toBeGreaterThanOrEqual(results.selfSize[array])
    const arrays = results.summary.find((entry) => entry.classKey === ',Array')
    expect(arrays?.className).toBe('Array')
    expect(arrays?.retainedSize).toBeGreaterThanOrEqual(results.retainedSize[array])
  })

  it('counts in each summary row exactly the sized nodes carrying its class key', () => {
    const counts = new Map<string, { count: number; selfSize: number }>()
    for (let node = 0; node < results.nodeCount; node++) {
      if (results.selfSize[node] === 0) continue
      const row = counts.get(results.classKey[node]) ?? { count: 0, selfSize: 0 }
      row.count++
      row.selfSize += results.selfSize[node]
      counts.set(results.classKey[node], row)
    }
    expect(results.summary.length).toBe(counts.size)
    for (const row of results.summary) {
      expect(counts.get(row.classKey)).toEqual({ count: row.count, selfSize: row.selfSize })
    }
  })

  it('puts user roots at distance 1 and system roots past 100000000', () => {
    for (const child of rootChildren(graph)) {
      const expected = graph.nodeType[child] === 'synthetic' ? 100_000_001 : 1
      expect(results.distance[child]).toBe(expected)
    }
    expect(results.distance[results.rootNode]).toBe(100_000_000)
  })

  it('walks the Retainers pane chain from the array through the Map to a user root', () => {
    const steps = devtoolsFirstRetainerPath(results, findMarkedArray(graph))
    expect(steps.length).toBeGreaterThan(1)
    expect(steps.some((step) => results.className[step.node] === 'Map')).toBe(true)
    const last = steps[steps.length - 1]
    expect(results.distance[last.node]).toBe(1)
    expect(steps.some((step) => step.edgeName === 'heapgraphRetainer')).toBe(true)
    // Each step is one edge closer to the roots, as the pane's distance sort promises.
    for (let step = 1; step < steps.length; step++) {
      expect(results.distance[steps[step].node]).toBe(results.distance[steps[step - 1].node] - 1)
    }
  })

  it('gives identical results when fed 7-byte chunks', async () => {
    expectSameResults(await loadWithDevtools(userRootsFile, { chunkSize: 7 }), results)
  })

  it('gives identical results for the gzipped file', async () => {
    const gzipFile = `${userRootsFile}.gz`
    await writeFile(gzipFile, gzipSync(await readFile(userRootsFile)))
    expectSameResults(await loadWithDevtools(gzipFile, { chunkSize: 4099 }), results)
  })

  it('treats an exposeInternals snapshot as having no user roots', async () => {
    const internalsGraph = await readRawGraph(internalsFile)
    const internals = await loadWithDevtools(internalsFile)
    expect(internals.hasUserRoots).toBe(false)
    expect(internals.distance[internals.rootNode]).toBe(0)
    for (const child of rootChildren(internalsGraph)) {
      expect(internals.distance[child]).toBe(1)
    }
    // No redistribution: every self size is the raw one.
    expect(internals.selfSize).toEqual(internalsGraph.selfSize)
  })
})
