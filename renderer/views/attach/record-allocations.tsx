// Recording where an attached target allocates (issue 13's "Record"): a sampling heap profile
// (low overhead, for minutes) or a timeline (every allocation with its stack, a snapshot at the
// end). Shows the elapsed time while it runs; Stop writes the file to the capture folder and
// opens it, Cancel drops it.
import { useEffect, useState } from 'react'
import type {
  HeapgraphApi,
  ProfileInfo,
  ProgressEvent,
  RecordingInfo,
  SnapshotInfo,
} from '../../../shared/protocol'
import { fileName, formatBytes } from '../../format'

type Kind = RecordingInfo['kind']

function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

export function RecordAllocations({
  api,
  attachId,
  onProfile,
  onSnapshot,
  onMark,
}: {
  api: HeapgraphApi
  attachId: string
  onProfile: (info: ProfileInfo) => void
  onSnapshot: (info: SnapshotInfo) => void
  /** Marks the heap chart where a timeline's snapshot is taken. */
  onMark: () => void
}): React.JSX.Element {
  const [kind, setKind] = useState<Kind>('sampling')
  const [recording, setRecording] = useState<RecordingInfo | null>(null)
  const [now, setNow] = useState(() => Date.now())
  const [stopping, setStopping] = useState<ProgressEvent | 'stopping' | null>(null)
  const [error, setError] = useState<string | null>(null)
  // A recording outlives this panel (a look at a snapshot meanwhile): the backend lists it.
  useEffect(() => {
    api.listRecordings({}).then(
      (list) => setRecording(list.find((each) => each.attachId === attachId) ?? null),
      () => {},
    )
  }, [api, attachId])
  useEffect(() => {
    if (!recording) return
    const timer = window.setInterval(() => setNow(Date.now()), 250)
    return () => window.clearInterval(timer)
  }, [recording])

  const start = async (): Promise<void> => {
    setError(null)
    try {
      setRecording(await api.startRecording({ attachId, kind }))
      setNow(Date.now())
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    }
  }
  const stop = async (): Promise<void> => {
    if (!recording) return
    const operationId = `record-${Date.now()}`
    const unsubscribe = api.onProgress(
      (event) => event.operationId === operationId && setStopping(event),
    )
    setStopping('stopping')
    try {
      if (recording.kind === 'timeline') onMark()
      const result = await api.stopRecording({ recordingId: recording.recordingId, operationId })
      if (result.kind === 'sampling') onProfile(result.profile)
      else onSnapshot(result.snapshot)
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    } finally {
      unsubscribe()
      setStopping(null)
      setRecording(null)
    }
  }
  const cancel = async (): Promise<void> => {
    if (!recording) return
    await api.cancelRecording({ recordingId: recording.recordingId }).catch(() => {})
    setRecording(null)
  }

  return (
    <div className="record-allocations" role="group" aria-label="Record allocations">
      {recording ? (
        <>
          <span role="status" className="recording">
            <span className="recording-dot" aria-hidden="true" />
            Recording {recording.kind === 'sampling' ? 'a sampling profile' : 'a timeline'}{' '}
            <span className="elapsed">{clock(Math.max(0, now - recording.startedAt))}</span>
            {stopping &&
              (stopping === 'stopping'
                ? ' · stopping…'
                : ` · ${stopping.phase} ${stopping.total > 0 ? `${Math.round((100 * stopping.done) / stopping.total)}%` : formatBytes(stopping.done)}`)}
          </span>
          <button className="primary" onClick={() => void stop()} disabled={stopping !== null}>
            Stop
          </button>
          <button onClick={() => void cancel()} disabled={stopping !== null}>
            Cancel
          </button>
          <span className="muted" title={recording.file}>
            into {fileName(recording.file)}
          </span>
        </>
      ) : (
        <>
          <label>
            Record allocations:{' '}
            <select value={kind} onChange={(event) => setKind(event.target.value as Kind)}>
              <option value="sampling">
                sampling profile (low overhead, by function and line)
              </option>
              <option value="timeline">timeline (every allocation’s stack, then a snapshot)</option>
            </select>
          </label>
          <button onClick={() => void start()}>Record</button>
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  )
}
