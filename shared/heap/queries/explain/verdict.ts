// The verdict and the fix, made from a readable route and the objects' labels, never from
// per-scenario text. The verdict names the nearest holder a programmer knows: a function that
// captures a variable (as an event listener, a timer's callback or a promise reaction when the
// route says so), a Map entry or Set member, a module's exports, or a property path from the
// global object. The fix is the call that removes that holder's reference, offered only when
// cutting the reference it stands for frees the target in a recount with it cut.
import { edgeName } from '../../graph/heap-graph'
import type { HeapSnapshot } from '../../snapshot'
import { formatBytes } from '../../../protocol/units'
import { functionName, sourceLocation } from '../labels'
import { summarizeObject } from '../nodes'
import { cutReference } from '../cut'
import { formatEdge, propertyAccess } from '../../../protocol/js-syntax'
import type { Fix, ObjectSummary, RawReference, ReadableStep } from '../../../protocol/dto'

/** How many candidate fixes are recounted at most. */
const MAX_FIX_TRIALS = 4
const MAX_CODE_NAME = 60

interface Context {
  snapshot: HeapSnapshot
  steps: readonly ReadableStep[]
}

/** `name` (file:line) for a function, as a verdict cites it. */
function citeFunction(context: Context, node: ObjectSummary): string {
  const location = node.location ?? sourceLocation(context.snapshot, node.node)
  const name = functionName(context.snapshot, node.node)
  const where = location
    ? ` (${location.file ?? 'script ' + location.scriptId}:${location.line})`
    : ''
  return `\`${name}\`${where}`
}

/**
 * How code would refer to the object at step `index`: `global.appBus`, a variable `cache`,
 * `cache.get("k")`, `module.exports.x`; null when no short name exists.
 */
function codeName(context: Context, index: number): string | null {
  const step = context.steps[index]
  if (index === 0) {
    if (step.start) return step.start
    if (/^global\b/.test(step.node.className)) return 'global'
    // A Python module (heapgraph_py) is named by its name: `app.cache`.
    if (step.node.className === 'module' && step.node.label.startsWith('module '))
      return step.node.label.slice('module '.length)
    if (step.node.className.startsWith('Window')) return 'window'
    return null
  }
  const holding = step.via
  if (!holding) return null
  if (holding.kind === 'capture') return holding.name
  const previous = context.steps[index - 1].node
  if (holding.kind === 'property' && holding.name === 'exports' && previous.className === 'Module')
    return 'module.exports'
  const base = codeName(context, index - 1)
  if (base === null) return null
  let name: string | null = null
  if (holding.kind === 'property') name = base + propertyAccess(holding.name)
  else if (holding.kind === 'element') name = `${base}[${holding.name}]`
  else if (holding.kind === 'entry' && holding.name !== '') name = `${base}.get(${holding.name})`
  return name !== null && name.length <= MAX_CODE_NAME ? name : null
}

/** Steps from `from` (exclusive) to the target as an access expression: `.items[3]`. */
function access(context: Context, from: number): string {
  return context.steps
    .slice(from + 1)
    .map((step) => {
      const holding = step.via
      if (!holding) return ''
      if (holding.kind === 'entry' && holding.name !== '') return `.get(${holding.name})`
      if (holding.kind === 'capture') return ` → ${holding.text}`
      return holding.kind === 'property' || holding.kind === 'element'
        ? holding.text
        : ` → ${holding.text}`
    })
    .join('')
    .trim()
}

/** Other functions made in the scope a closure's captured variable lives in. */
function scopeSharers(context: Context, closure: number, captureStep: ReadableStep): string[] {
  const graph = context.snapshot.graph
  const first = captureStep.references[0]
  if (!first || first.from !== closure) return []
  // The scope that holds the variable: the object the last reference leaves from.
  const scope = captureStep.references[captureStep.references.length - 1].from
  const names = new Set<string>()
  for (let slot = graph.firstRetainer[scope]; slot < graph.firstRetainer[scope + 1]; slot++) {
    const other = graph.retainerNode[slot]
    if (other === closure || graph.nodeType[other] !== graph.nodeTypeCode.closure) continue
    if (edgeName(graph, graph.retainerEdge[slot]) !== 'context') continue
    names.add(functionName(context.snapshot, other))
  }
  names.delete(functionName(context.snapshot, closure))
  return [...names].slice(0, 3)
}

