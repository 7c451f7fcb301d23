// One conformance suite for HeapgraphApi, run against every transport this machine can reach:
// the backend called directly, the web mode's WebSocket, and the desktop app's reply-shaped
// IPC (the same settle/createReplyClient pair as electron/main.ts and the renderer, minus
// Electron itself). Same answers, same errors. Then the
// web server's guards: loopback only, per-run token, foreign Origins refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { startWebServer, type WebServer } from '../../electron/web-server'
import type { HeapgraphApi, ProgressEvent } from '../../shared/protocol'
import { createReplyClient, settle } from '../../shared/rpc/rpc'
import { connectWebSocketApi, type WebSocketLike } from '../../shared/rpc/websocket-channel'
import { rejection } from '../helpers/api'
import { fixture } from '../helpers/fixtures'

let backend: Backend
let server: WebServer
let webApi: HeapgraphApi & { close(): void }
let ipcApi: HeapgraphApi

beforeAll(async () => {
  backend = createBackend()
  server = await startWebServer(backend)
  webApi = await connectWebSocketApi(new WebSocket(server.apiUrl) as unknown as WebSocketLike)
  ipcApi = createReplyClient(
    // Through structuredClone, as Electron's IPC copies arguments and replies.
    async (method, args) =>
      structuredClone(await settle(backend.call, method, structuredClone(args))),
    {
      onProgress: (listener) => backend.onProgress(listener),
      onSnapshot: (listener) => backend.onSnapshot(listener),
    },
  )
}, 60_000)

afterAll(async () => {
  webApi.close()
  await server.close()
  await backend.dispose()
})

const transports: Array<[string, () => HeapgraphApi]> = [
  ['direct', () => backend],
  ['websocket', () => webApi],
  ['ipc replies', () => ipcApi],
]

describe.each(transports)('HeapgraphApi over %s', (_name, api) => {
  let snapshotId = ''
  const progress: ProgressEvent[] = []

  beforeAll(async () => {
    const file = await fixture('map-cache')
    const operationId = `open-${_name}`
    const unsubscribe = api().onProgress((event) => {
      if (event.operationId === operationId) progress.push(event)
    })
    const info = await api().openSnapshot({ file, operationId })
    unsubscribe()
    snapshotId = info.snapshotId
    expect(info.nodeCount).toBeGreaterThan(1000)
    expect(info.exposeInternals).toBe(false)
  }, 120_000)

  it('reports progress with phase names while a snapshot opens', () => {
    const phases = new Set(progress.map((event) => event.phase))
    // Analysed, or read back from the index cache of an earlier open in this run.
    expect(phases.has('Building dominator tree') || phases.has('Reading the index cache')).toBe(
      true,
    )
    expect(progress.at(-1)?.phase).toBe('Ready')
  })

  it('lists the open snapshot', async () => {
    const list = await api().listSnapshots({})
    expect(list.map((info) => info.snapshotId)).toContain(snapshotId)
  })

  it('answers summary, members, object, edges, retainers and paths for the leak', async () => {
    const summary = await api().getSummary({ snapshotId, count: 500, filter: 'Array' })
    const arrays = summary.items.find((entry) => entry.className === 'Array')
    expect(arrays).toBeDefined()
    const members = await api().getClassMembers({
      snapshotId,
      classKey: arrays?.classKey ?? '',
      count: 5,
    })
    expect(members.total).toBeGreaterThanOrEqual(100)
    // The fixture's leak: a hundred 1000-item arrays in global.leakCache.
    const catalog = await api().getArrays({ snapshotId, kinds: ['array'], count: 500 })
    const leaked = catalog.items.filter((entry) => entry.length === 1000)[0]
    expect(leaked).toBeDefined()
    const details = await api().getObject({ snapshotId, node: leaked.node })
    expect(details.id).toBe(leaked.id)
    const found = await api().findObject({ snapshotId, objectId: leaked.id })
    expect(found?.node).toBe(leaked.node)
    const retainers = await api().getRetainers({ snapshotId, node: leaked.node })
    expect(retainers.total).toBeGreaterThan(0)
    const edges = await api().getEdges({ snapshotId, node: leaked.node, count: 3 })
    expect(edges.items.length).toBeLessThanOrEqual(3)
    const { paths } = await api().findRetainerPaths({ snapshotId, node: leaked.node })
    expect(paths[0].map((step) => step.edge?.name)).toContain('leakCache')
    const search = await api().search({ snapshotId, text: `@${leaked.id}` })
    expect(search.items[0].node).toBe(leaked.node)
  })

  it('rejects malformed arguments with bad-arguments before any work', async () => {
    const calls: Array<Promise<unknown>> = [
      api().getObject({ snapshotId, node: -1 }),
      api().getObject({ snapshotId, node: 1.5 }),
      api().getSummary({ snapshotId, count: 1_000_000 }),
      (api().getEdges as (args: unknown) => Promise<unknown>)({ node: 1 }),
      (api().getObject as (args: unknown) => Promise<unknown>)('not an object'),
    ]
    for (const call of calls) expect((await rejection(call)).code).toBe('bad-arguments')
  })

  it('says which snapshot or object does not exist', async () => {
    expect((await rejection(api().getSummary({ snapshotId: 'nope' }))).code).toBe('no-snapshot')
    expect((await rejection(api().getObject({ snapshotId, node: 1e9 }))).code).toBe('no-object')
  })

  it('reports a bad file as a failed open, and stays usable', async () => {
    const error = await rejection(api().openSnapshot({ file: '/nonexistent/x.heapsnapshot' }))
    expect(error.code).toBe('io')
    expect(error.message).toMatch(/x\.heapsnapshot/)
    expect((await api().listSnapshots({})).length).toBeGreaterThan(0)
  })
})

describe('web server guards', () => {
  const tryConnect = (
    url: string,
    headers: Record<string, string> = {},
  ): Promise<number | 'open'> =>
    new Promise((resolve) => {
      const socket = new WebSocket(url, { headers })
      socket.on('open', () => {
        socket.close()
        resolve('open')
      })
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      socket.on('error', () => {})
    })

  it('listens on loopback only', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1')
  })

  it('refuses a missing or wrong token', async () => {
    const base = server.apiUrl.replace(/\?token=.*$/, '')
    expect(await tryConnect(base)).toBe(401)
    expect(await tryConnect(`${base}?token=${'x'.repeat(server.token.length)}`)).toBe(401)
  })

  it('refuses foreign Origins and accepts its own', async () => {
    expect(await tryConnect(server.apiUrl, { origin: 'https://evil.example' })).toBe(403)
    expect(await tryConnect(server.apiUrl, { origin: `http://127.0.0.1:${server.port}` })).toBe(
      'open',
    )
  })

  it('refuses to listen on a non-loopback address', async () => {
    await expect(startWebServer(backend, { host: '0.0.0.0' })).rejects.toThrow(/loopback/)
  })
})
