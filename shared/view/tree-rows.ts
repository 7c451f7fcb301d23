// The rows of a lazily loaded tree (Containment, Dominators) as pure data: the root's children,
// and under each expanded row its loaded children, then one status row (loading, "Show more",
// an error). A row is a path from the root, so an object reached by several paths shows under
// each of them, and a cycle cannot loop: only expanded paths descend, and each is finite.

/** The root's path: its children are the tree's top level (depth 0). */
export const ROOT_PATH = ''

/** The children of one expanded path loaded so far (pages appended in engine order). */
export interface ChildList<T> {
  items: readonly T[]
  /** Null until the first page arrives. */
  total: number | null
  loading: boolean
  error: string | null
}

export type TreeRow<T> =
  | {
      kind: 'item'
      /** The row's path: its parent's path, '/', and the child's key. */
      key: string
      parent: string
      depth: number
      item: T
      expanded: boolean
      /** Known to have no children (its list came back empty): nothing to expand. */
      leaf: boolean
    }
  | {
      kind: 'status'
      key: string
      parent: string
      depth: number
      status: 'loading' | 'more' | 'error'
      shown: number
      total: number
      error: string | null
    }

/**
 * A child's path under its parent's. Child keys are ordinals (an edge's, a node's): they never
 * hold '/' or '#', so paths and status keys cannot collide.
 */
export const childPath = (parent: string, childKey: string): string => `${parent}/${childKey}`

/** The path of the row's parent (ROOT_PATH for the top level). */
export const parentPath = (path: string): string => path.slice(0, path.lastIndexOf('/'))

const STATUS = '#status'

/** The key of the status row under an expanded path. */
export const statusKey = (parent: string): string => parent + STATUS

/** The list came back, complete and empty. */
export function isLeaf<T>(list: ChildList<T> | undefined): boolean {
  return list !== undefined && list.total === 0 && !list.loading && list.error === null
}

function statusRow<T>(
  parent: string,
  depth: number,
  list: ChildList<T> | undefined,
): TreeRow<T> | null {
  const shown = list?.items.length ?? 0
  const total = list?.total ?? 0
  const base = { kind: 'status', key: statusKey(parent), parent, depth, shown, total } as const
  // An expanded path without a list is one whose first page is being asked for.
  if (!list || list.loading) return { ...base, status: 'loading', error: null }
  if (list.error !== null) return { ...base, status: 'error', error: list.error }
  if (list.total !== null && shown < list.total) return { ...base, status: 'more', error: null }
  return null
}

interface Frame<T> {
  path: string
  depth: number
  list: ChildList<T> | undefined
  next: number
}

/**
 * The visible rows, depth first. The root is always expanded; lists and expanded paths under a
 * collapsed row are kept (re-expanding shows them again) but not shown. Iterative, so a path of
 * any depth flattens without growing the call stack.
 */
export function flattenTree<T>(
  lists: ReadonlyMap<string, ChildList<T>>,
  expanded: ReadonlySet<string>,
  keyOf: (item: T) => string,
): TreeRow<T>[] {
  const rows: TreeRow<T>[] = []
  const stack: Frame<T>[] = [{ path: ROOT_PATH, depth: 0, list: lists.get(ROOT_PATH), next: 0 }]
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]
    const items = frame.list?.items ?? []
    if (frame.next < items.length) {
      const item = items[frame.next++]
      const key = childPath(frame.path, keyOf(item))
      const list = lists.get(key)
      const leaf = isLeaf(list)
      const isExpanded = !leaf && expanded.has(key)
      rows.push({
        kind: 'item',
        key,
        parent: frame.path,
        depth: frame.depth,
        item,
        expanded: isExpanded,
        leaf,
      })
      if (isExpanded) stack.push({ path: key, depth: frame.depth + 1, list, next: 0 })
      continue
    }
    stack.pop()
    const status = statusRow(frame.path, frame.depth, frame.list)
    if (status) rows.push(status)
  }
  return rows
}

/**
 * The row showing `key`, or else its nearest shown ancestor (a row collapsed away, a status row
 * gone once its list is complete); -1 when none is shown.
 */
export function nearestRow<T>(rows: readonly TreeRow<T>[], key: string | null): number {
  if (key === null) return -1
  const positions = new Map(rows.map((row, position) => [row.key, position]))
  const exact = positions.get(key)
  if (exact !== undefined) return exact
  let path = key.endsWith(STATUS) ? key.slice(0, -STATUS.length) : parentPath(key)
  while (path !== ROOT_PATH) {
    const found = positions.get(path)
    if (found !== undefined) return found
    path = parentPath(path)
  }
  return -1
}

/** What an arrow key does to the tree: expand or collapse a row, or move to another. */
export type TreeStep =
  { action: 'expand' | 'collapse'; key: string } | { action: 'move'; position: number } | null

/** Right: expands a collapsed row; on an expanded one, moves to its first child (or status). */
export function stepRight<T>(rows: readonly TreeRow<T>[], position: number): TreeStep {
  const row = rows[position]
  if (row?.kind !== 'item' || row.leaf) return null
  if (!row.expanded) return { action: 'expand', key: row.key }
  return rows[position + 1]?.parent === row.key ? { action: 'move', position: position + 1 } : null
}

/** Left: collapses an expanded row; on any other, moves to its parent row. */
export function stepLeft<T>(rows: readonly TreeRow<T>[], position: number): TreeStep {
  const row = rows[position]
  if (!row) return null
  if (row.kind === 'item' && row.expanded) return { action: 'collapse', key: row.key }
  if (row.parent === ROOT_PATH) return null
  // The parent comes before its children.
  for (let above = position - 1; above >= 0; above--) {
    if (rows[above].key === row.parent) return { action: 'move', position: above }
  }
  return null
}
