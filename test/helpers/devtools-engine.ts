// Reference oracle: runs Chrome DevTools' own heap snapshot engine (chrome-devtools-frontend's
// heap_snapshot_worker, bundled with esbuild on first use) over a .heapsnapshot file and returns
// its per-node results indexed by node ordinal, so our engine can be compared node by node.
import { createReadStream, readFileSync } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { pipeline } from 'node:stream'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { createGunzip } from 'node:zlib'
import type { Plugin } from 'esbuild'

/** DevTools' results for one snapshot; every typed array has length `nodeCount`, indexed by ordinal. */
export interface DevtoolsNodeResults {
  nodeCount: number
  edgeCount: number
  /** Ordinal of the synthetic root (DevTools' `root_index` / node field count). */
  rootNode: number
  /** Bytes as DevTools shows them, i.e. after `calculateShallowSizes()` moved the sizes of
   * singly-owned hidden/array nodes onto their owner (only done when the snapshot has user roots). */
  selfSize: Float64Array
  /** Bytes; `retainedSizes[ordinal]`, computed from the redistributed self sizes. */
  retainedSize: Float64Array
  /** Ordinal of the immediate dominator (`dominatorsTree[ordinal]`); the root is its own dominator,
   * and nodes unreachable even through DevTools' orphan handling are dominated by the root. */
  dominator: Int32Array
  /** `nodeDistances[ordinal]` verbatim: 1.. from user roots, 100000000 + n for nodes only reachable
   * from the system root, -5 when not reached at all. */
  distance: Int32Array
  /** The class name the Summary view shows (`node.className()`). */
  className: string[]
  /** The Summary view's aggregation key: `,<className>` or `<scriptId>,<line>,<column>,<className>`. */
  classKey: string[]
  /** DOMLinkState after `propagateDOMState()`: 0 unknown, 1 attached, 2 detached. */
  detachedness: Uint8Array
  /** `aggregatesWithFilter(new NodeFilter())`, as the Summary view requests it with no filter. */
  summary: Array<{
    classKey: string
    className: string
    count: number
    selfSize: number
    retainedSize: number
    distance: number
  }>
  /** True when some child of the root is not synthetic (or is `(Document DOM trees)`): DevTools'
   * private `#hasUserRoots()`, which switches shallow-size redistribution and system distances on. */
  hasUserRoots: boolean
  /** The raw `JSHeapSnapshot`, for ad-hoc use in tests. */
  snapshot: unknown
}

/** One step of a retainer chain: `node` retains the previous node through `edgeName`. */
export interface DevtoolsRetainerStep {
  node: number
  edgeName: string
  edgeType: string
}

export interface DevtoolsLoadOptions {
  /** Bytes of (decompressed) file fed to the decoder at a time; default 1 MiB. */
  chunkSize?: number
}

// Bump when the bundling recipe (entry, stubs, defines) changes so stale caches are rebuilt.
const RECIPE_VERSION = 2
const DEFAULT_CHUNK_SIZE = 1 << 20
const READ_BLOCK_SIZE = 1 << 20
const MAX_UNCONSUMED_WRITES = 256
// DevTools' HeapSnapshotRetainmentDataGrid sorts by the 'distance' column ascending, which
// HeapSnapshotRetainingObjectNode.comparator() turns into '!edgeDistance', tie-broken by 'name'.
const RETAINERS_SORT = ['!edgeDistance', true, 'name', true] as const
// HeapSnapshotRetainingObjectNode.expand() calls expandRetainersChain(20).
const RETAINERS_EXPAND_LEVELS = 20

// The subset of DevTools' worker-side API this harness touches (see HeapSnapshot.ts).
interface DtBigUint32Array {
  readonly length: number
  getValue(offset: number): number
}

interface DtNode {
  nodeIndex: number
  className(): string
  classKeyInternal(): string | number
  detachedness(): number
}

interface DtEdgeIterator {
  hasNext(): boolean
  next(): void
  edge: { node(): DtNode }
}

interface DtAggregate {
  count: number
  distance: number
  self: number
  maxRet: number
  name: string
}

interface DtSerializedEdge {
  name: string
  type: string
  node: { nodeIndex: number; distance: number }
}

