// Leaks: memlab's three-snapshot method on snapshots of one process. The user picks the
// baseline, the target (after the action) and the final snapshot (after undoing it), by default
// the three opened last in order, and is warned when their object ids do not look like one
// process's. Suspects are objects new in the target and still alive in the final, V8's noise
// removed, grouped by retainer path and ranked by retained size; groups that only V8's internals
// hold are left out unless asked for. Classes that keep growing are listed too, which catches
// leaks that start after the target snapshot. "Show graph" draws a group's heads in one
// retainer graph, their paths merged.
import { useState } from 'react'
import type {
  GrowingClass,
  HeapgraphApi,
  IdComparison,
  LeakCluster,
  LeakReport,
  SnapshotInfo,
} from '../../../shared/protocol'
import { PathList } from '../../components/path-list'
import { useQuery } from '../../components/use-query'
import { fileName, formatBytes } from '../../format'
import { MERGED_GRAPH_OBJECTS, MergedGraphView } from '../graph/merged-graph-view'
import '../tables.css'

interface Props {
  api: HeapgraphApi
  /** The snapshot shown: objects open in it (by their @id when the final is another one). */
  snapshot: SnapshotInfo
  snapshots: SnapshotInfo[]
  /** Opens an object of the snapshot shown, to ask why it is alive. */
  onObject: (node: number) => void
}

type Role = 'base' | 'target' | 'final'

/** Each snapshot's place among the open ones, so that equal file names stay apart. */
function optionLabel(info: SnapshotInfo, position: number): string {
  return `${position + 1}. ${fileName(info.file)} (${info.nodeCount.toLocaleString('en-US')} objects)`
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
        {options.map((info, position) => (
          <option key={info.snapshotId} value={info.snapshotId}>
            {optionLabel(info, position)}
          </option>
        ))}
      </select>
    </label>
  )
}

interface Pair {
  older: SnapshotInfo
  newer: SnapshotInfo
  comparison: IdComparison
}

/** Why two snapshots do not look like one process's, in a sentence; null when they do. */
function pairProblem({ older, newer, comparison }: Pair): string | null {
  const names = `${fileName(older.file)} and ${fileName(newer.file)}`
  if (comparison.mismatch === 'no-common-ids')
    return `${names} have no object id in common: they look like snapshots of different processes.`
  if (comparison.mismatch === 'classes-differ') {
    const share = Math.round((100 * comparison.sameClassCount) / comparison.commonCount)
    return `${names} look like snapshots of different processes: only ${share}% of the ids they share keep their class.`
  }
  return null
}

/** Compares baseline with target and target with final by their object ids. */
async function checkOneProcess(
  api: HeapgraphApi,
  [base, target, final]: [SnapshotInfo, SnapshotInfo, SnapshotInfo],
): Promise<string[]> {
  const pairs = await Promise.all(
    [
      [base, target],
      [target, final],
    ].map(async ([older, newer]) => ({
      older,
      newer,
      comparison: await api.compareSnapshotIds({
        snapshotId: newer.snapshotId,
        baseSnapshotId: older.snapshotId,
      }),
    })),
  )
  return pairs.flatMap((pair) => pairProblem(pair) ?? [])
}