/** Whether a function belongs to the runtime (Node's `node:` modules), not the program. */
function isRuntimeCode(context: Context, closure: ObjectSummary): boolean {
  const location = closure.location ?? sourceLocation(context.snapshot, closure.node)
  return location?.url?.startsWith('node:') ?? false
}

/** The scope a captured variable lives in: `makeHandlers` (src/handlers.js), or a file's top level. */
function scopeName(context: Context, capture: ReadableStep): string {
  const last = capture.references[capture.references.length - 1]
  if (!last) return 'its scope'
  const label = summarizeObject(context.snapshot, last.from).label
  const named = /^scope of (\S+)(?: \((.+)\))?$/.exec(label)
  if (named) return `\`${named[1]}\`${named[2] ? ` (${named[2]})` : ''}`
  const top = /^top-level scope of (.+)$/.exec(label)
  return top ? `the top level of ${top[1]}` : 'its scope'
}

function lastReference(step: ReadableStep): RawReference | null {
  return step.references[step.references.length - 1] ?? null
}

interface Anchor {
  phrase: string
  /** Candidate fixes, best first: text and the reference to cut. */
  fixes: Array<{ code: string; note?: string; reference: RawReference | null }>
}

function timerVariable(context: Context, timer: number): string | null {
  const graph = context.snapshot.graph
  for (let slot = graph.firstRetainer[timer]; slot < graph.firstRetainer[timer + 1]; slot++) {
    if (graph.edgeType[graph.retainerEdge[slot]] === graph.edgeTypeCode.context)
      return edgeName(graph, graph.retainerEdge[slot])
  }
  return null
}

/** Whether a Node Timeout repeats: its `_repeat` is a number (an interval) or null; null here when it is neither. */
function isInterval(context: Context, timer: number): boolean | null {
  const graph = context.snapshot.graph
  for (let edge = graph.firstEdge[timer]; edge < graph.firstEdge[timer + 1]; edge++) {
    if (edgeName(graph, edge) !== '_repeat') continue
    const target = graph.edgeTarget[edge]
    if (graph.nodeType[target] === graph.nodeTypeCode.number) return true
    return summarizeObject(context.snapshot, target).label === 'null' ? false : null
  }
  // Every Node Timeout has a _repeat field. A snapshot draws it when it holds null (a heap
  // object); a number (small integer, or a double field) has no named reference: an interval.
  return true
}

