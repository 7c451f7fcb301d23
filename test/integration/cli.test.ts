// The real CLI (bin/heapgraph.mjs) run as a child process against the map-cache fixture: the
// documented JSON shapes, a retainer path through global.leakCache, the CSV/NDJSON export, and
// the error contract (exit 2 for usage, 1 for a bad snapshot, one stderr line, no stack trace).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectOneLineError, runCli, runJson } from '../helpers/cli'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, snapshotOfScript } from '../helpers/fixtures'
import type {
  ArrayEntry,
  ClassSummary,
  ObjectDetails,
  ObjectSummary,
  Page,
  Reference,
  SnapshotFacts,
  StackFrame,
  WhyResult,
} from '../../shared/protocol/dto'

// The documented JSON shapes (README.md): the protocol's DTOs, as the library returns them.
type Obj = ObjectSummary
type ArrayObj = ArrayEntry
interface SummaryJson {
  snapshot: SnapshotFacts
  classes: ClassSummary[]
}
interface TopJson<T> {
  snapshot: SnapshotFacts
  objects: T[]
}
interface ShowJson {
  object: ObjectDetails & { allocationStack: StackFrame[] | null }
  edges: Page<Reference>
  retainers: Page<Reference>
}

/** An Obj of the documented shape; an ArrayObj's extra fields are checked by the caller. */
function expectArrayObj(value: ArrayObj): void {
  const { kind, length, lengthIsEstimate, storeSize, ...obj } = value
  expectObj(obj)
  expect(['array', 'typed-array', 'array-buffer', 'backing-store']).toContain(kind)
  if (length !== null) expect(Number.isInteger(length)).toBe(true)
  expect(typeof lengthIsEstimate).toBe('boolean')
  expect(storeSize).toBeGreaterThanOrEqual(0)
}

function expectObj(value: Omit<Obj, 'label'> & { label?: string }, { labelled = true } = {}): void {
  // A label always, but in exports (labels are made per object on demand, not for millions);
  // a function's location where the snapshot has one.
  const { label, location, ...rest } = value
  expect(typeof label).toBe(labelled ? 'string' : 'undefined')
  if (location !== undefined) expect(location.line).toBeGreaterThan(0)
  expect(Object.keys(rest).sort()).toEqual(
    ['className', 'distance', 'id', 'name', 'node', 'retainedSize', 'selfSize', 'type'].sort(),
  )
  expect(Number.isSafeInteger(value.node)).toBe(true)
  expect(Number.isSafeInteger(value.id)).toBe(true)
  expect(typeof value.type).toBe('string')
  expect(typeof value.name).toBe('string')
  expect(typeof value.className).toBe('string')
  expect(value.selfSize).toBeGreaterThanOrEqual(0)
  expect(value.retainedSize).toBeGreaterThanOrEqual(value.selfSize)
  if (value.distance !== null) expect(Number.isInteger(value.distance)).toBe(true)
}

