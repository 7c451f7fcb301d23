// Closure leaks, the shared-context leak: V8 keeps every variable that any function of a scope
// captures in one Context, and every function made in that scope holds the whole Context, so a
// function that never mentions `payload` keeps it alive because a sibling did.
// What the snapshot says:
// - which contexts exist, their variables (`context` references) and the values they hold;
// - which live functions hold a context: a closure's `context` and the `previous` chain above
//   it, and a suspended generator's or async function's own context;
// - Chrome's scope sections (ScopeTable) say which scopes of a script use which context
//   variable; a function uses a variable when a scope using it is the function's own or lies
//   inside it (code written inside a live function can still be made and run), as DevTools'
//   ContextAnalyzer reads them. Functions and contexts are matched to scopes by their script
//   and V8's scope id (SharedFunctionInfo and ScopeInfo `scope_id`).
// What is not known: without scope sections (Node.js, older Chrome) which function uses a
// variable; a function of another script (eval'd code) in the chain; a variable named `this`
// (the receiver, not captured) and V8's internal variables (`.name`) are left out, as are
// top-level scopes made once per script or module (global state, not a closure's: classic
// scripts' `let`/`const`, modules, CommonJS module wrappers) and scopes of the runtime's own
// code (Node's `node:` modules).
import { NO_DISTANCE } from '../analyses/distances'
import type { HeapSnapshot } from '../snapshot'
import type { ScopeTable } from '../parse/snapshot-parser'
import { arrayHolder } from './arrays'
import { perSnapshot } from './cache'
import { contextOwner, numberValue, sourceLocation } from './labels'
import { clampRange, summarizeObject } from './nodes'
import type { CaptureUse, ClosureHolder, ClosureLeak, ClosureLeakReport } from '../../protocol/dto'

/** The smallest retained size of a captured value listed by default, bytes. */
export const DEFAULT_MIN_CAPTURED_SIZE = 10_000
/** How many holders a leak lists. */
const LISTED_HOLDERS = 8
/** How far a context chain is followed (scopes nest this deep at most in practice). */
const MAX_CHAIN = 256
/**
 * Scope types made once per script or module, whose variables are the program's global state
 * (any script may read a script scope's): not a closure's to keep.
 */
const TOP_LEVEL_SCOPE_TYPES = new Set(['SCRIPT_SCOPE', 'REPL_MODE_SCOPE', 'MODULE_SCOPE'])

/** String ids of the names the analysis reads, and which node names are contexts. */
interface Names {
  isContext: Uint8Array
  context: Set<number>
  previous: Set<number>
  scopeInfo: Set<number>
  shared: Set<number>
  script: Set<number>
  scopeId: Set<number>
  scopeTypeName: Set<number>
  generatorFunction: Set<number>
}

const namesOf = perSnapshot((snapshot: HeapSnapshot): Names => {
  const { strings } = snapshot.graph
  // One pass over the string table for every name below, one more for the prefix.
  const found = strings.indexesOfAny([
    'system / Context',
    'context',
    'previous',
    'scope_info',
    'shared',
    'script',
    'script_or_debug_info',
    'scope_id',
    'scope_type_name',
    'function',
  ])
  const ids = (...names: string[]): Set<number> =>
    new Set(names.flatMap((name) => found.get(name) ?? []))
  const isContext = new Uint8Array(strings.length)
  // Node names contexts `system / Context`; Chrome `system / Context / scope @id`.
  for (const id of ids('system / Context')) isContext[id] = 1
  for (const id of strings.indexesStartingWith('system / Context /')) isContext[id] = 1
  return {
    isContext,
    context: ids('context'),
    previous: ids('previous'),
    scopeInfo: ids('scope_info'),
    shared: ids('shared'),
    script: ids('script', 'script_or_debug_info'),
    scopeId: ids('scope_id'),
    scopeTypeName: ids('scope_type_name'),
    generatorFunction: ids('function'),
  }
})

function internalTarget(snapshot: HeapSnapshot, node: number, names: Set<number>): number {
  const graph = snapshot.graph
  for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
    if (
      graph.edgeType[edge] === graph.edgeTypeCode.internal &&
      names.has(graph.edgeNameOrIndex[edge])
    )
      return graph.edgeTarget[edge]
  }
  return -1
}

