// Python heaps in the same graph: the handbook's examples as fixture programs
// (test/fixtures/python, each a child python3 writing its snapshots with heapgraph_py), asserted on
// through the real CLI: why names the variable, sizes count what Python counts, diff and leaks
// follow objects between snapshots, and capture --python-pid asks a running process. Chrome
// DevTools' own engine reads one of them unchanged, node for node as ours does.
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectOneLineError, runCli, runJson } from '../helpers/cli'
import {
  numpyUnavailableReason,
  otherPythonsAndNewest,
  PYTHON_FIXTURES,
  pythonUnavailableReason,
  runPythonFixture,
  startPythonFixture,
} from '../helpers/python'
import { loadWithDevtools } from '../helpers/devtools-engine'
import { loadSnapshotFile } from '../../electron/backend/load-snapshot'
import type {
  ArrayEntry,
  ClassDiff,
  ClassSummary,
  LeakReport,
  ObjectDetails,
  Page,
  Reference,
  WhyResult,
} from '../../shared/protocol/dto'

const pythonMissing = pythonUnavailableReason()
const numpyMissing = pythonMissing ?? numpyUnavailableReason()
if (pythonMissing) console.warn(`python-heaps: SKIPPED: ${pythonMissing}`)
else if (numpyMissing) console.warn(`python-heaps: the NumPy examples are SKIPPED: ${numpyMissing}`)

const PLAIN = [
  'global_list',
  'clear_rebind',
  'array_module',
  'array_pool',
  'generator_list',
  'weak_ref',
  'del_cycle',
  'leak_growth',
] as const
const WITH_NUMPY = ['numpy_append', 'numpy_view', 'numpy_memmap'] as const
type Example = (typeof PLAIN)[number] | (typeof WITH_NUMPY)[number]

/** The examples' snapshots, written by one interpreter (python3 unless given) in a folder. */
interface ExampleSet {
  file: (example: Example, name: string) => string
  /** The folder an example wrote in. */
  folder: (example: Example) => string
  idOf: (example: Example, name: string) => string
  /** What an example printed last: the @ids of the objects it names, and other figures. */
  ids: Partial<Record<Example, Record<string, number>>>
  write: (examples: readonly Example[]) => Promise<void>
  remove: () => Promise<void>
}

function exampleSet(python?: string): ExampleSet {
  let root = ''
  const ids: ExampleSet['ids'] = {}
  return {
    file: (example, name) => join(root, example, `${name}.heapsnapshot`),
    folder: (example) => join(root, example),
    idOf: (example, name) => `@${ids[example]?.[name]}`,
    ids,
    write: async (examples) => {
      root = await mkdtemp(join(tmpdir(), 'heapgraph-python-'))
      await pool(
        examples.map((example) => async () => {
          const folder = join(root, example)
          await mkdir(folder)
          ids[example] = await runPythonFixture(example, folder, python)
        }),
        3,
      )
    },
    remove: async () => {
      if (root) await rm(root, { recursive: true, force: true })
    },
  }
}

interface Explained {
  verdict: string
  steps: string[]
}

/** `why` as JSON: the verdict and the first route's steps as they read (`.items`, `[3]`). */
async function why(snapshot: string, target: string): Promise<Explained> {
  const result = await runJson<WhyResult>(['why', snapshot, target, '--json'])
  return {
    verdict: result.verdict,
    steps: (result.routes[0]?.readable ?? []).map((step) => step.via?.text ?? step.node.label),
  }
}

async function classes(snapshot: string): Promise<Map<string, ClassSummary>> {
  const { classes: rows } = await runJson<{ classes: ClassSummary[] }>([
    'summary',
    snapshot,
    '--top',
    '100000',
    '--json',
  ])
  return new Map(rows.map((row) => [row.className, row]))
}

/** The code names of a snapshot's frames (the nodes named `frame`, by their f_code edge). */
async function frameCodes(snapshot: string): Promise<string[]> {
  const { graph } = await loadSnapshotFile(snapshot)
  const names: string[] = []
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.strings.get(graph.nodeName[node]) !== 'frame') continue
    for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
      if (graph.edgeType[edge] !== graph.edgeTypeCode.internal) continue
      if (graph.strings.get(graph.edgeNameOrIndex[edge]) !== 'f_code') continue
      names.push(graph.strings.get(graph.nodeName[graph.edgeTarget[edge]]))
    }
  }
  return names.sort()
}