/** The holder of a closure at step `index` that captures the next step's variable. */
function closureAnchor(context: Context, index: number, tail: string): Anchor {
  const { steps } = context
  const closure = steps[index].node
  const capture = steps[index + 1]
  const variable = capture.via?.name ?? ''
  const cited = citeFunction(context, closure)
  const name = functionName(context.snapshot, closure.node)
  const into = steps[index].via
  const holder = index > 0 ? steps[index - 1] : null
  const fixes: Anchor['fixes'] = []
  let who: string
  // An EventEmitter listener: emitter ._events .event → function (or → Array [i] → function).
  const eventsAt =
    into?.kind === 'property' && holder?.via?.name === '_events'
      ? index - 1
      : into?.kind === 'element' && steps[index - 2]?.via?.name === '_events'
        ? index - 2
        : -1
  if (eventsAt > 0) {
    const event = steps[eventsAt + 1].via?.name ?? ''
    const emitter = codeName(context, eventsAt - 1) ?? steps[eventsAt - 1].node.label
    who = `listener ${cited} for ${JSON.stringify(event)} on \`${emitter}\``
    fixes.push({
      code: `${emitter}.off(${JSON.stringify(event)}, ${name})`,
      reference: lastReference(steps[index]),
    })
  } else if (holder && holder.node.className === 'Timeout' && into?.name === '_onTimeout') {
    const repeating = isInterval(context, holder.node.node)
    const variableName = timerVariable(context, holder.node.node)
    // clearTimeout and clearInterval are one function in Node: either clears any timer.
    const clear = repeating === false ? 'clearTimeout' : 'clearInterval'
    const kind = repeating === true ? 'repeating timer' : repeating === false ? 'timeout' : 'timer'
    who = `the callback ${cited} of a ${kind} (${holder.node.label})`
    fixes.push({
      code: `${clear}(${variableName ?? '…'})`,
      note: variableName
        ? ''
        : `with the handle ${repeating === false ? 'setTimeout' : 'setInterval'} returned for ${name}`,
      reference: lastReference(steps[index]),
    })
  } else if (into?.kind === 'reaction') {
    const promise = codeName(context, index - 1)
    who = `the reaction ${cited} of a pending Promise${promise ? ` \`${promise}\`` : ''}`
    fixes.push({
      code: '',
      note: `settle or drop the pending Promise${promise ? ` \`${promise}\`` : ''}: its reaction ${name} is kept until it resolves or rejects`,
      reference: steps[index].references[0] ?? null,
    })
  } else {
    const held = codeName(context, index)
    who = `function ${cited}${held && held !== name ? ` (held as \`${held}\`)` : ''}`
  }
  const sharers = scopeSharers(context, closure.node, capture)
  const shared =
    sharers.length > 0
      ? ` through the scope it shares with ${sharers.map((other) => `\`${other}\``).join(', ')}`
      : ''
  const scope = scopeName(context, capture)
  const releaseNote =
    sharers.length > 0
      ? `in ${scope} once it is no longer needed: ${[name, ...sharers].join(' and ')} share that scope, and each keeps all of its variables alive`
      : `in ${scope} once ${name} no longer needs it`
  // A variable of Node's (or the browser's) own code is not the program's to change.
  if (!isRuntimeCode(context, closure))
    fixes.push({ code: `${variable} = null`, note: releaseNote, reference: lastReference(capture) })
  return {
    phrase: `${who} captures \`${variable}\`${shared}${tail ? `, which holds it in \`${tail}\`` : ''}`,
    fixes,
  }
}

function collectionAnchor(context: Context, index: number, tail: string): Anchor {
  const { steps } = context
  const collection = steps[index].node
  const slot = steps[index + 1]
  const name = codeName(context, index)
  // Without a name from the global object or a variable, an instance's own property reads as
  // `this.open` in its class's code.
  const into = steps[index].via
  const owner = index > 0 ? steps[index - 1].node : null
  const own = name === null && into?.kind === 'property' && owner?.type === 'object'
  const ref = name ?? (own ? `this${into.text}` : collection.label)
  const where = own && owner ? ` (in ${owner.label} @${owner.id})` : scopeOf(context, index)
  const within = tail ? `, which holds it in \`${tail}\`` : ''
  const kind = slot.via?.kind
  if (kind === 'entry') {
    const key = slot.via?.name ?? ''
    return {
      phrase: `the ${collection.className} \`${ref}\`${where} holds it under key ${key || '(a key the snapshot leaves out)'}${within}`,
      fixes: [
        {
          code: `${ref}.delete(${key || 'key'})`,
          note: where.replace(/^ \(|\)$/g, ''),
          reference: lastReference(slot),
        },
      ],
    }
  }
  const member = kind === 'key' ? 'as a key' : 'as a member'
  const held = steps[index + 1].node
  const memberName = codeName(context, index + 1)
  const placed = where.replace(/^ \(|\)$/g, '')
  return {
    phrase: `the ${collection.className} \`${ref}\`${where} holds it ${member}${within}`,
    fixes: [
      {
        code: `${ref}.delete(${memberName ?? 'member'})`,
        note: [memberName ? '' : `the member is ${held.label} @${held.id}`, placed]
          .filter(Boolean)
          .join(', '),
        reference: lastReference(slot),
      },
    ],
  }
}

/** ` (in the scope of \`lookup\` (lib/cache.js:5))` for a variable a closure captures. */
function scopeOf(context: Context, index: number): string {
  const step = context.steps[index]
  if (step.via?.kind !== 'capture' || index === 0) return ''
  const closure = context.steps[index - 1].node
  if (closure.type !== 'closure') return ''
  return ` (in the scope of ${citeFunction(context, closure)})`
}

