// A CPython 3.14+ process that never installed heapgraph_py's handler, asked for its heap
// through sys.remote_exec: its own interpreter (found from /proc) sends it a script that imports
// heapgraph_py and answers a request file as the handler would (python-request.ts). Linux only
// (elsewhere --python names the interpreter); only this user's processes.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, open, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AttachError } from './cdp/endpoint'
import { awaitAnswer, isAlive, writeRequest, type RequestOptions } from './python-request'

/** How a process's own Python interpreter is run (see processInterpreter). */
export interface Interpreter {
  /** The program to start. */
  command: string
  /** Its arguments before the interpreter's own: a dynamic loader's options and program. */
  prefix: string[]
  /** The interpreter's executable file, as the process names it. */
  program: string
  /** The process's arguments after the interpreter (its script and the script's). */
  args: string[]
  /** The process's working folder, where the paths of its command line are relative to. */
  cwd?: string
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
 * Whose process `pid` is, from its real, effective, saved and file-system user ids
 * (/proc/PID/status: unlike /proc/PID's owner, not root's for a process that made itself
 * non-dumpable): 'own' when all four are this user's.
 */
export async function processOwner(pid: number): Promise<'own' | 'other' | 'gone'> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null)
  if (status === null) return 'gone'
  const ids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)?.slice(1).map(Number)
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1
  return ids !== undefined && ids.every((id) => id === uid) ? 'own' : 'other'
}

/**
 * The Python interpreter process `pid` runs, from /proc/PID/exe and its command line: the
 * executable itself, or, for a program started through its dynamic loader (`ld.so [options]
 * program args`, as for an interpreter unpacked with the C library it was built for), the loader
 * with the same options, in the process's working folder. Null when it is not a Python
 * interpreter (by its file's name) or cannot be read. Call it for this user's processes only.
 */
export async function processInterpreter(pid: number): Promise<Interpreter | null> {
  if (process.platform !== 'linux') return null
  const link = await readlink(`/proc/${pid}/exe`).catch(() => null)
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null)
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined)
  if (link === null || commandLine === null) return null
  // An executable replaced since the process started (an upgrade) still runs as /proc/PID/exe.
  const deleted = link.endsWith(' (deleted)')
  const executable = deleted ? link.slice(0, -' (deleted)'.length) : link
  const command = deleted ? `/proc/${pid}/exe` : executable
  const argv = commandLine.split('\0').slice(0, -1)
  let interpreter: Interpreter = { command, prefix: [], program: executable, args: [], cwd }
  let rest = argv.slice(1)
  if (/^ld(-linux[^/]*)?\.so/.test(basename(executable))) {
    const prefix: string[] = []
    while (rest.length > 0 && rest[0].startsWith('--')) {
      const take = LOADER_OPTIONS_WITH_VALUE.has(rest[0]) ? 2 : 1
      prefix.push(...rest.slice(0, take))
      rest = rest.slice(take)
    }
    if (rest.length === 0) return null
    interpreter = { ...interpreter, prefix: [...prefix, rest[0]], program: rest[0] }
    rest = rest.slice(1)
  }
  if (!/^python/i.test(basename(interpreter.program))) return null
  // The interpreter's own options come before the script (or -c, -m) and its arguments.
  return { ...interpreter, args: rest.slice(0, 8) }
}

/** Versions found by running an interpreter (only answers are kept, not failures). */
const versions = new Map<string, string>()

