// Real CDP targets for attach tests: a child `node --inspect=127.0.0.1:0`, a child `node` without
// an inspector (for attaching by PID), and a headless Debian Chromium on a local page. Every child
// is recorded and killed by killAllTargets() (call it in afterAll/afterEach); nothing is mocked.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  ChromiumUnavailableError,
  chromiumUnavailableReason,
} from './chrome-snapshot'
import { readInspectorBanner } from '../../electron/backend/cdp/inspector-banner'
import { isAlive } from '../../electron/backend/python-request'

/** A child process this helper started, with line-based access to its stdout. */
export interface TargetProcess {
  child: ChildProcess
  pid: number
  /** Writes one line to the child's stdin. */
  send(line: string): void
  /** Resolves with the first stdout line (from now on, or already seen) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>
  /** SIGKILLs the child (its process group for Chromium) and waits for it to exit. */
  kill(): Promise<void>
}

export interface InspectTarget extends TargetProcess {
  webSocketUrl: string
  port: number
}

export interface ScriptSource {
  /** Program text run with `node -e` (CommonJS), or */
  code?: string
  /** a program file. */
  file?: string
  args?: readonly string[]
}

export interface StartOptions {
  /** How long to wait for the inspector banner and the ready line. */
  timeoutMs?: number
  /** A stdout line the script prints once its heap is built (default: none awaited). */
  readyLine?: RegExp
  /** Extra node flags before the script. */
  nodeFlags?: readonly string[]
}

/** Every child still running, with whether it leads its own process group. */
const started = new Map<TargetProcess, boolean>()

/** Kills every child still running; safe to call more than once. */
export async function killAllTargets(): Promise<void> {
  await Promise.all([...started.keys()].map((target) => target.kill()))
}

// A crashed worker must not leave children behind.
process.once('exit', () => {
  for (const [target, detached] of started) killTree(target.child, detached)
})

function killTree(child: ChildProcess, group: boolean): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  try {
    if (group) process.kill(-child.pid, 'SIGKILL')
    else child.kill('SIGKILL')
  } catch {
    // Already gone.
  }
}

function childEnv(): NodeJS.ProcessEnv {
  // The children must not inherit vitest's loaders.
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}

function track(child: ChildProcess, detached: boolean): TargetProcess {
  const lines: string[] = []
  const waiters = new Set<(line: string) => void>()
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line)
      for (const waiter of waiters) waiter(line)
    })
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  const target: TargetProcess = {
    child,
    pid: child.pid ?? -1,
    exited,
    send(line) {
      child.stdin?.write(line + '\n')
    },
    waitForLine(pattern, timeoutMs = 15_000) {
      const seen = lines.find((line) => pattern.test(line))
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(onLine)
          child.off('exit', onExit)
        }
        const onLine = (line: string): void => {
          if (!pattern.test(line)) return
          done()
          resolve(line)
        }
        const onExit = (): void => {
          done()
          reject(new Error(`child ${child.pid} exited before printing ${pattern}`))
        }
        const timer = setTimeout(() => {
          done()
          reject(
            new Error(`child ${child.pid} printed no line matching ${pattern} in ${timeoutMs} ms`),
          )
        }, timeoutMs)
        waiters.add(onLine)
        child.once('exit', onExit)
      })
    },
    async kill() {
      killTree(child, detached)
      await exited
      started.delete(target)
    },
  }
  started.set(target, detached)
  return target
}

function scriptArgs(script: ScriptSource | string): string[] {
  const source = typeof script === 'string' ? { code: script } : script
  if (source.code !== undefined) return ['-e', source.code, ...(source.args ?? [])]
  if (source.file !== undefined) return [source.file, ...(source.args ?? [])]
  throw new Error('a script needs code or a file')
}

/**
 * Starts `node --inspect=127.0.0.1:0 <script>` and resolves once the inspector listens (and the
 * ready line, if given, was printed).
 */
export async function startInspectTarget(
  script: ScriptSource | string,
  options: StartOptions = {},
): Promise<InspectTarget> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const child = spawn(
    process.execPath,
    ['--inspect=127.0.0.1:0', ...(options.nodeFlags ?? []), ...scriptArgs(script)],
    { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] },
  )
  const target = track(child, false)
  try {
    const webSocketUrl = await readInspectorBanner(child, timeoutMs)
    if (options.readyLine) await target.waitForLine(options.readyLine, timeoutMs)
    return { ...target, webSocketUrl, port: Number(new URL(webSocketUrl).port) }
  } catch (error) {
    await target.kill()
    throw error
  }
}

/** Starts `node <script>` with no inspector (for attaching by PID). */
export async function startNodeProcess(
  script: ScriptSource | string,
  options: StartOptions = {},
): Promise<TargetProcess> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...scriptArgs(script)], {
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stderr?.resume()
  const target = track(child, false)
  try {
    // Until the script runs, SIGUSR1 could arrive before Node installs its handler and kill it.
    if (options.readyLine) await target.waitForLine(options.readyLine, timeoutMs)
    return target
  } catch (error) {
    await target.kill()
    throw error
  }
}

