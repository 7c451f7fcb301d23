// Benchmark child: the cost of a sampling heap profile on the target. Starts a Node target
// running a CPU + allocation loop (test/fixtures/programs/allocation-loop.cjs), attaches over
// CDP, then for each workload alternates windows without and with sampling at 32 KiB (the order
// flipped each round, so that drift cancels out) and compares the iterations per second. The
// workloads differ in how much arithmetic each allocation comes with; their allocation rate is
// estimated from one more window sampled with collected objects kept (samples x interval).
// Prints one JSON line: {windowMs, rounds, workloads: [{name, spin, allocatedBytesPerSecond,
// baselinePerSecond, sampledPerSecond, ratio}]}.
// Usage: node --import tsx test/bench/sampling-overhead.ts [rounds] [windowMs]
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DEFAULT_SAMPLING_INTERVAL_BYTES } from '../../electron/backend/cdp/record'
import { TargetSession } from '../../electron/backend/cdp/session'

const PROGRAM = fileURLToPath(new URL('../fixtures/programs/allocation-loop.cjs', import.meta.url))

/** Arithmetic steps per iteration: none (bound by allocation), and enough to dominate it. */
const WORKLOADS = [
  { name: 'allocation-bound', spin: 0 },
  { name: 'mixed', spin: 3000 },
] as const

export interface WorkloadOverhead {
  name: string
  spin: number
  /** Estimated from a sampled window that keeps collected objects: samples x interval. */
  allocatedBytesPerSecond: number
  baselinePerSecond: number
  sampledPerSecond: number
  /** Sampled throughput over baseline throughput (1: no cost). */
  ratio: number
}

async function main(rounds: number, windowMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', PROGRAM], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const nextLine = async (): Promise<string> => {
    const { value, done } = await lines.next()
    if (done) throw new Error('the target exited')
    return String(value)
  }
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = ''
      child.stderr.on('data', (data: Buffer) => {
        text += data.toString()
        const match = /ws:\/\/\S+/.exec(text)
        if (match) resolve(match[0])
      })
      child.on('exit', (code) => reject(new Error(`target exited with ${code}: ${text}`)))
    })
    if ((await nextLine()) !== 'ready') throw new Error('the target did not start')
    const session = await TargetSession.connect(url)
    const workloads: WorkloadOverhead[] = []
    for (const { name, spin } of WORKLOADS) {
      const measure = async (): Promise<number> => {
        child.stdin.write(`run ${windowMs} ${spin}\n`)
        return Number(await nextLine())
      }
      const sampledWindow = async (includeCollected = false): Promise<[number, number]> => {
        await session.startSampling({
          samplingInterval: DEFAULT_SAMPLING_INTERVAL_BYTES,
          includeObjectsCollectedByMajorGC: includeCollected,
          includeObjectsCollectedByMinorGC: includeCollected,
        })
        const iterations = await measure()
        const { samples } = await session.stopSampling()
        return [iterations, samples.length]
      }
      // Warm-up: the loop optimized, the heap at its working size.
      await measure()
      let baseline = 0
      let sampled = 0
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          baseline += await measure()
          sampled += (await sampledWindow())[0]
        } else {
          sampled += (await sampledWindow())[0]
          baseline += await measure()
        }
      }
      const [, sampleCount] = await sampledWindow(true)
      const seconds = (rounds * windowMs) / 1000
      workloads.push({
        name,
        spin,
        allocatedBytesPerSecond:
          (sampleCount * DEFAULT_SAMPLING_INTERVAL_BYTES) / (windowMs / 1000),
        baselinePerSecond: baseline / seconds,
        sampledPerSecond: sampled / seconds,
        ratio: sampled / baseline,
      })
    }
    await session.close()
    process.stdout.write(`${JSON.stringify({ windowMs, rounds, workloads })}\n`)
  } finally {
    child.kill()
  }
}

await main(Number(process.argv[2] ?? 4), Number(process.argv[3] ?? 300))
