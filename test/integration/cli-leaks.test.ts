// `heapgraph leaks` run as a child process (bin/heapgraph.mjs) on the three-snapshot sequence:
// the documented JSON shape, the text report with a why-style path, the --fail-on CI gate
// (exit 1 and one stderr line above the limit, 0 below), and one-line usage errors (exit 2).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { expectOneLineError, runCli } from '../helpers/cli'
import { internalsSnapshot } from '../helpers/feedback-chain'
import { REPO_ROOT, snapshotSequence } from '../helpers/fixtures'
import type { LeakCluster, LeakReport, SnapshotFacts } from '../../shared/protocol/dto'

interface LeaksJson extends Omit<LeakReport, 'clusters'> {
  snapshots: Record<'base' | 'target' | 'final', SnapshotFacts>
  clusters: Array<LeakCluster & { verdict: string | null }>
}

let files: [string, string, string]
let json: LeaksJson

beforeAll(async () => {
  files = await snapshotSequence()
  const result = await runCli(['leaks', ...files, '--json'])
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  json = JSON.parse(result.stdout) as LeaksJson
})

describe('heapgraph leaks', () => {
  it('prints the documented JSON with the leaked records first', () => {
    expect(json.snapshots.base.file).toBe(files[0])
    expect(json.snapshots.final.file).toBe(files[2])
    const [top] = json.clusters
    expect(top.className).toBe('SequenceLeakedRecord')
    expect(top.count).toBe(40)
    expect(top.objectIds).toHaveLength(40)
    expect(top.path[0].edge).toBeNull()
    expect(top.verdict).toMatch(
      /^SequenceLeakedRecord \(.+\) is alive because the Map `global\.sequenceStore`/,
    )
    expect(top.path.map((step) => step.edge?.name)).toContain('sequenceStore')
    expect(Object.keys(top.path[0].node).sort()).toEqual(
      [
        'className',
        'distance',
        'id',
        'label',
        'name',
        'node',
        'retainedSize',
        'selfSize',
        'type',
      ].sort(),
    )
    expect(json.retainedSize).toBeGreaterThanOrEqual(top.retainedSize)
    const growing = new Map(json.growing.map((entry) => [entry.className, entry.counts]))
    expect(growing.get('SequenceLateLeak')).toEqual([0, 0, 30])
    expect(growing.get('SequenceGrowingItem')).toEqual([10, 20, 30])
  })

  it('honours --top for clusters and growing classes', async () => {
    const result = await runCli(['leaks', ...files, '--json', '--top', '1'])
    const limited = JSON.parse(result.stdout) as LeaksJson
    expect(limited.clusters).toHaveLength(1)
    expect(limited.growing).toHaveLength(1)
    expect(limited.clusterCount).toBe(json.clusterCount)
  })

  it('prints each cluster with its path as why does, then the growing classes', async () => {
    const result = await runCli(['leaks', ...files])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/1\. SequenceLeakedRecord ×40, [\d.]+ kB retained/)
    expect(result.stdout).toMatch(
      /^ {5}\.sequenceStore → Map\(≥\d+\) @\d+ \([\d.]+ kB retained\)$/m,
    )
    expect(result.stdout).toMatch(/… and 30 more/)
    expect(result.stdout).toMatch(/^SequenceLateLeak +0 → 0 → 30 /m)
  })

  it('exits 1 with one stderr line when the suspects retain more than --fail-on', async () => {
    const result = await runCli(['leaks', ...files, '--fail-on', '500kB'])
    const line = expectOneLineError(result, 1)
    expect(line).toContain('more than --fail-on 500kB (500000 bytes)')
    // The report is still printed, for the CI log.
    expect(result.stdout).toContain('SequenceLeakedRecord')
  })

  it('exits 0 when the suspects retain less than --fail-on, in any unit', async () => {
    for (const size of ['1MB', '1MiB', '0.7 MB', String(json.retainedSize)]) {
      const result = await runCli(['leaks', ...files, '--fail-on', size, '--json'])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
    }
    const below = await runCli(['leaks', ...files, '--fail-on', String(json.retainedSize - 1)])
    expectOneLineError(below, 1)
  })

  it('exits 2 with one line for a malformed --fail-on size', async () => {
    for (const size of ['1XB', '-1MB', '1e6', '1.5', 'MB', '1 MB extra', '']) {
      const result = await runCli(['leaks', ...files, `--fail-on=${size}`])
      expect(expectOneLineError(result, 2)).toContain('--fail-on takes a size')
    }
  })

  it('exits 2 with one line for wrong arguments and options', async () => {
    expect(expectOneLineError(await runCli(['leaks', files[0], files[1]]), 2)).toContain(
      'three snapshots',
    )
    expectOneLineError(await runCli(['leaks', ...files, files[0]]), 2)
    expect(expectOneLineError(await runCli(['leaks', ...files, '--arrays']), 2)).toContain(
      '--arrays does not apply to leaks',
    )
    expectOneLineError(await runCli(['leaks', ...files, '--top', '0']), 2)
  })

  it('exits 1 with one line naming a missing snapshot', async () => {
    const missing = join(REPO_ROOT, 'no-such-file.heapsnapshot')
    const result = await runCli(['leaks', files[0], missing, files[2]])
    expect(expectOneLineError(result, 1)).toContain(missing)
  })

  it('lists the command in --help', async () => {
    const result = await runCli(['--help'])
    expect(result.stdout).toContain('heapgraph leaks <base> <target> <final>')
  })
})

describe('heapgraph leaks on clusters only V8 holds', () => {
  it('leaves them out of the report and says so in one line, listing them in the JSON', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'heapgraph-cli-internals-'))
    try {
      const steps = [0, 1, 2] as const
      const paths = steps.map((step) => join(folder, `internals-${step}.heapsnapshot`))
      await Promise.all(paths.map((path, step) => writeFile(path, internalsSnapshot(steps[step]))))
      const text = await runCli(['leaks', ...paths])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toMatch(/^1 cluster, 1 objects, /m)
      expect(text.stdout).toContain(
        "(1 more cluster, 1 objects, 5.00 kB, held only by V8's internals, left out; --include-internals counts them, --json lists them under internalOnly)",
      )
      const report = JSON.parse((await runCli(['leaks', ...paths, '--json'])).stdout) as LeakReport
      expect(report.internalOnly.clusters.map((cluster) => cluster.className)).toEqual([
        'Boilerplate',
      ])
      // Asked for, they count with the others, marked as such.
      const all = await runCli(['leaks', ...paths, '--include-internals'])
      expect(all.code, all.stderr).toBe(0)
      expect(all.stdout).toMatch(/^2 clusters, 2 objects, /m)
      expect(all.stdout).not.toContain('left out')
      expect(all.stdout).toMatch(
        /Boilerplate ×1, 5\.00 kB retained \(held only by V8's internals\)/,
      )
      const counted = JSON.parse(
        (await runCli(['leaks', ...paths, '--include-internals', '--json'])).stdout,
      ) as LeakReport
      expect(counted.internalOnly.clusterCount).toBe(0)
      expect(counted.clusters.map((cluster) => cluster.className)).toContain('Boilerplate')
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
