// "What frees it" on the retainer graph: cutting one drawn reference (the engine recounts
// reachability over the whole heap), the panel that says what the cut frees or which path
// keeps the object alive, and Undo. One cut at a time: a new cut replaces the previous one, and
// a cut belongs to one graph (forgotten when the view turns to other objects).
import { useRef, useState } from 'react'
import type { CutResult, HeapgraphApi } from '../../../shared/protocol'
import {
  cutReferenceOf,
  cutTargetOf,
  freedDrawnNodes,
  graphCutOf,
  type CutReference,
  type DominatorLookup,
  type GraphCut,
  type GraphEdge,
  type GraphModel,
} from '../../../shared/view/graph-model'
import { PathList } from '../../components/path-list'
import { formatBytes, formatReference, objectLabel as label } from '../../format'

export type CutState =
  | { status: 'running'; reference: string }
  | { status: 'failed'; reference: string; error: string }
  | { status: 'done'; reference: string; edge: GraphEdge; result: CutResult; cut: GraphCut }

export interface Cutting {
  state: CutState | null
  /** The cut to draw, once the engine has answered. */
  cut: GraphCut | null
  run: (edge: GraphEdge, model: GraphModel) => Promise<void>
  undo: () => void
}

function dominatorLookup(api: HeapgraphApi, snapshotId: string): DominatorLookup {
  return async (node) => (await api.getObject({ snapshotId, node })).dominator
}

/** cutReference for the reference a drawn edge stands for: by edge ordinal, in one call. */
function askCut(
  api: HeapgraphApi,
  snapshotId: string,
  reference: CutReference,
  edge: GraphEdge,
  model: GraphModel,
): Promise<CutResult> {
  const target = cutTargetOf(model, edge) ?? undefined
  const { from } = reference
  return reference.edge === null
    ? api.cutReference({ snapshotId, from, edgeName: reference.edgeName, target })
    : api.cutReference({ snapshotId, from, edge: reference.edge, target })
}

/** The model's words for an edge: "Map @12 → entry". */
export function edgeWords(model: GraphModel, edge: GraphEdge): string {
  const source = model.nodes.find((node) => node.id === edge.source)?.label ?? edge.source
  return edge.label ? `${source} → ${edge.label}` : source
}

/** The cut of the graph named `key`, with the engine's answer and the drawn objects it frees. */
export function useCut(api: HeapgraphApi, snapshotId: string, key: string): Cutting {
  const [held, setHeld] = useState<{ key: string; state: CutState } | null>(null)
  const latest = useRef(0)
  const state = held?.key === key ? held.state : null
  const run = async (edge: GraphEdge, model: GraphModel): Promise<void> => {
    const reference = cutReferenceOf(edge)
    if (!reference) return
    const asked = ++latest.current
    const words = edgeWords(model, edge)
    const settle = (next: CutState): void => {
      if (asked === latest.current) setHeld({ key, state: next })
    }
    settle({ status: 'running', reference: words })
    try {
      const result = await askCut(api, snapshotId, reference, edge, model)
      const head = model.nodes.find((node) => node.id === edge.target)?.node ?? null
      const freed =
        result.freedCount > 0 && head !== null
          ? await freedDrawnNodes(model, head, dominatorLookup(api, snapshotId))
          : new Set<number>()
      if (result.targetFreed) freed.add(result.target.node)
      settle({
        status: 'done',
        reference: words,
        edge,
        result,
        cut: graphCutOf(edge, result, freed),
      })
    } catch (failure) {
      const error = failure instanceof Error ? failure.message : String(failure)
      settle({ status: 'failed', reference: words, error })
    }
  }
  const undo = (): void => {
    latest.current++
    setHeld(null)
  }
  return { state, cut: state?.status === 'done' ? state.cut : null, run, undo }
}

/** Where the engine found the reference, when the drawn edge folds it (a Map's hash table). */
function underlying(edge: GraphEdge, result: CutResult): string | null {
  if (edge.via !== 'table' && edge.via !== 'context') return null
  const where = `${label(result.from)} ${formatReference(result.edge)}`
  return edge.via === 'table'
    ? `The entry is a slot of the hash table: the reference cut is ${where}.`
    : `The variable lives in the closure's context, shared by every closure of that scope: the reference cut is ${where}.`
}

