// Benchmark child: the parse's inner loops per core, each alone while the other cores idle.
// `nodes` and `edges`: one parse worker thread (the loader's own) given the whole section as one
// range, into shared arrays as in a load; `strings`: the one-stream parser given only the
// strings section. Each runs three times (the workers' arrays are written before from the second
// on), the strings ten (they take a few tens of milliseconds, a few of which V8 spends compiling
// the decoder: the first run, as a load meets it, is reported too); the best run counts. Prints
// one JSON line {sections: {name: {bytes, ms, tokenizeMs, firstMs}}}.
// (On this 2-core machine a worker reads more slowly while the loading thread works beside it:
// parse-scaling.ts measures that.)
// Usage: node --import tsx test/bench/parse-kernels.ts <file>
import { once } from 'node:events'
import { open } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import {
  ROLE,
  workerSource,
  type ParseJob,
  type WorkerReply,
} from '../../electron/backend/parallel-parse/parse-worker'
import { SnapshotParser } from '../../shared/heap/parse/snapshot-parser'

/**
 * A section's bytes, and the best run's time: in all, and its tokenizer's (for strings, both);
 * and the first run's time in all.
 */
export interface Kernel {
  bytes: number
  ms: number
  tokenizeMs: number
  firstMs: number
}

const RUNS = 3
const STRING_RUNS = 10
const NODE_ROLES: Record<string, number> = {
  type: ROLE.type,
  name: ROLE.name,
  id: ROLE.id,
  self_size: ROLE.selfSize,
  edge_count: ROLE.edgeCount,
  trace_node_id: ROLE.traceNodeId,
  detachedness: ROLE.detachedness,
}
const EDGE_ROLES: Record<string, number> = {
  type: ROLE.type,
  name_or_index: ROLE.name,
  to_node: ROLE.toNode,
}

interface Header {
  node_count: number
  edge_count: number
  meta: {
    node_fields: string[]
    node_types: [string[], ...unknown[]]
    edge_fields: string[]
    edge_types: [string[], ...unknown[]]
  }
}

/** The byte range between `"key":[` and its `]`, searching from `from`. */
function sectionOf(text: Buffer, key: string, from: number): { start: number; end: number } {
  const open = text.indexOf(`"${key}":[`, from)
  if (open < 0) throw new Error(`no "${key}" section`)
  const start = open + key.length + 4
  return { start, end: text.indexOf(']', start) }
}

function sharedU8(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length))
}

function sharedU32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(4 * length))
}

async function workerKernel(
  worker: Worker,
  job: Omit<ParseJob, 'job' | 'counts'>,
): Promise<Kernel> {
  let best: Kernel | null = null
  let firstMs = 0
  for (let run = 0; run < RUNS; run++) {
    const counts = new Int32Array(new SharedArrayBuffer(8)).fill(-1, 1)
    worker.postMessage({ ...job, job: run, counts, index: 0 })
    const [reply] = (await once(worker, 'message')) as [WorkerReply]
    if (!reply.ok) throw new Error('the worker refused the section')
    if (run === 0) firstMs = reply.ms
    const kernel = { bytes: job.end - job.start, ms: reply.ms, tokenizeMs: reply.tokenizeMs }
    if (best === null || kernel.tokenizeMs < best.tokenizeMs) best = { ...kernel, firstMs }
  }
  return best as Kernel
}

function stringsKernel(text: Buffer, section: { start: number; end: number }): Kernel {
  // The parser given `{"strings":[…]}` in the loader's chunks of 1 MiB.
  const body = Buffer.concat([
    Buffer.from('{"strings":['),
    text.subarray(section.start, section.end),
    Buffer.from(']}'),
  ])
  let best = Infinity
  let firstMs = 0
  for (let run = 0; run < STRING_RUNS; run++) {
    const parser = new SnapshotParser()
    const started = performance.now()
    for (let at = 0; at < body.length; at += 1 << 20) {
      parser.write(body.subarray(at, Math.min(body.length, at + (1 << 20))))
    }
    const ms = performance.now() - started
    if (run === 0) firstMs = ms
    best = Math.min(best, ms)
  }
  return { bytes: section.end - section.start, ms: best, tokenizeMs: best, firstMs }
}

async function main(argv: readonly string[]): Promise<void> {
  const [file] = argv
  if (!file) {
    process.stderr.write('usage: node --import tsx test/bench/parse-kernels.ts <file>\n')
    process.exitCode = 2
    return
  }
  const handle = await open(file)
  const text = await handle.readFile()
  await handle.close()
  const nodes = sectionOf(text, 'nodes', 0)
  const edges = sectionOf(text, 'edges', nodes.end)
  // The strings come last, and a string may hold a bracket: they end at the file's last one.
  const strings = { start: sectionOf(text, 'strings', edges.end).start, end: text.lastIndexOf(']') }
  const head = text.subarray(0, nodes.start).toString('utf8')
  const header = (JSON.parse(head.slice(0, head.lastIndexOf(',')) + '}') as { snapshot: Header })
    .snapshot
  const { meta } = header
  const worker = new Worker(workerSource(), { eval: true })
  try {
    await once(worker, 'message') // 'ready'
    const nodeCount = header.node_count
    const edgeCount = header.edge_count
    const common = { type: 'parse' as const, file, readBytes: 4 << 20, last: true }
    const nodeKernel = await workerKernel(worker, {
      ...common,
      start: nodes.start,
      end: nodes.end,
      index: 0,
      roles: Uint8Array.from(meta.node_fields, (field) => NODE_ROLES[field] ?? ROLE.none),
      typeCount: meta.node_types[0].length,
      nodeFieldCount: meta.node_fields.length,
      nodeCount,
      nodes: {
        nodeType: sharedU8(nodeCount),
        nodeName: sharedU32(nodeCount),
        nodeId: sharedU32(nodeCount),
        nodeSelfSize: sharedU32(nodeCount),
        nodeTraceNodeId: sharedU32(nodeCount),
        nodeDetachedness: sharedU8(nodeCount),
        firstEdge: sharedU32(nodeCount + 1),
      },
      edges: null,
    })
    const edgeKernel = await workerKernel(worker, {
      ...common,
      start: edges.start,
      end: edges.end,
      index: 0,
      roles: Uint8Array.from(meta.edge_fields, (field) => EDGE_ROLES[field] ?? ROLE.none),
      typeCount: meta.edge_types[0].length,
      nodeFieldCount: meta.node_fields.length,
      nodeCount,
      nodes: null,
      edges: {
        edgeType: sharedU8(edgeCount),
        edgeNameOrIndex: sharedU32(edgeCount),
        edgeTarget: sharedU32(edgeCount),
      },
    })
    const sections = {
      nodes: nodeKernel,
      edges: edgeKernel,
      strings: stringsKernel(text, strings),
    }
    process.stdout.write(`${JSON.stringify({ sections })}\n`)
  } finally {
    await worker.terminate()
  }
}

await main(process.argv.slice(2))
