// The CLI's attach commands: targets, processes, capture and watch, over CDP. Targets are chosen
// by the user (never by a library default); hosts are loopback unless --allow-remote, which
// prints a warning because CDP gives full control of the target.
import {
  AttachError,
  DEFAULT_ENDPOINT,
  findTarget,
  isLoopback,
  listTargets,
  type CdpTarget,
} from '../backend/cdp/endpoint'
import { listNodeProcesses, openInspector } from '../backend/cdp/node-processes'
import { TargetSession } from '../backend/cdp/session'
import { HeapTimeline } from '../backend/cdp/timeline'
import type { Progress } from '../../shared/heap/progress'
import type { HeapSnapshot } from '../../shared/heap/snapshot'
import { getSummary } from '../../shared/heap/queries/summary'
import { parseDuration, UsageError } from './arguments'
import { snapshotInfo } from './commands'
import { clip, formatBytes, table } from './format'
import { runPythonCapture } from './python-capture-command'

export interface AttachContext {
  json: boolean
  out: (text: string) => void
  warn: (text: string) => void
  values: Record<string, string | boolean | undefined>
  onProgress: (progress: Progress) => void
}

export function option(context: AttachContext, name: string): string | undefined {
  const value = context.values[name]
  return typeof value === 'string' ? value : undefined
}

function port(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new UsageError(`--port takes a port number from 1 to 65535, not "${text}"`)
  }
  return value
}

function remoteOptions(context: AttachContext, host: string): { allowRemote: boolean } {
  const allowRemote = context.values['allow-remote'] === true
  if (allowRemote && !isLoopback(host)) {
    context.warn(
      `heapgraph: warning: attaching to ${host}, which is not this machine; the DevTools protocol gives full control of that process`,
    )
  }
  return { allowRemote }
}

/** Resolves --ws, --pid or --host/--port/--target to one target. */
export async function chooseTarget(
  context: AttachContext,
): Promise<{ webSocketUrl: string; allowRemote: boolean }> {
  const ws = option(context, 'ws')
  const pidText = option(context, 'pid')
  const chosen = [
    ws !== undefined,
    pidText !== undefined,
    context.values.port !== undefined,
  ].filter(Boolean).length
  if (chosen > 1) throw new UsageError('choose one of --ws, --pid and --port')
  if (ws !== undefined) {
    const host = new URL(ws).hostname.replace(/^\[|\]$/g, '')
    return { webSocketUrl: ws, ...remoteOptions(context, host) }
  }
  let endpoint = {
    host: option(context, 'host') ?? DEFAULT_ENDPOINT.host,
    port: port(option(context, 'port')) ?? DEFAULT_ENDPOINT.port,
  }
  if (pidText !== undefined) {
    if (!/^\d+$/.test(pidText)) throw new UsageError(`--pid takes a process id, not "${pidText}"`)
    endpoint = await openInspector(Number(pidText))
  }
  const remote = remoteOptions(context, endpoint.host)
  const target = await findTarget(endpoint, option(context, 'target'), remote)
  return { webSocketUrl: target.webSocketDebuggerUrl, allowRemote: remote.allowRemote }
}

export async function runTargets(context: AttachContext): Promise<void> {
  const host = option(context, 'host') ?? DEFAULT_ENDPOINT.host
  const endpoint = { host, port: port(option(context, 'port')) ?? DEFAULT_ENDPOINT.port }
  const targets = await listTargets(endpoint, remoteOptions(context, host))
  const rows = targets.map(({ id, type, title, url }: CdpTarget) => ({ id, type, title, url }))
  if (context.json) {
    context.out(JSON.stringify({ targets: rows }, null, 2))
    return
  }
  if (rows.length === 0) {
    context.out(`no debuggable targets at ${host}:${endpoint.port}`)
    return
  }
  context.out(targetTable(rows))
}

/** Targets as `targets` lists them (also the MCP server's text answer). */
export function targetTable(
  rows: readonly { id: string; type: string; title: string; url: string }[],
): string {
  return table(
    ['id', 'type', 'title', 'url'],
    rows.map((row) => [row.id, row.type, clip(row.title, 40), clip(row.url, 60)]),
    [false, false, false, false],
  )
}

export async function runProcesses(context: AttachContext): Promise<void> {
  const processes = await listNodeProcesses()
  if (context.json) {
    context.out(JSON.stringify({ processes }, null, 2))
    return
  }
  if (processes.length === 0) {
    context.out('no Node processes found')
    return
  }
  context.out(
    table(
      ['pid', 'inspector', 'command'],
      processes.map((entry) => [
        String(entry.pid),
        entry.inspectorPort === null ? '-' : `127.0.0.1:${entry.inspectorPort}`,
        clip(entry.command, 90),
      ]),
      [true, false, false],
    ),
  )
}

