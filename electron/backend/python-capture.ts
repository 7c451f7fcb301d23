// Python processes that announced a heap-snapshot handler (heapgraph_py.install(), python/), and
// asking one for a snapshot: a request file, the announced signal, then the answer file, all in
// the per-user runtime folder heapgraph_py uses (see python/heapgraph_py/_capture.py for the
// protocol). Stale announcements (their process gone) are removed when met. A CPython 3.14+
// process without the handler is asked through sys.remote_exec instead (injectWriter).
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { lstat, mkdir, open, readFile, readdir, readlink, rename, rm, stat } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
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
  for (const pid of await ownProcesses()) {
    if (announced.has(pid)) continue
    const interpreter = await processInterpreter(pid)
    if (interpreter === null) continue
    const version = await pythonVersion(interpreter)
    if (version === null || !hasRemoteExec(version)) continue
    found.push({
      pid,
      signal: '',
      directory: '',
      python: version,
      argv: interpreter.args,
      via: 'remote_exec',
    })
  }
  return found
}

/** This user's processes other than this one (Linux's /proc; elsewhere none). */
async function ownProcesses(): Promise<number[]> {
  if (process.platform !== 'linux' || typeof process.getuid !== 'function') return []
  const uid = process.getuid()
  const pids: number[] = []
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    const owner = await stat(`/proc/${entry}`).then(
      (info) => info.uid,
      () => -1,
    )
    if (owner === uid) pids.push(Number(entry))
  }
  return pids.sort((a, b) => a - b)
}

/** CPython 3.14 and later have sys.remote_exec. */
function hasRemoteExec(version: string): boolean {
  const [major, minor] = version.split('.').map(Number)
  return major > 3 || (major === 3 && minor >= 14)
}

/** How a process's own Python interpreter is run (see processInterpreter). */
export interface Interpreter {
  /** The program to start. */
  command: string
  /** Its arguments before the interpreter's own: a dynamic loader's options and program. */
  prefix: string[]
  /** The interpreter's executable file. */
  program: string
  /** The process's arguments after the interpreter (its script and the script's). */
  args: string[]
}

/** A dynamic loader's options that take a value (ld.so --help, glibc 2.33+). */
const LOADER_OPTIONS_WITH_VALUE = new Set([
  '--library-path',
  '--argv0',
  '--preload',
  '--inhibit-rpath',
  '--audit',
  '--glibc-hwcaps-prepend',
  '--glibc-hwcaps-mask',
])

/**
 * The Python interpreter process `pid` runs, from /proc/PID/exe and its command line: the
 * executable itself, or, for a program started through its dynamic loader (`ld.so [options]
 * program args`, as for an interpreter unpacked with the C library it was built for), the loader
 * with the same options. Null when it is not a Python interpreter (by its file's name) or
 * cannot be read.
 */
export async function processInterpreter(pid: number): Promise<Interpreter | null> {
  if (process.platform !== 'linux') return null
  const executable = await readlink(`/proc/${pid}/exe`).catch(() => null)
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null)
  if (executable === null || commandLine === null) return null
  const argv = commandLine.split('\0').slice(0, -1)
  let interpreter: Interpreter = { command: executable, prefix: [], program: executable, args: [] }
  let rest = argv.slice(1)
  if (/^ld(-linux[^/]*)?\.so/.test(basename(executable))) {
    const prefix: string[] = []
    while (rest.length > 0 && rest[0].startsWith('--')) {
      const take = LOADER_OPTIONS_WITH_VALUE.has(rest[0]) ? 2 : 1
      prefix.push(...rest.slice(0, take))
      rest = rest.slice(take)
    }
    if (rest.length === 0) return null
    interpreter = { command: executable, prefix: [...prefix, rest[0]], program: rest[0], args: [] }
    rest = rest.slice(1)
  }
  if (!/^python/i.test(basename(interpreter.program))) return null
  // The interpreter's own options come before the script (or -c, -m) and its arguments.
  return { ...interpreter, args: rest.slice(0, 8) }
}

const versions = new Map<string, Promise<string | null>>()

/** "3.N" of an interpreter (from its file's name, else by running it once), or null. */
function pythonVersion(interpreter: Interpreter): Promise<string | null> {
  const named = /^python(\d+\.\d+)/.exec(basename(interpreter.program))?.[1]
  if (named !== undefined) return Promise.resolve(named)
  const key = [interpreter.command, ...interpreter.prefix].join('\0')
  let version = versions.get(key)
  if (version === undefined) {
    version = new Promise((done) => {
      execFile(
        interpreter.command,
        [...interpreter.prefix, '-I', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
        { timeout: 10_000 },
        (error, stdout) => done(error ? null : (/^\d+\.\d+$/.exec(stdout.trim())?.[0] ?? null)),
      )
    })
    versions.set(key, version)
  }
  return version
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
  /**
   * For a process without the handler: the CPython 3.14+ interpreter that injects the writer
   * with sys.remote_exec (it must be the process's version); default the process's own
   * executable (/proc/PID/exe).
   */
  python?: string
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
    return injectWriter(pid, options, folder)
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

/** Writes a request for a snapshot (heapgraph_py reads it), atomically and private. */
async function writeRequest(
  request: string,
  options: PythonCaptureOptions,
  token: string,
): Promise<void> {
  const output = resolve(options.file)
  const partial = `${request}.${process.pid}.partial`
  const handle = await open(partial, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify({ output, collect: options.collect === true, token }))
  } finally {
    await handle.close()
  }
  await rename(partial, request)
}

/** Waits for the process's answer file; resolves with the snapshot's path. */
async function awaitAnswer(
  pid: number,
  answer: string,
  options: PythonCaptureOptions,
  whySlow: string,
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 120_000
  const deadline = Date.now() + timeoutMs
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
        `process ${pid} did not answer within ${Math.round(timeoutMs / 1000)} s (${whySlow})`,
      )
    }
    await new Promise((done) => setTimeout(done, 50))
  }
}

