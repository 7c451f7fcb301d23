// The parse worker: parses byte ranges of a snapshot's `nodes` and `edges` arrays
// straight into shared typed arrays. It runs in a worker thread from its own source text
// (workerSource), so this function must stand alone: no imports, no module-level names, only its
// parameters. It reports a range it cannot parse as `ok: false` without a reason: the loader
// then parses the whole file in one stream, whose errors name the byte and what was expected.
import type * as WorkerThreads from 'node:worker_threads'
import type * as Fs from 'node:fs'
import type { DeferredArrays } from '../../../shared/heap/parse/snapshot-parser'
import {
  redistributeSizes,
  type SizeRedistribution,
} from '../../../shared/heap/analyses/shallow-sizes'
import { searchDistances, type DistanceSearch } from '../../../shared/heap/analyses/distances'

/** Field roles, as the parser numbers them (snapshot-parser.ts F_*). */
export const ROLE = {
  none: 0,
  type: 1,
  name: 2,
  id: 3,
  selfSize: 4,
  edgeCount: 5,
  traceNodeId: 6,
  detachedness: 7,
  toNode: 8,
} as const

/** Shared arrays a parse job writes (SharedArrayBuffer-backed): the parser's, by section. */
export type EdgeArrays = Pick<DeferredArrays, 'edgeType' | 'edgeNameOrIndex' | 'edgeTarget'>
export type NodeArrays = Omit<DeferredArrays, keyof EdgeArrays>

/**
 * Parses bytes [start, end), range `index` of its section, checked and stored. The range's first
 * value is the count of the ranges before it: each job publishes its own count in `counts`
 * once it has read its range, and stores its values once every earlier range's count is there.
 */
export interface ParseJob {
  type: 'parse'
  job: number
  file: string
  start: number
  end: number
  /** Bytes per read (tests read a few at a time to cross every boundary). */
  readBytes: number
  /** The section's last range: it ends with a number, not a comma. */
  last: boolean
  index: number
  /**
   * Shared: [0] is set to 1 when the parse is given up (a waiting job then stops); [1 + k] is
   * range k's value count once known, COUNT_UNKNOWN before, COUNT_FAILED if it failed.
   */
  counts: Int32Array
  /** Per field position: its role (ROLE). */
  roles: Uint8Array
  /** Node or edge types declared. */
  typeCount: number
  /** For to_node: the node field count, and the node count targets must stay under. */
  nodeFieldCount: number
  nodeCount: number
  nodes: NodeArrays | null
  edges: EdgeArrays | null
}

/**
 * Retainers, in two passes over the edges of nodes [nodeStart, nodeEnd): `count` counts each
 * target's incoming edges into `slots`; `fill` then writes each edge (and its source node) at
 * --slots[target], where the loader has turned the counts into where this part's slots end.
 */
export interface RetainerJob {
  type: 'retainers-count' | 'retainers-fill'
  job: number
  nodeStart: number
  nodeEnd: number
  firstEdge: Uint32Array
  edgeTarget: Uint32Array
  slots: Uint32Array
  retainerEdge: Uint32Array
  retainerNode: Uint32Array
}

/**
 * Self sizes as DevTools shows them (shallow-sizes.ts), while the loading thread goes on with
 * the next stages: the raw sizes, redistributed in `selfSize`; `owner` and `worklist` are its
 * work (all shared, from the loading thread's work arrays).
 */
export interface SizesJob {
  type: 'sizes'
  job: number
  input: SizeRedistribution
  rawSelfSize: Uint32Array | Float64Array
  selfSize: Float64Array
  owner: Uint32Array
  worklist: Uint32Array
}

/**
 * Distances from the roots (distances.ts), while the loading thread goes on with the next
 * stages: into `distance`, with `queue` for its work (both shared, from its work arrays).
 */
export interface DistancesJob {
  type: 'distances'
  job: number
  input: DistanceSearch
  distance: Int32Array
  queue: Uint32Array
}

