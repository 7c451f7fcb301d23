// Attach: list the targets of a host:port or the local Node processes (Heapgraph's own behind a
// toggle) and Python processes with heapgraph_py's handler (a snapshot of one opens), attach, then watch the heap over time (HeapChart: used, total, backing stores) with
// markers for garbage collections and snapshots; collect garbage; take a snapshot, which opens
// for analysis when it is done; the snapshots taken in this session stay listed. The shell owns
// the attached target and its timeline, so both survive a look at a snapshot.
import { useEffect, useState } from 'react'
import type {
  AttachInfo,
  HeapgraphApi,
  NodeProcessInfo,
  ProfileInfo,
  ProgressEvent,
  SnapshotInfo,
  TargetInfo,
} from '../../../shared/protocol'
import { fileName, formatBytes } from '../../format'
import { HeapChart } from './heap-chart'
import type { HeapTimeline } from './use-heap-timeline'
import { CaptureFolder, SnapshotFileActions } from './capture-folder'
import { RecordAllocations } from './record-allocations'
import { PythonProcesses } from './python-processes'

interface Props {
  api: HeapgraphApi
  onOpened: (info: SnapshotInfo) => void
  attached: AttachInfo | null
  onAttached: (info: AttachInfo | null) => void
  timeline: HeapTimeline
  /** Snapshots taken from the attached target in this session. */
  taken: SnapshotInfo[]
  onSelect: (info: SnapshotInfo) => void
  /** A new snapshot to diff against the previous one of the same target. */
  onGrowth: (info: SnapshotInfo, previous: SnapshotInfo) => void
  /** An allocation profile recorded from the target, opened. */
  onOpenedProfile: (info: ProfileInfo) => void
}