interface DtEdgesProvider {
  sortAndRewind(comparator: object): void
  serializeItemsRange(begin: number, end: number): { items: DtSerializedEdge[] }
}

interface DtSnapshot {
  nodes: DtBigUint32Array
  containmentEdges: DtBigUint32Array
  strings: string[]
  nodeCount: number
  nodeFieldCount: number
  edgeFieldsCount: number
  nodeSelfSizeOffset: number
  rootNodeIndex: number
  retainedSizes: Float64Array
  dominatorsTree: Uint32Array
  nodeDistances: Int32Array
  createNode(nodeIndex?: number): DtNode
  rootNode(): DtNode & { edges(): DtEdgeIterator }
  isUserRoot(node: DtNode): boolean
  aggregatesWithFilter(filter: object): Record<string, DtAggregate>
  createRetainingEdgesProvider(nodeIndex: number): DtEdgesProvider
}

interface DtLoader {
  write(chunk: string): void
  close(): void
  buildSnapshot(secondWorker: MessagePort): Promise<DtSnapshot>
}

interface DevtoolsEngine {
  HeapSnapshot: { SecondaryInitManager: new (port: MessagePort) => object }
  HeapSnapshotLoader: { HeapSnapshotLoader: new (dispatcher?: undefined) => DtLoader }
  HeapSnapshotModel: {
    NodeFilter: new () => object
    ComparatorConfig: new (
      fieldName1: string,
      ascending1: boolean,
      fieldName2: string,
      ascending2: boolean,
    ) => object
    baseUnreachableDistance: number
  }
}

const internals = new WeakMap<
  DevtoolsNodeResults,
  { engine: DevtoolsEngine; snapshot: DtSnapshot }
>()
let enginePromise: Promise<DevtoolsEngine> | undefined

/** Where the bundle lives and what it was built from. */
function bundleLocation(): { frontEnd: string; file: string; stamp: string } {
  const require = createRequire(import.meta.url)
  const packageJson = require.resolve('chrome-devtools-frontend/package.json')
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }
  const nodeModules = dirname(dirname(packageJson))
  return {
    frontEnd: join(dirname(packageJson), 'front_end'),
    file: join(nodeModules, '.cache', 'heapgraph', 'devtools-engine.mjs'),
    stamp: `// heapgraph devtools-engine: chrome-devtools-frontend@${version} recipe ${RECIPE_VERSION}`,
  }
}

async function readFirstLine(file: string): Promise<string | undefined> {
  try {
    const handle = await open(file, 'r')
    try {
      const buffer = Buffer.alloc(256)
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
      return buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0]
    } finally {
      await handle.close()
    }
  } catch {
    return undefined
  }
}

/**
 * Builds node_modules/.cache/heapgraph/devtools-engine.mjs unless it is present and stamped with
 * the installed chrome-devtools-frontend version; returns its path and whether it was rebuilt.
 */