/** "3.N" of an interpreter (from its file's name, else by running it once), or null. */
async function pythonVersion(interpreter: Interpreter): Promise<string | null> {
  const named = /^python(\d+\.\d+)/.exec(basename(interpreter.program))?.[1]
  if (named !== undefined) return named
  const key = [interpreter.command, ...interpreter.prefix].join('\0')
  const known = versions.get(key)
  if (known !== undefined) return known
  const found = await new Promise<string | null>((done) => {
    execFile(
      interpreter.command,
      [...interpreter.prefix, '-I', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      { timeout: 10_000, cwd: interpreter.cwd },
      (error, stdout) => done(error ? null : (/^\d+\.\d+$/.exec(stdout.trim())?.[0] ?? null)),
    )
  })
  if (found !== null) versions.set(key, found)
  return found
}

/** CPython 3.14 and later have sys.remote_exec. */
function hasRemoteExec(version: string): boolean {
  const [major, minor] = version.split('.').map(Number)
  return major > 3 || (major === 3 && minor >= 14)
}

/** A process sys.remote_exec can ask: its pid, CPython version and arguments. */
export interface RemoteCandidate {
  pid: number
  python: string
  argv: string[]
}

/** This user's CPython 3.14+ processes (Linux), but those in `skip` and this one. */
export async function remoteCandidates(skip: ReadonlySet<number>): Promise<RemoteCandidate[]> {
  if (process.platform !== 'linux') return []
  const found: RemoteCandidate[] = []
  const entries = await readdir('/proc').catch(() => [] as string[])
  for (const pid of entries.filter((entry) => /^\d+$/.test(entry)).map(Number)) {
    if (pid === process.pid || skip.has(pid) || (await processOwner(pid)) !== 'own') continue
    const interpreter = await processInterpreter(pid)
    if (interpreter === null) continue
    const version = await pythonVersion(interpreter)
    if (version !== null && hasRemoteExec(version))
      found.push({ pid, python: version, argv: interpreter.args })
  }
  return found.sort((a, b) => a.pid - b.pid)
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
 * The script the process runs: heapgraph_py (the one shipped with Heapgraph, imported without
 * leaving its folder on sys.path, unless the process imported its own) answers the request.
 * Its module names make the writer leave this frame out of the snapshot. Paths are JSON
 * strings, which are Python string literals too.
 */
function remoteScript(packageRoot: string, request: string, answer: string): string {
  const text = JSON.stringify
  return [
    '__name__ = "heapgraph_py._remote"',
    '__package__ = "heapgraph_py"',
    'import sys',
    'try:',
    '    _own = sys.modules.get("heapgraph_py")',
    '    if _own is None:',
    `        sys.path.insert(0, ${text(packageRoot)})`,
    '        try:',
    '            import heapgraph_py._capture',
    '        finally:',
    `            sys.path.remove(${text(packageRoot)})`,
    '    else:',
    '        import heapgraph_py._capture',
    '    _capture = sys.modules["heapgraph_py._capture"]',
    '    if not hasattr(_capture, "serve_remote"):',
    '        raise RuntimeError("it imported heapgraph_py %s from %s, which cannot answer ' +
      'sys.remote_exec: upgrade it, or call heapgraph_py.install() in it" % (getattr(_own, ' +
      '"__version__", "?"), getattr(_own, "__file__", "?")))',
    `    _capture.serve_remote(${text(request)})`,
    'except BaseException as error:',
    '    import json, os',
    `    with open(${text(answer)} + ".partial", "w", encoding="utf-8") as out:`,
    '        json.dump({"ok": False, "error": "%s: %s" % (type(error).__name__, error)}, out)',
    `    os.replace(${text(answer)} + ".partial", ${text(answer)})`,
    '',
  ].join('\n')
}

/** Left in the script's place when the process has not run it in time: it only tidies up. */
function tidyScript(folder: string): string {
  return [
    'import os',
    `_folder = ${JSON.stringify(folder)}`,
    'try:',
    '    for _name in os.listdir(_folder):',
    '        os.unlink(os.path.join(_folder, _name))',
    '    os.rmdir(_folder)',
    'except OSError:',
    '    pass',
    '',
  ].join('\n')
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? ''
}

export interface InjectOptions extends RequestOptions {
  /** The interpreter that injects (the process's CPython version); default its own. */
  python?: string
}

/**
 * A process without the handler: on CPython 3.14+, its own interpreter (or options.python)
 * runs sys.remote_exec(pid, script), and the process runs the script when its main thread next
 * runs Python code; the script answers the request as the handler would. The request, script
 * and answer live in a folder of their own (made private, with a name no one can guess).
 */
export async function injectWriter(pid: number, options: InjectOptions): Promise<string> {
  const noHandler = `process ${pid} has no heapgraph_py handler`
  const install = 'call heapgraph_py.install() in it, or start it with python -m heapgraph_py run'
  // First: another user's process names programs this user must not run for it, and could
  // not read this user's private script anyway.
  const owner = process.platform === 'linux' ? await processOwner(pid) : 'own'
  if (owner === 'gone') throw new AttachError('pid', `no process ${pid}`)
  if (owner === 'other')
    throw new AttachError('pid', `${noHandler}, and it belongs to another user`)
  let interpreter: Interpreter | null = null
  if (options.python !== undefined) {
    const python = options.python
    interpreter = { command: python, prefix: [], program: python, args: [] }
  } else {
    interpreter = await processInterpreter(pid)
    if (interpreter === null) throw new AttachError('pid', `${noHandler}: ${install}`)
  }
  const packageRoot = pythonPackageRoot()
  if (packageRoot === undefined)
    throw new AttachError('pid', `${noHandler}, and heapgraph_py is not shipped with this build`)
  const folder = await mkdtemp(join(tmpdir(), 'heapgraph-remote-'))
  const token = randomBytes(12).toString('hex')
  const request = join(folder, `${pid}.remote.${token}.json`)
  const answer = join(folder, `${pid}.result.${token}.json`)
  const script = join(folder, `${pid}.remote.${token}.py`)
  let sent = false
  try {
    await writeRequest(request, options, token)
    const handle = await open(script, 'wx', 0o600)
    try {
      await handle.writeFile(remoteScript(packageRoot, request, answer))
    } finally {
      await handle.close()
    }
    const used = interpreter
    const failure = await new Promise<string | null>((done) => {
      execFile(
        used.command,
        [...used.prefix, '-I', '-c', INJECT, String(pid), script],
        { timeout: 30_000, cwd: used.cwd },
        (error, stdout, stderr) => {
          if (!error) done(null)
          else if (error.code === NO_REMOTE_EXEC)
            done(
              `${noHandler}: ${install} (it runs CPython ${lastLine(String(stdout))}; from 3.14 ` +
                'on, sys.remote_exec needs neither)',
            )
          else
            done(
              `${noHandler}, and ${used.program} could not inject one with sys.remote_exec: ` +
                (error.killed
                  ? 'it did not finish within 30 s'
                  : lastLine(String(stderr)) || error.message.split('\n')[0]),
            )
        },
      )
    })
    if (failure !== null) throw new AttachError('pid', failure)
    sent = true
    // The script is read when the process runs it, after remote_exec has returned.
    const written = await awaitAnswer(
      pid,
      answer,
      options,
      'sys.remote_exec runs the writer when its main thread next runs Python code: is it ' +
        'waiting in a long call (sleep, select, a lock)?',
    )
    sent = false
    return written
  } finally {
    // The process takes the request when it runs the script: one still there was not run.
    if (sent && isAlive(pid) && existsSync(request)) {
      // It will run what is there when it wakes, which now only removes the folder; the
      // request goes now, so no snapshot is written late.
      await rm(request, { force: true })
      await writeFile(script, tidyScript(folder)).catch(() => undefined)
    } else {
      await rm(folder, { recursive: true, force: true })
    }
  }
}
