// Web mode's server: the backend over a WebSocket on a loopback address only, behind a random
// per-run token, refusing foreign Origins (a page on another site must not drive the engine).
// Serves the API at /api?token=…; the renderer's files join it with the UI. A browser cannot
// tell the server a dropped file's path, so POST /upload?token=…&name=… streams the file into a
// private temporary folder and answers with its path; the copy goes once it is opened (or when
// the server closes).
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, extname, join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { WebSocketServer, type WebSocket } from 'ws'
import { dispatch, type RpcMessage } from '../shared/rpc/rpc'
import type { Backend } from './backend/backend'
import { isLoopback } from './backend/cdp/endpoint'

export interface WebServer {
  /** The page URL with the token, e.g. http://127.0.0.1:5123/?token=… */
  url: string
  /** The API's WebSocket URL with the token. */
  apiUrl: string
  token: string
  port: number
  close(): Promise<void>
}

export interface WebServerOptions {
  host?: string
  port?: number
  /** The built renderer to serve (dist/renderer); without it only the API is served. */
  staticDir?: string
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
}

/** Reads a file of the built renderer; null outside the folder or when missing. */
async function staticFile(
  root: string,
  url: string,
): Promise<{ path: string; body: Buffer } | null> {
  const pathname = decodeURIComponent(new URL(url, 'http://x').pathname)
  root = resolve(root)
  const path = resolve(root, '.' + (pathname === '/' ? '/index.html' : pathname))
  if (path !== root && !path.startsWith(root + sep)) return null
  try {
    return { path, body: await readFile(path) }
  } catch {
    return null
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  response.end(JSON.stringify(body))
}

/** A file name from the client, reduced to a plain name (no folders, no control characters). */
function safeName(name: string | null): string {
  const plain = [...basename(name ?? '')]
    .map((char) => (char < ' ' || char === '/' || char === '\\' ? '_' : char))
    .join('')
    .slice(0, 200)
  return plain && plain !== '.' && plain !== '..' ? plain : 'dropped.heapsnapshot'
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null || given.length !== token.length) return false
  return timingSafeEqual(Buffer.from(given), Buffer.from(token))
}

export async function startWebServer(
  backend: Backend,
  options: WebServerOptions = {},
): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1'
  if (!isLoopback(host)) throw new Error(`web mode listens on loopback only, not ${host}`)
  const token = randomBytes(24).toString('base64url')
  let port = 0
  /** Uploaded files not opened yet, with the folder each one has. */
  const uploads = new Map<string, string>()
  /** Once an upload is opened (its engine holds it all in memory), its copy goes. */
  const forgetUpload = async (request: unknown): Promise<void> => {
    const { method, args } = (request ?? {}) as { method?: unknown; args?: { file?: unknown } }
    const file = method === 'openSnapshot' ? args?.file : undefined
    const folder = typeof file === 'string' ? uploads.get(file) : undefined
    if (folder === undefined) return
    uploads.delete(file as string)
    await rm(folder, { recursive: true, force: true })
  }
  /** Made on the first upload, once even when two arrive together; removed on close. */
  let uploadDir: Promise<string> | null = null
  const upload = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://x')
    const origin = request.headers.origin
    if (!sameToken(url.searchParams.get('token'), token)) {
      return reply(response, 401, { error: 'a valid token is required' })
    }
    if (origin !== undefined && !origins().has(origin)) {
      return reply(response, 403, { error: 'foreign origin' })
    }
    let folder: string | null = null
    try {
      uploadDir ??= mkdtemp(join(tmpdir(), 'heapgraph-uploads-')).catch((error: unknown) => {
        uploadDir = null
        throw error
      })
      // One folder per upload keeps the original name and never overwrites another upload.
      folder = await mkdtemp(join(await uploadDir, 'u-'))
      const file = join(folder, safeName(url.searchParams.get('name')))
      await pipeline(request, createWriteStream(file, { flags: 'wx' }))
      uploads.set(file, folder)
      reply(response, 200, { file })
    } catch (error) {
      if (folder) await rm(folder, { recursive: true, force: true })
      const code = (error as NodeJS.ErrnoException).code
      const reason = code === 'ENOSPC' ? 'the disk is full' : (error as Error).message
      if (!response.headersSent)
        reply(response, 507, { error: `cannot store the upload: ${reason}` })
    }
  }
  const origins = (): Set<string> =>
    new Set([`http://${host}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`])
  const hostsAllowed = (): Set<string> =>
    new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`])
  const http = createServer((request, response) => {
    const failed = (error: unknown): void => {
      // Never an unhandled rejection: that would end the process and every open snapshot.
      if (!response.headersSent) reply(response, 500, { error: String(error) })
      else response.destroy()
    }
    void (async () => {
      // A Host other than ours means DNS rebinding: a foreign site resolving to 127.0.0.1.
      if (!hostsAllowed().has(request.headers.host ?? '')) {
        response.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' })
        response.end('Misdirected request\n')
        return
      }
      if (request.method === 'POST' && request.url?.startsWith('/upload?')) {
        await upload(request, response)
        return
      }
      const file = options.staticDir
        ? await staticFile(options.staticDir, request.url ?? '/')
        : null
      if (request.method !== 'GET' || file === null) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        response.end('Not found\n')
        return
      }
      response.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream',
        'content-security-policy': `default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws://${host}:${port} ws://localhost:${port}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      })
      response.end(file.body)
    })().catch(failed)
  })
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, host, () => resolve())
  })
  port = (http.address() as AddressInfo).port
  const refuse = (socket: NodeJS.WritableStream & { destroy(): void }, status: string): void => {
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    socket.destroy()
  }
  http.on('upgrade', (request: IncomingMessage, socket, head) => {
    const url = new URL(request.url ?? '/', `http://${host}:${port}`)
    const origin = request.headers.origin
    if (!hostsAllowed().has(request.headers.host ?? ''))
      return refuse(socket, '421 Misdirected Request')
    if (url.pathname !== '/api') return refuse(socket, '404 Not Found')
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, '401 Unauthorized')
    // Browsers always send Origin; only pages served by this server may connect.
    if (origin !== undefined && !origins().has(origin)) return refuse(socket, '403 Forbidden')
    sockets.handleUpgrade(request, socket, head, (ws) => serve(ws))
  })
  const serve = (ws: WebSocket): void => {
    const send = (message: RpcMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
    }
    const unsubscribe = [
      backend.onProgress((data) => send({ event: 'progress', data })),
      backend.onSnapshot((data) => send({ event: 'snapshot', data })),
    ]
    ws.on('close', () => unsubscribe.forEach((stop) => stop()))
    ws.on('message', async (data) => {
      let request: unknown
      try {
        request = JSON.parse(String(data))
      } catch {
        return
      }
      const reply = await dispatch(backend.call, request)
      if (reply) send(reply)
      await forgetUpload(request)
    })
  }
  const base = `http://${host}:${port}`
  return {
    url: `${base}/?token=${token}`,
    apiUrl: `ws://${host}:${port}/api?token=${token}`,
    token,
    port,
    async close() {
      for (const client of sockets.clients) client.terminate()
      sockets.close()
      await new Promise<void>((resolve) => http.close(() => resolve()))
      const uploads = await uploadDir?.catch(() => null)
      if (uploads) await rm(uploads, { recursive: true, force: true })
    },
  }
}
