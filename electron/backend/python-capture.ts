// Python processes that announced a heap-snapshot handler (heapgraph_py.install(), python/), and
// asking one for a snapshot: a request file, the announced signal, then the answer file, all in
// the per-user runtime folder heapgraph_py uses (see python/heapgraph_py/_capture.py for the
// protocol). Stale announcements (their process gone) are removed when met.
import { randomBytes } from 'node:crypto'
import { lstat, open, readFile, readdir, rename, rm } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { AttachError } from './cdp/endpoint'

/** A Python process whose heapgraph_py handler is installed, as it announced itself. */
export interface PythonProcess {
  pid: number
  /** The signal that asks it for a snapshot (SIGUSR2 unless install() was given another). */
  signal: string
  /** Where a snapshot it takes on its own goes. */
  directory: string
  /** The interpreter's version, e.g. 3.11.7. */
  python: string
  /** Its sys.argv (the first few). */
  argv: string[]
}

/** The folder heapgraph_py announces handlers in: the same rules as its runtime_folder(). */
export function pythonRuntimeFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEAPGRAPH_RUNTIME_DIR) return env.HEAPGRAPH_RUNTIME_DIR
  const xdg = env.XDG_RUNTIME_DIR
  if (xdg && existsSync(xdg) && statSync(xdg).isDirectory()) return join(xdg, 'heapgraph', 'python')
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0
  return join(tmpdir(), `heapgraph-${uid}`, 'python')
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function parseAnnouncement(text: string, pid: number): PythonProcess | null {
  try {
    const value = JSON.parse(text) as Record<string, unknown>
    if (value.pid !== pid || typeof value.signalName !== 'string') return null
    return {
      pid,
      signal: value.signalName,
      directory: typeof value.directory === 'string' ? value.directory : '',
      python: typeof value.python === 'string' ? value.python : '',
      argv: Array.isArray(value.argv) ? value.argv.map(String) : [],
    }
  } catch {
    return null
  }
}

/** The announcement of `pid`, or null (none, unreadable, or stale: then it is removed). */
export async function readPythonProcess(
  pid: number,
  folder = pythonRuntimeFolder(),
): Promise<PythonProcess | null> {
  const file = join(folder, `${pid}.json`)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return null
  }
  if (!isAlive(pid)) {
    await rm(file, { force: true })
    return null
  }
  return parseAnnouncement(text, pid)
}

/** Every live Python process that installed the handler, by pid. */
export async function listPythonProcesses(
  folder = pythonRuntimeFolder(),
): Promise<PythonProcess[]> {
  let entries: string[]
  try {
    entries = await readdir(folder)
  } catch {
    return []
  }
  const found: PythonProcess[] = []
  for (const entry of entries.sort()) {
    const match = /^(\d+)\.json$/.exec(entry)
    if (!match) continue
    const announced = await readPythonProcess(Number(match[1]), folder)
    if (announced) found.push(announced)
  }
  return found
}

export interface PythonCaptureOptions {
  /** The snapshot file to write (made absolute: the process has its own working folder). */
  file: string
  /** gc.collect() first. */
  collect?: boolean
  /** How long to wait for the answer (default 120 s). */
  timeoutMs?: number
  signal?: AbortSignal
  /** The runtime folder (tests); default pythonRuntimeFolder(). */
  folder?: string
}

/**
 * Asks the Python process `pid` for a heap snapshot written to `options.file`; resolves with the
 * absolute path once the process says it is complete. Fails with one line when the process has
 * no handler, dies, answers with an error, or does not answer in time.
 */
export async function capturePythonHeap(
  pid: number,
  options: PythonCaptureOptions,
): Promise<string> {
  const folder = options.folder ?? pythonRuntimeFolder()
  const announced = await readPythonProcess(pid, folder)
  if (!announced) {
    throw new AttachError(
      'pid',
      isAlive(pid)
        ? `process ${pid} has no heapgraph_py handler: call heapgraph_py.install() in it, or start it with python -m heapgraph_py run`
        : `no process ${pid}`,
    )
  }
  await checkPrivate(folder)
  const output = resolve(options.file)
  const token = randomBytes(12).toString('hex')
  const request = join(folder, `${pid}.request.json`)
  const answer = join(folder, `${pid}.result.${token}.json`)
  const partial = `${request}.${process.pid}.partial`
  const handle = await open(partial, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify({ output, collect: options.collect === true, token }))
  } finally {
    await handle.close()
  }
  await rename(partial, request)
  try {
    process.kill(pid, announced.signal as NodeJS.Signals)
  } catch (error) {
    await rm(request, { force: true })
    throw new AttachError('pid', `could not signal process ${pid}: ${(error as Error).message}`)
  }
  const timeoutMs = options.timeoutMs ?? 120_000
  const deadline = Date.now() + timeoutMs
  try {
    for (;;) {
      const text = await readFile(answer, 'utf8').catch(() => null)
      if (text !== null) {
        await rm(answer, { force: true })
        const result = JSON.parse(text) as { ok?: boolean; path?: string; error?: string }
        if (result.ok && typeof result.path === 'string') return result.path
        throw new AttachError(
          'protocol',
          `process ${pid} could not write its snapshot: ${result.error ?? 'no reason given'}`,
        )
      }
      if (!isAlive(pid))
        throw new AttachError('disconnected', `process ${pid} exited before answering`)
      if (options.signal?.aborted) throw new AttachError('disconnected', 'capture cancelled')
      if (Date.now() > deadline) {
        throw new AttachError(
          'timeout',
          `process ${pid} did not answer within ${Math.round(timeoutMs / 1000)} s (Python runs signal handlers between bytecodes: is its main thread stuck in a long call?)`,
        )
      }
      await new Promise((done) => setTimeout(done, 50))
    }
  } finally {
    await rm(request, { force: true })
  }
}

/** The runtime folder must be this user's own: another user's files would steer the request. */
async function checkPrivate(folder: string): Promise<void> {
  const info = await lstat(folder)
  const uid = typeof process.getuid === 'function' ? process.getuid() : info.uid
  if (info.isSymbolicLink() || info.uid !== uid) {
    throw new AttachError('pid', `${folder} is not this user's own folder; not using it`)
  }
}
