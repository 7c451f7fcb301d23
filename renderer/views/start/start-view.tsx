// Start page: open a snapshot (file picker, drop, or a path), recent files, Attach, and Try the
// demo, which starts a small leaky Node program and walks through finding its leak.
import { useEffect, useRef, useState } from 'react'
import type { HeapgraphApi, RecentFile, SnapshotInfo } from '../../../shared/protocol'
import type { Opener } from '../../components/use-opener'
import { fileName, formatBytes } from '../../format'

interface Props {
  api: HeapgraphApi
  opener: Opener
  snapshots: SnapshotInfo[]
  onSelect: (info: SnapshotInfo) => void
  onAttach: () => void
  onDemo: () => Promise<void>
}

export function StartView({
  api,
  opener,
  snapshots,
  onSelect,
  onAttach,
  onDemo,
}: Props): React.JSX.Element {
  const [path, setPath] = useState('')
  const [recent, setRecent] = useState<RecentFile[]>([])
  const [demoStarting, setDemoStarting] = useState(false)
  const [demoError, setDemoError] = useState<string | null>(null)
  const picker = useRef<HTMLInputElement>(null)
  useEffect(() => {
    api.listRecent({}).then(setRecent, () => setRecent([]))
  }, [api, snapshots.length])

  const { progress, busy } = opener
  const fraction = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0
  const startDemo = (): void => {
    setDemoStarting(true)
    setDemoError(null)
    onDemo().then(
      () => setDemoStarting(false),
      (failure: unknown) => {
        setDemoStarting(false)
        setDemoError(failure instanceof Error ? failure.message : String(failure))
      },
    )
  }
  return (
    <section className="start">
      <h1>Why is it still alive?</h1>
      <div className="start-actions">
        <button className="primary" onClick={() => picker.current?.click()} disabled={!!busy}>
          Open snapshot…
        </button>
        <button onClick={onAttach}>Attach to a process…</button>
        <button onClick={startDemo} disabled={demoStarting}>
          {demoStarting ? 'Starting the demo…' : 'Try the demo'}
        </button>
        <input
          ref={picker}
          type="file"
          accept=".heapsnapshot,.gz"
          multiple
          hidden
          aria-label="Choose a snapshot file"
          onChange={(event) => {
            const files = [...(event.target.files ?? [])]
            event.target.value = ''
            for (const file of files) void opener.openFile(file)
          }}
        />
      </div>
      <p className="hint">
        Or drop a .heapsnapshot (or .heapsnapshot.gz) anywhere on this window. The demo starts a
        small Node program that leaks arrays, attaches to it, and shows how to find the leak.
      </p>
      {demoError && (
        <p role="alert" className="error">
          The demo could not start: {demoError}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (path.trim() && !busy) void opener.openPath(path.trim())
        }}
      >
        <label htmlFor="snapshot-path">Snapshot file (.heapsnapshot, optionally gzipped)</label>
        <div className="row">
          <input
            id="snapshot-path"
            value={path}
            onChange={(event) => setPath(event.target.value)}
            placeholder="/path/to/app.heapsnapshot"
          />
          <button type="submit" disabled={!path.trim() || busy !== null}>
            Open
          </button>
        </div>
      </form>
      {busy && (
        <div className="progress" role="status">
          <progress value={fraction} max={1} aria-label="Loading" />
          <span>
            {fileName(busy)}: {progress?.phase ?? 'Starting'}
            {progress && progress.total > 1000
              ? ` — ${formatBytes(progress.done)} of ${formatBytes(progress.total)}`
              : ''}
          </span>
          <button onClick={opener.cancel}>Cancel</button>
        </div>
      )}
      {opener.error && (
        <p role="alert" className="error">
          {opener.error}
        </p>
      )}
      {snapshots.length > 0 && (
        <>
          <h2>Open snapshots</h2>
          <ul className="snapshots" aria-label="Open snapshots">
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
      {recent.length > 0 && (
        <>
          <h2>Recent files</h2>
          <ul className="snapshots" aria-label="Recent files">
            {recent.map((entry) => (
              <li key={entry.file}>
                <button
                  disabled={busy !== null}
                  title={entry.file}
                  onClick={() => void opener.openPath(entry.file)}
                >
                  {fileName(entry.file)} — {entry.nodeCount.toLocaleString('en-US')} objects,{' '}
                  {formatBytes(entry.totalSize)} · {new Date(entry.openedAt).toLocaleString()}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