function moduleAnchor(context: Context, index: number): Anchor {
  const { steps } = context
  const file = steps[index].node.label.replace(/^Module /, '')
  const rest = access(context, index + 1)
  const exported = steps[index + 2]
  const fixes: Anchor['fixes'] = []
  if (exported?.via?.kind === 'property') {
    fixes.push({
      code: `module.exports${exported.via.text} = null`,
      note: `in ${file} (or delete the module from require.cache)`,
      reference: lastReference(exported),
    })
  }
  return {
    phrase: `module \`${file}\` exports it${rest ? ` as \`${rest}\`` : ''}`,
    fixes,
  }
}

/** A Python frame's local variable (heapgraph_py): `rows` of `load` (app.py:12). */
function frameLocalAnchor(context: Context): Anchor | null {
  const [frame, local] = context.steps
  if (frame.node.className !== 'frame' || local?.via?.kind !== 'property') return null
  const where = /^frame (\S+)( \(.+\))?$/.exec(frame.node.label)
  if (!where) return null
  const variable = local.via.name
  const rest = access(context, 1)
  return {
    phrase: `the local variable \`${variable}\` of \`${where[1]}\`${where[2] ?? ''} holds it${rest ? ` in \`${variable}${rest}\`` : ''}`,
    fixes: [],
  }
}

/**
 * A Python object whose reference count is higher than the references heapgraph_py found to it:
 * its (C references) root holds it, by an edge that says how many were not found.
 */
function cReferencesAnchor(context: Context): Anchor | null {
  const { steps } = context
  const at = steps.findIndex(
    (step) => step.node.type === 'synthetic' && step.node.name === '(C references)',
  )
  if (at === -1 || at + 1 >= steps.length) return null
  const held = steps[at + 1]
  const unseen = held.via?.name ?? ''
  const rest = access(context, at + 1)
  const what = at + 1 === steps.length - 1 ? 'it' : `${held.node.label} @${held.node.id}`
  return {
    phrase: `references the snapshot cannot see hold ${what} (C code, or a container the collector does not track${unseen ? `: ${unseen}` : ''})${rest ? `, which holds it in \`${rest}\`` : ''}`,
    fixes: [],
  }
}

function rootAnchor(context: Context): Anchor {
  const local = frameLocalAnchor(context) ?? cReferencesAnchor(context)
  if (local) return local
  const { steps } = context
  const root = codeName(context, 0) ?? steps[0].node.label
  const path = `${root}${access(context, 0)}`
  const fixes: Anchor['fixes'] = []
  const first = steps[1]
  if (first?.via?.kind === 'property' && (root === 'global' || root === 'window')) {
    fixes.push({
      code: `delete ${root}${first.via.text}`,
      note: 'or set it to null',
      reference: lastReference(first),
    })
  }
  return { phrase: `\`${path}\` holds it`, fixes }
}

/** Array elements on the route: `arr.splice(i, 1)`, as a further fix. */
function elementFixes(context: Context, from: number): Anchor['fixes'] {
  const fixes: Anchor['fixes'] = []
  for (let index = context.steps.length - 1; index > from; index--) {
    const step = context.steps[index]
    if (step.via?.kind !== 'element') continue
    const holder = context.steps[index - 1].node
    if (holder.className !== 'Array') continue
    const name = codeName(context, index - 1) ?? holder.label
    fixes.push({ code: `${name}.splice(${step.via.name}, 1)`, reference: lastReference(step) })
  }
  return fixes
}

/** V8's name for a WeakMap entry's reference from its key to its value (an ephemeron). */
const WEAK_MAP_PAIR =
  / part of key \((.+) @(\d+)\) -> value \(.+\) pair in WeakMap \(table @(\d+)\)$/