export async function ensureDevtoolsEngineBundle(): Promise<{ file: string; built: boolean }> {
  const { frontEnd, file, stamp } = bundleLocation()
  if ((await readFirstLine(file)) === stamp) return { file, built: false }

  const { build } = await import('esbuild')
  // The build generates core/i18n/locales.js; the package ships only its .d.ts. The worker calls
  // i18n only for serializeUIString() (plain JSON.stringify), so an en-US-only list suffices.
  const stubLocales: Plugin = {
    name: 'heapgraph-stub-locales',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\/locales\.js$/ }, (args) =>
        args.importer.includes(`${sep}core${sep}i18n${sep}`)
          ? { path: 'locales.js', namespace: 'heapgraph-stub' }
          : undefined,
      )
      pluginBuild.onLoad({ filter: /.*/, namespace: 'heapgraph-stub' }, () => ({
        loader: 'js',
        contents: [
          "export const LOCALES = ['en-US']",
          "export const BUNDLED_LOCALES = ['en-US']",
          "export const DEFAULT_LOCALE = 'en-US'",
          "export const REMOTE_FETCH_PATTERN = ''",
          "export const LOCAL_FETCH_PATTERN = ''",
        ].join('\n'),
      }))
    },
  }
  // Node 20 lacks Promise.withResolvers (loader and SecondaryInitManager use it). Rewriting the
  // member expression to an injected function keeps the global Promise untouched.
  const withResolvers: Plugin = {
    name: 'heapgraph-with-resolvers',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^heapgraph:with-resolvers$/ }, () => ({
        path: 'with-resolvers.js',
        namespace: 'heapgraph-stub-resolvers',
      }))
      pluginBuild.onLoad({ filter: /.*/, namespace: 'heapgraph-stub-resolvers' }, () => ({
        loader: 'js',
        contents: [
          'export function heapgraphPromiseWithResolvers() {',
          '  let resolve, reject',
          '  const promise = new Promise((res, rej) => { resolve = res; reject = rej })',
          '  return { promise, resolve, reject }',
          '}',
        ].join('\n'),
      }))
    },
  }
  await mkdir(dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  try {
    await build({
      stdin: {
        contents: [
          "export * as HeapSnapshot from './entrypoints/heap_snapshot_worker/HeapSnapshot.js'",
          "export * as HeapSnapshotLoader from './entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js'",
          "export * as HeapSnapshotModel from './models/heap_snapshot/HeapSnapshotModel.js'",
        ].join('\n'),
        resolveDir: frontEnd,
        sourcefile: 'heapgraph-devtools-engine-entry.ts',
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      // platform 'node' leaves the node: imports of core/platform/node/HostRuntime.ts external.
      platform: 'node',
      target: 'node20',
      outfile: temporary,
      banner: { js: stamp },
      define: { 'Promise.withResolvers': 'heapgraphPromiseWithResolvers' },
      // The only import() left is Root.Runtime.loadLegacyModule(), dead code for the worker. Lowering
      // it keeps tsx from rewriting the 1.2 MB bundle with a hi-res source map (~140 MB of RSS).
      supported: { 'dynamic-import': false },
      inject: ['heapgraph:with-resolvers'],
      plugins: [stubLocales, withResolvers],
      logLevel: 'silent',
      legalComments: 'none',
    })
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
  return { file, built: true }
}

async function loadEngine(): Promise<DevtoolsEngine> {
  enginePromise ??= ensureDevtoolsEngineBundle()
    .then(async ({ file }) => (await import(pathToFileURL(file).href)) as DevtoolsEngine)
    .catch((error: unknown) => {
      enginePromise = undefined // let a later call retry a failed build
      throw error
    })
  return enginePromise
}

async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const magic = Buffer.alloc(2)
    const { bytesRead } = await handle.read(magic, 0, 2, 0)
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b
  } finally {
    await handle.close()
  }
}

/** Streams the file (gunzipped if needed) into the loader in `chunkSize`-byte decoded pieces. */
async function feedLoader(loader: DtLoader, file: string, chunkSize: number): Promise<void> {
  const source = createReadStream(file, { highWaterMark: READ_BLOCK_SIZE })
  const stream = (await isGzipFile(file))
    ? pipeline(source, createGunzip({ chunkSize: READ_BLOCK_SIZE }), () => {})
    : source
  const decoder = new TextDecoder('utf-8')
  let unconsumedWrites = 0
  for await (const block of stream as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < block.length; offset += chunkSize) {
      loader.write(decoder.decode(block.subarray(offset, offset + chunkSize), { stream: true }))
      // The loader queues chunks in an array it shift()s; let its microtask-driven parser drain
      // the queue now and then, or tiny chunks make that queue (and each shift) huge.
      if (++unconsumedWrites === MAX_UNCONSUMED_WRITES) {
        unconsumedWrites = 0
        await yieldToEventLoop()
      }
    }
  }
  loader.write(decoder.decode())
  loader.close()
}

/** Builds the bundle if needed and imports it, so later loads time only DevTools' own work. */
export async function prepareDevtoolsEngine(): Promise<void> {
  await loadEngine()
}

/**
 * Parses and fully initializes the file with DevTools' HeapSnapshotLoader + JSHeapSnapshot, the way
 * its worker does, with the secondary-init work on an in-thread MessageChannel (as DevTools'
 * createJSHeapSnapshotForTesting does). Returns the raw JSHeapSnapshot and its node count.
 */
