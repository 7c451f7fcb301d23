// `heapgraph mcp`: a Model Context Protocol server over stdio (the official SDK's McpServer and
// StdioServerTransport) on one backend for its whole life, so snapshots stay open between calls.
// stdout carries the protocol alone (logs go to stderr). When stdin ends, or on SIGINT/SIGTERM,
// the backend is disposed, which ends every engine process; engine hosts also exit by
// themselves when this process dies without a word (they watch their IPC channel).
import { readFileSync } from 'node:fs'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { createBackend } from '../backend/backend'
import { forkHostQuiet } from '../backend/engine/fork'
import { DEFAULT_ROWS, MAX_ROWS, MAX_TEXT_CHARS, oneLine } from './answers'
import { registerAnalysisTools } from './analysis-tools'
import { registerAttachTools } from './attach-tools'
import { registerCompareTools } from './compare-tools'
import { registerObjectTools } from './object-tools'
import { registerSnapshotTools } from './snapshot-tools'

const INSTRUCTIONS = `Heapgraph answers why objects in a V8 heap snapshot (Node, Chrome, Electron) are still alive and what would free them.
Start with open_snapshot (or capture from a running process), then summary or arrays to see what is big (duplicate_strings, detached_dom, closure_leaks, retained_by for known leak patterns), why for what holds an object, what_if_cut to check a fix; diff and find_leaks compare snapshots of one process.
Objects are named by V8's @id (as "@123" or 123). Lists are paged: ${DEFAULT_ROWS} rows by default, at most ${MAX_ROWS} (count), from start; each answer says where the next page starts. Text answers stop at ${MAX_TEXT_CHARS} characters; the structured content has the whole page.`

/** The package's version (two folders up from the source file and from the bundle alike). */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
    const { version } = JSON.parse(text) as { version?: unknown }
    return typeof version === 'string' ? version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}

/**
 * The SDK's own tool errors (arguments its schema check refused, an unknown tool) as one line,
 * without the JSON-RPC code: `bad arguments for why: … at snapshotId`.
 */
function sdkErrorLine(text: string): string {
  return oneLine(
    text
      .replace(/^MCP error -?\d+: /, '')
      .replace(
        /^Input validation error: Invalid arguments for tool (\S+): /,
        'bad arguments for $1: ',
      ),
  )
}

/** Rewrites tool errors in outgoing results to one line each. */
function withOneLineErrors(message: JSONRPCMessage): JSONRPCMessage {
  if (!('result' in message)) return message
  const result = message.result as { isError?: unknown; content?: unknown }
  if (result.isError !== true || !Array.isArray(result.content)) return message
  const content = (result.content as { type?: unknown; text?: unknown }[]).map((part) =>
    part.type === 'text' && typeof part.text === 'string'
      ? { ...part, text: sdkErrorLine(part.text) }
      : part,
  )
  return { ...message, result: { ...message.result, content } }
}

/** The SDK's stdio transport, with every tool error in one line. */
class StdioTransport extends StdioServerTransport {
  override send(message: JSONRPCMessage): Promise<void> {
    return super.send(withOneLineErrors(message))
  }
}

/** Runs the server until its input ends or it is told to stop; returns the exit code. */
export async function runMcp(): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`heapgraph mcp: ${line}\n`)
  // The engines' stdout goes to stderr: this process's stdout is the protocol's.
  const backend = createBackend({ spawnHost: forkHostQuiet })
  const server = new McpServer(
    { name: 'heapgraph', title: 'Heapgraph', version: packageVersion() },
    { instructions: INSTRUCTIONS },
  )
  const context = { server, backend, log }
  registerSnapshotTools(context)
  registerObjectTools(context)
  registerCompareTools(context)
  registerAnalysisTools(context)
  registerAttachTools(context)

  let stop: (reason: string) => void = () => {}
  const stopped = new Promise<string>((resolve) => (stop = resolve))
  const onSignal = (signal: NodeJS.Signals): void => stop(signal)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.stdin.once('end', () => stop('its input ended'))
  process.stdin.once('close', () => stop('its input closed'))
  const onRejection = (reason: unknown): void =>
    log(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    )
  process.on('unhandledRejection', onRejection)

  const transport = new StdioTransport()
  transport.onerror = (error) => log(`transport: ${error.message}`)
  server.server.onclose = () => stop('the connection closed')
  await server.connect(transport)

  const reason = await stopped
  log(`stopping (${reason}); ending the engine processes`)
  // Nothing may keep this process alive once the engines are gone.
  setTimeout(() => process.exit(process.exitCode ?? 0), 5000).unref()
  await backend.dispose()
  await server.close().catch(() => {})
  process.stdin.destroy()
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  process.off('unhandledRejection', onRejection)
  return 0
}
