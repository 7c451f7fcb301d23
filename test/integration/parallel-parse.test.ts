// The parallel parse on real snapshots: worker threads that parse ranges of `nodes` and `edges`
// into shared arrays give exactly what the one-stream parser gives, and build the same
// retainers as one thread, for any number of workers, ranges and read sizes; a damaged file fails with the one-stream parser's
// own error (what and at which byte); a worker that dies fails the load with a clear error and
// the next load works; cancellation stops it; and the file loader picks the path as documented.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Worker } from 'node:worker_threads'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadSnapshotFile, parseSnapshotFile } from '../../electron/backend/load-snapshot'
import {
  parseSnapshotFileParallel,
  type ParallelParse,
  type RangeTiming,
} from '../../electron/backend/parallel-parse/parallel-parse'
import { buildRetainers } from '../../shared/heap/graph/heap-graph'
import { HeapSnapshotError } from '../../shared/heap/errors'
import type { ParsedSnapshot } from '../../shared/heap/parse/snapshot-parser'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { runCli } from '../helpers/cli'
import { fixture, sizedFixture } from '../helpers/fixtures'

const execFileAsync = promisify(execFile)
let dir: string
let sized: string
let kitchen: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'heapgraph-parallel-'))
  sized = await sizedFixture(4)
  kitchen = await fixture('kitchen-sink')
}, 300_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The one-stream parse of `file`. */
function sequential(file: string): Promise<ParsedSnapshot> {
  return parseSnapshotFile(file, { parallel: false })
}

/** Fails unless the two parses hold the same values in every array and string. */
function expectSameParse(actual: ParsedSnapshot, expected: ParsedSnapshot, what: string): void {
  expect(actual.nodeCount, what).toBe(expected.nodeCount)
  expect(actual.edgeCount, what).toBe(expected.edgeCount)
  const keys = Object.keys(expected) as (keyof ParsedSnapshot)[]
  for (const key of keys) {
    const want = expected[key]
    const got = actual[key]
    if (ArrayBuffer.isView(want)) {
      const a = Array.from(want as Uint32Array)
      const b = Array.from(got as Uint32Array)
      expect(b.length, `${what}: ${key}`).toBe(a.length)
      const first = a.findIndex((value, at) => value !== b[at])
      expect(first, `${what}: ${key} differs at ${first}`).toBe(-1)
    } else {
      expect(got, `${what}: ${key}`).toEqual(want)
    }
  }
}

/** The bytes of a file's `nodes` and `edges` sections between their brackets. */
async function sectionBytes(file: string): Promise<number> {
  const text = await readFile(file)
  const nodes = bodyOf(text, 'nodes')
  const edges = bodyOf(text, 'edges')
  return nodes.end - nodes.start + edges.end - edges.start
}

async function errorOf(run: () => Promise<unknown>): Promise<HeapSnapshotError> {
  try {
    await run()
  } catch (error) {
    if (error instanceof HeapSnapshotError) return error
    throw error
  }
  throw new Error('expected the load to fail')
}

/** The section's byte range [start, end) between its brackets. */
function bodyOf(text: Buffer, key: 'nodes' | 'edges'): { start: number; end: number } {
  const start = text.indexOf(`"${key}":[`) + key.length + 4
  return { start, end: text.indexOf(']', start) }
}

