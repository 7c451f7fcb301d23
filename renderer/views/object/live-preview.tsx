// The live value of a snapshot object while its target is still attached: the object's own
// properties as the running program has them now (HeapProfiler.getObjectByHeapObjectId). Once
// the target is gone, or the object was collected, it says so.
import type { HeapgraphApi } from '../../../shared/protocol'
import { useQuery } from '../../components/use-query'

interface Props {
  api: HeapgraphApi
  attachId: string
  objectId: number
}

export function LivePreview({ api, attachId, objectId }: Props): React.JSX.Element {
  const live = useQuery(() => api.previewObject({ attachId, objectId }), [attachId, objectId])
  return (
    <details className="live-preview" open>
      <summary>
        <h2>Live value</h2> (the target is still attached: its first properties now)
      </summary>
      {live.error && <p className="muted">Not available: {live.error}</p>}
      {live.data && live.data.length === 0 && <p className="muted">No own properties.</p>}
      {live.data && live.data.length > 0 && (
        <div className="scroll">
          <table aria-label="Live value">
            <tbody>
              {live.data.map((property) => (
                <tr key={property.name}>
                  <th scope="row" className="name">
                    {property.name}
                  </th>
                  <td className="id">{property.type}</td>
                  <td className="name">{property.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  )
}