function AttachedPanel({
  api,
  target,
  onOpened,
  onDetached,
  timeline,
  taken,
  onSelect,
  onGrowth,
  onOpenedProfile,
}: Omit<Props, 'attached' | 'onAttached'> & {
  target: AttachInfo
  onDetached: () => void
}): React.JSX.Element {
  const [progress, setProgress] = useState<ProgressEvent | null>(null)
  const [failure, setError] = useState<string | null>(null)
  const error = failure ?? timeline.error
  const collect = async (): Promise<void> => {
    await api.collectGarbage({ attachId: target.attachId })
    timeline.mark('gc')
  }
  const capture = async (growth: boolean): Promise<void> => {
    const previous = taken.at(-1)
    const operationId = `capture-${Date.now()}`
    const unsubscribe = api.onProgress(
      (event) => event.operationId === operationId && setProgress(event),
    )
    try {
      timeline.mark('snapshot')
      const info = await api.captureSnapshot({ attachId: target.attachId, operationId })
      if (growth && previous) onGrowth(info, previous)
      else onOpened(info)
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    } finally {
      unsubscribe()
      setProgress(null)
    }
  }
  return (
    <section className="attached">
      <h2>Attached: {target.title}</h2>
      <HeapChart samples={timeline.samples} markers={timeline.markers} />
      <div className="row">
        <button onClick={() => void collect()}>Collect garbage</button>
        <button onClick={() => void capture(false)} disabled={progress !== null}>
          Take snapshot
        </button>
        <button
          onClick={() => void capture(true)}
          disabled={progress !== null || taken.length === 0}
          title={
            taken.length === 0
              ? 'Take a first snapshot; growth is measured from the previous one'
              : 'Takes a snapshot and diffs it against the previous one of this target'
          }
        >
          Snapshot and show growth
        </button>
        <button onClick={() => void api.detach({ attachId: target.attachId }).then(onDetached)}>
          Detach
        </button>
      </div>
      <RecordAllocations
        api={api}
        attachId={target.attachId}
        onProfile={onOpenedProfile}
        onSnapshot={onOpened}
        onMark={() => timeline.mark('snapshot')}
      />
      {progress && (
        <p role="status">
          {progress.phase}{' '}
          {progress.total > 0
            ? `${Math.round((100 * progress.done) / progress.total)}%`
            : formatBytes(progress.done)}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <CaptureFolder api={api} />
      {taken.length > 0 && (
        <>
          <h3>Snapshots taken in this session</h3>
          <ul className="snapshots" aria-label="Snapshots taken in this session">
            {taken.map((info) => (
              <li key={info.snapshotId}>
                <button onClick={() => onSelect(info)} title={info.file}>
                  {fileName(info.file)} — {info.nodeCount.toLocaleString('en-US')} objects,{' '}
                  {formatBytes(info.totalSize)}
                </button>{' '}
                <SnapshotFileActions api={api} info={info} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

export function AttachView({
  api,
  onOpened,
  attached,
  onAttached: setAttached,
  timeline,
  taken,
  onSelect,
  onGrowth,
  onOpenedProfile,
}: Props): React.JSX.Element {
  const [host, setHost] = useState('127.0.0.1')
  const [port, setPort] = useState('9229')
  const [targets, setTargets] = useState<TargetInfo[] | null>(null)
  // Ordered by the backend: open inspectors first, Heapgraph's own processes last.
  const [processes, setProcesses] = useState<NodeProcessInfo[]>([])
  const [showOwn, setShowOwn] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ownCount = processes.filter((entry) => entry.isHeapgraph).length
  const listed = showOwn ? processes : processes.filter((entry) => !entry.isHeapgraph)
  useEffect(() => {
    api.listNodeProcesses({}).then(setProcesses, () => setProcesses([]))
  }, [api])
  const run = async (work: () => Promise<void>): Promise<void> => {
    setError(null)
    try {
      await work()
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    }
  }
  if (attached) {
    return (
      <AttachedPanel
        api={api}
        target={attached}
        onOpened={onOpened}
        onDetached={() => setAttached(null)}
        timeline={timeline}
        taken={taken}
        onSelect={onSelect}
        onGrowth={onGrowth}
        onOpenedProfile={onOpenedProfile}
      />
    )
  }
  return (
    <section className="attach">
      <h1>Attach to a running process</h1>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault()
          void run(async () => setTargets(await api.listTargets({ host, port: Number(port) })))
        }}
      >
        <label>
          Host <input value={host} onChange={(event) => setHost(event.target.value)} />
        </label>
        <label>
          Port{' '}
          <input
            value={port}
            onChange={(event) => setPort(event.target.value)}
            inputMode="numeric"
          />
        </label>
        <button type="submit">List targets</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {targets && (
        <table aria-label="Targets">
          <thead>
            <tr>
              <th>Type</th>
              <th>Title</th>
              <th>URL</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {targets.map((target) => (
              <tr key={target.id}>
                <td>{target.type}</td>
                <td>{target.title}</td>
                <td>{target.url}</td>
                <td>
                  <button
                    onClick={() =>
                      void run(async () => {
                        const info = await api.attach({ webSocketUrl: target.webSocketUrl })
                        setAttached({ ...info, title: target.title || target.url || info.title })
                      })
                    }
                  >
                    Attach
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Local Node processes</h2>
      {ownCount > 0 && (
        <label>
          <input
            type="checkbox"
            checked={showOwn}
            onChange={(event) => setShowOwn(event.target.checked)}
          />
          Show Heapgraph&apos;s own processes ({ownCount})
        </label>
      )}
      <table aria-label="Local Node processes">
        <thead>
          <tr>
            <th>PID</th>
            <th>Inspector</th>
            <th>Command</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {listed.map((entry) => (
            <tr key={entry.pid}>
              <td>{entry.pid}</td>
              <td>{entry.inspectorPort === null ? '–' : `127.0.0.1:${entry.inspectorPort}`}</td>
              <td className="name" title={entry.command}>
                {entry.isHeapgraph && <span className="id">Heapgraph · </span>}
                {entry.command}
              </td>
              <td>
                <button
                  onClick={() =>
                    void run(async () => setAttached(await api.attach({ pid: entry.pid })))
                  }
                >
                  Attach
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PythonProcesses api={api} onOpened={onOpened} />
    </section>
  )
}
