// `heapgraph serve`: web mode. Builds the renderer if it is missing, starts the backend and the
// loopback server, opens the given snapshots, prints the URL (token included) as the first line
// on stdout, and opens a browser unless told not to.
import { spawn } from 'node:child_process'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createBackend } from '../backend/backend'
import { startWebServer } from '../web-server'
import { UsageError } from './commands'

const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url))
const VITE_CONFIG = fileURLToPath(new URL('../../renderer/vite.config.ts', import.meta.url))
/** The sources the renderer bundle is built from. */
const RENDERER_SOURCES = ['../../renderer', '../../shared'].map((dir) =>
  fileURLToPath(new URL(dir, import.meta.url)),
)

async function newestChange(dir: string): Promise<number> {
  let newest = 0
  // An installed copy ships no sources: then the bundle is as new as it gets.
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  for (const entry of entries) {
    if (entry.isFile())
      newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return newest
}

/** Builds dist/renderer with Vite when it is missing or older than its sources. */
export async function ensureRendererBuilt(log: (text: string) => void): Promise<string> {
  const built = await stat(`${RENDERER_DIR}/index.html`).then(
    (info) => info.mtimeMs,
    () => null,
  )
  const sources = Math.max(...(await Promise.all(RENDERER_SOURCES.map(newestChange))))
  if (built === null || sources > built) {
    log(
      built === null ? 'heapgraph: building the UI (first run)…' : 'heapgraph: rebuilding the UI…',
    )
    const { build } = await import('vite')
    await build({ configFile: VITE_CONFIG, logLevel: 'warn' })
  }
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
  const staticDir = await ensureRendererBuilt((text) => process.stderr.write(text + '\n'))
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
