// `heapgraph serve`: web mode. Serves the built renderer (dist/renderer), starts the backend and
// the loopback server, opens the given snapshots, prints the URL (token included) as the first line
// on stdout, and opens a browser unless told not to.
import { spawn } from 'node:child_process'
import { access } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createBackend } from '../backend/backend'
import { startWebServer } from '../web-server'
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
  process.stderr.write('heapgraph: serving on this machine only; press Ctrl+C to stop\n')
  if (values['no-open'] !== true) openBrowser(server.url)
  for (const file of files) {
    backend.openSnapshot({ file }).then(
      (info) => process.stderr.write(`heapgraph: opened ${file} (${info.nodeCount} objects)\n`),
      (error: unknown) =>
        process.stderr.write(`heapgraph: cannot open ${file}: ${(error as Error).message}\n`),
    )
  }
  await new Promise<void>((resolve) =>
    stop.addEventListener('abort', () => resolve(), { once: true }),
  )
  await server.close()
  await backend.dispose()
}
