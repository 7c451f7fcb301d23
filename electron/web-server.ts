// Web mode's server: the backend over a WebSocket on a loopback address only, behind a random
// per-run token, refusing foreign Origins (a page on another site must not drive the engine).
// Serves the API at /api?token=…; the renderer's files join it with the UI.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
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
  const http = createServer((request, response) => {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    response.end('Not found\n')
  })
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (http.address() as AddressInfo).port
  const origins = new Set([
    `http://${host}:${port}`,
    `http://localhost:${port}`,
    `http://127.0.0.1:${port}`,
  ])
  const refuse = (socket: NodeJS.WritableStream & { destroy(): void }, status: string): void => {
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    socket.destroy()
  }
  http.on('upgrade', (request: IncomingMessage, socket, head) => {
    const url = new URL(request.url ?? '/', `http://${host}:${port}`)
    const origin = request.headers.origin
    if (url.pathname !== '/api') return refuse(socket, '404 Not Found')
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, '401 Unauthorized')
    // Browsers always send Origin; only pages served by this server may connect.
    if (origin !== undefined && !origins.has(origin)) return refuse(socket, '403 Forbidden')
    sockets.handleUpgrade(request, socket, head, (ws) => serve(ws))
  })
  const serve = (ws: WebSocket): void => {
    const send = (message: RpcMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
    }
    const unsubscribe = backend.onProgress((data) => send({ event: 'progress', data }))
    ws.on('close', unsubscribe)
    ws.on('message', async (data) => {
      let request: unknown
      try {
        request = JSON.parse(String(data))
      } catch {
        return
      }
      const reply = await dispatch(backend.call, request)
      if (reply) send(reply)
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
    },
  }
}
