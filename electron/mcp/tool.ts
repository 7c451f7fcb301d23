// How the MCP server's tools are declared and what they share: a strict zod input (unknown keys
// are errors) and an output schema per tool, every failure turned into a one-line tool error,
// and the look-ups several tools make through the backend (an object by @id, a class's largest
// instance, a snapshot's facts, progress of long operations).
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
} from '@modelcontextprotocol/sdk/types.js'
import { ApiError, type ObjectSummary, type SnapshotInfo } from '../../shared/protocol'
import { AttachError } from '../backend/cdp/endpoint'
import type { Backend } from '../backend/backend'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { failure, ToolError } from './answers'

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>

export interface ToolContext {
  server: McpServer
  backend: Backend
  /** Writes a line to the server's log (stderr; stdout carries the protocol alone). */
  log: (line: string) => void
}

interface ToolSpec<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  title: string
  description: string
  input: I
  output: O
  /** Only reads what is open (no snapshot opened or closed, no target touched). */
  readOnly: boolean
  run: (args: z.output<z.ZodObject<I>>, extra: ToolExtra) => Promise<CallToolResult>
}

/** Registers a tool whose failures, whatever they are, answer as one-line tool errors. */
export function addTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  context: ToolContext,
  name: string,
  spec: ToolSpec<I, O>,
): void {
  context.server.registerTool(
    name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: z.strictObject(spec.input),
      outputSchema: z.looseObject(spec.output),
      annotations: {
        title: spec.title,
        readOnlyHint: spec.readOnly,
        destructiveHint: false,
        idempotentHint: spec.readOnly,
        openWorldHint: false,
      },
    },
    async (args: unknown, extra: ToolExtra) => {
      try {
        return await spec.run(args as z.output<z.ZodObject<I>>, extra)
      } catch (error) {
        return failure(errorMessage(error, name, context.log))
      }
    },
  )
}

/** What a failure says: the engine's, the backend's or the tool's own message; else logged. */
function errorMessage(error: unknown, tool: string, log: (line: string) => void): string {
  if (
    error instanceof ToolError ||
    error instanceof ApiError ||
    error instanceof AttachError ||
    error instanceof HeapSnapshotError
  ) {
    return error.message
  }
  log(`${tool}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`
}

export const snapshotIdInput = z
  .string()
  .min(1)
  .max(64)
  .describe('a snapshot id, as open_snapshot, capture or list_snapshots answer it')

/** V8's object id, as the answers print it (`@123`) or as a number. */
export const objectRefInput = z
  .union([
    z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 53),
    z.string().regex(/^@?\d+$/, 'an object id is a number or "@123"'),
  ])
  .describe('an object\'s V8 id: 123 or "@123" (the @ids the answers print)')

export function objectIdOf(ref: number | string): number {
  return typeof ref === 'number' ? ref : Number(ref.replace(/^@/, ''))
}

/** The object with this @id, or a tool error saying there is none. */
export async function objectOf(
  backend: Backend,
  snapshotId: string,
  ref: number | string,
): Promise<ObjectSummary> {
  const objectId = objectIdOf(ref)
  const found = await backend.findObject({ snapshotId, objectId })
  if (!found) throw new ToolError(`no object @${objectId} in snapshot ${snapshotId}`)
  return found
}

/** The classes named exactly `className`, largest retained size first. */
export async function classesNamed(
  backend: Backend,
  snapshotId: string,
  className: string,
): Promise<{ classKey: string; count: number }[]> {
  const found: { classKey: string; count: number }[] = []
  // The summary's filter keeps names that contain the text; exact names are among them.
  for (let start = 0; ;) {
    const page = await backend.getSummary({ snapshotId, filter: className, start, count: 10_000 })
    for (const entry of page.items) if (entry.className === className) found.push(entry)
    start += page.items.length
    if (page.items.length === 0 || start >= page.total) break
  }
  return found
}

/** Up to `count` class names that contain `text` (what a tool suggests when none is named so). */
export async function similarClasses(
  backend: Backend,
  snapshotId: string,
  text: string,
  count = 8,
): Promise<string[]> {
  const page = await backend.getSummary({ snapshotId, filter: text, start: 0, count })
  return page.items.map((entry) => entry.className)
}

/**
 * The object a `why` target names: `@id` (or a bare number), or a class name (its instance with
 * the largest retained size, as `heapgraph why` picks it).
 */
export async function resolveTarget(
  backend: Backend,
  snapshotId: string,
  target: string | number,
): Promise<ObjectSummary> {
  if (typeof target === 'number' || /^@?\d+$/.test(target)) {
    return objectOf(backend, snapshotId, target)
  }
  const classes = await classesNamed(backend, snapshotId, target)
  let best: ObjectSummary | null = null
  for (const { classKey } of classes) {
    const page = await backend.getClassMembers({
      snapshotId,
      classKey,
      start: 0,
      count: 1,
      withPreview: false,
    })
    const first = page.items[0]
    if (first && (!best || first.retainedSize > best.retainedSize)) best = first
  }
  if (best) return best
  const similar = await similarClasses(backend, snapshotId, target)
  throw new ToolError(
    `no object of class "${target}" in snapshot ${snapshotId}` +
      (similar.length > 0 ? `; classes whose name contains it: ${similar.join(', ')}` : ''),
  )
}

/** The facts of an open snapshot. */
export async function snapshotInfo(backend: Backend, snapshotId: string): Promise<SnapshotInfo> {
  const info = (await backend.listSnapshots({})).find((entry) => entry.snapshotId === snapshotId)
  if (!info) throw new ToolError(`no open snapshot ${snapshotId}`)
  return info
}

/** A snapshot's facts as the tools answer them (not the attach session it came from). */
export function snapshotFacts(info: SnapshotInfo): Omit<SnapshotInfo, 'attachId' | 'rootNode'> {
  const { snapshotId, file, nodeCount, edgeCount, totalSize } = info
  const { exposeInternals, allocationStacks, allocationTimeline } = info
  return {
    snapshotId,
    file,
    nodeCount,
    edgeCount,
    totalSize,
    exposeInternals,
    allocationStacks,
    allocationTimeline,
  }
}

/** Least time between two progress notifications of one operation. */
const PROGRESS_INTERVAL_MS = 250

/**
 * An operation id for a long backend call (open, capture): its progress goes to the client as
 * MCP progress notifications when the request asked for them, and the client's cancellation
 * cancels it. `done()` stops both.
 */
export function followOperation(
  backend: Backend,
  extra: ToolExtra,
): { operationId: string; done(): void } {
  const operationId = randomUUID()
  const progressToken = extra._meta?.progressToken
  let last = 0
  const stopProgress =
    progressToken === undefined
      ? () => {}
      : backend.onProgress((event) => {
          if (event.operationId !== operationId) return
          const now = Date.now()
          if (now - last < PROGRESS_INTERVAL_MS && event.done < event.total) return
          last = now
          extra
            .sendNotification({
              method: 'notifications/progress',
              params: {
                progressToken,
                progress: event.done,
                ...(event.total > 0 ? { total: event.total } : {}),
                message: event.phase,
              },
            })
            .catch(() => {})
        })
  const onAbort = (): void => void backend.cancel({ operationId }).catch(() => {})
  extra.signal.addEventListener('abort', onAbort, { once: true })
  return {
    operationId,
    done() {
      stopProgress()
      extra.signal.removeEventListener('abort', onAbort)
    },
  }
}
