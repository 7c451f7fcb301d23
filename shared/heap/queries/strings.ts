// Duplicated strings (DevTools' "Duplicated strings" filter, memlab's and chrome-devtools-mcp's
// duplicate strings): reachable strings with the same text, plain ones by their text and
// concatenated ones by the text their parts read (sliced strings' texts are unknown: left out;
// flattened concatenations and thin strings forward to a copy counted on its own, and strings
// of size 0 are the snapshot's printed numbers: left out too).
// A copy counts when the program holds it (leaks.ts heldOnlyByInternals says no); texts that
// V8's internals alone hold more than once are left out unless asked for. One pass over the
// nodes groups them, built once per snapshot; holders are found for the page asked for only.
import { NO_DISTANCE } from '../analyses/distances'
import type { HeapSnapshot } from '../snapshot'
import { perSnapshot } from './cache'
import { stringValue } from './labels'
import { heldOnlyByInternals } from './leaks'
import { clampRange, summarizeObject } from './nodes'
import { describeHolding, holdingKey, nearestHolding, type Holding } from './holders'
import type { DuplicateString, DuplicateStringsReport, StringHolders } from '../../protocol/dto'

/** V8 writes at most this many characters of a string into a snapshot (--heap-snapshot-string-limit). */
export const SNAPSHOT_TEXT_LIMIT = 1024
/** How much of a text an answer carries. */
const SHOWN_TEXT = 200
/** How many copies of a text are looked at for its holders (largest first). */
const HOLDER_COPIES = 10_000
const EXAMPLES = 3
const HOLDER_GROUPS = 5

/** One text with at least two reachable copies. */
interface TextGroup {
  /** A copy whose text is shown (plain when there is one). */
  sample: number
  /** Copies the program holds, largest retained size first. */
  programCopies: Uint32Array
  /** Every copy, also those only V8's internals hold, largest first. */
  allCopies: Uint32Array
  programSize: number
  allSize: number
  /** What one shared copy would save: of the program's copies, and of all copies. */
  programWaste: number
  allWaste: number
}

/** Copies and waste summed over texts. */
interface Totals {
  textCount: number
  copyCount: number
  wastedSize: number
}

interface StringIndex {
  /**
   * First part to its flattened concatenation: the part is the text's storage, and the program
   * holds it through the concatenation it holds.
   */
  flattenedBy: Map<number, number>
  groups: TextGroup[]
  /** Groups with two or more program copies, largest waste first. */
  programOrder: number[]
  /** Every group, by the waste of all their copies. */
  allOrder: number[]
  /** Over programOrder's groups (their program copies), allOrder's (all copies), and the rest. */
  programTotals: Totals
  allTotals: Totals
  leftOut: Totals
}

function sizeSum(snapshot: HeapSnapshot, copies: Uint32Array): number {
  let total = 0
  for (const copy of copies) total += snapshot.retainedSize[copy]
  return total
}

/** All copies' bytes but the largest's (copies are sorted largest first). */
function waste(snapshot: HeapSnapshot, copies: Uint32Array, total: number): number {
  return copies.length < 2 ? 0 : total - snapshot.retainedSize[copies[0]]
}

