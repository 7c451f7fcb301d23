// `heapgraph record` (bin/heapgraph.mjs as a child process) against real node --inspect targets
// that allocate arrays in one named function: a sampling profile names that function with the
// right file and line, a timeline snapshot loads with allocation stacks and V8's samples, Ctrl+C
// still writes a valid file, a target killed mid-recording leaves nothing, and usage mistakes
// exit 2 in one line before anything is attached.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SamplingHeapProfile } from '../../electron/backend/cdp/session'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { hasAllocationStacks } from '../../shared/heap/queries/allocations'
import { BIN, expectOneLineError, runCli } from '../helpers/cli'
import { REPO_ROOT } from '../helpers/fixtures'
import { killAllTargets, startInspectTarget, type InspectTarget } from '../helpers/inspect-target'

/** Keeps about 8 MB of 256-slot arrays, all made by allocateRecordedRows, renewed every 5 ms. */
const PROGRAM = `'use strict'
// A target for heapgraph record: its arrays are allocated in one named function.
function allocateRecordedRows(count) {
  const rows = []
  for (let i = 0; i < count; i++) rows.push(new Array(256).fill(i))
  return rows
}
globalThis.recordedBatches = []
setInterval(() => {
  recordedBatches.push(allocateRecordedRows(100))
  if (recordedBatches.length > 40) recordedBatches.shift()
}, 5)
process.stdin.resume()
console.log('ready')
`
const FUNCTION_LINE = PROGRAM.split('\n').findIndex((line) =>
  line.startsWith('function allocateRecordedRows('),
)

const NOTICE = /^heapgraph: recording an? (sampling heap profile|allocation timeline)/

let workDir: string
let programFile: string
let target: InspectTarget

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'heapgraph-cli-record-'))
  programFile = join(workDir, 'allocating-target.js')
  await writeFile(programFile, PROGRAM)
  target = await startInspectTarget({ file: programFile }, { readyLine: /^ready$/ })
})

afterAll(async () => {
  await killAllTargets()
  await rm(workDir, { recursive: true, force: true })
})

type ProfileNode = SamplingHeapProfile['head']

function* walk(node: ProfileNode): Generator<ProfileNode> {
  yield node
  for (const child of node.children) yield* walk(child)
}

/** Reads a .heapprofile and checks the shape DevTools and Node write. */
async function readProfile(file: string): Promise<SamplingHeapProfile> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as SamplingHeapProfile
  expect(profile.head.callFrame.functionName).toBe('(root)')
  expect(Array.isArray(profile.samples)).toBe(true)
  const ids = new Set([...walk(profile.head)].map((node) => node.id))
  for (const sample of profile.samples) expect(sample.size).toBeGreaterThan(0)
  // V8 allocates while it writes the profile: a few samples name nodes the tree has not got
  // (4–9 in every real file seen, Node 20 to 26), never most of them.
  const unattributed = profile.samples.filter((sample) => !ids.has(sample.nodeId)).length
  expect(unattributed).toBeLessThanOrEqual(Math.max(20, profile.samples.length / 10))
  return profile
}

/** The file names in workDir that start with `prefix` (to see that no .partial is left). */
async function filesLike(prefix: string): Promise<string[]> {
  return (await readdir(workDir)).filter((name) => name.startsWith(prefix)).sort()
}

