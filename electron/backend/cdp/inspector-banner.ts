// Waiting for a child process to print something: the WebSocket URL a `node --inspect` child
// prints on stderr ("Debugger listening on ws://…"), or a program's ready line, with a deadline,
// saying plainly what went wrong when it never comes.
import type { ChildProcess } from 'node:child_process'

const LISTENING = /Debugger listening on (ws:\/\/[^\s]+)/

/** What to say when the child exits first, or when the deadline passes. */
export interface OutputFailures {
  exited(code: number | null, signal: string | null, printed: string): string
  timedOut(printed: string): string
}

/**
 * Resolves with what `find` makes of everything the child has printed on `stream` so far, once
 * that is not null; keeps draining the stream afterwards so the child never blocks on a pipe.
 */
export function waitForOutput<T>(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  find: (printed: string) => T | null,
  timeoutMs: number,
  failures: OutputFailures,
): Promise<T> {
  const output = child[stream]
  return new Promise((resolve, reject) => {
    let printed = ''
    const finish = (error: Error | null, found?: T): void => {
      clearTimeout(timer)
      output?.off('data', onData)
      child.off('exit', onExit)
      output?.resume()
      if (error) reject(error)
      else resolve(found as T)
    }
    const onData = (chunk: Buffer): void => {
      printed += chunk.toString('utf8')
      const found = find(printed)
      if (found !== null) finish(null, found)
    }
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(failures.exited(code, signal, printed)))
    const timer = setTimeout(() => finish(new Error(failures.timedOut(printed))), timeoutMs)
    output?.on('data', onData)
    child.once('exit', onExit)
  })
}

/** Resolves with the inspector's WebSocket URL; keeps draining stderr afterwards. */
export function readInspectorBanner(child: ChildProcess, timeoutMs: number): Promise<string> {
  return waitForOutput(
    child,
    'stderr',
    (printed) => LISTENING.exec(printed)?.[1] ?? null,
    timeoutMs,
    {
      exited: (code, signal, printed) =>
        `node --inspect exited (${signal ?? code}) before opening its inspector; stderr: ${printed.trim()}`,
      timedOut: (printed) =>
        `node --inspect printed no "Debugger listening on ws://..." within ${timeoutMs} ms; stderr: ${printed.trim()}`,
    },
  )
}
