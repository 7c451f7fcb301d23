// The RPC channel over a WebSocket (the browser's, or the `ws` package's in Node tests): JSON
// text frames carrying RpcRequest and RpcMessage.
import type { HeapgraphApi } from '../protocol'
import { createClient, type MessageChannelLike, type RpcMessage } from './rpc'

/** The part of the WebSocket API the channel uses. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
}

const OPEN = 1

/** Waits for the socket to open and returns a client over it. */
export async function connectWebSocketApi(
  socket: WebSocketLike,
): Promise<HeapgraphApi & { close(): void }> {
  if (socket.readyState !== OPEN) {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve())
      socket.addEventListener('error', () => reject(new Error('the WebSocket could not connect')))
      socket.addEventListener('close', () => reject(new Error('the WebSocket was refused')))
    })
  }
  const channel: MessageChannelLike = {
    send: (message) => socket.send(JSON.stringify(message)),
    onMessage: (listener) =>
      socket.addEventListener('message', (event) => {
        try {
          listener(JSON.parse(String(event.data)) as RpcMessage)
        } catch {
          // Not ours: ignore.
        }
      }),
    onClose: (listener) =>
      socket.addEventListener('close', () => listener('the connection closed')),
  }
  return { ...createClient(channel), close: () => socket.close() }
}