async function arrays(snapshot: string): Promise<ArrayEntry[]> {
  const { objects } = await runJson<{ objects: ArrayEntry[] }>([
    'top',
    snapshot,
    '--arrays',
    '--top',
    '50',
    '--json',
  ])
  return objects
}

/** Runs `tasks` with at most `limit` at once (the fixtures are CPU-bound). */
async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const position = next++
      results[position] = await tasks[position]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

// The NumPy examples, with python3.
const withNumpy = exampleSet()
const { file, idOf } = withNumpy

beforeAll(async () => {
  if (!numpyMissing) await withNumpy.write(WITH_NUMPY)
}, 180_000)

afterAll(() => withNumpy.remove())

/**
 * The handbook's examples without NumPy, written by `python` (python3 unless given): CPython
 * changes from version to version what the collector shows of frames, generators and instances.
 */
function describeHandbook(title: string, python?: string): void {
  describe.skipIf(pythonMissing !== undefined)(title, () => {
    const examples = exampleSet(python)
    const { file, idOf, ids } = examples

    beforeAll(() => examples.write(PLAIN), 180_000)
    afterAll(() => examples.remove())

    it('names the global that keeps a list, and diff sees `del` free it', async () => {
      const list = idOf('global_list', 'retained')
      const before = file('global_list', 'before')
      const explained = await why(before, list)
      expect(explained.verdict).toMatch(
        /^list\(1000\) \(.+\) is alive because `__main__\.retained` holds it\.$/,
      )
      expect(explained.steps).toEqual(['module __main__', '.retained'])
      const item = await why(before, '__main__.Payload')
      expect(item.steps.slice(1)).toEqual(['.retained', expect.stringMatching(/^\[\d+\]$/)])
      const diff = await runJson<{ classes: ClassDiff[] }>([
        'diff',
        before,
        file('global_list', 'after'),
        '--json',
      ])
      const payload = diff.classes.find((row) => row.className === '__main__.Payload')
      expect(payload).toMatchObject({ removedCount: 1000, addedCount: 0, countAfter: 0 })
      expect(diff.classes.find((row) => row.className === 'list')).toMatchObject({
        removedCount: 1,
      })
      const gone = await runCli(['show', file('global_list', 'after'), list])
      expect(expectOneLineError(gone, 1)).toContain(`no object ${list}`)
    })

    it('shows the reference count in show', async () => {
      const list = idOf('global_list', 'retained')
      const shown = await runJson<{ object: ObjectDetails }>([
        'show',
        file('global_list', 'before'),
        list,
        '--json',
      ])
      // The module's dict holds it: sys.getrefcount(retained) - 1 is 1.
      expect(shown.object.value.refcount).toBe(1)
      const text = await runCli(['show', file('global_list', 'before'), list])
      expect(text.stdout).toMatch(/^ {2}refcount: {4}1$/m)
    })

    it('clear() frees the items for every name; rebinding leaves the old list to the other name', async () => {
      const cleared = await classes(file('clear_rebind', 'cleared'))
      expect(cleared.has('__main__.Row')).toBe(false)
      const rebound = file('clear_rebind', 'rebound')
      const old = await why(rebound, idOf('clear_rebind', 'old'))
      expect(old.verdict).toMatch(/is alive because `__main__\.alias` holds it\.$/)
      expect((await classes(rebound)).get('__main__.Row')?.count).toBe(500)
      const row = await why(rebound, '__main__.Row')
      expect(row.steps.slice(1, 2)).toEqual(['.alias'])
    })

    it('files array.array, bytearray and lists under Arrays with their lengths and bytes', async () => {
      const rows = await arrays(file('array_module', 'arrays'))
      const byId = new Map(rows.map((row) => [`@${row.id}`, row]))
      expect(byId.get(idOf('array_module', 'packed'))).toMatchObject({
        kind: 'typed-array',
        length: 100_000,
        storeSize: 800_000,
        label: 'array.array(100000, 800.0 kB)',
      })
      expect(byId.get(idOf('array_module', 'buffer'))).toMatchObject({
        kind: 'array-buffer',
        length: 250_000,
        label: 'bytearray(250.0 kB)',
      })
      const boxed = byId.get(idOf('array_module', 'boxed'))
      expect(boxed).toMatchObject({ kind: 'array', length: 100_000, label: 'list(100000)' })
      // A list of floats retains its float objects too: four times the packed array.
      expect(boxed?.retainedSize).toBeGreaterThan(3_000_000)
      expect(byId.get(idOf('array_module', 'packed'))?.retainedSize).toBeLessThan(900_000)
    })

    it('finds the ArrayPool that keeps what it was given back', async () => {
      const pool = file('array_pool', 'pool')
      const free = await why(pool, idOf('array_pool', 'free'))
      expect(free.verdict).toMatch(/is alive because `__main__\.pool\._free` holds it\.$/)
      const first = await why(pool, idOf('array_pool', 'first'))
      expect(first.verdict).toMatch(/`__main__\.pool\._free\[0\]` holds it\.$/)
      const shown = await runJson<{ object: ObjectDetails }>([
        'show',
        pool,
        idOf('array_pool', 'free'),
        '--json',
      ])
      expect(shown.object.retainedSize).toBeGreaterThan(20 * 400_000)
    })

    it('weighs a list against a generator', async () => {
      const lazy = file('generator_list', 'lazy')
      const [list, generator] = await Promise.all(
        ['list', 'generator'].map((name) =>
          runJson<{ object: ObjectDetails }>([
            'show',
            lazy,
            idOf('generator_list', name),
            '--json',
          ]),
        ),
      )
      expect(list.object.retainedSize).toBeGreaterThan(3_000_000)
      expect(generator.object.className).toBe('generator')
      expect(generator.object.retainedSize).toBeLessThan(20_000)
    })

    it('keeps nothing alive by weak references', async () => {
      const weak = file('weak_ref', 'weak')
      const found = await classes(weak)
      expect(found.has('__main__.Gone')).toBe(false)
      expect(found.get('__main__.Cached')?.count).toBe(1)
      const kept = await why(weak, idOf('weak_ref', 'kept'))
      expect(kept.verdict).toMatch(/is alive because `__main__\.kept` holds it\.$/)
      const retainers = await runJson<{ retainers: Page<Reference> }>([
        'show',
        weak,
        idOf('weak_ref', 'kept'),
        '--json',
      ])
      const weakHolders = retainers.retainers.items.filter((reference) => reference.edge.isWeak)
      expect(weakHolders.map((reference) => reference.node.className)).toEqual(['weakref.KeyedRef'])
    })

    it('shows a cycle with __del__ as unreachable until gc.collect()', async () => {
      const waiting = file('del_cycle', 'waiting')
      const node = (await classes(waiting)).get('__main__.Node')
      expect(node).toMatchObject({ count: 2, distance: null })
      const explained = await why(waiting, '__main__.Node')
      expect(explained.verdict).toMatch(/is not alive: no GC root reaches it/)
      expect((await classes(file('del_cycle', 'collected'))).has('__main__.Node')).toBe(false)
    })

    it('finds the leak in three snapshots and what cutting its holder would free', async () => {
      const [base, target, final] = ['base', 'target', 'final'].map((name) =>
        file('leak_growth', name),
      )
      const report = await runJson<LeakReport>(['leaks', base, target, final, '--json'])
      expect(report.clusterCount).toBe(1)
      const [cluster] = report.clusters
      expect(cluster).toMatchObject({ className: '__main__.Session', count: 100 })
      expect(cluster.verdict).toMatch(/`__main__\.sessions\["user:1\d\d"\]` holds it\.$/)
      const diff = await runJson<{ classes: ClassDiff[] }>(['diff', base, target, '--json'])
      expect(diff.classes.find((row) => row.className === '__main__.Session')).toMatchObject({
        addedCount: 100,
        removedCount: 0,
      })
      const session = idOf('leak_growth', 'first_new')
      const cut = await runCli([
        'why',
        final,
        session,
        '--cut',
        `${idOf('leak_growth', 'sessions')}:["user:100"]`,
      ])
      expect(cut.code, cut.stderr).toBe(0)
      // The session, its __dict__ and its list (1,800 bytes on CPython 3.11; sizes vary by version).
      const bytes = (ids.leak_growth?.first_new_bytes ?? NaN).toLocaleString('en-US')
      expect(cut.stdout).toMatch(
        new RegExp(
          `^Cutting @\\d+\\["user:100"\\] would free ${bytes} bytes \\(3 objects, [\\d.]+ kB\\)$`,
          'm',
        ),
      )
      expect(cut.stdout).toContain(`__main__.Session ${session} would be freed.`)
    })
  })
}

