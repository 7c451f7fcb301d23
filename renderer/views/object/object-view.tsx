// The object panel: details, the retainer paths from GC roots as text (copyable as plain text
// and Markdown for bug reports), retainers and references (click to follow), and where the
// object was allocated when the snapshot recorded it.
import { useState } from 'react'
import type { HeapgraphApi, PathStepDto, Reference, SnapshotInfo } from '../../../shared/protocol'
import { ObjectCells } from '../../components/object-cells'
import { useQuery } from '../../components/use-query'
import { formatBytes, formatDistance, formatEdge } from '../../format'
import { GraphView } from '../graph/graph-view'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  node: number
  onObject: (node: number) => void
}

/** One path as lines of text: the root first, then each reference and the object it reaches. */
export function pathLines(path: PathStepDto[]): string[] {
  return path.map((step, position) => {
    const label = `${step.node.className} @${step.node.id}`
    return position === 0 || !step.edge
      ? label
      : `${'  '.repeat(position)}${formatEdge(step.edge.type, step.edge.name)} → ${label}`
  })
}

function PathList({ path, index }: { path: PathStepDto[]; index: number }): React.JSX.Element {
  const [copied, setCopied] = useState<string | null>(null)
  const text = pathLines(path).join('\n')
  const markdown = ['```', text, '```'].join('\n')
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
      <ol aria-label={`Retainer path ${index + 1}`}>
        {path.map((step, position) => (
          <li key={position}>
            {step.edge && (
              <span className="edge">{formatEdge(step.edge.type, step.edge.name)} → </span>
            )}
            <span className="node">{step.node.className}</span>{' '}
            <span className="id">@{step.node.id}</span>{' '}
            <span className="size">{formatBytes(step.node.retainedSize)} retained</span>
          </li>
        ))}
      </ol>
    </figure>
  )
}

/** A list of references (retainers or outgoing edges); weak ones dimmed; a row opens its object. */
function ReferenceTable({
  references,
  onObject,
}: {
  references: Reference[]
  onObject: (node: number) => void
}): React.JSX.Element {
  return (
    <table>
      <thead>
        <tr>
          <th>Reference</th>
          <th>Object</th>
          <th>Distance</th>
          <th>Self</th>
          <th>Retained</th>
        </tr>
      </thead>
      <tbody>
        {references.map((item) => (
          <tr
            key={item.edge.edge}
            onClick={() => onObject(item.node.node)}
            className={item.edge.isWeak ? 'weak' : undefined}
          >
            <td>
              {formatEdge(item.edge.type, item.edge.name)}
              {item.edge.isWeak ? ' (weak)' : ''}
            </td>
            <ObjectCells object={item.node} />
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function ObjectView({ api, snapshot, node, onObject }: Props): React.JSX.Element {
  const snapshotId = snapshot.snapshotId
  const details = useQuery(() => api.getObject({ snapshotId, node }), [snapshotId, node])
  const paths = useQuery(
    () => api.findRetainerPaths({ snapshotId, node, count: 3 }),
    [snapshotId, node],
  )
  const retainers = useQuery(
    () => api.getRetainers({ snapshotId, node, count: 50 }),
    [snapshotId, node],
  )
  const edges = useQuery(() => api.getEdges({ snapshotId, node, count: 50 }), [snapshotId, node])
  const stack = useQuery(() => api.getAllocationStack({ snapshotId, node }), [snapshotId, node])
  const object = details.data
  return (
    <section className="object">
      {details.error && (
        <p role="alert" className="error">
          {details.error}
        </p>
      )}
      {object && (
        <>
          <h1>
            {object.className} <span className="id">@{object.id}</span>
          </h1>
          <dl className="facts">
            <dt>Type</dt>
            <dd>{object.type}</dd>
            <dt>Self size</dt>
            <dd>{formatBytes(object.selfSize)}</dd>
            <dt>Retained size</dt>
            <dd>{formatBytes(object.retainedSize)}</dd>
            <dt>Distance</dt>
            <dd>{formatDistance(object.distance)}</dd>
            <dt>Retainers</dt>
            <dd>{object.retainerCount}</dd>
            <dt>Dominator</dt>
            <dd>
              {object.dominator ? (
                <button className="link" onClick={() => onObject(object.dominator?.node ?? 0)}>
                  {object.dominator.className} @{object.dominator.id}
                </button>
              ) : (
                '–'
              )}
            </dd>
          </dl>
        </>
      )}
      <h2>Why is it alive?</h2>
      {paths.data && !paths.data.reachable && (
        <p>No GC root reaches this object: the next collection frees it.</p>
      )}
      {paths.data?.reachable && paths.data.paths.length === 0 && (
        <p>
          {paths.data.truncated
            ? 'The path search stopped at its budget; see the retainers below.'
            : 'Only weak references reach this object.'}
        </p>
      )}
      {object && paths.data && paths.data.paths.length > 0 && (
        <GraphView
          api={api}
          snapshot={snapshot}
          target={object}
          paths={paths.data.paths}
          onObject={onObject}
        />
      )}
      <div className="paths">
        {paths.data?.paths.map((path, index) => (
          <PathList key={index} path={path} index={index} />
        ))}
      </div>
      {stack.data && (
        <>
          <h2>Allocated at</h2>
          <ol className="stack">
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
        </>
      )}
      <h2>Retainers {retainers.data && `(${retainers.data.total})`}</h2>
      <ReferenceTable references={retainers.data?.items ?? []} onObject={onObject} />
      <h2>References {edges.data && `(${edges.data.total})`}</h2>
      <ReferenceTable references={edges.data?.items ?? []} onObject={onObject} />
    </section>
  )
}