/** Resolves when the check passes, polling every 100 ms; rejects with `what` at the deadline. */
async function poll<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: () => string,
  abort?: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const reason = abort?.()
    if (reason) throw new Error(reason)
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(what())
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function getJsonList(port: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/json/list', timeout: 2000 },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () => {
          try {
            resolve(JSON.parse(text))
          } catch (error) {
            reject(error)
          }
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

export interface ChromiumTarget extends TargetProcess {
  port: number
  userDataDir: string
  /** The page's URL as /json/list reports it. */
  pageUrl: string
}

/**
 * Starts headless Debian Chromium with `--remote-debugging-port=0` on a local page and reads the
 * port from DevToolsActivePort. Resolves once /json/list shows the page with `readyTitle`.
 * Throws ChromiumUnavailableError (the caller skips with its message) when chromium is missing.
 */
export async function startChromium(
  page: string,
  options: { readyTitle?: string; timeoutMs?: number } = {},
): Promise<ChromiumTarget> {
  const unavailable = chromiumUnavailableReason()
  if (unavailable) throw new ChromiumUnavailableError(unavailable)
  if (!/^(file|data):/.test(page) && !page.startsWith('/')) {
    throw new Error(`only local pages (file:, data: or a path), not ${page}`)
  }
  const pageUrl = page.startsWith('/') ? pathToFileURL(page).href : page
  const timeoutMs = options.timeoutMs ?? 30_000
  const userDataDir = await mkdtemp(join(tmpdir(), 'heapgraph-attach-chromium-'))
  // Own process group, so kill() takes the zygotes and renderers too.
  const child = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_ARGS,
      '--remote-debugging-address=127.0.0.1',
      `--user-data-dir=${userDataDir}`,
      pageUrl,
    ],
    { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8')
  })
  const target = track(child, true)
  const kill = target.kill
  target.kill = async () => {
    await kill()
    await rm(userDataDir, { recursive: true, force: true })
  }
  const exitedEarly = (): string | undefined =>
    child.exitCode !== null || child.signalCode !== null
      ? `chromium exited (${child.signalCode ?? child.exitCode}) at start; stderr: ${stderr.slice(-2000)}`
      : undefined
  try {
    const port = await poll(
      async () => {
        const text = await readFile(join(userDataDir, 'DevToolsActivePort'), 'utf8').catch(() => '')
        // The file is "port\n/devtools/browser/<id>"; wait for both lines.
        const [portLine, pathLine] = text.split('\n')
        return pathLine && /^\d+$/.test(portLine) ? Number(portLine) : undefined
      },
      timeoutMs,
      () =>
        `chromium wrote no DevToolsActivePort in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`,
      exitedEarly,
    )
    await poll(
      async () => {
        const list = await getJsonList(port).catch(() => [])
        if (!Array.isArray(list)) return undefined
        const found = list.some(
          (entry: { type?: string; url?: string; title?: string }) =>
            entry.type === 'page' &&
            entry.url === pageUrl &&
            (options.readyTitle === undefined || entry.title === options.readyTitle),
        )
        return found ? true : undefined
      },
      timeoutMs,
      () => `chromium on port ${port} never showed ${pageUrl} as ready`,
      exitedEarly,
    )
    return { ...target, port, userDataDir, pageUrl }
  } catch (error) {
    await target.kill()
    throw error
  }
}

/** Whether something already listens on 127.0.0.1:port. */
export function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(true))
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () =>
      server.close(() => resolve(false)),
    )
  })
}

const SIGUSR1_LOCK = join(tmpdir(), 'heapgraph-attach-9229.lock')

// Whether a process with this id exists (EPERM: it does, owned by someone else): the product's.
export { isAlive } from '../../electron/backend/python-request'

/**
 * Runs `run` while holding a lock shared by every test file: SIGUSR1 makes Node listen on 9229,
 * so two attach-by-PID tests must never overlap. Resolves with a skip reason instead when 9229
 * is already taken by something else.
 */
export async function withSigusr1Port<T>(
  run: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<{ ran: true; value: T } | { ran: false; reason: string }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const handle = await open(SIGUSR1_LOCK, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number(await readFile(SIGUSR1_LOCK, 'utf8').catch(() => ''))
      // A lock of a dead test process is stale; an empty one is being written.
      if (holder > 0 && !isAlive(holder)) await rm(SIGUSR1_LOCK, { force: true })
      else if (Date.now() > deadline)
        throw new Error(`the lock ${SIGUSR1_LOCK} was held for more than ${timeoutMs} ms`)
      else await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  try {
    if (await isPortTaken(9229)) {
      return {
        ran: false,
        reason:
          '127.0.0.1:9229 is already taken by another process; SIGUSR1 would make the child listen there',
      }
    }
    return { ran: true, value: await run() }
  } finally {
    await rm(SIGUSR1_LOCK, { force: true })
  }
}
