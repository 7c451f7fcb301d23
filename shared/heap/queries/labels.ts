// Labels: each object named by what identifies it in the program that made it, computed on
// demand per object (nothing at load). A function by its name and file:line:column, a Node
// module by its file, a string by its text, an oddball by its value, an array by its length, a
// Map or Set by its entries, a closure's context by the function whose scope it is, a timer by
// its callback. Anything else keeps the name DevTools shows.
import { edgeName, type HeapGraph } from '../graph/heap-graph'
import { locationOffsets, nodeLocationOf, type HeapSnapshot } from '../snapshot'
import { formatBytes } from '../../protocol/units'
import { arrayFacts, pointerLayout } from './arrays'
import { perSnapshot, SavedIndexError } from './cache'
import { firstEntrySlot } from './map-entries'
import { displayName } from './names'
import { pythonLabel } from './python'
import type { SourceLocation } from '../../protocol/dto'
import { commonScriptFolder, relativeScriptName } from '../../protocol/script-paths'

/** How long a string's text may be in a label before it is cut with "…". */
export const LABEL_TEXT_LENGTH = 60
/** The most text a string's value is resolved to (concatenations of concatenations included). */
export const MAX_STRING_VALUE = 1 << 20

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string'])
// A Python code object (heapgraph_py) names its file by `co_filename`.
const SCRIPT_EDGES = new Set(['script', 'script_or_debug_info', 'co_filename'])
const ODDBALL_NAMES: Record<string, string> = {
  undefined: 'undefined',
  null: 'null',
  true: 'true',
  false: 'false',
  hole: 'the hole',
}

function findEdge(graph: HeapGraph, node: number, test: (name: string, type: number) => boolean) {
  for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
    if (test(edgeName(graph, edge), graph.edgeType[edge])) return edge
  }
  return -1
}

function internalTarget(graph: HeapGraph, node: number, name: string): number {
  const edge = findEdge(
    graph,
    node,
    (edgeText, type) => type === graph.edgeTypeCode.internal && edgeText === name,
  )
  return edge === -1 ? -1 : graph.edgeTarget[edge]
}

function propertyTarget(graph: HeapGraph, node: number, name: string): number {
  const edge = findEdge(
    graph,
    node,
    (edgeText, type) => type === graph.edgeTypeCode.property && edgeText === name,
  )
  return edge === -1 ? -1 : graph.edgeTarget[edge]
}

export function isString(snapshot: HeapSnapshot, node: number): boolean {
  const graph = snapshot.graph
  return STRING_TYPES.has(graph.nodeTypes[graph.nodeType[node]])
}

/**
 * A string object's text, up to `limit` characters, and whether it is all of it. A concatenated
 * string is joined from its parts; a sliced string's offset is not in snapshots, so its text is
 * unknown and null is returned (see stringLabel for what is shown instead).
 */
export function stringValue(
  snapshot: HeapSnapshot,
  node: number,
  limit = MAX_STRING_VALUE,
): { text: string; complete: boolean } | null {
  const graph = snapshot.graph
  const { nodeType, nodeName, strings } = graph
  const { consString, slicedString } = graph.nodeTypeCode
  if (nodeType[node] === slicedString) return null
  // Bounded: malformed snapshots can hold cons strings that contain themselves or lack parts.
  const stack = [node]
  let text = ''
  let expansions = 0
  while (stack.length > 0 && text.length < limit) {
    const current = stack.pop() as number
    if (nodeType[current] === slicedString) {
      text += '…'
      continue
    }
    if (nodeType[current] !== consString) {
      text += strings.get(nodeName[current])
      continue
    }
    if (++expansions > limit) {
      stack.push(current)
      break
    }
    const first = internalTarget(graph, current, 'first')
    const second = internalTarget(graph, current, 'second')
    if (second !== -1) stack.push(second)
    if (first !== -1) stack.push(first)
  }
  const complete = stack.length === 0 && text.length <= limit
  return { text: text.length > limit ? text.slice(0, limit) : text, complete }
}