function isContext(snapshot: HeapSnapshot, names: Names, node: number): boolean {
  return node !== -1 && names.isContext[snapshot.graph.nodeName[node]] === 1
}

/** The scope sections as lookups: scopes by script and id, parents, and who uses each variable. */
interface ScopeIndex {
  table: ScopeTable
  /** `script:scopeId` to the scope's position in the table. */
  byId: Map<string, number>
  /** Per scope: its parent's position, or -1. */
  parent: Int32Array
  /** `script:scopeId:slot` of a variable to the positions of the scopes that use it. */
  users: Map<string, number[]>
}

const scopeIndex = perSnapshot((snapshot: HeapSnapshot): ScopeIndex | null => {
  const table = snapshot.graph.scopes
  if (!table) return null
  const count = table.scopeId.length
  const byId = new Map<string, number>()
  const parent = new Int32Array(count).fill(-1)
  // Scopes come in preorder per script: a scope's parent is the last one a level up.
  const stack: number[] = []
  let script = NaN
  for (let scope = 0; scope < count; scope++) {
    if (table.scriptNode[scope] !== script) {
      script = table.scriptNode[scope]
      stack.length = 0
    }
    const depth = table.depth[scope]
    if (depth > 0 && depth <= stack.length) parent[scope] = stack[depth - 1]
    stack.length = Math.max(0, Math.min(stack.length, depth))
    stack[depth] = scope
    byId.set(`${script}:${table.scopeId[scope]}`, scope)
  }
  const users = new Map<string, number[]>()
  for (let scope = 0; scope < count; scope++) {
    for (let use = table.firstUse[scope]; use < table.firstUse[scope + 1]; use++) {
      const key = `${table.scriptNode[scope]}:${table.useDeclaringScopeId[use]}:${table.useSlot[use]}`
      let list = users.get(key)
      if (!list) users.set(key, (list = []))
      if (!list.includes(scope)) list.push(scope)
    }
  }
  return { table, byId, parent, users }
})

/** A live function holding contexts: the closure (or generator) and its function. */
interface Holder {
  node: number
  closure: number
}

/** A context variable whose value is big enough, and the live functions that hold its context. */
interface Candidate {
  context: number
  edge: number
  value: number
}

interface ClosureIndex {
  hasScopeInfo: boolean
  leaks: Array<{ candidate: Candidate; holders: Holder[]; uses: Array<boolean | null> }>
}

/**
 * Whether a context is a script's or module's top level, made once: a script or module scope
 * (by its ScopeInfo's type, where V8 writes it), or the scope of a CommonJS module's wrapper
 * (an anonymous function of a named file whose context's outer one is the native context).
 */
function isTopLevelScope(snapshot: HeapSnapshot, names: Names, context: number): boolean {
  const graph = snapshot.graph
  const scopeInfo = internalTarget(snapshot, context, names.scopeInfo)
  const typeName = scopeInfo === -1 ? -1 : internalTarget(snapshot, scopeInfo, names.scopeTypeName)
  if (typeName !== -1) return TOP_LEVEL_SCOPE_TYPES.has(graph.strings.get(graph.nodeName[typeName]))
  const previous = internalTarget(snapshot, context, names.previous)
  if (previous === -1 || !graph.strings.get(graph.nodeName[previous]).endsWith('NativeContext'))
    return false
  const owner = contextOwner(snapshot, context)
  return owner !== null && owner.name === 'anonymous' && owner.file !== null
}

/** Whether a function is the runtime's (Node's `node:` modules), not the program's. */
function isRuntimeFunction(snapshot: HeapSnapshot, closure: number): boolean {
  const url = sourceLocation(snapshot, closure)?.url
  return (
    url !== undefined && url !== null && (url.startsWith('node:') || url.startsWith('internal/'))
  )
}

/** The script node and scope id of a function (its SharedFunctionInfo's), or null. */
function functionScope(
  snapshot: HeapSnapshot,
  names: Names,
  closure: number,
): { script: number; scopeId: number } | null {
  const shared = internalTarget(snapshot, closure, names.shared)
  if (shared === -1) return null
  const script = internalTarget(snapshot, shared, names.script)
  const idNode = internalTarget(snapshot, shared, names.scopeId)
  const scopeId = idNode === -1 ? NaN : numberValue(snapshot, idNode)
  return script === -1 || Number.isNaN(scopeId) ? null : { script, scopeId }
}

