// What the find box lists for a query: matching classes (from getSummary's name filter), then
// matching objects (from search: an @id, or class or object names). A query that is an @id
// looks up that object alone. Classes named exactly as typed come first.
import type { ClassSummary, HeapgraphApi, ObjectSummary } from '../protocol'

export type FindOption =
  | { kind: 'class'; key: string; entry: ClassSummary }
  | { kind: 'object'; key: string; object: ObjectSummary }

export interface FindResults {
  /** The query these results answer (trimmed). */
  text: string
  options: FindOption[]
  classTotal: number
  objectTotal: number
}

export const CLASS_LIMIT = 8
/** Classes fetched before ranking, so an exact name is found among many partial ones. */
const CLASS_CANDIDATES = 500
export const OBJECT_LIMIT = 25

/** `@123` or `123`: an object id. */
export function isIdQuery(text: string): boolean {
  return /^@?\d+$/.test(text.trim())
}

/** Classes whose name equals the query (any case) first, then the rest in engine order. */
export function rankClasses(classes: readonly ClassSummary[], text: string): ClassSummary[] {
  const needle = text.trim().toLowerCase()
  const exact = classes.filter((entry) => entry.className.toLowerCase() === needle)
  return [...exact, ...classes.filter((entry) => !exact.includes(entry))]
}

export function buildOptions(
  classes: readonly ClassSummary[],
  objects: readonly ObjectSummary[],
  text: string,
): FindOption[] {
  return [
    ...rankClasses(classes, text)
      .slice(0, CLASS_LIMIT)
      .map((entry): FindOption => ({ kind: 'class', key: `class:${entry.classKey}`, entry })),
    ...objects.map((object): FindOption => ({
      kind: 'object',
      key: `object:${object.node}`,
      object,
    })),
  ]
}

/** Asks the engine for classes and objects matching the text. */
export async function findMatches(
  api: HeapgraphApi,
  snapshotId: string,
  query: string,
): Promise<FindResults> {
  const text = query.trim()
  if (!text) return { text, options: [], classTotal: 0, objectTotal: 0 }
  const [classes, objects] = await Promise.all([
    isIdQuery(text)
      ? Promise.resolve({ start: 0, total: 0, items: [] })
      : api.getSummary({ snapshotId, filter: text, count: CLASS_CANDIDATES }),
    api.search({ snapshotId, text, count: OBJECT_LIMIT }),
  ])
  return {
    text,
    options: buildOptions(classes.items, objects.items, text),
    classTotal: classes.total,
    objectTotal: objects.total,
  }
}
