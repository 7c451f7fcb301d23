// The CLI's attach commands (bin/heapgraph.mjs as a child process) against real targets: a node
// --inspect child holding a known leak, a node child opened by PID, closed ports and a remote
// host. Checks the documented output (JSON shapes, the capture summary line, the watch CSV) and
// the error contract (exit 2 for usage, 1 otherwise, one stderr line, no stack trace).
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectOneLineError, runCli } from '../helpers/cli'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  killAllTargets,
  startInspectTarget,
  startNodeProcess,
  withSigusr1Port,
  type InspectTarget,
} from '../helpers/inspect-target'

/** A known leak: cliLeakCache -> Map -> 100 CliLeakedThing with 1000-item arrays. */
const LEAK_SCRIPT = `
class CliLeakedThing {
  constructor() {
    this.payload = new Array(1000).fill(3)
  }
}
globalThis.cliLeakCache = new Map()
for (let i = 0; i < 100; i++) cliLeakCache.set('k' + i, new CliLeakedThing())
process.stdin.resume()
console.log('ready')
`

const PID_SCRIPT = `
class CliPidThing {}
globalThis.cliPidThings = Array.from({ length: 30 }, () => new CliPidThing())
process.stdin.resume()
console.log('ready')
`

/**
 * Loaded into the CLI child with --import: logs every TCP connection attempt (address:port) to
 * the file named by HEAPGRAPH_SOCKET_LOG; tsx's own IPC pipe has no port and is left out. It
 * observes (diagnostics_channel and a socket event); it changes nothing.
 */
const SOCKET_OBSERVER = `
import { subscribe } from 'node:diagnostics_channel'
import { appendFileSync } from 'node:fs'
subscribe('net.client.socket', ({ socket }) => {
  socket.once('connectionAttempt', (address, port) => {
    if (port !== undefined) appendFileSync(process.env.HEAPGRAPH_SOCKET_LOG, address + ':' + port + '\\n')
  })
})
`

interface SummaryJson {
  snapshot: { nodeCount: number; totalSize: number }
  classes: Array<{ className: string; count: number; retainedSize: number }>
}

interface CaptureJson {
  file: string
  bytes: number
  snapshot: { file: string; nodeCount: number; edgeCount: number; totalSize: number }
  largestClass: { className: string; count: number; retainedSize: number } | null
}

let workDir: string
let target: InspectTarget

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'heapgraph-cli-attach-'))
  target = await startInspectTarget(LEAK_SCRIPT, { readyLine: /^ready$/ })
})

afterAll(async () => {
  await killAllTargets()
  await rm(workDir, { recursive: true, force: true })
})

