// Attach: list the targets of a host:port or the local Node processes, attach, then watch the
// heap over time (used, total, backing stores) with markers for garbage collections and
// snapshots; collect garbage; take a snapshot, which opens for analysis when it is done; the
// snapshots taken in this session stay listed. The shell owns the attached target and its
// timeline, so both survive a look at a snapshot.
import { useEffect, useState } from 'react'
import type {
  AttachInfo,
  HeapUsage,
  HeapgraphApi,
  NodeProcessInfo,
  ProgressEvent,
  SnapshotInfo,
  TargetInfo,
} from '../../../shared/protocol'
import { fileName, formatBytes } from '../../format'
import type { HeapTimeline, Marker } from './use-heap-timeline'

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
}

function Timeline({
  samples,
  markers,
}: {
  samples: HeapUsage[]
  markers: Marker[]
}): React.JSX.Element {
  const width = 640
  const height = 160
  if (samples.length === 0) return <p>Waiting for the first reading…</p>
  const start = samples[0].timeMs
  const end = Math.max(start + 1000, samples[samples.length - 1].timeMs)
  const top = Math.max(...samples.map((sample) => sample.totalSize), 1)
  const x = (timeMs: number): number => ((timeMs - start) / (end - start)) * width
  const y = (bytes: number): number => height - (bytes / top) * (height - 10)
  const line = (value: (sample: HeapUsage) => number | null): string =>
    samples
      .filter((sample) => value(sample) !== null)
      .map(
        (sample, index) =>
          `${index ? 'L' : 'M'}${x(sample.timeMs).toFixed(1)},${y(value(sample) as number).toFixed(1)}`,
      )
      .join(' ')
  const last = samples[samples.length - 1]
  return (
    <figure className="timeline">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Heap usage over time">
        <path d={line((sample) => sample.totalSize)} className="total" />
        <path d={line((sample) => sample.usedSize)} className="used" />
        <path d={line((sample) => sample.backingStorageSize)} className="backing" />
        {markers.map((marker, index) => (
          <g key={index}>
            <line
              x1={x(marker.timeMs)}
              x2={x(marker.timeMs)}
              y1={0}
              y2={height}
              className="marker"
            />
            <title>{marker.label}</title>
          </g>
        ))}
      </svg>
      <figcaption>
        Used {formatBytes(last.usedSize)} of {formatBytes(last.totalSize)}
        {last.backingStorageSize !== null &&
          ` · backing stores ${formatBytes(last.backingStorageSize)}`}
        {markers.length > 0 && ` · ${markers.map((marker) => marker.label).join(', ')}`}
      </figcaption>
    </figure>
  )
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
}: Omit<Props, 'attached' | 'onAttached'> & {
  target: AttachInfo
  onDetached: () => void
}): React.JSX.Element {
  const [progress, setProgress] = useState<ProgressEvent | null>(null)
  const [failure, setError] = useState<string | null>(null)
  const error = failure ?? timeline.error
  const collect = async (): Promise<void> => {
    await api.collectGarbage({ attachId: target.attachId })
    timeline.mark('GC')
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
      <Timeline samples={timeline.samples} markers={timeline.markers} />
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
      {taken.length > 0 && (
        <>
          <h3>Snapshots taken in this session</h3>
          <ul className="snapshots" aria-label="Snapshots taken in this session">
            {taken.map((info) => (
              <li key={info.snapshotId}>
                <button onClick={() => onSelect(info)}>
                  {fileName(info.file)} — {info.nodeCount.toLocaleString('en-US')} objects,{' '}
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

export function AttachView({
  api,
  onOpened,
  attached,
  onAttached: setAttached,
  timeline,
  taken,
  onSelect,
  onGrowth,
}: Props): React.JSX.Element {
  const [host, setHost] = useState('127.0.0.1')
  const [port, setPort] = useState('9229')
  const [targets, setTargets] = useState<TargetInfo[] | null>(null)
  const [processes, setProcesses] = useState<NodeProcessInfo[]>([])
  const [error, setError] = useState<string | null>(null)
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
          {processes.map((entry) => (
            <tr key={entry.pid}>
              <td>{entry.pid}</td>
              <td>{entry.inspectorPort === null ? '–' : `127.0.0.1:${entry.inspectorPort}`}</td>
              <td className="name">{entry.command}</td>
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
    </section>
  )
}
