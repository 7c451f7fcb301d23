// How the backend talks to an engine host: a channel to one child process per open snapshot, so
// each snapshot has its own memory cage and a crash (or an out-of-memory kill) takes down only
// that snapshot. Web mode, the CLI's server and the tests fork a Node child; the desktop app
// passes its own spawner that starts an Electron utilityProcess (engine/utility-process.ts).
import { fork } from 'node:child_process'
import type { HostMessage, HostRequest } from './host'

export interface HostChannel {
  /** The host's process id, once it has started. */
  readonly pid: number | undefined
  post(message: HostRequest): void
  onMessage(listener: (message: HostMessage) => void): void
  /** Called once when the host is gone for any reason, with that reason in words. */
  onExit(listener: (reason: string) => void): void
  /** Stops the host and resolves when it has exited. */
  kill(): Promise<void>
}

export type SpawnHost = (entry: string) => HostChannel

function exitReason(code: number | null, signal: string | null): string {
  if (signal === 'SIGKILL') return 'was killed (SIGKILL; out of memory?)'
  if (signal) return `was stopped by ${signal}`
  return `exited with code ${code}`
}

/** Forks a Node child running the engine host at `entry` (structured-clone messages). */
export const forkHost: SpawnHost = (entry) => forkHostTo(entry, 'inherit')

/**
 * Engine hosts whose stdout goes to this process's stderr: for a parent whose stdout carries a
 * protocol (the MCP server's stdio).
 */
export const forkHostQuiet: SpawnHost = (entry) => forkHostTo(entry, 'stderr')

function forkHostTo(entry: string, stdout: 'inherit' | 'stderr'): HostChannel {
  const child = fork(entry, [], {
    serialization: 'advanced',
    // Not the parent's flags (a test runner's): the entry is compiled JavaScript.
    execArgv: [],
    stdio: ['ignore', stdout === 'stderr' ? 2 : 'inherit', 'inherit', 'ipc'],
  })
  let exited = false
  const exitListeners: ((reason: string) => void)[] = []
  const finish = (reason: string): void => {
    if (exited) return
    exited = true
    for (const listener of exitListeners) listener(reason)
  }
  child.on('exit', (code, signal) => finish(exitReason(code, signal)))
  child.on('error', (error) => finish(`could not run: ${error.message}`))
  return {
    get pid() {
      return child.pid
    },
    post(message) {
      if (!exited && child.connected) child.send(message)
    },
    onMessage(listener) {
      child.on('message', (message) => listener(message as HostMessage))
    },
    onExit(listener) {
      exitListeners.push(listener)
    },
    kill() {
      if (exited || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
      return new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      })
    },
  }
}
