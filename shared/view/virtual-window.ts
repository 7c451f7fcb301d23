// Pure arithmetic of a virtualized table with fixed-height rows: which rows to render for a
// scroll position, where the gaps go (the active row is always rendered so it can keep focus),
// how far to scroll to reveal a row, and where a navigation key moves the active row.
// Row positions are ordinals 0..rowCount-1; heights are CSS pixels. No DOM, no React.

/** Rows to render: [first, last). */
export interface RowWindow {
  first: number
  last: number
}

export interface WindowInput {
  scrollTop: number
  /** Height of the scrolled area that shows rows (the viewport minus a sticky header). */
  bodyHeight: number
  rowHeight: number
  rowCount: number
  /** Extra rows rendered above and below the visible ones. */
  overscan: number
}

/** The rows in view plus `overscan` on each side, clamped to the list. */
export function visibleRows(input: WindowInput): RowWindow {
  const { scrollTop, bodyHeight, rowHeight, rowCount, overscan } = input
  if (rowCount <= 0 || rowHeight <= 0) return { first: 0, last: 0 }
  const top = Math.max(0, Math.floor(scrollTop / rowHeight))
  const visibleCount = Math.ceil(Math.max(0, bodyHeight) / rowHeight) + 1
  const first = Math.min(rowCount, Math.max(0, top - overscan))
  const last = Math.min(rowCount, top + visibleCount + overscan)
  return { first: Math.min(first, last), last }
}

/** What the table body holds, top to bottom: runs of unrendered rows and rendered rows. */
export type Segment = { kind: 'gap'; rowCount: number } | { kind: 'row'; row: number }

/**
 * The body's segments for a window, plus the active row when it lies outside the window (so a
 * focused row is never unmounted by scrolling). Gaps fill the rest, so the body always has the
 * full height of `rowCount` rows.
 */
export function renderPlan(window: RowWindow, rowCount: number, active: number | null): Segment[] {
  const rows: number[] = []
  const extra = active !== null && active >= 0 && active < rowCount ? active : null
  if (extra !== null && extra < window.first) rows.push(extra)
  for (let row = window.first; row < window.last; row++) rows.push(row)
  if (extra !== null && extra >= window.last) rows.push(extra)
  const segments: Segment[] = []
  let next = 0
  for (const row of rows) {
    if (row > next) segments.push({ kind: 'gap', rowCount: row - next })
    segments.push({ kind: 'row', row })
    next = row + 1
  }
  if (rowCount > next) segments.push({ kind: 'gap', rowCount: rowCount - next })
  return segments
}

/** The scrollTop that brings `row` fully into view, moving as little as possible. */
export function revealScrollTop(input: {
  row: number
  scrollTop: number
  bodyHeight: number
  rowHeight: number
}): number {
  const { row, scrollTop, bodyHeight, rowHeight } = input
  const top = row * rowHeight
  const bottom = top + rowHeight
  if (top < scrollTop) return top
  if (bottom > scrollTop + bodyHeight) return Math.max(0, bottom - bodyHeight)
  return scrollTop
}

/**
 * Where a key moves the active row (ArrowUp/Down, PageUp/Down, Home/End), or null when the key
 * does not move it. `pageRows` is how many rows one page holds.
 */
export function moveActiveRow(
  key: string,
  active: number,
  rowCount: number,
  pageRows: number,
): number | null {
  if (rowCount <= 0) return null
  const page = Math.max(1, pageRows)
  const clamp = (row: number): number => Math.min(rowCount - 1, Math.max(0, row))
  switch (key) {
    case 'ArrowDown':
      return clamp(active + 1)
    case 'ArrowUp':
      return clamp(active - 1)
    case 'PageDown':
      return clamp(active + page)
    case 'PageUp':
      return clamp(active - page)
    case 'Home':
      return 0
    case 'End':
      return rowCount - 1
    default:
      return null
  }
}