/** A loopback port nothing listens on (bound, noted, closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    }),
  )
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function socketObserver(): Promise<{ file: string; log: string }> {
  const file = join(workDir, 'observe-sockets.mjs')
  if (!existsSync(file)) await writeFile(file, SOCKET_OBSERVER)
  return { file, log: join(workDir, `sockets-${Math.random().toString(36).slice(2)}.log`) }
}

describe('heapgraph targets', () => {
  it('lists the node target as {targets: [{id, type, title, url}]} with --json', async () => {
    const result = await runCli(['targets', '--port', String(target.port), '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const { targets } = JSON.parse(result.stdout) as { targets: Array<Record<string, unknown>> }
    expect(targets).toHaveLength(1)
    expect(Object.keys(targets[0]).sort()).toEqual(['id', 'title', 'type', 'url'])
    expect(targets[0].type).toBe('node')
    // Node's target id is the last segment of the WebSocket URL it printed.
    expect(target.webSocketUrl.endsWith(`/${targets[0].id}`)).toBe(true)
    expect(typeof targets[0].title).toBe('string')
    expect(typeof targets[0].url).toBe('string')
  })

  it('refuses a non-loopback host in one line naming the host, without opening a socket', async () => {
    const observer = await socketObserver()
    const result = await runCli(['targets', '--host', '192.0.2.1', '--port', '9229'], {
      imports: [observer.file],
      env: { HEAPGRAPH_SOCKET_LOG: observer.log },
    })
    const line = expectOneLineError(result, 1)
    expect(line).toContain('192.0.2.1')
    expect(line).toMatch(/not a loopback/)
    // No connection was even attempted (a real one to TEST-NET-1 would hang for 5 s).
    expect(existsSync(observer.log) ? await readFile(observer.log, 'utf8') : '').toBe('')
    expect(result.durationMs).toBeLessThan(4000)
    expect(result.stdout).toBe('')
  })

  it('names --allow-remote in the refusal of a non-loopback host', async () => {
    const result = await runCli(['targets', '--host', '192.0.2.1', '--port', '9229'])
    expect(expectOneLineError(result, 1)).toContain('--allow-remote')
  })
})

describe('heapgraph capture', () => {
  it('captures --port with --gc, prints the file and a one-line summary, and the file loads', async () => {
    const file = join(workDir, 'port.heapsnapshot')
    const result = await runCli(['capture', '--port', String(target.port), '--gc', '-o', file])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line).toContain(file)
    expect(line).toMatch(/ objects/)
    const largest = /largest retaining class (.+?) \(([\d,]+) objects/.exec(line)
    expect(largest, line).not.toBeNull()
    expect(existsSync(`${file}.partial`)).toBe(false)
    expect(await readdir(workDir)).toContain('port.heapsnapshot')

    const summary = await runCli(['summary', file, '--json', '--top', '100000'])
    expect(summary.stderr).toBe('')
    expect(summary.code).toBe(0)
    const parsed = JSON.parse(summary.stdout) as SummaryJson
    expect(line).toContain(`${parsed.snapshot.nodeCount.toLocaleString('en-US')} objects`)
    expect(largest?.[1]).toBe(parsed.classes[0].className)
    expect(largest?.[2]).toBe(parsed.classes[0].count.toLocaleString('en-US'))
    const leaked = parsed.classes.find((entry) => entry.className === 'CliLeakedThing')
    expect(leaked?.count).toBe(100)
  })

  it('captures --ws with --json: file, bytes, snapshot info and the largest class', async () => {
    const file = join(workDir, 'ws.heapsnapshot')
    const result = await runCli(['capture', '--ws', target.webSocketUrl, '-o', file, '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const parsed = JSON.parse(result.stdout) as CaptureJson
    expect(parsed.file).toBe(file)
    expect((await stat(file)).size).toBe(parsed.bytes)
    expect(parsed.snapshot.nodeCount).toBeGreaterThan(1000)
    expect(parsed.snapshot.edgeCount).toBeGreaterThan(parsed.snapshot.nodeCount)
    expect(parsed.largestClass).not.toBeNull()
    expect(parsed.largestClass?.count).toBeGreaterThan(0)
    expect(parsed.largestClass?.retainedSize).toBeGreaterThan(0)
    const summary = JSON.parse(
      (await runCli(['summary', file, '--json', '--top', '100000'])).stdout,
    ) as SummaryJson
    expect(summary.snapshot.nodeCount).toBe(parsed.snapshot.nodeCount)
    expect(summary.classes[0].className).toBe(parsed.largestClass?.className)
  })

  it('captures --pid of a node child started without --inspect', async (ctx) => {
    const outcome = await withSigusr1Port(async () => {
      const child = await startNodeProcess(PID_SCRIPT, { readyLine: /^ready$/ })
      try {
        const file = join(workDir, 'pid.heapsnapshot')
        const result = await runCli(['capture', '--pid', String(child.pid), '-o', file])
        expect(result.stderr).toBe('')
        expect(result.code).toBe(0)
        expect(result.stdout).toContain(file)
        expect(result.stdout).toMatch(/ objects/)
        const summary = JSON.parse(
          (await runCli(['summary', file, '--json', '--top', '100000'])).stdout,
        ) as SummaryJson
        expect(summary.classes.find((entry) => entry.className === 'CliPidThing')?.count).toBe(30)
      } finally {
        await child.kill()
      }
    })
    if (!outcome.ran) {
      console.warn(`SKIPPED capture --pid: ${outcome.reason}`)
      ctx.skip(outcome.reason)
    }
  })

  it('exits 2 with one line when -o is missing', async () => {
    const result = await runCli(['capture', '--port', String(target.port)])
    expect(expectOneLineError(result, 2)).toContain('-o')
    expect(result.stdout).toBe('')
  })

  it('exits 1 with one line for a closed port', async () => {
    const port = await closedPort()
    const observer = await socketObserver()
    const file = join(workDir, 'closed.heapsnapshot')
    const result = await runCli(['capture', '--port', String(port), '-o', file], {
      imports: [observer.file],
      env: { HEAPGRAPH_SOCKET_LOG: observer.log },
    })
    const line = expectOneLineError(result, 1)
    expect(line).toContain(`127.0.0.1:${port}`)
    expect(line).toMatch(/refused/)
    expect(existsSync(file)).toBe(false)
    // The observer does see connection attempts (the control for the remote-host test).
    expect(await readFile(observer.log, 'utf8')).toContain(`127.0.0.1:${port}\n`)
  })
})

describe('heapgraph watch', () => {
  it('prints the CSV header and a row per sample with increasing timeMs', async () => {
    const result = await runCli([
      'watch',
      '--port',
      String(target.port),
      '--interval',
      '100ms',
      '--duration',
      '1s',
      '--csv',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const [header, ...rows] = result.stdout.trimEnd().split('\n')
    expect(header).toBe('timeMs,usedSize,totalSize,embedderHeapUsedSize,backingStorageSize')
    expect(rows.length).toBeGreaterThanOrEqual(5)
    // One sample per 100 ms for 1 s, give or take the first and a slow poll.
    expect(rows.length).toBeLessThanOrEqual(12)
    const times: number[] = []
    for (const row of rows) {
      const fields = row.split(',')
      expect(fields, row).toHaveLength(5)
      const [timeMs, usedSize, totalSize, embedder, backing] = fields
      times.push(Number(timeMs))
      expect(Number(usedSize)).toBeGreaterThan(0)
      expect(Number(totalSize)).toBeGreaterThanOrEqual(Number(usedSize))
      for (const optional of [embedder, backing]) expect(optional).toMatch(/^\d*$/)
    }
    for (let position = 1; position < times.length; position++) {
      expect(times[position]).toBeGreaterThan(times[position - 1])
    }
    expect(times[times.length - 1]).toBeLessThanOrEqual(1500)
  })
})

describe('heapgraph processes', () => {
  it('lists the node child with its inspector port in --json', async () => {
    const result = await runCli(['processes', '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const { processes } = JSON.parse(result.stdout) as {
      processes: Array<{ pid: number; command: string; inspectorPort: number | null }>
    }
    const entry = processes.find((candidate) => candidate.pid === target.pid)
    expect(entry).toBeDefined()
    expect(entry?.command).toContain('--inspect=127.0.0.1:0')
    expect(entry?.inspectorPort).toBe(target.port)
  })
})

describe('heapgraph growth', () => {
  let growing: InspectTarget

  beforeAll(async () => {
    // 40 more CliGrowthWidget every 100 ms, kept forever; CliSteadyThing never changes.
    growing = await startInspectTarget(
      `class CliGrowthWidget {}
       class CliSteadyThing {}
       globalThis.steady = Array.from({ length: 20 }, () => new CliSteadyThing())
       globalThis.widgets = []
       setInterval(() => { for (let i = 0; i < 40; i++) widgets.push(new CliGrowthWidget()) }, 100)
       console.log('ready')`,
      { readyLine: /^ready$/ },
    )
  })

  afterAll(async () => {
    await growing?.kill()
  })

  it('prints the classes that grew between snapshots, like show_growth', async () => {
    const result = await runCli([
      'growth',
      '--port',
      String(growing.port),
      '--interval',
      '700ms',
      '--count',
      '3',
      '--json',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const { snapshots } = JSON.parse(result.stdout) as {
      snapshots: Array<{
        index: number
        timeMs: number
        growth: Array<{ className: string; count: number; countDelta: number }>
      }>
    }
    expect(snapshots.map((step) => step.index)).toEqual([0, 1, 2])
    for (const step of snapshots.slice(1)) {
      const widget = step.growth.find((row) => row.className === 'CliGrowthWidget')
      expect(widget?.countDelta).toBeGreaterThanOrEqual(40)
      expect(step.growth.some((row) => row.className === 'CliSteadyThing')).toBe(false)
    }
    expect(snapshots[2].timeMs).toBeGreaterThanOrEqual(700)
  }, 60_000)

  it('prints a table per snapshot, and checks its arguments first', async () => {
    const result = await runCli([
      'growth',
      '--port',
      String(growing.port),
      '--interval',
      '300ms',
      '--count',
      '2',
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/snapshot 2 of 2, [\d.]+ s after the first/)
    expect(result.stdout).toMatch(/CliGrowthWidget\s+[\d,]+\s+\+[\d,]+/)
    expectOneLineError(await runCli(['growth', '--port', String(growing.port), '--count', '0']), 2)
  }, 60_000)
})
