// The desktop app's engine hosts: each open snapshot runs in an Electron utilityProcess (a
// Chromium-managed child with its own V8 heap), behind the same HostChannel as web mode's forks.
import { utilityProcess } from 'electron'
import type { HostMessage } from './host'
import type { HostChannel, SpawnHost } from './fork'

export const utilityHost: SpawnHost = (entry) => {
  const child = utilityProcess.fork(entry, [], {
    serviceName: 'Heapgraph engine',
    stdio: 'inherit',
  })
  let exited = false
  const exitListeners: ((reason: string) => void)[] = []
  const exitWaiters: (() => void)[] = []
  child.on('exit', (code) => {
    exited = true
    for (const listener of exitListeners) listener(`exited with code ${code}`)
    for (const resolve of exitWaiters) resolve()
  })
  const channel: HostChannel = {
    get pid() {
      return child.pid
    },
    post(message) {
      if (!exited) child.postMessage(message)
    },
    onMessage(listener) {
      child.on('message', (message: HostMessage) => listener(message))
    },
    onExit(listener) {
      exitListeners.push(listener)
    },
    kill() {
      if (exited) return Promise.resolve()
      return new Promise((resolve) => {
        exitWaiters.push(resolve)
        child.kill()
      })
    },
  }
  return channel
}