/** A WeakMap entry: the key at step `index` keeps the value for as long as the key lives. */
function weakMapAnchor(context: Context, index: number): Anchor {
  const key = codeName(context, index) ?? context.steps[index].node.label
  const rest = access(context, index + 1)
  return {
    phrase: `a WeakMap entry whose key is \`${key}\` (${context.steps[index].node.label}) holds it${rest ? ` in \`${rest}\`` : ''}, for as long as that key lives`,
    fixes: [],
  }
}

function findAnchor(context: Context): { anchor: Anchor; index: number } {
  const { steps } = context
  const last = steps.length - 1
  for (let index = last - 1; index >= 0; index--) {
    const node = steps[index].node
    const next = steps[index + 1].via
    if (next?.kind === 'capture' && node.type === 'closure')
      return { anchor: closureAnchor(context, index, access(context, index + 1)), index }
    if (next && (next.kind === 'entry' || next.kind === 'member' || next.kind === 'key'))
      return { anchor: collectionAnchor(context, index, access(context, index + 1)), index }
    if (node.className === 'Module' && next?.kind === 'property' && next.name === 'exports')
      return { anchor: moduleAnchor(context, index), index }
    if (next?.kind === 'internal' && WEAK_MAP_PAIR.test(next.name))
      return { anchor: weakMapAnchor(context, index), index }
  }
  return { anchor: rootAnchor(context), index: 0 }
}

/** Notes a verdict must carry: running code's stack, a WeakMap entry. */
function notes(context: Context, runningCodeOnly: string | null): string {
  const { snapshot, steps } = context
  const parts: string[] = []
  if (runningCodeOnly) {
    parts.push(
      `It is held only from ${runningCodeOnly}: code was running when the snapshot was taken, so it may be temporary.`,
    )
  }
  const graph = snapshot.graph
  const ephemeron = steps.some((step) =>
    step.references.some((reference) => WEAK_MAP_PAIR.test(edgeName(graph, reference.edge))),
  )
  if (ephemeron && !steps.some((step) => step.via && WEAK_MAP_PAIR.test(step.via.name)))
    parts.push('It is held through a WeakMap entry: it lives as long as its key does.')
  return parts.length > 0 ? ' ' + parts.join(' ') : ''
}

/** The verdict for the first route, and the first candidate fix whose cut frees the target. */
export function explainRoute(
  snapshot: HeapSnapshot,
  target: ObjectSummary,
  steps: readonly ReadableStep[],
  { withFix, runningCodeOnly }: { withFix: boolean; runningCodeOnly: string | null },
): { verdict: string; fix: Fix | null } {
  const context: Context = { snapshot, steps }
  const subject = `${target.label} (${formatBytes(target.retainedSize)})`
  if (steps.length < 2) {
    return {
      verdict: `${subject} is a GC root's own object: nothing in the heap holds it.`,
      fix: null,
    }
  }
  const { anchor, index } = findAnchor(context)
  const verdict = `${subject} is alive because ${anchor.phrase}.${notes(context, runningCodeOnly)}`
  if (!withFix) return { verdict, fix: null }
  // The change nearest the object first: the holder's own fix, an array element below it, and
  // only then the global property the route starts from.
  const candidates =
    index > 0
      ? [...anchor.fixes, ...elementFixes(context, index), ...rootAnchor(context).fixes]
      : [...elementFixes(context, index), ...anchor.fixes]
  return { verdict, fix: checkedFix(snapshot, target, candidates) }
}

function checkedFix(
  snapshot: HeapSnapshot,
  target: ObjectSummary,
  candidates: Anchor['fixes'],
): Fix | null {
  let trials = 0
  for (const candidate of candidates) {
    if (!candidate.reference || trials >= MAX_FIX_TRIALS) continue
    trials++
    const { from, edge } = candidate.reference
    const result = cutReference(snapshot, {
      from,
      edge,
      target: target.node,
      largestCount: 0,
      findAlivePath: false,
    })
    if (!result.targetFreed) continue
    return {
      text: [candidate.code, candidate.note].filter(Boolean).join(' — '),
      code: candidate.code,
      note: candidate.note ?? '',
      cut: {
        from,
        fromId: result.from.id,
        edge,
        edgeName: result.edge.name,
        option: `@${result.from.id}:${formatEdge(result.edge.type, result.edge.name)}`,
      },
      freedBytes: result.freedBytes,
      freedCount: result.freedCount,
    }
  }
  return null
}
