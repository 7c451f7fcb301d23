// Picks the transport: the desktop preload's bridge when present, otherwise web mode's WebSocket
// (same origin, token from the page URL). Either way the UI sees one HeapgraphApi.
import type { ApiMethod, HeapgraphApi, MenuCommand } from '../../shared/protocol'
import { createReplyClient, type RpcReply } from '../../shared/rpc/rpc'
import { connectWebSocketApi } from '../../shared/rpc/websocket-channel'

/** What electron/preload.ts exposes. */
export interface DesktopBridge {
  invoke: Record<ApiMethod, (args: unknown) => Promise<RpcReply>>
  onProgress: HeapgraphApi['onProgress']
  onSnapshot: HeapgraphApi['onSnapshot']
  /** Subscribes to the app menu's commands; returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void
  pathForFile(file: File): string
}

declare global {
  interface Window {
    heapgraphDesktop?: DesktopBridge
  }
}

/** The desktop bridge, when the UI runs in the app's window. */
export function desktopBridge(): DesktopBridge | undefined {
  return window.heapgraphDesktop
}

export async function connectApi(): Promise<HeapgraphApi> {
  const desktop = window.heapgraphDesktop
  if (desktop) {
    return createReplyClient((method, args) => desktop.invoke[method](args), desktop)
  }
  const token = new URLSearchParams(location.search).get('token') ?? ''
  const socket = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(token)}`)
  return connectWebSocketApi(socket)
}
