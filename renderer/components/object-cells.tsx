// Table cells for an object: its class and id, distance and sizes.
import type { ObjectSummary } from '../../shared/protocol'
import { formatBytes, formatDistance } from '../format'

export function ObjectCells({ object }: { object: ObjectSummary }): React.JSX.Element {
  return (
    <>
      <td className="name" title={object.name}>
        {object.className} <span className="id">@{object.id}</span>
      </td>
      <td className="number">{formatDistance(object.distance)}</td>
      <td className="number">{formatBytes(object.selfSize)}</td>
      <td className="number">{formatBytes(object.retainedSize)}</td>
    </>
  )
}
