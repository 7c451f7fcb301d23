// Insights: the analyses other tools have, on one page of the snapshot (issue 14): duplicated
// strings (what one copy each would save), detached DOM trees and what holds them, closure
// leaks (a scope's variable kept by functions that may not use it), and DevTools' named
// filters (objects only the console, only event handlers or only detached DOM keep). Every
// object opens in the details pane.
import { useState } from 'react'
import type {
  ArrayHolder,
  HeapgraphApi,
  ObjectSummary,
  Page,
  RetainerKind,
  SnapshotInfo,
} from '../../../shared/protocol'
import { holderText } from '../../components/object-cells'
import { MoreRow } from '../../components/more-row'
import { usePages, type Pages } from '../../components/use-pages'
import { formatBytes } from '../../format'

const PAGE = 20

/** "1 text", "3 texts". */
const counted = (value: number, one: string, many: string): string =>
  `${value.toLocaleString('en-US')} ${value === 1 ? one : many}`

function ObjectLink({
  object,
  onObject,
}: {
  object: ObjectSummary
  onObject: (node: number) => void
}): React.JSX.Element {
  return (
    <button className="link" onClick={() => onObject(object.node)} title={object.className}>
      {object.label} <span className="id">@{object.id}</span>
    </button>
  )
}

function Holder({
  holder,
  onObject,
}: {
  holder: ArrayHolder | null
  onObject: (node: number) => void
}): React.JSX.Element {
  if (!holder) return <span className="muted">a GC root</span>
  return (
    <button className="link" onClick={() => onObject(holder.object.node)}>
      {holderText(holder)}
    </button>
  )
}