function buildIndex(snapshot: HeapSnapshot): StringIndex {
  const { graph, distance, retainedSize } = snapshot
  const { nodeCount, nodeType, nodeName, strings, firstEdge, edgeType, edgeNameOrIndex } = graph
  const { string: plainType, consString } = graph.nodeTypeCode
  const internal = graph.edgeTypeCode.internal
  // One pass over the string table for the three edge names.
  const nameIds = strings.indexesOfAny(['actual', 'second', 'first'])
  const actualName = new Set(nameIds.get('actual'))
  const secondName = new Set(nameIds.get('second'))
  const firstName = new Set(nameIds.get('first'))
  const flattenedBy = new Map<number, number>()
  const internalTarget = (node: number, names: Set<number>): number => {
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge++) {
      if (edgeType[edge] === internal && names.has(edgeNameOrIndex[edge]))
        return graph.edgeTarget[edge]
    }
    return -1
  }

  // Per string-table id: copies among plain strings whose whole text the snapshot has.
  const plainCount = new Uint32Array(strings.length)
  // Texts that V8 may have cut, and concatenations: by a key of their own.
  const byKey = new Map<string, number[]>()
  const addKeyed = (key: string, node: number): void => {
    let list = byKey.get(key)
    if (!list) byKey.set(key, (list = []))
    list.push(node)
  }
  for (let node = 0; node < nodeCount; node++) {
    const type = nodeType[node]
    if ((type !== plainType && type !== consString) || distance[node] === NO_DISTANCE) continue
    // Texts of size 0 are the snapshot's own (a number's printed value), not the heap's.
    if (graph.rawSelfSize[node] === 0) continue
    // A thin string forwards to the copy it stands for.
    if (internalTarget(node, actualName) !== -1) continue
    if (type === plainType) {
      const nameId = nodeName[node]
      const length = strings.get(nameId).length
      if (length === 0) continue
      if (length < SNAPSHOT_TEXT_LIMIT) plainCount[nameId]++
      else addKeyed(`p${nameId}:${graph.rawSelfSize[node]}`, node)
      continue
    }
    // A flattened concatenation keeps its text in its first part, a copy of its own.
    const second = internalTarget(node, secondName)
    if (second === -1 || (nodeType[second] === plainType && strings.get(nodeName[second]) === '')) {
      const first = internalTarget(node, firstName)
      if (first !== -1) flattenedBy.set(first, node)
      continue
    }
    const value = stringValue(snapshot, node, SNAPSHOT_TEXT_LIMIT + 1)
    if (!value || value.text === '') continue
    if (value.complete && value.text.length < SNAPSHOT_TEXT_LIMIT) addKeyed('t' + value.text, node)
    else addKeyed(`c${retainedSize[node]}:${value.text.slice(0, SNAPSHOT_TEXT_LIMIT)}`, node)
  }

  // A concatenation reads like a plain string: both are copies of one text.
  const groupOfName = new Int32Array(strings.length).fill(-1)
  const drafts: number[][] = []
  for (let nameId = 0; nameId < strings.length; nameId++) {
    if (plainCount[nameId] === 0) continue
    const key = 't' + strings.get(nameId)
    const concatenated = byKey.get(key)
    if (plainCount[nameId] + (concatenated?.length ?? 0) < 2) continue
    groupOfName[nameId] = drafts.length
    drafts.push(concatenated ?? [])
    byKey.delete(key)
  }
  for (const list of byKey.values()) if (list.length >= 2) drafts.push(list)
  for (let node = 0; node < nodeCount; node++) {
    if (nodeType[node] !== plainType || distance[node] === NO_DISTANCE) continue
    if (graph.rawSelfSize[node] === 0) continue
    const group = groupOfName[nodeName[node]]
    if (group !== -1 && internalTarget(node, actualName) === -1) drafts[group].push(node)
  }

  const bySize = (a: number, b: number): number => retainedSize[b] - retainedSize[a] || a - b
  const groups = drafts.map((copies): TextGroup => {
    const program = copies.filter(
      (copy) => !heldOnlyByInternals(snapshot, flattenedBy.get(copy) ?? copy),
    )
    const programCopies = Uint32Array.from(program.sort(bySize))
    const allCopies = Uint32Array.from(copies.sort(bySize))
    const plain = allCopies.find((copy) => nodeType[copy] === plainType)
    const programSize = sizeSum(snapshot, programCopies)
    const allSize = sizeSum(snapshot, allCopies)
    return {
      sample: plain ?? allCopies[0],
      programCopies,
      allCopies,
      programSize,
      allSize,
      programWaste: waste(snapshot, programCopies, programSize),
      allWaste: waste(snapshot, allCopies, allSize),
    }
  })
  // Largest waste first, then most copies; groups were made in node order, which breaks ties.
  const order =
    (wasteOf: (group: TextGroup) => number, countOf: (group: TextGroup) => number) =>
    (a: number, b: number): number =>
      wasteOf(groups[b]) - wasteOf(groups[a]) || countOf(groups[b]) - countOf(groups[a]) || a - b
  const positions = groups.map((_, position) => position)
  const programOrder = positions
    .filter((position) => groups[position].programCopies.length >= 2)
    .sort(
      order(
        (group) => group.programWaste,
        (group) => group.programCopies.length,
      ),
    )
  const allOrder = positions.sort(
    order(
      (group) => group.allWaste,
      (group) => group.allCopies.length,
    ),
  )
  const total = (list: TextGroup[], mode: 'program' | 'all'): Totals => ({
    textCount: list.length,
    copyCount: list.reduce((sum, group) => sum + group[`${mode}Copies`].length, 0),
    wastedSize: list.reduce((sum, group) => sum + group[`${mode}Waste`], 0),
  })
  return {
    flattenedBy,
    groups,
    programOrder,
    allOrder,
    programTotals: total(
      programOrder.map((position) => groups[position]),
      'program',
    ),
    allTotals: total(groups, 'all'),
    leftOut: total(
      groups.filter((group) => group.programCopies.length < 2),
      'all',
    ),
  }
}

