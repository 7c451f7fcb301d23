// The sidebar: the open snapshots (select, close), the ones being opened (progress, Cancel),
// the open allocation profiles, and the attached target; plus the ways in: Open…, Attach….
import type { AttachInfo, ProfileInfo, ProgressEvent, SnapshotInfo } from '../../shared/protocol'
import { fileName, formatBytes } from '../format'

export interface OpeningEntry {
  operationId: string
  file: string
  progress: ProgressEvent | null
}

interface Props {
  profiles: ProfileInfo[]
  currentProfileId: string | null
  onSelectProfile: (info: ProfileInfo) => void
  onCloseProfile: (info: ProfileInfo) => void
  snapshots: SnapshotInfo[]
  opening: OpeningEntry[]
  currentId: string | null
  attached: AttachInfo | null
  onSelect: (info: SnapshotInfo) => void
  onClose: (info: SnapshotInfo) => void
  onCancel: (operationId: string) => void
  onOpen: () => void
  onAttach: () => void
  onDetach: () => void
}

function fractionOf(progress: ProgressEvent | null): number {
  return progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0
}

export function Sidebar({
  profiles,
  currentProfileId,
  onSelectProfile,
  onCloseProfile,
  snapshots,
  opening,
  currentId,
  attached,
  onSelect,
  onClose,
  onCancel,
  onOpen,
  onAttach,
  onDetach,
}: Props): React.JSX.Element {
  return (
    <nav className="sidebar" aria-label="Snapshots and targets">
      <div className="sidebar-actions">
        <button className="primary" onClick={onOpen}>
          Open…
        </button>
        <button onClick={onAttach}>Attach…</button>
      </div>
      <h2 className="sidebar-heading" id="sidebar-snapshots">
        Snapshots
      </h2>
      {snapshots.length === 0 && opening.length === 0 && (
        <p className="sidebar-empty">None open yet.</p>
      )}
      <ul className="sidebar-list" aria-labelledby="sidebar-snapshots">
        {snapshots.map((info) => {
          const current = info.snapshotId === currentId
          return (
            <li key={info.snapshotId} className={current ? 'current' : undefined}>
              <button
                className="sidebar-item"
                aria-current={current ? 'page' : undefined}
                title={info.file}
                onClick={() => onSelect(info)}
              >
                <span className="sidebar-name">{fileName(info.file)}</span>
                <span className="sidebar-meta">
                  {info.nodeCount.toLocaleString('en-US')} objects · {formatBytes(info.totalSize)}
                  {info.attachId ? ' · captured' : ''}
                </span>
              </button>
              <button
                className="icon-button"
                aria-label={`Close ${fileName(info.file)}`}
                title="Close this snapshot (its engine process ends)"
                onClick={() => onClose(info)}
              >
                ×
              </button>
            </li>
          )
        })}
        {opening.map((entry) => (
          <li key={entry.operationId} className="opening">
            <div className="sidebar-item" role="status" title={entry.file}>
              <span className="sidebar-name">{fileName(entry.file)}</span>
              <progress
                value={fractionOf(entry.progress)}
                max={1}
                aria-label={`Opening ${fileName(entry.file)}`}
              />
              <span className="sidebar-meta">{entry.progress?.phase ?? 'Starting'}…</span>
            </div>
            <button
              className="icon-button"
              aria-label={`Cancel opening ${fileName(entry.file)}`}
              title="Cancel"
              onClick={() => onCancel(entry.operationId)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {profiles.length > 0 && (
        <>
          <h2 className="sidebar-heading" id="sidebar-profiles">
            Allocation profiles
          </h2>
          <ul className="sidebar-list" aria-labelledby="sidebar-profiles">
            {profiles.map((info) => {
              const current = info.profileId === currentProfileId
              return (
                <li key={info.profileId} className={current ? 'current' : undefined}>
                  <button
                    className="sidebar-item"
                    aria-current={current ? 'page' : undefined}
                    title={info.file}
                    onClick={() => onSelectProfile(info)}
                  >
                    <span className="sidebar-name">{fileName(info.file)}</span>
                    <span className="sidebar-meta">
                      {formatBytes(info.totalSize)} sampled ·{' '}
                      {info.sampleCount.toLocaleString('en-US')} samples
                    </span>
                  </button>
                  <button
                    className="icon-button"
                    aria-label={`Close ${fileName(info.file)}`}
                    title="Close this profile"
                    onClick={() => onCloseProfile(info)}
                  >
                    ×
                  </button>
                </li>
              )
            })}
          </ul>
        </>
      )}
      <h2 className="sidebar-heading" id="sidebar-targets">
        Attached
      </h2>
      {attached ? (
        <ul className="sidebar-list" aria-labelledby="sidebar-targets">
          <li>
            <button
              className="sidebar-item"
              onClick={onAttach}
              title={attached.title}
              aria-label={`Attached: ${attached.title}`}
            >
              <span className="sidebar-name">{attached.title}</span>
              <span className="sidebar-meta">heap timeline, snapshots</span>
            </button>
            <button
              className="icon-button"
              aria-label={`Detach from ${attached.title}`}
              title="Detach"
              onClick={onDetach}
            >
              ×
            </button>
          </li>
        </ul>
      ) : (
        <p className="sidebar-empty">No target.</p>
      )}
    </nav>
  )
}
