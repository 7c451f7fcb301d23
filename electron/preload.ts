// The desktop renderer's only bridge: exposes HeapgraphApi (one invoke per protocol method,
// plus progress events) through contextBridge, and nothing else. Runs sandboxed.
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { API_METHODS, type ProgressEvent } from '../shared/protocol'
import { channelOf, PROGRESS_CHANNEL } from './ipc'

const api: Record<string, unknown> = {}
for (const method of Object.keys(API_METHODS)) {
  api[method] = (args: unknown) => ipcRenderer.invoke(channelOf(method), args)
}
api.onProgress = (listener: (event: ProgressEvent) => void) => {
  const handler = (_event: unknown, progress: ProgressEvent): void => listener(progress)
  ipcRenderer.on(PROGRESS_CHANNEL, handler)
  return () => ipcRenderer.off(PROGRESS_CHANNEL, handler)
}
// Dropped files: a sandboxed renderer cannot see their paths; this returns the path of one.
api.pathForFile = (file: File) => webUtils.getPathForFile(file)

contextBridge.exposeInMainWorld('heapgraph', api)