const stringIndex = perSnapshot(buildIndex)

/** The text a group shows, cut at SHOWN_TEXT, and whether that is all of it. */
function groupText(
  snapshot: HeapSnapshot,
  node: number,
): { text: string; complete: boolean; length: number | null } {
  const graph = snapshot.graph
  if (graph.nodeType[node] === graph.nodeTypeCode.string) {
    const whole = graph.strings.get(graph.nodeName[node])
    const cutByV8 = whole.length >= SNAPSHOT_TEXT_LIMIT
    return {
      text: whole.slice(0, SHOWN_TEXT),
      complete: !cutByV8 && whole.length <= SHOWN_TEXT,
      length: cutByV8 ? null : whole.length,
    }
  }
  const value = stringValue(snapshot, node, SNAPSHOT_TEXT_LIMIT + 1)
  const exact = value !== null && value.complete && value.text.length < SNAPSHOT_TEXT_LIMIT
  const text = value?.text ?? ''
  return {
    text: text.slice(0, SHOWN_TEXT),
    complete: exact && text.length <= SHOWN_TEXT,
    length: exact ? text.length : null,
  }
}

/** Who holds the copies, grouped by the holder's class and reference, most copies first. */
function copyHolders(
  snapshot: HeapSnapshot,
  copies: Uint32Array,
  flattenedBy: ReadonlyMap<number, number>,
): StringHolders[] {
  const byKey = new Map<string, { count: number; example: number }>()
  const examined = Math.min(copies.length, HOLDER_COPIES)
  const holdings = new Map<number, Holding>()
  for (let position = 0; position < examined; position++) {
    // What holds a flattened concatenation holds the text its first part stores.
    const copy = copies[position]
    const holding = nearestHolding(snapshot, flattenedBy.get(copy) ?? copy)
    if (!holding) continue
    const key = holdingKey(snapshot, holding)
    const entry = byKey.get(key)
    if (entry) entry.count++
    else {
      byKey.set(key, { count: 1, example: position })
      holdings.set(position, holding)
    }
  }
  return [...byKey.values()]
    .sort((a, b) => b.count - a.count || a.example - b.example)
    .slice(0, HOLDER_GROUPS)
    .map(({ count, example }) => ({
      ...describeHolding(snapshot, holdings.get(example) as Holding),
      count,
    }))
}

export interface DuplicateStringsQuery {
  start?: number
  count?: number
  /**
   * Also texts that V8's internals hold (count every reachable copy, and list texts the program
   * holds at most once). Default false.
   */
  includeInternal?: boolean
}

/** Texts held more than once, largest waste first: count, bytes, waste and holders of each. */
export function getDuplicateStrings(
  snapshot: HeapSnapshot,
  query: DuplicateStringsQuery = {},
): DuplicateStringsReport {
  const index = stringIndex(snapshot)
  const includeInternal = query.includeInternal ?? false
  const order = includeInternal ? index.allOrder : index.programOrder
  const totals = includeInternal ? index.allTotals : index.programTotals
  const leftOut = includeInternal ? { textCount: 0, copyCount: 0, wastedSize: 0 } : index.leftOut
  const [from, to] = clampRange(order.length, query.start ?? 0, query.count ?? 50)
  const items = order.slice(from, to).map((position): DuplicateString => {
    const group = index.groups[position]
    const copies = includeInternal ? group.allCopies : group.programCopies
    return {
      ...groupText(snapshot, group.sample),
      count: copies.length,
      totalSize: includeInternal ? group.allSize : group.programSize,
      wastedSize: includeInternal ? group.allWaste : group.programWaste,
      internalCount: group.allCopies.length - group.programCopies.length,
      examples: Array.from(copies.subarray(0, EXAMPLES), (copy) => summarizeObject(snapshot, copy)),
      holders: copyHolders(snapshot, copies, index.flattenedBy),
    }
  })
  return {
    start: from,
    total: order.length,
    items,
    copyCount: totals.copyCount,
    wastedSize: totals.wastedSize,
    internalOnly: { ...leftOut },
  }
}