describeHandbook('Python heaps through the CLI')
// The suite of python/ runs on these versions too (python.test.ts).
const others = pythonMissing ? [] : await otherPythonsAndNewest()
for (const { python, version } of others) {
  describeHandbook(`Python heaps through the CLI, written by CPython ${version}`, python)
}

describe.skipIf(numpyMissing !== undefined)('NumPy arrays through the CLI', () => {
  it('names the variable and `.base` that keep an 80 MB base alive behind a small view', async () => {
    const view = file('numpy_view', 'view')
    const base = await why(view, idOf('numpy_view', 'base'))
    expect(base.verdict).toMatch(
      /^numpy\.ndarray\(10000000, 80\.0 MB\) \(80\.0 MB\) is alive because `__main__\.header\.base` holds it\.$/,
    )
    expect(base.steps).toEqual(['module __main__', '.header', '.base'])
    const rows = await arrays(view)
    const byId = new Map(rows.map((row) => [`@${row.id}`, row]))
    expect(byId.get(idOf('numpy_view', 'view'))).toMatchObject({
      kind: 'typed-array',
      length: 10,
      storeSize: 80,
    })
    expect(byId.get(idOf('numpy_view', 'view'))?.retainedSize).toBeGreaterThan(80_000_000)
    expect(rows.find((row) => row.kind === 'backing-store')).toMatchObject({
      label: 'numpy.ndarray data',
      storeSize: 80_000_000,
    })
    const copied = await runCli(['show', file('numpy_view', 'copy'), idOf('numpy_view', 'base')])
    expectOneLineError(copied, 1)
  })

  it('shows np.append leave the old array to whoever still names it, then free it', async () => {
    const kept = await why(file('numpy_append', 'kept'), idOf('numpy_append', 'old'))
    expect(kept.verdict).toMatch(
      /^numpy\.ndarray\(100000, 800\.0 kB\) \(.+\) is alive because `__main__\.first` holds it\.$/,
    )
    const freed = await classes(file('numpy_append', 'freed'))
    expect(freed.get('numpy.ndarray data')?.selfSize).toBe(800_008)
    const gone = await runCli(['show', file('numpy_append', 'freed'), idOf('numpy_append', 'old')])
    expectOneLineError(gone, 1)
  })

  it('marks np.memmap data as file-backed, named after its file', async () => {
    const memmap = file('numpy_memmap', 'memmap')
    const name = `mmap data (file ${join(withNumpy.folder('numpy_memmap'), 'samples.f64')})`
    expect((await classes(memmap)).get(name)).toMatchObject({ count: 1, selfSize: 8_000_000 })
    const explained = await why(memmap, name)
    expect(explained.steps).toEqual(['module __main__', '.mapped', '.base', '{data}'])
    expect((await arrays(memmap)).find((row) => row.label === name)?.kind).toBe('backing-store')
  })

  it("reads as Chrome DevTools' own engine does, node for node", async () => {
    const snapshot = file('numpy_view', 'view')
    // DevTools warns about every node only weak references (or nothing) reach: the cyclic
    // garbage and weakly held objects a Python heap has. Kept out of the log.
    const quiet = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const [theirs, ours] = await Promise.all([
      loadWithDevtools(snapshot).finally(() => quiet.mockRestore()),
      loadSnapshotFile(snapshot),
    ])
    expect(theirs.nodeCount).toBe(ours.graph.nodeCount)
    expect(theirs.hasUserRoots).toBe(true)
    const differences = { retained: 0, dominator: 0, distance: 0, className: 0 }
    for (let node = 0; node < theirs.nodeCount; node++) {
      if (theirs.retainedSize[node] !== ours.retainedSize[node]) differences.retained++
      if (theirs.dominator[node] !== ours.dominator[node]) differences.dominator++
      if (theirs.distance[node] !== ours.distance[node]) differences.distance++
      if (theirs.className[node] !== ours.graph.strings.get(ours.className[node]))
        differences.className++
    }
    expect(differences).toEqual({ retained: 0, dominator: 0, distance: 0, className: 0 })
  })
})

