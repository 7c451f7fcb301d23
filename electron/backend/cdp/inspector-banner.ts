// Reads the WebSocket URL a `node --inspect` child prints on stderr ("Debugger listening on
// ws://…"), with a deadline, and says plainly what went wrong when it never comes.
import type { ChildProcess } from 'node:child_process'

const LISTENING = /Debugger listening on (ws:\/\/[^\s]+)/

/** Resolves with the inspector's WebSocket URL; keeps draining stderr afterwards. */
export function readInspectorBanner(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = ''
    const finish = (error: Error | null, url?: string): void => {
      clearTimeout(timer)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      // Keep draining stderr so the child never blocks on a full pipe.
      child.stderr?.resume()
      if (error) reject(error)
      else resolve(url as string)
    }
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString('utf8')
      const match = LISTENING.exec(stderr)
      if (match) finish(null, match[1])
    }
    const onExit = (code: number | null, signal: string | null): void =>
      finish(
        new Error(
          `node --inspect exited (${signal ?? code}) before opening its inspector; stderr: ${stderr.trim()}`,
        ),
      )
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `node --inspect printed no "Debugger listening on ws://..." within ${timeoutMs} ms; stderr: ${stderr.trim()}`,
          ),
        ),
      timeoutMs,
    )
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}
