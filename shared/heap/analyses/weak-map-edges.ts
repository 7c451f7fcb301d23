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

/** Parses ephemeron edge names with a per-string cache (a miss is remembered as null). */
export class WeakMapEdgeNames {
  private readonly cache = new Map<number, EphemeronName | null>()

  constructor(private readonly graph: HeapGraph) {}

  /** The parsed name of an internal edge, or null when it is not an ephemeron edge. */
  parse(nameId: number): EphemeronName | null {
    let result = this.cache.get(nameId)
    if (result === undefined) {
      const match = EPHEMERON_NAME.exec(this.graph.strings[nameId])
      result =
        match?.groups === undefined
          ? null
          : { duplicatedPart: match.groups.duplicatedPart, tableId: Number(match.groups.tableId) }
      this.cache.set(nameId, result)
    }
    return result
  }
}
