// The details pane's object: its label and facts, why it is alive (the verdict, the fix), its
// retainer graph, then tabs for its retainers and references (click to follow), the retainer
// paths as text (copyable as plain text and Markdown for bug reports), and where it was
// allocated when the snapshot recorded it.
import { useEffect, useMemo, useState } from 'react'
import type {
  HeapgraphApi,
  ObjectValue,
  Reference,
  SnapshotInfo,
  StackFrame,
} from '../../../shared/protocol'
import type { SiteChoice } from '../summary/summary-view'
import { ObjectCells } from '../../components/object-cells'
import { useQuery } from '../../components/use-query'
import {
  useActiveRow,
  VirtualTable,
  type Column,
  type RowView,
} from '../../components/virtual-rows'
import {
  displayClass,
  fileName,
  formatBytes,
  formatDistance,
  formatReference,
  objectLabel,
} from '../../format'
import { GraphView, type RequestedCut } from '../graph/graph-view'
import { LivePreview } from './live-preview'
import { PathList } from '../../components/path-list'
import { MoreRow } from '../../components/more-row'
import { usePages, type Pages } from '../../components/use-pages'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  node: number
  onObject: (node: number) => void
  /** Closes the details (the shell deselects the object). */
  onClose: () => void
  /** Shows the Summary of the objects allocated at a site (the allocating function). */
  onSite?: (site: SiteChoice) => void
}

type DetailsTab = 'retainers' | 'references' | 'paths' | 'allocation'

/** One path as lines of text: the root first, then each reference and the object it reaches. */
const REFERENCE_COLUMNS: readonly Column[] = [
  { id: 'reference', label: 'Reference', width: '14rem' },
  { id: 'object', label: 'Object' },
  { id: 'distance', label: 'Distance', numeric: true, width: '6rem' },
  { id: 'self', label: 'Self', numeric: true, width: '7rem' },
  { id: 'retained', label: 'Retained', numeric: true, width: '7rem' },
]

/**
 * A list of references (retainers or outgoing edges); weak ones dimmed. A click or Enter on a
 * row opens its object; arrow keys move between rows.
 */
function ReferenceTable({
  label,
  references,
  onObject,
}: {
  label: string
  references: Reference[]
  onObject: (node: number) => void
}): React.JSX.Element {
  const [active, setActive] = useActiveRow(references.length)
  const describe = (row: number): RowView => {
    const item = references[row]
    return {
      key: String(item.edge.edge),
      className: item.edge.isWeak ? 'weak' : undefined,
      cells: (
        <>
          <td className="name">
            {formatReference(item.edge)}
            {item.edge.isWeak ? ' (weak)' : ''}
          </td>
          <ObjectCells object={item.node} />
        </>
      ),
    }
  }
  const open = (row: number): void => onObject(references[row].node.node)
  return (
    <VirtualTable
      label={label}
      columns={REFERENCE_COLUMNS}
      rowCount={references.length}
      row={describe}
      active={active}
      onActiveChange={setActive}
      onActivate={open}
      onRowClick={open}
      maxHeight="none"
    />
  )
}

/** A paged list of references under its heading, with its count. */
function ReferenceSection({
  title,
  pages,
  onObject,
}: {
  title: string
  pages: Pages<Reference>
  onObject: (node: number) => void
}): React.JSX.Element {
  return (
    <>
      {pages.error && (
        <p role="alert" className="error">
          {pages.error}
        </p>
      )}
      <ReferenceTable label={title} references={pages.items} onObject={onObject} />
      <MoreRow pages={pages} />
    </>
  )
}

/** The engine's words with `code` in backticks, shown as code. */
function CodeText({ text }: { text: string }): React.JSX.Element {
  const parts = text.split('`')
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 ? <code key={index}>{part}</code> : <span key={index}>{part}</span>,
      )}
    </>
  )
}

/** A string's text, a number's value, an object's own properties. */
function ValueFacts({ value }: { value: ObjectValue }): React.JSX.Element | null {
  if (value.text) {
    const { text } = value
    return (
      <>
        <dt>Value</dt>
        <dd className="value">
          {JSON.stringify(text.value)}
          {!text.complete && '…'}
          {text.length !== null && (
            <span className="muted"> ({text.length.toLocaleString('en-US')} characters)</span>
          )}
        </dd>
      </>
    )
  }
  if (value.number !== undefined) {
    return (
      <>
        <dt>Value</dt>
        <dd className="value">{value.number}</dd>
      </>
    )
  }
  if (value.preview) {
    return (
      <>
        <dt>Properties</dt>
        <dd className="value">{value.preview}</dd>
      </>
    )
  }
  return null
}

