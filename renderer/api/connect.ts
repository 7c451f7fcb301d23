// Picks the transport: the desktop preload's API when present, otherwise web mode's WebSocket
// (same origin, token from the page URL). Either way the UI sees one HeapgraphApi.
import type { HeapgraphApi } from '../../shared/protocol'
import { connectWebSocketApi } from '../../shared/rpc/websocket-channel'

declare global {
  interface Window {
    heapgraph?: HeapgraphApi
  }
}

export async function connectApi(): Promise<HeapgraphApi> {
  if (window.heapgraph) return window.heapgraph
  const token = new URLSearchParams(location.search).get('token') ?? ''
  const socket = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(token)}`)
  return connectWebSocketApi(socket)
}
