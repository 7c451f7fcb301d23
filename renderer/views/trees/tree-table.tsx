// A lazily loaded tree of heap objects in a virtualized table (Containment, Dominators): the
// root's children on top; expanding a row asks the engine for the first page of its children,
// "Show more" for the next. Right expands and enters, Left collapses and goes up, Enter or a
// click selects the object, a click on the twisty expands. Rows are paths (shared/view/tree-rows).
import { useEffect, useMemo, useRef, useState } from 'react'
import type { HeapgraphApi, Page, SnapshotInfo } from '../../../shared/protocol'
import { VirtualTable, type Column, type RowView } from '../../components/virtual-rows'
import { PageStatusCell } from '../../components/page-status-cell'
import {
  childPath,
  flattenTree,
  nearestRow,
  ROOT_PATH,
  statusKey,
  stepLeft,
  stepRight,
  type ChildList,
  type TreeStep,
} from '../../../shared/view/tree-rows'
import './trees.css'

/** Children fetched per expansion and per "Show more". */
export const TREE_PAGE = 100

/** What both tree views take from the shell. */
export interface TreeViewProps {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onObject: (node: number) => void
}

/** The columns both trees share: the object, then its distance and sizes (ObjectSizeCells). */
export const OBJECT_TREE_COLUMNS: readonly Column[] = [
  { id: 'object', label: 'Object' },
  { id: 'distance', label: 'Distance', numeric: true, width: '6rem' },
  { id: 'self', label: 'Self', numeric: true, width: '6rem' },
  { id: 'retained', label: 'Retained', numeric: true, width: '6rem' },
]

/** Levels indented; deeper rows stay at this indent and say their depth. */
const MAX_INDENT = 24

export interface TreeTableProps<T> {
  /** Accessible name of the table. */
  label: string
  /** The tree's column first, then one per cell that `cells` returns. */
  columns: readonly Column[]
  /** The node whose children are the top level. */
  rootNode: number
  fetchChildren: (node: number, start: number, count: number) => Promise<Page<T>>
  /** A child's key among its siblings: an ordinal (no '/' or '#'). */
  keyOf: (item: T) => string
  /** The object a row shows (what expanding it and selecting it are about). */
  nodeOf: (item: T) => number
  /** The tree cell's content, after the twisty, and its tooltip. */
  name: (item: T) => React.ReactNode
  title: (item: T) => string
  /** The row's other cells. */
  cells: (item: T) => React.ReactNode
  rowClassName?: (item: T) => string | undefined
  onObject: (node: number) => void
  /** Shown when the root has no children. */
  empty: string
  maxHeight: string
}

/** Loaded children per expanded path, and a loader that appends the next page of one path. */
function useChildLists<T>(
  fetchChildren: (node: number, start: number, count: number) => Promise<Page<T>>,
  onPage: (path: string, page: Page<T>) => void,
): {
  lists: ReadonlyMap<string, ChildList<T>>
  loadMore: (path: string, node?: number) => void
} {
  const [lists, setLists] = useState<ReadonlyMap<string, ChildList<T>>>(new Map())
  // Mirrors `lists` for the loader, which may run twice before a re-render.
  const latest = useRef(lists)
  // The object each path shows, to ask for its children.
  const owners = useRef(new Map<string, number>())
  const update = (path: string, change: (list: ChildList<T>) => ChildList<T>): void => {
    const empty: ChildList<T> = { items: [], total: null, loading: false, error: null }
    const next = new Map(latest.current)
    next.set(path, change(latest.current.get(path) ?? empty))
    latest.current = next
    setLists(next)
  }
  const loadMore = (path: string, node?: number): void => {
    if (node !== undefined) owners.current.set(path, node)
    const owner = owners.current.get(path)
    const list = latest.current.get(path)
    if (owner === undefined || list?.loading) return
    if (list && list.total !== null && list.items.length >= list.total) return
    const start = list?.items.length ?? 0
    update(path, (current) => ({ ...current, loading: true, error: null }))
    fetchChildren(owner, start, TREE_PAGE).then(
      (page) => {
        update(path, (current) => ({
          items: [...current.items.slice(0, page.start), ...page.items],
          total: page.total,
          loading: false,
          error: null,
        }))
        onPage(path, page)
      },
      (error: unknown) =>
        update(path, (current) => ({
          ...current,
          loading: false,
          error: error instanceof Error ? error.message : String(error),
        })),
    )
  }
  return { lists, loadMore }
}

