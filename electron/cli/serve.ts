// `heapgraph serve`: web mode. Serves the built renderer (dist/renderer), starts the backend and
// the loopback server, opens the given snapshots, prints the URL (token included) as the first line
// on stdout, and opens a browser unless told not to; with --app-window, an app window of Chrome or
// Chromium where one is installed, and closing that window stops the server.
import { spawn } from 'node:child_process'
import { access } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createBackend } from '../backend/backend'
import { startWebServer } from '../web-server'
import { findBrowser, missingDisplay, openAppWindow, type AppWindow } from './app-window'
import { UsageError } from './commands'

const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url))

/** The built UI's folder; the bin builds it before `serve` runs (scripts/ensure-built.mjs). */
export async function builtRenderer(): Promise<string> {
  await access(`${RENDERER_DIR}/index.html`).catch(() => {
    throw new Error(`the UI is not built (no ${RENDERER_DIR}/index.html): run npm run build`)
  })
  return RENDERER_DIR
}

function openBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open'
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url]
  const child = spawn(command, args, { stdio: 'ignore', detached: true })
  child.on('error', () => {})
  child.unref()
}

/** Opens the UI in an app window, or says on stderr why it cannot and returns null. */
async function tryAppWindow(url: string): Promise<AppWindow | null> {
  const browser = findBrowser()
  const chosen = process.env.HEAPGRAPH_BROWSER
  const reason =
    browser !== null
      ? missingDisplay()
      : chosen
        ? `HEAPGRAPH_BROWSER (${chosen}) is not a program found here`
        : 'no Chrome or Chromium found (set HEAPGRAPH_BROWSER to one)'
  if (browser === null || reason !== null) {
    process.stderr.write(`heapgraph: no app window: ${reason}\n`)
    return null
  }
  try {
    const appWindow = await openAppWindow(browser, url)
    process.stderr.write(
      `heapgraph: serving on this machine only, in an app window of ${browser}; close it or press Ctrl+C to stop\n`,
    )
    return appWindow
  } catch (error) {
    process.stderr.write(`heapgraph: no app window: ${(error as Error).message}\n`)
    return null
  }
}

/** Signals that end an app window's run cleanly (a second Ctrl+C included). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export async function runServe(
  files: string[],
  values: Record<string, string | boolean | undefined>,
  stop: AbortSignal,
): Promise<void> {
  const portText = values.port
  const port = portText === undefined ? 0 : Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port takes a port number, not "${String(portText)}"`)
  }
  const staticDir = await builtRenderer()
  const backend = createBackend()
  const server = await startWebServer(backend, { port, staticDir })
  process.stdout.write(`${server.url}\n`)
  const open = values['no-open'] !== true
  const appWindow = open && values['app-window'] === true ? await tryAppWindow(server.url) : null
  if (appWindow === null) {
    process.stderr.write('heapgraph: serving on this machine only; press Ctrl+C to stop\n')
    if (open) openBrowser(server.url)
  }
  for (const file of files) {
    backend.openSnapshot({ file }).then(
      (info) => process.stderr.write(`heapgraph: opened ${file} (${info.nodeCount} objects)\n`),
      (error: unknown) =>
        process.stderr.write(`heapgraph: cannot open ${file}: ${(error as Error).message}\n`),
    )
  }
  const done = new AbortController()
  const finish = (): void => done.abort()
  stop.addEventListener('abort', finish, { once: true })
  if (stop.aborted) finish()
  if (appWindow !== null) {
    for (const signal of STOP_SIGNALS) process.on(signal, finish)
    void appWindow.exited.then((code) => {
      if (done.signal.aborted) return
      if (code === 0 || code === null) {
        process.stderr.write('heapgraph: the app window was closed; stopping\n')
        finish()
      } else {
        process.stderr.write(
          `heapgraph: the app window's browser exited with code ${code}; still serving at the URL above (Ctrl+C to stop)\n`,
        )
      }
    })
  }
  await new Promise<void>((resolve) =>
    done.signal.aborted ? resolve() : done.signal.addEventListener('abort', () => resolve()),
  )
  try {
    await appWindow?.close()
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, finish)
    await server.close()
    await backend.dispose()
  }
}
