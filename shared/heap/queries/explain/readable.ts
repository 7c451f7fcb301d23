// A retainer path as code reads it: V8's internal stores and links folded into the step they
// implement. An Array's elements store becomes `[i]`, a Map's table `entry "k"`, a Set's table
// `member`, a closure's context (and its outer contexts) `captures x`, an object's property store
// or a global's property cell `.name`, a Promise's reaction list `reaction`; other hidden
// `(system)` objects in between are folded too, and a route that starts at the NativeContext
// (Node 26) starts at the global object it holds. Each readable step keeps the raw references it
// stands for, so a cut or a graph can still name the exact edge.
import { edgeName } from '../../graph/heap-graph'
import type { HeapSnapshot } from '../../snapshot'
import { shortScriptName } from '../labels'
import { propertyAccess } from '../../../protocol/js-syntax'
import type {
  ObjectSummary,
  PathStep,
  RawReference,
  ReadableStep,
  StepKind,
  StepVia,
} from '../../../protocol/dto'

const ELEMENT_STORES = new Set(['(object elements)', '(array elements)', '(double elements)'])

function via(kind: StepKind, name: string): StepVia {
  switch (kind) {
    case 'property':
      return { kind, name, text: propertyAccess(name) }
    case 'element':
      return { kind, name, text: `[${name}]` }
    case 'capture':
      return { kind, name, text: `captures ${name}` }
    case 'entry':
      return { kind, name, text: name === '' ? 'entry' : `entry ${name}` }
    case 'key':
      return { kind, name, text: 'key' }
    case 'member':
      return { kind, name, text: 'member' }
    case 'reaction':
      return { kind, name, text: 'reaction' }
    default:
      return { kind, name, text: `{${name}}` }
  }
}

/** Whether a path's step is one of V8's own stores or links, folded into the next step. */
function isFoldable(snapshot: HeapSnapshot, step: PathStep, next: PathStep): boolean {
  const { node } = step
  const edge = step.edge
  if (node.name === 'system / Context' && next.edge) {
    return next.edge.type === 'context' || next.edge.name === 'previous'
  }
  if (ELEMENT_STORES.has(node.name) && edge?.name === 'elements') return true
  if (edge?.name === 'table' && edge.type === 'internal') return true
  if (node.name === '(object properties)' || node.name === 'system / PropertyCell') return true
  if (edge?.name === 'reactions_or_result') return true
  return node.type === 'hidden' && node.className === '(system)' && snapshot !== null
}

/** The property name by which `from` holds `to` directly, if it has one. */
function directPropertyName(snapshot: HeapSnapshot, from: number, to: number): string | null {
  const graph = snapshot.graph
  for (let edge = graph.firstEdge[from]; edge < graph.firstEdge[from + 1]; edge++) {
    if (graph.edgeTarget[edge] !== to) continue
    if (graph.edgeType[edge] === graph.edgeTypeCode.property) return edgeName(graph, edge)
  }
  return null
}

/** A global's property cell names its property in a hidden string field. */
function propertyCellName(snapshot: HeapSnapshot, cell: number): string | null {
  const graph = snapshot.graph
  for (let edge = graph.firstEdge[cell]; edge < graph.firstEdge[cell + 1]; edge++) {
    const target = graph.edgeTarget[edge]
    if (
      graph.edgeType[edge] === graph.edgeTypeCode.hidden &&
      graph.nodeType[target] === graph.nodeTypeCode.string
    )
      return graph.strings.get(graph.nodeName[target])
  }
  return null
}

/** The readable name of a run of raw steps: `steps[0]` visible, the last one the object held. */
function foldedVia(snapshot: HeapSnapshot, run: PathStep[]): StepVia {
  const first = run[1].edge
  const last = run[run.length - 1].edge
  if (!first || !last) return via('internal', '')
  const holder = run[0].node
  if (last.type === 'context') return via('capture', last.name)
  if (first.name === 'elements' && /^\d+$/.test(last.name)) return via('element', last.name)
  if (first.name === 'table') {
    if (last.mapSlot)
      return last.mapSlot.role === 'key' ? via('key', '') : via('entry', last.mapSlot.key ?? '')
    if (holder.className === 'Set') return via('member', '')
  }
  if (
    first.name === 'properties' ||
    run.some((step) => step.node.name === 'system / PropertyCell')
  ) {
    const name =
      directPropertyName(snapshot, holder.node, run[run.length - 1].node.node) ??
      run
        .filter((step) => step.node.name === 'system / PropertyCell')
        .map((step) => propertyCellName(snapshot, step.node.node))
        .find((name) => name !== null)
    if (name) return via('property', name)
  }
  if (first.name === 'reactions_or_result') return via('reaction', '')
  return single(first)
}

