// Python processes that announced a heap-snapshot handler (heapgraph_py.install(), python/), and
// asking one for a snapshot: a request file, the announced signal, then the answer file, all in
// the per-user runtime folder heapgraph_py uses (see python/heapgraph_py/_capture.py for the
// protocol). Stale announcements (their process gone) are removed when met. A CPython 3.14+
// process without the handler is asked through sys.remote_exec instead (python-remote.ts).
import { randomBytes } from 'node:crypto'
import { readFile, readdir, rm } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AttachError } from './cdp/endpoint'
import { injectWriter, remoteCandidates, type InjectOptions } from './python-remote'
import { awaitAnswer, checkPrivate, isAlive, writeRequest } from './python-request'

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
  /** How it is asked: its handler's signal, or (CPython 3.14+, no handler) sys.remote_exec. */
  via: 'signal' | 'remote_exec'
}

/** The folder heapgraph_py announces handlers in: the same rules as its runtime_folder(). */
export function pythonRuntimeFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEAPGRAPH_RUNTIME_DIR) return env.HEAPGRAPH_RUNTIME_DIR
  const xdg = env.XDG_RUNTIME_DIR
  if (xdg && existsSync(xdg) && statSync(xdg).isDirectory()) return join(xdg, 'heapgraph', 'python')
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0
  return join(tmpdir(), `heapgraph-${uid}`, 'python')
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
      via: 'signal',
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

/**
 * Every live Python process that installed the handler, by pid; then (Linux) this user's other
 * CPython 3.14+ processes, which sys.remote_exec can ask.
 */
export async function listPythonProcesses(
  folder = pythonRuntimeFolder(),
): Promise<PythonProcess[]> {
  const entries = await readdir(folder).catch(() => [] as string[])
  const found: PythonProcess[] = []
  for (const entry of entries.sort()) {
    const match = /^(\d+)\.json$/.exec(entry)
    if (!match) continue
    const announced = await readPythonProcess(Number(match[1]), folder)
    if (announced) found.push(announced)
  }
  const announced = new Set(found.map((entry) => entry.pid))
  for (const { pid, python, argv } of await remoteCandidates(announced)) {
    found.push({ pid, signal: '', directory: '', python, argv, via: 'remote_exec' })
  }
  return found
}

export interface PythonCaptureOptions extends InjectOptions {
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
    if (!isAlive(pid)) throw new AttachError('pid', `no process ${pid}`)
    return injectWriter(pid, options)
  }
  await checkPrivate(folder)
  const token = randomBytes(12).toString('hex')
  const request = join(folder, `${pid}.request.json`)
  await writeRequest(request, options, token)
  try {
    process.kill(pid, announced.signal as NodeJS.Signals)
  } catch (error) {
    await rm(request, { force: true })
    throw new AttachError('pid', `could not signal process ${pid}: ${(error as Error).message}`)
  }
  try {
    return await awaitAnswer(
      pid,
      join(folder, `${pid}.result.${token}.json`),
      options,
      'Python runs signal handlers between bytecodes: is its main thread stuck in a long call?',
    )
  } finally {
    await rm(request, { force: true })
  }
}
