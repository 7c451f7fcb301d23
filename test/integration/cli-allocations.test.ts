// `heapgraph allocations` as a child process on real profiles (the fixture programs run under
// `node --heap-prof` once per run, into the test's temp folder): sites, --by, --top, --json, --base,
// gzip; bad files exit 1 with one stderr line naming the file, bad arguments exit 2.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectOneLineError, runCli, runJson } from '../helpers/cli'
import { PROGRAMS_DIR } from '../helpers/fixtures'
import { SnapshotBuilder } from '../helpers/snapshot-builder'
import type {
  AllocationComparison,
  AllocationReport,
  AllocationSite,
} from '../../shared/protocol/dto'

const execFileAsync = promisify(execFile)

const HOT = join(PROGRAMS_DIR, 'allocations-hot.cjs')
const MOVED = join(PROGRAMS_DIR, 'allocations-moved.cjs')
const SITE_KEYS = ['column', 'count', 'functionName', 'line', 'selfSize', 'totalSize', 'url']

let dir: string
/** Profiles of the fixture programs, by name. */
const profiles: Record<'hot' | 'before' | 'after', string> = { hot: '', before: '', after: '' }

/** Runs a fixture program under the sampling heap profiler; returns the profile's path. */
async function recordProfile(name: string, program: string, args: string[] = []): Promise<string> {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  await execFileAsync(
    process.execPath,
    [
      '--heap-prof',
      '--heap-prof-dir',
      dir,
      '--heap-prof-name',
      `${name}.heapprofile`,
      '--heap-prof-interval',
      '4096',
      program,
      ...args,
    ],
    { env, timeout: 60_000 },
  )
  return join(dir, `${name}.heapprofile`)
}