/** The site of a stack's frame, as the Summary is limited to it. */
function siteOfFrame(frame: StackFrame): SiteChoice {
  const where = `${fileName(frame.scriptName)}${frame.line ? `:${frame.line}` : ''}`
  return {
    functionName: frame.functionName,
    url: frame.scriptName,
    line: frame.line,
    text: `${frame.functionName || '(anonymous)'} (${where})`,
  }
}

export function ObjectView({
  api,
  snapshot,
  node,
  onObject,
  onClose,
  onSite,
}: Props): React.JSX.Element {
  const [tab, setTab] = useState<DetailsTab>('retainers')
  const snapshotId = snapshot.snapshotId
  const details = useQuery(() => api.getObject({ snapshotId, node }), [snapshotId, node])
  // The routes and verdict first (what the graph needs), then the fix, which costs a recount in
  // the engine's process: asked for once the page is idle (the graph drawn), so that the
  // recount does not compete with the layout for the machine.
  const explained = useQuery(
    () => api.explainRetention({ snapshotId, node, count: 3, withFix: false }),
    [snapshotId, node],
  )
  const objectKey = `${snapshotId}:${node}`
  const routesFor = explained.data?.target.node === node ? objectKey : null
  const [idleFor, setIdleFor] = useState<string | null>(null)
  useEffect(() => {
    if (routesFor === null) return
    const handle = requestIdleCallback(() => setIdleFor(routesFor), { timeout: 2000 })
    return () => cancelIdleCallback(handle)
  }, [routesFor])
  const fixed = useQuery(
    () =>
      idleFor === objectKey
        ? api.explainRetention({ snapshotId, node, count: 1, withFix: true })
        : Promise.resolve(null),
    [snapshotId, node, idleFor],
  )
  const [requestedCut, setRequestedCut] = useState<RequestedCut | null>(null)
  const explanation = explained.data
  const routes = explanation?.routes ?? []
  const paths = useMemo(() => routes.map((route) => route.steps), [routes])
  const fix = fixed.data?.target.node === node ? fixed.data.fix : null
  const retainers = usePages(
    (start, count) => api.getRetainers({ snapshotId, node, start, count }),
    50,
    [snapshotId, node],
  )
  const edges = usePages((start, count) => api.getEdges({ snapshotId, node, start, count }), 50, [
    snapshotId,
    node,
  ])
  const stack = useQuery(() => api.getAllocationStack({ snapshotId, node }), [snapshotId, node])
  // The allocating function: its live objects can fill the Summary.
  const top = stack.data?.[0] ?? null
  const object = details.data
  const count = (total: number | null): string =>
    total === null ? '' : ` (${total.toLocaleString('en-US')})`
  const tabs: Array<{ id: DetailsTab; label: string }> = [
    { id: 'retainers', label: `Retainers${count(retainers.total)}` },
    { id: 'references', label: `References${count(edges.total)}` },
    { id: 'paths', label: `Paths as text${count(routes.length || null)}` },
    ...(stack.data ? [{ id: 'allocation' as const, label: 'Allocated at' }] : []),
  ]
  return (
    <section className="object" aria-labelledby="object-heading">
      <div className="object-head">
        <h1 id="object-heading">
          {object ? (
            <>
              {object.label} <span className="id">@{object.id}</span>
            </>
          ) : (
            'Loading…'
          )}
        </h1>
        <button
          className="icon-button"
          aria-label="Close the object details (Esc)"
          onClick={onClose}
        >
          ×
        </button>
      </div>
      {details.error && (
        <p role="alert" className="error">
          {details.error}
        </p>
      )}
      {object && (
        <dl className="facts">
          <dt>Class</dt>
          <dd>{displayClass(object)}</dd>
          <dt>Type</dt>
          <dd>{object.type}</dd>
          {object.location && (
            <>
              <dt>Defined at</dt>
              <dd className="location" title={object.location.url ?? undefined}>
                {object.location.file ?? `script ${object.location.scriptId}`}:
                {object.location.line}:{object.location.column}
              </dd>
            </>
          )}
          <ValueFacts value={object.value} />
          {object.value.refcount !== undefined && (
            <>
              <dt>Refcount</dt>
              <dd className="value" title="CPython's reference count: sys.getrefcount(x) - 1">
                {object.value.refcount.toLocaleString('en-US')}
              </dd>
            </>
          )}
          <dt>Retained</dt>
          <dd>
            {formatBytes(object.retainedSize)}{' '}
            <span className="muted">(self {formatBytes(object.selfSize)})</span>
          </dd>
          <dt>Distance</dt>
          <dd>
            {formatDistance(object.distance)}{' '}
            <span className="muted">
              · {object.retainerCount.toLocaleString('en-US')} retainer
              {object.retainerCount === 1 ? '' : 's'}
            </span>
          </dd>
          <dt>Dominator</dt>
          <dd>
            {object.dominator ? (
              <button className="link" onClick={() => onObject(object.dominator?.node ?? 0)}>
                {objectLabel(object.dominator)}
              </button>
            ) : (
              '–'
            )}
          </dd>
        </dl>
      )}
      <h2 className="section-heading">Why is it alive?</h2>
      {explained.error && (
        <p role="alert" className="error">
          {explained.error}
        </p>
      )}
      <p className="verdict" aria-label="Verdict" aria-busy={!explanation}>
        {explanation ? (
          <CodeText text={explanation.verdict} />
        ) : (
          'Finding the routes from the GC roots…'
        )}
      </p>
      <div className="fix-slot">
        {fix && (
          <div className="fix" aria-label="What would free it">
            <span className="fix-head">To free it:</span> {fix.code && <code>{fix.code}</code>}{' '}
            {fix.note && (
              <span className="fix-note">
                <CodeText text={fix.note} />
              </span>
            )}{' '}
            <span className="muted">
              frees {formatBytes(fix.freedBytes)} ({fix.freedCount.toLocaleString('en-US')} object
              {fix.freedCount === 1 ? '' : 's'}), checked by a recount
            </span>{' '}
            <button
              onClick={() =>
                setRequestedCut({
                  from: fix.cut.from,
                  edge: fix.cut.edge,
                  nonce: Date.now(),
                })
              }
            >
              Show the cut
            </button>
          </div>
        )}
      </div>
      {object && paths.length > 0 && (
        <GraphView
          api={api}
          snapshot={snapshot}
          target={object}
          paths={paths}
          onObject={onObject}
          requestedCut={requestedCut}
        />
      )}
      {object && snapshot.attachId && (
        <LivePreview api={api} attachId={snapshot.attachId} objectId={object.id} />
      )}
      <div className="detail-tabs" role="tablist" aria-label="More about this object">
        {tabs.map((entry) => (
          <button
            key={entry.id}
            role="tab"
            id={`object-tab-${entry.id}`}
            aria-selected={tab === entry.id}
            aria-controls="object-tab-panel"
            tabIndex={tab === entry.id ? 0 : -1}
            onClick={() => setTab(entry.id)}
            onKeyDown={(event) => {
              const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
              if (step === 0 || event.altKey) return
              event.preventDefault()
              const position = tabs.findIndex((item) => item.id === entry.id)
              const next = tabs[(position + step + tabs.length) % tabs.length]
              setTab(next.id)
              document.getElementById(`object-tab-${next.id}`)?.focus()
            }}
          >
            {entry.label}
          </button>
        ))}
      </div>
      <div
        className="detail-panel"
        role="tabpanel"
        id="object-tab-panel"
        aria-labelledby={`object-tab-${tab}`}
      >
        {tab === 'retainers' && (
          <ReferenceSection title="Retainers" pages={retainers} onObject={onObject} />
        )}
        {tab === 'references' && (
          <ReferenceSection title="References" pages={edges} onObject={onObject} />
        )}
        {tab === 'paths' && (
          <div className="paths">
            {routes.map((route, index) => (
              <PathList
                key={index}
                path={route.steps}
                readable={route.readable}
                sameHolderRoutes={route.sameHolderRoutes}
                index={index}
              />
            ))}
          </div>
        )}
        {tab === 'allocation' && stack.data && (
          <>
            <ol className="stack" aria-label="Allocation stack">
              {stack.data.map((frame, index) => (
                <li key={index}>
                  {frame.functionName || '(anonymous)'}{' '}
                  <span className="id">
                    {frame.scriptName}
                    {frame.line ? `:${frame.line}` : ''}
                    {frame.column ? `:${frame.column}` : ''}
                  </span>
                </li>
              ))}
            </ol>
            {onSite && top && (
              <button type="button" onClick={() => onSite(siteOfFrame(top))}>
                Every live object {top.functionName || '(anonymous)'} allocated
              </button>
            )}
          </>
        )}
      </div>
    </section>
  )
}
