// The backend behind every transport: implements HeapgraphApi by starting one engine host (a
// worker thread) per open snapshot and routing queries to it. Arguments are validated against
// the protocol's schemas here, whatever the transport; a host that dies fails its pending calls
// and its snapshot, and nothing else.
import { randomUUID } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import {
  API_METHODS,
  ApiError,
  parseArgs,
  type ApiMethod,
  type ApiResults,
  type HeapgraphApi,
  type ProgressEvent,
  type SnapshotInfo,
} from '../../shared/protocol'
import { QUERY_METHODS, type QueryMethod } from './engine-queries'
import type { HostMessage, HostRequest } from './engine-host'

const HOST_ENTRY = fileURLToPath(new URL('./engine-host-entry.mjs', import.meta.url))

interface Host {
  info: SnapshotInfo | null
  worker: Worker
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: ApiError) => void }>
  nextId: number
  operationId: string | null
}

export interface Backend extends HeapgraphApi {
  /** Calls a method by name with unvalidated arguments (what transports receive). */
  call(method: string, args: unknown): Promise<unknown>
  /** Stops every engine host. */
  dispose(): Promise<void>
}

export function createBackend(): Backend {
  const hosts = new Map<string, Host>()
  const listeners = new Set<(event: ProgressEvent) => void>()
  const operations = new Map<string, Host>()
  const emit = (event: ProgressEvent): void => {
    for (const listener of listeners) listener(event)
  }

  const hostOf = (snapshotId: string): Host => {
    const host = hosts.get(snapshotId)
    if (!host) throw new ApiError('no-snapshot', `no open snapshot ${snapshotId}`)
    if (!host.info) throw new ApiError('not-loaded', `snapshot ${snapshotId} is still loading`)
    return host
  }

  const failHost = (snapshotId: string, host: Host, message: string): void => {
    for (const { reject } of host.pending.values()) reject(new ApiError('engine-crashed', message))
    host.pending.clear()
    hosts.delete(snapshotId)
  }

  const openSnapshot = async (raw: unknown): Promise<SnapshotInfo> => {
    const { file, operationId } = parseArgs('openSnapshot', raw)
    const snapshotId = randomUUID()
    const worker = new Worker(HOST_ENTRY)
    const host: Host = {
      info: null,
      worker,
      pending: new Map(),
      nextId: 1,
      operationId: operationId ?? null,
    }
    hosts.set(snapshotId, host)
    if (operationId) operations.set(operationId, host)
    try {
      return await new Promise<SnapshotInfo>((resolve, reject) => {
        worker.on('message', (message: HostMessage) => {
          if (message.type === 'progress') {
            if (operationId)
              emit({ operationId, phase: message.phase, done: message.done, total: message.total })
          } else if (message.type === 'loaded') {
            host.info = {
              snapshotId,
              file,
              nodeCount: message.nodeCount,
              edgeCount: message.edgeCount,
              totalSize: message.totalSize,
              exposeInternals: message.exposeInternals,
            }
            resolve(host.info)
          } else if (message.type === 'load-failed') {
            reject(new ApiError(message.code, message.message))
          } else if (message.type === 'reply') {
            const waiting = host.pending.get(message.id)
            if (!waiting) return
            host.pending.delete(message.id)
            if (message.error)
              waiting.reject(new ApiError(message.error.code, message.error.message))
            else waiting.resolve(message.result)
          }
        })
        worker.on('error', (error) => {
          const text = `the engine for ${file} stopped: ${error.message}`
          failHost(snapshotId, host, text)
          reject(new ApiError('engine-crashed', text))
        })
        worker.on('exit', (code) => {
          if (hosts.get(snapshotId) !== host) return
          const text = `the engine for ${file} exited (code ${code})`
          failHost(snapshotId, host, text)
          reject(new ApiError('engine-crashed', text))
        })
        worker.postMessage({ type: 'load', file } satisfies HostRequest)
      })
    } catch (error) {
      hosts.delete(snapshotId)
      await worker.terminate()
      throw error
    } finally {
      if (operationId) operations.delete(operationId)
    }
  }

  const query = async (method: QueryMethod, raw: unknown): Promise<unknown> => {
    const args = parseArgs(method, raw) as { snapshotId: string }
    const host = hostOf(args.snapshotId)
    const id = host.nextId++
    return new Promise((resolve, reject) => {
      host.pending.set(id, { resolve, reject })
      host.worker.postMessage({ type: 'query', id, method, args } satisfies HostRequest)
    })
  }

  const handlers: { [M in ApiMethod]: (raw: unknown) => Promise<ApiResults[M]> } = {
    openSnapshot,
    closeSnapshot: async (raw) => {
      const { snapshotId } = parseArgs('closeSnapshot', raw)
      const host = hosts.get(snapshotId)
      if (!host) throw new ApiError('no-snapshot', `no open snapshot ${snapshotId}`)
      hosts.delete(snapshotId)
      for (const { reject } of host.pending.values())
        reject(new ApiError('closed', 'the snapshot was closed'))
      await host.worker.terminate()
      return null
    },
    listSnapshots: async (raw) => {
      parseArgs('listSnapshots', raw)
      return [...hosts.values()].flatMap((host) => (host.info ? [host.info] : []))
    },
    cancel: async (raw) => {
      const { operationId } = parseArgs('cancel', raw)
      operations.get(operationId)?.worker.postMessage({ type: 'cancel' } satisfies HostRequest)
      return null
    },
    ...(Object.fromEntries(
      QUERY_METHODS.map((method) => [method, (raw: unknown) => query(method, raw)]),
    ) as { [M in QueryMethod]: (raw: unknown) => Promise<ApiResults[M]> }),
  }

  const call = async (method: string, args: unknown): Promise<unknown> => {
    if (!Object.hasOwn(API_METHODS, method)) {
      throw new ApiError('no-method', `unknown method ${method}`)
    }
    return handlers[method as ApiMethod](args)
  }

  return {
    ...(handlers as unknown as HeapgraphApi),
    onProgress(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    call,
    async dispose() {
      const all = [...hosts.values()]
      hosts.clear()
      await Promise.all(all.map((host) => host.worker.terminate()))
    },
  }
}
