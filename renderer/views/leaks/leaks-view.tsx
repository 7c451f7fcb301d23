// Leaks: memlab's three-snapshot method on snapshots of one process. The user picks the
// baseline and the target (after the action); this snapshot is the final one (after undoing
// it). Suspects are objects new in the target and still alive now, V8's noise removed, grouped
// by retainer path and ranked by retained size; classes that keep growing are listed too,
// which catches leaks that start after the target snapshot. "Show graph" draws a cluster's
// heads in one retainer graph, their paths merged.
import { useState } from 'react'
import type {
  GrowingClass,
  HeapgraphApi,
  LeakCluster,
  LeakReport,
  SnapshotInfo,
} from '../../../shared/protocol'
import { PathList } from '../../components/path-list'
import { fileName, formatBytes } from '../../format'
import { MERGED_GRAPH_OBJECTS, MergedGraphView } from '../graph/merged-graph-view'

interface Props {
  api: HeapgraphApi
  /** The final snapshot. */
  snapshot: SnapshotInfo
  snapshots: SnapshotInfo[]
  /** Opens an object of the final snapshot, to ask why it is alive. */
  onObject: (node: number) => void
}

function SnapshotPicker({
  label,
  value,
  options,
  onChange,
}: {
  label: string
  value: string
  options: SnapshotInfo[]
  onChange: (snapshotId: string) => void
}): React.JSX.Element {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        {options.map((info) => (
          <option key={info.snapshotId} value={info.snapshotId}>
            {fileName(info.file)}
          </option>
        ))}
      </select>
    </label>
  )
}

function Cluster({
  api,
  snapshot,
  cluster,
  index,
  onObject,
}: {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  cluster: LeakCluster
  index: number
  onObject: (node: number) => void
}): React.JSX.Element {
  const [error, setError] = useState<string | null>(null)
  const [showGraph, setShowGraph] = useState(false)
  const drawnCount = Math.min(MERGED_GRAPH_OBJECTS, cluster.objectIds.length)
  const open = async (): Promise<void> => {
    const found = await api.findObject({
      snapshotId: snapshot.snapshotId,
      objectId: cluster.objectIds[0],
    })
    if (found) onObject(found.node)
    else setError(`@${cluster.objectIds[0]} is not in this snapshot`)
  }
  return (
    <li className="cluster">
      <h3>
        {cluster.count.toLocaleString('en-US')} × {cluster.className} ·{' '}
        {formatBytes(cluster.retainedSize)} retained
        {cluster.suspectCount > cluster.count &&
          ` (with ${(cluster.suspectCount - cluster.count).toLocaleString('en-US')} objects they hold)`}{' '}
        <button onClick={() => void open()}>Why alive?</button>{' '}
        <button onClick={() => setShowGraph(!showGraph)}>
          {showGraph ? 'Hide graph' : 'Show graph'}
        </button>
      </h3>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {showGraph && (
        <MergedGraphView
          api={api}
          snapshotId={snapshot.snapshotId}
          objectIds={cluster.objectIds}
          title={`${drawnCount} of the ${cluster.count.toLocaleString('en-US')} ${cluster.className} suspects`}
          onObject={onObject}
        />
      )}
      {cluster.path.length > 0 && (
        <PathList path={cluster.path} index={0} label={`Leak ${index + 1} path`} />
      )}
      <p className="muted">
        Objects:{' '}
        {cluster.objectIds
          .slice(0, 12)
          .map((id) => `@${id}`)
          .join(' ')}
        {cluster.objectIds.length > 12 && ' …'}
      </p>
    </li>
  )
}

function Growing({ rows }: { rows: GrowingClass[] }): React.JSX.Element {
  return (
    <table aria-label="Growing classes">
      <thead>
        <tr>
          <th>Class</th>
          <th className="number">Count: baseline → target → final</th>
          <th className="number">Retained: baseline → target → final</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.classKey}>
            <td className="name">{row.className}</td>
            <td className="number">
              {row.counts.map((count) => count.toLocaleString('en-US')).join(' → ')}
            </td>
            <td className="number">{row.retainedSizes.map(formatBytes).join(' → ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function LeaksView({ api, snapshot, snapshots, onObject }: Props): React.JSX.Element {
  const others = snapshots.filter((info) => info.snapshotId !== snapshot.snapshotId)
  const [chosenBase, setBaseId] = useState(others.at(-2)?.snapshotId ?? '')
  const [chosenTarget, setTargetId] = useState(others.at(-1)?.snapshotId ?? '')
  // Choices whose snapshot has gone (closed, its engine died) give way to the defaults.
  const present = (id: string): boolean => others.some((info) => info.snapshotId === id)
  const baseId = present(chosenBase) ? chosenBase : (others.at(-2)?.snapshotId ?? '')
  const targetId = present(chosenTarget) ? chosenTarget : (others.at(-1)?.snapshotId ?? '')
  const [report, setReport] = useState<LeakReport | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const run = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      setReport(
        await api.findLeaks({
          baseSnapshotId: baseId,
          targetSnapshotId: targetId,
          finalSnapshotId: snapshot.snapshotId,
        }),
      )
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="leaks">
      <h1>Leaks</h1>
      {others.length < 2 ? (
        <p>
          Leak suspects need three snapshots of one process: a baseline, the target (after the
          action you suspect) and this one, the final (after undoing it). Take them from an attached
          target, or open them.
        </p>
      ) : (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault()
            void run()
          }}
        >
          <SnapshotPicker label="Baseline" value={baseId} options={others} onChange={setBaseId} />
          <SnapshotPicker
            label="Target (after the action)"
            value={targetId}
            options={others}
            onChange={setTargetId}
          />
          <span>Final: {fileName(snapshot.file)}</span>
          <button type="submit" disabled={busy || !baseId || !targetId || baseId === targetId}>
            {busy ? 'Searching…' : 'Find leaks'}
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {report && (
        <>
          <p role="status">
            {report.clusterCount === 0
              ? 'No suspects: nothing made between the baseline and the target is still alive.'
              : `${report.suspectCount.toLocaleString('en-US')} suspects in ${report.clusterCount.toLocaleString('en-US')} group${report.clusterCount === 1 ? '' : 's'}, retaining ${formatBytes(report.retainedSize)}.`}
          </p>
          <ol className="clusters" aria-label="Leak suspects">
            {report.clusters.map((cluster, index) => (
              <Cluster
                key={cluster.signature}
                api={api}
                snapshot={snapshot}
                cluster={cluster}
                index={index}
                onObject={onObject}
              />
            ))}
          </ol>
          <h2>Growing classes</h2>
          {report.growing.length === 0 ? (
            <p className="muted">No class grew across the three snapshots.</p>
          ) : (
            <Growing rows={report.growing} />
          )}
        </>
      )}
    </section>
  )
}