/**
 * Whether the function `closure` (or code written inside it) uses the variable of `context`
 * that `edge` names; null when the scope sections do not tell.
 */
function usesVariable(
  snapshot: HeapSnapshot,
  names: Names,
  scopes: ScopeIndex | null,
  closure: number,
  context: number,
  variable: string,
): boolean | null {
  if (!scopes) return null
  const own = functionScope(snapshot, names, closure)
  const scopeInfo = internalTarget(snapshot, context, names.scopeInfo)
  const idNode = scopeInfo === -1 ? -1 : internalTarget(snapshot, scopeInfo, names.scopeId)
  if (!own || idNode === -1) return null
  const declaring = scopes.byId.get(`${own.script}:${numberValue(snapshot, idNode)}`)
  const functionAt = scopes.byId.get(`${own.script}:${own.scopeId}`)
  if (declaring === undefined || functionAt === undefined) return null
  // The function must be written inside the scope (else it is eval'd code of another script).
  let inside = false
  for (let scope = scopes.parent[functionAt]; scope !== -1; scope = scopes.parent[scope]) {
    if (scope === declaring) {
      inside = true
      break
    }
  }
  if (!inside) return null
  const { table } = scopes
  let slot = -1
  for (let at = table.firstVariable[declaring]; at < table.firstVariable[declaring + 1]; at++) {
    if (snapshot.graph.strings.get(table.variableName[at]) === variable) {
      slot = at - table.firstVariable[declaring]
      break
    }
  }
  if (slot === -1) return null
  const users = scopes.users.get(`${own.script}:${table.scopeId[declaring]}:${slot}`) ?? []
  for (const user of users) {
    for (let scope = user; scope !== -1; scope = scopes.parent[scope]) {
      if (scope === functionAt) return true
    }
  }
  return false
}

function buildIndex(snapshot: HeapSnapshot, minSize: number): ClosureIndex {
  const { graph, distance, retainedSize } = snapshot
  const names = namesOf(snapshot)
  const scopes = scopeIndex(snapshot)
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeNameOrIndex, edgeTarget } = graph
  const contextEdge = graph.edgeTypeCode.context
  // Contexts with a big enough variable, and those variables.
  const candidates = new Map<number, Candidate[]>()
  for (let node = 0; node < nodeCount; node++) {
    if (names.isContext[nodeName[node]] !== 1 || distance[node] === NO_DISTANCE) continue
    let found: Candidate[] | undefined
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      if (edgeType[edge] !== contextEdge) continue
      const value = edgeTarget[edge]
      if (retainedSize[value] < minSize) continue
      const name = graph.strings.get(edgeNameOrIndex[edge])
      if (name === 'this' || name.startsWith('.')) continue
      ;(found ??= []).push({ context: node, edge, value })
    }
    if (found && !isTopLevelScope(snapshot, names, node)) candidates.set(node, found)
  }
  const leaks: ClosureIndex['leaks'] = []
  if (candidates.size === 0) return { hasScopeInfo: scopes !== null, leaks }
  // Live functions whose context chain passes a candidate context.
  const holders = new Map<number, Holder[]>()
  const previousOf = new Map<number, number>()
  const { closure: closureType, object: objectType } = graph.nodeTypeCode
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node]
    if ((type !== closureType && type !== objectType) || distance[node] === NO_DISTANCE) continue
    let closure = node
    if (type === objectType) {
      // A suspended generator or async function runs in a context of its own.
      closure = internalTarget(snapshot, node, names.generatorFunction)
      if (closure === -1 || nodeType[closure] !== closureType) continue
    }
    let context = internalTarget(snapshot, node, names.context)
    for (let depth = 0; depth < MAX_CHAIN && isContext(snapshot, names, context); depth++) {
      if (candidates.has(context)) {
        let list = holders.get(context)
        if (!list) holders.set(context, (list = []))
        list.push({ node, closure })
      }
      let previous = previousOf.get(context)
      if (previous === undefined) {
        previous = internalTarget(snapshot, context, names.previous)
        previousOf.set(context, previous)
      }
      context = previous
    }
  }
  for (const [context, variables] of candidates) {
    const held = holders.get(context)
    // A scope of the runtime's own code is the runtime's state.
    if (!held || held.every(({ closure }) => isRuntimeFunction(snapshot, closure))) continue
    for (const candidate of variables) {
      const variable = graph.strings.get(edgeNameOrIndex[candidate.edge])
      const uses = held.map(({ closure }) =>
        usesVariable(snapshot, names, scopes, closure, context, variable),
      )
      if (uses.every((use) => use === true)) continue
      // Without scope information a context one function holds says nothing new.
      if (!uses.includes(false)) {
        const functions = new Set(
          held.map(({ closure }) => internalTarget(snapshot, closure, names.shared)),
        )
        if (functions.size < 2) continue
      }
      leaks.push({ candidate, holders: held, uses })
    }
  }
  leaks.sort(
    (a, b) =>
      retainedSize[b.candidate.value] - retainedSize[a.candidate.value] ||
      a.candidate.context - b.candidate.context ||
      a.candidate.edge - b.candidate.edge,
  )
  return { hasScopeInfo: scopes !== null, leaks }
}

