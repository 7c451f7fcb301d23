// The backend behind every transport: implements HeapgraphApi by starting one engine host (its
// own process) per open snapshot and routing queries to it. Arguments are validated against
// the protocol's schemas here, whatever the transport; a host that dies fails its pending calls
// and its snapshot, and nothing else: later calls on that snapshot say why it is gone.
import { createProfiles } from './profiles'
import { startRecording, type Recording } from './cdp/record'
import { randomUUID } from 'node:crypto'
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ApiError,
  isApiMethod,
  parseArgs,
  type ApiMethod,
  type ApiResults,
  type HeapgraphApi,
  type ProgressEvent,
  type RecordingInfo,
  type SnapshotInfo,
  type OpeningSnapshot,
  type SnapshotEvent,
} from '../../shared/protocol'
import { QUERY_METHODS, type QueryMethod } from './engine/queries'
import type { HostMessage, HostRequest, InternalOp, InternalOps } from './engine/host'
import type { ClassCount } from '../../shared/heap/queries/leaks'
import { forkHost, type HostChannel, type SpawnHost } from './engine/fork'

/** How long a closed snapshot's engine may take to finish writing its index cache. */
const CLOSE_GRACE_MS = 120_000
import { startDemo, type DemoProcess, type NodeCommand } from './demo'
import { defaultConfigDir, RecentFiles } from './recent-files'
import { CaptureFolder } from './capture-folder'
import { capturePythonHeap, listPythonProcesses } from './python-capture'
import { AttachError, findTarget, listTargets } from './cdp/endpoint'
import { HeapSnapshotError } from '../../shared/heap/errors'
import { listNodeProcesses, openInspector } from './cdp/node-processes'
import { TargetSession } from './cdp/session'

/**
 * The compiled engine host (scripts/build.mjs), found from this module whether it runs from
 * its source (tests) or from a bundle two folders deep in dist/ (the CLI); the desktop app
 * passes its own path.
 */
function defaultHostEntry(): string {
  return fileURLToPath(new URL('../../dist/electron/engine-host.cjs', import.meta.url))
}
/** Shows a file in the system's file manager (its folder where the file cannot be selected). */
export function revealInFileManager(file: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', ['-R', file]]
      : process.platform === 'win32'
        ? ['explorer', [`/select,${file}`]]
        : ['xdg-open', [dirname(file)]]
  const child = spawn(command, args, { stdio: 'ignore', detached: true })
  child.on('error', () => {})
  child.unref()
}

interface Host {
  info: SnapshotInfo | null
  channel: HostChannel
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: ApiError) => void }>
  nextId: number
  operationId: string
  /** Older snapshots whose condensed form this host has (or is being sent), by snapshot id. */
  diffBases: Map<string, Promise<void>>
  /** Set once the host died or was closed: why it answers no more. */
  gone: ApiError | null
}

type HostCall = Extract<HostRequest, { id: number }>
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export interface Backend extends HeapgraphApi {
  /** Calls a method by name with unvalidated arguments (what transports receive). */
  call(method: string, args: unknown): Promise<unknown>
  /**
   * The process id of the engine host of a snapshot, or of the snapshot an open operation is
   * still loading (for fault tests and diagnostics).
   */
  hostProcessId(snapshotOrOperationId: string): number | undefined
  /** Stops every engine host. */
  dispose(): Promise<void>
}

export interface BackendOptions {
  /** The engine host's entry file (the bundled one in the desktop app). */
  hostEntry?: string
  /** Starts an engine host process (an Electron utilityProcess in the desktop app). */
  spawnHost?: SpawnHost
  /** Where the recent-files list is kept (default: HEAPGRAPH_CONFIG_DIR or ~/.config/heapgraph). */
  configDir?: string
  /** How to run the demo program (the desktop app runs its own binary as Node). */
  node?: NodeCommand
  /**
   * Where captured snapshots are saved until the user chooses a folder (the settings keep that
   * choice); default: capture-folder.ts's.
   */
  captureDir?: string
  /** Shows a file in the system's file manager (the desktop app: Electron's shell). */
  reveal?: (file: string) => void
}