/** The CLI as a child process whose stderr can be awaited line by line. */
function spawnCli(args: readonly string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.NODE_OPTIONS
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves once stderr has a line matching `pattern`. */
    async waitForStderr(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!stderr.split('\n').some((line) => pattern.test(line))) {
        if (child.exitCode !== null) throw new Error(`the CLI exited first: ${stderr}`)
        if (Date.now() > deadline) throw new Error(`no ${pattern} on stderr: ${stderr}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
  }
}

describe('heapgraph record --sampling', () => {
  it('writes a .heapprofile whose tree names the allocating function at its file and line', async () => {
    const file = join(workDir, 'sampled.heapprofile')
    const result = await runCli([
      'record',
      '--port',
      String(target.port),
      '--sampling',
      '--duration',
      '2s',
      '--interval',
      '16KiB',
      '-o',
      file,
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(NOTICE)
    const size = (await stat(file)).size
    const line = result.stdout.trimEnd()
    expect(line).toMatch(/^wrote .+ \([\d.]+ kB\): a sampling heap profile of 2\.\d s$/)
    expect(line).toContain(file)
    expect(await filesLike('sampled')).toEqual(['sampled.heapprofile'])

    const profile = await readProfile(file)
    expect(profile.samples.length).toBeGreaterThan(10)
    const sites = [...walk(profile.head)].filter(
      (node) => node.callFrame.functionName === 'allocateRecordedRows',
    )
    expect(sites.length).toBeGreaterThan(0)
    for (const site of sites) {
      // Node reports a CommonJS script by its path (newer versions: a file: URL).
      expect([programFile, pathToFileURL(programFile).href]).toContain(site.callFrame.url)
      // 0-based, as the protocol counts: the line of the function's declaration.
      expect(site.callFrame.lineNumber).toBe(FUNCTION_LINE)
    }
    // Its arrays are most of what the target keeps alive.
    const allocated = sites.reduce((sum, site) => sum + site.selfSize, 0)
    const total = [...walk(profile.head)].reduce((sum, node) => sum + node.selfSize, 0)
    expect(allocated / total).toBeGreaterThan(0.5)
    expect(size).toBeGreaterThan(0)
  })
})

describe('heapgraph record --timeline', () => {
  it('writes a .heapsnapshot that loads with allocation stacks and heap samples', async () => {
    const file = join(workDir, 'timeline.heapsnapshot')
    const result = await runCli([
      'record',
      '--ws',
      target.webSocketUrl,
      '--timeline',
      '--duration',
      '2s',
      '-o',
      file,
      '--json',
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(NOTICE)
    const written = JSON.parse(result.stdout) as Record<string, unknown>
    expect(Object.keys(written).sort()).toEqual(['bytes', 'durationMs', 'file', 'kind'])
    expect(written.file).toBe(file)
    expect(written.kind).toBe('timeline')
    expect(written.bytes).toBe((await stat(file)).size)
    expect(written.durationMs).toBeGreaterThanOrEqual(2000)
    expect(written.durationMs).toBeLessThan(4000)
    expect(await filesLike('timeline')).toEqual(['timeline.heapsnapshot'])

    const snapshot = await loadSnapshotFile(file)
    expect(hasAllocationStacks(snapshot)).toBe(true)
    // V8's heapStatsUpdate intervals: [timestamp, last assigned id] pairs over the recording.
    expect(snapshot.graph.samples.length).toBeGreaterThan(2)
    const { strings, traceFunctionInfos, layout } = snapshot.graph
    const fieldCount = layout.traceFunctionInfoFields.length || 6
    const nameField = Math.max(0, layout.traceFunctionInfoFields.indexOf('name'))
    const names = new Set<string>()
    for (let at = 0; at + fieldCount <= traceFunctionInfos.length; at += fieldCount) {
      names.add(strings.get(traceFunctionInfos[at + nameField]))
    }
    expect(names).toContain('allocateRecordedRows')
  })
})

describe('heapgraph record, stopped early', () => {
  it('stops on Ctrl+C (SIGINT), writes a valid profile and exits 0', async () => {
    const file = join(workDir, 'interrupted.heapprofile')
    const cli = spawnCli([
      'record',
      '--port',
      String(target.port),
      '--include-collected',
      '--interval',
      '4096',
      '-o',
      file,
    ])
    await cli.waitForStderr(NOTICE)
    await new Promise((resolve) => setTimeout(resolve, 700))
    cli.child.kill('SIGINT')
    expect(await cli.exited, cli.output().stderr).toBe(0)
    expect(cli.output().stdout).toMatch(/^wrote .+: a sampling heap profile of \d+\.\d s\n$/)
    const profile = await readProfile(file)
    expect(profile.samples.length).toBeGreaterThan(0)
    expect(await filesLike('interrupted')).toEqual(['interrupted.heapprofile'])
  })

  for (const kind of ['sampling', 'timeline'] as const) {
    it(`exits 1 in one line and leaves no file when the target dies during --${kind}`, async () => {
      const doomed = await startInspectTarget({ file: programFile }, { readyLine: /^ready$/ })
      const name = `doomed-${kind}`
      const file = join(
        workDir,
        kind === 'sampling' ? `${name}.heapprofile` : `${name}.heapsnapshot`,
      )
      const cli = spawnCli(['record', '--port', String(doomed.port), `--${kind}`, '-o', file])
      await cli.waitForStderr(NOTICE)
      await new Promise((resolve) => setTimeout(resolve, 300))
      await doomed.kill()
      expect(await cli.exited).toBe(1)
      const { stdout, stderr } = cli.output()
      expect(stdout).toBe('')
      const lines = stderr.trimEnd().split('\n')
      expect(lines.at(-1)).toMatch(
        /^heapgraph: the target exited during the .+; nothing was written$/,
      )
      expect(lines.filter((line) => !NOTICE.test(line))).toHaveLength(1)
      expect(stderr).not.toContain('    at ')
      expect(await filesLike(name)).toEqual([])
      expect(existsSync(file)).toBe(false)
    })
  }
})

describe('heapgraph record, usage', () => {
  it('exits 1 in one line, before recording, when the file cannot be written', async () => {
    const file = join(workDir, 'no-such-folder', 'x.heapprofile')
    const result = await runCli(['record', '--port', String(target.port), '-o', file])
    expect(expectOneLineError(result, 1)).toContain(`cannot write ${file}.partial: no such folder`)
    expect(result.stdout).toBe('')
  })

  const cases: Array<[string, string[], RegExp]> = [
    ['no -o', [], /-o FILE/],
    ['both kinds', ['--sampling', '--timeline', '-o', 'x.heapprofile'], /one of --sampling/],
    ['--interval with --timeline', ['--timeline', '--interval', '4096', '-o', 'x'], /--interval/],
    [
      '--include-collected with --timeline',
      ['--timeline', '--include-collected', '-o', 'x'],
      /--include-collected/,
    ],
    ['a bad size', ['--interval', '32 parsecs', '-o', 'x'], /--interval takes a size/],
    ['a zero size', ['--interval', '0', '-o', 'x'], /--interval/],
    ['a bad duration', ['--duration', 'soon', '-o', 'x'], /--duration takes a duration/],
    ['two targets', ['--ws', 'ws://127.0.0.1:1/x', '--pid', '1', '-o', 'x'], /choose one of/],
  ]
  for (const [what, args, message] of cases) {
    it(`exits 2 in one line for ${what}, writing nothing`, async () => {
      const result = await runCli(['record', '--port', String(target.port), ...args])
      expect(expectOneLineError(result, 2)).toMatch(message)
      expect(result.stdout).toBe('')
      expect(existsSync(join(REPO_ROOT, 'x'))).toBe(false)
    })
  }
})
