// ELK, the graph's layout engine, in a Web Worker of its own: a layout of 200 nodes takes
// about 100 ms there, off the page's main thread. One worker serves every graph on the page.
// Where a worker cannot start (a page whose origin forbids it), ELK runs on the page instead,
// loaded on first use.
import ELK from 'elkjs/lib/elk-api.js'
import workerUrl from 'elkjs/lib/elk-worker.min.js?url'
import type { ElkNode } from 'elkjs/lib/elk-api'
import {
  elkGraphOf,
  type ElkEngine,
  type GraphEdge,
  type GraphModel,
  type GraphNode,
  type NodeKind,
} from '../../../shared/view/graph-model'

let engine: Promise<ElkEngine> | null = null
/** Where the last layout ran: in ELK's worker, or on the page (the fallback). */
let where: 'worker' | 'page' | null = null

/** Where layouts run now ('worker' or 'page'), once the engine has started. */
export const layoutRunsIn = (): 'worker' | 'page' | null => where

/** A layout that takes longer than this has gone wrong (200 nodes take about 100 ms). */
const LAYOUT_TIMEOUT_MS = 15_000

async function inThread(): Promise<ElkEngine> {
  const { default: Bundled } = await import('elkjs/lib/elk.bundled.js')
  where = 'page'
  return new Bundled()
}

/** ELK in its worker, once the worker answers; ELK on the page if the worker cannot run. */
function start(): Promise<ElkEngine> {
  return new Promise((resolve) => {
    let worker: Worker
    try {
      worker = new Worker(workerUrl, { name: 'heapgraph-layout' })
    } catch {
      resolve(inThread())
      return
    }
    const elk = new ELK({ workerFactory: () => worker })
    const fallBack = (): void => {
      elk.terminateWorker()
      resolve(inThread())
    }
    // A worker script that fails to load says so only by an error event.
    worker.addEventListener('error', fallBack, { once: true })
    elk.knownLayoutAlgorithms().then(() => {
      worker.removeEventListener('error', fallBack)
      where = 'worker'
      resolve(inWorker(elk, worker))
    }, fallBack)
  })
}

/**
 * ELK's layouts through its worker, each one failing (instead of waiting for ever) when the
 * worker reports an error or the layout times out. A worker that failed is replaced.
 */
function inWorker(elk: InstanceType<typeof ELK>, worker: Worker): ElkEngine {
  return {
    layout: (graph: ElkNode) =>
      new Promise<ElkNode>((resolve, reject) => {
        const fail = (reason: string): void => {
          worker.removeEventListener('error', onError)
          clearTimeout(timer)
          elk.terminateWorker()
          engine = null
          reject(new Error(reason))
        }
        const onError = (event: ErrorEvent): void => fail(event.message || 'the layout failed')
        const timer = setTimeout(() => fail('the layout took too long'), LAYOUT_TIMEOUT_MS)
        worker.addEventListener('error', onError)
        elk.layout(graph).then(
          (laidOut) => {
            worker.removeEventListener('error', onError)
            clearTimeout(timer)
            resolve(laidOut)
          },
          (failure: unknown) => {
            worker.removeEventListener('error', onError)
            clearTimeout(timer)
            reject(failure instanceof Error ? failure : new Error(describe(failure)))
          },
        )
      }),
  }
}

/** ELK's own errors arrive as plain objects (Java exceptions): their message, if any. */
function describe(failure: unknown): string {
  if (typeof failure === 'object' && failure !== null && 'message' in failure)
    return String(failure.message)
  return String(failure)
}

/** The page's layout engine, started on first use. */
export function elkEngine(): ElkEngine {
  return {
    layout: async (graph: ElkNode) => (await (engine ??= start())).layout(graph),
  }
}

/**
 * Starts the worker and lays out a few small graphs while the page is idle, so the first
 * graph a user asks for does not pay for the engine's start (about 150 ms cold).
 */
export function warmLayoutEngine(): void {
  const warm = async (): Promise<void> => {
    const elk = elkEngine()
    const model = warmUpModel()
    for (let round = 0; round < 3; round++) await elk.layout(elkGraphOf(model))
  }
  const idle = (callback: () => void): void => {
    if ('requestIdleCallback' in window) window.requestIdleCallback(callback, { timeout: 2000 })
    else setTimeout(callback, 200)
  }
  idle(() => void warm().catch(() => undefined))
}

/** A small layered graph (a root, two chains and a fan) for the warm-up runs. */
function warmUpModel(): GraphModel {
  const node = (id: number, kind: NodeKind): GraphNode => ({
    id: `n${id}`,
    node: id,
    label: `Object${id}`,
    className: 'Object',
    name: 'Object',
    type: 'object',
    selfSize: 16,
    retainedSize: 16 * id,
    kind,
    cycle: null,
    folded: [],
    distance: id,
    isNew: false,
    isFreed: false,
    isOnAlivePath: false,
  })
  const nodes = [node(0, 'root'), ...[1, 2, 3, 4, 5, 6, 7, 8].map((id) => node(id, 'object'))]
  nodes.push(node(9, 'target'))
  const pairs = [
    [0, 1],
    [1, 2],
    [2, 9],
    [0, 3],
    [3, 4],
    [4, 5],
    [5, 9],
    [6, 2],
    [7, 2],
    [8, 4],
  ]
  const edges = pairs.map(([from, to]): GraphEdge => ({
    id: `e${from}-${to}`,
    source: `n${from}`,
    target: `n${to}`,
    label: '.x',
    type: 'property',
    name: 'x',
    isWeak: false,
    via: null,
    holder: from,
    ordinal: null,
    isCut: false,
    isOnAlivePath: false,
  }))
  return { nodes, edges }
}