/** The 1-based line and column V8 gives a function: its line, and where its parameters open. */
async function functionPosition(
  program: string,
  name: string,
): Promise<{ line: number; column: number }> {
  const lines = (await readFile(program, 'utf8')).split('\n')
  const line = lines.findIndex((text) => text.startsWith(`function ${name}(`))
  expect(line, `function ${name} in ${program}`).toBeGreaterThanOrEqual(0)
  return { line: line + 1, column: lines[line].indexOf(`${name}(`) + name.length + 1 }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'heapgraph-allocations-'))
  ;[profiles.hot, profiles.before, profiles.after] = await Promise.all([
    recordProfile('hot', HOT),
    recordProfile('before', MOVED, ['before']),
    recordProfile('after', MOVED, ['after']),
  ])
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('heapgraph allocations', () => {
  it('puts makeRows on top by function, with its file and 1-based line and column', async () => {
    const report = await runJson<AllocationReport>(['allocations', profiles.hot, '--json'])
    const { line, column } = await functionPosition(HOT, 'makeRows')
    const [top] = report.sites
    expect(top).toMatchObject({ functionName: 'makeRows', url: HOT, line, column })
    // About 15 MB of arrays: most of what was sampled.
    expect(top.selfSize).toBeGreaterThan(report.totalSize / 2)
    expect(top.count).toBeGreaterThan(100)
    expect(top.totalSize).toBeGreaterThanOrEqual(top.selfSize)
    const labels = report.sites.find((site) => site.functionName === 'makeLabels')
    expect(labels).toMatchObject({ url: HOT, ...(await functionPosition(HOT, 'makeLabels')) })
  })

  it('prints the top sites as a table, files relative as why prints them', async () => {
    const result = await runCli(['allocations', profiles.hot])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const { line, column } = await functionPosition(HOT, 'makeRows')
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      new RegExp(
        `^Allocation profile ${profiles.hot}: [\\d.]+ MB sampled in [\\d,]+ samples; sites by function`,
      ),
    )
    expect(lines[2]).toMatch(/^ *self +% of total +count +total +site$/)
    expect(lines[3]).toMatch(
      new RegExp(
        `^ *[\\d.]+ MB +\\d+\\.\\d% +[\\d,]+ +[\\d.]+ MB  makeRows \\(allocations-hot\\.cjs:${line}:${column}\\)$`,
      ),
    )
    // The default top is 20 sites, and the rest is said.
    expect(lines.slice(3, -1)).toHaveLength(20)
    expect(lines.at(-1)).toMatch(/^\(\d+ more sites not shown; see --top\)$/)
  })

  it('puts makeRows on top by line, named by the function, without a column', async () => {
    const report = await runJson<AllocationReport>([
      'allocations',
      profiles.hot,
      '--by',
      'line',
      '--json',
    ])
    const { line } = await functionPosition(HOT, 'makeRows')
    expect(report.sites[0]).toMatchObject({
      functionName: 'makeRows',
      url: HOT,
      line,
      column: null,
    })
    const text = await runCli(['allocations', profiles.hot, '--by', 'line', '--top', '1'])
    expect(text.stdout).toMatch(new RegExp(`  makeRows \\(allocations-hot\\.cjs:${line}\\)\\n`))
  })

  it('groups by file', async () => {
    const report = await runJson<AllocationReport>([
      'allocations',
      profiles.hot,
      '--by',
      'file',
      '--json',
      '--top',
      '1000',
    ])
    expect(report.sites[0]).toMatchObject({ functionName: '', url: HOT, line: null, column: null })
    const byFunction = await runJson<AllocationReport>([
      'allocations',
      profiles.hot,
      '--json',
      '--top',
      '1000',
    ])
    // The file's self bytes are those of its functions.
    const ofFile = byFunction.sites.filter((site) => site.url === HOT)
    expect(report.sites[0].selfSize).toBe(ofFile.reduce((sum, site) => sum + site.selfSize, 0))
    expect(new Set(report.sites.map((site) => site.url)).size).toBe(report.sites.length)
    const text = await runCli(['allocations', profiles.hot, '--by', 'file', '--top', '2'])
    expect(text.stdout).toMatch(/ {2}allocations-hot\.cjs\n/)
  })

  it('prints exactly the AllocationReport as JSON, --top sites of it', async () => {
    const report = await runJson<AllocationReport>([
      'allocations',
      profiles.hot,
      '--json',
      '--top',
      '3',
    ])
    expect(Object.keys(report).sort()).toEqual(['file', 'sampleCount', 'sites', 'totalSize'])
    expect(report.file).toBe(profiles.hot)
    expect(report.sites).toHaveLength(3)
    for (const site of report.sites) expect(Object.keys(site).sort()).toEqual(SITE_KEYS)
    const all = await runJson<AllocationReport>([
      'allocations',
      profiles.hot,
      '--json',
      '--top',
      '1000',
    ])
    expect(all.totalSize).toBe(report.totalSize)
    // Every sample and every sampled byte belongs to exactly one site.
    const sum = (key: keyof AllocationSite) =>
      all.sites.reduce((total, site) => total + (site[key] as number), 0)
    expect(sum('count')).toBe(all.sampleCount)
    expect(sum('selfSize')).toBe(all.totalSize)
    const text = await runCli(['allocations', profiles.hot, '--top', '1'])
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(5)
  })

  it('shows the growth in the second function and the drop in the first with --base', async () => {
    const comparison = await runJson<AllocationComparison>([
      'allocations',
      profiles.after,
      '--base',
      profiles.before,
      '--json',
    ])
    expect(comparison.file).toBe(profiles.after)
    expect(comparison.baseFile).toBe(profiles.before)
    const [first, second] = comparison.sites
    expect(new Set([first.functionName, second.functionName])).toEqual(
      new Set(['buildCache', 'buildIndex']),
    )
    const index = comparison.sites.find((site) => site.functionName === 'buildIndex')!
    const cache = comparison.sites.find((site) => site.functionName === 'buildCache')!
    // 140 batches of 1000 small arrays moved: several MB each way.
    expect(index.sizeDiff).toBeGreaterThan(4_000_000)
    expect(index.countDiff).toBeGreaterThan(0)
    expect(cache.sizeDiff).toBeLessThan(-4_000_000)
    expect(cache.countDiff).toBeLessThan(0)
    expect(index.sizeDiff).toBe(index.selfSize - index.baseSelfSize)
    expect(index).toMatchObject({ url: MOVED, ...(await functionPosition(MOVED, 'buildIndex')) })
    for (let position = 1; position < comparison.sites.length; position++) {
      expect(Math.abs(comparison.sites[position - 1].sizeDiff)).toBeGreaterThanOrEqual(
        Math.abs(comparison.sites[position].sizeDiff),
      )
    }
    const text = await runCli(['allocations', profiles.after, '--base', profiles.before])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`compared with ${profiles.before}`)
    expect(text.stdout).toMatch(/^ *\+[\d.]+ MB .* buildIndex \(allocations-moved\.cjs:\d+:\d+\)$/m)
    expect(text.stdout).toMatch(/^ *-[\d.]+ MB .* buildCache \(allocations-moved\.cjs:\d+:\d+\)$/m)
  })

  it('reads a gzipped profile like the plain one', async () => {
    const packed = join(dir, 'hot.heapprofile.gz')
    await writeFile(packed, gzipSync(await readFile(profiles.hot)))
    const plain = await runJson<AllocationReport>(['allocations', profiles.hot, '--json'])
    const unpacked = await runJson<AllocationReport>(['allocations', packed, '--json'])
    expect(unpacked).toEqual({ ...plain, file: packed })
  })

  it('exits 1 with one line naming a truncated, non-JSON, snapshot or missing file', async () => {
    const text = await readFile(profiles.hot, 'utf8')
    const truncated = join(dir, 'truncated.heapprofile')
    await writeFile(truncated, text.slice(0, Math.floor(text.length / 2)))
    expect(expectOneLineError(await runCli(['allocations', truncated]), 1)).toMatch(
      new RegExp(`^heapgraph: ${truncated}: the profile is cut short: .* \\(at byte \\d+\\)\\n$`),
    )
    const notJson = join(dir, 'notes.heapprofile')
    await writeFile(notJson, 'allocation notes\n')
    expect(expectOneLineError(await runCli(['allocations', notJson]), 1)).toBe(
      `heapgraph: ${notJson}: not JSON: expected a JSON value, found "a" (at byte 0)\n`,
    )
    const snapshot = join(dir, 'heap.heapsnapshot')
    const builder = new SnapshotBuilder()
    builder.standardRoots('user-roots')
    await writeFile(snapshot, builder.toText())
    expect(expectOneLineError(await runCli(['allocations', snapshot]), 1)).toContain(
      `${snapshot}: it is a heap snapshot (.heapsnapshot), not an allocation profile`,
    )
    const missing = join(dir, 'missing.heapprofile')
    expect(expectOneLineError(await runCli(['allocations', missing]), 1)).toBe(
      `heapgraph: cannot read ${missing}: no such file\n`,
    )
    // A bad base is named as such.
    expect(
      expectOneLineError(await runCli(['allocations', profiles.hot, '--base', notJson]), 1),
    ).toContain(`${notJson}: not JSON`)
  })

  it('exits 2 with one line for wrong arguments', async () => {
    expect(expectOneLineError(await runCli(['allocations']), 2)).toContain(
      'allocations needs an allocation profile',
    )
    expect(
      expectOneLineError(await runCli(['allocations', profiles.hot, '--by', 'module']), 2),
    ).toContain('--by takes function, line or file, not "module"')
    expectOneLineError(await runCli(['allocations', profiles.hot, '--top', '0']), 2)
    expect(
      expectOneLineError(await runCli(['allocations', profiles.after, profiles.before]), 2),
    ).toContain('too many arguments')
    expect(
      expectOneLineError(await runCli(['allocations', profiles.hot, '--arrays']), 2),
    ).toContain('--arrays does not apply to allocations')
  })
})
