// The Summary's rows as pure data: classes filtered and sorted in the UI (the engine returns
// them by retained size), then flattened with the loaded members of each expanded class and a
// status row ("Show more", loading, error) after them. Row keys are stable across sorts.
import type { ClassSummary, ObjectSummary } from '../protocol'

export type SummaryColumn = 'className' | 'count' | 'distance' | 'selfSize' | 'retainedSize'

export interface ClassSort {
  column: SummaryColumn
  direction: 'ascending' | 'descending'
}

export const DEFAULT_SORT: ClassSort = { column: 'retainedSize', direction: 'descending' }

/** The members of one class loaded so far (pages appended in engine order). */
export interface MemberList {
  items: ObjectSummary[]
  /** Null until the first page arrives. */
  total: number | null
  loading: boolean
  error: string | null
}

export type SummaryRow =
  | { kind: 'class'; key: string; entry: ClassSummary; expanded: boolean }
  | { kind: 'member'; key: string; classKey: string; object: ObjectSummary }
  | {
      kind: 'status'
      key: string
      classKey: string
      status: 'loading' | 'more' | 'error'
      shown: number
      total: number
      error: string | null
    }

export const classRowKey = (classKey: string): string => `class:${classKey}`
export const memberRowKey = (classKey: string, node: number): string => `member:${classKey}:${node}`
export const statusRowKey = (classKey: string): string => `status:${classKey}`

/** Classes whose name contains the text, case-insensitively (as the engine's filter). */
export function filterClasses(classes: readonly ClassSummary[], text: string): ClassSummary[] {
  const needle = text.trim().toLowerCase()
  if (!needle) return [...classes]
  return classes.filter((entry) => entry.className.toLowerCase().includes(needle))
}

function compareValues(a: ClassSummary, b: ClassSummary, column: SummaryColumn): number {
  if (column === 'className') return a.className.localeCompare(b.className, 'en')
  if (column === 'distance') {
    // Unreachable classes (null) are the farthest.
    const left = a.distance ?? Number.POSITIVE_INFINITY
    const right = b.distance ?? Number.POSITIVE_INFINITY
    return left === right ? 0 : left < right ? -1 : 1
  }
  return a[column] - b[column]
}

/** Compares two classes for a sort; ties fall back to the class key so the order is total. */
export function compareClasses(a: ClassSummary, b: ClassSummary, sort: ClassSort): number {
  const order = compareValues(a, b, sort.column)
  if (order !== 0) return sort.direction === 'ascending' ? order : -order
  return a.classKey < b.classKey ? -1 : a.classKey > b.classKey ? 1 : 0
}

export function sortClasses(classes: readonly ClassSummary[], sort: ClassSort): ClassSummary[] {
  return [...classes].sort((a, b) => compareClasses(a, b, sort))
}

/** A header click: the same column flips direction; a new one starts large-first (names A-Z). */
export function nextSort(current: ClassSort, column: SummaryColumn): ClassSort {
  if (current.column === column) {
    return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
  }
  return { column, direction: column === 'className' ? 'ascending' : 'descending' }
}

function statusRow(classKey: string, list: MemberList | undefined): SummaryRow | null {
  const shown = list?.items.length ?? 0
  const total = list?.total ?? 0
  const base = { kind: 'status', key: statusRowKey(classKey), classKey, shown, total } as const
  if (!list || list.loading) return { ...base, status: 'loading', error: null }
  if (list.error) return { ...base, status: 'error', error: list.error }
  if (list.total !== null && shown < list.total) return { ...base, status: 'more', error: null }
  return null
}

/** The visible rows: each class, and under an expanded one its loaded members and status. */
export function flattenRows(
  classes: readonly ClassSummary[],
  expanded: ReadonlySet<string>,
  members: ReadonlyMap<string, MemberList>,
): SummaryRow[] {
  const rows: SummaryRow[] = []
  for (const entry of classes) {
    const isExpanded = expanded.has(entry.classKey)
    rows.push({ kind: 'class', key: classRowKey(entry.classKey), entry, expanded: isExpanded })
    if (!isExpanded) continue
    const list = members.get(entry.classKey)
    for (const object of list?.items ?? []) {
      rows.push({
        kind: 'member',
        key: memberRowKey(entry.classKey, object.node),
        classKey: entry.classKey,
        object,
      })
    }
    const status = statusRow(entry.classKey, list)
    if (status) rows.push(status)
  }
  return rows
}