describe.skipIf(pythonMissing !== undefined)('heapgraph capture --python-pid', () => {
  const children: ChildProcess[] = []
  let runtime = ''
  beforeAll(async () => {
    runtime = await mkdtemp(join(tmpdir(), 'heapgraph-python-runtime-'))
  })
  afterAll(async () => {
    for (const child of children) child.kill()
    if (runtime) await rm(runtime, { recursive: true, force: true })
  })

  it('signals a process that installed the handler and waits for its snapshot', async () => {
    const env = { HEAPGRAPH_RUNTIME_DIR: join(runtime, 'announced') }
    const child = await startPythonFixture('signal_target', ['--install'], env)
    children.push(child)
    const output = join(runtime, 'captured.heapsnapshot')
    const result = await runCli(
      ['capture', '--python-pid', String(child.pid), '--gc', '-o', output, '--json'],
      { env },
    )
    expect(result.code, result.stderr).toBe(0)
    const captured = JSON.parse(result.stdout) as { file: string; snapshot: { nodeCount: number } }
    expect(captured.file).toBe(output)
    expect(captured.snapshot.nodeCount).toBeGreaterThan(1000)
    expect(existsSync(`${output}.partial`)).toBe(false)
    const rows = await arrays(output)
    expect(rows.filter((row) => row.label === 'bytearray(100.0 kB)')).toHaveLength(3)
  })

  it('says in one line when the process has no handler', async () => {
    const env = { HEAPGRAPH_RUNTIME_DIR: join(runtime, 'silent') }
    const child = await startPythonFixture('signal_target', [], env)
    children.push(child)
    const result = await runCli(
      ['capture', '--python-pid', String(child.pid), '-o', join(runtime, 'never.heapsnapshot')],
      { env },
    )
    // Its interpreter (python3, before 3.14) has no sys.remote_exec to take one in with.
    expect(expectOneLineError(result, 1)).toMatch(
      new RegExp(
        `^heapgraph: process ${child.pid} has no heapgraph_py handler: call heapgraph_py\\.install\\(\\) in it, ` +
          'or start it with python -m heapgraph_py run \\(it runs CPython 3\\.\\d+; from 3\\.14 on, ' +
          'sys\\.remote_exec needs neither\\)\n$',
      ),
    )
    expect(existsSync(join(runtime, 'never.heapsnapshot'))).toBe(false)
  })

  // Its /proc/PID/exe names a program its owner controls: root must not run it for them.
  const asNobody =
    typeof process.getuid === 'function' &&
    process.getuid() === 0 &&
    existsSync('/usr/bin/setpriv') &&
    existsSync('/usr/bin/python3')
  it.skipIf(!asNobody)(
    "never runs the interpreter of another user's process (as root, a process of nobody's)",
    async () => {
      const env = { HEAPGRAPH_RUNTIME_DIR: join(runtime, 'other-user') }
      const child = spawn(
        '/usr/bin/setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '/usr/bin/python3',
          '-c',
          'import time; time.sleep(60)',
        ],
        { stdio: 'ignore' },
      )
      children.push(child)
      // Until it has exec'd python3, /proc/PID/exe is setpriv.
      const pid = child.pid ?? 0
      await vi.waitFor(async () => expect(await readlink(`/proc/${pid}/exe`)).toMatch(/python/), {
        timeout: 10_000,
      })
      const result = await runCli(
        ['capture', '--python-pid', String(pid), '-o', join(runtime, 'never.heapsnapshot')],
        { env },
      )
      expect(expectOneLineError(result, 1)).toBe(
        `heapgraph: process ${pid} has no heapgraph_py handler, and it belongs to another user\n`,
      )
    },
  )

  // A process that never imported heapgraph_py: its CPython 3.14 runs the writer sent with
  // sys.remote_exec. Debian's 3.14 runs through its own loader (/proc/PID/exe is the loader):
  // the first time the CLI finds the interpreter from the loader's command line, the second
  // time --python names it.
  const newest = others.find(({ version }) => Number(version.split('.')[1]) >= 14)
  it.skipIf(newest === undefined)(
    `injects the writer into a CPython 3.14+ process without the handler (${newest?.version ?? 'none here'})`,
    async () => {
      const python = newest?.python ?? ''
      // The CLI's request, script and answer go in a folder of their own under its TMPDIR.
      const env = { HEAPGRAPH_RUNTIME_DIR: join(runtime, 'remote'), TMPDIR: join(runtime, 'tmp') }
      await mkdir(env.TMPDIR)
      const child = await startPythonFixture('signal_target', [], env, python)
      children.push(child)
      for (const round of [1, 2]) {
        // The second time, the process has heapgraph_py imported already.
        const output = join(runtime, `remote-${round}.heapsnapshot`)
        const result = await runCli(
          [
            'capture',
            '--python-pid',
            String(child.pid),
            ...(round === 2 ? ['--python', python] : []),
            '-o',
            output,
            '--json',
          ],
          { env },
        )
        expect(result.code, result.stderr).toBe(0)
        const rows = await arrays(output)
        expect(rows.filter((row) => row.label === 'bytearray(100.0 kB)')).toHaveLength(3)
        // The injected script's frame is the writer's, like its own: the program's one frame is
        // its module's, and the main thread's only root frame.
        expect(await frameCodes(output)).toEqual(['<module>'])
      }
      expect(child.exitCode).toBe(null)
      // Nothing of the request is left.
      expect(await readdir(env.TMPDIR)).toEqual([])
    },
    120_000,
  )

  it.skipIf(newest === undefined)(
    'leaves a process that sleeps past the timeout nothing to run but its tidying up',
    async () => {
      const python = newest?.python ?? ''
      const env = { HEAPGRAPH_RUNTIME_DIR: join(runtime, 'asleep'), TMPDIR: join(runtime, 'tmp2') }
      await mkdir(env.TMPDIR)
      const child = await startPythonFixture('sleeper', ['4'], env, python)
      children.push(child)
      let stderr = ''
      let awake = false
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.stdout?.on('data', (chunk: Buffer) => (awake ||= chunk.toString().includes('awake')))
      const output = join(runtime, 'late.heapsnapshot')
      const result = await runCli(
        ['capture', '--python-pid', String(child.pid), '--timeout', '1s', '-o', output],
        { env },
      )
      expect(expectOneLineError(result, 1)).toMatch(
        /did not answer within 1 s \(sys\.remote_exec runs the writer when its main thread next runs Python code/,
      )
      // Once awake, it runs what was left: no snapshot, no traceback, no folder.
      await vi.waitFor(() => expect(awake).toBe(true), { timeout: 10_000 })
      await vi.waitFor(async () => expect(await readdir(env.TMPDIR)).toEqual([]), {
        timeout: 10_000,
      })
      expect(existsSync(output)).toBe(false)
      expect(stderr).toBe('')
      expect(child.exitCode).toBe(null)
    },
    60_000,
  )

  it.skipIf(newest === undefined)(
    'says which heapgraph_py a process imported when it is too old to answer',
    async () => {
      const python = newest?.python ?? ''
      // A stand-in for an older release: the package without serve_remote.
      const old = join(runtime, 'old-package')
      await mkdir(join(old, 'heapgraph_py'), { recursive: true })
      await writeFile(join(old, 'heapgraph_py', '__init__.py'), '__version__ = "0.0.1"\n')
      await writeFile(join(old, 'heapgraph_py', '_capture.py'), '')
      const env = { HEAPGRAPH_RUNTIME_DIR: join(runtime, 'old'), PYTHONPATH: old }
      const child = spawn(
        python,
        [join(PYTHON_FIXTURES, 'sleeper.py'), '0', '--import-heapgraph'],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      children.push(child)
      await new Promise<void>((ready) =>
        child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && ready()),
      )
      const result = await runCli(
        ['capture', '--python-pid', String(child.pid), '-o', join(runtime, 'old.heapsnapshot')],
        { env },
      )
      expect(expectOneLineError(result, 1)).toContain(
        `could not write its snapshot: RuntimeError: it imported heapgraph_py 0.0.1 from ${join(old, 'heapgraph_py', '__init__.py')}, which cannot answer sys.remote_exec: upgrade it, or call heapgraph_py.install() in it`,
      )
    },
    60_000,
  )

  // A loader's command line with relative paths (started in the interpreter's folder): the CLI
  // runs them from the process's working folder, not its own.
  const loaderRoot = newest?.python.match(/^(.*)\/usr\/bin\/python3\.14-run$/)?.[1]
  it.skipIf(loaderRoot === undefined)(
    "runs a loader-started interpreter's relative paths from the process's own folder",
    async () => {
      const root = loaderRoot ?? ''
      const libraries = 'usr/lib/x86_64-linux-gnu'
      const child = spawn(
        `./${libraries}/ld-linux-x86-64.so.2`,
        [
          '--library-path',
          libraries,
          'usr/bin/python3.14',
          join(PYTHON_FIXTURES, 'sleeper.py'),
          '0',
        ],
        { cwd: root, env: { ...process.env, PYTHONPATH: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      children.push(child)
      await new Promise<void>((ready) =>
        child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && ready()),
      )
      const output = join(runtime, 'relative.heapsnapshot')
      const env = { HEAPGRAPH_RUNTIME_DIR: join(runtime, 'relative') }
      const result = await runCli(['capture', '--python-pid', String(child.pid), '-o', output], {
        env,
      })
      expect(result.code, result.stderr).toBe(0)
      expect(existsSync(output)).toBe(true)
    },
    60_000,
  )
})
