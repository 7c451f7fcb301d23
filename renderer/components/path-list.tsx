// A retainer path as an accessible ordered list, from the GC root down to the object, with
// buttons that copy it as plain text or Markdown for a bug report.
import { useState } from 'react'
import type { PathStepDto, ReadableStep } from '../../shared/protocol'
import { displayClass, formatBytes, formatReference, objectLabel, runningCodeNote } from '../format'

/** A route read as code (the engine's readable steps) as lines of text. */
export function readableLines(steps: readonly ReadableStep[]): string[] {
  return steps.map((step, position) => {
    const label = objectLabel(step.node)
    if (position === 0 || !step.via) return step.start ? `${step.start} @${step.node.id}` : label
    return `${'  '.repeat(position)}${step.via.text} → ${label}`
  })
}

export function pathLines(path: PathStepDto[]): string[] {
  return path.map((step, position) => {
    const label = objectLabel(step.node)
    return position === 0 || !step.edge
      ? label
      : `${'  '.repeat(position)}${formatReference(step.edge)} → ${label}`
  })
}

export function PathList({
  path,
  readable,
  sameHolderRoutes = 0,
  index,
  label = `Retainer path ${index + 1}`,
}: {
  path: PathStepDto[]
  /** The same path read as code; shown instead of the raw steps when given. */
  readable?: readonly ReadableStep[]
  /** How many other routes lead to the object through the same holder. */
  sameHolderRoutes?: number
  index: number
  /** Accessible name of the list (several lists on one screen need different ones). */
  label?: string
}): React.JSX.Element {
  const [copied, setCopied] = useState<string | null>(null)
  const text = (readable ? readableLines(readable) : pathLines(path)).join('\n')
  const markdown = ['```', text, '```'].join('\n')
  const note = runningCodeNote(path)
  const copy = (value: string, what: string): void => {
    void navigator.clipboard?.writeText(value).then(
      () => setCopied(what),
      () => setCopied('not allowed here'),
    )
  }
  return (
    <figure className="path">
      <figcaption>
        Path {index + 1} ({path.length - 1} reference{path.length === 2 ? '' : 's'} from a GC root){' '}
        <button onClick={() => copy(text, 'text')}>Copy</button>{' '}
        <button onClick={() => copy(markdown, 'Markdown')}>Copy as Markdown</button>
        {copied && <span className="copied"> copied as {copied}</span>}
      </figcaption>
      {note && <p className="path-note">{note}</p>}
      <ol aria-label={label}>
        {readable
          ? readable.map((step, position) => (
              <li key={position}>
                {step.via && <span className="edge">{step.via.text} → </span>}
                <span className="node">{step.start ?? step.node.label}</span>{' '}
                <span className="id">@{step.node.id}</span>{' '}
                <span className="size">{formatBytes(step.node.retainedSize)} retained</span>
              </li>
            ))
          : path.map((step, position) => (
              <li key={position}>
                {step.edge && <span className="edge">{formatReference(step.edge)} → </span>}
                <span className="node">{step.node.label ?? displayClass(step.node)}</span>{' '}
                <span className="id">@{step.node.id}</span>{' '}
                <span className="size">{formatBytes(step.node.retainedSize)} retained</span>
              </li>
            ))}
      </ol>
      {sameHolderRoutes > 0 && (
        <p className="muted">
          {sameHolderRoutes} other route{sameHolderRoutes === 1 ? ' leads' : 's lead'} to it through
          the same holder.
        </p>
      )}
    </figure>
  )
}