/**
 * What a capture says once its file is written and loaded: the file, its objects and size, and
 * the class retaining most (JSON with --json). `sizeInText`: the file's size in the line too.
 */
export function reportCapture(
  context: AttachContext,
  file: string,
  snapshot: HeapSnapshot,
  bytes: number,
  { sizeInText }: { sizeInText: boolean },
): void {
  const info = snapshotInfo(file, snapshot)
  const largest = getSummary(snapshot)[0] ?? null
  if (context.json) {
    const largestClass = largest && {
      className: largest.className,
      count: largest.count,
      retainedSize: largest.retainedSize,
    }
    context.out(JSON.stringify({ file, bytes, snapshot: info, largestClass }, null, 2))
    return
  }
  context.out(
    `wrote ${file}${sizeInText ? ` (${formatBytes(bytes)})` : ''}: ${info.nodeCount.toLocaleString('en-US')} objects, ${formatBytes(info.totalSize)} in all` +
      (largest
        ? `; largest retaining class ${largest.className} (${largest.count.toLocaleString('en-US')} objects, ${formatBytes(largest.retainedSize)} retained)`
        : ''),
  )
}

export async function runCapture(context: AttachContext, stop?: AbortSignal): Promise<void> {
  if (option(context, 'python-pid') !== undefined) return runPythonCapture(context, stop)
  for (const name of ['timeout', 'python']) {
    if (option(context, name) !== undefined)
      throw new UsageError(`--${name} applies only with --python-pid`)
  }
  const file = option(context, 'output')
  if (file === undefined) throw new UsageError('capture needs -o FILE for the snapshot')
  const { webSocketUrl, allowRemote } = await chooseTarget(context)
  const session = await TargetSession.connect(webSocketUrl, { allowRemote })
  try {
    if (context.values.gc === true) await session.collectGarbage()
    const result = await session.takeSnapshot({
      file,
      exposeInternals: context.values['expose-internals'] === true,
      captureNumericValue: context.values['numeric-values'] === true,
      onProgress: context.onProgress,
    })
    reportCapture(context, file, result.snapshot, result.bytes, { sizeInText: true })
  } finally {
    await session.close()
  }
}

export async function runWatch(context: AttachContext, stopSignal: AbortSignal): Promise<void> {
  const intervalMs = parseDuration(option(context, 'interval') ?? '1s', 'interval')
  const durationMs = parseDuration(option(context, 'duration') ?? '60s', 'duration')
  if (intervalMs < 50) throw new UsageError('--interval must be at least 50ms')
  const csv = context.values.csv === true
  const { webSocketUrl, allowRemote } = await chooseTarget(context)
  const session = await TargetSession.connect(webSocketUrl, { allowRemote })
  const optionalBytes = (value: number | null): string =>
    value === null ? '-' : formatBytes(value)
  if (csv) context.out('timeMs,usedSize,totalSize,embedderHeapUsedSize,backingStorageSize')
  else context.out('time s     used       total      backing store  embedder')
  try {
    await new Promise<void>((resolve, reject) => {
      const timeline = new HeapTimeline(session, {
        intervalMs,
        onSample: (sample) => {
          if (csv) {
            context.out(
              [
                Math.round(sample.timeMs),
                sample.usedSize,
                sample.totalSize,
                sample.embedderHeapUsedSize ?? '',
                sample.backingStorageSize ?? '',
              ].join(','),
            )
          } else {
            context.out(
              `${(sample.timeMs / 1000).toFixed(1).padStart(6)}  ${formatBytes(sample.usedSize).padStart(9)}  ${formatBytes(sample.totalSize).padStart(9)}  ${optionalBytes(sample.backingStorageSize).padStart(13)}  ${optionalBytes(sample.embedderHeapUsedSize).padStart(8)}`,
            )
          }
        },
        onError: (error) => {
          clearTimeout(timer)
          reject(
            error instanceof AttachError && error.code === 'disconnected'
              ? new AttachError('disconnected', 'the target exited; watch stopped')
              : error,
          )
        },
      })
      const finish = (): void => {
        timeline.stop()
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(finish, durationMs)
      stopSignal.addEventListener('abort', finish, { once: true })
      timeline.start()
    })
  } finally {
    await session.close()
  }
}
