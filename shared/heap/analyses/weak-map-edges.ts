// Recognises V8's ephemeron edge names ("<n> / part of key (K @1) -> value (V @2) pair in
// WeakMap (table @3)"), which DevTools treats specially for dominators and distances.
// Results are cached per string index, as the same names recur across many edges.
import type { HeapGraph } from '../graph/heap-graph'

const EPHEMERON_NAME =
  /^\d+(?<duplicatedPart> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<tableId>\d+)\))$/

export interface EphemeronName {
  /** The name without its leading number: equal for the key's and the table's edge. */
  duplicatedPart: string
  /** The @id of the WeakMap's table. */
  tableId: number
}

const NOT_EPHEMERON = 1
const EPHEMERON = 2

/**
 * Parses ephemeron edge names with a per-string cache: a typed array of states for every string
 * (most edges are not ephemerons, so the common answer costs one array read), and the parsed
 * names of the few that are.
 */
export class WeakMapEdgeNames {
  private readonly state: Uint8Array
  private readonly parsed = new Map<number, EphemeronName>()

  constructor(private readonly graph: HeapGraph) {
    this.state = new Uint8Array(graph.strings.length)
  }

  /** The parsed name of an internal edge, or null when it is not an ephemeron edge. */
  parse(nameId: number): EphemeronName | null {
    const state = this.state[nameId]
    if (state === NOT_EPHEMERON) return null
    if (state === EPHEMERON) return this.parsed.get(nameId) as EphemeronName
    const text = this.graph.strings.get(nameId)
    // Cheap test first: every ephemeron name starts with a digit.
    const first = text.charCodeAt(0)
    const match = first >= 0x30 && first <= 0x39 ? EPHEMERON_NAME.exec(text) : null
    if (match?.groups === undefined || nameId >= this.state.length) {
      if (nameId < this.state.length) this.state[nameId] = NOT_EPHEMERON
      return null
    }
    const result = {
      duplicatedPart: match.groups.duplicatedPart,
      tableId: Number(match.groups.tableId),
    }
    this.state[nameId] = EPHEMERON
    this.parsed.set(nameId, result)
    return result
  }
}