function Cluster({
  api,
  finalId,
  cluster,
  index,
  openById,
  openNode,
}: {
  api: HeapgraphApi
  finalId: string
  cluster: LeakCluster
  index: number
  /** Opens an object by its @id in the snapshot shown; resolves to why not, or null. */
  openById: (objectId: number) => Promise<string | null>
  /** Opens a node of the final snapshot. */
  openNode: (node: number) => void
}): React.JSX.Element {
  const [error, setError] = useState<string | null>(null)
  const [showGraph, setShowGraph] = useState(false)
  const drawnCount = Math.min(MERGED_GRAPH_OBJECTS, cluster.objectIds.length)
  const folded = cluster.suspectCount - cluster.count
  return (
    <li className={cluster.heldByInternals ? 'cluster internal' : 'cluster'}>
      <h3>
        {cluster.count.toLocaleString('en-US')} × {cluster.className} ·{' '}
        {formatBytes(cluster.retainedSize)} retained
        {folded > 0 &&
          ` (heads, holding ${folded.toLocaleString('en-US')} more ${folded === 1 ? 'suspect' : 'suspects'})`}
        {cluster.heldByInternals && <span className="tag">held only by V8 internals</span>}{' '}
        <button onClick={() => void openById(cluster.objectIds[0]).then(setError)}>
          Why alive?
        </button>{' '}
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
          snapshotId={finalId}
          objectIds={cluster.objectIds}
          title={`${drawnCount} of the ${cluster.count.toLocaleString('en-US')} ${cluster.className} suspects`}
          onObject={openNode}
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

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`
}

/** The report's numbers in one sentence, with or without the groups only V8 holds. */
function summaryLine(report: LeakReport, withInternal: boolean): string {
  const internal = report.internalOnly
  const clusterCount = report.clusterCount + (withInternal ? internal.clusterCount : 0)
  if (clusterCount === 0)
    return internal.clusterCount > 0
      ? `No suspects held by the program: only V8's internals hold what was made between the baseline and the target (${plural(internal.clusterCount, 'group', 'groups')}).`
      : 'No suspects: nothing made between the baseline and the target is still alive.'
  const suspects = report.suspectCount + (withInternal ? internal.suspectCount : 0)
  const retained = report.retainedSize + (withInternal ? internal.retainedSize : 0)
  return `${plural(suspects, 'suspect', 'suspects')} in ${plural(clusterCount, 'group', 'groups')}, retaining ${formatBytes(retained)}.`
}

function Report({
  api,
  report,
  finalId,
  openById,
  openNode,
}: {
  api: HeapgraphApi
  report: LeakReport
  finalId: string
  openById: (objectId: number) => Promise<string | null>
  openNode: (node: number) => void
}): React.JSX.Element {
  const [withInternal, setWithInternal] = useState(false)
  const internal = report.internalOnly
  const clusters = withInternal
    ? [...report.clusters, ...internal.clusters].sort((a, b) => b.retainedSize - a.retainedSize)
    : report.clusters
  return (
    <>
      <p role="status">{summaryLine(report, withInternal)}</p>
      <p className="muted counts-explained">
        <strong>Suspects</strong> are objects made between the baseline and the target (their ids
        are in the target, not in the baseline) that the final snapshot still has, V8&apos;s own
        objects left out. <strong>Heads</strong> are suspects that no other suspect holds alone
        (dominates): “N ×” counts heads, and each head&apos;s suspects are folded into it. Heads
        whose nearest retainers have the same classes and references form a group.{' '}
        <strong>Retained</strong> is what the heads keep alive: the memory freed if they went.
      </p>
      <label className="internal-toggle">
        <input
          type="checkbox"
          checked={withInternal}
          disabled={internal.clusterCount === 0}
          onChange={(event) => setWithInternal(event.target.checked)}
        />{' '}
        Show clusters held only by V8 internals{' '}
        <span className="muted">
          ({plural(internal.clusterCount, 'group', 'groups')},{' '}
          {plural(internal.suspectCount, 'suspect', 'suspects')},{' '}
          {formatBytes(internal.retainedSize)} {withInternal ? 'included' : 'left out'}: feedback
          cells, allocation sites and other bookkeeping no code of the program holds)
        </span>
      </label>
      <ol className="clusters" aria-label="Leak suspects">
        {clusters.map((cluster, index) => (
          <Cluster
            key={cluster.signature}
            api={api}
            finalId={finalId}
            cluster={cluster}
            index={index}
            openById={openById}
            openNode={openNode}
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
  )
}

export function LeaksView({ api, snapshot, snapshots, onObject }: Props): React.JSX.Element {
  // By default the three opened last, oldest first.
  const defaults: Record<Role, string> = {
    base: snapshots.at(-3)?.snapshotId ?? '',
    target: snapshots.at(-2)?.snapshotId ?? '',
    final: snapshots.at(-1)?.snapshotId ?? '',
  }
  const [chosen, setChosen] = useState<Record<Role, string>>(defaults)
  // Choices whose snapshot has gone (closed, its engine died) give way to the defaults.
  const infoOf = (id: string): SnapshotInfo | undefined =>
    snapshots.find((info) => info.snapshotId === id)
  const pick = (role: Role): string => (infoOf(chosen[role]) ? chosen[role] : defaults[role])
  const ids = { base: pick('base'), target: pick('target'), final: pick('final') }
  const infos = [infoOf(ids.base), infoOf(ids.target), infoOf(ids.final)]
  const distinct = new Set([ids.base, ids.target, ids.final]).size === 3
  const three =
    distinct && infos.every((info) => info !== undefined)
      ? (infos as [SnapshotInfo, SnapshotInfo, SnapshotInfo])
      : null
  const [report, setReport] = useState<{ report: LeakReport; key: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const key = `${ids.base} ${ids.target} ${ids.final}`
  const check = useQuery(
    () => (three ? checkOneProcess(api, three) : Promise.resolve([])),
    [key, three !== null],
  )
  const choose = (role: Role) => (snapshotId: string) => {
    setChosen({ ...ids, [role]: snapshotId })
    setError(null)
  }
  const run = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      const found = await api.findLeaks({
        baseSnapshotId: ids.base,
        targetSnapshotId: ids.target,
        finalSnapshotId: ids.final,
      })
      setReport({ report: found, key })
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
    } finally {
      setBusy(false)
    }
  }
  const finalInfo = infoOf(ids.final)
  // Objects open in the snapshot shown: when the final is another one, by their @id.
  const openById = async (objectId: number): Promise<string | null> => {
    const found = await api.findObject({ snapshotId: snapshot.snapshotId, objectId })
    if (found) {
      onObject(found.node)
      return null
    }
    return `@${objectId} is not in ${fileName(snapshot.file)}, the snapshot shown: show ${finalInfo ? fileName(finalInfo.file) : 'the final snapshot'} to open it.`
  }
  const openNode = (node: number): void => {
    if (ids.final === snapshot.snapshotId) {
      onObject(node)
      return
    }
    void api
      .getObject({ snapshotId: ids.final, node })
      .then((object) => openById(object.id))
      .then((problem) => problem && setError(problem))
  }
  const shown = report?.key === key ? report.report : null
  return (
    <section className="leaks">
      <h1>Leaks</h1>
      {snapshots.length < 3 ? (
        <p>
          Leak suspects need three snapshots of one process: a baseline, the target (after the
          action you suspect) and the final (after undoing it). Take them from an attached target,
          or open them.
        </p>
      ) : (
        <>
          <form
            className="row"
            onSubmit={(event) => {
              event.preventDefault()
              void run()
            }}
          >
            <SnapshotPicker
              label="Baseline"
              value={ids.base}
              options={snapshots}
              onChange={choose('base')}
            />
            <SnapshotPicker
              label="Target (after the action)"
              value={ids.target}
              options={snapshots}
              onChange={choose('target')}
            />
            <SnapshotPicker
              label="Final (after undoing it)"
              value={ids.final}
              options={snapshots}
              onChange={choose('final')}
            />
            <button type="submit" disabled={busy || three === null}>
              {busy ? 'Searching…' : 'Find leaks'}
            </button>
          </form>
          {!distinct && (
            <p className="warning" role="alert">
              Pick three different snapshots.
            </p>
          )}
          {three !== null && check.data === null && !check.error && (
            <p className="muted">Checking that the three are snapshots of one process…</p>
          )}
          {check.data !== null && check.data.length > 0 && (
            <div className="warning" role="alert">
              <strong>These do not look like three snapshots of one process.</strong>{' '}
              {check.data.join(' ')} Object ids are only comparable within one process, so the
              suspects found may be wrong.
            </div>
          )}
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {shown && (
        <Report
          key={key}
          api={api}
          report={shown}
          finalId={ids.final}
          openById={openById}
          openNode={openNode}
        />
      )}
    </section>
  )
}
