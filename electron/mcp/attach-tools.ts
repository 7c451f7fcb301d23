// The MCP tools that reach running processes over the DevTools protocol: list a port's targets
// and capture a heap snapshot, which then stays open like one opened from a file. Loopback only
// (the backend refuses other hosts: CDP gives full control of the target); no tool evaluates
// code in the target.
import { z } from 'zod'
import { ApiError, type TargetInfo } from '../../shared/protocol'
import { headerLine } from '../cli/commands'
import { targetTable } from '../cli/attach-commands'
import { answer, snapshotInfoOutput, ToolError } from './answers'
import { addTool, followOperation, snapshotFacts, type ToolContext } from './tool'

const LOOPBACK = '127.0.0.1'

const portInput = z.number().int().min(1).max(65535)

const targetOutput = z.looseObject({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  url: z.string(),
  webSocketUrl: z.string(),
})

/**
 * The one target of a port to capture: `targetId`'s, or the only one (never a guess among
 * several), as `heapgraph capture --port` chooses.
 */
function chooseTarget(
  targets: TargetInfo[],
  port: number,
  targetId: string | undefined,
): TargetInfo {
  const where = `${LOOPBACK}:${port}`
  let target: TargetInfo | undefined
  if (targetId === undefined) {
    if (targets.length !== 1) {
      const ids = targets.map((entry) => `${entry.id} (${entry.type} ${entry.title || entry.url})`)
      throw new ToolError(
        targets.length === 0
          ? `${where} has no debuggable targets`
          : `${where} has ${targets.length} targets; choose one with targetId: ${ids.join(', ')}`,
      )
    }
    target = targets[0]
  } else {
    target = targets.find((entry) => entry.id === targetId)
    if (!target) throw new ToolError(`no target ${targetId} at ${where} (it may have closed)`)
  }
  if (target.type === 'worker') {
    throw new ToolError(
      `target ${target.id} is a dedicated worker, which cannot be attached on its own; capture its page instead`,
    )
  }
  if (!target.webSocketUrl) {
    throw new ToolError(
      `target ${target.id} has no WebSocket URL: another debugger is attached to it`,
    )
  }
  return target
}

export function registerAttachTools(context: ToolContext): void {
  const { backend } = context

  addTool(context, 'list_targets', {
    title: 'List debuggable targets',
    description: `The debuggable targets of a DevTools endpoint on this machine (${LOOPBACK}): a \`node --inspect\` process (port 9229 by default) or a Chrome started with --remote-debugging-port.`,
    input: { port: portInput.default(9229).describe('the inspector port (default 9229)') },
    output: { host: z.string(), port: z.number(), targets: z.array(targetOutput) },
    readOnly: true,
    run: async ({ port }) => {
      const targets = await backend.listTargets({ host: LOOPBACK, port })
      const text =
        targets.length === 0 ? `no debuggable targets at ${LOOPBACK}:${port}` : targetTable(targets)
      return answer(text, { host: LOOPBACK, port, targets })
    },
  })

  addTool(context, 'capture', {
    title: 'Capture a heap snapshot',
    description: `Takes a heap snapshot of a running process on this machine and opens it (answers its snapshotId, like open_snapshot). The process is given by exactly one of: port (its inspector port on ${LOOPBACK}; targetId picks one of several targets), ws (a target's ws:// URL on this machine) or pid (a local Node process, whose inspector is opened with SIGUSR1). gc collects garbage first. The file is kept in the capture folder. Evaluates no code in the target.`,
    input: {
      port: portInput.optional(),
      targetId: z.string().min(1).max(200).optional().describe("one of the port's targets"),
      ws: z.string().min(1).max(2048).optional().describe("a target's WebSocket URL"),
      pid: z.number().int().positive().optional().describe('a local Node process id'),
      gc: z.boolean().default(false).describe('collect garbage before the snapshot'),
      exposeInternals: z.boolean().default(false).describe("V8's option of that name"),
    },
    output: snapshotInfoOutput.shape,
    readOnly: false,
    run: async ({ port, targetId, ws, pid, gc, exposeInternals }, extra) => {
      const given = [port, ws, pid].filter((value) => value !== undefined).length
      if (given !== 1) throw new ToolError('capture takes exactly one of port, ws and pid')
      if (targetId !== undefined && port === undefined) {
        throw new ToolError('targetId goes with port')
      }
      let attachArgs: { webSocketUrl: string } | { pid: number }
      if (pid !== undefined) attachArgs = { pid }
      else if (ws !== undefined) attachArgs = { webSocketUrl: ws }
      else {
        const chosen = port as number
        const targets = await backend.listTargets({ host: LOOPBACK, port: chosen })
        attachArgs = { webSocketUrl: chooseTarget(targets, chosen, targetId).webSocketUrl }
      }
      const { attachId, title } = await backend.attach(attachArgs).catch((error: unknown) => {
        // The backend's message names the CLI's --allow-remote, which this server has not.
        if (error instanceof ApiError && error.code === 'remote-not-allowed') {
          throw new ToolError(
            `${ws} is not on this machine: capture attaches to loopback targets only (the DevTools protocol gives full control of the target)`,
          )
        }
        throw error
      })
      const operation = followOperation(backend, extra)
      try {
        if (gc) await backend.collectGarbage({ attachId })
        const info = await backend.captureSnapshot({
          attachId,
          exposeInternals,
          operationId: operation.operationId,
        })
        return answer(
          `captured ${title}${gc ? ' (after collecting garbage)' : ''}\n${headerLine(info)}\nsnapshotId: ${info.snapshotId}`,
          snapshotFacts(info),
        )
      } finally {
        operation.done()
        await backend.detach({ attachId }).catch(() => {})
      }
    },
  })
}
