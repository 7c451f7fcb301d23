// Start page: open a snapshot by path (with progress and Cancel), or switch to an open one.
import { useState } from 'react'
import type { HeapgraphApi, ProgressEvent, SnapshotInfo } from '../../../shared/protocol'
import { formatBytes } from '../../format'

interface Props {
  api: HeapgraphApi
  snapshots: SnapshotInfo[]
  onOpened: (info: SnapshotInfo) => void
  onSelect: (info: SnapshotInfo) => void
}

export function StartView({ api, snapshots, onOpened, onSelect }: Props): React.JSX.Element {
  const [path, setPath] = useState('')
  const [progress, setProgress] = useState<ProgressEvent | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [operationId, setOperationId] = useState<string | null>(null)

  const open = async (): Promise<void> => {
    const id = `open-${Date.now()}`
    setOperationId(id)
    setError(null)
    const unsubscribe = api.onProgress((event) => {
      if (event.operationId === id) setProgress(event)
    })
    try {
      onOpened(await api.openSnapshot({ file: path.trim(), operationId: id }))
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    } finally {
      unsubscribe()
      setOperationId(null)
      setProgress(null)
    }
  }

  const fraction = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0
  return (
    <section className="start">
      <h1>Why is it still alive?</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (path.trim() && !operationId) void open()
        }}
      >
        <label htmlFor="snapshot-path">Snapshot file (.heapsnapshot, optionally gzipped)</label>
        <div className="row">
          <input
            id="snapshot-path"
            value={path}
            onChange={(event) => setPath(event.target.value)}
            placeholder="/path/to/app.heapsnapshot"
            autoFocus
          />
          <button type="submit" disabled={!path.trim() || operationId !== null}>
            Open
          </button>
        </div>
      </form>
      {operationId && (
        <div className="progress" role="status">
          <progress value={fraction} max={1} aria-label="Loading" />
          <span>
            {progress?.phase ?? 'Starting'}
            {progress && progress.total > 1000
              ? ` — ${formatBytes(progress.done)} of ${formatBytes(progress.total)}`
              : ''}
          </span>
          <button onClick={() => void api.cancel({ operationId })}>Cancel</button>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {snapshots.length > 0 && (
        <>
          <h2>Open snapshots</h2>
          <ul className="snapshots">
            {snapshots.map((info) => (
              <li key={info.snapshotId}>
                <button onClick={() => onSelect(info)}>
                  {info.file} — {info.nodeCount.toLocaleString('en-US')} objects,{' '}
                  {formatBytes(info.totalSize)}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