function DuplicateStrings({ api, snapshotId, onObject }: SectionProps): React.JSX.Element {
  const [includeInternal, setIncludeInternal] = useState(false)
  const { pages, report: summary } = useReport(
    (start, count) => api.getDuplicateStrings({ snapshotId, start, count, includeInternal }),
    [snapshotId, includeInternal],
  )
  return (
    <section aria-labelledby="insights-strings">
      <h2 id="insights-strings">Duplicated strings</h2>
      <p className="muted">
        {summary
          ? `${counted(pages.total ?? 0, 'text', 'texts')} held more than once (${counted(summary.copyCount, 'copy', 'copies')}); one copy each would save ${formatBytes(summary.wastedSize)}.`
          : 'Counting…'}{' '}
        <label>
          <input
            type="checkbox"
            checked={includeInternal}
            onChange={(event) => setIncludeInternal(event.target.checked)}
          />{' '}
          include copies only V8 holds
          {summary && !includeInternal && summary.internalOnly.textCount > 0
            ? ` (${counted(summary.internalOnly.textCount, 'text', 'texts')})`
            : ''}
        </label>
      </p>
      {pages.error && (
        <p role="alert" className="error">
          {pages.error}
        </p>
      )}
      <table className="object-list" aria-label="Duplicated strings">
        <colgroup>
          <col className="wide-column" />
          <col className="count-column" />
          <col className="size-column" />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Text</th>
            <th scope="col" className="number">
              Copies
            </th>
            <th scope="col" className="number">
              Wasted
            </th>
            <th scope="col">Held by</th>
          </tr>
        </thead>
        <tbody>
          {pages.items.map((entry, position) => (
            <tr key={position}>
              <td className="name" title={entry.text}>
                {entry.examples[0] ? (
                  <button className="link" onClick={() => onObject(entry.examples[0].node)}>
                    {JSON.stringify(entry.text)}
                    {entry.complete ? '' : '…'}
                  </button>
                ) : (
                  JSON.stringify(entry.text)
                )}
              </td>
              <td className="number">{entry.count.toLocaleString('en-US')}</td>
              <td className="number">{formatBytes(entry.wastedSize)}</td>
              <td className="holder">
                {entry.holders.slice(0, 2).map((holder, index) => (
                  <span key={index}>
                    {index > 0 && '; '}
                    {holder.count.toLocaleString('en-US')}×{' '}
                    <Holder holder={holder} onObject={onObject} />
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreRow pages={pages} />
    </section>
  )
}

function DetachedTrees({ api, snapshotId, onObject }: SectionProps): React.JSX.Element {
  const { pages, report } = useReport(
    (start, count) => api.getDetachedTrees({ snapshotId, start, count }),
    [snapshotId],
  )
  const hasDom = report?.hasDom ?? null
  return (
    <section aria-labelledby="insights-detached">
      <h2 id="insights-detached">Detached DOM</h2>
      {hasDom === false ? (
        <p className="muted">
          This snapshot has no DOM (a Node.js heap): nothing in it can be detached.
        </p>
      ) : pages.total === 0 ? (
        <p className="muted">No detached DOM node: every DOM node is in a document.</p>
      ) : (
        <table className="object-list" aria-label="Detached DOM trees">
          <colgroup>
            <col className="wide-column" />
            <col className="count-column" />
            <col className="size-column" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Tree (its root)</th>
              <th scope="col" className="number">
                Nodes
              </th>
              <th scope="col" className="number">
                Retained
              </th>
              <th scope="col">Held by</th>
            </tr>
          </thead>
          <tbody>
            {pages.items.map((tree) => (
              <tr key={tree.root.node}>
                <td className="name">
                  <ObjectLink object={tree.root} onObject={onObject} />
                </td>
                <td className="number">{tree.nodeCount.toLocaleString('en-US')}</td>
                <td className="number">{formatBytes(tree.retainedSize)}</td>
                <td className="holder">
                  {tree.heldBy.slice(0, 2).map((entry, index) => (
                    <span key={entry.node.node}>
                      {index > 0 && '; '}
                      <Holder holder={entry.holder} onObject={onObject} />
                    </span>
                  ))}
                  {tree.entryCount > 2 && ` and ${tree.entryCount - 2} more`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreRow pages={pages} />
    </section>
  )
}

const USE_TEXT = {
  unused: 'no function that holds the scope reads it',
  shared: 'kept by functions that do not read it, beside those that do',
  unknown: 'shared by several functions; the snapshot does not say which reads it',
}

function ClosureLeaks({ api, snapshotId, onObject }: SectionProps): React.JSX.Element {
  const { pages, report } = useReport(
    (start, count) => api.getClosureLeaks({ snapshotId, start, count }),
    [snapshotId],
  )
  const hasScopeInfo = report?.hasScopeInfo ?? null
  return (
    <section aria-labelledby="insights-closures">
      <h2 id="insights-closures">Closure leaks</h2>
      <p className="muted">
        V8 keeps every variable that any closure of a scope captures in one context: a closure that
        never mentions a variable keeps it alive when a sibling did.{' '}
        {hasScopeInfo === false &&
          'This snapshot has no scope information (Node.js, older Chrome): which function reads a variable is not known.'}
      </p>
      {pages.total === 0 ? (
        <p className="muted">No captured value of 10 kB or more is held that way.</p>
      ) : (
        <table className="object-list" aria-label="Closure leaks">
          <colgroup>
            <col className="wide-column" />
            <col className="size-column" />
            <col className="reason-column" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Variable</th>
              <th scope="col" className="number">
                Retained
              </th>
              <th scope="col">Why it may leak</th>
              <th scope="col">Kept by</th>
            </tr>
          </thead>
          <tbody>
            {pages.items.map((leak) => (
              <tr key={`${leak.context.node}:${leak.variable}`}>
                <td className="name">
                  <code>{leak.variable}</code> in{' '}
                  <ObjectLink object={leak.context} onObject={onObject} /> ={' '}
                  <ObjectLink object={leak.value} onObject={onObject} />
                </td>
                <td className="number">{formatBytes(leak.value.retainedSize)}</td>
                <td>{USE_TEXT[leak.use]}</td>
                <td className="holder">
                  {leak.holders.slice(0, 3).map((holder, index) => (
                    <span key={holder.closure.node}>
                      {index > 0 && ', '}
                      <ObjectLink object={holder.closure} onObject={onObject} />
                      {holder.usesVariable === false ? ' (does not read it)' : ''}
                    </span>
                  ))}
                  {leak.holderCount > 3 && ` and ${leak.holderCount - 3} more`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreRow pages={pages} />
    </section>
  )
}

const KINDS: { kind: RetainerKind; label: string }[] = [
  { kind: 'console', label: 'the DevTools console' },
  { kind: 'event-handlers', label: 'event handlers' },
  { kind: 'detached-dom', label: 'detached DOM nodes' },
]

function RetainedBy({ api, snapshotId, onObject }: SectionProps): React.JSX.Element {
  const [kind, setKind] = useState<RetainerKind>('console')
  const { pages, report: facts } = useReport(
    (start, count) => api.getRetainedBy({ snapshotId, kind, start, count }),
    [snapshotId, kind],
  )
  return (
    <section aria-labelledby="insights-retained">
      <h2 id="insights-retained">Objects only one kind of retainer keeps</h2>
      <p className="table-tools">
        <label>
          Kept alive only by{' '}
          <select value={kind} onChange={(event) => setKind(event.target.value as RetainerKind)}>
            {KINDS.map((each) => (
              <option key={each.kind} value={each.kind}>
                {each.label}
              </option>
            ))}
          </select>
        </label>{' '}
        <span className="muted" role="status">
          {facts
            ? `${counted(pages.total ?? 0, 'object', 'objects')}, ${formatBytes(facts.selfSize)} (${counted(facts.retainerCount, 'retainer', 'retainers')} of that kind)`
            : 'Counting…'}
        </span>
      </p>
      <table className="object-list" aria-label="Objects kept only by one kind of retainer">
        <colgroup>
          <col />
          <col className="size-column" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Object</th>
            <th scope="col" className="number">
              Retained
            </th>
          </tr>
        </thead>
        <tbody>
          {pages.items.map((object) => (
            <tr key={object.node}>
              <td className="name">
                <ObjectLink object={object} onObject={onObject} />
              </td>
              <td className="number">{formatBytes(object.retainedSize)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreRow pages={pages} />
    </section>
  )
}

/**
 * A paged report: its pages as usePages loads them, and the report's own facts from the latest
 * page (counts over every page, whether the snapshot can answer at all).
 */
function useReport<R extends Page<unknown>>(
  fetch: (start: number, count: number) => Promise<R>,
  inputs: unknown[],
): { pages: Pages<R['items'][number]>; report: R | null } {
  const [report, setReport] = useState<R | null>(null)
  const pages = usePages<R['items'][number]>(
    async (start, count) => {
      const answer = await fetch(start, count)
      setReport(answer)
      return answer
    },
    PAGE,
    inputs,
  )
  return { pages, report }
}

interface SectionProps {
  api: HeapgraphApi
  snapshotId: string
  onObject: (node: number) => void
}

export function InsightsView({
  api,
  snapshot,
  onObject,
}: {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onObject: (node: number) => void
}): React.JSX.Element {
  const props = { api, snapshotId: snapshot.snapshotId, onObject }
  return (
    <section className="insights">
      <h1>Insights</h1>
      <DuplicateStrings {...props} />
      <DetachedTrees {...props} />
      <ClosureLeaks {...props} />
      <RetainedBy {...props} />
    </section>
  )
}
