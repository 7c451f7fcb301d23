// Table cells for an object: its class and id (and, for a Summary member, its properties in one
// muted line), distance and sizes. The name cell and the number cells are also exported apart,
// for tables that put other columns between them.
import type { ArrayHolder, ObjectSummary } from '../../shared/protocol'
import { displayClass, formatBytes, formatDistance } from '../format'
import '../views/tables.css'

/** The one-line property preview a listed object carries (Summary members), if any. */
function previewOf(object: ObjectSummary): string | undefined {
  return 'preview' in object && typeof object.preview === 'string' ? object.preview : undefined
}

export function ObjectNameCell({
  object,
  className = 'name',
}: {
  object: ObjectSummary
  className?: string
}): React.JSX.Element {
  const preview = previewOf(object)
  const title = `${displayClass(object)}: ${object.name}${preview ? `\n${preview}` : ''}`
  return (
    <td className={className} title={title}>
      {object.label} <span className="id">@{object.id}</span>
      {preview && (
        <>
          {' '}
          <span className="preview">{preview}</span>
        </>
      )}
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

/** How a holder holds an object, as code reads it: `Map(≥100) entry "k0"`, `record.values`. */
export function holderText(holder: ArrayHolder): string {
  const via = holder.via
  if (!via) return holder.object.label
  // Property and element access read as one expression; other links follow a space.
  const joined = via.kind === 'property' || via.kind === 'element'
  return `${holder.object.label}${joined ? '' : ' '}${via.text}`
}

/** The "Held by" cell: the holder and how it holds the object, or what holds it instead. */
export function HolderCell({
  holder,
  object,
}: {
  holder: ArrayHolder | null | undefined
  object: ObjectSummary
}): React.JSX.Element {
  if (holder === undefined) return <td className="holder muted">…</td>
  if (holder === null) {
    const text = object.distance === null ? 'nothing (unreachable)' : 'a GC root'
    return <td className="holder muted">{text}</td>
  }
  const text = holderText(holder)
  return (
    <td className="holder" title={`${text} (@${holder.object.id})`}>
      {text} <span className="id">@{holder.object.id}</span>
    </td>
  )
}
