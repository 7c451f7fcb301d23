// Local Node processes: a list to pick from (as VS Code's process picker offers), open inspectors
// first and Heapgraph's own processes last, and attaching by PID: SIGUSR1 opens a running Node's
// inspector, then the port it listens on is found from the process's sockets (/proc on Linux,
// lsof on macOS) and checked to speak CDP.
import { execFile } from 'node:child_process'
import { readdir, readFile, readlink } from 'node:fs/promises'
import { basename } from 'node:path'
import { promisify } from 'node:util'
import { AttachError, listTargets, type Endpoint } from './endpoint'

const execFileAsync = promisify(execFile)

export interface NodeProcess {
  pid: number
  /** The command line, arguments joined by spaces. */
  command: string
  /** The inspector port when the process already listens on one. */
  inspectorPort: number | null
  /** Heapgraph's own process: an engine host it forked, or its CLI or server. */
  isHeapgraph: boolean
}

/**
 * Scripts that make a Node process one of Heapgraph's own: the engine host (forked once per open
 * snapshot, also inside the desktop app's app.asar), the bundled CLI and its engine entry, and
 * the `heapgraph` bin (bin/heapgraph.mjs, or an npm shim such as node_modules/.bin/heapgraph).
 */
const HEAPGRAPH_SCRIPT =
  /(?:^|[\s/\\])(?:dist[/\\]electron[/\\]engine-host\.cjs|dist[/\\]cli[/\\](?:heapgraph\.cjs|engine-host-entry\.mjs)|\.?bin[/\\]heapgraph(?:\.mjs)?)(?=\s|$)/

/** Whether a command line runs one of Heapgraph's own scripts. */
export function isHeapgraphCommand(command: string): boolean {
  return HEAPGRAPH_SCRIPT.test(command)
}

/**
 * Processes in the order a picker shows them: those whose inspector is open (attachable at once)
 * first, then the other Node processes, then Heapgraph's own; each group in the order given.
 */
export function orderProcesses<T extends Pick<NodeProcess, 'inspectorPort' | 'isHeapgraph'>>(
  processes: readonly T[],
): T[] {
  const rank = (entry: T): number => (entry.isHeapgraph ? 2 : entry.inspectorPort === null ? 1 : 0)
  // Array.prototype.sort is stable: each group keeps the order given.
  return [...processes].sort((a, b) => rank(a) - rank(b))
}

function isNodeCommand(argv0: string): boolean {
  return /^(node|nodejs)(\d+)?(\.exe)?$/.test(basename(argv0))
}

async function linuxProcesses(): Promise<Array<{ pid: number; command: string }>> {
  const found: Array<{ pid: number; command: string }> = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    try {
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean)
      if (argv.length > 0 && isNodeCommand(argv[0])) found.push({ pid, command: argv.join(' ') })
    } catch {
      // The process ended while we looked.
    }
  }
  return found
}

async function psProcesses(): Promise<Array<{ pid: number; command: string }>> {
  const { stdout } = await execFileAsync('ps', ['-axo', 'pid=,command='], { maxBuffer: 16 << 20 })
  return stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), command: match[2] }))
    .filter(({ pid, command }) => pid !== process.pid && isNodeCommand(command.split(' ')[0]))
}

/** A process's executable as started (argv[0]), or null when there is no such process. */
async function commandOf(pid: number): Promise<string | null> {
  if (process.platform === 'linux') {
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null)
    return argv === null ? null : (argv.split('\0')[0] ?? '')
  }
  const listed = await execFileAsync('ps', ['-p', String(pid), '-o', 'comm=']).catch(() => null)
  const command = listed?.stdout.trim()
  return command ? command : null
}

/** TCP ports a process listens on. */
export async function listeningPorts(pid: number): Promise<number[]> {
  if (process.platform === 'linux') {
    const inodes = new Set<string>()
    let fds: string[]
    try {
      fds = await readdir(`/proc/${pid}/fd`)
    } catch {
      throw new AttachError(
        'pid',
        `cannot inspect process ${pid}: it does not exist or belongs to another user`,
      )
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      const match = /^socket:\[(\d+)\]$/.exec(target)
      if (match) inodes.add(match[1])
    }
    const ports: number[] = []
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await readFile(table, 'utf8').catch(() => '')
      for (const line of text.split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/)
        // local_address is HEXIP:HEXPORT; st 0A is LISTEN; inode is field 9.
        if (fields.length > 9 && fields[3] === '0A' && inodes.has(fields[9])) {
          ports.push(parseInt(fields[1].split(':')[1], 16))
        }
      }
    }
    return [...new Set(ports)]
  }
  try {
    const { stdout } = await execFileAsync('lsof', [
      '-nP',
      '-a',
      '-p',
      String(pid),
      '-iTCP',
      '-sTCP:LISTEN',
    ])
    return [...stdout.matchAll(/:(\d+) \(LISTEN\)/g)].map((match) => Number(match[1]))
  } catch {
    return []
  }
}

/** The port among a process's listening ports that answers as a CDP endpoint, or null. */
async function findInspectorPort(pid: number): Promise<number | null> {
  for (const port of await listeningPorts(pid)) {
    try {
      await listTargets({ host: '127.0.0.1', port }, { timeoutMs: 1000 })
      return port
    } catch {
      // Some other server of the process.
    }
  }
  return null
}

/** Local Node processes, with their inspector port when one is open, in orderProcesses' order. */
export async function listNodeProcesses(): Promise<NodeProcess[]> {
  const processes = process.platform === 'linux' ? await linuxProcesses() : await psProcesses()
  const found = await Promise.all(
    processes.map(async ({ pid, command }) => ({
      pid,
      command,
      inspectorPort: await findInspectorPort(pid).catch(() => null),
      isHeapgraph: isHeapgraphCommand(command),
    })),
  )
  return orderProcesses(found)
}

/**
 * Opens the inspector of a running Node process (SIGUSR1, POSIX only) and returns its
 * endpoint. A process whose inspector is already open is used as it is.
 */
export async function openInspector(pid: number, timeoutMs = 10_000): Promise<Endpoint> {
  if (!Number.isInteger(pid) || pid <= 0)
    throw new AttachError('pid', `"${pid}" is not a process id`)
  if (process.platform === 'win32') {
    throw new AttachError(
      'pid',
      'attaching by PID needs SIGUSR1, which Windows lacks; start the process with --inspect',
    )
  }
  const existing = await findInspectorPort(pid)
  if (existing !== null) return { host: '127.0.0.1', port: existing }
  // SIGUSR1 opens Node's inspector, but ends most other programs: signal Node only.
  const command = await commandOf(pid)
  if (command === null) throw new AttachError('pid', `no process ${pid}`)
  if (!isNodeCommand(command)) {
    throw new AttachError(
      'pid',
      `process ${pid} (${basename(command)}) is not Node; attaching by PID sends SIGUSR1, which would end it`,
    )
  }
  try {
    process.kill(pid, 'SIGUSR1')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new AttachError(
      'pid',
      code === 'ESRCH'
        ? `no process ${pid}`
        : code === 'EPERM'
          ? `not allowed to signal process ${pid} (another user's process?)`
          : `cannot signal process ${pid}: ${(error as Error).message}`,
    )
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const port = await findInspectorPort(pid)
    if (port !== null) return { host: '127.0.0.1', port }
  }
  throw new AttachError(
    'timeout',
    `process ${pid} opened no inspector within ${timeoutMs / 1000} s after SIGUSR1 (is it Node? is port 9229 taken?)`,
  )
}
