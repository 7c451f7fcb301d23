// A virtualized, keyboard-navigable table with fixed-height rows: only the rows in view (plus
// overscan, plus the active row) are in the DOM, gaps keep the full scroll height, and
// aria-rowcount/aria-rowindex tell screen readers the real size. One row is active (roving
// tabindex): arrows, Page keys and Home/End move it, Enter activates it, Right/Left call
// onExpand/onCollapse. Sortable headers are buttons and the sorted one carries aria-sort.
import { useLayoutEffect, useRef, useState } from 'react'
import {
  moveActiveRow,
  renderPlan,
  revealScrollTop,
  visibleRows,
} from '../../shared/view/virtual-window'

export const ROW_HEIGHT = 30

export interface Column {
  id: string
  label: string
  /** CSS width; the table uses a fixed layout so columns do not jump while scrolling. */
  width?: string
  numeric?: boolean
  sortable?: boolean
}

export type SortDirection = 'ascending' | 'descending'

export interface SortState {
  column: string
  direction: SortDirection
}

/** One row as the caller describes it; the table adds position, focus and events. */
export interface RowView {
  key: string
  /** The row's <td> cells, one per column. */
  cells: React.ReactNode
  className?: string
  /** For rows that expand (a class into its members): whether it is expanded now. */
  expanded?: boolean
  /** In a tree: the row's depth, 1 for the top level (aria-level). */
  level?: number
}

export interface VirtualTableProps {
  /** Accessible name of the table. */
  label: string
  columns: readonly Column[]
  rowCount: number
  row: (row: number) => RowView
  /** The active row (roving tabindex); the caller keeps it. */
  active: number
  onActiveChange: (row: number) => void
  /** Enter on a row. */
  onActivate?: (row: number) => void
  /** A click anywhere on a row (after it became active). */
  onRowClick?: (row: number) => void
  /** ArrowRight / ArrowLeft on a row. */
  onExpand?: (row: number) => void
  onCollapse?: (row: number) => void
  sort?: SortState
  onSort?: (column: string) => void
  rowHeight?: number
  overscan?: number
  /** CSS max-height of the scrolled area. */
  maxHeight?: string
  /** Change it to move keyboard focus to the active row (e.g. after navigating to it). */
  focusRequest?: number
  /** Change it to scroll back to the top (a new sort or filter) before revealing the active row. */
  scrollResetKey?: string
  /** Shown under the header when there are no rows. */
  empty?: React.ReactNode
}

/** The active row of a simple table, clamped to its rows. */
export function useActiveRow(rowCount: number): [number, (row: number) => void] {
  const [active, setActive] = useState(0)
  return [Math.min(active, Math.max(0, rowCount - 1)), setActive]
}

function bodyHeightOf(scroller: HTMLElement, rowHeight: number): number {
  const header = scroller.querySelector('thead')
  return scroller.clientHeight - (header ? header.offsetHeight : rowHeight)
}

function rowElement(scroller: HTMLElement, row: number): HTMLElement | null {
  return scroller.querySelector(`tbody > tr[data-row="${row}"]`)
}

function inBody(scroller: HTMLElement, element: Element | null): boolean {
  return element !== null && scroller.contains(element) && element.closest('tbody') !== null
}

function SortHeader({
  column,
  sort,
  onSort,
}: {
  column: Column
  sort?: SortState
  onSort?: (column: string) => void
}): React.JSX.Element {
  const direction = sort?.column === column.id ? sort.direction : undefined
  const arrow = direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : ''
  return (
    <th scope="col" aria-sort={direction} className={column.numeric ? 'number' : undefined}>
      {column.sortable && onSort ? (
        <button className="sort" onClick={() => onSort(column.id)}>
          {column.label}
          <span aria-hidden="true" className="sort-arrow">
            {arrow}
          </span>
        </button>
      ) : (
        column.label
      )}
    </th>
  )
}

/** Scroll position and the height that shows rows, kept in step with the scroller. */
function useScrollView(rowHeight: number): {
  scroller: React.RefObject<HTMLDivElement | null>
  view: { scrollTop: number; bodyHeight: number }
  onScroll: () => void
} {
  const scroller = useRef<HTMLDivElement>(null)
  const [view, setView] = useState({ scrollTop: 0, bodyHeight: 20 * rowHeight })
  const measure = (): void => {
    const element = scroller.current
    if (!element) return
    const next = { scrollTop: element.scrollTop, bodyHeight: bodyHeightOf(element, rowHeight) }
    setView((previous) =>
      previous.scrollTop === next.scrollTop && previous.bodyHeight === next.bodyHeight
        ? previous
        : next,
    )
  }
  useLayoutEffect(() => {
    const element = scroller.current
    if (!element) return
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
    // measure reads only refs and setState.
  }, [])
  return { scroller, view, onScroll: measure }
}

/** The narrowest the table may get: every fixed width, plus 7rem per flexible column. */
function minTableWidth(columns: readonly Column[]): string {
  const parts = columns.map((column) => column.width ?? '7rem')
  return `calc(${parts.join(' + ')})`
}

