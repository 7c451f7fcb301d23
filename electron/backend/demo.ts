// "Try the demo": starts the leaky Node program shipped with the app (demo/leaky-app.cjs) with
// its inspector on a random loopback port, so the UI can attach to it at once. The program dies
// with its session, with the backend, or when Heapgraph's process goes away (its stdin closes).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readInspectorBanner, waitForOutput } from './cdp/inspector-banner'

/** How to run a Node program: the desktop app runs its own binary with ELECTRON_RUN_AS_NODE. */
export interface NodeCommand {
  path: string
  env?: Record<string, string>
  /** The demo program (the desktop app passes the copy it ships). */
  demoProgram?: string
}

/** What demo/leaky-app.cjs prints once its first requests are handled. */
const READY = 'heapgraph demo: leaking arrays'

export interface DemoProcess {
  pid: number
  webSocketUrl: string
  stop(): Promise<void>
}

function defaultDemoProgram(): string {
  return fileURLToPath(new URL('../../demo/leaky-app.cjs', import.meta.url))
}

/** Resolves when the demo prints its ready line on stdout; keeps draining stdout afterwards. */
function readyLine(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  return waitForOutput(child, 'stdout', (printed) => printed.includes(READY) || null, timeoutMs, {
    exited: (code) => `the demo exited (${code}) before it was ready`,
    timedOut: () => `the demo was not ready within ${timeoutMs} ms`,
  })
}

export async function startDemo(
  node: NodeCommand = { path: process.execPath },
): Promise<DemoProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...node.env }
  // Not the caller's loaders or flags (a test runner's, tsx's).
  delete env.NODE_OPTIONS
  const child = spawn(
    node.path,
    ['--inspect=127.0.0.1:0', node.demoProgram ?? defaultDemoProgram()],
    { env, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  }
  // Nothing must outlive the backend's process.
  const onExit = (): void => void child.kill('SIGKILL')
  process.once('exit', onExit)
  void exited.then(() => process.off('exit', onExit))
  try {
    const webSocketUrl = await readInspectorBanner(child, 20_000)
    // Attach only once its first requests are handled: a snapshot taken in the middle of that
    // loop would show half-built objects held by V8's handles.
    await readyLine(child, 20_000)
    return { pid: child.pid ?? -1, webSocketUrl, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
