// Summary: classes by retained size, filterable; a class expands into its largest instances.
import { Fragment, useState } from 'react'
import type { HeapgraphApi, SnapshotInfo } from '../../../shared/protocol'
import { ObjectCells } from '../../components/object-cells'
import { useQuery } from '../../components/use-query'
import { formatBytes, formatDistance } from '../../format'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onObject: (node: number) => void
}

function Members({
  api,
  snapshot,
  classKey,
  onObject,
}: Props & { classKey: string }): React.JSX.Element {
  const { data } = useQuery(
    () => api.getClassMembers({ snapshotId: snapshot.snapshotId, classKey, count: 20 }),
    [snapshot.snapshotId, classKey],
  )
  if (!data)
    return (
      <tr>
        <td colSpan={5}>Loading…</td>
      </tr>
    )
  return (
    <>
      {data.items.map((member) => (
        <tr key={member.node} className="member" onClick={() => onObject(member.node)}>
          <td />
          <ObjectCells object={member} />
        </tr>
      ))}
      {data.total > data.items.length && (
        <tr className="member">
          <td />
          <td colSpan={4}>… {data.total - data.items.length} more</td>
        </tr>
      )}
    </>
  )
}

export function SummaryView(props: Props): React.JSX.Element {
  const { api, snapshot } = props
  const [filter, setFilter] = useState('')
  const [expanded, setExpanded] = useState<string | null>(null)
  const { data, error } = useQuery(
    () =>
      api.getSummary({ snapshotId: snapshot.snapshotId, count: 200, filter: filter || undefined }),
    [snapshot.snapshotId, filter],
  )
  return (
    <section>
      <h1>Summary</h1>
      <input
        aria-label="Filter classes"
        placeholder="Filter by class name"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Class</th>
            <th>Count</th>
            <th>Distance</th>
            <th>Self</th>
            <th>Retained</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((entry) => (
            <Fragment key={entry.classKey}>
              <tr
                className="class"
                onClick={() => setExpanded(expanded === entry.classKey ? null : entry.classKey)}
              >
                <td className="name">
                  {expanded === entry.classKey ? '▾' : '▸'} {entry.className}
                </td>
                <td className="number">{entry.count.toLocaleString('en-US')}</td>
                <td className="number">{formatDistance(entry.distance)}</td>
                <td className="number">{formatBytes(entry.selfSize)}</td>
                <td className="number">{formatBytes(entry.retainedSize)}</td>
              </tr>
              {expanded === entry.classKey && <Members {...props} classKey={entry.classKey} />}
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
  )
}