/** Indexes by threshold, the latest few per snapshot. */
const indexes = perSnapshot(() => new Map<number, ClosureIndex>())
const KEPT_INDEXES = 4

function closureIndex(snapshot: HeapSnapshot, minSize: number): ClosureIndex {
  const kept = indexes(snapshot)
  let index = kept.get(minSize)
  if (!index) {
    index = buildIndex(snapshot, minSize)
    if (kept.size >= KEPT_INDEXES) kept.delete(kept.keys().next().value as number)
    kept.set(minSize, index)
  }
  return index
}

function useOf(uses: ReadonlyArray<boolean | null>): CaptureUse {
  const notUsing = uses.filter((use) => use === false).length
  if (notUsing === 0) return 'unknown'
  return notUsing === uses.length ? 'unused' : 'shared'
}

/** Non-users first, then unknown, then users; bigger functions first within each. */
function holderRank(use: boolean | null): number {
  return use === false ? 0 : use === null ? 1 : 2
}

export interface ClosureLeaksQuery {
  start?: number
  count?: number
  /** The smallest retained size of a captured value to list, bytes (default 10 kB). */
  minRetainedSize?: number
}

/**
 * Context variables whose value retains at least `minRetainedSize` bytes and whose context is
 * held by live functions that cannot all be shown to use them, largest value first.
 */
export function getClosureLeaks(
  snapshot: HeapSnapshot,
  query: ClosureLeaksQuery = {},
): ClosureLeakReport {
  const minSize = Math.max(0, query.minRetainedSize ?? DEFAULT_MIN_CAPTURED_SIZE)
  const index = closureIndex(snapshot, minSize)
  const { graph, retainedSize } = snapshot
  const [from, to] = clampRange(index.leaks.length, query.start ?? 0, query.count ?? 50)
  const items = index.leaks.slice(from, to).map(({ candidate, holders, uses }): ClosureLeak => {
    const order = holders
      .map((holder, position) => ({ holder, use: uses[position] }))
      .sort(
        (a, b) =>
          holderRank(a.use) - holderRank(b.use) ||
          retainedSize[b.holder.node] - retainedSize[a.holder.node] ||
          a.holder.node - b.holder.node,
      )
    const listed = order.slice(0, LISTED_HOLDERS).map(({ holder, use }): ClosureHolder => ({
      closure: summarizeObject(snapshot, holder.node),
      usesVariable: use,
      heldBy: arrayHolder(snapshot, holder.node),
    }))
    return {
      context: summarizeObject(snapshot, candidate.context),
      variable: graph.strings.get(graph.edgeNameOrIndex[candidate.edge]),
      value: summarizeObject(snapshot, candidate.value),
      use: useOf(uses),
      holders: listed,
      holderCount: holders.length,
      usingCount: uses.filter((use) => use === true).length,
      notUsingCount: uses.filter((use) => use === false).length,
      unknownCount: uses.filter((use) => use === null).length,
    }
  })
  return {
    start: from,
    total: index.leaks.length,
    items,
    hasScopeInfo: index.hasScopeInfo,
    minRetainedSize: minSize,
  }
}