export type WorkerJob = ParseJob | RetainerJob | SizesJob | DistancesJob

/**
 * ParseJob.counts: a range whose count is not known yet, and one that failed. The worker writes
 * them as the literals -1 and -2 (its source stands alone).
 */
export const COUNT_UNKNOWN = -1
export const COUNT_FAILED = -2

export interface WorkerReply {
  job: number
  ok: boolean
  /** Values stored. */
  values: number
  /** Time the job worked, ms (not the time it waited for the counts of the ranges before it). */
  ms: number
  /** Of which: reading the file, tokenizing its bytes, storing the values in their fields. */
  readMs: number
  tokenizeMs: number
  storeMs: number
}

/**
 * The worker's body. `threads` and `fs` are node:worker_threads and node:fs; `redistribute` is
 * shallow-sizes.ts's redistributeSizes and `search` distances.ts's searchDistances (their source
 * text, too).
 */
export function parseWorker(
  threads: typeof WorkerThreads,
  fs: typeof Fs,
  redistribute: typeof redistributeSizes,
  search: typeof searchDistances,
): void {
  const port = threads.parentPort
  if (port === null) return
  // Reads of CHUNK bytes, with room past them for the tokenizer's sentinel. A job asking for
  // another read size gets new buffers.
  let CHUNK = 0
  let buffer = new Uint8Array(0)
  // Values read and not yet stored in their fields: a read's, or more while the range's first
  // value is not known (it grows as needed, and is kept for the next job).
  // 32 bits each: the tokenizer refuses a larger one (the one-stream parse then takes the file),
  // and half the width of a double is half the memory the field passes read.
  let values = new Uint32Array(0)

  /**
   * Reads the numbers of buffer[0, limit) into `values` from `count` on: spaces, a number,
   * spaces, a comma, again and again. A comma written at the limit stops every run (the byte
   * under it is kept). Returns the new count * 2, plus 1 when the last number ran into that
   * comma (the bytes end with a number, not a comma), or -1 for anything else (a number over 32
   * bits included).
   */
  function tokenize(limit: number, count: number): number {
    const underSentinel = buffer[limit]
    buffer[limit] = 0x2c
    let i = 0
    while (i < limit) {
      let c = buffer[i]
      let digit = c - 0x30
      if (digit >>> 0 > 9) {
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buffer[++i]
        digit = c - 0x30
        if (digit >>> 0 > 9) {
          count = -1
          break
        }
      }
      const begin = i
      let value = digit
      // In 32-bit integers (a double's multiply and add take twice as long): a ten-digit
      // number wraps, and is stored as its low 32 bits once checked in doubles to be under 2^32.
      while ((digit = buffer[++i] - 0x30) >>> 0 <= 9) value = (Math.imul(value, 10) + digit) | 0
      if (i - begin > 9 && (i - begin > 10 || !fitsIn32Bits(begin, i))) {
        count = -1
        break
      }
      values[count++] = value
      c = digit + 0x30
      if (c !== 0x2c) {
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buffer[++i]
        if (c !== 0x2c) {
          count = -1
          break
        }
      }
      i++
    }
    buffer[limit] = underSentinel
    if (count < 0) return -1
    return count * 2 + (i > limit ? 1 : 0)
  }

  /** Whether the ten digits buffer[begin, end) are a number under 2^32. */
  function fitsIn32Bits(begin: number, end: number): boolean {
    let exact = 0
    for (let j = begin; j < end; j++) exact = exact * 10 + (buffer[j] - 0x30)
    return exact <= 0xffffffff
  }

  /**
   * values[first], values[first + step]… into target[at…], each at most `max` (a byte field:
   * a type, detachedness). Its 32-bit twin, storeWords, has nothing to check; each stays
   * monomorphic in the hottest loop of the parse.
   */
  function storeBytes(
    first: number,
    count: number,
    step: number,
    target: Uint8Array,
    at: number,
    max: number,
  ): boolean {
    let ok = true
    for (let j = first; j < count; j += step, at++) {
      const value = values[j]
      if (value > max) ok = false
      target[at] = value
    }
    return ok
  }

  /** As storeBytes, for 32-bit fields: every value fits (the tokenizer saw to it). */
  function storeWords(
    first: number,
    count: number,
    step: number,
    target: Uint32Array,
    at: number,
  ): boolean {
    for (let j = first; j < count; j += step, at++) target[at] = values[j]
    return true
  }

  /**
   * As storeBytes, for fields that are mostly 0 (trace node ids without allocation tracking,
   * detachedness outside the DOM): zeros are not written, so the pages of an all-zero array are
   * never touched and take no memory.
   */
  function storeNonZero(
    first: number,
    count: number,
    step: number,
    target: Uint8Array | Uint32Array,
    at: number,
    max: number,
  ): boolean {
    let ok = true
    for (let j = first; j < count; j += step, at++) {
      const value = values[j]
      if (value > max) ok = false
      if (value !== 0) target[at] = value
    }
    return ok
  }

  /** to_node values: a multiple of the node field count, under the node count. */
  function storeTargets(
    first: number,
    count: number,
    step: number,
    target: Uint32Array,
    at: number,
    nodeFieldCount: number,
    nodeCount: number,
  ): boolean {
    let ok = true
    for (let j = first; j < count; j += step, at++) {
      const node = values[j] / nodeFieldCount
      if (node !== Math.floor(node) || node >= nodeCount) ok = false
      target[at] = node
    }
    return ok
  }

  /** A retainer job (see RetainerJob); the arrays are shared. */
  function retainers(job: RetainerJob): void {
    const firstEdge = job.firstEdge
    const edgeTarget = job.edgeTarget
    const slots = job.slots
    const begin = firstEdge[job.nodeStart]
    const end = firstEdge[job.nodeEnd]
    if (job.type === 'retainers-count') {
      for (let edge = begin; edge < end; edge++) slots[edgeTarget[edge]]++
      return
    }
    const retainerEdge = job.retainerEdge
    const retainerNode = job.retainerNode
    for (let node = job.nodeStart; node < job.nodeEnd; node++) {
      const last = firstEdge[node + 1]
      for (let edge = firstEdge[node]; edge < last; edge++) {
        const slot = --slots[edgeTarget[edge]]
        retainerEdge[slot] = edge
        retainerNode[slot] = node
      }
    }
  }

  /**
   * Stores the range's `count` values, values firstValue… of the section, each field in one
   * strided pass, checked as the one-stream parser checks them.
   */
  function store(message: ParseJob, firstValue: number, count: number): boolean {
    const roles = message.roles
    const fieldCount = roles.length
    const typeCount = message.typeCount
    const nodeFieldCount = message.nodeFieldCount
    const nodeCount = message.nodeCount
    // Locals, not the message's properties, in the loops: a cloned object's property loads
    // are slow. A section's arrays are empty stand-ins for the other section's.
    const isNodes = message.nodes !== null
    const empty8 = new Uint8Array(0)
    const empty32 = new Uint32Array(0)
    const nodes = message.nodes
    const edges = message.edges
    const typeArray = nodes ? nodes.nodeType : edges ? edges.edgeType : empty8
    const nameArray = nodes ? nodes.nodeName : edges ? edges.edgeNameOrIndex : empty32
    const idArray = nodes ? nodes.nodeId : empty32
    const selfSizeArray = nodes ? nodes.nodeSelfSize : empty32
    const edgeCountArray = nodes ? nodes.firstEdge : empty32
    const traceArray = nodes ? nodes.nodeTraceNodeId : empty32
    const detachedArray = nodes ? nodes.nodeDetachedness : empty8
    const targetArray = edges ? edges.edgeTarget : empty32
    // The range's first value, as field and element.
    const field = firstValue % fieldCount
    const element = (firstValue - field) / fieldCount
    // The section's arrays hold its declared count: a range past it is not as it should be.
    const capacity = isNodes ? typeArray.length : targetArray.length
    if (firstValue + count > capacity * fieldCount) return false
    let ok = true
    for (let f = 0; f < fieldCount && ok; f++) {
      const first = (f - field + fieldCount) % fieldCount
      const at = element + (field + first >= fieldCount ? 1 : 0)
      switch (roles[f]) {
        case 1:
          ok = storeBytes(first, count, fieldCount, typeArray, at, typeCount - 1)
          break
        case 2:
          ok = storeWords(first, count, fieldCount, nameArray, at)
          break
        case 3:
          ok = storeWords(first, count, fieldCount, idArray, at)
          break
        case 4:
          ok = storeWords(first, count, fieldCount, selfSizeArray, at)
          break
        case 5:
          ok = storeWords(first, count, fieldCount, edgeCountArray, at + 1)
          break
        case 6:
          ok = storeNonZero(first, count, fieldCount, traceArray, at, 0xffffffff)
          break
        case 7:
          ok = storeNonZero(first, count, fieldCount, detachedArray, at, 2)
          break
        case 8:
          ok = storeTargets(first, count, fieldCount, targetArray, at, nodeFieldCount, nodeCount)
          break
      }
      // A role the section does not have (a node's to_node, an edge's id) cannot come: the
      // roles are built per section.
      if (isNodes ? roles[f] === 8 : roles[f] >= 3 && roles[f] <= 7) ok = false
    }
    return ok
  }

  port.postMessage('ready')
  port.on('message', (message: WorkerJob) => {
    const started = performance.now()
    if (message.type !== 'parse') {
      if (message.type === 'sizes') redistribute(message.input, message.rawSelfSize, message)
      else if (message.type === 'distances') search(message.input, message.distance, message.queue)
      else retainers(message)
      const ms = performance.now() - started
      port.postMessage({
        job: message.job,
        ok: true,
        values: 0,
        ms,
        readMs: 0,
        tokenizeMs: 0,
        storeMs: 0,
      })
      return
    }
    let fd = -1
    let reply: WorkerReply
    let waited = 0
    // The job's time by part (a few clock readings per read of CHUNK bytes).
    let readMs = 0
    let tokenizeMs = 0
    let storeMs = 0
    const counts = message.counts
    const slot = 1 + message.index
    if (message.readBytes !== CHUNK) {
      CHUNK = message.readBytes
      buffer = new Uint8Array(CHUNK + 8)
    }
    /**
     * The range's first value: the sum of the counts of the ranges before it, -1 while one is
     * not known yet (when `wait`, it waits for them), -2 when one failed or the parse stopped.
     */
    const firstValueOf = (wait: boolean): number => {
      let sum = 0
      for (let before = 1; before < slot; before++) {
        let known = Atomics.load(counts, before)
        if (known === -1 && wait) {
          const waitStarted = performance.now()
          // In steps, so that a parse given up (counts[0]) ends the wait.
          while (known === -1 && Atomics.load(counts, 0) === 0) {
            Atomics.wait(counts, before, -1, 100)
            known = Atomics.load(counts, before)
          }
          waited += performance.now() - waitStarted
        }
        if (known < 0) return known === -1 && Atomics.load(counts, 0) === 0 ? -1 : -2
        sum += known
      }
      return sum
    }
    /** Publishes this range's count (-2: failed) for the ranges after it. */
    const publish = (count: number): void => {
      if (slot < counts.length && Atomics.load(counts, slot) === -1) {
        Atomics.store(counts, slot, count)
        Atomics.notify(counts, slot)
      }
    }
    try {
      fd = fs.openSync(message.file, 'r')
      // Values read and stored, and values read and held in `values` until the range's first
      // value is known (at once for the first range; for the others, once the ranges before
      // them are counted, usually while this one is still being read).
      let stored = 0
      let held = 0
      let firstValue = message.index === 0 ? 0 : -1
      let carry = 0
      let position = message.start
      let ok = slot < counts.length
      // Whether the bytes so far end with a number (not a comma).
      let endsWithNumber = false
      while (ok && (position < message.end || carry > 0)) {
        const want = Math.min(CHUNK - carry, message.end - position)
        const readStarted = performance.now()
        const got = want > 0 ? fs.readSync(fd, buffer, carry, want, position) : 0
        readMs += performance.now() - readStarted
        if (want > 0 && got <= 0) {
          ok = false
          break
        }
        position += got
        const filled = carry + got
        const final = position >= message.end
        // Parse up to just after the last comma; the rest waits for the next read.
        let limit = filled
        if (!final) {
          limit = buffer.lastIndexOf(0x2c, filled - 1) + 1
          if (limit === 0) {
            ok = false
            break
          }
        }
        // Room for every value these bytes can hold (each but a section's last takes two).
        if (values.length < held + (limit >> 1) + 2) {
          const larger = new Uint32Array(Math.max(held + (limit >> 1) + 2, 2 * values.length))
          larger.set(values.subarray(0, held))
          values = larger
        }
        // Tokens: spaces, a number, spaces, a comma. A comma at the limit stops every run;
        // the byte under it is kept.
        const tokenizeStarted = performance.now()
        const tokens = tokenize(limit, held)
        const tokenized = performance.now()
        tokenizeMs += tokenized - tokenizeStarted
        if (tokens < 0) {
          ok = false
          break
        }
        if (tokens >>> 1 > held) endsWithNumber = (tokens & 1) === 1
        held = tokens >>> 1
        if (firstValue === -1) firstValue = firstValueOf(false)
        if (firstValue === -2) ok = false
        else if (firstValue >= 0 && held > 0) {
          ok = store(message, firstValue + stored, held)
          stored += held
          held = 0
          storeMs += performance.now() - tokenized
        }
        // The final read parses everything, so only a middle read leaves bytes over.
        carry = filled - limit
        if (carry > 0) buffer.copyWithin(0, limit, filled)
      }
      // A middle range ends with its comma; the last ends with a number.
      if (ok && endsWithNumber !== message.last) ok = false
      // This range's count for the ranges after it; then, if it is not known yet, the first
      // value of this one, and the values held till then.
      publish(ok ? stored + held : -2)
      if (ok && firstValue === -1) firstValue = firstValueOf(true)
      if (firstValue < 0) ok = false
      if (ok && held > 0) {
        const storeStarted = performance.now()
        ok = store(message, firstValue + stored, held)
        storeMs += performance.now() - storeStarted
      }
      reply = {
        job: message.job,
        ok,
        values: stored + held,
        ms: performance.now() - started - waited,
        readMs,
        tokenizeMs,
        storeMs,
      }
    } catch {
      publish(-2)
      reply = {
        job: message.job,
        ok: false,
        values: 0,
        ms: performance.now() - started - waited,
        readMs,
        tokenizeMs,
        storeMs,
      }
    } finally {
      if (fd !== -1) fs.closeSync(fd)
    }
    port.postMessage(reply)
  })
}

/**
 * The worker's source text: the function above, called with the modules it needs. esbuild (the
 * bundles, tsx) may wrap named functions in `__name(…)` to keep their names; the shim makes
 * that a no-op in the worker, where esbuild's helper does not exist.
 */
export function workerSource(): string {
  return (
    'const __name = (target) => target;\n' +
    `(${parseWorker.toString()})(require('node:worker_threads'), require('node:fs'), ` +
    `(${redistributeSizes.toString()}), (${searchDistances.toString()}))`
  )
}