export function VirtualTable(props: VirtualTableProps): React.JSX.Element {
  const { columns, rowCount, active, rowHeight = ROW_HEIGHT, overscan = 8 } = props
  const { scroller, view, onScroll } = useScrollView(rowHeight)
  const lastResetKey = useRef(props.scrollResetKey)
  const lastFocusRequest = useRef(props.focusRequest)
  // Whether focus is on a row (or in one). Kept by focus events rather than read from
  // document.activeElement, because a focused row that a re-render removes (a "Show more" row
  // pushed out of the window) has lost focus to <body> by the time the layout effect runs.
  const rowHasFocus = useRef(false)
  const activeKey = rowCount > 0 && active < rowCount ? props.row(active).key : null

  // Reveal the active row when it changes, and keep keyboard focus on it.
  useLayoutEffect(() => {
    const element = scroller.current
    if (!element) return
    if (lastResetKey.current !== props.scrollResetKey) {
      lastResetKey.current = props.scrollResetKey
      element.scrollTop = 0
    }
    if (rowCount === 0) return
    const bodyHeight = bodyHeightOf(element, rowHeight)
    const top = revealScrollTop({
      row: active,
      scrollTop: element.scrollTop,
      bodyHeight,
      rowHeight,
    })
    if (top !== element.scrollTop) element.scrollTop = top
    const focusRequested = lastFocusRequest.current !== props.focusRequest
    lastFocusRequest.current = props.focusRequest
    if (focusRequested || rowHasFocus.current) {
      rowElement(element, active)?.focus({ preventScroll: true })
    }
    // Only a new active row (or a focus request) moves the view; new data does not. The key
    // counts too: rows inserted above can put another row at the same position.
  }, [active, activeKey, props.focusRequest, props.scrollResetKey])

  const onKeyDown = (event: React.KeyboardEvent<HTMLTableSectionElement>): void => {
    const target = event.target as HTMLElement
    const rowOfTarget = target.closest('tr')
    if (!rowOfTarget || target.matches('input, select, textarea')) return
    const row = Number(rowOfTarget.dataset.row ?? active)
    const pageRows = Math.floor(view.bodyHeight / rowHeight) - 1
    const next = moveActiveRow(event.key, row, rowCount, pageRows)
    if (next !== null) {
      event.preventDefault()
      // The layout effect moves focus to the new active row.
      if (next === active) rowOfTarget.focus({ preventScroll: true })
      else props.onActiveChange(next)
      return
    }
    // Enter and Right/Left belong to the row itself, not to a button inside it.
    if (target !== rowOfTarget) return
    const handler =
      event.key === 'Enter'
        ? props.onActivate
        : event.key === 'ArrowRight'
          ? props.onExpand
          : event.key === 'ArrowLeft'
            ? props.onCollapse
            : undefined
    if (!handler) return
    event.preventDefault()
    handler(row)
  }

  const range = visibleRows({
    scrollTop: view.scrollTop,
    bodyHeight: view.bodyHeight,
    rowHeight,
    rowCount,
    overscan,
  })
  const plan = renderPlan(range, rowCount, rowCount > 0 ? active : null)
  return (
    <div
      className="vtable"
      ref={scroller}
      onScroll={onScroll}
      onFocus={(event) => {
        rowHasFocus.current = inBody(event.currentTarget, event.target)
      }}
      onBlur={(event) => {
        // Decided after the commit: a re-render that removes the focused row blurs it first.
        const scroller = event.currentTarget
        queueMicrotask(() => {
          rowHasFocus.current = inBody(scroller, document.activeElement)
        })
      }}
      style={props.maxHeight ? { maxHeight: props.maxHeight } : undefined}
    >
      <table
        aria-label={props.label}
        aria-rowcount={rowCount + 1}
        // Fixed columns keep their widths and each flexible one at least 7rem: a narrow pane
        // scrolls the table sideways instead of squeezing the objects' names away.
        style={{ minWidth: minTableWidth(columns) }}
      >
        <colgroup>
          {columns.map((column) => (
            <col key={column.id} style={column.width ? { width: column.width } : undefined} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1} style={{ height: rowHeight }}>
            {columns.map((column) => (
              <SortHeader key={column.id} column={column} sort={props.sort} onSort={props.onSort} />
            ))}
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {plan.map((segment, position) => {
            if (segment.kind === 'gap') {
              return (
                <tr
                  key={`gap-${position}`}
                  className="gap"
                  aria-hidden="true"
                  style={{ height: segment.rowCount * rowHeight }}
                >
                  <td colSpan={columns.length} />
                </tr>
              )
            }
            const row = segment.row
            const described = props.row(row)
            const classes = [described.className, row === active ? 'active' : undefined]
            return (
              <tr
                key={described.key}
                data-row={row}
                aria-rowindex={row + 2}
                aria-expanded={described.expanded}
                aria-level={described.level}
                tabIndex={row === active ? 0 : -1}
                className={classes.filter(Boolean).join(' ') || undefined}
                style={{ height: rowHeight }}
                onClick={() => {
                  props.onActiveChange(row)
                  props.onRowClick?.(row)
                }}
              >
                {described.cells}
              </tr>
            )
          })}
        </tbody>
      </table>
      {rowCount === 0 && props.empty}
    </div>
  )
}
