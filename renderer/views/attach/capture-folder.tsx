// Where captures are saved, named on screen: the folder (Change… to type another, Reveal to show
// it in the file manager), and for each snapshot taken, Save as… (a copy under another name)
// and Reveal.
import { useEffect, useState } from 'react'
import type { CaptureFolderInfo, HeapgraphApi, SnapshotInfo } from '../../../shared/protocol'

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A one-line form: a path field, a submit button and Cancel; errors under it. */
function PathForm({
  label,
  initial,
  submit,
  onSubmit,
  onCancel,
}: {
  label: string
  initial: string
  submit: string
  onSubmit: (path: string) => Promise<void>
  onCancel: () => void
}): React.JSX.Element {
  const [path, setPath] = useState(initial)
  const [error, setError] = useState<string | null>(null)
  return (
    <form
      className="path-form"
      onSubmit={(event) => {
        event.preventDefault()
        onSubmit(path.trim()).then(
          () => setError(null),
          (failure: unknown) => setError(messageOf(failure)),
        )
      }}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return
        event.preventDefault()
        onCancel()
      }}
    >
      <label>
        {label} <input value={path} onChange={(event) => setPath(event.target.value)} autoFocus />
      </label>
      <button type="submit" className="primary" disabled={!path.trim()}>
        {submit}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  )
}

export function CaptureFolder({ api }: { api: HeapgraphApi }): React.JSX.Element {
  const [info, setInfo] = useState<CaptureFolderInfo | null>(null)
  const [editing, setEditing] = useState(false)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    api.getCaptureFolder({}).then(setInfo, (failure: unknown) => setError(messageOf(failure)))
  }, [api])
  if (!info) return <p className="muted">{error ?? 'Finding the capture folder…'}</p>
  return (
    <div className="capture-folder">
      {editing ? (
        <PathForm
          label="Save snapshots in"
          initial={info.folder}
          submit="Use this folder"
          onSubmit={async (folder) => {
            setInfo(await api.setCaptureFolder({ folder }))
            setEditing(false)
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <p>
          Snapshots and recordings are saved in <code className="folder">{info.folder}</code>
          {info.isDefault && <span className="muted"> (the default)</span>}{' '}
          <button onClick={() => setEditing(true)}>Change…</button>{' '}
          <button
            onClick={() =>
              void api
                .revealFile({ file: info.folder })
                .catch((failure: unknown) => setError(messageOf(failure)))
            }
          >
            Reveal
          </button>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  )
}

/** Save as… and Reveal for one snapshot's file. */
export function SnapshotFileActions({
  api,
  info,
}: {
  api: HeapgraphApi
  info: SnapshotInfo
}): React.JSX.Element {
  const [saving, setSaving] = useState(false)
  const [saved, setSaved] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  return (
    <span className="file-actions">
      <button
        onClick={() =>
          void api
            .revealFile({ file: info.file })
            .catch((failure: unknown) => setError(messageOf(failure)))
        }
      >
        Reveal
      </button>{' '}
      <button onClick={() => setSaving(true)}>Save as…</button>
      {saving && (
        <PathForm
          label="Save a copy as"
          initial={info.file}
          submit="Save"
          onSubmit={async (file) => {
            const result = await api.saveSnapshotAs({ snapshotId: info.snapshotId, file })
            setSaved(result.file)
            setSaving(false)
          }}
          onCancel={() => setSaving(false)}
        />
      )}
      {saved && <span className="muted"> Saved as {saved}.</span>}
      {error && (
        <span role="alert" className="error">
          {' '}
          {error}
        </span>
      )}
    </span>
  )
}
