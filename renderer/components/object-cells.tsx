// Table cells for an object: its class and id, distance and sizes. The name cell and the number
// cells are also exported apart, for tables that put other columns between them.
import type { ObjectSummary } from '../../shared/protocol'
import { displayClass, formatBytes, formatDistance } from '../format'

export function ObjectNameCell({
  object,
  className = 'name',
}: {
  object: ObjectSummary
  className?: string
}): React.JSX.Element {
  return (
    <td className={className} title={`${displayClass(object)}: ${object.name}`}>
      {object.label} <span className="id">@{object.id}</span>
    </td>
  )
}

export function ObjectSizeCells({ object }: { object: ObjectSummary }): React.JSX.Element {
  return (
    <>
      <td className="number">{formatDistance(object.distance)}</td>
      <td className="number">{formatBytes(object.selfSize)}</td>
      <td className="number">{formatBytes(object.retainedSize)}</td>
    </>
  )
}

export function ObjectCells({ object }: { object: ObjectSummary }): React.JSX.Element {
  return (
    <>
      <ObjectNameCell object={object} />
      <ObjectSizeCells object={object} />
    </>
  )
}