/** Text quoted as JavaScript would write it, cut at `length` characters with "…". */
export function quoteText(text: string, complete = true, length = LABEL_TEXT_LENGTH): string {
  const cut = text.length > length
  let end = length - 1
  // Never between the two halves of a surrogate pair.
  if (cut && /[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end--
  const shown = cut ? text.slice(0, end) : text
  return JSON.stringify(shown) + (cut || !complete ? '…' : '')
}

function stringLabel(snapshot: HeapSnapshot, node: number): string {
  const value = stringValue(snapshot, node, LABEL_TEXT_LENGTH + 1)
  if (value) return quoteText(value.text, value.complete)
  // A slice: V8 records its parent, not where in the parent it starts.
  const parent = internalTarget(snapshot.graph, node, 'parent')
  if (parent === -1 || !isString(snapshot, parent)) return '(sliced string)'
  const whole = stringValue(snapshot, parent, 41)
  return whole ? `part of ${quoteText(whole.text, whole.complete, 40)}` : '(sliced string)'
}

/** The oddball's value by name (`undefined`, `null`, `the hole`), or null for another node. */
function oddballName(snapshot: HeapSnapshot, node: number): string | null {
  const graph = snapshot.graph
  const name = graph.strings.get(graph.nodeName[node])
  if (name !== 'system / Oddball' && name !== 'Oddball') return null
  // An oddball's first string field is its to_string: "undefined", "null", "true", "hole"...
  for (let edge = graph.firstEdge[node]; edge < graph.firstEdge[node + 1]; edge++) {
    const target = graph.edgeTarget[edge]
    if (graph.nodeType[target] === graph.nodeTypeCode.string) {
      const text = graph.strings.get(graph.nodeName[target])
      return ODDBALL_NAMES[text] ?? text
    }
  }
  return null
}

/** Where a script name is shown from: the folder common to the snapshot's own scripts. */
const scriptRoot = perSnapshot(buildScriptRoot, {
  name: 'labels/script-root@1',
  save: (root) => ({ root }),
  load: (saved) => {
    const root = (saved as { root?: unknown } | null)?.root
    if (typeof root !== 'string') throw new SavedIndexError('saved script root is not a string')
    return root
  },
})

function buildScriptRoot(snapshot: HeapSnapshot): string {
  const graph = snapshot.graph
  const { edgeType, edgeNameOrIndex, edgeTarget, strings, firstEdge, nodeType, nodeCount } = graph
  const internal = graph.edgeTypeCode.internal
  const code = graph.nodeTypeCode.code
  const scriptEdgeIds = new Set([...strings.indexesOfAny([...SCRIPT_EDGES]).values()].flat())
  const seen = new Set<number>()
  const urls: string[] = []
  // Only SharedFunctionInfos (code nodes) hold a script: their edges, not the heap's, are read.
  for (let node = 0; node < nodeCount; node++) {
    if (nodeType[node] !== code) continue
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      if (edgeType[edge] !== internal || !scriptEdgeIds.has(edgeNameOrIndex[edge])) continue
      const script = edgeTarget[edge]
      if (seen.has(script)) continue
      seen.add(script)
      const url = scriptName(snapshot, script)
      if (url !== null) urls.push(url)
    }
  }
  return commonScriptFolder(urls)
}

/** Finds the snapshot's script folder now (a pass over its code objects), not at the first label. */
export function prepareLabels(snapshot: HeapSnapshot): void {
  scriptRoot(snapshot)
}

/** A script name as labels show it: relative to the snapshot's script folder. */
export function shortScriptName(snapshot: HeapSnapshot, url: string): string {
  return relativeScriptName(scriptRoot(snapshot), url)
}

/** A Script node's name (its path or URL), from its `name` field or its own name; or null. */
function scriptName(snapshot: HeapSnapshot, script: number): string | null {
  const graph = snapshot.graph
  const name = internalTarget(graph, script, 'name')
  if (name !== -1) {
    return graph.nodeType[name] === graph.nodeTypeCode.string
      ? graph.strings.get(graph.nodeName[name]) || null
      : null
  }
  // V8 names a Script node by its name; other objects there (a DebugInfo) name no script.
  const own = graph.strings.get(graph.nodeName[script])
  return own === '' || own.startsWith('system / ') ? null : own
}

/** The script a SharedFunctionInfo belongs to, by name; null without one. */
function scriptOfShared(snapshot: HeapSnapshot, shared: number): string | null {
  const graph = snapshot.graph
  const edge = findEdge(
    graph,
    shared,
    (name, type) => type === graph.edgeTypeCode.internal && SCRIPT_EDGES.has(name),
  )
  return edge === -1 ? null : scriptName(snapshot, graph.edgeTarget[edge])
}

/** Where a function (a closure node) was written, when the snapshot says. */
export function sourceLocation(snapshot: HeapSnapshot, node: number): SourceLocation | null {
  const graph = snapshot.graph
  if (graph.nodeType[node] !== graph.nodeTypeCode.closure) return null
  const record = nodeLocationOf(snapshot.graph, node)
  // A Python function holds its code object as `__code__` (heapgraph_py).
  let shared = internalTarget(graph, node, 'shared')
  if (shared === -1) shared = internalTarget(graph, node, '__code__')
  const url = shared === -1 ? null : scriptOfShared(snapshot, shared)
  if (record < 0) return null
  const offsets = locationOffsets(graph)
  const at = (offset: number): number => graph.locations[record + offset]
  return {
    url,
    file: url === null ? null : shortScriptName(snapshot, url),
    scriptId: at(offsets.scriptId),
    line: at(offsets.line) + 1,
    column: at(offsets.column) + 1,
  }
}

/**
 * A number node's value, when the snapshot recorded it: snapshots taken with numeric values give
 * each number an internal `value` string (older ones named the node by it); NaN otherwise.
 */
export function numberValue(snapshot: HeapSnapshot, node: number): number {
  const graph = snapshot.graph
  if (graph.nodeType[node] !== graph.nodeTypeCode.number) return NaN
  const own = graph.strings.get(graph.nodeName[node])
  if (own !== '' && !Number.isNaN(Number(own))) return Number(own)
  const value = internalTarget(graph, node, 'value')
  if (value === -1 || graph.nodeType[value] !== graph.nodeTypeCode.string) return NaN
  const text = graph.strings.get(graph.nodeName[value])
  return text === '' ? NaN : Number(text)
}

/** `file:line:column`, or `script 12:3:5` when the script has no name. */
export function formatLocation(location: SourceLocation): string {
  const where = location.file ?? `script ${location.scriptId}`
  return `${where}:${location.line}:${location.column}`
}

/** A function's own name as V8 has it; "anonymous" when it has none. */
export function functionName(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const name = graph.strings.get(graph.nodeName[node])
  return name === '' ? 'anonymous' : name
}

function functionLabel(snapshot: HeapSnapshot, node: number): string {
  const location = sourceLocation(snapshot, node)
  const name = functionName(snapshot, node)
  return location ? `${name} (${formatLocation(location)})` : `${name}()`
}

/**
 * The function whose scope a context is: found from the context's ScopeInfo, which that
 * function's SharedFunctionInfo holds (`name_or_scope_info`); then one of its closures, for the
 * location. Null when the snapshot does not link them.
 */
export function contextOwner(
  snapshot: HeapSnapshot,
  context: number,
): { name: string; closure: number | null; file: string | null } | null {
  const graph = snapshot.graph
  const scopeInfo = internalTarget(graph, context, 'scope_info')
  if (scopeInfo === -1) return null
  for (
    let slot = graph.firstRetainer[scopeInfo];
    slot < graph.firstRetainer[scopeInfo + 1];
    slot++
  ) {
    const edge = graph.retainerEdge[slot]
    if (edgeName(graph, edge) !== 'name_or_scope_info') continue
    const shared = graph.retainerNode[slot]
    // Chrome names a SharedFunctionInfo `system / SharedFunctionInfo / <function name>`.
    const name = graph.strings
      .get(graph.nodeName[shared])
      .replace(/^system \/ SharedFunctionInfo \/ ?/, '')
    let closure: number | null = null
    for (let use = graph.firstRetainer[shared]; use < graph.firstRetainer[shared + 1]; use++) {
      const retainer = graph.retainerNode[use]
      if (
        graph.nodeType[retainer] === graph.nodeTypeCode.closure &&
        edgeName(graph, graph.retainerEdge[use]) === 'shared'
      ) {
        closure = retainer
        if (nodeLocationOf(snapshot.graph, retainer) >= 0) break
      }
    }
    const url = scriptOfShared(snapshot, shared)
    return {
      name: name === '' ? 'anonymous' : name,
      closure,
      file: url === null ? null : shortScriptName(snapshot, url),
    }
  }
  return scopeInfoOwner(snapshot, context, scopeInfo)
}

/**
 * The owner of a scope whose function V8 no longer links (its code was flushed): the ScopeInfo
 * keeps the function's name after the names of the context's variables, and a function written
 * inside it (whose outer scope it is) tells the script.
 */
function scopeInfoOwner(
  snapshot: HeapSnapshot,
  context: number,
  scopeInfo: number,
): { name: string; closure: null; file: string | null } | null {
  const graph = snapshot.graph
  const variables = new Set<string>()
  for (let edge = graph.firstEdge[context]; edge < graph.firstEdge[context + 1]; edge++) {
    if (graph.edgeType[edge] === graph.edgeTypeCode.context) variables.add(edgeName(graph, edge))
  }
  // A ScopeInfo lists the names of the scope's context variables at slots 0..n-1 (every one,
  // also those holding small integers, which the context draws no edge for), then the
  // function's name at slot n ("" when anonymous). n is the context's slot count less its
  // two fixed slots (scope_info, previous).
  const { slotSize, headerSize } = pointerLayout(snapshot)
  const slots = (graph.rawSelfSize[context] - headerSize) / slotSize - 2
  const names = new Map<number, string>()
  for (let edge = graph.firstEdge[scopeInfo]; edge < graph.firstEdge[scopeInfo + 1]; edge++) {
    const target = graph.edgeTarget[edge]
    const index = Number(edgeName(graph, edge))
    if (Number.isInteger(index) && graph.nodeType[target] === graph.nodeTypeCode.string)
      names.set(index, graph.strings.get(graph.nodeName[target]))
  }
  if (variables.size === 0 || !Number.isInteger(slots) || slots < 1) return null
  for (const variable of variables) if (![...names.values()].includes(variable)) return null
  const last = names.get(slots)
  if (last === undefined || variables.has(last)) return null
  const name = last === '' ? null : last
  let file: string | null = null
  for (
    let slot = graph.firstRetainer[scopeInfo];
    slot < graph.firstRetainer[scopeInfo + 1];
    slot++
  ) {
    if (edgeName(graph, graph.retainerEdge[slot]) !== 'raw_outer_scope_info_or_feedback_metadata')
      continue
    const url = scriptOfShared(snapshot, graph.retainerNode[slot])
    if (url !== null) {
      file = shortScriptName(snapshot, url)
      break
    }
  }
  // Else a function that runs in this context (a closure made in the scope) tells the script.
  for (
    let slot = graph.firstRetainer[context];
    file === null && slot < graph.firstRetainer[context + 1];
    slot++
  ) {
    const closure = graph.retainerNode[slot]
    if (graph.nodeType[closure] !== graph.nodeTypeCode.closure) continue
    if (edgeName(graph, graph.retainerEdge[slot]) !== 'context') continue
    const shared = internalTarget(graph, closure, 'shared')
    const url = shared === -1 ? null : scriptOfShared(snapshot, shared)
    if (url !== null) file = shortScriptName(snapshot, url)
  }
  return { name: name ?? 'anonymous', closure: null, file }
}

function contextLabel(snapshot: HeapSnapshot, node: number): string | null {
  const owner = contextOwner(snapshot, node)
  if (!owner) return null
  const location = owner.closure === null ? null : sourceLocation(snapshot, owner.closure)
  // A CommonJS module's code runs in an anonymous wrapper, the outermost function of its file:
  // its scope is the file's top level.
  const previous = internalTarget(snapshot.graph, node, 'previous')
  const outermost =
    previous !== -1 &&
    snapshot.graph.strings.get(snapshot.graph.nodeName[previous]).endsWith('NativeContext')
  if (owner.name === 'anonymous' && owner.file && outermost)
    return `top-level scope of ${owner.file}`
  const where = location ? formatLocation(location) : owner.file
  return `scope of ${owner.name}${where ? ` (${where})` : ''}`
}

/** A Node module object's file, relative where the snapshot's scripts share a folder. */
function moduleFile(snapshot: HeapSnapshot, node: number): string | null {
  const graph = snapshot.graph
  for (const property of ['filename', 'id']) {
    const target = propertyTarget(graph, node, property)
    if (target !== -1 && isString(snapshot, target)) {
      const value = stringValue(snapshot, target, 4096)
      if (value?.text) return shortScriptName(snapshot, value.text)
    }
  }
  return null
}

/**
 * Entries of a Map or Set that the snapshot draws (a key or a value that is a heap object): a
 * lower bound of its size, since small integers, booleans, null and undefined are not drawn.
 * Null when the table's layout is not one this code knows.
 */
export function drawnEntryCount(snapshot: HeapSnapshot, node: number): number | null {
  const graph = snapshot.graph
  const className = graph.strings.get(snapshot.className[node])
  const isMap = className === 'Map'
  if (!isMap && className !== 'Set') return null
  const table = internalTarget(graph, node, 'table')
  if (table === -1) return null
  // OrderedHashMap: 3 header slots, a slot per bucket, [key, value, chain] per entry (two
  // entries a bucket); an OrderedHashSet has [key, chain] entries.
  const entrySize = isMap ? 3 : 2
  const start = firstEntrySlot(snapshot, table, entrySize)
  if (start === null) return null
  const entries = new Set<number>()
  for (let edge = graph.firstEdge[table]; edge < graph.firstEdge[table + 1]; edge++) {
    if (graph.edgeType[edge] !== graph.edgeTypeCode.internal) continue
    const name = edgeName(graph, edge)
    if (!/^\d+$/.test(name)) continue
    const offset = Number(name) - start
    if (offset < 0 || offset % entrySize === entrySize - 1) continue
    if (oddballName(snapshot, graph.edgeTarget[edge]) === 'the hole') continue
    entries.add(Math.floor(offset / entrySize))
  }
  return entries.size
}

function arrayLabel(snapshot: HeapSnapshot, node: number, className: string): string | null {
  const facts = arrayFacts(snapshot, node)
  if (!facts) return null
  const length = Number.isNaN(facts.length)
    ? '?'
    : (facts.lengthIsEstimate ? '~' : '') + facts.length
  switch (facts.kind) {
    case 'array':
      return `${className}(${length})`
    case 'typed-array':
      return `${className}(${length}, ${formatBytes(facts.storeSize)})`
    case 'array-buffer':
      return `${className}(${formatBytes(facts.storeSize)})`
    default:
      return null
  }
}

function timerLabel(snapshot: HeapSnapshot, node: number): string | null {
  const graph = snapshot.graph
  const callback = propertyTarget(graph, node, '_onTimeout')
  if (callback === -1 || graph.nodeType[callback] !== graph.nodeTypeCode.closure) return null
  const timeout = propertyTarget(graph, node, '_idleTimeout')
  const milliseconds = timeout === -1 ? NaN : numberValue(snapshot, timeout)
  const every = Number.isFinite(milliseconds) ? `, ${milliseconds} ms` : ''
  return `Timeout(${functionName(snapshot, callback)}${every})`
}

/** What a label is built from: the object as the engine has it. */
export function objectLabelOf(snapshot: HeapSnapshot, node: number): string {
  const graph = snapshot.graph
  const type = graph.nodeType[node]
  const codes = graph.nodeTypeCode
  const className = graph.strings.get(snapshot.className[node])
  if (type === codes.closure) return functionLabel(snapshot, node)
  if (type === codes.string || type === codes.consString || type === codes.slicedString)
    return stringLabel(snapshot, node)
  if (type === codes.synthetic) return graph.strings.get(graph.nodeName[node]) || '(root)'
  if (type === codes.number) {
    const value = numberValue(snapshot, node)
    return Number.isNaN(value) ? 'number' : `number ${value}`
  }
  const oddball = oddballName(snapshot, node)
  if (oddball !== null) return oddball
  // V8's own objects: the Summary files them all under "(system)"; their name says which.
  if (type === codes.hidden) return graph.strings.get(graph.nodeName[node]) || className
  if (type === codes.object) {
    const name = graph.strings.get(graph.nodeName[node])
    // Node 26 names the global proxy and object `global (global)` and `global (global*)`.
    // and an in-process capture's global object `global / `.
    if (/^global (\(global\*?\)|\/\s*)$/.test(name)) return 'global'
    // Chrome names a context `system / Context / scope @<id of its ScopeInfo>`.
    if (name === 'system / Context' || name.startsWith('system / Context /'))
      return contextLabel(snapshot, node) ?? name
    if (className === 'Module') {
      const file = moduleFile(snapshot, node)
      if (file) return `Module ${file}`
    }
    if (className === 'Timeout') {
      const timer = timerLabel(snapshot, node)
      if (timer) return timer
    }
    if (className === 'Map' || className === 'Set') {
      const entries = drawnEntryCount(snapshot, node)
      if (entries !== null && entries > 0) return `${className}(≥${entries})`
    }
    const python = pythonLabel(snapshot, node, className, (file) => shortScriptName(snapshot, file))
    if (python) return python
    const array = arrayLabel(snapshot, node, className)
    if (array) return array
    if (name === 'Object') return displayName(snapshot, node)
    return className
  }
  return className
}