/**
 * Where heapgraph_py is, for a process that does not have it: python/ beside dist/, or the
 * packaged app's resources/python (outside the asar, so that Python can read it).
 */
export function pythonPackageRoot(): string | undefined {
  const resources = (process as { resourcesPath?: string }).resourcesPath
  const candidates = [
    fileURLToPath(new URL('../../python', import.meta.url)),
    // dist/cli in the packaged app's resources/app.asar.
    fileURLToPath(new URL('../../../python', import.meta.url)),
    ...(resources ? [join(resources, 'python')] : []),
  ]
  return candidates.find((folder) => existsSync(join(folder, 'heapgraph_py', '_capture.py')))
}

/** Run by the injecting interpreter: sys.remote_exec(pid, script); without it, exit code 3. */
const INJECT = [
  'import sys',
  'if not hasattr(sys, "remote_exec"):',
  '    print("%d.%d" % sys.version_info[:2])',
  '    sys.exit(3)',
  'sys.remote_exec(int(sys.argv[1]), sys.argv[2])',
].join('\n')

/** Exit code of INJECT when the interpreter has no sys.remote_exec. */
const NO_REMOTE_EXEC = 3

/**
 * The script the process runs: heapgraph_py (the process's own if it has serve_remote, else the
 * one shipped with Heapgraph, imported without leaving its folder on sys.path) answers the
 * request. Its module names make the writer leave this frame out of the snapshot.
 */
function remoteScript(packageRoot: string, request: string, answer: string): string {
  const text = JSON.stringify
  return [
    '__name__ = "heapgraph_py._remote"',
    '__package__ = "heapgraph_py"',
    'import sys',
    'try:',
    '    _capture = sys.modules.get("heapgraph_py._capture")',
    '    if not hasattr(_capture, "serve_remote"):',
    `        sys.path.insert(0, ${text(packageRoot)})`,
    '        try:',
    '            import heapgraph_py._capture as _capture',
    '        finally:',
    `            sys.path.remove(${text(packageRoot)})`,
    `    _capture.serve_remote(${text(request)})`,
    'except BaseException as error:',
    '    import json, os',
    `    with open(${text(answer)} + ".partial", "w", encoding="utf-8") as out:`,
    '        json.dump({"ok": False, "error": "%s: %s" % (type(error).__name__, error)}, out)',
    `    os.replace(${text(answer)} + ".partial", ${text(answer)})`,
    '',
  ].join('\n')
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? ''
}

/**
 * A process without the handler: on CPython 3.14+, its own interpreter (or options.python)
 * runs sys.remote_exec(pid, script), and the process runs the script between two bytecodes of
 * its main thread; the script answers the request as the handler would.
 */
async function injectWriter(
  pid: number,
  options: PythonCaptureOptions,
  folder: string,
): Promise<string> {
  const noHandler = `process ${pid} has no heapgraph_py handler`
  const install = 'call heapgraph_py.install() in it, or start it with python -m heapgraph_py run'
  let interpreter: Pick<Interpreter, 'command' | 'prefix' | 'program'>
  if (options.python !== undefined) {
    interpreter = { command: options.python, prefix: [], program: options.python }
  } else {
    const own = await processInterpreter(pid)
    if (own === null) throw new AttachError('pid', `${noHandler}: ${install}`)
    // Another user's process names a program this user would run: only our own processes'.
    const owner = (await stat(`/proc/${pid}`)).uid
    if (typeof process.getuid === 'function' && owner !== process.getuid())
      throw new AttachError('pid', `${noHandler}, and it belongs to another user`)
    interpreter = own
  }
  const python = interpreter.program
  const packageRoot = pythonPackageRoot()
  if (packageRoot === undefined)
    throw new AttachError('pid', `${noHandler}, and heapgraph_py is not shipped with this build`)
  await mkdir(folder, { recursive: true, mode: 0o700 })
  await checkPrivate(folder)
  const token = randomBytes(12).toString('hex')
  const request = join(folder, `${pid}.remote.${token}.json`)
  const answer = join(folder, `${pid}.result.${token}.json`)
  const script = join(folder, `${pid}.remote.${token}.py`)
  await writeRequest(request, options, token)
  try {
    const handle = await open(script, 'wx', 0o600)
    try {
      await handle.writeFile(remoteScript(packageRoot, request, answer))
    } finally {
      await handle.close()
    }
    const failure = await new Promise<string | null>((done) => {
      execFile(
        interpreter.command,
        [...interpreter.prefix, '-I', '-c', INJECT, String(pid), script],
        { timeout: 30_000 },
        (error, stdout, stderr) => {
          if (!error) done(null)
          else if (error.code === NO_REMOTE_EXEC)
            done(
              `${noHandler}: ${install} (it runs CPython ${lastLine(String(stdout))}; from 3.14 ` +
                'on, sys.remote_exec needs neither)',
            )
          else
            done(
              `${noHandler}, and ${python} could not inject one with sys.remote_exec: ` +
                (lastLine(String(stderr)) || error.message.split('\n')[0]),
            )
        },
      )
    })
    if (failure !== null) throw new AttachError('pid', failure)
    // The script is read when the process runs it, after remote_exec has returned.
    return await awaitAnswer(
      pid,
      answer,
      options,
      "sys.remote_exec runs the writer at its main thread's next bytecode: is it stuck in a long call?",
    )
  } finally {
    await Promise.all([request, script].map((path) => rm(path, { force: true })))
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