/** Minimal RFC 4180 reader: quoted cells may hold commas, quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let at = 0; at < text.length; at++) {
    const char = text[at]
    if (quoted) {
      if (char === '"' && text[at + 1] === '"') {
        cell += '"'
        at++
      } else if (char === '"') {
        quoted = false
      } else {
        cell += char
      }
    } else if (char === '"') {
      quoted = true
    } else if (char === ',') {
      row.push(cell)
      cell = ''
    } else if (char === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else {
      cell += char
    }
  }
  expect(quoted).toBe(false)
  expect(cell === '' && row.length === 0).toBe(true) // the text ends with a newline
  return rows
}

const CSV_HEADER = 'id,type,name,className,selfSize,retainedSize,distance,dominatorId'

describe('cli', () => {
  let snapshotFile = ''
  let dir = ''
  let summary: SummaryJson
  /** A leaked 1000-item Array of global.leakCache, found through `top --arrays`. */
  let leakedArray: ArrayObj

  beforeAll(async () => {
    snapshotFile = await fixture('map-cache')
    dir = await mkdtemp(join(tmpdir(), 'heapgraph-cli-'))
    summary = await runJson<SummaryJson>(['summary', snapshotFile, '--json'])
    const arrays = await runJson<TopJson<ArrayObj>>([
      'top',
      snapshotFile,
      '--arrays',
      '--top',
      '100000',
      '--json',
    ])
    const leaked = arrays.objects.filter(
      (entry) => entry.className === 'Array' && entry.length === 1000,
    )
    // map-cache.cjs: 100 keys k0..k99, each to its own new Array(1000).
    expect(leaked).toHaveLength(100)
    leakedArray = leaked[0]
  })

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  describe('summary', () => {
    it('describes the snapshot as documented', () => {
      expect(Object.keys(summary).sort()).toEqual(['classes', 'snapshot'])
      const { snapshot } = summary
      expect(Object.keys(snapshot).sort()).toEqual(
        [
          'allocationStacks',
          'allocationTimeline',
          'edgeCount',
          'exposeInternals',
          'file',
          'nodeCount',
          'totalSize',
        ].sort(),
      )
      expect(snapshot.file).toBe(snapshotFile)
      expect(snapshot.nodeCount).toBeGreaterThan(10_000)
      expect(snapshot.edgeCount).toBeGreaterThan(snapshot.nodeCount)
      expect(snapshot.totalSize).toBeGreaterThan(1_000_000)
      // v8.writeHeapSnapshot has user roots, and no allocation tracking.
      expect(snapshot.exposeInternals).toBe(false)
      expect(snapshot.allocationStacks).toBe(false)
      expect(snapshot.allocationTimeline).toBe(false)
    })

    it('lists classes by retained size, largest first, with the documented fields', () => {
      const { classes } = summary
      expect(classes.length).toBeGreaterThan(0)
      expect(classes.length).toBeLessThanOrEqual(30) // the default --top
      for (const entry of classes) {
        expect(Object.keys(entry).sort()).toEqual(
          ['classKey', 'className', 'count', 'distance', 'retainedSize', 'selfSize'].sort(),
        )
        expect(typeof entry.className).toBe('string')
        expect(entry.count).toBeGreaterThan(0)
        expect(entry.retainedSize).toBeLessThanOrEqual(summary.snapshot.totalSize)
      }
      const sizes = classes.map((entry) => entry.retainedSize)
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
      // The 100 leaked arrays of 8 kB each put Array among the largest classes.
      expect(classes.map((entry) => entry.className)).toContain('Array')
    })

    it('honours --top', async () => {
      const top3 = await runJson<SummaryJson>(['summary', snapshotFile, '--top', '3', '--json'])
      expect(top3.classes).toEqual(summary.classes.slice(0, 3))
    })

    it('prints a human-readable table without --json', async () => {
      const result = await runCli(['summary', snapshotFile, '--top', '5'])
      expect(result.code).toBe(0)
      expect(result.stderr).toBe('')
      expect(result.stdout.split('\n')[0]).toContain(snapshotFile)
      expect(result.stdout).toMatch(/class\s+count\s+distance\s+self\s+retained/)
    })
  })

  describe('top --arrays', () => {
    it('lists the leaked Arrays with their length and store size', () => {
      expectArrayObj(leakedArray)
      expect(leakedArray.kind).toBe('array')
      expect(leakedArray.length).toBe(1000)
      expect(typeof leakedArray.lengthIsEstimate).toBe('boolean')
      // 1000 small integers in a FixedArray: 16 bytes of header + 8 bytes each.
      expect(leakedArray.storeSize).toBe(8016)
      expect(leakedArray.retainedSize).toBeGreaterThanOrEqual(leakedArray.storeSize)
    })

    it('lists largest first and honours --top', async () => {
      const top = await runJson<TopJson<ArrayObj>>([
        'top',
        snapshotFile,
        '--arrays',
        '--top',
        '5',
        '--json',
      ])
      expect(top.snapshot).toEqual(summary.snapshot)
      expect(top.objects).toHaveLength(5)
      for (const entry of top.objects) expectArrayObj(entry)
      const sizes = top.objects.map((entry) => entry.retainedSize)
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
    })
  })

  describe('why', () => {
    it('gives paths from a root (edge null) to the largest Array', async () => {
      const why = await runJson<WhyResult>(['why', snapshotFile, 'Array', '--paths', '3', '--json'])
      expectObj(why.target)
      expect(why.target.className).toBe('Array')
      expect(why.paths.length).toBeGreaterThanOrEqual(1)
      expect(why.paths.length).toBeLessThanOrEqual(3)
      for (const path of why.paths) {
        expect(path.length).toBeGreaterThanOrEqual(2)
        expect(path[0].edge).toBeNull()
        expect(path.at(-1)?.node).toEqual(why.target)
        for (const step of path.slice(1)) {
          expectObj(step.node)
          expect(step.edge).not.toBeNull()
          expect(typeof step.edge?.type).toBe('string')
          expect(typeof step.edge?.name).toBe('string')
        }
      }
    })

    it('finds the leaked array retained through global.leakCache', async () => {
      const why = await runJson<WhyResult>([
        'why',
        snapshotFile,
        `@${leakedArray.id}`,
        '--paths',
        '3',
        '--json',
      ])
      expect(why.target.id).toBe(leakedArray.id)
      const first = why.paths[0]
      expect(first[0].edge).toBeNull()
      expect(first.at(-1)?.node.id).toBe(leakedArray.id)
      const edges = first.map((step) => step.edge?.name)
      expect(edges).toContain('leakCache')
      const cacheStep = first.find((step) => step.edge?.name === 'leakCache')
      expect(cacheStep?.node.className).toBe('Map')
      expect(first.at(-1)?.edge?.mapSlot).toEqual({
        role: 'value',
        key: expect.stringMatching(/^"k\d+"$/),
      })
    })

    it('names the stack root and says so when running code holds the object', async () => {
      // The snapshot is written from inside work(), while its local array is on the stack.
      const program = [
        'function work() {',
        '  const onStack = new Array(12345).fill(3)',
        "  require('node:v8').writeHeapSnapshot(process.argv[1])",
        '  return onStack.length',
        '}',
        'work()',
      ].join('\n')
      const file = join(dir, 'on-stack.heapsnapshot')
      await snapshotOfScript(program, file)
      const arrays = await runJson<TopJson<ArrayObj>>(['top', file, '--arrays', '--json'])
      const onStack = arrays.objects.find((object) => object.length === 12345)
      expect(onStack).toBeDefined()
      const result = await runCli(['why', file, `@${(onStack as ArrayObj).id}`])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^\(GC roots\) @\d+$/m)
      expect(result.stdout).toMatch(/→ \(Stack roots\) @\d+/)
      expect(result.stdout).toContain(
        'It is held only from (Stack roots): code was running when the snapshot was taken',
      )
      // A path from a global gets no such note.
      const cached = await runCli(['why', snapshotFile, `@${leakedArray.id}`])
      expect(cached.stdout).not.toContain('held only from')
    })

    it('prints the path in text form with the leakCache reference', async () => {
      const result = await runCli(['why', snapshotFile, `@${leakedArray.id}`])
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(`Array(~1000) @${leakedArray.id}`)
      // The verdict, first after the header, names the holder and the key.
      const [, verdict] = result.stdout.split('\n')
      expect(verdict).toMatch(
        /^Array\(~1000\) \(8\.\d+ kB\) is alive because the Map `global\.leakCache` holds it under key "k\d+"\.$/,
      )
      expect(result.stdout).toMatch(/\.leakCache → Map\(≥100\) @\d+/)
      // The Map's table is folded into the entry, named by its key (keys are 'k0'..'k99').
      expect(result.stdout).toMatch(
        new RegExp(`entry "k\\d+" → Array\\(~1000\\) @${leakedArray.id}`),
      )
      // The fix, checked by a recount, and the --cut that shows it.
      expect(result.stdout).toMatch(/^To free it: global\.leakCache\.delete\("k\d+"\)$/m)
      const cut = /see it with --cut (@\d+:\S+)\)/.exec(result.stdout)?.[1]
      expect(cut).toBeDefined()
      const recount = await runCli(['why', snapshotFile, `@${leakedArray.id}`, '--cut', cut ?? ''])
      expect(recount.stdout).toContain('would be freed.')
    })

    it('exits 1 with one line naming an unknown class', async () => {
      const stderr = expectOneLineError(
        await runCli(['why', snapshotFile, 'NoSuchClassAnywhere']),
        1,
      )
      expect(stderr).toContain('NoSuchClassAnywhere')
      expect(stderr).toMatch(/no object of class/)
    })

    it('exits 1 with one line naming an unknown @id', async () => {
      const stderr = expectOneLineError(await runCli(['why', snapshotFile, '@4294967295']), 1)
      expect(stderr).toContain('@4294967295')
      expect(stderr).toMatch(/no object/)
    })
  })

  describe('show', () => {
    it('describes one object with its references and retainers', async () => {
      const show = await runJson<ShowJson>(['show', snapshotFile, `@${leakedArray.id}`, '--json'])
      expect(Object.keys(show).sort()).toEqual(['edges', 'object', 'retainers'])
      const { object } = show
      const {
        retainerCount,
        edgeCount,
        detachedness,
        dominator,
        allocationStack,
        value,
        isSystemReachable,
        ...obj
      } = object
      expectObj(obj)
      expect(isSystemReachable).toBe(false)
      expect(value).toEqual({})
      // The fixture was not recorded with allocation tracking.
      expect(allocationStack).toBeNull()
      expect(obj).toEqual({
        node: leakedArray.node,
        id: leakedArray.id,
        type: leakedArray.type,
        name: leakedArray.name,
        className: leakedArray.className,
        label: 'Array(~1000)',
        selfSize: leakedArray.selfSize,
        retainedSize: leakedArray.retainedSize,
        distance: leakedArray.distance,
      })
      expect(retainerCount).toBeGreaterThanOrEqual(1)
      expect(edgeCount).toBe(show.edges.total)
      expect(typeof detachedness).toBe('string')
      expect(dominator).not.toBeNull()
      for (const list of [show.edges, show.retainers]) {
        expect(list.items.length).toBeLessThanOrEqual(list.total)
        for (const item of list.items) {
          expectObj(item.node)
          expect(typeof item.edge.type).toBe('string')
          expect(typeof item.edge.name).toBe('string')
          expect(typeof item.edge.isWeak).toBe('boolean')
        }
      }
      expect(show.retainers.total).toBe(retainerCount)
      expect(show.retainers.items.length).toBeGreaterThanOrEqual(1)
    })

    it('exits 1 with one line for an unknown @id', async () => {
      const stderr = expectOneLineError(await runCli(['show', snapshotFile, '@4294967295']), 1)
      expect(stderr).toContain('@4294967295')
    })
  })

  describe('export', () => {
    let csvRows: string[][] = []

    beforeAll(async () => {
      const result = await runCli(['export', snapshotFile, '--format', 'csv'])
      expect(result.code).toBe(0)
      expect(result.stderr).toBe('')
      expect(result.stdout.split('\n')[0]).toBe(CSV_HEADER)
      csvRows = parseCsv(result.stdout)
    })

    it('writes a CSV header and one row per node', () => {
      expect(csvRows[0].join(',')).toBe(CSV_HEADER)
      const rows = csvRows.slice(1)
      expect(rows).toHaveLength(summary.snapshot.nodeCount)
      for (const row of rows) expect(row).toHaveLength(8)
    })

    it('gives every row but the root a dominatorId that is the id of another row', () => {
      const rows = csvRows.slice(1)
      const ids = new Set(rows.map((row) => row[0]))
      expect(ids.size).toBe(rows.length)
      const withoutDominator = rows.filter((row) => row[7] === '')
      expect(withoutDominator).toHaveLength(1) // the root
      for (const row of rows) {
        if (row[7] !== '' && !ids.has(row[7])) expect.fail(`row @${row[0]} has no dominator row`)
      }
    })

    it('writes the leaked array with its sizes', () => {
      const row = csvRows.find((cells) => cells[0] === String(leakedArray.id))
      expect(row).toEqual([
        String(leakedArray.id),
        leakedArray.type,
        leakedArray.name,
        leakedArray.className,
        String(leakedArray.selfSize),
        String(leakedArray.retainedSize),
        String(leakedArray.distance),
        expect.stringMatching(/^\d+$/),
      ])
    })

    it('writes the same nodes as NDJSON to a file with -o', async () => {
      const out = join(dir, 'nodes.ndjson')
      const result = await runCli(['export', snapshotFile, '--format', 'ndjson', '-o', out])
      expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
      const text = await readFile(out, 'utf8')
      expect(text.endsWith('\n')).toBe(true)
      const objects = text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line) as Obj & { dominatorId: number | null })
      expect(objects).toHaveLength(summary.snapshot.nodeCount)
      expect(objects.map((object) => String(object.id))).toEqual(
        csvRows.slice(1).map((row) => row[0]),
      )
      const ids = new Set(objects.map((object) => object.id))
      const { dominatorId: _rootDominator, ...first } = objects[0]
      expectObj(first, { labelled: false })
      const keys = Object.keys(objects[0]).join()
      for (const { dominatorId, ...object } of objects) {
        // expect() per field on 40k rows is slow; compare the key lists instead.
        if (Object.keys({ ...object, dominatorId }).join() !== keys) {
          expect.fail(`@${object.id} has keys ${Object.keys(object).join()}`)
        }
        if (dominatorId !== null && !ids.has(dominatorId)) {
          expect.fail(`@${object.id} has dominator @${dominatorId}, which is not exported`)
        }
      }
      expect(objects.filter((object) => object.dominatorId === null)).toHaveLength(1)
    })
  })

  describe('errors', () => {
    it('exits 2 without arguments', async () => {
      expect((await runCli([])).code).toBe(2)
    })

    it('explains a missing command in one line on stderr', async () => {
      expectOneLineError(await runCli([]), 2)
    })

    it('exits 2 with one line for an unknown command', async () => {
      const stderr = expectOneLineError(await runCli(['frobnicate', snapshotFile]), 2)
      expect(stderr).toContain('frobnicate')
    })

    it('exits 2 with one line for a command without its snapshot', async () => {
      expectOneLineError(await runCli(['summary']), 2)
    })

    it('exits 2 with one line for a bad --top', async () => {
      for (const value of ['0', 'abc', '1.5']) {
        const stderr = expectOneLineError(await runCli(['top', snapshotFile, '--top', value]), 2)
        expect(stderr).toContain('--top')
        expect(stderr).toContain(value)
      }
    })

    it('exits 2 with one line for a negative --top', async () => {
      expectOneLineError(await runCli(['top', snapshotFile, '--top', '-3']), 2)
    })

    it('exits 2 with one line for an unknown option or format', async () => {
      expectOneLineError(await runCli(['summary', snapshotFile, '--bogus']), 2)
      const stderr = expectOneLineError(
        await runCli(['export', snapshotFile, '--format', 'xml']),
        2,
      )
      expect(stderr).toContain('xml')
    })

    it('exits 2 with one line for an option that does not apply, for every command', async () => {
      // Parsed by commander before anything runs: no snapshot loads, no target is contacted.
      const commands: string[][] = [
        ['summary', snapshotFile],
        ['top', snapshotFile],
        ['why', snapshotFile, '@1'],
        ['show', snapshotFile, '@1'],
        ['diff', snapshotFile, snapshotFile],
        ['leaks', snapshotFile, snapshotFile, snapshotFile],
        ['open', snapshotFile],
        ['serve'],
        ['targets'],
        ['processes'],
        ['capture'],
        ['watch'],
        ['growth'],
      ]
      for (const command of commands) {
        const stderr = expectOneLineError(await runCli([...command, '--format', 'csv']), 2)
        expect(stderr, command[0]).toContain(`--format does not apply to ${command[0]}`)
      }
      const stderr = expectOneLineError(await runCli(['export', snapshotFile, '--bogus']), 2)
      expect(stderr).toContain("unknown option '--bogus'")
      // A missing value is a usage error too.
      expectOneLineError(await runCli(['top', snapshotFile, '--top']), 2)
    })

    it('exits 2 with one line when why or show lack their object', async () => {
      expectOneLineError(await runCli(['why', snapshotFile]), 2)
      expectOneLineError(await runCli(['show', snapshotFile, 'Array']), 2)
    })

    it('exits 1 with one line naming the byte for a truncated snapshot', async () => {
      const cut = join(dir, 'cut.heapsnapshot')
      await writeFile(cut, (await readFile(snapshotFile)).subarray(0, 1_500_000))
      const stderr = expectOneLineError(await runCli(['summary', cut]), 1)
      expect(stderr).toContain(cut)
      expect(stderr).toContain('byte')
      expect(stderr).toMatch(/truncated/)
    })

    it('exits 1 with one line for a file that is not a snapshot', async () => {
      const png = join(dir, 'image.png')
      await writeFile(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
      const stderr = expectOneLineError(await runCli(['summary', png]), 1)
      expect(stderr).toContain('byte 0')
    })

    it('exits 1 with one line naming a missing file or a directory', async () => {
      const missing = join(dir, 'missing.heapsnapshot')
      expect(expectOneLineError(await runCli(['summary', missing]), 1)).toContain(missing)
      expect(expectOneLineError(await runCli(['summary', dir]), 1)).toContain(dir)
    })
  })
})