/** One raw reference read on its own. */
function single(edge: NonNullable<PathStep['edge']>): StepVia {
  if (edge.mapSlot) {
    return edge.mapSlot.role === 'key' ? via('key', '') : via('entry', edge.mapSlot.key ?? '')
  }
  switch (edge.type) {
    case 'property':
    case 'shortcut':
      return via('property', edge.name)
    case 'element':
      return via('element', edge.name)
    case 'context':
      return via('capture', edge.name)
    case 'internal':
      // A typed array's buffer is its `.buffer` property in JavaScript.
      return edge.name === 'buffer' ? via('property', 'buffer') : via('internal', edge.name)
    default:
      return via('internal', edge.name)
  }
}

/** A reference as DevTools prints it (`->x`, `{table}`, `[3]`, `.name`), for `internals`. */
function asSnapshotHasIt(edge: PathStep['edge']): StepVia {
  if (!edge) return via('internal', '')
  const read = single(edge)
  const slot = edge.mapSlot ? ` (${read.text})` : ''
  switch (edge.type) {
    case 'context':
      return { ...read, text: `->${edge.name}` }
    case 'property':
    case 'shortcut':
      return { ...read, text: propertyAccess(edge.name) }
    case 'element':
      return { ...read, text: `[${edge.name}]` }
    default:
      return { ...read, text: `{${edge.name}}${slot}` }
  }
}

function references(run: PathStep[]): RawReference[] {
  const result: RawReference[] = []
  for (let position = 1; position < run.length; position++) {
    const edge = run[position].edge
    if (edge?.ordinal !== undefined)
      result.push({ from: run[position - 1].node.node, edge: edge.ordinal })
  }
  return result
}

/**
 * Folds a path (root first) into readable steps. With `internals`, nothing is folded and each
 * reference is named as the snapshot has it.
 */
export function readablePath(
  snapshot: HeapSnapshot,
  path: readonly PathStep[],
  internals = false,
): ReadableStep[] {
  const start = internals ? 0 : globalStart(path)
  const steps: ReadableStep[] = [{ node: path[start].node, via: null, references: [] }]
  let run: PathStep[] = [path[start]]
  for (let position = start + 1; position < path.length; position++) {
    const step = path[position]
    run.push(step)
    const next = path[position + 1]
    if (!internals && next && isFoldable(snapshot, step, next)) continue
    const readable = internals
      ? asSnapshotHasIt(step.edge)
      : run.length === 2
        ? step.edge
          ? single(step.edge)
          : via('internal', '')
        : foldedVia(snapshot, run)
    steps.push({ node: step.node, via: readable, references: references(run) })
    run = [step]
  }
  return internals ? steps : fromRequireCache(snapshot, steps)
}

function isGlobalObject(node: ObjectSummary): boolean {
  return /^(global|Window)\b/.test(node.className)
}

/**
 * Where a route starts as people read it: at the global object, which is alive as long as its
 * page or process is. Node 26's root holds the NativeContext, which holds the global proxy, which
 * holds the global object; snapshots without user roots (Chrome's, exposeInternals) reach it
 * through a handle and a function's context. The route starts at the last global object before
 * the target when only such links of V8's lead to it: a global reached through the program's own
 * references (a detached iframe's window kept in a property) keeps the route that explains it.
 */
function globalStart(path: readonly PathStep[]): number {
  for (let position = path.length - 2; position > 0; position--) {
    if (!isGlobalObject(path[position].node)) continue
    const ownLinks = path
      .slice(1, position + 1)
      .every(
        (step) =>
          !step.edge || V8_LINK_TYPES.has(step.edge.type) || GLOBAL_LINKS.has(step.edge.name),
      )
    return ownLinks ? position : 0
  }
  return 0
}

/** Edge types of V8's own links (not a program's properties or variables). */
const V8_LINK_TYPES = new Set(['internal', 'hidden', 'element', 'shortcut'])
/** The global proxy's link to the global object. */
const GLOBAL_LINKS = new Set(['global_object', 'global'])

/**
 * A route through Node's module cache reads from `require.cache`: whatever leads to the Module
 * constructor's `_cache` (the process object, a builtin's closure) says nothing about the code.
 */
function fromRequireCache(snapshot: HeapSnapshot, steps: ReadableStep[]): ReadableStep[] {
  for (let position = steps.length - 2; position > 0; position--) {
    const step = steps[position]
    const holder = steps[position - 1].node
    if (step.via?.text === '._cache' && holder.type === 'closure' && holder.name === 'Module') {
      // The cache is keyed by each module's full path: shown relative, as labels show files.
      const [entry, ...rest] = steps.slice(position + 1)
      const key = entry.via?.kind === 'property' ? entry.via.name : null
      const short = key === null ? key : shortScriptName(snapshot, key)
      const shown =
        entry.via && key !== null && short !== key
          ? { ...entry, via: { ...entry.via, text: `[${JSON.stringify('…/' + short)}]` } }
          : entry
      return [{ ...step, via: null, references: [], start: 'require.cache' }, shown, ...rest]
    }
  }
  return steps
}

/** A readable path's objects in order, as a key: two paths with one key tell the same story. */
export function readableKey(steps: readonly ReadableStep[]): string {
  return steps.map((step) => step.node.node).join(',')
}