describe('parallel parse', () => {
  it('gives the one-stream parse exactly, for 1 to 4 workers, many ranges and any read size', async () => {
    for (const file of [sized, kitchen]) {
      const expected = await sequential(file)
      const size = (await readFile(file)).length
      for (const [workers, rangeBytes, workerReadBytes] of [
        [1, 8 << 20, 4 << 20],
        [2, 4096, 64],
        [3, 20_000, 1000],
        [2, 100_000, 1 << 20],
        [4, 50_000, 4096],
      ]) {
        const ranges: RangeTiming[] = []
        const parsed = await parseSnapshotFileParallel(file, size, {
          workers,
          // A range ends in the first read past its length: small reads make small ranges.
          chunkSize: Math.min(rangeBytes, 1 << 20),
          rangeBytes,
          workerReadBytes,
          onRange: (range) => ranges.push(range),
        })
        const what = `${file} with ${workers} workers, ranges ${rangeBytes}, reads ${workerReadBytes}`
        expect(parsed, what).not.toBeNull()
        // The ranges cover the two sections' bytes; a range's time splits into its parts.
        expect(
          ranges.reduce((sum, range) => sum + range.bytes, 0),
          what,
        ).toBe(await sectionBytes(file))
        for (const range of ranges) {
          const parts = [range.readMs, range.tokenizeMs, range.storeMs]
          expect(Math.min(...parts), what).toBeGreaterThanOrEqual(0)
          expect(parts[0] + parts[1] + parts[2], what).toBeLessThanOrEqual(range.ms + 1e-6)
        }
        expectSameParse((parsed as ParallelParse).parsed, expected, what)
        // The workers' retainers are the one-thread build's, slot for slot.
        const { retainers } = parsed as ParallelParse
        const oneThread = buildRetainers(
          expected.nodeCount,
          expected.firstEdge,
          expected.edgeTarget,
        )
        for (const key of ['firstRetainer', 'retainerEdge', 'retainerNode'] as const) {
          const first = oneThread[key].findIndex((value, at) => value !== retainers[key][at])
          expect(first, `${what}: ${key} differs at ${first}`).toBe(-1)
          expect(retainers[key].length, `${what}: ${key}`).toBe(oneThread[key].length)
        }
      }
    }
  }, 120_000)

  it('reads any JSON whitespace between numbers as the one-stream parser does', async () => {
    const text = await readFile(kitchen)
    // Spaces, tabs, CRLF around every comma of nodes and edges.
    const nodes = bodyOf(text, 'nodes')
    const edges = bodyOf(text, 'edges')
    const spaced = (from: number, to: number): string =>
      text.subarray(from, to).toString('latin1').replaceAll(',', ' \t,\r\n ')
    const file = join(dir, 'spaced.heapsnapshot')
    await writeFile(
      file,
      Buffer.concat([
        text.subarray(0, nodes.start),
        Buffer.from(` ${spaced(nodes.start, nodes.end)} `, 'latin1'),
        text.subarray(nodes.end, edges.start),
        Buffer.from(`\n${spaced(edges.start, edges.end)}\n`, 'latin1'),
        text.subarray(edges.end),
      ]),
    )
    const expected = await sequential(file)
    const size = (await readFile(file)).length
    const parsed = await parseSnapshotFileParallel(file, size, {
      workers: 2,
      rangeBytes: 5000,
      workerReadBytes: 333,
    })
    expect(parsed).not.toBeNull()
    expectSameParse((parsed as ParallelParse).parsed, expected, 'spaced')
  })

  /** The sized snapshot with its first node's self size (its fourth field) set to `value`. */
  async function withFirstSelfSize(value: number, name: string): Promise<string> {
    const text = await readFile(sized)
    const nodes = bodyOf(text, 'nodes')
    const fields = text
      .subarray(nodes.start, nodes.start + 200)
      .toString('latin1')
      .split(',')
    const at = nodes.start + fields.slice(0, 3).join(',').length + 1
    const file = join(dir, name)
    await writeFile(
      file,
      Buffer.concat([
        text.subarray(0, at),
        Buffer.from(String(value)),
        text.subarray(at + fields[3].length),
      ]),
    )
    return file
  }

  it('parses ten-digit values up to the largest 32-bit one on the workers, and no larger', async () => {
    // The tokenizer reads digits in 32-bit integers: ten digits wrap, and are checked apart.
    const fits = [1_000_000_000, 2 ** 31 - 1, 2 ** 31, 2_287_407_552, 2 ** 32 - 1]
    for (const value of fits) {
      const file = await withFirstSelfSize(value, `size-${value}.heapsnapshot`)
      const size = (await readFile(file)).length
      const parsed = await parseSnapshotFileParallel(file, size, { workers: 2, rangeBytes: 50_000 })
      expect(parsed, `${value}`).not.toBeNull()
      const { parsed: result } = parsed as ParallelParse
      expect(result.nodeSelfSize[0]).toBe(value)
      expectSameParse(result, await sequential(file), `a size of ${value}`)
    }
    // Past 32 bits the workers give the file back to the one-stream parse.
    for (const value of [2 ** 32, 4_300_000_000, 9_999_999_999, 10_000_000_000]) {
      const file = await withFirstSelfSize(value, `size-${value}.heapsnapshot`)
      const size = (await readFile(file)).length
      const parsed = await parseSnapshotFileParallel(file, size, { workers: 2, rangeBytes: 50_000 })
      expect(parsed, `${value}`).toBeNull()
    }
  })

  it('keeps a self size over 4 GiB exactly (the one-stream parse, in 64 bits)', async () => {
    const file = await withFirstSelfSize(2 ** 33 + 5, 'huge-size.heapsnapshot')
    const parsed = await parseSnapshotFile(file, {
      chunkSize: 50_000,
      parallel: { minBytes: 0, workers: 2, rangeBytes: 50_000 },
    })
    expect(parsed.nodeSelfSize).toBeInstanceOf(Float64Array)
    expect(parsed.nodeSelfSize[0]).toBe(2 ** 33 + 5)
    expectSameParse(parsed, await sequential(file), 'a huge self size')
    // Every other snapshot keeps its sizes in 32 bits.
    expect((await sequential(sized)).nodeSelfSize).toBeInstanceOf(Uint32Array)
  })

  it('fails a damaged file with the one-stream error: what, and at which byte', async () => {
    const text = await readFile(sized)
    const nodes = bodyOf(text, 'nodes')
    const edges = bodyOf(text, 'edges')
    const middle = (range: { start: number; end: number }): number =>
      text.indexOf(',', Math.floor((range.start + range.end) / 2)) + 1
    /** Replaces bytes [at, at + length) with `by`. */
    const splice = (at: number, length: number, by: string): Buffer =>
      Buffer.concat([text.subarray(0, at), Buffer.from(by), text.subarray(at + length)])
    const cases: [string, Buffer][] = [
      ['a letter in nodes', splice(middle(nodes), 1, 'x')],
      ['two commas in edges', splice(middle(edges), 0, ',')],
      ['two numbers run together in nodes', splice(middle(nodes) - 1, 1, '')],
      ['a minus sign in edges', splice(middle(edges), 0, '-')],
      ['a node type past the declared ones', splice(nodes.start, 1, '99')],
      ['an edge target that is no node', splice(edges.start + 4, 0, '1')],
      ['a number of 16 digits in nodes', splice(middle(nodes), 0, '1000000000000000')],
      ['a comma before the closing bracket of edges', splice(edges.end, 0, ',')],
      ['a file cut inside edges', text.subarray(0, middle(edges))],
      ['an edge too many', splice(edges.end, 0, ',1,1,0')],
      ['an empty edges array', splice(edges.start, edges.end - edges.start, '')],
    ]
    for (const [what, bytes] of cases) {
      const file = join(dir, 'damaged.heapsnapshot')
      await writeFile(file, bytes)
      const expected = await errorOf(() => sequential(file))
      const actual = await errorOf(() =>
        parseSnapshotFile(file, {
          chunkSize: 50_000,
          parallel: { minBytes: 0, workers: 2, rangeBytes: 50_000, workerReadBytes: 4096 },
        }),
      )
      expect(actual.message, what).toBe(expected.message)
      expect(actual.code, what).toBe(expected.code)
      expect(actual.offset, what).toBe(expected.offset)
    }
  }, 120_000)

  it('fails the load clearly when a worker dies at work, and the next load works', async () => {
    const size = (await readFile(sized)).length
    let workers: readonly Worker[] = []
    let killed = false
    const error = await errorOf(() =>
      parseSnapshotFileParallel(sized, size, {
        workers: 2,
        chunkSize: 4096,
        rangeBytes: 4096,
        workerReadBytes: 64,
        onWorkers: (made) => {
          workers = made
        },
        // Once a range is done, hundreds more are on their way to the workers.
        onRange: () => {
          if (!killed) {
            killed = true
            void workers[1].terminate()
          }
        },
      }),
    )
    expect(killed).toBe(true)
    expect(error.code).toBe('io')
    expect(error.message).toMatch(/^a parse worker thread stopped with exit code \d+; the load/)
    const parsed = await parseSnapshotFileParallel(sized, size, { workers: 2, rangeBytes: 4096 })
    expectSameParse(
      (parsed as ParallelParse).parsed,
      await sequential(sized),
      'after a dead worker',
    )
  })

  it('stops when cancelled, while streaming or while waiting for the workers', async () => {
    const size = (await readFile(sized)).length
    const cancel = async (when: 'streaming' | 'waiting'): Promise<void> => {
      const signal = { aborted: false }
      let abortedAt = 0
      const abort = (): void => {
        signal.aborted = true
        abortedAt = performance.now()
      }
      const error = await errorOf(() =>
        parseSnapshotFileParallel(sized, size, {
          workers: 2,
          chunkSize: 4096,
          rangeBytes: 4096,
          // Reads of 16 bytes keep the workers busy long after the stream has ended.
          workerReadBytes: 16,
          signal,
          onWorkers: () => {
            if (when === 'streaming') abort()
          },
          onProgress: ({ phase }) => {
            if (when === 'waiting' && phase.endsWith('threads)')) abort()
          },
        }),
      )
      expect(error.code, when).toBe('cancelled')
      expect(performance.now() - abortedAt, when).toBeLessThan(2000)
    }
    await cancel('streaming')
    await cancel('waiting')
  })

  it('reads a named pipe in one stream, whatever the size setting', async () => {
    const fifo = join(dir, 'snapshot.fifo')
    await execFileAsync('mkfifo', [fifo])
    const writer = execFileAsync('sh', ['-c', 'cat "$0" > "$1"', sized, fifo])
    const saved = process.env.HEAPGRAPH_PARALLEL_MIN_BYTES
    process.env.HEAPGRAPH_PARALLEL_MIN_BYTES = '0'
    try {
      const parsed = await parseSnapshotFile(fifo)
      expectSameParse(parsed, await sequential(sized), 'from a pipe')
    } finally {
      if (saved === undefined) delete process.env.HEAPGRAPH_PARALLEL_MIN_BYTES
      else process.env.HEAPGRAPH_PARALLEL_MIN_BYTES = saved
    }
    await writer
  })

  it('is what the file loader uses for a large plain file, and not for gzip or when turned off', async () => {
    const phases = async (file: string, env: Record<string, string>): Promise<string[]> => {
      const saved = { ...process.env }
      Object.assign(process.env, env)
      try {
        const seen = new Set<string>()
        await parseSnapshotFile(file, { onProgress: ({ phase }) => seen.add(phase) })
        return [...seen]
      } finally {
        process.env = saved
      }
    }
    const threaded = (seen: string[]): boolean => seen.some((phase) => phase.includes('threads'))
    expect(threaded(await phases(sized, { HEAPGRAPH_PARALLEL_MIN_BYTES: '0' }))).toBe(true)
    expect(
      threaded(
        await phases(sized, { HEAPGRAPH_PARALLEL_MIN_BYTES: '0', HEAPGRAPH_PARSE_WORKERS: '0' }),
      ),
    ).toBe(false)
    // Below the size, in one stream (the default is 32 MiB; this file is about 4 MB).
    expect(threaded(await phases(sized, {}))).toBe(false)
    const gz = join(dir, 'sized.heapsnapshot.gz')
    await writeFile(gz, gzipSync(await readFile(sized)))
    expect(threaded(await phases(gz, { HEAPGRAPH_PARALLEL_MIN_BYTES: '0' }))).toBe(false)
    const error = await errorOf(() => phases(sized, { HEAPGRAPH_PARSE_WORKERS: 'many' }))
    expect(error.message).toMatch(/HEAPGRAPH_PARSE_WORKERS must be a whole number/)
    const minimum = await errorOf(() => phases(sized, { HEAPGRAPH_PARALLEL_MIN_BYTES: '1e99x' }))
    expect(minimum.message).toMatch(/HEAPGRAPH_PARALLEL_MIN_BYTES must be a whole number/)
  })

  it("gives the one-thread load's analyses when workers redistribute the sizes and search the distances", async () => {
    const traced: string[] = []
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      traced.push(String(text))
      return true
    })
    process.env.HEAPGRAPH_TRACE_PARSE = '1'
    let threaded: HeapSnapshot
    try {
      threaded = await loadSnapshotFile(sized, {
        cache: false,
        parallel: { minBytes: 0, workers: 2 },
      })
    } finally {
      delete process.env.HEAPGRAPH_TRACE_PARSE
      write.mockRestore()
    }
    expect(traced.join('')).toContain('of self sizes on a worker thread')
    expect(traced.join('')).toContain('of distances on a worker thread')
    const alone = await loadSnapshotFile(sized, { cache: false, parallel: false })
    expect(threaded.hasUserRoots).toBe(true)
    expect(threaded.graph.edgeTarget.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(Array.from(threaded.selfSize)).toEqual(Array.from(alone.selfSize))
    expect(Array.from(threaded.retainedSize)).toEqual(Array.from(alone.retainedSize))
    expect(Array.from(threaded.dominator)).toEqual(Array.from(alone.dominator))
    expect(Array.from(threaded.distance)).toEqual(Array.from(alone.distance))
    // The distances reached the class index too (its smallest distance per class).
    expect(threaded.classIndex).toEqual(alone.classIndex)
  })

  it('runs in the built CLI (its workers start from the bundle) with the one-thread answers', async () => {
    const summary = async (env: Record<string, string>): Promise<string> => {
      const result = await runCli(['summary', '--json', '--no-cache', sized], {
        env: { HEAPGRAPH_TRACE_PARSE: '1', ...env },
      })
      expect(result.code, result.stderr).toBe(0)
      const threads = env.HEAPGRAPH_PARSE_WORKERS !== '0'
      expect(result.stderr.includes('worker threads in')).toBe(threads)
      // Workers redistribute the self sizes and search the distances while the loading thread
      // goes on.
      expect(result.stderr.includes('of self sizes on a worker thread')).toBe(threads)
      expect(result.stderr.includes('of distances on a worker thread')).toBe(threads)
      return result.stdout
    }
    const threaded = await summary({ HEAPGRAPH_PARALLEL_MIN_BYTES: '0' })
    expect(threaded).toBe(await summary({ HEAPGRAPH_PARSE_WORKERS: '0' }))
    expect(JSON.parse(threaded)).toBeTruthy()
  }, 120_000)
})
