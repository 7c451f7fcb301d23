// The desktop renderer's only bridge: one invoke per protocol method (each resolving to a reply:
// a result, or an error's code and message), progress events, menu commands, and the path of a
// dropped file, exposed through contextBridge, and nothing else. Runs sandboxed.
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import {
  API_METHODS,
  type MenuCommand,
  type ProgressEvent,
  type SnapshotEvent,
} from '../shared/protocol'
import type { RpcReply } from '../shared/rpc/rpc'
import { channelOf, MENU_CHANNEL, PROGRESS_CHANNEL, SNAPSHOT_CHANNEL } from './ipc'

const invokers: Record<string, (args: unknown) => Promise<RpcReply>> = {}
for (const method of Object.keys(API_METHODS)) {
  invokers[method] = (args: unknown) => ipcRenderer.invoke(channelOf(method), args)
}

contextBridge.exposeInMainWorld('heapgraphDesktop', {
  invoke: invokers,
  onProgress(listener: (event: ProgressEvent) => void) {
    const handler = (_event: unknown, progress: ProgressEvent): void => listener(progress)
    ipcRenderer.on(PROGRESS_CHANNEL, handler)
    return () => ipcRenderer.off(PROGRESS_CHANNEL, handler)
  },
  onSnapshot(listener: (event: SnapshotEvent) => void) {
    const handler = (_event: unknown, snapshot: SnapshotEvent): void => listener(snapshot)
    ipcRenderer.on(SNAPSHOT_CHANNEL, handler)
    return () => ipcRenderer.off(SNAPSHOT_CHANNEL, handler)
  },
  onMenu(listener: (command: MenuCommand) => void) {
    const handler = (_event: unknown, command: MenuCommand): void => listener(command)
    ipcRenderer.on(MENU_CHANNEL, handler)
    return () => ipcRenderer.off(MENU_CHANNEL, handler)
  },
  // A sandboxed renderer cannot see a dropped file's path; this returns it.
  pathForFile: (file: File) => webUtils.getPathForFile(file),
})
