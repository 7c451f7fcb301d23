// Opening snapshots from the UI, one at a time, with progress and Cancel: by path, or from a
// File (the file picker or a drop). The desktop app knows a File's path; a browser does not, so
// web mode first uploads it to the loopback server (with its own progress), then opens that copy.
import { useRef, useState } from 'react'
import type { HeapgraphApi, ProfileInfo, ProgressEvent, SnapshotInfo } from '../../shared/protocol'
import { desktopBridge } from '../api/connect'

export interface Opener {
  /** What is being opened, while it is. */
  busy: string | null
  progress: ProgressEvent | null
  error: string | null
  openPath(path: string): Promise<void>
  openFile(file: File): Promise<void>
  cancel(): void
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** POSTs a file to web mode's /upload with the page's token; resolves with the server's path. */
function upload(
  file: File,
  onProgress: (done: number) => void,
  signal: AbortSignal,
): Promise<string> {
  const token = new URLSearchParams(location.search).get('token') ?? ''
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open(
      'POST',
      `/upload?token=${encodeURIComponent(token)}&name=${encodeURIComponent(file.name)}`,
    )
    request.upload.onprogress = (event) => onProgress(event.loaded)
    request.onload = () => {
      let body: { file?: string; error?: string } = {}
      try {
        body = JSON.parse(request.responseText || '{}') as typeof body
      } catch {
        // Not our JSON (a proxy's page, a refusal in plain text): the status says enough.
      }
      if (request.status === 200 && body.file) resolve(body.file)
      else reject(new Error(body.error ?? `the upload failed (HTTP ${request.status})`))
    }
    request.onerror = () => reject(new Error('the upload failed: the server did not answer'))
    request.onabort = () => reject(new Error('cancelled'))
    signal.addEventListener('abort', () => request.abort(), { once: true })
    request.send(file)
  })
}

export interface OpenerOptions {
  /** The open snapshot of a path, if any: it is selected instead of opened a second time. */
  findOpen?: (path: string) => SnapshotInfo | null
  /** Called with each operation's id as it starts (the backend pushes its life under it). */
  onStart?: (operationId: string) => void
  /** An allocation profile (.heapprofile) opened: it is not a snapshot. */
  onOpenedProfile?: (info: ProfileInfo) => void
}

/** Allocation profiles go by their name (.heapprofile, gzipped or not); the rest are snapshots. */
export const isProfileName = (name: string): boolean => /\.heapprofile(\.gz)?$/i.test(name)

export function useOpener(
  api: HeapgraphApi,
  onOpened: (info: SnapshotInfo) => void,
  options: OpenerOptions = {},
): Opener {
  const [busy, setBusy] = useState<string | null>(null)
  const [progress, setProgress] = useState<ProgressEvent | null>(null)
  const [error, setError] = useState<string | null>(null)
  const operation = useRef<{ id: string; abort: AbortController } | null>(null)
  // Opens asked for while one runs (several files chosen or dropped) wait their turn.
  const queue = useRef<Array<() => Promise<void>>>([])

  const run = async (
    label: string,
    pathOf: (id: string, signal: AbortSignal) => Promise<string>,
  ): Promise<void> => {
    if (operation.current) {
      return new Promise((resolve) => queue.current.push(() => run(label, pathOf).then(resolve)))
    }
    const onProfile = options.onOpenedProfile
    const id = `open-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
    options.onStart?.(id)
    const abort = new AbortController()
    operation.current = { id, abort }
    setBusy(label)
    setError(null)
    const unsubscribe = api.onProgress((event) => {
      if (event.operationId === id) setProgress(event)
    })
    try {
      const file = await pathOf(id, abort.signal)
      if (onProfile && isProfileName(label)) {
        onProfile(await api.openProfile({ file }))
        return
      }
      // Marks for the budget test: no long task on this thread while the engine loads.
      performance.mark('heapgraph:open-start')
      const info = await api.openSnapshot({ file, operationId: id })
      performance.mark('heapgraph:opened')
      onOpened(info)
    } catch (failure) {
      setError(abort.signal.aborted ? 'Cancelled.' : messageOf(failure))
    } finally {
      unsubscribe()
      operation.current = null
      setBusy(null)
      setProgress(null)
      void queue.current.shift()?.()
    }
  }

  return {
    busy,
    progress,
    error,
    openPath: (path) => {
      const open = options.findOpen?.(path)
      if (open) {
        onOpened(open)
        return Promise.resolve()
      }
      return run(path, async () => path)
    },
    openFile: (file) =>
      run(file.name, async (id, signal) => {
        const desktop = desktopBridge()
        if (desktop) return desktop.pathForFile(file)
        return upload(
          file,
          (done) => setProgress({ operationId: id, phase: 'Uploading', done, total: file.size }),
          signal,
        )
      }),
    cancel() {
      const running = operation.current
      if (!running) return
      running.abort.abort()
      void api.cancel({ operationId: running.id })
    },
  }
}
