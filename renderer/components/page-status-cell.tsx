// The last row of a paged list inside a table (a class's members, a tree node's children, a
// group's arrays): "Loading…", or "Show more" with how many are shown, or the error with Retry.
// Its button keeps focus on the row while the page loads (the button goes away meanwhile).

/** What a list's status row knows (summary-rows.ts and tree-rows.ts make them). */
export interface PageStatus {
  status: 'loading' | 'more' | 'error'
  error: string | null
  shown: number
  total: number
}

export function PageStatusCell({
  state,
  columns,
  style,
  onMore,
}: {
  state: PageStatus
  columns: number
  /** The tree views' indentation. */
  style?: React.CSSProperties
  onMore: () => void
}): React.JSX.Element {
  const more = (event: React.MouseEvent<HTMLButtonElement>): void => {
    // Not also a click on the row (which would select or toggle it).
    event.stopPropagation()
    event.currentTarget.closest('tr')?.focus({ preventScroll: true })
    onMore()
  }
  return (
    <td colSpan={columns} className="status" style={style}>
      {state.status === 'loading' && 'Loading…'}
      {state.status === 'more' && (
        <>
          <button tabIndex={-1} onClick={more}>
            Show more
          </button>{' '}
          {state.shown.toLocaleString('en-US')} of {state.total.toLocaleString('en-US')} shown
        </>
      )}
      {state.status === 'error' && state.error !== null && (
        <>
          <span className="error">{state.error}</span>{' '}
          <button tabIndex={-1} onClick={more}>
            Retry
          </button>
        </>
      )}
    </td>
  )
}