export function createBackend(options: BackendOptions = {}): Backend {
  const hostEntry = options.hostEntry ?? defaultHostEntry()
  const spawnHost = options.spawnHost ?? forkHost
  const configDir = options.configDir ?? defaultConfigDir()
  const captureFolder = new CaptureFolder(configDir, options.captureDir)
  const recent = new RecentFiles(configDir)
  const reveal = options.reveal ?? revealInFileManager
  const hosts = new Map<string, Host>()
  /** Why each snapshot whose engine died is gone. */
  const lost = new Map<string, string>()
  const listeners = new Set<(event: ProgressEvent) => void>()
  const operations = new Map<string, Host>()
  const emit = (event: ProgressEvent): void => {
    for (const listener of listeners) listener(event)
  }
  const snapshotListeners = new Set<(event: SnapshotEvent) => void>()
  const announce = (event: SnapshotEvent): void => {
    for (const listener of snapshotListeners) listener(event)
  }
  /** Snapshots being opened or captured, by operation id (what listOpening answers). */
  const opening = new Map<string, OpeningSnapshot>()

  const hostOf = (snapshotId: string): Host => {
    const host = hosts.get(snapshotId)
    const reason = lost.get(snapshotId)
    if (!host && reason) throw new ApiError('engine-crashed', reason)
    if (!host) throw new ApiError('no-snapshot', `no open snapshot ${snapshotId}`)
    if (!host.info) throw new ApiError('not-loaded', `snapshot ${snapshotId} is still loading`)
    return host
  }

  /** A host that will answer no more: its pending calls and any later one fail with `error`. */
  const retire = (host: Host, error: ApiError): void => {
    host.gone ??= error
    for (const { reject } of host.pending.values()) reject(host.gone)
    host.pending.clear()
  }

  const failHost = (snapshotId: string, host: Host, message: string): void => {
    retire(host, new ApiError('engine-crashed', message))
    hosts.delete(snapshotId)
    lost.set(snapshotId, message)
    // Pushed to the UI: a loaded snapshot it lists is gone (a failed load answers its open call).
    if (host.info) announce({ type: 'lost', snapshotId, file: host.info.file, reason: message })
  }

  /**
   * Starts an engine host for `file` and resolves with the snapshot once it is loaded; `feed`
   * sends the host its input (a load request, or a capture's streamed text). A failed load or
   * feed stops the host.
   */
  const loadInHost = async (
    file: string,
    givenOperationId: string | undefined,
    feed: (channel: HostChannel) => Promise<void>,
    attachId?: string,
  ): Promise<SnapshotInfo> => {
    // Every load has an operation, so every window can follow (and cancel) it.
    const operationId = givenOperationId ?? randomUUID()
    const snapshotId = randomUUID()
    const channel = spawnHost(hostEntry)
    const host: Host = {
      info: null,
      channel,
      pending: new Map(),
      nextId: 1,
      operationId,
      diffBases: new Map(),
      gone: null,
    }
    hosts.set(snapshotId, host)
    operations.set(operationId, host)
    opening.set(operationId, { operationId, file })
    announce({ type: 'opening', operationId, file })
    const loaded = new Promise<SnapshotInfo>((resolve, reject) => {
      channel.onMessage((message: HostMessage) => {
        if (message.type === 'progress') {
          emit({ operationId, phase: message.phase, done: message.done, total: message.total })
        } else if (message.type === 'loaded') {
          host.info = {
            snapshotId,
            file,
            nodeCount: message.nodeCount,
            edgeCount: message.edgeCount,
            totalSize: message.totalSize,
            exposeInternals: message.exposeInternals,
            allocationStacks: message.allocationStacks,
            allocationTimeline: message.allocationTimeline,
            rootNode: message.rootNode,
            ...(attachId ? { attachId } : {}),
          }
          resolve(host.info)
        } else if (message.type === 'load-failed') {
          reject(new ApiError(message.code, message.message))
        } else if (message.type === 'reply') {
          const waiting = host.pending.get(message.id)
          if (!waiting) return
          host.pending.delete(message.id)
          if (message.error) waiting.reject(new ApiError(message.error.code, message.error.message))
          else waiting.resolve(message.result)
        }
      })
      channel.onExit((reason) => {
        if (hosts.get(snapshotId) !== host) return
        const text = `the engine for ${file} ${reason}`
        failHost(snapshotId, host, text)
        reject(new ApiError('engine-crashed', text))
      })
    })
    loaded.catch(() => {})
    try {
      await feed(channel)
      const info = await loaded
      await recent.add({
        file,
        openedAt: Date.now(),
        nodeCount: info.nodeCount,
        totalSize: info.totalSize,
      })
      opening.delete(operationId)
      announce({ type: 'opened', operationId, snapshot: info })
      return info
    } catch (error) {
      hosts.delete(snapshotId)
      lost.delete(snapshotId)
      retire(host, new ApiError('closed', `${file} did not open`))
      await channel.kill()
      opening.delete(operationId)
      const message = error instanceof Error ? error.message : String(error)
      announce({ type: 'failed', operationId, file, message })
      throw error
    } finally {
      operations.delete(operationId)
    }
  }

  const openSnapshot = async (raw: unknown): Promise<SnapshotInfo> => {
    const { file, operationId } = parseArgs('openSnapshot', raw)
    return loadInHost(file, operationId, async (channel) =>
      channel.post({ type: 'load', file } satisfies HostRequest),
    )
  }

  /** Sends a host one request that it answers with a reply. */
  const ask = (host: Host, request: DistributiveOmit<HostCall, 'id'>): Promise<unknown> => {
    // A host looked up before an await may have died or closed since.
    if (host.gone) return Promise.reject(host.gone)
    const id = host.nextId++
    return new Promise((resolve, reject) => {
      host.pending.set(id, { resolve, reject })
      host.channel.post({ ...request, id } as HostCall)
    })
  }
  const internal = <O extends InternalOp>(
    host: Host,
    op: O,
    args: InternalOps[O]['args'],
  ): Promise<InternalOps[O]['result']> =>
    ask(host, { type: 'internal', op, args }) as Promise<InternalOps[O]['result']>

  /**
   * Gives a snapshot's host the condensed form of an older snapshot, once: the newer one's
   * interfaces go to the older one's host, whose answer goes to the newer one's host.
   */
  const ensureDiffBase = (after: Host, baseSnapshotId: string): Promise<void> => {
    const known = after.diffBases.get(baseSnapshotId)
    if (known) return known
    const base = hostOf(baseSnapshotId)
    const sending = (async () => {
      const definitions = await internal(after, 'interfaceDefinitions', null)
      const condensed = await internal(base, 'diffBase', { definitions })
      await internal(after, 'setDiffBase', { baseSnapshotId, base: condensed })
    })()
    after.diffBases.set(baseSnapshotId, sending)
    sending.catch(() => after.diffBases.delete(baseSnapshotId))
    return sending
  }

  const query = async (method: QueryMethod, raw: unknown): Promise<unknown> => {
    const args = parseArgs(method, raw) as { snapshotId: string; baseSnapshotId?: string }
    const host = hostOf(args.snapshotId)
    if (args.baseSnapshotId !== undefined) await ensureDiffBase(host, args.baseSnapshotId)
    return ask(host, { type: 'query', method, args })
  }

  const sessions = new Map<string, TargetSession>()
  /** Allocation recordings under way, by id, with the target they record. */
  const recordings = new Map<string, { info: RecordingInfo; recording: Recording }>()
  /** Demo programs started by startDemo, by the attach session they belong to. */
  const demos = new Map<string, DemoProcess>()
  const sessionOf = (attachId: string): TargetSession => {
    const session = sessions.get(attachId)
    if (!session || !session.isConnected) {
      sessions.delete(attachId)
      throw new ApiError('disconnected', 'the target is no longer attached')
    }
    return session
  }
  /** Runs attach-side work, turning AttachErrors (and a capture's file errors) into ApiErrors. */
  const attached = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      if (error instanceof AttachError || error instanceof HeapSnapshotError) {
        throw new ApiError(error.code, error.message)
      }
      throw error
    }
  }

  /** Hosts of closed snapshots still writing their index cache (dispose stops them). */
  const closing = new Set<HostChannel>()
  /**
   * Stops a closed snapshot's host once it has written its index cache (it exits by itself),
   * or after CLOSE_GRACE_MS. The snapshot is gone for the caller at once.
   */
  const stopWhenCached = (channel: HostChannel): void => {
    closing.add(channel)
    const timer = setTimeout(() => void channel.kill(), CLOSE_GRACE_MS)
    timer.unref()
    channel.onExit(() => {
      clearTimeout(timer)
      closing.delete(channel)
    })
    channel.post({ type: 'close' } satisfies HostRequest)
  }

  const profiles = createProfiles()
  const handlers: { [M in ApiMethod]: (raw: unknown) => Promise<ApiResults[M]> } = {
    ...profiles.handlers,
    openSnapshot,
    closeSnapshot: async (raw) => {
      const { snapshotId } = parseArgs('closeSnapshot', raw)
      const host = hosts.get(snapshotId)
      if (!host) {
        if (lost.delete(snapshotId)) return null
        throw new ApiError('no-snapshot', `no open snapshot ${snapshotId}`)
      }
      hosts.delete(snapshotId)
      retire(host, new ApiError('closed', 'the snapshot was closed'))
      stopWhenCached(host.channel)
      announce({ type: 'closed', snapshotId })
      return null
    },
    listSnapshots: async (raw) => {
      parseArgs('listSnapshots', raw)
      return [...hosts.values()].flatMap((host) => (host.info ? [host.info] : []))
    },
    listOpening: async (raw) => {
      parseArgs('listOpening', raw)
      return [...opening.values()]
    },
    cancel: async (raw) => {
      const { operationId } = parseArgs('cancel', raw)
      operations.get(operationId)?.channel.post({ type: 'cancel' } satisfies HostRequest)
      return null
    },
    listTargets: (raw) =>
      attached(async () => {
        const { host, port } = parseArgs('listTargets', raw)
        const targets = await listTargets({ host, port })
        return targets.map(({ id, type, title, url, webSocketDebuggerUrl }) => ({
          id,
          type,
          title,
          url,
          webSocketUrl: webSocketDebuggerUrl,
        }))
      }),
    listNodeProcesses: (raw) =>
      attached(async () => {
        parseArgs('listNodeProcesses', raw)
        return listNodeProcesses()
      }),
    attach: (raw) =>
      attached(async () => {
        const args = parseArgs('attach', raw)
        let webSocketUrl: string
        let title: string
        if ('pid' in args) {
          const endpoint = await openInspector(args.pid)
          const target = await findTarget(endpoint, undefined)
          webSocketUrl = target.webSocketDebuggerUrl
          title = target.title || `process ${args.pid}`
        } else {
          webSocketUrl = args.webSocketUrl
          title = webSocketUrl
        }
        const session = await TargetSession.connect(webSocketUrl)
        const attachId = randomUUID()
        sessions.set(attachId, session)
        return { attachId, title }
      }),
    detach: (raw) =>
      attached(async () => {
        const { attachId } = parseArgs('detach', raw)
        for (const [recordingId, entry] of recordings) {
          if (entry.info.attachId !== attachId) continue
          recordings.delete(recordingId)
          await entry.recording.abort().catch(() => {})
        }
        await sessions.get(attachId)?.close()
        sessions.delete(attachId)
        await demos.get(attachId)?.stop()
        demos.delete(attachId)
        return null
      }),
    startRecording: (raw) =>
      attached(async () => {
        const { attachId, kind, intervalBytes, includeCollected } = parseArgs('startRecording', raw)
        const session = sessionOf(attachId)
        const { folder } = await captureFolder.get()
        await mkdir(folder, { recursive: true })
        const stamp = new Date().toISOString().replace(/[:.]/g, '-')
        const file = join(
          folder,
          kind === 'sampling'
            ? `allocations-${stamp}.heapprofile`
            : `timeline-${stamp}.heapsnapshot`,
        )
        const recording = await startRecording(session, {
          kind,
          file,
          intervalBytes,
          includeCollected,
        })
        const info = { recordingId: randomUUID(), attachId, kind, file, startedAt: Date.now() }
        recordings.set(info.recordingId, { info, recording })
        // A target that goes away ends the recording (its file is not kept).
        recording.failed.catch(() => recordings.delete(info.recordingId))
        return info
      }),
    listRecordings: async (raw) => {
      parseArgs('listRecordings', raw)
      return [...recordings.values()].map((entry) => entry.info)
    },
    stopRecording: (raw) =>
      attached(async () => {
        const { recordingId, operationId } = parseArgs('stopRecording', raw)
        const entry = recordings.get(recordingId)
        if (!entry) throw new ApiError('no-recording', `no recording ${recordingId} under way`)
        recordings.delete(recordingId)
        const result = await entry.recording.stop()
        if (result.kind === 'sampling') {
          const profile = await profiles.handlers.openProfile({ file: result.file })
          return { kind: 'sampling' as const, durationMs: result.durationMs, profile }
        }
        const snapshot = await openSnapshot({ file: result.file, operationId })
        return { kind: 'timeline' as const, durationMs: result.durationMs, snapshot }
      }),
    cancelRecording: (raw) =>
      attached(async () => {
        const { recordingId } = parseArgs('cancelRecording', raw)
        const entry = recordings.get(recordingId)
        recordings.delete(recordingId)
        await entry?.recording.abort()
        return null
      }),
    collectGarbage: (raw) =>
      attached(async () => {
        await sessionOf(parseArgs('collectGarbage', raw).attachId).collectGarbage()
        return null
      }),
    getHeapUsage: (raw) =>
      attached(() => sessionOf(parseArgs('getHeapUsage', raw).attachId).getHeapUsage()),
    listPythonProcesses: async (raw) => {
      parseArgs('listPythonProcesses', raw)
      return (await listPythonProcesses()).map(({ pid, python, argv, signal, via }) => ({
        pid,
        python,
        argv,
        signal,
        via,
      }))
    },
    capturePython: async (raw) => {
      const { pid, operationId, collect } = parseArgs('capturePython', raw)
      const { folder: captureDir } = await captureFolder.get()
      await mkdir(captureDir, { recursive: true })
      const file = join(
        captureDir,
        `python-${pid}-${new Date().toISOString().replace(/[:.]/g, '-')}.heapsnapshot`,
      )
      if (operationId)
        emit({ operationId, phase: `Waiting for Python process ${pid}`, done: 0, total: 1 })
      // The process writes the file itself (atomically); then it opens like any other.
      const written = await attached(() => capturePythonHeap(pid, { file, collect }))
      return openSnapshot({ file: written, operationId })
    },
    captureSnapshot: async (raw) => {
      const { attachId, operationId, exposeInternals } = parseArgs('captureSnapshot', raw)
      const session = sessionOf(attachId)
      const { folder: captureDir } = await captureFolder.get()
      await mkdir(captureDir, { recursive: true })
      const file = join(
        captureDir,
        `capture-${new Date().toISOString().replace(/[:.]/g, '-')}.heapsnapshot`,
      )
      // The text goes to the file and, chunk by chunk, to the engine host that parses it.
      return loadInHost(
        file,
        operationId,
        async (channel) => {
          channel.post({ type: 'stream-start' } satisfies HostRequest)
          await attached(() =>
            session.streamSnapshot({
              file,
              exposeInternals,
              onChunk: (chunk) => channel.post({ type: 'chunk', chunk } satisfies HostRequest),
              onProgress: (progress) => operationId && emit({ operationId, ...progress }),
            }),
          )
          channel.post({ type: 'stream-end' } satisfies HostRequest)
        },
        attachId,
      )
    },
    previewObject: (raw) =>
      attached(async () => {
        const { attachId, objectId } = parseArgs('previewObject', raw)
        return sessionOf(attachId).previewObject(objectId)
      }),
    startDemo: (raw) =>
      attached(async () => {
        parseArgs('startDemo', raw)
        const demo = await startDemo(options.node)
        try {
          const session = await TargetSession.connect(demo.webSocketUrl)
          const attachId = randomUUID()
          sessions.set(attachId, session)
          demos.set(attachId, demo)
          // The demo lives as long as its session.
          session.onDisconnect(() => void demo.stop())
          return { attachId, title: 'Heapgraph demo (a leaky Node program)', pid: demo.pid }
        } catch (error) {
          await demo.stop()
          throw error
        }
      }),
    findLeaks: async (raw) => {
      const {
        baseSnapshotId,
        targetSnapshotId,
        finalSnapshotId,
        includeStrings,
        includeInternalOnly,
      } = parseArgs('findLeaks', raw)
      const [base, target, final] = [baseSnapshotId, targetSnapshotId, finalSnapshotId].map(hostOf)
      // Each host condenses its own snapshot; the final one's host does the search.
      const [baseIds, targetIds, ...counts] = await Promise.all([
        internal(base, 'snapshotIds', null),
        internal(target, 'snapshotIds', null),
        internal(base, 'classCounts', null),
        internal(target, 'classCounts', null),
        internal(final, 'classCounts', null),
      ])
      return internal(final, 'findLeaks', {
        baseIds,
        targetIds,
        counts: counts as [ClassCount[], ClassCount[], ClassCount[]],
        includeStrings,
        includeInternalOnly,
      })
    },
    listRecent: async (raw) => {
      parseArgs('listRecent', raw)
      return recent.list()
    },
    getCaptureFolder: async (raw) => {
      parseArgs('getCaptureFolder', raw)
      return captureFolder.get()
    },
    setCaptureFolder: async (raw) => captureFolder.set(parseArgs('setCaptureFolder', raw).folder),
    saveSnapshotAs: async (raw) => {
      const { snapshotId, file, overwrite } = parseArgs('saveSnapshotAs', raw)
      const source = hostOf(snapshotId).info?.file
      if (!source) throw new ApiError('not-loaded', `snapshot ${snapshotId} is still loading`)
      if (!isAbsolute(file)) throw new ApiError('bad-file', `"${file}" is not an absolute path`)
      const target = resolve(file)
      if (
        !overwrite &&
        (await stat(target).then(
          () => true,
          () => false,
        ))
      ) {
        throw new ApiError('exists', `${target} exists already`)
      }
      // Copied next to its final name, then renamed: never a half-written file under it.
      const partial = `${target}.${randomUUID().slice(0, 8)}.partial`
      try {
        await copyFile(source, partial)
        await rename(partial, target)
      } catch (error) {
        await rm(partial, { force: true })
        const reason = error instanceof Error ? error.message : String(error)
        throw new ApiError('bad-file', `cannot save ${target}: ${reason}`)
      }
      return { file: target }
    },
    revealFile: async (raw) => {
      const { file } = parseArgs('revealFile', raw)
      // Only what this app wrote or opened: an open snapshot's file, or the capture folder.
      const { folder } = await captureFolder.get()
      const known =
        [...hosts.values()].some((host) => host.info?.file === file) ||
        resolve(file) === folder ||
        resolve(dirname(file)) === folder
      if (!known) throw new ApiError('bad-file', `${file} is not a snapshot open here`)
      reveal(file)
      return null
    },
    ...(Object.fromEntries(
      QUERY_METHODS.map((method) => [method, (raw: unknown) => query(method, raw)]),
    ) as { [M in QueryMethod]: (raw: unknown) => Promise<ApiResults[M]> }),
  }

  const call = async (method: string, args: unknown): Promise<unknown> => {
    if (!isApiMethod(method)) throw new ApiError('no-method', `unknown method ${method}`)
    return handlers[method](args)
  }

  return {
    ...(handlers as unknown as HeapgraphApi),
    onProgress(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onSnapshot(listener) {
      snapshotListeners.add(listener)
      return () => snapshotListeners.delete(listener)
    },
    call,
    hostProcessId: (id) => (hosts.get(id) ?? operations.get(id))?.channel.pid,
    async dispose() {
      profiles.dispose()
      await Promise.all(
        [...recordings.values()].map(({ recording }) => recording.abort().catch(() => {})),
      )
      recordings.clear()
      await Promise.all([...sessions.values()].map((session) => session.close()))
      sessions.clear()
      await Promise.all([...demos.values()].map((demo) => demo.stop()))
      demos.clear()
      const all = [...hosts.values()]
      hosts.clear()
      for (const host of all) retire(host, new ApiError('closed', 'the backend stopped'))
      // Closed snapshots still writing their cache are stopped too: the write is left undone.
      const closed = [...closing]
      closing.clear()
      await Promise.all([...all.map((host) => host.channel.kill()), ...closed.map((c) => c.kill())])
    },
  }
}
