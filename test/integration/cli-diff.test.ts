// `heapgraph diff` run as a child process (bin/heapgraph.mjs) on the sequence fixture: the JSON
// shape and numbers (those of the engine's diff, run here in-process), the human table, the
// warning for snapshots of two processes, and the error contract (exit 2 for usage, 1 for a
// file that cannot be read or parsed; one stderr line).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectOneLineError, runCli } from '../helpers/cli'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import { idWarning } from '../../electron/cli/diff-command'
import { diffBase, diffSnapshots, interfaceDefinitionsOf } from '../../shared/heap/queries/diff'
import { fixture, snapshotSequence } from '../helpers/fixtures'
import type { DiffJson } from '../../electron/cli/diff-command'

const DEVTOOLS_FIELDS = [
  'className',
  'addedCount',
  'removedCount',
  'countDelta',
  'addedSize',
  'removedSize',
  'sizeDelta',
] as const

describe('heapgraph diff', () => {
  let files: [string, string, string]
  let dir: string
  beforeAll(async () => {
    files = await snapshotSequence()
    dir = await mkdtemp(join(tmpdir(), 'heapgraph-cli-diff-'))
  }, 300_000)
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prints every changed class as JSON, with the engine’s numbers', async () => {
    const result = await runCli(['diff', files[0], files[1], '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as DiffJson
    expect(json.before.file).toBe(files[0])
    expect(json.after.file).toBe(files[1])
    expect(json.before.nodeCount).toBeGreaterThan(1000)
    for (const entry of json.classes) {
      for (const field of DEVTOOLS_FIELDS) expect(entry).toHaveProperty(field)
      expect(entry.countDelta).toBe(entry.addedCount - entry.removedCount)
      expect(entry.sizeDelta).toBe(entry.addedSize - entry.removedSize)
    }
    const before = await loadSnapshotFile(files[0])
    const after = await loadSnapshotFile(files[1])
    const expected = diffSnapshots(after, diffBase(before, interfaceDefinitionsOf(after)))
    expect(json.classes).toEqual(expected)
    const leaked = json.classes.find((entry) => entry.className === 'SequenceLeakedRecord')
    expect(leaked).toMatchObject({ addedCount: 40, removedCount: 0, countDelta: 40 })
    const freed = json.classes.find((entry) => entry.className === 'SequenceFreedItem')
    expect(freed).toMatchObject({ addedCount: 0, removedCount: 25, countDelta: -25 })
  })

  it('limits the classes with --top, largest size change first', async () => {
    const result = await runCli(['diff', files[1], files[2], '--json', '--top', '3'])
    expect(result.code).toBe(0)
    const { classes } = JSON.parse(result.stdout) as DiffJson
    expect(classes).toHaveLength(3)
    const sizes = classes.map((entry) => Math.abs(entry.sizeDelta))
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
  })

  it('prints a table of classes with new, deleted and the deltas', async () => {
    const result = await runCli(['diff', files[0], files[2], '--top', '200'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0].startsWith(`before ${files[0]}: `)).toBe(true)
    expect(lines[1].startsWith(`after  ${files[2]}: `)).toBe(true)
    expect(lines[2]).toMatch(
      /^total size [+-]?[\d.]+ [kMG]?B; \d+ classes with new or deleted objects$/,
    )
    expect(result.stdout).toMatch(/class +count +\+new +-deleted +Δcount +Δsize +Δretained/)
    const late = lines.find((line) => line.startsWith('SequenceLateLeak '))
    expect(late?.split(/ {2,}/).slice(1, 5)).toEqual(['30', '+30', '-0', '+30'])
    const growing = lines.find((line) => line.startsWith('SequenceGrowingItem '))
    expect(growing?.split(/ {2,}/).slice(1, 5)).toEqual(['30', '+20', '-0', '+20'])
    expect(result.stdout).not.toContain('SequenceTransientJob')
  })

  it('says how many classes it left out', async () => {
    const result = await runCli(['diff', files[0], files[1], '--top', '2'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/… \d+ more \(--top N shows more\)\n$/)
  })

  it('lists nothing for a snapshot compared with itself', async () => {
    const result = await runCli(['diff', files[1], files[1], '--json'])
    expect(result.stderr).toBe('')
    expect((JSON.parse(result.stdout) as DiffJson).classes).toEqual([])
  })

  it('warns on one line, and still answers, for snapshots of two processes', async () => {
    const other = await fixture('map-cache')
    const result = await runCli(['diff', files[0], other, '--json', '--top', '1'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/^heapgraph: warning: [^\n]*different processes[^\n]*\n$/)
    expect((JSON.parse(result.stdout) as DiffJson).classes).toHaveLength(1)
  })

  it('warns when the snapshots share no id, or when shared ids do not keep their class', () => {
    const overlap = { baseCount: 100, afterCount: 120, commonCount: 0, sameClassCount: 0 }
    expect(idWarning('a', 'b', overlap)).toMatch(/^heapgraph: warning: a and b have no object id/)
    expect(idWarning('a', 'b', { ...overlap, commonCount: 90, sameClassCount: 40 })).toContain(
      'only 44% of the ids they share keep their class',
    )
    expect(idWarning('a', 'b', { ...overlap, commonCount: 90, sameClassCount: 89 })).toBeUndefined()
    expect(idWarning('a', 'b', { ...overlap, baseCount: 0 })).toBeUndefined()
  })

  describe('errors', () => {
    it('exits 2 with one line without a second snapshot, or with a third', async () => {
      expect(expectOneLineError(await runCli(['diff', files[0]]), 2)).toContain('two snapshot')
      expect(expectOneLineError(await runCli(['diff']), 2)).toContain('two snapshot')
      expectOneLineError(await runCli(['diff', files[0], files[1], files[2]]), 2)
    })

    it('exits 2 with one line for an option of another command or a bad --top', async () => {
      expect(
        expectOneLineError(await runCli(['diff', files[0], files[1], '--arrays']), 2),
      ).toContain('--arrays')
      expectOneLineError(await runCli(['diff', files[0], files[1], '--top', '0']), 2)
    })

    it('exits 1 with one line naming a missing file or a directory', async () => {
      const missing = join(dir, 'missing.heapsnapshot')
      expect(expectOneLineError(await runCli(['diff', files[0], missing]), 1)).toContain(missing)
      expect(expectOneLineError(await runCli(['diff', missing, files[0]]), 1)).toContain(missing)
      expect(expectOneLineError(await runCli(['diff', dir, files[0]]), 1)).toContain(dir)
    })

    it('exits 1 with one line naming the file and byte of a truncated snapshot', async () => {
      const cut = join(dir, 'cut.heapsnapshot')
      await writeFile(cut, (await readFile(files[0])).subarray(0, 1_500_000))
      const stderr = expectOneLineError(await runCli(['diff', cut, files[1]]), 1)
      expect(stderr).toContain(cut)
      expect(stderr).toMatch(/truncated.*byte|byte.*truncated/)
    })
  })
})