/** Indentation of a row's first cell. */
function indent(depth: number): React.CSSProperties {
  return { paddingLeft: `calc(${Math.min(depth, MAX_INDENT)} * var(--tree-indent) + 0.5rem)` }
}

export function TreeTable<T>(props: TreeTableProps<T>): React.JSX.Element {
  const { columns, keyOf, nodeOf, onObject } = props
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set())
  const [activeKey, setActiveKey] = useState<string | null>(null)
  // After "Show more" the first new child becomes active instead of the moved status row.
  const { lists, loadMore } = useChildLists(props.fetchChildren, (path, page) => {
    const first = page.items[0]
    if (!first || page.start === 0) return
    setActiveKey((current) =>
      current === statusKey(path) ? childPath(path, keyOf(first)) : current,
    )
  })
  useEffect(() => {
    loadMore(ROOT_PATH, props.rootNode)
    // Once: the view is keyed by its snapshot.
  }, [])

  const rows = useMemo(() => flattenTree(lists, expanded, keyOf), [lists, expanded, keyOf])
  const found = useMemo(() => nearestRow(rows, activeKey), [rows, activeKey])
  const active = Math.max(0, found)

  const setPathExpanded = (path: string, node: number, open: boolean): void => {
    setExpanded((current) => {
      const next = new Set(current)
      if (open) next.add(path)
      else next.delete(path)
      return next
    })
    if (open) loadMore(path, node)
  }
  const toggle = (position: number): void => {
    const row = rows[position]
    if (row?.kind !== 'item' || row.leaf) return
    setPathExpanded(row.key, nodeOf(row.item), !row.expanded)
  }
  const step = (position: number, next: TreeStep): void => {
    if (next?.action === 'move') setActiveKey(rows[next.position].key)
    else if (next) {
      const row = rows[position]
      if (row.kind === 'item') setPathExpanded(next.key, nodeOf(row.item), next.action === 'expand')
    }
  }
  const activate = (position: number): void => {
    const row = rows[position]
    if (row?.kind === 'item') onObject(nodeOf(row.item))
    else if (row?.kind === 'status' && row.status !== 'loading') loadMore(row.parent)
  }

  const describe = (position: number): RowView => {
    const row = rows[position]
    if (row.kind === 'status') {
      return {
        key: row.key,
        className: 'status-row tree-status',
        cells: (
          <PageStatusCell
            state={row}
            columns={columns.length}
            style={indent(row.depth + 1)}
            onMore={() => loadMore(row.parent)}
          />
        ),
      }
    }
    const { item } = row
    return {
      key: row.key,
      className: ['tree-item', props.rowClassName?.(item)].filter(Boolean).join(' '),
      expanded: row.leaf ? undefined : row.expanded,
      level: row.depth + 1,
      cells: (
        <>
          <td className="name tree-cell" title={props.title(item)} style={indent(row.depth)}>
            <span
              className={row.leaf ? 'twisty leaf' : 'twisty'}
              aria-hidden="true"
              onClick={(event) => {
                if (row.leaf) return
                // Expands without selecting: the row becomes active, the details stay.
                event.stopPropagation()
                setActiveKey(row.key)
                toggle(position)
              }}
            >
              {row.leaf ? '' : row.expanded ? '▾' : '▸'}
            </span>
            {row.depth > MAX_INDENT && <span className="tree-depth">{row.depth}›</span>}
            {props.name(item)}
          </td>
          {props.cells(item)}
        </>
      ),
    }
  }

  return (
    <VirtualTable
      label={props.label}
      columns={columns}
      rowCount={rows.length}
      row={describe}
      active={active}
      onActiveChange={(position) => setActiveKey(rows[position]?.key ?? null)}
      onActivate={activate}
      onRowClick={(position) => rows[position]?.kind === 'item' && activate(position)}
      onExpand={(position) => step(position, stepRight(rows, position))}
      onCollapse={(position) => step(position, stepLeft(rows, position))}
      maxHeight={props.maxHeight}
      empty={lists.get(ROOT_PATH)?.total === 0 && <p className="muted">{props.empty}</p>}
    />
  )
}
