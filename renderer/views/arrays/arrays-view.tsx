// Arrays: every JS Array, typed array and ArrayBuffer by retained size, with length and store
// bytes; each row asks "Why alive?".
import type { HeapgraphApi, SnapshotInfo } from '../../../shared/protocol'
import { ObjectCells } from '../../components/object-cells'
import { useQuery } from '../../components/use-query'
import { formatBytes } from '../../format'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onWhy: (node: number) => void
}

export function ArraysView({ api, snapshot, onWhy }: Props): React.JSX.Element {
  const { data, error } = useQuery(
    () =>
      api.getArrays({
        snapshotId: snapshot.snapshotId,
        count: 200,
        kinds: ['array', 'typed-array', 'array-buffer'],
      }),
    [snapshot.snapshotId],
  )
  return (
    <section>
      <h1>Arrays</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Object</th>
            <th>Distance</th>
            <th>Self</th>
            <th>Retained</th>
            <th>Kind</th>
            <th>Length</th>
            <th>Store</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.items.map((entry) => (
            <tr key={entry.node}>
              <ObjectCells object={entry} />
              <td>{entry.kind}</td>
              <td className="number">
                {entry.length === null
                  ? '?'
                  : `${entry.lengthIsEstimate ? '~' : ''}${entry.length.toLocaleString('en-US')}`}
              </td>
              <td className="number">{formatBytes(entry.storeSize)}</td>
              <td>
                <button onClick={() => onWhy(entry.node)}>Why alive?</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.total > data.items.length && (
        <p>{data.total - data.items.length} more not shown.</p>
      )}
    </section>
  )
}