function copies(result: CutResult): string | null {
  if (result.alsoCut.length === 0) return null
  const named = result.alsoCut.map((copy) => `${label(copy.from)} ${formatReference(copy.edge)}`)
  return `Cut with it: the copies V8 keeps in ${named.join(', ')}.`
}

function Verdict({ result }: { result: CutResult }): React.JSX.Element {
  const target = label(result.target)
  if (!result.targetWasReachable) {
    return <p>No GC root reaches {target} even now: it is garbage awaiting collection.</p>
  }
  if (result.targetFreed) return <p className="cut-verdict freed">{target} would be freed.</p>
  return (
    <>
      <p className="cut-verdict alive">
        {target} stays alive through
        {result.stillAliveVia === 'unretained-object'
          ? ' (from an object no retaining reference holds, a root of its own)'
          : ''}
        :
      </p>
      {result.stillAlivePath && (
        <PathList path={result.stillAlivePath} index={0} label="Path that keeps it alive" />
      )}
    </>
  )
}

function Outcome({ state }: { state: Extract<CutState, { status: 'done' }> }): React.JSX.Element {
  const { result, edge } = state
  const objects = `${result.freedCount.toLocaleString('en-US')} object${result.freedCount === 1 ? '' : 's'}`
  const notes = [underlying(edge, result), copies(result)].filter(Boolean)
  return (
    <>
      <p className="cut-summary" data-freed-bytes={result.freedBytes}>
        Cutting {state.reference} would free {formatBytes(result.freedBytes)} ({objects})
        {result.isRetaining
          ? '.'
          : ': V8 does not count this reference as retaining (a weak one, say).'}
      </p>
      <Verdict result={result} />
      {result.largestFreed.length > 0 && (
        <p className="muted">
          Largest freed:{' '}
          {result.largestFreed
            .map((object) => `${label(object)} (${formatBytes(object.selfSize)})`)
            .join(', ')}
        </p>
      )}
      {notes.map((note) => (
        <p key={note} className="muted">
          {note}
        </p>
      ))}
    </>
  )
}

/** What the cut frees, or the path that keeps the object alive; Undo. */
export function CutPanel({
  state,
  onUndo,
}: {
  state: CutState
  onUndo: () => void
}): React.JSX.Element {
  const alive = state.status === 'done' && !state.result.targetFreed
  return (
    <section
      className={alive ? 'cut-panel alive' : 'cut-panel'}
      aria-label="What the cut frees"
      aria-live="polite"
    >
      {state.status === 'running' && <p>Cutting {state.reference}: recounting what stays alive…</p>}
      {state.status === 'failed' && (
        <p role="alert" className="error">
          Could not cut {state.reference}: {state.error}
        </p>
      )}
      {state.status === 'done' && <Outcome state={state} />}
      <button onClick={onUndo}>{state.status === 'done' ? 'Undo cut' : 'Dismiss'}</button>
    </section>
  )
}

/** The reference selected on the canvas, and "Cut this reference" (or why it cannot be cut). */
export function SelectedEdge({
  model,
  edge,
  isCutting,
  onCut,
  onClose,
}: {
  model: GraphModel
  edge: GraphEdge
  isCutting: boolean
  onCut: (edge: GraphEdge) => void
  onClose: () => void
}): React.JSX.Element {
  const reference = cutReferenceOf(edge)
  const target = model.nodes.find((node) => node.id === edge.target)?.label ?? edge.target
  return (
    <div className="graph-selection" role="group" aria-label="Selected reference">
      <span>
        {edgeWords(model, edge)} (to {target})
      </span>{' '}
      {edge.isCut ? (
        <span className="muted">cut</span>
      ) : (
        <button
          disabled={!reference || isCutting}
          title={reference ? undefined : 'Stands for several references: expand to cut one.'}
          onClick={() => onCut(edge)}
        >
          Cut this reference
        </button>
      )}
      {!reference && <span className="muted"> stands for several references</span>}{' '}
      <button className="link" onClick={onClose} aria-label="Clear the selection">
        ×
      </button>
    </div>
  )
}
