// Transport-neutral typed RPC for HeapgraphApi: the message shapes, a client generated from
// API_METHODS over any message channel, and the server side's dispatch. The WebSocket transport
// and Electron IPC (as replies without ids) carry these same messages.
import {
  API_METHODS,
  ApiError,
  type ApiMethod,
  type HeapgraphApi,
  type ApiEvents,
  type ProgressEvent,
  type SnapshotEvent,
} from '../protocol'

export interface RpcRequest {
  id: number
  method: string
  args: unknown
}

export type RpcMessage =
  | { id: number; result: unknown }
  | { id: number; error: { code: string; message: string } }
  | { event: 'progress'; data: ProgressEvent }
  | { event: 'snapshot'; data: SnapshotEvent }

/** A channel that carries JSON-compatible messages both ways. */
export interface MessageChannelLike {
  send(message: RpcRequest): void
  onMessage(listener: (message: RpcMessage) => void): void
  /** Called when the channel closes; pending calls then fail. */
  onClose(listener: (reason: string) => void): void
}

/** Builds a HeapgraphApi whose calls travel over the channel. */
export function createClient(channel: MessageChannelLike): HeapgraphApi {
  let nextId = 1
  let closed: string | null = null
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >()
  const progressListeners = new Set<(event: ProgressEvent) => void>()
  const snapshotListeners = new Set<(event: SnapshotEvent) => void>()
  channel.onMessage((message) => {
    if ('event' in message) {
      if (message.event === 'progress')
        for (const listener of progressListeners) listener(message.data)
      else for (const listener of snapshotListeners) listener(message.data)
      return
    }
    const waiting = pending.get(message.id)
    if (!waiting) return
    pending.delete(message.id)
    if ('error' in message) waiting.reject(new ApiError(message.error.code, message.error.message))
    else waiting.resolve(message.result)
  })
  channel.onClose((reason) => {
    closed = reason
    for (const { reject } of pending.values()) reject(new ApiError('disconnected', reason))
    pending.clear()
  })
  const call = (method: ApiMethod, args: unknown): Promise<unknown> => {
    if (closed !== null) return Promise.reject(new ApiError('disconnected', closed))
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      channel.send({ id, method, args })
    })
  }
  const api = Object.fromEntries(
    (Object.keys(API_METHODS) as ApiMethod[]).map((method) => [
      method,
      (args: unknown) => call(method, args),
    ]),
  )
  return {
    ...(api as Omit<HeapgraphApi, keyof ApiEvents>),
    onProgress(listener) {
      progressListeners.add(listener)
      return () => progressListeners.delete(listener)
    },
    onSnapshot(listener) {
      snapshotListeners.add(listener)
      return () => snapshotListeners.delete(listener)
    },
  } as HeapgraphApi
}

/** Answers one request with a backend's `call` (which validates the arguments). */
export async function dispatch(
  call: (method: string, args: unknown) => Promise<unknown>,
  request: unknown,
): Promise<RpcMessage | null> {
  if (typeof request !== 'object' || request === null) return null
  const { id, method, args } = request as Partial<RpcRequest>
  if (typeof id !== 'number' || !Number.isInteger(id)) return null
  return { id, ...(await settle(call, method, args)) }
}

/** Runs one call and captures its outcome as a reply: a result, or an error's code and message. */
export async function settle(
  call: (method: string, args: unknown) => Promise<unknown>,
  method: unknown,
  args: unknown,
): Promise<RpcReply> {
  try {
    if (typeof method !== 'string') throw new ApiError('no-method', 'a request needs a method name')
    return { result: (await call(method, args)) ?? null }
  } catch (error) {
    const code = error instanceof ApiError ? error.code : 'internal'
    const message = error instanceof Error ? error.message : String(error)
    return { error: { code, message } }
  }
}

/** A reply without its request id: what one Electron IPC invoke resolves to. */
export type RpcReply = { result: unknown } | { error: { code: string; message: string } }

/**
 * Builds a HeapgraphApi over a request/reply transport (the desktop preload's invokes). Errors
 * travel as `{error: {code, message}}` replies, because Electron keeps only the message of a
 * thrown error; here they become ApiErrors again, code included.
 */
export function createReplyClient(
  invoke: (method: ApiMethod, args: unknown) => Promise<RpcReply>,
  events: ApiEvents,
): HeapgraphApi {
  const api = Object.fromEntries(
    (Object.keys(API_METHODS) as ApiMethod[]).map((method) => [
      method,
      async (args: unknown) => {
        const reply = await invoke(method, args)
        if ('error' in reply) throw new ApiError(reply.error.code, reply.error.message)
        return reply.result
      },
    ]),
  )
  return {
    ...(api as Omit<HeapgraphApi, keyof ApiEvents>),
    onProgress: events.onProgress,
    onSnapshot: events.onSnapshot,
  } as HeapgraphApi
}