export async function loadDevtoolsSnapshot(
  file: string,
  options: DevtoolsLoadOptions = {},
): Promise<{ nodeCount: number; snapshot: unknown }> {
  const snapshot = await openSnapshot(await loadEngine(), file, options)
  return { nodeCount: snapshot.nodeCount, snapshot }
}

/** The Summary of a snapshot from loadDevtoolsSnapshot, as the view asks for it unfiltered. */
export async function devtoolsSummary(snapshot: unknown): Promise<number> {
  const engine = await loadEngine()
  const aggregates = (snapshot as DtSnapshot).aggregatesWithFilter(
    new engine.HeapSnapshotModel.NodeFilter(),
  )
  return Object.keys(aggregates).length
}

async function openSnapshot(
  engine: DevtoolsEngine,
  file: string,
  options: DevtoolsLoadOptions,
): Promise<DtSnapshot> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`)
  }
  const loader = new engine.HeapSnapshotLoader.HeapSnapshotLoader()
  const channel = new MessageChannel()
  try {
    // Parsing runs on microtasks while the file streams in; read errors surface here first.
    await feedLoader(loader, file, chunkSize)
    new engine.HeapSnapshot.SecondaryInitManager(channel.port2)
    return await loader.buildSnapshot(channel.port1)
  } finally {
    channel.port1.close()
    channel.port2.close()
  }
}

/** Loads `file` with DevTools' engine and copies out its per-node results. */
export async function loadWithDevtools(
  file: string,
  options: DevtoolsLoadOptions = {},
): Promise<DevtoolsNodeResults> {
  const engine = await loadEngine()
  const snapshot = await openSnapshot(engine, file, options)
  const { nodeCount, nodeFieldCount, nodes, nodeSelfSizeOffset, strings } = snapshot

  const selfSize = new Float64Array(nodeCount)
  const dominator = new Int32Array(nodeCount)
  const className: string[] = new Array<string>(nodeCount)
  const classKey: string[] = new Array<string>(nodeCount)
  const detachedness = new Uint8Array(nodeCount)
  const node = snapshot.createNode(0)
  for (let ordinal = 0; ordinal < nodeCount; ordinal++) {
    node.nodeIndex = ordinal * nodeFieldCount
    selfSize[ordinal] = nodes.getValue(node.nodeIndex + nodeSelfSizeOffset)
    dominator[ordinal] = snapshot.dominatorsTree[ordinal]
    className[ordinal] = node.className()
    // HeapSnapshot#classKeyFromClassKey: string-table indexes become ',' + name.
    const key = node.classKeyInternal()
    classKey[ordinal] = typeof key === 'number' ? `,${strings[key]}` : key
    detachedness[ordinal] = node.detachedness()
  }

  const aggregates = snapshot.aggregatesWithFilter(new engine.HeapSnapshotModel.NodeFilter())
  const summary = Object.entries(aggregates).map(([key, aggregate]) => ({
    classKey: key,
    className: aggregate.name,
    count: aggregate.count,
    selfSize: aggregate.self,
    retainedSize: aggregate.maxRet,
    distance: aggregate.distance,
  }))

  // Same test as JSHeapSnapshot#hasUserRoots(), through the public isUserRoot().
  let hasUserRoots = false
  for (let edges = snapshot.rootNode().edges(); edges.hasNext(); edges.next()) {
    if (snapshot.isUserRoot(edges.edge.node())) {
      hasUserRoots = true
      break
    }
  }

  const results: DevtoolsNodeResults = {
    nodeCount,
    edgeCount: snapshot.containmentEdges.length / snapshot.edgeFieldsCount,
    rootNode: snapshot.rootNodeIndex / nodeFieldCount,
    selfSize,
    retainedSize: Float64Array.from(snapshot.retainedSizes),
    dominator,
    distance: Int32Array.from(snapshot.nodeDistances),
    className,
    classKey,
    detachedness,
    summary,
    hasUserRoots,
    snapshot,
  }
  internals.set(results, { engine, snapshot })
  return results
}

/**
 * The chain DevTools' Retainers pane auto-expands for `node`: repeatedly the first retainer under
 * its default sort (distance ascending, then name), via the engine's own retaining-edges provider,
 * stopping like expandRetainersChain() at distance <= 1, an unreachable retainer, no retainers, or
 * after `maxLevels` (DevTools: 20) steps.
 */
export function devtoolsFirstRetainerPath(
  results: DevtoolsNodeResults,
  node: number,
  options: { maxLevels?: number } = {},
): DevtoolsRetainerStep[] {
  const state = internals.get(results)
  if (!state) throw new Error('results did not come from loadWithDevtools()')
  return retainerChain(state.engine, state.snapshot, node, options.maxLevels)
}

/**
 * The same chain for a snapshot from loadDevtoolsSnapshot() (the benchmark's lean load).
 * `node` is an ordinal.
 */
export async function devtoolsRetainerChain(
  snapshot: unknown,
  node: number,
): Promise<DevtoolsRetainerStep[]> {
  return retainerChain(await loadEngine(), snapshot as DtSnapshot, node, undefined)
}

function retainerChain(
  engine: DevtoolsEngine,
  snapshot: DtSnapshot,
  node: number,
  maxLevels = RETAINERS_EXPAND_LEVELS,
): DevtoolsRetainerStep[] {
  const { ComparatorConfig, baseUnreachableDistance } = engine.HeapSnapshotModel
  const comparator = new ComparatorConfig(...RETAINERS_SORT)
  const steps: DevtoolsRetainerStep[] = []
  let nodeIndex = node * snapshot.nodeFieldCount
  for (let level = 0; level < maxLevels; level++) {
    const provider = snapshot.createRetainingEdgesProvider(nodeIndex)
    provider.sortAndRewind(comparator)
    const [first] = provider.serializeItemsRange(0, 1).items
    if (!first) break
    steps.push({
      node: first.node.nodeIndex / snapshot.nodeFieldCount,
      edgeName: first.name,
      edgeType: first.type,
    })
    if (first.node.distance <= 1 || first.node.distance >= baseUnreachableDistance) break
    nodeIndex = first.node.nodeIndex
  }
  return steps
}

/** One class of DevTools' Comparison view (HeapSnapshotModel.Diff, without the per-object lists). */
export interface DevtoolsClassDiff {
  className: string
  addedCount: number
  removedCount: number
  countDelta: number
  addedSize: number
  removedSize: number
  sizeDelta: number
}

interface DtDiffSnapshot {
  interfaceDefinitions(): string
  aggregatesForDiff(interfaceDefinitions: string): unknown
  calculateSnapshotDiff(baseSnapshotId: number, aggregates: unknown): Record<string, DtClassDiff>
}

interface DtClassDiff extends Omit<DevtoolsClassDiff, 'className'> {
  name: string
}

// calculateSnapshotDiff() caches its answer per base snapshot id, so each base needs its own.
const baseSnapshotIds = new WeakMap<object, number>()
let lastBaseSnapshotId = 0

/**
 * DevTools' Comparison view for two snapshots from loadDevtoolsSnapshot(), keyed by class key:
 * as HeapSnapshotDiffDataGrid does it, the base's aggregatesForDiff() with the newer snapshot's
 * interface definitions, then the newer one's calculateSnapshotDiff().
 */
export function devtoolsSnapshotDiff(
  before: unknown,
  after: unknown,
): Record<string, DevtoolsClassDiff> {
  const base = before as DtDiffSnapshot
  const target = after as DtDiffSnapshot
  let baseId = baseSnapshotIds.get(base)
  if (baseId === undefined) {
    baseId = ++lastBaseSnapshotId
    baseSnapshotIds.set(base, baseId)
  }
  const aggregates = base.aggregatesForDiff(target.interfaceDefinitions())
  const diff = target.calculateSnapshotDiff(baseId, aggregates)
  return Object.fromEntries(
    Object.entries(diff).map(([classKey, entry]) => [
      classKey,
      {
        className: entry.name,
        addedCount: entry.addedCount,
        removedCount: entry.removedCount,
        countDelta: entry.countDelta,
        addedSize: entry.addedSize,
        removedSize: entry.removedSize,
        sizeDelta: entry.sizeDelta,
      },
    ]),
  )
}
